#!/usr/bin/env node
// Global against local models, on the series of an accuracy manifest taken as panels: the
// manifest's series (../shared/bench/manifest.json's format) are grouped into panels of one
// seasonal period, horizon and kind of time index, and each panel is backtested by the protocol of
// ../shared/bench/ACCURACY.md (`rnnfc backtest --id-column`, 3 origins, step ceil(h/2)) with one
// model per series (local: today's per-series defaults, each series as its own backtest scores
// it), with one global network per panel (global), and with the config-less choice between them
// made at each origin (auto). A series' score is its MASE averaged over the origins; a scope's
// suite score is the geometric mean over the series of its MASE relative to Comb's (baselines.R's
// output for the manifest), and relative to seasonal naive's.
// Usage: node bench/panel-accuracy.js --manifest M.json --baselines B.json [--scopes local,global,auto] [--category C]
//          [--origins 3] [--epochs N] [--keep DIR] [--json]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { flag, opt, root } from './args.js';

const manifestPath = resolve(opt('manifest', join(root, '../shared/bench/manifest.json')));
const baselines = JSON.parse(readFileSync(resolve(opt('baselines', join(root, '../shared/bench/baselines-visible.json'))), 'utf8'));
// --category C: only the manifest's entries of that category (bench/tsdl-eval.js writes one per entry)
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')).filter((e) => !opt('category') || e.category === opt('category'));
const scopes = opt('scopes', 'local,global,auto').split(',');
const origins = opt('origins', '3');
const dir = opt('keep') ?? mkdtempSync(join(tmpdir(), 'rnnfc-panel-acc-'));

/** A series file's rows: its first column as the time, its target column as the value. */
function readSeries(entry) {
  const lines = readFileSync(join(dirname(manifestPath), entry.file), 'utf8')
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/);
  const header = lines[0].split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
  const t = 0;
  const v = header.indexOf(entry.target);
  if (v < 0) throw new Error(`${entry.file}: no column ${entry.target}`);
  return lines.slice(1).map((l) => {
    const c = l.split(',');
    return [c[t].trim(), (c[v] ?? '').trim()];
  });
}

/** The kind of time index a series is written with, and its spacing: a panel must share both. */
function timeKind(rows) {
  const t = rows[0][0];
  if (/^\d+$/.test(t)) return 'integer';
  if (/^\d{4}-\d{2}$/.test(t)) return 'month';
  const days = Math.round((Date.parse(rows[1][0]) - Date.parse(t)) / 86400000);
  return days >= 360 ? 'year' : days >= 88 ? 'quarter' : days >= 28 ? 'month-date' : days >= 7 ? 'week' : 'day';
}

// panels: one per (m, h, kind of time index)
const panels = new Map();
for (const e of manifest) {
  if (!baselines[e.name]) continue;
  const rows = readSeries(e);
  const key = `m${e.m}-h${e.h}-${timeKind(rows)}`;
  if (!panels.has(key)) panels.set(key, { m: e.m, h: e.h, entries: [] });
  panels.get(key).entries.push({ name: e.name, rows });
}

const scores = Object.fromEntries(scopes.map((s) => [s, {}]));
for (const [key, p] of panels) {
  const file = join(dir, `${key}.csv`);
  writeFileSync(file, ['id,time,value', ...p.entries.flatMap((e) => e.rows.map(([t, v]) => `${e.name},${t},${v}`))].join('\n') + '\n');
  for (const scope of scopes) {
    const args = ['bin/rnnfc.js', 'backtest', '--data', file, '--id-column', 'id', '--time-column', 'time', '--target', 'value'];
    args.push('--horizon', String(p.h), '--season', String(p.m), '--origins', origins, '--json');
    if (scope !== 'auto') args.push('--scope', scope);
    if (opt('epochs')) args.push('--epochs', opt('epochs'));
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`backtest of panel ${key} (${scope}) failed:\n${r.stderr.slice(-2000)}`);
    const out = JSON.parse(r.stdout);
    for (const s of out.series) scores[scope][s.key[0]] = s.mean;
    process.stderr.write(`${key} (${p.entries.length} series) ${scope}: ${out.scopes.map((c) => c.scope).join('/')} ${out.seconds.toFixed(1)} s\n`);
  }
}

const names = manifest.map((e) => e.name).filter((n) => baselines[n] && scopes.every((s) => scores[s][n]?.model?.mase > 0));
const gmean = (xs) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
// (a series whose reference scores 0, a constant stretch, has no ratio)
const suite = (scope, ref) => gmean(names.map((n) => scores[scope][n].model.mase / baselines[n].mean_mase[ref]).filter((r) => r > 0 && Number.isFinite(r)));
const table = scopes.map((s) => ({ scope: s, vs_comb: suite(s, 'comb'), vs_snaive: suite(s, 'snaive') }));
// per category (bench/tsdl-eval.js writes one per manifest entry), against Comb
const categoryOf = new Map(manifest.map((e) => [e.name, e.category ?? 'all']));
const categories = [...new Set(names.map((n) => categoryOf.get(n)))].sort();
const byCategory = Object.fromEntries(
  categories.map((c) => {
    const in_ = names.filter((n) => categoryOf.get(n) === c);
    return [
      c,
      { series: in_.length, ...Object.fromEntries(scopes.map((s) => [s, gmean(in_.map((n) => scores[s][n].model.mase / baselines[n].mean_mase.comb))])) },
    ];
  }),
);
if (flag('json')) console.log(JSON.stringify({ manifest: manifestPath, series: names.length, panels: panels.size, table, by_category: byCategory }));
else {
  console.log(`${names.length} series in ${panels.size} panels of ${manifestPath}; suite scores (geometric mean of MASE ratios)`);
  console.log(`${'scope'.padEnd(10)}${'vs Comb'.padStart(10)}${'vs snaive'.padStart(11)}`);
  for (const t of table) console.log(`${t.scope.padEnd(10)}${t.vs_comb.toFixed(3).padStart(10)}${t.vs_snaive.toFixed(3).padStart(11)}`);
  if (categories.length > 1) {
    console.log(`\nagainst Comb, by category\n${'category'.padEnd(12)}${'series'.padStart(7)}${scopes.map((s) => s.padStart(9)).join('')}`);
    for (const [c, v] of Object.entries(byCategory))
      console.log(`${c.padEnd(12)}${String(v.series).padStart(7)}${scopes.map((s) => v[s].toFixed(3).padStart(9)).join('')}`);
  }
}
if (!opt('keep')) rmSync(dir, { recursive: true, force: true });
