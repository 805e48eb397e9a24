#!/usr/bin/env node
// Rolling-origin accuracy benchmark (../shared/bench/ACCURACY.md): runs `rnnfc backtest` on each
// series of ../shared/bench/manifest.json and sets its mean MASE beside the R baselines in
// ../shared/bench/baselines-visible.json. Suite score = geometric mean of rnnfc MASE / Comb MASE.
//
// Other series: --manifest FILE (same format; files relative to the manifest's folder) and
// --baselines FILE (baselines.R's output for that manifest). A table of every method's suite
// score follows, per category when the manifest's entries carry a `category` field.
//
// --pretrained NAME runs the backtests with a pretrained forecaster (none, builtin or a folder
// `rnnfc pretrain` wrote) beside the config-less model; --damping PHI with the forecasts' trend
// damped by PHI (1: none); --theta on|off with or without the Theta method in the mean; --ets on|off with or without the
// automatic ETS in Holt's place; --holt on|off with or without Holt's
// damped trend in the forecast. Without
// them, the config-less defaults' own.
//
// --build DIR runs another checkout's build (DIR/bin/rnnfc.js, built) on the same series, e.g. the
// commit before a change, to score both on a set by the same protocol.
//
// --save FILE writes every series' `rnnfc backtest --json` output (name -> output) to FILE: each
// origin's forecast and the parts it was combined from, for bench/combinations.js.
//
// usage: node bench/accuracy.js [--only airline,gold] [--epochs N] [--origins K] [--json]
//          [--manifest FILE --baselines FILE] [--pretrained NAME] [--damping PHI] [--theta on|off]
//          [--holt on|off] [--ets on|off] [--ets on|off] [--save FILE] [--build DIR]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { backtestArgs, firstHeaderCell, root as ROOT } from './args.js';

const SHARED = resolve(ROOT, '../shared');

function parseArgs(argv) {
  const o = {
    only: null,
    epochs: null,
    origins: 3,
    json: false,
    manifest: null,
    baselines: null,
    pretrained: null,
    damping: null,
    theta: null,
    holt: null,
    ets: null,
    save: null,
    build: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--only')
      o.only = val()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a.startsWith('--only='))
      o.only = a
        .slice(7)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a === '--epochs') o.epochs = val();
    else if (a.startsWith('--epochs=')) o.epochs = a.slice(9);
    else if (a === '--origins') o.origins = Number(val());
    else if (a === '--json') o.json = true;
    else if (a === '--pretrained') o.pretrained = val();
    else if (a === '--damping') o.damping = val();
    else if (a === '--theta') o.theta = val();
    else if (a === '--holt') o.holt = val();
    else if (a === '--ets') o.ets = val();
    else if (a === '--save') o.save = resolve(val());
    else if (a === '--build') o.build = resolve(val());
    else if (a === '--manifest') o.manifest = resolve(val());
    else if (a === '--baselines') o.baselines = resolve(val());
    else if (a === '-h' || a === '--help') {
      process.stdout.write(
        'usage: node bench/accuracy.js [--only name1,name2] [--epochs N] [--origins K] [--json] [--manifest FILE --baselines FILE] [--pretrained NAME] [--damping PHI] [--theta on|off] [--holt on|off] [--ets on|off] [--save FILE] [--build DIR]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

function f(x, d = 3) {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-';
}

/** The methods of the per-category table, as row fields; Comb is the reference (1.000). */
const METHODS = ['rnnfc', 'comb', 'ets', 'arima', 'theta', 'snaive'];

/**
 * Suite scores of every method per category (the manifest's `category` field; all series
 * together first): the geometric mean of method MASE / Comb MASE over the series of the
 * category where every method has a positive finite ratio, so the methods share their series.
 */
function suiteByCategory(rows) {
  const usable = rows.filter((r) => METHODS.every((k) => typeof r[k] === 'number' && r[k] > 0 && Number.isFinite(r[k] / r.comb)));
  const cats = [...new Set(rows.map((r) => r.category).filter((c) => c !== null))];
  return [['all', usable], ...cats.map((c) => [c, usable.filter((r) => r.category === c)])].map(([category, rs]) => ({
    category,
    series: rs.length,
    suite: Object.fromEntries(METHODS.map((k) => [k, rs.length ? Math.exp(rs.reduce((s, r) => s + Math.log(r[k] / r.comb), 0) / rs.length) : null])),
  }));
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (Boolean(opts.manifest) !== Boolean(opts.baselines)) throw new Error('--manifest and --baselines go together');
  const manifestPath = opts.manifest ?? join(SHARED, 'bench/manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const baselines = JSON.parse(readFileSync(opts.baselines ?? join(SHARED, 'bench/baselines-visible.json'), 'utf8'));
  // the shipped copies of the visible series; other manifests' files relative to the manifest
  const dataPath = (e) => (opts.manifest ? relative(ROOT, resolve(dirname(manifestPath), e.file)) : join('datasets', basename(e.file)));
  let entries = manifest;
  if (opts.only) {
    const unknown = opts.only.filter((n) => !manifest.some((e) => e.name === n));
    if (unknown.length) throw new Error(`unknown series: ${unknown.join(', ')}; known: ${manifest.map((e) => e.name).join(', ')}`);
    entries = manifest.filter((e) => opts.only.includes(e.name));
  }
  const home = opts.build ?? ROOT;
  if (!existsSync(join(home, 'dist/main.js'))) throw new Error(`${join(home, 'dist')} is missing: run \`npm run build\` there first`);
  const bin = join(home, 'bin/rnnfc.js');

  const rows = [];
  const saved = opts.save ? {} : null;
  // the name column fits the longest series name (one space after it)
  const nameWidth = Math.max(12, ...entries.map((e) => e.name.length + 1));
  const header = ['series', 'rnnfc', 'Comb', 'ETS', 'ARIMA', 'snaive', 'rnnfc/Comb', 'seconds'];
  if (!opts.json) {
    process.stdout.write(
      `rolling-origin MASE (mean over ${opts.origins} origins)${opts.epochs ? `, epochs ${opts.epochs}` : ''}${opts.pretrained ? `, pretrained ${opts.pretrained}` : ''}${opts.damping ? `, damping ${opts.damping}` : ''}${opts.theta ? `, theta ${opts.theta}` : ''}${opts.holt ? `, holt ${opts.holt}` : ''}${opts.ets ? `, ets ${opts.ets}` : ''}${opts.build ? `, build ${opts.build}` : ''}\n`,
    );
    process.stdout.write(header.map((h, i) => (i === 0 ? h.padEnd(nameWidth) : h.padStart(11))).join('') + '\n');
  }
  for (const e of entries) {
    const data = dataPath(e);
    const timeColumn = firstHeaderCell(join(ROOT, data));
    const args = [bin, ...backtestArgs(data, timeColumn, e, opts.origins)];
    if (opts.epochs) args.push('--epochs', String(opts.epochs));
    if (opts.pretrained) args.push('--pretrained', opts.pretrained);
    if (opts.damping) args.push('--damping', opts.damping);
    if (opts.theta) args.push('--theta', opts.theta);
    if (opts.holt) args.push('--holt', opts.holt);
    if (opts.ets) args.push('--ets', opts.ets);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const seconds = (performance.now() - t0) / 1000;
    const base = baselines[e.name]?.mean_mase ?? {};
    let mase = null;
    let error = null;
    if (r.status !== 0) error = (r.stderr || '').trim().split('\n').slice(0, 3).join(' | ') || `exit ${r.status}`;
    else {
      try {
        const out = JSON.parse(r.stdout.trim().split('\n').pop());
        mase = out.mean.model.mase;
        if (saved) saved[e.name] = out;
      } catch (err) {
        error = `cannot parse backtest output: ${err.message}`;
      }
    }
    const ratio = mase !== null && base.comb ? mase / base.comb : null;
    const row = {
      name: e.name,
      category: e.category ?? null,
      rnnfc: mase,
      comb: base.comb ?? null,
      ets: base.ets ?? null,
      arima: base.arima ?? null,
      theta: base.theta ?? null,
      snaive: base.snaive ?? null,
      ratio,
      seconds,
      error,
    };
    rows.push(row);
    if (!opts.json) {
      const cells = [row.rnnfc, row.comb, row.ets, row.arima, row.snaive, row.ratio].map((x) => f(x).padStart(11));
      process.stdout.write(row.name.padEnd(nameWidth) + cells.join('') + seconds.toFixed(1).padStart(11) + '\n');
      if (error) process.stdout.write(`  ${e.name}: failed: ${error}\n`);
    }
  }
  const ok = rows.filter((r) => r.ratio !== null && r.ratio > 0);
  const suite = ok.length ? Math.exp(ok.reduce((s, r) => s + Math.log(r.ratio), 0) / ok.length) : null;
  const total = rows.reduce((s, r) => s + r.seconds, 0);
  const groups = suiteByCategory(rows);
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({
        origins: opts.origins,
        epochs: opts.epochs,
        ...(opts.build ? { build: opts.build } : {}),
        series: rows,
        suite_score: suite,
        by_category: groups,
        seconds: total,
      }) + '\n',
    );
  } else {
    process.stdout.write(`suite score (geometric mean of rnnfc/Comb over ${ok.length} of ${rows.length} series): ${f(suite)}; total ${total.toFixed(1)} s\n`);
    process.stdout.write(
      '\nsuite score per method (geometric mean of MASE / Comb MASE) over the series where every method has a positive finite ratio\n' +
        ['category', 'series', ...METHODS].map((h, i) => (i === 0 ? h.padEnd(12) : h.padStart(9))).join('') +
        '\n',
    );
    for (const g of groups)
      process.stdout.write(g.category.padEnd(12) + String(g.series).padStart(9) + METHODS.map((k) => f(g.suite[k]).padStart(9)).join('') + '\n');
  }
  if (saved) writeFileSync(opts.save, JSON.stringify(saved));
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

try {
  main();
} catch (err) {
  process.stderr.write(`bench/accuracy: error: ${err.message}\n`);
  process.exitCode = 2;
}
