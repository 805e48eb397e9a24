/**
 * Prediction intervals. A run's forecast is made, the same way, from many earlier origins inside
 * the rows it was fitted on; the errors of those forecasts, step by step, say how far off a
 * forecast of that step tends to be, and the interval about each new forecast is sized from them.
 */
import type { INTERVAL_METHODS } from '../config/names.js';
import { coverage, meanPinball, msis } from '../metrics/interval-scores.js';
import type { ModelIO } from './forecast.js';
import { MIN_OBSERVED } from './pretrained-windows.js';

/** The most origins a run's intervals are calibrated on (the latest ones): bounds the work on long series. */
export const MAX_CALIBRATION_ORIGINS = 100;

/**
 * One calibration origin: the run's forecast of the rows from `end` on, made from the rows before
 * it; `spread`: the spread of the forecasts it combined (ensembleSpread), where it combined two or more.
 */
export interface CalibrationForecast {
  end: number;
  forecast: Float64Array;
  spread?: Float64Array;
}

/**
 * The spread of the forecasts an ensemble combines (its members, and the pretrained network, Theta
 * or Holt where they join), step by step: their standard deviation (n - 1 in the denominator), in
 * the data's units. Null for fewer than two forecasts.
 */
export function ensembleSpread(parts: readonly Float64Array[]): Float64Array | null {
  return parts.length < 2 ? null : sampleSd(parts);
}

/**
 * The quantiles of the heads a network learns beside its point forecast (evaluation.intervals:
 * quantile): the 10% and 90% quantiles of each step, whose distance apart is the network's own
 * measure of how uncertain that step is.
 */
export const QUANTILE_HEADS = [0.1, 0.9] as const;

/** The model's output blocks holding QUANTILE_HEADS' low and high heads (block 0 is the forecast; ModelIO.heads). */
export const HEAD_BLOCKS: readonly [low: number, high: number] = [1, 2];

/** The standard normal's 90% quantile: a normal distribution's 10% and 90% quantiles lie 2 z90 sigma apart. */
const Z90 = 1.2815515655446004;

/**
 * The spread a network's quantile heads give (QUANTILE_HEADS: `low` and `high`, the data's units):
 * their distance apart over 2 z90, a normal distribution's sigma, step by step; steps beyond the
 * heads (`steps` more than a window's outputs) carry the last step's on, growing as the square root
 * of the steps ahead.
 */
export function headsSpread(low: ArrayLike<number>, high: ArrayLike<number>, steps: number): Float64Array {
  const n = Math.min(low.length, high.length);
  const out = new Float64Array(steps);
  for (let k = 0; k < steps; k++) out[k] = k < n ? Math.abs(high[k] - low[k]) / (2 * Z90) : out[n - 1] * Math.sqrt((k + 1) / n);
  return out;
}

/** The sample standard deviation of equally long series, element by element (n - 1 in the denominator). */
function sampleSd(parts: readonly Float64Array[]): Float64Array {
  const n = parts.length;
  const out = new Float64Array(parts[0].length);
  for (let k = 0; k < out.length; k++) {
    let mean = 0;
    for (const p of parts) mean += p[k];
    mean /= n;
    let ss = 0;
    for (const p of parts) ss += (p[k] - mean) ** 2;
    out[k] = Math.sqrt(ss / (n - 1));
  }
  return out;
}

/** The first row a forecast can start at: after the transforms' lost rows and one window (and the pretrained network's minimum history). */
export function calibrationStart(io: ModelIO, pretrained: boolean): number {
  const window = io.mode === 'one-to-one' ? 1 : io.lookback;
  return Math.max(io.offset + window, pretrained ? MIN_OBSERVED : 0, 2);
}

/**
 * The run's forecasts from the latest MAX_CALIBRATION_ORIGINS origins in [first, end - 1] that
 * have at least half of the rows before `end` behind them (a forecast from a much shorter history
 * than the run's own errs more than the run's will: on the TSDL tuning part, calibrating on them
 * too made the 95% intervals' MSIS 4% worse overall and 50% worse on quarterly series), each as
 * many steps as the rows before `end` allow, `steps` at most (the rows from `end` on are never
 * looked at). `forecastAt(origin, k)` forecasts k rows from origin out of the rows before it.
 */
export function calibrationForecasts(
  forecastAt: (origin: number, k: number) => Float64Array | { forecast: Float64Array; spread?: Float64Array | null },
  y: Float64Array,
  range: { first: number; end: number; steps: number },
): CalibrationForecast[] {
  const out: CalibrationForecast[] = [];
  for (const o of calibrationOrigins(y, range)) {
    const r = forecastAt(o, Math.min(range.steps, range.end - o));
    const { forecast: f, spread } = r instanceof Float64Array ? { forecast: r, spread: null } : r;
    if (f.every(Number.isFinite)) out.push({ end: o, forecast: f, ...(spread?.every(Number.isFinite) ? { spread } : {}) });
  }
  return out;
}

/** The origins calibrationForecasts forecasts from, in order (those whose history holds no missing value). */
export function calibrationOrigins(y: Float64Array, range: { first: number; end: number }): number[] {
  const out: number[] = [];
  const first = Math.max(range.first, Math.ceil(range.end / 2), range.end - MAX_CALIBRATION_ORIGINS);
  let bad = -1;
  for (let t = 0; t < first && t < y.length; t++) if (!Number.isFinite(y[t])) bad = t;
  for (let o = first; o < range.end; o++) {
    if (!Number.isFinite(y[o - 1])) bad = o - 1;
    if (bad < 0) out.push(o);
  }
  return out;
}

/**
 * What a run's intervals are sized from, saved in pipeline.json (io.intervals) so that predict
 * sizes its intervals the same way without refitting:
 * - method 'conformal': `errors[k]` holds the absolute errors of the calibration forecasts at step
 *   k + 1, sorted; 'naive' (a history too short for any calibration forecast): `errors[0]` holds
 *   the absolute one-step changes of the history, the naive method's errors;
 * - method 'ensemble' (evaluation.intervals: ensemble): `errors[k]` holds those errors each divided
 *   by the scale of that origin's forecast at that step, sorted: its ensemble's spread
 *   (relativeSpread) plus `spreads.median[k]`, the calibration spreads' median at step k + 1, so
 *   that an interval is as many scales wide as the errors were, wider where the forecasts averaged
 *   disagree (a spread counts as at most `spreads.max[k]`, the largest calibration spread, so that
 *   a disagreement beyond any seen does not widen it beyond any seen); 'quantile' (evaluation.
 *   intervals: quantile) the same, the spread the network's quantile heads' (headsSpread);
 * - space 'log': errors of log forecasts (the history and the forecasts were all positive), so
 *   that an interval is a band of ratios about the forecast; 'level': errors in the data's units.
 */
export interface IntervalModel {
  method: 'conformal' | 'naive' | 'ensemble' | 'quantile';
  space: 'log' | 'level';
  errors: number[][];
  spreads?: { median: number[]; max: number[] };
}

/**
 * An ensemble's spread (ensembleSpread, the data's units) in the model's space: relative to the
 * forecast in log space (the spread of its log, to first order), as it is in level space.
 */
export function relativeSpread(space: IntervalModel['space'], spread: ArrayLike<number>, forecast: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: spread.length }, (_, k) => (space === 'log' ? spread[k] / Math.abs(forecast[k]) : spread[k]));
}

/** Six significant digits: what pipeline.json keeps of a calibration error, and all that train and predict use of it. */
const keep = (v: number) => Number(v.toPrecision(6));

/**
 * The interval model of a run from its calibration forecasts (calibrationForecasts) of the
 * history `y` (only its rows before `end` are read): log space where the history and every
 * calibration forecast are positive, the data's units otherwise. Without any calibration forecast,
 * the naive method's one-step errors stand in. Null when there are not even those (fewer than two rows).
 */
export function fitIntervals(
  calibration: CalibrationForecast[],
  y: Float64Array,
  end: number,
  method: (typeof INTERVAL_METHODS)[number] = 'conformal',
): IntervalModel | null {
  const seen = y.subarray(0, end);
  const positive = seen.every((v) => v > 0) && calibration.every((c) => c.forecast.every((v) => v > 0));
  const space = positive ? 'log' : 'level';
  const g = positive ? Math.log : (v: number) => v;
  const sorted = (xs: number[]) => xs.map(keep).sort((a, b) => a - b);
  if (method !== 'conformal' && calibration.length > 0 && calibration.every((c) => c.spread)) {
    const scaled = scaledIntervals(method, calibration, y, space, g);
    if (scaled) return scaled;
  }
  if (calibration.length > 0) {
    const steps = Math.max(...calibration.map((c) => c.forecast.length));
    const errors: number[][] = Array.from({ length: steps }, () => []);
    for (const c of calibration) c.forecast.forEach((f, k) => errors[k].push(Math.abs(g(y[c.end + k]) - g(f))));
    return { method: 'conformal', space, errors: errors.map(sorted) };
  }
  const changes: number[] = [];
  for (let t = 1; t < seen.length; t++) if (Number.isFinite(seen[t]) && Number.isFinite(seen[t - 1])) changes.push(Math.abs(g(seen[t]) - g(seen[t - 1])));
  return changes.length > 0 ? { method: 'naive', space, errors: [sorted(changes)] } : null;
}

/**
 * fitIntervals' ensemble and quantile methods: each calibration error divided by the scale of its
 * origin's spread at that step (scaleAt). Null where the spreads of some step have a median of zero
 * (the forecasts mostly agreed: nothing to scale by).
 */
function scaledIntervals(
  method: 'ensemble' | 'quantile',
  calibration: CalibrationForecast[],
  y: Float64Array,
  space: IntervalModel['space'],
  g: (v: number) => number,
): IntervalModel | null {
  const steps = Math.max(...calibration.map((c) => c.forecast.length));
  const spreads = calibration.map((c) => relativeSpread(space, c.spread!, c.forecast));
  const median: number[] = [];
  const max: number[] = [];
  for (let k = 0; k < steps; k++) {
    const at = spreads.filter((s) => k < s.length).map((s) => s[k]);
    const m = keep(medianOfNumbers(at));
    if (!(m > 0 && at.every(Number.isFinite))) return null;
    median.push(m);
    max.push(keep(Math.max(...at)));
  }
  const model: IntervalModel = { method, space, errors: [], spreads: { median, max } };
  const errors: number[][] = Array.from({ length: steps }, () => []);
  calibration.forEach((c, i) => {
    c.forecast.forEach((f, k) => errors[k].push(Math.abs(g(y[c.end + k]) - g(f)) / scaleAt(model, spreads[i], k)));
  });
  model.errors = errors.map((xs) => xs.map(keep).sort((a, b) => a - b));
  return model;
}

/**
 * The scale of a spread-scaled interval at step k (0-based; IntervalModel spreads): the spread
 * (relativeSpread; the calibration median where there is none), at most the calibration's largest,
 * plus the calibration median. Steps beyond those calibrated use the last one's figures.
 */
function scaleAt(model: IntervalModel, spread: ArrayLike<number> | undefined, k: number): number {
  const { median, max } = model.spreads!;
  const j = Math.min(k, median.length - 1);
  const s = spread?.[k];
  return Math.min(s !== undefined && Number.isFinite(s) ? s : median[j], max[j]) + median[j];
}

function medianOfNumbers(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const h = v.length >> 1;
  return v.length === 0 ? NaN : v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

/**
 * The conformal quantile of sorted absolute errors at coverage `p` (0 < p < 1): the
 * ceil((n + 1) p)-th smallest, which covers a new error with probability at least p when the
 * errors are exchangeable; the largest when there are too few errors for that.
 */
export function conformalQuantile(sortedErrors: readonly number[], p: number): number {
  const n = sortedErrors.length;
  // (less a hair, so that a rank that is a whole number up to rounding stays that number)
  return sortedErrors[Math.min(n, Math.max(1, Math.ceil((n + 1) * p - 1e-9))) - 1];
}

/**
 * How much wider than its calibration errors' quantile a conformal interval is drawn at coverage
 * `p`: 1 up to 80%, TAIL_FACTOR from 95% on, linear between. The calibration forecasts come from
 * the run's fit of the very rows they forecast, and a series' errors change over time, so its new
 * errors run larger in the tails than the calibration errors do. TAIL_FACTOR is the smallest
 * factor (in hundredths) that brought the pooled 95% coverage of the config-less defaults to 95%
 * on the TSDL tuning part (109 series, 3 origins each: 94.1% without it; its 80% coverage, 81.6%,
 * needed none).
 */
export const TAIL_FACTOR = 1.07;

export function tailFactor(p: number): number {
  return 1 + (TAIL_FACTOR - 1) * Math.min(1, Math.max(0, (p - 0.8) / 0.15));
}

/**
 * The half-width of the interval at coverage `p` for steps 1..`steps` in the model's space: the
 * conformal quantile of each step's errors, never narrower than an earlier step's (a forecast
 * further ahead is not surer); steps without errors of their own carry the last such step's width
 * on, growing as the square root of the steps ahead (as a random walk's spread does); method
 * 'conformal' times its tailFactor.
 *
 * Methods 'ensemble' and 'quantile': the quantile counts scales, so each step's width is it times
 * the scale of the forecast's own spread (`spread`, relativeSpread; scaleAt), and again never
 * narrower than an earlier step's.
 */
export function halfWidths(model: IntervalModel, p: number, steps: number, spread?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(steps);
  const tail = model.method === 'conformal' ? tailFactor(p) : 1;
  let last = 0;
  let lastStep = 0;
  let width = 0;
  for (let k = 0; k < steps; k++) {
    const e = model.errors[k];
    if (e && e.length > 0) {
      last = Math.max(last, conformalQuantile(e, p));
      lastStep = k;
    }
    const q = k === lastStep ? last : last * Math.sqrt((k + 1) / (lastStep + 1));
    if (!scaled(model)) out[k] = q * tail;
    else {
      width = Math.max(width, q * scaleAt(model, spread, k));
      out[k] = width;
    }
  }
  return out;
}

/** A forecast's interval bounds at one level. */
export interface Band {
  /** Percent, as configured: 80 for the 80% interval. */
  level: number;
  lower: Float64Array;
  upper: Float64Array;
}

/** forecast ∓ width (level space) or forecast · exp(∓width) (log space); a non-positive forecast has no log-space bounds (NaN). */
function around(model: IntervalModel, forecast: ArrayLike<number>, widths: Float64Array, sign: 1 | -1): Float64Array {
  const out = new Float64Array(forecast.length);
  for (let k = 0; k < out.length; k++) {
    const f = forecast[k];
    out[k] = model.space === 'log' ? (f > 0 ? f * Math.exp(sign * widths[k]) : NaN) : f + sign * widths[k];
  }
  return out;
}

/**
 * The interval about `forecast` (steps 1, 2, ... from one origin) at `level` percent; `spread`: the
 * forecast's ensemble spread in the data's units (ensembleSpread; what method 'ensemble' scales by).
 */
export function bandOf(model: IntervalModel, forecast: ArrayLike<number>, level: number, spread?: ArrayLike<number> | null): Band {
  const w = halfWidths(model, level / 100, forecast.length, scaleOf(model, forecast, spread));
  return { level, lower: around(model, forecast, w, -1), upper: around(model, forecast, w, 1) };
}

/** The spread methods 'ensemble' and 'quantile' scale by, in the model's space (undefined for the other methods or without one: the calibration median stands in). */
function scaleOf(model: IntervalModel, forecast: ArrayLike<number>, spread?: ArrayLike<number> | null): Float64Array | undefined {
  return scaled(model) && spread ? relativeSpread(model.space, spread, forecast) : undefined;
}

/** Whether an interval model's widths are counted in spreads (methods 'ensemble' and 'quantile'). */
function scaled(model: IntervalModel): boolean {
  return model.method === 'ensemble' || model.method === 'quantile';
}

/**
 * Quantile `q` (0 < q < 1) of the forecast distribution: the lower bound of the (1 - 2q) interval
 * below the median, the upper bound of the (2q - 1) interval above it, the forecast itself at 0.5.
 * Quantiles never cross: a higher q is never lower.
 */
export function quantileOf(model: IntervalModel, forecast: ArrayLike<number>, q: number, spread?: ArrayLike<number> | null): Float64Array {
  if (q === 0.5) return Float64Array.from(forecast);
  const p = Math.abs(2 * q - 1);
  return around(model, forecast, halfWidths(model, p, forecast.length, scaleOf(model, forecast, spread)), q < 0.5 ? -1 : 1);
}

/** A forecast's intervals at each level and its quantiles. */
export interface Spread {
  bands: Band[];
  quantiles: { q: number; values: Float64Array }[];
}

/** No intervals, no quantiles. */
export const NO_SPREAD: Spread = { bands: [], quantiles: [] };

/**
 * The intervals (at `levels` percent) and quantiles of a forecast made of blocks, each forecast
 * from its own origin (`blocks`: their lengths, in order; one block for a single forecast).
 * `ensemble`: the forecast's ensemble spread, row by row (ensembleSpread; method 'ensemble').
 */
export function spreadOf(
  model: IntervalModel,
  forecast: Float64Array,
  blocks: number[],
  levels: readonly number[],
  quantiles: readonly number[],
  ensemble?: Float64Array | null,
): Spread {
  const at = (i: number, len: number) => ensemble?.subarray(i, i + len);
  return {
    bands: levels.map((level) => {
      // each block's band once, for both of its bounds
      const upper = new Float64Array(forecast.length);
      const lower = joinBlocks(forecast, blocks, (part, _i, from) => {
        const b = bandOf(model, part, level, at(from, part.length));
        upper.set(b.upper, from);
        return b.lower;
      });
      return { level, lower, upper };
    }),
    quantiles: quantiles.map((q) => ({ q, values: joinBlocks(forecast, blocks, (part, _i, from) => quantileOf(model, part, q, at(from, part.length))) })),
  };
}

/**
 * A spread's series by their column names, in column order: lower_<level> and upper_<level> for
 * each level, then q<q> for each quantile (forecast.csv, predict and backtest name them so).
 */
export function spreadSeries(s: Spread): [string, Float64Array][] {
  return [
    ...s.bands.flatMap((b): [string, Float64Array][] => [
      [`lower_${b.level}`, b.lower],
      [`upper_${b.level}`, b.upper],
    ]),
    ...s.quantiles.map((q): [string, Float64Array] => [`q${q.q}`, q.values]),
  ];
}

/** `f` applied to each block of `x` (lengths `blocks`; `at`: where the block starts in `x`), the results one after another. */
export function joinBlocks(x: Float64Array, blocks: number[], f: (part: Float64Array, block: number, at: number) => Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  let at = 0;
  blocks.forEach((len, i) => {
    out.set(f(x.subarray(at, at + len), i, at), at);
    at += len;
  });
  return out;
}

/** The quantiles the pinball loss is averaged over: `quantiles` when asked for, else the bounds of the intervals at `levels`. */
export function scoredQuantiles(levels: readonly number[], quantiles: readonly number[]): number[] {
  if (quantiles.length > 0) return [...quantiles];
  return levels.flatMap((l) => [(100 - l) / 200, (100 + l) / 200]).sort((a, b) => a - b);
}

/**
 * The interval scores of a forecast of `actual` whose interval at a level (percent) `bandAt` gives
 * (null: the method has none): `coverage_<level>` (percent of actuals inside) for each of `levels`,
 * `msis` (the 95% interval's, scaled by `scale`) and `pinball` (the mean pinball loss over
 * scoredQuantiles, in the data's units). Each is NaN where the method has no interval.
 */
export function intervalScores(
  actual: Float64Array,
  forecast: Float64Array,
  bandAt: (level: number) => { lower: Float64Array; upper: Float64Array } | null,
  levels: readonly number[],
  quantiles: readonly number[],
  scale: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of levels) {
    const b = bandAt(l);
    out[`coverage_${l}`] = b ? 100 * coverage(actual, b.lower, b.upper) : NaN;
  }
  const b95 = bandAt(95);
  out.msis = b95 ? msis(actual, b95.lower, b95.upper, 0.05, scale) : NaN;
  const qs = scoredQuantiles(levels, quantiles);
  const values = qs.map((q) => (q === 0.5 ? forecast : ((q < 0.5 ? bandAt(100 * (1 - 2 * q))?.lower : bandAt(100 * (2 * q - 1))?.upper) ?? null)));
  out.pinball = values.every((v) => v !== null) ? meanPinball(actual, qs, values as Float64Array[]) : NaN;
  return out;
}
