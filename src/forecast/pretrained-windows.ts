/**
 * The windows of the pretrained forecaster: what it reads and what it predicts, the same in
 * pretraining and in use, so that one network serves series of any length, level and scale.
 *
 * A series is first transformed as the config-less defaults transform it (forecast/auto.ts: log
 * when positive, a stable season removed, standardised), fitted on the rows it may see. A window
 * ending at row `end` (exclusive) holds the LOOKBACK values before it; rows before the series'
 * first are padded with its first value and flagged: each step has three inputs, the value,
 * whether it was observed (1) or padded (0), and whether it has the seasonal phase of the first
 * forecast step (so one network serves every period). Values are taken relative to the window's last one
 * and divided by the window's mean absolute step (its own scale: nothing is fitted per series),
 * so a window of any series looks like any other; targets, the next HORIZON values, the same way.
 */
import type { TransformSpec } from '../config/types.js';
import type { Predict } from '../model/predictor.js';
import { Pipeline } from '../transforms/pipeline.js';
import { chooseWindowTransforms } from './auto.js';

/** Steps the network reads. */
export const LOOKBACK = 36;
/** Steps it forecasts in one call (longer horizons feed forecasts back). */
export const HORIZON = 18;
/**
 * Inputs per step: the value; 1 when observed, 0 when padded; 1 when the step is a whole number of
 * seasons before the first forecast step (the same seasonal phase), else 0 (always 0 without a season).
 */
export const FEATURES = ['value', 'observed', 'phase'] as const;
const F = FEATURES.length;
/** Observed values a window needs at least. */
export const MIN_OBSERVED = 3;
/** Normalised values are clipped to ±CLIP (an outlier or a jump out of a flat stretch). */
export const CLIP = 50;
/** The smallest scale a window is divided by (in standardised units): a flat window's steps are not blown up. */
export const MIN_SCALE = 1e-3;

/**
 * The config-less choice of transforms (forecast/auto.ts), with any season of at least two whole
 * periods removed: the network reads deseasonalised windows.
 */
export function pretrainedTransforms(y: Float64Array, season: number, horizon: number): TransformSpec[] {
  const specs = chooseWindowTransforms(y, season, horizon);
  const m = Math.round(season);
  if (m < 2 || y.length < 2 * m || specs.some((s) => s.kind === 'deseasonalize')) return specs;
  const at = specs.findIndex((s) => s.kind === 'scale');
  return [...specs.slice(0, at), { kind: 'deseasonalize', period: m }, ...specs.slice(at)];
}

/** The transforms a series gets (the config-less choice for its season and horizon) and its transformed values. */
export function transformSeries(
  y: Float64Array,
  season: number,
  horizon: number,
  steps?: ArrayLike<number>,
): { specs: TransformSpec[]; pipeline: Pipeline; z: Float64Array } {
  const specs = pretrainedTransforms(y, season, horizon);
  const pipeline = Pipeline.fit(specs, { y }, y.length, steps);
  return { specs, pipeline, z: pipeline.transform({ y }, steps).y };
}

/** A window's origin value and scale: its last value and the mean absolute step between its observed values. */
export function windowScale(z: ArrayLike<number>, end: number): { last: number; scale: number } {
  const from = Math.max(0, end - LOOKBACK);
  let s = 0,
    c = 0;
  for (let t = from + 1; t < end; t++) {
    s += Math.abs(z[t] - z[t - 1]);
    c++;
  }
  const scale = c > 0 ? s / c : 0;
  return { last: z[end - 1], scale: Math.max(MIN_SCALE, Number.isFinite(scale) ? scale : 0) };
}

const clip = (v: number) => (v > CLIP ? CLIP : v < -CLIP ? -CLIP : v);

/**
 * Writes the network input of the window ending at `end` into x ([LOOKBACK, FEATURES] row-major,
 * from offset `at`) and returns its origin value and scale. `season`: the series' period (1: none).
 */
export function writeWindow(z: ArrayLike<number>, end: number, season: number, x: Float32Array, at = 0): { last: number; scale: number } {
  const ws = windowScale(z, end);
  const first = z[0];
  const m = Math.round(season);
  for (let l = 0; l < LOOKBACK; l++) {
    const t = end - LOOKBACK + l;
    const observed = t >= 0;
    const i = at + F * l;
    x[i] = clip(((observed ? z[t] : first) - ws.last) / ws.scale);
    x[i + 1] = observed ? 1 : 0;
    x[i + 2] = m > 1 && (end - t) % m === 0 ? 1 : 0;
  }
  return ws;
}

/**
 * The training windows of one transformed series: at most `keep` of the windows with at least
 * MIN_OBSERVED observed values and HORIZON values after them, evenly spaced, the last always kept.
 * x [k, LOOKBACK, 2], y [k, HORIZON].
 */
export function seriesWindows(z: Float64Array, season: number, keep: number): { x: Float32Array; y: Float32Array; count: number } {
  const first = MIN_OBSERVED,
    lastEnd = z.length - HORIZON;
  const available = lastEnd - first + 1;
  const count = Math.max(0, Math.min(keep, available));
  const x = new Float32Array(count * LOOKBACK * F);
  const y = new Float32Array(count * HORIZON);
  for (let i = 0; i < count; i++) {
    const end = lastEnd - Math.floor(((count - 1 - i) * available) / count);
    const { last, scale } = writeWindow(z, end, season, x, i * LOOKBACK * F);
    for (let h = 0; h < HORIZON; h++) y[i * HORIZON + h] = clip((z[end + h] - last) / scale);
  }
  return { x, y, count };
}

/**
 * Forecasts `steps` values after the transformed history `z` (at least MIN_OBSERVED values): one
 * network call per HORIZON steps, each call's forecasts appended to the history of the next.
 */
export function forecastTransformedPretrained(predict: Predict, z: Float64Array, season: number, steps: number): Float64Array {
  if (z.length < MIN_OBSERVED) throw new RangeError(`the pretrained forecaster needs at least ${MIN_OBSERVED} values, got ${z.length}`);
  const hist = Array.from(z);
  const x = new Float32Array(LOOKBACK * F);
  while (hist.length < z.length + steps) {
    const { last, scale } = writeWindow(hist, hist.length, season, x);
    const out = predict(x, 1, LOOKBACK, F);
    for (let h = 0; h < HORIZON && hist.length < z.length + steps; h++) hist.push(last + out[h] * scale);
  }
  return Float64Array.from(hist.slice(z.length));
}

/**
 * The pretrained forecaster's forecast of `horizon` values after `y` (original values, every one
 * finite), with the series' steps (seasonal phases) for the history and the forecast.
 */
export function pretrainedForecast(
  predict: Predict,
  y: Float64Array,
  season: number,
  horizon: number,
  steps?: { history: number[]; forecast: number[] },
): Float64Array {
  const { pipeline, z } = transformSeries(y, season, horizon, steps?.history);
  const f = forecastTransformedPretrained(predict, z, season, horizon);
  return pipeline.inverseTarget('y', f, y, steps);
}

/**
 * pretrainedForecast from several origins of one series `y` (origin `end`: the rows before it, `k`
 * steps), each forecast equal to pretrainedForecast's bit for bit: the origins whose horizon one
 * network call covers share one call (a row of a batch is computed as it would be alone), the
 * others run on their own. `steps`: the step numbers of y's rows and beyond; null for an origin
 * with fewer than MIN_OBSERVED rows before it.
 */
export function pretrainedForecasts(
  predict: Predict,
  y: Float64Array,
  season: number,
  origins: { end: number; k: number }[],
  steps?: ArrayLike<number>,
): (Float64Array | null)[] {
  const out: (Float64Array | null)[] = origins.map(() => null);
  const batch: { i: number; pipeline: Pipeline; ws: { last: number; scale: number } }[] = [];
  const x = new Float32Array(origins.length * LOOKBACK * F);
  const stepsOf = (from: number, to: number) => (steps ? Array.from({ length: to - from }, (_, j) => steps[from + j]) : undefined);
  origins.forEach(({ end, k }, i) => {
    if (end < MIN_OBSERVED) return;
    const yy = y.subarray(0, end);
    if (k > HORIZON) {
      out[i] = pretrainedForecast(predict, yy, season, k, steps ? { history: stepsOf(0, end)!, forecast: stepsOf(end, end + k)! } : undefined);
      return;
    }
    const { pipeline, z } = transformSeries(yy, season, k, stepsOf(0, end));
    batch.push({ i, pipeline, ws: writeWindow(z, z.length, season, x, batch.length * LOOKBACK * F) });
  });
  if (batch.length === 0) return out;
  const pred = predict(x.subarray(0, batch.length * LOOKBACK * F), batch.length, LOOKBACK, F);
  batch.forEach(({ i, pipeline, ws }, r) => {
    const { end, k } = origins[i];
    const f = Float64Array.from({ length: k }, (_, h) => ws.last + pred[r * HORIZON + h] * ws.scale);
    out[i] = pipeline.inverseTarget('y', f, y.subarray(0, end), steps ? { history: stepsOf(0, end)!, forecast: stepsOf(end, end + k)! } : undefined);
  });
  return out;
}
