import type { TransformSpec } from '../config/types.js';
import { fitSeasonalIndex } from '../transforms/deseasonalize.js';

/** Sample autocorrelation at `lag` (NaN entries skipped pairwise); 0 when undefined. */
export function acf(x: ArrayLike<number>, lag: number): number {
  const n = x.length;
  if (lag < 1 || lag >= n) return 0;
  let s = 0,
    c = 0;
  for (let i = 0; i < n; i++)
    if (Number.isFinite(x[i])) {
      s += x[i];
      c++;
    }
  if (c < 2) return 0;
  const mean = s / c;
  let den = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(x[i])) den += (x[i] - mean) ** 2;
  if (!(den > 0)) return 0;
  let num = 0;
  for (let i = lag; i < n; i++) {
    const a = x[i],
      b = x[i - lag];
    if (Number.isFinite(a) && Number.isFinite(b)) num += (a - mean) * (b - mean);
  }
  return num / den;
}

function diff(x: Float64Array, lag: number): Float64Array {
  const out = new Float64Array(Math.max(0, x.length - lag));
  for (let i = lag; i < x.length; i++) out[i - lag] = x[i] - x[i - lag];
  return out;
}

/**
 * Whether a season of period m is stable enough to be removed by fixed seasonal indices: the
 * indices are fitted on the first 70% of `z` (log values where positive), then, from every
 * origin t in the rest, the next `horizon` values are forecast two ways: the deseasonalised
 * last value re-seasonalised (z[t] - s[t] + s[t+j]) and seasonal naive (the same phase one
 * season earlier). Returns the ratio of their mean absolute errors, deseasonalised / seasonal
 * naive (< 1: the average profile forecasts better than last season's values; NaN when too short).
 */
export function seasonalStability(z: Float64Array, season: number, horizon: number): number {
  const m = Math.round(season),
    n = z.length;
  const fitEnd = Math.max(3 * m, Math.floor(0.7 * n));
  if (m < 2 || fitEnd + horizon >= n) return NaN;
  const s = fitSeasonalIndex(z, m, fitEnd);
  let eDes = 0,
    eSn = 0;
  for (let t = fitEnd - 1; t + horizon < n; t++) {
    const level = z[t] - s[t % m];
    for (let j = 1; j <= horizon; j++) {
      const y = z[t + j];
      eDes += Math.abs(y - (level + s[(t + j) % m]));
      eSn += Math.abs(y - z[t + j - m * Math.ceil(j / m)]);
    }
  }
  return eSn > 0 ? eDes / eSn : NaN;
}

/**
 * Whether last season's value predicts z better than the last value does, in-sample: mean
 * |z[t] - z[t-m]| below mean |z[t] - z[t-1]| over the rows t >= m (a season that dominates
 * the step-to-step changes).
 */
export function seasonBeatsLast(z: Float64Array, m: number): boolean {
  let sn = 0,
    nv = 0;
  for (let t = m; t < z.length; t++) {
    sn += Math.abs(z[t] - z[t - m]);
    nv += Math.abs(z[t] - z[t - 1]);
  }
  return z.length > m && sn < nv;
}

/**
 * Transforms for the config-less defaults (windows normalised by their last value, so no
 * differencing is needed): `log` when every value is > 0; `{deseasonalize: m}` when m > 1, at
 * least 2 full seasons are present, the season is strong (lag-m autocorrelation of the lag-1
 * differences > 0.3, or seasonBeatsLast: the test that still sees a season in 2 to 3 seasons of
 * data, e.g. 24 months of wine sales, whose 11 pairs of differences give an autocorrelation of
 * 0.14) and stable: seasonalStability < 0.8, i.e. the average profile forecasts
 * clearly better than last season's values (or the series is too short to tell). A season that
 * keeps changing (electricity demand: 0.85-0.89, against 0.56-0.62 for airline passengers and
 * CO2) is better left in the windows, where the network sees the latest seasons; then
 * `{scale: standard}`. Uses only `y`.
 */
export function chooseWindowTransforms(y: Float64Array, season: number, horizon: number): TransformSpec[] {
  const finite = Array.from(y).filter((v) => Number.isFinite(v));
  if (finite.length < 4) return [{ kind: 'scale', method: 'standard' }];
  const head: TransformSpec[] = finite.every((v) => v > 0) ? [{ kind: 'log' }] : [];
  const scale: TransformSpec = { kind: 'scale', method: 'standard' };
  const m = Math.round(season);
  if (!(m > 1 && finite.length >= 2 * m)) return [...head, scale];
  const z = head.length ? Float64Array.from(finite, Math.log) : Float64Array.from(finite);
  // Too short to test stability (NaN): a strong season is removed anyway, since the short
  // windows such a series gets cannot hold a whole season.
  const stability = seasonalStability(z, m, horizon);
  const strong = acf(diff(z, 1), m) > 0.3 || seasonBeatsLast(z, m);
  if (strong && !(stability >= 0.8)) return [...head, { kind: 'deseasonalize', period: m }, scale];
  return [...head, scale];
}
