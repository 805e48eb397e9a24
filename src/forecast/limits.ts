/**
 * Sizes checked before any work. Every size a config sets is checked against the data it is
 * given (a window, season, period or lag longer than the rows it needs), and all of them together
 * against an estimate of the memory the fit needs, which must stay under a limit the caller
 * passes in: the commands pass half of the machine's memory (limitsFor(os.totalmem())); nothing
 * here reads the machine. prepareFit runs these checks before a transform is fitted, a window cut
 * or a model built, so a config that cannot fit is refused at once with the setting to change.
 */
import type { Config, WindowConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { transformOf } from '../transforms/registry.js';
import type { Split } from './fit.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** How much memory a fit may use. */
export interface FitLimits {
  /** Bytes, compared with estimateFitMemory's total. */
  memory: number;
  /** How the limit came about, for messages ("half of this machine's 16.0 GiB"). */
  source: string;
}

/** The limits of a library caller that passes none. */
export const DEFAULT_LIMITS: FitLimits = { memory: 8 * GiB, source: 'the default limit' };

/** Share of the machine's memory a fit may use. */
export const MEMORY_SHARE = 0.5;

/** The limits on a machine with `totalBytes` of memory (the commands pass os.totalmem()). */
export function limitsFor(totalBytes: number): FitLimits {
  return { memory: Math.floor(totalBytes * MEMORY_SHARE), source: `half of this machine's ${formatBytes(totalBytes)}` };
}

/** Three significant digits, without exponent below 1000: `11.8`, `894`, `3.2e+7`. */
function digits3(x: number): string {
  return x < 1000 ? x.toPrecision(3) : x < 1e6 ? Math.round(x).toString() : x.toPrecision(3);
}

/** `12 KiB`, `512 MiB`, `11.8 GiB`, `894 GiB`, `1.22 TiB`, `9.60e+19 bytes`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'more than can be counted';
  if (bytes < MiB) return `${Math.ceil(bytes / 1024)} KiB`;
  if (bytes < GiB) return `${digits3(bytes / MiB)} MiB`;
  if (bytes < 1024 * GiB) return `${digits3(bytes / GiB)} GiB`;
  if (bytes < 1024 ** 2 * GiB) return `${digits3(bytes / (1024 * GiB))} TiB`;
  return `${bytes.toExponential(2)} bytes`;
}

/** `126`, `1.20 million`, `40.0 billion`, `4.00e+18`. */
function formatCount(n: number): string {
  if (!Number.isFinite(n)) return 'more than can be counted';
  if (n < 1e6) return String(n);
  if (n < 1e9) return `${digits3(n / 1e6)} million`;
  if (n < 1e12) return `${digits3(n / 1e9)} billion`;
  return n.toExponential(2);
}

/** The first rows lost to differencing: the sum of the transforms' lags. */
function lostRows(cfg: Config): number {
  return cfg.transforms.reduce((sum, t) => sum + transformOf(t).differenceLag(t), 0);
}

/**
 * Every size counted in rows, each on its own against the rows of the series (before the split,
 * whose message covers their sum): window.lookback, window.horizon, window.chunk, the lags of
 * `difference`, the periods of `deseasonalize` and evaluation.season.
 */
export function checkSizesAgainstRows(cfg: Config, rows: number): void {
  const problems: string[] = [];
  const w = cfg.window;
  const tooLong = (path: string, v: number, what: string, max: number) =>
    problems.push(`${path}: ${v} ${what}, but the data has ${rows} rows; use at most ${Math.max(1, max)}`);
  if (w.lookback >= rows) tooLong('window.lookback', w.lookback, 'steps', rows - 1);
  if (w.horizon >= rows) tooLong('window.horizon', w.horizon, 'steps', rows - 1);
  if (w.mode === 'one-to-one' && w.chunk >= rows) tooLong('window.chunk', w.chunk, 'steps', rows - 1);
  cfg.transforms.forEach((t, i) => {
    const lag = transformOf(t).differenceLag(t);
    if (lag >= rows) tooLong(`transforms[${i}].${t.kind}`, lag, 'rows of lag', rows - 1);
    if (t.kind === 'deseasonalize' && t.period > rows) tooLong(`transforms[${i}].deseasonalize`, t.period, 'steps of period', rows);
  });
  if (cfg.evaluation.season >= rows) tooLong('evaluation.season', cfg.evaluation.season, 'steps of season', rows - 1);
  if (problems.length) throw new ConfigError(`config does not fit the data (${rows} rows)`, problems);
}

/**
 * The sizes that must fit in a part of the split: a one-to-one chunk (and the target one step
 * later) in the training rows left after differencing, a deseasonalize period in the training
 * rows its seasonal indices are fitted on (each phase needs a row), and a configured
 * evaluation.season in the rows before the test origin (MASE scales by the season-lag errors of
 * those rows; 0, the frequency's default, is not checked).
 */
export function checkSizesAgainstSplit(cfg: Config, split: Split): void {
  const problems: string[] = [];
  const lost = lostRows(cfg);
  const training = split.trainEnd - lost;
  const w = cfg.window;
  const after = lost ? ` after the ${lost} lost to differencing` : '';
  if (w.mode === 'one-to-one' && w.chunk + 1 > training)
    problems.push(
      `window.chunk: ${w.chunk} steps (and the target one step later) do not fit in the ${training} training rows${after}; use at most ${Math.max(1, training - 1)}`,
    );
  cfg.transforms.forEach((t, i) => {
    if (t.kind === 'deseasonalize' && t.period > split.trainEnd)
      problems.push(
        `transforms[${i}].deseasonalize: a period of ${t.period} steps is longer than the ${split.trainEnd} training rows its seasonal indices are fitted on; use at most ${split.trainEnd}`,
      );
  });
  const season = cfg.evaluation.season;
  if (season > 0 && season >= split.valEnd)
    problems.push(
      `evaluation.season: ${season} steps, but there are ${split.valEnd} rows before the test origin; use at most ${Math.max(1, split.valEnd - 1)}`,
    );
  if (problems.length) throw new ConfigError(`config does not fit the data (${split.n} rows)`, problems);
}

/** Training and validation windows of a fit, as trainingWindows (windows/training-windows.ts) cuts them. */
export function windowCounts(
  w: Pick<WindowConfig, 'mode' | 'lookback' | 'chunk'>,
  outputs: number,
  start: number,
  trainEnd: number,
  valEnd: number,
): { train: number; validation: number } {
  if (w.mode === 'one-to-one') {
    const c = w.chunk;
    // oneToOneChunks: starts start, start + c, ... up to end - c - 1, plus that last one when the steps miss it
    const chunks = (from: number, end: number) => {
      const span = end - c - 1 - from;
      return span < 0 ? 0 : Math.floor(span / c) + 1 + (span % c === 0 ? 0 : 1);
    };
    return { train: chunks(start, trainEnd), validation: valEnd > trainEnd ? chunks(Math.max(start, valEnd - c - 1), valEnd) : 0 };
  }
  const L = w.lookback;
  // manyToOneStarts: every s >= start with s + L + outputs <= end
  const starts = (from: number, end: number) => Math.max(0, end - L - outputs - Math.max(0, from) + 1);
  return { train: starts(start, trainEnd), validation: valEnd > trainEnd ? starts(Math.max(start, trainEnd - L), valEnd) : 0 };
}

/** Gate columns per unit of each cell: LSTM i, f, c, o; GRU z, r, h; SimpleRNN one. */
const GATES = { lstm: 4, gru: 3, rnn: 1 } as const;

/** A group of trainable weights and the setting that sizes it. */
export interface WeightGroup {
  setting: string;
  /** The setting's value and what it counts: `100000 units`. */
  value: string;
  count: number;
}

/**
 * The model's weights, group by group, as model/build.ts makes them for `outputs` outputs:
 * a recurrent layer of u units on d inputs with g gates has a kernel [d, g·u], a recurrent
 * kernel [u, g·u] and a bias [g·u]; a dense layer a kernel [d, u] and a bias [u]; the head is a
 * dense layer of `outputs` units; the linear path a dense layer from the flattened window.
 */
export function weightGroups(cfg: Config, outputs: number): WeightGroup[] {
  const f = cfg.data.features.length;
  const g = GATES[cfg.model.cell];
  const groups: WeightGroup[] = [];
  let d = f;
  cfg.model.layers.forEach((l, i) => {
    groups.push({ setting: `model.layers[${i}].units`, value: `${l.units} units`, count: g * l.units * (d + l.units + 1) });
    d = l.units;
  });
  cfg.model.dense.forEach((l, i) => {
    groups.push({ setting: `model.dense[${i}].units`, value: `${l.units} units`, count: d * l.units + l.units });
    d = l.units;
  });
  groups.push({ setting: 'window.horizon', value: `${outputs} outputs`, count: d * outputs + outputs });
  if (cfg.model.linear && cfg.window.mode === 'many-to-one')
    groups.push({ setting: 'window.lookback', value: `${cfg.window.lookback} steps`, count: cfg.window.lookback * f * outputs + outputs });
  return groups;
}

/** One part of the memory estimate: its size, the setting that drives it, and what to change. */
export interface MemoryPart {
  name: string;
  bytes: number;
  /** The config path to name in a message (empty for the fixed part). */
  setting: string;
  /** What the part holds, with the sizes that make it. */
  what: string;
  /** What to change to make it smaller. */
  change: string;
}

export interface MemoryEstimate {
  bytes: number;
  parts: MemoryPart[];
}

/** What the estimate needs to know of the data: its rows and columns, and the split. */
export interface FitShape {
  rows: number;
  /** Columns read from the data (the target and the other inputs). */
  columns: number;
  split: Split;
}

/** Node.js, TensorFlow.js and the kernels themselves. */
export const BASE_BYTES = 256 * MiB;
/** An entry of the training history (an object of five numbers). */
export const HISTORY_ENTRY_BYTES = 64;
/** Windows evaluated at once for the validation loss (train/loop.ts evaluateLoss). */
const EVALUATION_CHUNK = 1024;

/**
 * An estimate, not a measurement, of the memory a fit of `cfg` needs, in bytes: the sum of
 * - base: BASE_BYTES for Node.js, TensorFlow.js and the kernels;
 * - columns: 8 · rows · columns · (transforms + 3): the series (Float64) and its transformed
 *   copies (one per transform, and the seen, all and future columns);
 * - windows: 4 · 2 · (training + validation windows) · (steps · features + targets per window):
 *   the x and y arrays (Float32) and one copy of them (validation tensors, batches);
 * - linear path (model.linear): 8 · (windows · p + 2 · p² + p · outputs) with p = lookback ·
 *   features + 1: the ridge fit's rows and its two p × p matrices (Float64);
 * - weights: 4 · 6 · W for W weights (weightGroups): the weights, their gradients, Adam's two
 *   moments, the best weights early stopping keeps, and the saved model;
 * - ensemble: 4 · (ensemble - 1) · W: the other members' saved models, kept until the run is written;
 * - activations: 4 · rows in flight · steps · Σ (d + (g + 3) · u) over the recurrent layers
 *   (d inputs, u units, g gates: the fused kernels keep inputs, gates, cell states, tanh of the cell
 *   states and outputs of every step for backward), plus rows · steps · u over the dense layers,
 *   with rows in flight = max(2 · batch, validation windows up to EVALUATION_CHUNK): a batch and
 *   as much again for its gradients, or one chunk of the validation loss;
 * - history: HISTORY_ENTRY_BYTES · epochs · ensemble.
 * steps is the lookback (many-to-one) or the chunk (one-to-one), batch the batch size capped at
 * the training windows.
 */
export function estimateFitMemory(cfg: Config, shape: FitShape): MemoryEstimate {
  const w = cfg.window;
  const f = cfg.data.features.length;
  const oneToOne = w.mode === 'one-to-one';
  const outputs = !oneToOne && w.strategy === 'direct' ? w.horizon : 1;
  const steps = oneToOne ? w.chunk : w.lookback;
  const targets = oneToOne ? w.chunk : outputs;
  const lost = lostRows(cfg);
  const { train, validation } = windowCounts(w, outputs, lost, shape.split.trainEnd, shape.split.valEnd);
  const batch = Math.max(1, Math.min(cfg.training.batch_size, train));
  const inFlight = Math.max(2 * batch, Math.min(EVALUATION_CHUNK, validation));
  const parts: MemoryPart[] = [];
  parts.push({ name: 'base', bytes: BASE_BYTES, setting: '', what: 'Node.js and TensorFlow.js', change: '' });
  parts.push({
    name: 'columns',
    bytes: 8 * shape.rows * shape.columns * (cfg.transforms.length + 3),
    setting: 'data.path',
    what: `the series (${shape.rows} rows, ${shape.columns} columns) and its transformed copies`,
    change: 'use a shorter series or fewer columns (data.features)',
  });
  const windows = train + validation;
  parts.push({
    name: 'windows',
    bytes: 4 * 2 * windows * (steps * f + targets),
    setting: oneToOne ? 'data.path' : 'window.lookback',
    what: `${formatCount(windows)} windows of ${steps} steps × ${f} columns and ${targets} targets`,
    change: oneToOne ? 'use a shorter series or fewer columns (data.features)' : 'use a shorter window.lookback or fewer columns (data.features)',
  });
  if (cfg.model.linear && !oneToOne) {
    const p = w.lookback * f + 1;
    parts.push({
      name: 'linear path',
      bytes: 8 * (train * p + 2 * p * p + p * outputs),
      setting: 'model.linear',
      what: `the linear path's ridge fit over ${p} inputs (${train} windows and two ${p} × ${p} matrices)`,
      change: 'use a shorter window.lookback, or model.linear: false',
    });
  }
  const groups = weightGroups(cfg, outputs);
  const weights = groups.reduce((a, g) => a + g.count, 0);
  const largest = groups.reduce((a, g) => (g.count > a.count ? g : a));
  parts.push({
    name: 'weights',
    bytes: 4 * 6 * weights,
    setting: largest.setting,
    what: `${largest.value} make ${formatCount(largest.count)} of the model's ${formatCount(weights)} weights, each kept six times (gradients, Adam moments, best and saved weights)`,
    change:
      largest.setting === 'window.horizon'
        ? 'use a shorter horizon or fewer units in the last layer'
        : largest.setting === 'window.lookback'
          ? 'use a shorter lookback, or model.linear: false'
          : 'use fewer units',
  });
  if (cfg.training.ensemble > 1)
    parts.push({
      name: 'ensemble',
      bytes: 4 * (cfg.training.ensemble - 1) * weights,
      setting: 'training.ensemble',
      what: `${cfg.training.ensemble} members keep ${formatCount(weights)} saved weights each`,
      change: 'use fewer members',
    });
  const g = GATES[cfg.model.cell];
  let perRow = 0;
  let d = f;
  let widest = { setting: '', units: 0 };
  for (const [i, l] of cfg.model.layers.entries()) {
    perRow += steps * (d + (g + 3) * l.units);
    if (l.units > widest.units) widest = { setting: `model.layers[${i}].units`, units: l.units };
    d = l.units;
  }
  const denseSteps = oneToOne ? steps : 1;
  for (const l of cfg.model.dense) perRow += denseSteps * l.units;
  parts.push({
    name: 'activations',
    bytes: 4 * inFlight * perRow,
    setting: 'training.batch_size',
    what: `activations of ${inFlight} windows in flight (batch ${batch}) × ${steps} steps × up to ${widest.units} units (${widest.setting})`,
    change: `use a smaller training.batch_size, a shorter window or fewer units`,
  });
  parts.push({
    name: 'history',
    bytes: HISTORY_ENTRY_BYTES * cfg.training.epochs * cfg.training.ensemble,
    setting: cfg.training.ensemble > cfg.training.epochs ? 'training.ensemble' : 'training.epochs',
    what: `a history of ${formatCount(cfg.training.epochs)} epochs × ${formatCount(cfg.training.ensemble)} members`,
    change:
      cfg.training.ensemble > cfg.training.epochs ? 'use fewer members' : 'use fewer epochs (early stopping ends training when validation stops improving)',
  });
  return { bytes: parts.reduce((a, p) => a + p.bytes, 0), parts };
}

/** Throws a ConfigError naming the largest part and its setting when the fit's estimate exceeds the limit. */
export function checkMemory(cfg: Config, shape: FitShape, limits: FitLimits): void {
  const est = estimateFitMemory(cfg, shape);
  if (est.bytes <= limits.memory) return;
  const top = est.parts.filter((p) => p.setting).reduce((a, p) => (p.bytes > a.bytes ? p : a));
  throw new ConfigError(
    `the fit would need about ${formatBytes(est.bytes)} of memory, more than its limit of ${formatBytes(limits.memory)} (${limits.source})`,
    [`${top.setting}: ${top.what}: about ${formatBytes(top.bytes)}; ${top.change}`],
  );
}
