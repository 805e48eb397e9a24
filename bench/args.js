// Shared by the bench scripts: the repository root and their `--name value` / `--flag` arguments.

import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
/** The value after --name, or dflt when absent. */
export const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
/** Whether --name is present. */
export const flag = (name) => argv.includes(`--${name}`);

/** The arguments of `rnnfc backtest --json` on a manifest entry (its target, horizon h and season m). */
export const backtestArgs = (data, timeColumn, e, origins) => [
  'backtest',
  '--data',
  data,
  '--time-column',
  timeColumn,
  '--target',
  e.target,
  '--horizon',
  String(e.h),
  '--season',
  String(e.m),
  '--origins',
  String(origins),
  '--json',
];

/** The first header cell of a CSV file (its time column in the bench's data sets). */
export function firstHeaderCell(path) {
  const line = readFileSync(path, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/, 1)[0];
  return line.split(',')[0].trim().replace(/^"|"$/g, '');
}

/**
 * The arguments of recurrent layer i of the reference stack (bench/speed.js): cfg.units units,
 * returning sequences below the last of cfg.layers, seeded Glorot-uniform and orthogonal
 * initializers, zero bias; the first takes [cfg.window, cfg.features] inputs.
 */
export const referenceLayerArgs = (tf, cfg, i) => ({
  units: cfg.units,
  returnSequences: i < cfg.layers - 1,
  kernelInitializer: tf.initializers.glorotUniform({ seed: 10 + i }),
  recurrentInitializer: tf.initializers.orthogonal({ gain: 1, seed: 20 + i }),
  biasInitializer: tf.initializers.zeros(),
  ...(i === 0 ? { inputShape: [cfg.window, cfg.features] } : {}),
});

/**
 * This machine's WebAssembly SIMD ceiling on one core, GFLOP/s: the median of 5 runs of the
 * kernels' simdPeak (assembly/peak.ts: 96 FLOPs a round of independent multiply-add chains, no
 * memory), from this checkout's build, on an instance of its own.
 */
export function wasmCeiling() {
  const mod = new WebAssembly.Module(readFileSync(join(root, 'dist', 'kernels', 'rnn.wasm')));
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
  const k = new WebAssembly.Instance(mod, { env: { memory, exp: Math.exp, log: Math.log } }).exports;
  k.simdPeak(1e6);
  const rates = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    k.simdPeak(2e7);
    rates.push((96 * 2e7) / ((performance.now() - t0) / 1000) / 1e9);
  }
  return rates.sort((a, b) => a - b)[2];
}

/**
 * A saved backtest origin (`bench/accuracy.js --save`) with the baselines file's origin of the same
 * train_end, and a function giving any forecast's MASE there (the series' scale from rnnfc's own
 * metrics); null without either.
 */
export function savedOrigin(o, base) {
  const r = base.origins.find((x) => x.train_end === o.train_end);
  const m = o.metrics.model;
  if (!r || !(m.mase > 0)) return null;
  const scale = m.mae / m.mase;
  return { r, mase: (f) => f.reduce((s, v, i) => s + Math.abs(v - o.actual[i]), 0) / f.length / scale };
}

/**
 * The target column of a bench manifest entry's file (an empty or NA cell: NaN): its path relative
 * to the manifest, or with `visible` (../shared/bench/manifest.json) the file of that name in datasets/.
 */
export function manifestValues(e, manifestPath, visible = false) {
  const path = visible ? join(root, 'datasets', basename(e.file)) : resolve(dirname(manifestPath), e.file);
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const col = lines[0].split(',').indexOf(e.target);
  return Float64Array.from(lines.slice(1), (l) => {
    const cell = (l.split(',')[col] ?? '').trim();
    return cell === '' || cell === 'NA' ? Number.NaN : Number(cell);
  });
}

/**
 * Prints suite scores against Comb: `scores` maps a way to a map from category ('all' first) to the
 * series' log ratios (log of mean MASE over the origins over Comb's); each cell is the geometric
 * mean and its series count.
 */
export function printScores(scores, categories, width = 20) {
  const cats = ['all', ...categories];
  process.stdout.write(`${'way'.padEnd(width)}${cats.map((c) => c.padStart(14)).join('')}\n`);
  for (const [way, per] of scores) {
    const cells = cats.map((c) => {
      const v = per.get(c);
      return (v ? `${Math.exp(v.reduce((s, x) => s + x, 0) / v.length).toFixed(3)} (${v.length})` : '-').padStart(14);
    });
    process.stdout.write(`${way.padEnd(width)}${cells.join('')}\n`);
  }
}

/** The mean of several forecasts, step by step. */
export const meanOf = (fs) => fs[0].map((_, i) => fs.reduce((s, f) => s + f[i], 0) / fs.length);
/** The median of several forecasts, step by step. */
export const medianOf = (fs) =>
  fs[0].map((_, i) => {
    const v = fs.map((f) => f[i]).sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  });

/**
 * Ways of forecasting replayed into saved backtests (`bench/accuracy.js --save`): for each manifest
 * series with a saved backtest and baselines, `waysAt(e, y, o, r)` gives each way's forecast at a
 * saved origin `o` (y: the series' values, gaps filled by `fill`; r: the baselines' origin); the
 * result maps each way to the log ratios (per category, 'all' first) of its mean MASE over the
 * origins to Comb's, as printScores takes them, with the number of origins scored.
 */
export function replayScores({ manifest, manifestPath, saved, baselines, visible, fill }, waysAt) {
  const scores = new Map();
  let origins = 0;
  for (const e of manifest) {
    const bt = saved[e.name];
    const base = baselines[e.name];
    if (!bt?.origins || !base) continue;
    const y = fill(manifestValues(e, manifestPath, visible));
    const sums = new Map();
    let comb = 0;
    let used = 0;
    for (const o of bt.origins) {
      const at = savedOrigin(o, base);
      if (!at) continue;
      const { r, mase } = at;
      for (const [way, f] of Object.entries(waysAt(e, y, o, r))) sums.set(way, (sums.get(way) ?? 0) + mase(f));
      comb += mase(r.forecasts.comb);
      used++;
    }
    origins += used;
    if (!used || !(comb > 0)) continue;
    for (const [way, v] of sums) {
      if (!(v > 0)) continue;
      const per = scores.get(way) ?? new Map();
      for (const c of ['all', e.category].filter(Boolean)) per.set(c, [...(per.get(c) ?? []), Math.log(v / comb)]);
      scores.set(way, per);
    }
  }
  return { scores, origins };
}
