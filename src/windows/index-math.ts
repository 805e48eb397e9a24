import { DataError } from '../errors.js';

/** Every s >= start with s + lookback + horizon <= end (inputs [s, s+lookback), targets after). */
export function manyToOneStarts(opts: { start: number; end: number; lookback: number; horizon: number }): number[] {
  const { start, end, lookback, horizon } = opts;
  const out: number[] = [];
  for (let s = Math.max(0, start); s + lookback + horizon <= end; s++) out.push(s);
  return out;
}

/**
 * Chronological split of n rows: test = last testSize rows, validation the validationSize rows
 * before it, training rows [0, trainEnd). Throws DataError unless the training rows hold at
 * least one training example: `lost` leading rows (lost to differencing), then `span` rows (one
 * window: lookback + horizon for many-to-one direct, lookback + 1 recursive, 2 for one-to-one).
 */
export function splitPoints(
  n: number,
  opts: { lost: number; span: number; testSize: number; validationSize: number },
): { trainEnd: number; valEnd: number; n: number } {
  const { lost, span, testSize, validationSize } = opts;
  const valEnd = n - testSize;
  const trainEnd = valEnd - validationSize;
  if (trainEnd - lost < span) {
    const needed = lost + span + validationSize + testSize;
    throw new DataError(
      `not enough data to train: ${n} rows, need at least ${needed} ` +
        `(${lost ? `${lost} lost to differencing, ` : ''}${span} for one training window, ${validationSize} for validation, ${testSize} for test)`,
      'use a longer series, or reduce test_size, validation_size, lookback/horizon or difference lags',
    );
  }
  return { trainEnd, valEnd, n };
}

/**
 * Chunk starts for one-to-one training: a chunk covers inputs [c, c+chunk) and targets
 * [c+1, c+chunk+1) with c+chunk+1 <= end; steps by chunk, the last chunk aligned to the end.
 */
export function oneToOneChunks(opts: { start: number; end: number; chunk: number }): number[] {
  const { start, end, chunk } = opts;
  if (chunk < 1) throw new Error(`chunk must be >= 1, got ${chunk}`);
  const last = end - chunk - 1;
  const out: number[] = [];
  if (last < start) return out;
  let c = start;
  for (; c <= last; c += chunk) out.push(c);
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

/**
 * Many-to-one windows starting at `starts`: inputs are rows [s, s + lookback) of every column,
 * targets the `horizon` target rows after them.
 * @param columns input columns in model order, each [rows]
 * @returns x [n, lookback, features] and y [n, horizon], row-major, n = starts.length
 */
export function gatherManyToOne(
  columns: Float64Array[],
  target: Float64Array,
  starts: number[],
  lookback: number,
  horizon: number,
): { x: Float32Array; y: Float32Array } {
  const f = columns.length;
  const x = new Float32Array(starts.length * lookback * f);
  const y = new Float32Array(starts.length * horizon);
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i];
    for (let l = 0; l < lookback; l++) {
      const base = (i * lookback + l) * f;
      for (let k = 0; k < f; k++) x[base + k] = columns[k][s + l];
    }
    for (let h = 0; h < horizon; h++) y[i * horizon + h] = target[s + lookback + h];
  }
  return { x, y };
}

/**
 * One-to-one chunks starting at `starts`: inputs are rows c..c+chunk-1, targets the target rows
 * one step later, c+1..c+chunk.
 * @param columns input columns in model order, each [rows]
 * @returns x [n, chunk, features] and y [n, chunk, 1], row-major, n = starts.length
 */
export function gatherOneToOne(columns: Float64Array[], target: Float64Array, starts: number[], chunk: number): { x: Float32Array; y: Float32Array } {
  const f = columns.length;
  const x = new Float32Array(starts.length * chunk * f);
  const y = new Float32Array(starts.length * chunk);
  for (let i = 0; i < starts.length; i++) {
    const c = starts[i];
    for (let t = 0; t < chunk; t++) {
      const base = (i * chunk + t) * f;
      for (let k = 0; k < f; k++) x[base + k] = columns[k][c + t];
      y[i * chunk + t] = target[c + t + 1];
    }
  }
  return { x, y };
}

/**
 * Per-window normalisation, in place: every input column of each window minus that column's
 * last input value, and the targets minus the target column's last input value, all divided
 * by `scale`. x: [n, lookback, features] row-major, y: [n, horizon].
 */
export function normalizeLast(
  x: Float32Array,
  y: Float32Array,
  shape: { n: number; lookback: number; features: number; horizon: number; targetPos: number },
  scale: number,
): void {
  const { n, lookback: L, features: f, horizon: H, targetPos } = shape;
  for (let i = 0; i < n; i++) {
    const lastRow = (i * L + L - 1) * f;
    const last = x.slice(lastRow, lastRow + f);
    for (let l = 0; l < L; l++) {
      const base = (i * L + l) * f;
      for (let k = 0; k < f; k++) x[base + k] = (x[base + k] - last[k]) / scale;
    }
    for (let h = 0; h < H; h++) y[i * H + h] = (y[i * H + h] - last[targetPos]) / scale;
  }
}

/** Root mean square of the targets less each window's last target input: the scale normalizeLast divides by (1 when 0 or undefined). */
export function lastNormScale(
  x: Float32Array,
  y: Float32Array,
  shape: { n: number; lookback: number; features: number; horizon: number; targetPos: number },
): number {
  const { n, lookback: L, features: f, horizon: H, targetPos } = shape;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const last = x[(i * L + L - 1) * f + targetPos];
    for (let h = 0; h < H; h++) ss += (y[i * H + h] - last) ** 2;
  }
  const s = Math.sqrt(ss / Math.max(1, n * H));
  return Number.isFinite(s) && s > 0 ? s : 1;
}

/**
 * Windows x [n, steps, f] widened to [n, steps, f + s]: the s values of `statics` after each
 * step's f inputs (a series' static inputs, the same at every step).
 */
export function appendStatics(x: Float32Array, n: number, steps: number, f: number, statics: readonly number[]): Float32Array {
  const s = statics.length;
  const out = new Float32Array(n * steps * (f + s));
  for (let r = 0; r < n * steps; r++) {
    out.set(x.subarray(r * f, (r + 1) * f), r * (f + s));
    for (let k = 0; k < s; k++) out[r * (f + s) + f + k] = statics[k];
  }
  return out;
}

/**
 * Many-to-many (encoder-decoder) windows from many-to-one ones: each window's `lookback` input
 * steps (the encoder's), then `horizon` decoder steps, every step with one more input after its
 * columns, `ahead`: 0 on encoder steps, (h + 1) / horizon on decoder step h. A decoder step's
 * target column holds the previous value (teacher forcing): the window's last input value for
 * step 0, the target of step h - 1 (`y`, [n, horizon]) for step h; without `y` (forecasting: the
 * decoder's own forecasts go there, decodeFreely), 0 beyond step 0. Its other columns are 0.
 * @param x [n, lookback, features] row-major
 * @returns [n, lookback + horizon, features + 1] row-major
 */
export function encoderDecoderWindows(
  x: Float32Array,
  y: Float32Array | null,
  shape: { n: number; lookback: number; features: number; horizon: number; targetPos: number },
): Float32Array {
  const { n, lookback: L, features: f, horizon: H, targetPos } = shape;
  const w = f + 1;
  const out = new Float32Array(n * (L + H) * w);
  for (let i = 0; i < n; i++) {
    const base = i * (L + H) * w;
    for (let t = 0; t < L; t++) out.set(x.subarray((i * L + t) * f, (i * L + t + 1) * f), base + t * w);
    for (let h = 0; h < H; h++) {
      const at = base + (L + h) * w;
      out[at + targetPos] = h === 0 ? x[(i * L + L - 1) * f + targetPos] : y ? y[i * H + h - 1] : 0;
      out[at + f] = (h + 1) / H;
    }
  }
  return out;
}

/**
 * An encoder-decoder's forecasts from many-to-many windows `x` (encoderDecoderWindows), the
 * decoder fed its own forecasts: `predict` runs the model on x ([n, lookback + horizon, features],
 * giving [n, horizon]); after each call, decoder step h + 1's previous value is set to the
 * forecast of step h, and the model runs again. The decoder is causal (a step's output depends on
 * no later step's input), so a call's first h + 1 outputs are final once steps 1..h hold forecasts,
 * and the last of the `horizon` calls returns every step's. Overwrites x's decoder inputs.
 * @returns [n, horizon] row-major
 */
export function decodeFreely(
  predict: (x: Float32Array, n: number, steps: number, features: number) => Float32Array,
  x: Float32Array,
  shape: { n: number; lookback: number; horizon: number; features: number; targetPos: number },
): Float32Array {
  const { n, lookback: L, horizon: H, features: w, targetPos } = shape;
  const T = L + H;
  let y = predict(x, n, T, w);
  for (let h = 0; h + 1 < H; h++) {
    for (let i = 0; i < n; i++) x[(i * T + L + h + 1) * w + targetPos] = y[i * H + h];
    y = predict(x, n, T, w);
  }
  return y;
}
