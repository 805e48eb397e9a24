/**
 * Sizes checked before any work. Every size a config sets is checked against the data it is
 * given (a window, season, period or lag longer than the rows it needs), and all of them together
 * against an estimate of the memory the fit needs, which must stay under a limit the caller
 * passes in: the commands pass half of the machine's memory (limitsFor(os.totalmem())) or what
 * --max-memory sets; nothing here reads the machine's memory. The fused LSTM/GRU kernels and the
 * Adam steps work inside one WebAssembly memory that cannot grow past 4 GiB on any machine
 * (kernels/heap.ts); what a fit needs there is estimated from the buffers the kernels allocate
 * and checked against that maximum too. prepareFit runs these checks before a transform is
 * fitted, a window cut or a model built, so a config that cannot fit is refused at once with the
 * setting to change.
 */
import type { Config, WindowConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { MAX_PAGES, PAGE_BYTES } from '../kernels/heap.js';
import { rowWork, slicesOf } from '../kernels/slices.js';
import { type Cell, forwardScratchOf, gatesOf, packedOf, peepholesOf } from '../kernels/state.js';
import { threadCount } from '../kernels/threads.js';
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
  /**
   * Bytes the fused kernels' WebAssembly memory can hold (KERNEL_MEMORY_BYTES), compared with
   * estimateKernelMemory's total; absent: not checked.
   */
  kernelMemory?: number;
  /** How to raise `memory`, for messages (the commands: "raise the limit with --max-memory SIZE"). */
  raise?: string;
}

/**
 * Bytes the kernels' WebAssembly memory can hold: MAX_PAGES pages (4 GiB) less the first, which
 * holds the kernels' own data below their heap (heapBase, 1 KiB).
 */
export const KERNEL_MEMORY_BYTES = (MAX_PAGES - 1) * PAGE_BYTES;

/** The limits of a library caller that passes none. */
export const DEFAULT_LIMITS: FitLimits = { memory: 8 * GiB, source: 'the default limit', kernelMemory: KERNEL_MEMORY_BYTES };

/** Share of the machine's memory a fit may use. */
export const MEMORY_SHARE = 0.5;

/** Multipliers of the size suffixes parseSize reads: powers of 1024. */
const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: MiB, g: GiB, t: 1024 * GiB };

/**
 * Bytes of a size as people write it: `536870912`, `512M`, `8G`, `1.5GiB`, `2tb` (K, M, G, T are
 * powers of 1024, in either case, with an optional B or iB); null when the text is not such a
 * size or is less than a byte.
 */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?\s*$/i.exec(text);
  if (!m) return null;
  const bytes = Math.floor(Number(m[1]) * SIZE_UNITS[(m[2] ?? '').toLowerCase()]);
  return Number.isFinite(bytes) && bytes >= 1 ? bytes : null;
}

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

/** Gate columns per unit of the model's cell (kernels/state.ts gatesOf): an LSTM with coupled gates has 3 (f, c, o). */
const gatesPerUnit = (m: Config['model']) => gatesOf(m.cell, 1, m.coupled_gates === true);
/** Peephole weights per unit of the model's cell: 3 (i, f, o), 2 with coupled gates, 0 without peepholes. */
const peepholesPerUnit = (m: Config['model']) => (m.cell === 'lstm' && m.peephole ? peepholesOf(1, m.coupled_gates === true) : 0);

/** A group of trainable weights and the setting that sizes it. */
export interface WeightGroup {
  setting: string;
  /** The setting's value and what it counts: `100000 units`. */
  value: string;
  count: number;
}

/** Inputs per step from the data: the columns (data.features), two per calendar feature (data.calendar), one per known-future column. */
function columnInputs(cfg: Config): number {
  return cfg.data.features.length + 2 * (cfg.data.calendar?.length ?? 0) + (cfg.data.known_future?.length ?? 0);
}

/**
 * The model's weights, group by group, as model/build.ts makes them for `outputs` outputs:
 * a recurrent layer of u units on d inputs with g gates has a kernel [d, g·u], a recurrent
 * kernel [u, g·u] and a bias [g·u] (and p·u peephole weights); a dense layer a kernel [d, u] and a bias [u]; the head is a
 * dense layer of `outputs` units; the linear path a dense layer from the flattened window.
 */
export function weightGroups(cfg: Config, outputs: number): WeightGroup[] {
  const f = columnInputs(cfg);
  const g = gatesPerUnit(cfg.model);
  const p = peepholesPerUnit(cfg.model);
  const groups: WeightGroup[] = [];
  let d = f;
  cfg.model.layers.forEach((l, i) => {
    groups.push({ setting: `model.layers[${i}].units`, value: `${l.units} units`, count: g * l.units * (d + l.units + 1) + p * l.units });
    d = l.units;
  });
  cfg.model.dense.forEach((l, i) => {
    groups.push({ setting: `model.dense[${i}].units`, value: `${l.units} units`, count: d * l.units + l.units });
    d = l.units;
  });
  if (cfg.window.mode === 'many-to-many') {
    // the decoder: a stack like the encoder's on the steps' inputs, each layer's initial state made
    // from the context (one dense layer, two for an LSTM), and a head of one output per step
    const top = d;
    let dd = f + 1;
    let count = 0;
    for (const l of cfg.model.layers) {
      count += g * l.units * (dd + l.units + 1) + p * l.units + (cfg.model.cell === 'lstm' ? 2 : 1) * (top * l.units + l.units);
      dd = l.units;
    }
    groups.push({ setting: 'window.mode', value: 'many-to-many', count });
    groups.push({ setting: 'window.horizon', value: '1 output per decoder step', count: d + 1 });
    return groups;
  }
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
/** An array object of the gradient flow's record (train/gradient-flow.ts EpochFlow). */
export const FLOW_ARRAY_BYTES = 64;
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
 * - history: (HISTORY_ENTRY_BYTES + flow) · epochs · ensemble, where the gradient flow an epoch
 *   records (unless training.gradient_flow is false) is 8 · (weight groups + steps · recurrent
 *   layers) bytes of numbers and FLOW_ARRAY_BYTES for each of its 2 + layers arrays.
 * steps is the lookback (many-to-one) or the chunk (one-to-one), batch the batch size capped at
 * the training windows.
 */
export function estimateFitMemory(cfg: Config, shape: FitShape): MemoryEstimate {
  const w = cfg.window;
  // (an encoder-decoder's windows have the decoder's steps too, with one more input each)
  const f = columnInputs(cfg) + (w.mode === 'many-to-many' ? 1 : 0);
  const oneToOne = w.mode === 'one-to-one';
  const outputs = !oneToOne && w.strategy === 'direct' ? w.horizon : 1;
  const steps = oneToOne ? w.chunk : w.mode === 'many-to-many' ? w.lookback + w.horizon : w.lookback;
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
  const g = gatesPerUnit(cfg.model);
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
  // the gradient flow of an epoch: 3 weight groups per recurrent layer (4 with peepholes), 2 per dense layer and the head
  const nRecurrent = cfg.model.layers.length;
  const nGroups = nRecurrent * (peepholesPerUnit(cfg.model) ? 4 : 3) + 2 * (cfg.model.dense.length + 1);
  const flowBytes = cfg.training.gradient_flow === false ? 0 : 8 * (nGroups + steps * nRecurrent) + FLOW_ARRAY_BYTES * (2 + nRecurrent);
  parts.push({
    name: 'history',
    bytes: (HISTORY_ENTRY_BYTES + flowBytes) * cfg.training.epochs * cfg.training.ensemble,
    setting: cfg.training.ensemble > cfg.training.epochs ? 'training.ensemble' : 'training.epochs',
    what: `a history of ${formatCount(cfg.training.epochs)} epochs × ${formatCount(cfg.training.ensemble)} members`,
    change:
      cfg.training.ensemble > cfg.training.epochs ? 'use fewer members' : 'use fewer epochs (early stopping ends training when validation stops improving)',
  });
  return { bytes: parts.reduce((a, p) => a + p.bytes, 0), parts };
}

/** A float buffer carved by kernels/state.ts layout: 4 bytes a float, rounded up to 64 bytes. */
const floatsBytes = (floats: number) => Math.ceil((4 * floats) / 64) * 64;
/** One block of kernels/heap.ts Heap.alloc: at least 64 bytes, rounded up to 64. */
const block = (bytes: number) => Math.ceil(Math.max(bytes, 64) / 64) * 64;
const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);

/**
 * A recurrent layer as the kernels see it: I inputs, H units, G = gates · H columns, P peephole
 * weights (0: none); rs: it returns sequences.
 */
interface KernelLayer {
  index: number;
  cell: Cell;
  I: number;
  H: number;
  G: number;
  P: number;
  rs: boolean;
  /** training measures the gradient's flow (training.gradient_flow): backward keeps T sums a slice */
  flow: boolean;
}

/**
 * kernels/forward.ts: the state a forward call keeps for backward (weights, inputs, gates, cell
 * states, tanh of them, outputs; a vanilla RNN keeps only its weights, inputs and outputs).
 */
function stateBytes(l: KernelLayer, B: number, T: number): number {
  const { I, H, G } = l;
  const tbh = floatsBytes(T * B * H);
  const gates = l.cell === 'rnn' ? 0 : floatsBytes(T * B * G) + tbh;
  const peepholes = l.P ? floatsBytes(l.P) : 0;
  return block(floatsBytes(I * G) + floatsBytes(H * G) + floatsBytes(G) + floatsBytes(T * B * I) + gates + tbh + (l.cell === 'lstm' ? tbh : 0) + peepholes);
}

/** The batch slices the kernels split a layer's B rows of T steps into. */
const slicesFor = (l: KernelLayer, B: number, T: number, threads: number) =>
  slicesOf(B, threads, rowWork(l.cell, T, l.I, l.H, l.G === 3 * l.H && l.cell === 'lstm'));

/** kernels/forward.ts: the staging buffer for the batch-major input and output, then each slice's packed weights. */
function stageBytes(l: KernelLayer, B: number, T: number, threads: number): number {
  const slices = slicesFor(l, B, T, threads).length;
  return block(floatsBytes(T * B * Math.max(l.I, l.rs ? l.H : 0)) + slices * floatsBytes(forwardScratchOf(l.cell, l.I, l.H, l.G)));
}

/**
 * kernels/backward.ts: dh, dx and staging, then per batch slice dW, dU, db, dA, Uᵀ and Wᵀ (packed; Wᵀ only for 8 inputs or more),
 * three [n, H] buffers, the peephole weights' gradient, the gradient flow's T sums (doubles) and dA
 * packed.
 */
function backwardBytes(l: KernelLayer, B: number, T: number, threads: number): { bytes: number; slices: number } {
  const { I, H, G } = l;
  const slices = slicesFor(l, B, T, threads);
  const n = Math.max(...slices.map((s) => s.n));
  const per =
    floatsBytes(I * G) +
    floatsBytes(H * G) +
    floatsBytes(G) +
    floatsBytes(n * G) +
    floatsBytes(packedOf(G, H)) +
    (I >= 8 ? floatsBytes(packedOf(G, I)) : 0) +
    3 * floatsBytes(n * H) +
    (l.P ? floatsBytes(l.P) : 0) +
    (l.flow ? floatsBytes(2 * T) : 0) +
    floatsBytes(packedOf(n, G) + (l.cell === 'gru' ? packedOf(n, H) : 0));
  const shared = floatsBytes(T * B * H) + floatsBytes(T * B * I) + floatsBytes(T * B * Math.max(I, l.rs ? H : 0));
  return { bytes: block(shared + slices.length * per), slices: slices.length };
}

/**
 * Weights Adam steps on (train/adam.ts), one entry per trainable variable: each recurrent layer's
 * kernel, recurrent kernel and bias, each dense layer's kernel and bias, the head's; not the
 * linear path, which is fitted, not trained.
 */
function trainableVariables(cfg: Config, outputs: number): number[] {
  const g = gatesPerUnit(cfg.model);
  const p = peepholesPerUnit(cfg.model);
  const out: number[] = [];
  let d = columnInputs(cfg);
  for (const l of cfg.model.layers) {
    out.push(d * g * l.units, l.units * g * l.units, g * l.units);
    if (p) out.push(p * l.units);
    d = l.units;
  }
  for (const l of [...cfg.model.dense, { units: outputs }]) {
    out.push(d * l.units, l.units);
    d = l.units;
  }
  return out;
}

/**
 * An estimate of the most a fit of `cfg` holds at once in the fused kernels' WebAssembly memory,
 * in bytes, from the buffers kernels/forward.ts, kernels/backward.ts and train/adam.ts allocate
 * (each rounded as kernels/heap.ts rounds it). It is the largest of three moments:
 * - training: Adam's block per trainable variable (weight, gradient and two moments: 16 bytes a
 *   weight), the forward states of the recurrent layers up to layer k for a batch of B windows
 *   of T steps (each layer of I inputs and H units with G gate columns keeps W, U, b and T·B·(I
 *   + G + 2H) floats, LSTM T·B·H more), and layer k's forward staging or its backward buffers
 *   (T·B·(2H + I) floats or so, and per batch slice, one per thread, the gradients and
 *   transposes of its W and U), for the k where this is largest: backward runs from the last
 *   layer down, freeing each state as it goes;
 * - validation: Adam's blocks and one layer's state and staging for EVALUATION_CHUNK validation
 *   windows at most (the loss is computed in chunks, one layer at a time, nothing kept);
 * - forecast: one layer's state and staging for one window of T steps (a one-to-one model warms
 *   up over 4 · max(lookback, chunk) rows, at most the rows of the series).
 * B is the batch size capped at the training windows, T the lookback (many-to-one) or the chunk
 * (one-to-one); the thread count is training.threads as the fit resolves it (auto: the cores).
 * Only Adam uses this memory on the tensorflow backends; the estimate
 * assumes the fused layers otherwise (backend auto included, which uses them unless a native
 * TensorFlow.js package is installed).
 */
export function estimateKernelMemory(cfg: Config, shape: FitShape): MemoryEstimate {
  const w = cfg.window;
  const oneToOne = w.mode === 'one-to-one';
  const outputs = !oneToOne && w.strategy === 'direct' ? w.horizon : 1;
  // (an encoder-decoder: the encoder's lookback steps, and its decoder's stack over the horizon, counted as more steps of one stack)
  const T = oneToOne ? w.chunk : w.mode === 'many-to-many' ? w.lookback + 2 * w.horizon : w.lookback;
  const { train, validation } = windowCounts(w, outputs, lostRows(cfg), shape.split.trainEnd, shape.split.valEnd);
  const B = Math.max(1, Math.min(cfg.training.batch_size, train));
  const threads = threadCount(cfg.training.threads);
  const stepsText = oneToOne ? `${T} steps (window.chunk)` : `${T} steps (window.lookback)`;

  const variables = cfg.training.optimizer === 'adam' ? trainableVariables(cfg, outputs) : [];
  const groups = weightGroups(cfg, outputs).filter((g) => g.setting !== 'window.lookback');
  const largest = groups.reduce((a, g) => (g.count > a.count ? g : a));
  const adam: MemoryPart = {
    name: 'adam',
    bytes: sum(variables.map((n) => block(4 * Math.ceil(n / 16) * 64))),
    setting: largest.setting,
    what: `Adam's weights, gradients and two moments of the model's ${formatCount(sum(variables))} trained weights (${largest.value} make ${formatCount(largest.count)})`,
    change: largest.setting === 'window.horizon' ? 'use a shorter horizon or fewer units in the last layer' : 'use fewer units',
  };
  const fused = cfg.backend !== 'tensorflow' && cfg.backend !== 'tensorflow-gpu';
  if (!fused) return { bytes: adam.bytes, parts: variables.length ? [adam] : [] };

  const cell = cfg.model.cell as Cell;
  const layers: KernelLayer[] = [];
  let d = columnInputs(cfg);
  cfg.model.layers.forEach((l, index) => {
    const last = index === cfg.model.layers.length - 1;
    layers.push({
      index,
      cell,
      I: d,
      H: l.units,
      G: gatesPerUnit(cfg.model) * l.units,
      P: peepholesPerUnit(cfg.model) * l.units,
      rs: oneToOne || !last,
      flow: cfg.training.gradient_flow !== false,
    });
    d = l.units;
  });
  const unitsText = (l: KernelLayer) => `model.layers[${l.index}] (${l.H} units)`;

  // training: states of layers 0..k, and layer k's staging or backward buffers
  let kept = 0;
  let training = { states: 0, buffers: 0, layer: layers[0], slices: 1, backward: true };
  for (const l of layers) {
    kept += stateBytes(l, B, T);
    const back = backwardBytes(l, B, T, threads);
    const stage = stageBytes(l, B, T, threads);
    const buffers = Math.max(stage, back.bytes);
    if (kept + buffers > training.states + training.buffers) training = { states: kept, buffers, layer: l, slices: back.slices, backward: back.bytes >= stage };
  }
  // validation and forecast: one layer at a time, nothing kept
  const oneLayer = (rows: number, steps: number) =>
    layers
      .map((l) => ({ l, states: stateBytes(l, rows, steps), buffers: stageBytes(l, rows, steps, threads) }))
      .reduce((a, x) => (x.states + x.buffers > a.states + a.buffers ? x : a));
  const Bv = Math.min(EVALUATION_CHUNK, validation);
  const val = Bv > 0 ? oneLayer(Bv, T) : null;
  const Tf = oneToOne ? Math.min(4 * Math.max(w.lookback, w.chunk), shape.rows) : w.lookback;
  const fc = oneLayer(1, Tf);

  const trainingBytes = adam.bytes + training.states + training.buffers;
  const validationBytes = val ? adam.bytes + val.states + val.buffers : 0;
  const forecastBytes = fc.states + fc.buffers;
  const widest = layers.reduce((a, l) => (l.H > a.H ? l : a));
  const upTo = training.layer.index === 0 ? unitsText(training.layer) : `model.layers[0..${training.layer.index}] (up to ${widest.H} units)`;
  let parts: MemoryPart[];
  if (trainingBytes >= validationBytes && trainingBytes >= forecastBytes) {
    const l = training.layer;
    parts = [
      adam,
      {
        name: 'states',
        bytes: training.states,
        setting: 'training.batch_size',
        what: `the forward states of a batch of ${B} windows × ${stepsText} through ${upTo}, kept for backward`,
        change: `use a smaller training.batch_size, a shorter window.${oneToOne ? 'chunk' : 'lookback'} or fewer units`,
      },
      {
        name: 'buffers',
        bytes: training.buffers,
        setting: `model.layers[${l.index}].units`,
        what: training.backward
          ? `the backward pass of ${unitsText(l)}: the batch's gradients, and the gradients of its weights for each of ${training.slices} thread${training.slices === 1 ? '' : 's'} (training.threads)`
          : `the forward staging of ${unitsText(l)}`,
        change: 'use fewer units, a smaller training.batch_size or fewer training.threads',
      },
    ];
  } else if (val && validationBytes >= forecastBytes) {
    parts = [
      adam,
      {
        name: 'states',
        bytes: val.states + val.buffers,
        setting: `model.layers[${val.l.index}].units`,
        what: `the validation loss over ${Bv} windows at once × ${stepsText} through ${unitsText(val.l)}`,
        change: `use a shorter window.${oneToOne ? 'chunk' : 'lookback'}, fewer units or a smaller training.validation_size`,
      },
    ];
  } else {
    parts = [
      {
        name: 'states',
        bytes: fc.states + fc.buffers,
        setting: oneToOne ? 'window.chunk' : 'window.lookback',
        what: `a forecast over ${Tf} steps through ${unitsText(fc.l)}`,
        change: `use a shorter window.${oneToOne ? 'chunk' : 'lookback'} or fewer units`,
      },
    ];
  }
  parts = parts.filter((p) => p.bytes > 0);
  return { bytes: sum(parts.map((p) => p.bytes)), parts };
}

/**
 * Throws a ConfigError when the fit's estimate exceeds the limit (naming the largest part and
 * its setting, and how to raise the limit) or, where `limits` gives the kernels' memory, when
 * the kernels' estimate exceeds it (naming its largest part and the sizes that make it).
 */
export function checkMemory(cfg: Config, shape: FitShape, limits: FitLimits): void {
  const problems: string[] = [];
  const headers: string[] = [];
  const largest = (est: MemoryEstimate) => est.parts.filter((p) => p.setting).reduce((a, p) => (p.bytes > a.bytes ? p : a));
  const est = estimateFitMemory(cfg, shape);
  if (est.bytes > limits.memory) {
    const top = largest(est);
    headers.push(`the fit would need about ${formatBytes(est.bytes)} of memory, more than its limit of ${formatBytes(limits.memory)} (${limits.source})`);
    problems.push(`${top.setting}: ${top.what}: about ${formatBytes(top.bytes)}; ${top.change}`);
  }
  let kernelsOver = false;
  if (limits.kernelMemory !== undefined) {
    const kernels = estimateKernelMemory(cfg, shape);
    kernelsOver = kernels.bytes > limits.kernelMemory;
    if (kernelsOver) {
      const top = largest(kernels);
      const what = `the WebAssembly kernels (LSTM/GRU layers, Adam) would need about ${formatBytes(kernels.bytes)} of their memory, which cannot grow past ${formatBytes(limits.kernelMemory)} on any machine`;
      if (!headers.length) headers.push(what);
      problems.push(`${top.setting}: ${top.what}: about ${formatBytes(top.bytes)}${headers[0] === what ? '' : ` (${what})`}; ${top.change}`);
    }
  }
  // raising the limit helps only when the kernels' memory is not what is short
  if (problems.length) throw new ConfigError(headers[0], problems, kernelsOver ? undefined : limits.raise);
}
