import type { WindowConfig } from '../config/types.js';
import { type AheadRows, appendAhead, type CalendarFeature } from '../data/calendar.js';
import type { Predict } from '../model/predictor.js';
import { appendStatics, decodeFreely, encoderDecoderWindows, normalizeLast } from '../windows/index-math.js';
import type { EtsChoice } from './ets.js';
import type { IntervalModel } from './intervals.js';

/** What a saved model needs to be fed: window geometry and column order. */
export interface ModelIO {
  mode: WindowConfig['mode'];
  strategy: WindowConfig['strategy'];
  lookback: number;
  horizon: number;
  /** Outputs per prediction: horizon (direct) or 1 (recursive, one-to-one). */
  outputs: number;
  /** Input columns in model order. */
  features: string[];
  target: string;
  /** First valid index of transformed columns (rows before it are NaN after differencing). */
  offset: number;
  /** one-to-one: how many rows of history run through the network before forecasting. */
  warmup: number;
  /** many-to-one: per-window normalisation (window.normalize); absent in runs saved before it existed. */
  normalize?: 'none' | 'last';
  /** The scale normalised windows are divided by (fitted on the training windows). */
  normScale?: number;
  /** Ensemble members (files model-<j>.json, weights-<j>.bin for j >= 1); absent means 1. */
  members?: number;
  /**
   * model.pretrained: what the forecast is made of (the model's alone, or the mean of the model's
   * and the pretrained network's zero-shot forecast; the run's pretrained-* files hold the network)
   * and the season the network's transforms are chosen for. Absent: the model alone.
   */
  pretrained?: { use: 'model' | 'mean'; season: number; theta?: true };
  /** model.holt: Holt's damped trend (forecast/holt.ts, with this season) joins the forecast. Absent: it does not. */
  holt?: { season: number };
  /**
   * model.ets: the automatic ETS (forecast/ets.ts, with this season) joins the forecast's mean, with
   * the model and parameters it chose for the future (`choice`; predict fits only its states to the
   * rows it is given; absent: it chooses again). Absent: it does not join.
   */
  ets?: { season: number; choice?: EtsChoice };
  /** model.damping below 1: the final forecast's trend is damped by this phi (forecast/damping.ts). Absent: undamped. */
  damping?: number;
  /**
   * A global panel model's static inputs for this series (panel/statics.ts), encoded: given at every
   * step after the input columns. Absent: none.
   */
  statics?: number[];
  /**
   * data.calendar: calendar inputs from the rows' times (data/calendar.ts), two per feature after
   * the columns at every step (many-to-many: after the decoder's input; a decoder step gets the
   * row it forecasts). Absent: none.
   */
  calendar?: CalendarFeature[];
  /**
   * data.known_future: the columns whose future values are known, each standardised by the mean
   * and standard deviation of its training rows, after the calendar inputs (forecast/ahead.ts). Absent: none.
   */
  known?: { name: string; mean: number; sd: number }[];
  /** What the run's prediction intervals are sized from (forecast/intervals.ts); absent in runs saved before intervals existed. */
  intervals?: IntervalModel;
  /**
   * evaluation.intervals quantile: the quantiles of the model's heads, each `outputs` more outputs
   * after the point forecast's (many-to-one, direct). Absent: none.
   */
  heads?: number[];
}

/** A many-to-one model's outputs per window: the point forecast's, then each quantile head's. */
export function outputsPerWindow(io: ModelIO): number {
  return io.outputs * (1 + (io.heads?.length ?? 0));
}

/**
 * Forecasts `steps` values in transformed space from `origin` (the first row not seen).
 * Inputs are the transformed columns up to `origin`; predictions are fed back as the target
 * when more steps are needed than one model call gives (only possible when the target is the
 * only input, which callers check). `predict` runs the model once (see openPredictor) on
 * x [1, lookback, features] (many-to-one) or [1, warmup, features] (one-to-one).
 * `block` > 0: quantile head `block` of io.heads instead, one window's outputs at most (nothing is fed back).
 * @param columns transformed columns by name, each [rows >= origin]
 * @param ahead the inputs known ahead (forecast/ahead.ts) of every row up to origin + steps at least (needed when the model takes any)
 * @returns Float64Array [steps]
 */
export function forecastTransformed(
  predict: Predict,
  io: ModelIO,
  columns: Record<string, Float64Array>,
  origin: number,
  steps: number,
  block = 0,
  ahead?: AheadRows,
): Float64Array {
  const nf = io.features.length;
  const cal = aheadOf(io, ahead);
  // a growing copy of each input column, so fed-back predictions extend the history
  const hist = io.features.map((f) => Array.from(columns[f].subarray(0, origin)));
  const targetPos = io.features.indexOf(io.target);
  const out: number[] = [];
  while (out.length < steps) {
    let preds: number[];
    const len = hist[0].length;
    if (io.mode === 'one-to-one') {
      const start = Math.max(io.offset, len - io.warmup);
      const T = len - start;
      let x: Float32Array = new Float32Array(T * nf);
      for (let t = 0; t < T; t++) for (let j = 0; j < nf; j++) x[t * nf + j] = hist[j][start + t];
      // each step forecasts the next row, whose inputs known ahead it gets
      if (cal) x = appendAhead(x, 1, T, nf, [start + 1], cal);
      const y = predict(x, 1, T, nf + (cal?.width ?? 0));
      preds = [y[y.length - 1]];
    } else {
      const x = new Float32Array(manyToOneWidth(io) * io.lookback);
      const lastTarget = writeManyToOneWindow(io, hist, len, x, 0, cal);
      preds = fromOutputs(io, runWindows(predict, io, x, [len], cal), 0, lastTarget, block);
      // a quantile head's outputs are never fed back: one window's worth
      if (block > 0) return Float64Array.from(preds.slice(0, steps));
    }
    for (const p of preds) {
      if (out.length >= steps) break;
      out.push(p);
      for (let j = 0; j < nf; j++) hist[j].push(j === targetPos ? p : NaN);
    }
  }
  return Float64Array.from(out);
}

/**
 * The outputs of the many-to-one windows `x` (writeManyToOneWindow) that end before the rows
 * `ends`, [n, outputsPerWindow]: one call of the model, or, for an encoder-decoder (mode
 * many-to-many), its decoder's forecasts fed back step by step (windows/index-math.ts
 * encoderDecoderWindows, decodeFreely), each step with the inputs known ahead of its row (a decoder step: the row it forecasts).
 */
function runWindows(predict: Predict, io: ModelIO, x: Float32Array, ends: number[], cal: AheadRows | undefined): Float32Array {
  const n = ends.length;
  const width = manyToOneWidth(io);
  if (io.mode !== 'many-to-many') return predict(x, n, io.lookback, width);
  const L = io.lookback,
    H = io.outputs;
  const shape = { n, lookback: L, horizon: H, features: width, targetPos: io.features.indexOf(io.target) };
  let windows = encoderDecoderWindows(x, null, shape);
  if (cal)
    windows = appendAhead(
      windows,
      n,
      L + H,
      width + 1,
      ends.map((e) => e - L),
      cal,
    );
  return decodeFreely(predict, windows, { ...shape, features: width + 1 + (cal?.width ?? 0) });
}

/**
 * Inputs per step of a many-to-one model's windows: the columns, the inputs known ahead, then the
 * static inputs (many-to-many: the columns alone; the inputs known ahead come after the decoder's input, runWindows).
 */
function manyToOneWidth(io: ModelIO): number {
  return io.features.length + (io.mode === 'many-to-one' ? aheadWidth(io) : 0) + (io.statics?.length ?? 0);
}

/** Inputs known ahead per step: two per calendar feature (io.calendar), one per known-future column (io.known). */
export function aheadWidth(io: Pick<ModelIO, 'calendar' | 'known'>): number {
  return 2 * (io.calendar?.length ?? 0) + (io.known?.length ?? 0);
}

/** The inputs known ahead a forecast reads: `calendar` when the model takes any (throws when it is missing or does not fit), else none. */
function aheadOf(io: ModelIO, ahead: AheadRows | undefined): AheadRows | undefined {
  const width = aheadWidth(io);
  if (width === 0) return undefined;
  if (!ahead || ahead.width !== width) throw new Error(`the model takes ${width} inputs known ahead per step, and none that fit were given`);
  return ahead;
}

/**
 * Writes the many-to-one window that ends before row `len` of the columns `hist` (model order)
 * into x at window `at`: normalised as the model was trained (window.normalize), the static
 * inputs after each step's columns (many-to-one: the inputs known ahead before them). Returns the last target value (what normalised outputs are relative to).
 */
function writeManyToOneWindow(io: ModelIO, hist: ArrayLike<number>[], len: number, x: Float32Array, at: number, cal: AheadRows | undefined): number {
  const L = io.lookback;
  const nf = io.features.length;
  const targetPos = io.features.indexOf(io.target);
  let w: Float32Array = new Float32Array(L * nf);
  for (let t = 0; t < L; t++) for (let j = 0; j < nf; j++) w[t * nf + j] = hist[j][len - L + t];
  if (io.normalize === 'last')
    normalizeLast(w, new Float32Array(io.outputs), { n: 1, lookback: L, features: nf, horizon: io.outputs, targetPos }, io.normScale ?? 1);
  if (cal && io.mode === 'many-to-one') w = appendAhead(w, 1, L, nf, [len - L], cal);
  if (io.statics?.length) w = appendStatics(w, 1, L, w.length / L, io.statics);
  x.set(w, at * L * manyToOneWidth(io));
  return hist[targetPos]?.[len - 1] ?? 0;
}

/**
 * Row `row` of a many-to-one model's outputs `y`, back in transformed space (relative to
 * `lastTarget` when normalised): the point forecast (block 0), or quantile head `block` (io.heads).
 */
function fromOutputs(io: ModelIO, y: Float32Array, row: number, lastTarget: number, block = 0): number[] {
  const at = row * outputsPerWindow(io) + block * io.outputs;
  const out = Array.from(y.subarray(at, at + io.outputs));
  return io.normalize === 'last' ? out.map((v) => v * (io.normScale ?? 1) + lastTarget) : out;
}

/**
 * forecastTransformed from several origins at once, each `k` steps, bit for bit as one call each
 * would give (a row of a batch is computed as it would be alone): the origins one model call
 * covers (many-to-one, k at most its outputs) share calls of at most `maxRows` windows (a fit
 * passes its training batch, so that forecasting never needs more of the kernels' memory than
 * training did); the others run on their own. `block`: a quantile head's instead (forecastTransformed).
 */
export function forecastTransformedMany(
  predict: Predict,
  io: ModelIO,
  columns: Record<string, Float64Array>,
  origins: { end: number; k: number }[],
  maxRows = Number.POSITIVE_INFINITY,
  block = 0,
  ahead?: AheadRows,
): Float64Array[] {
  const cal = aheadOf(io, ahead);
  const out: Float64Array[] = new Array(origins.length);
  const together = origins.map((o, i) => ({ ...o, i })).filter((o) => io.mode !== 'one-to-one' && o.k <= io.outputs);
  const cols = io.features.map((f) => columns[f]);
  const rows = Math.max(1, Math.floor(maxRows));
  for (let from = 0; from < together.length; from += rows) {
    const part = together.slice(from, from + rows);
    const x = new Float32Array(part.length * io.lookback * manyToOneWidth(io));
    const last = part.map((o, r) => writeManyToOneWindow(io, cols, o.end, x, r, cal));
    const y = runWindows(
      predict,
      io,
      x,
      part.map((o) => o.end),
      cal,
    );
    part.forEach((o, r) => {
      out[o.i] = Float64Array.from(fromOutputs(io, y, r, last[r], block).slice(0, o.k));
    });
  }
  origins.forEach((o, i) => {
    out[i] ??= forecastTransformed(predict, io, columns, o.end, o.k, block, cal);
  });
  return out;
}

/** True when the target is the model's only input (so predictions can be fed back as inputs). */
export function onlyTargetInput(features: readonly string[], target: string): boolean {
  return features.length === 1 && features[0] === target;
}

/** True when forecasting `steps` ahead needs predictions fed back as inputs. */
export function needsFeedback(io: ModelIO, steps: number): boolean {
  return steps > io.outputs;
}

/**
 * The forecasts that cover the test rows [origin, n): one from the test origin, or (rolling) one
 * from every `horizon`-th row, each `horizon` steps long but the last, which ends at n.
 */
export function testBlocks(origin: number, n: number, horizon: number, rolling: boolean): { start: number; steps: number }[] {
  if (!rolling) return [{ start: origin, steps: n - origin }];
  const blocks: { start: number; steps: number }[] = [];
  for (let s = origin; s < n; s += horizon) blocks.push({ start: s, steps: Math.min(horizon, n - s) });
  return blocks;
}
