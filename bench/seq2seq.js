#!/usr/bin/env node
// Many-to-many (an encoder-decoder fed its own forecasts) against many-to-one (one window in, the
// horizon out), the same network and training otherwise, under the rolling-origin protocol of
// ../shared/bench/ACCURACY.md: for each series of a manifest, `rnnfc backtest -c CONFIG --json` with
// a config written here for both modes:
//   transforms [log (positive series), scale standard]; each window relative to its last value
//   (window.normalize last); lookback max(2h, 2m, 8), at most a third
//   of the rows left after the test and validation parts; one 32-unit layer of --cell (lstm);
//   adam 0.003, batch 16, at most 100 epochs, early stopping (patience 10) on h validation rows.
// No linear path, pretrained network or statistical member joins either forecast: the two modes
// are compared as networks. Reported: the geometric mean over the series of MASE / Comb's MASE
// (baselines.R's output for the manifest), per mode and per category, and the seconds each took.
//
// --teacher-forcing A,B sets many-to-many's training.teacher_forcing (default: the config's default, [1, 0]).
// --calendar auto gives both modes data.calendar: every calendar feature (hour_of_day, day_of_week,
// month_of_year) that varies over the series' times (none for integer times); --calendar NAMES those.
//
// usage: node bench/seq2seq.js [--manifest FILE --baselines FILE] [--only name1,name2] [--origins K] [--cell lstm|gru|rnn]
//          [--teacher-forcing A,B] [--calendar auto|NAMES] [--json]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { firstHeaderCell, flag, opt, root as ROOT } from './args.js';

const SHARED = resolve(ROOT, '../shared');
const BIN = join(ROOT, 'bin/rnnfc.js');
const MODES = ['many-to-one', 'many-to-many'];

const manifestPath = opt('manifest') ? resolve(opt('manifest')) : join(SHARED, 'bench/manifest.json');
const baselinesPath = opt('baselines') ? resolve(opt('baselines')) : join(SHARED, 'bench/baselines-visible.json');
const origins = Number(opt('origins', '3'));
const cell = opt('cell', 'lstm');
const teacher = opt('teacher-forcing');
const only = opt('only')?.split(',');
const calendarOpt = opt('calendar');
const { CALENDAR_FEATURES, calendarProblem } = await import(join(ROOT, 'dist/data/calendar.js'));
const { inferFrequency, parseTimeValue } = await import(join(ROOT, 'dist/data/time.js'));

/** data.calendar for a series (--calendar): the named features, or (auto) those that vary over its times. */
function calendarFor(file) {
  if (!calendarOpt) return [];
  if (calendarOpt !== 'auto') return calendarOpt.split(',');
  const cells = readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((l) => parseTimeValue(l.split(',')[0].trim().replace(/^"|"$/g, '')));
  if (!cells.every(Boolean)) return [];
  const times = cells.map((c) => c.t);
  const index = { format: cells[0].format, frequency: inferFrequency(times, cells[0].format), times };
  return CALENDAR_FEATURES.filter((f) => calendarProblem(f, index) === null);
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')).filter((e) => !only || only.includes(e.name));
const baselines = JSON.parse(readFileSync(baselinesPath, 'utf8'));
const dataPath = (e) => (opt('manifest') ? resolve(dirname(manifestPath), e.file) : join(ROOT, 'datasets', basename(e.file)));

/** The values of a series' target column (to size the lookback and choose the log). */
function values(file, target) {
  const lines = readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/);
  const col = lines[0]
    .split(',')
    .map((s) => s.trim().replace(/^"|"$/g, ''))
    .indexOf(target);
  return lines.slice(1).map((l) => Number(l.split(',')[col]));
}

function configFor(e, mode) {
  const file = dataPath(e);
  const y = values(file, e.target);
  const n = y.length;
  const lookback = Math.max(2, Math.min(Math.max(2 * e.h, 2 * e.m, 8), Math.floor((n - 2 * e.h - (origins - 1) * Math.ceil(e.h / 2)) / 3)));
  const transforms = y.every((v) => v > 0) ? '[log, {scale: standard}]' : '[{scale: standard}]';
  const cal = calendarFor(file);
  return `data: {path: ${JSON.stringify(file)}, time_column: ${JSON.stringify(firstHeaderCell(file))}, target: ${JSON.stringify(e.target)}${cal.length ? `, calendar: [${cal.join(', ')}]` : ''}}
transforms: ${transforms}
window: {mode: ${mode}, lookback: ${lookback}, horizon: ${e.h}, normalize: last}
model: {cell: ${cell}, layers: [{units: 32}]}
training: {learning_rate: 0.003, batch_size: 16, epochs: 100, early_stopping: {patience: 10}, validation_size: ${e.h}, seed: 42${mode === 'many-to-many' && teacher ? `, teacher_forcing: [${teacher}]` : ''}}
evaluation: {season: ${e.m}}
output: {plot: false}
`;
}

const dir = mkdtempSync(join(tmpdir(), 'rnnfc-seq2seq-'));
const rows = [];
try {
  for (const e of manifest) {
    const comb = baselines[e.name]?.mean_mase?.comb ?? null;
    const row = { name: e.name, category: e.category ?? null, comb };
    for (const mode of MODES) {
      const cfg = join(dir, `${e.name}-${mode}.yaml`);
      writeFileSync(cfg, configFor(e, mode));
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [BIN, 'backtest', '-c', cfg, '--origins', String(origins), '--json'], {
        cwd: dir,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      const seconds = (performance.now() - t0) / 1000;
      let mase = null;
      if (r.status === 0) mase = JSON.parse(r.stdout.trim().split('\n').pop()).mean.model.mase;
      else process.stderr.write(`${e.name} ${mode}: ${(r.stderr || '').trim().split('\n')[0]}\n`);
      row[mode] = { mase, seconds };
    }
    rows.push(row);
    if (!flag('json'))
      process.stdout.write(
        `${e.name.padEnd(14)}${MODES.map((m) => `${(row[m].mase ?? NaN).toFixed(3).padStart(9)}${row[m].seconds.toFixed(1).padStart(7)}s`).join('')}${(comb ?? NaN).toFixed(3).padStart(9)}\n`,
      );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const ok = rows.filter((r) => r.comb > 0 && MODES.every((m) => r[m].mase > 0));
const cats = [...new Set(ok.map((r) => r.category).filter((c) => c !== null))];
const geo = (rs, f) => Math.exp(rs.reduce((s, r) => s + Math.log(f(r)), 0) / rs.length);
const groups = [['all', ok], ...cats.map((c) => [c, ok.filter((r) => r.category === c)])].map(([category, rs]) => ({
  category,
  series: rs.length,
  ...Object.fromEntries(MODES.map((m) => [m, { vs_comb: geo(rs, (r) => r[m].mase / r.comb), seconds: rs.reduce((s, r) => s + r[m].seconds, 0) }])),
}));
if (flag('json')) process.stdout.write(`${JSON.stringify({ origins, cell, series: rows, groups })}\n`);
else {
  process.stdout.write(`\ngeometric mean of MASE / Comb over the series (${origins} origins, cell ${cell}); seconds in all\n`);
  process.stdout.write(`${'category'.padEnd(12)}${'n'.padStart(5)}${MODES.map((m) => `${m.padStart(14)}${'s'.padStart(8)}`).join('')}\n`);
  for (const g of groups)
    process.stdout.write(
      `${g.category.padEnd(12)}${String(g.series).padStart(5)}${MODES.map((m) => `${g[m].vs_comb.toFixed(3).padStart(14)}${g[m].seconds.toFixed(0).padStart(8)}`).join('')}\n`,
    );
}
