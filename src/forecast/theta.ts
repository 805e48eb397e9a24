/**
 * The Theta method (Assimakopoulos and Nikolopoulos 2000, in the form of Hyndman and Billah 2003,
 * as R's forecast::thetaf computes it): a statistical forecaster rnnfc combines with its own model
 * and the pretrained network. The series is seasonally adjusted by classical multiplicative
 * decomposition when a 90% autocorrelation test at the seasonal lag says it is seasonal; simple
 * exponential smoothing (alpha and the initial level fitted by least squares) gives the level,
 * and half the slope of a straight line fitted to the adjusted series the drift:
 *   f(h) = level + (b / 2) (h - 1 + (1 - (1 - alpha)^n) / alpha),
 * reseasonalised with the seasonal indices.
 */

import { centredMovingAverage } from '../transforms/deseasonalize.js';
import { acf } from './auto.js';
import { leastSquaresSlope } from './damping.js';

/** One-sided 95% normal quantile: the seasonality test is at the 90% level, two-sided. */
const Z95 = 1.6448536269514722;

/** True when the autocorrelation at lag m stands out from the lags before it (thetaf's test). */
export function seasonalByAcf(y: ArrayLike<number>, m: number): boolean {
  const n = y.length;
  if (m < 2 || n < 2 * m + 1) return false;
  let s = 0;
  for (let k = 1; k < m; k++) s += acf(y, k) ** 2;
  const stat = Math.sqrt((1 + 2 * s) / n);
  return Math.abs(acf(y, m)) / stat > Z95;
}

/**
 * Seasonal indices by classical decomposition (R's decompose): a centred moving average of
 * length m (2 x m when m is even) as the trend, the index of phase p the mean over the seasons of
 * value / trend (multiplicative) or value - trend (additive) at the rows i with i mod m = p,
 * normalised to mean 1 (or 0).
 */
export function classicalIndices(y: ArrayLike<number>, m: number, multiplicative: boolean): Float64Array {
  const n = y.length;
  const half = Math.floor(m / 2);
  const sum = new Float64Array(m);
  const count = new Float64Array(m);
  for (let i = half; i + half < n; i++) {
    const t = centredMovingAverage(y, i, m);
    sum[i % m] += multiplicative ? y[i] / t : y[i] - t;
    count[i % m]++;
  }
  const idx = Float64Array.from(sum, (s, p) => (count[p] ? s / count[p] : multiplicative ? 1 : 0));
  let mean = 0;
  for (const v of idx) mean += v / m;
  for (let p = 0; p < m; p++) idx[p] = multiplicative ? idx[p] / mean : idx[p] - mean;
  return idx;
}

/**
 * Simple exponential smoothing fitted by least squares of the one-step errors: for each alpha the
 * best initial level is a closed form (the errors are linear in it), alpha is searched on a grid
 * and refined by golden section. Returns alpha and the last level.
 */
export function fitSes(x: ArrayLike<number>): { alpha: number; level: number } {
  const n = x.length;
  // one-step errors with initial level 0 (a) and their sensitivity to the initial level (c)
  const evaluate = (alpha: number) => {
    let l = 0,
      c = 1,
      saa = 0,
      sac = 0,
      scc = 0;
    const a = new Float64Array(n);
    const cs = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      a[t] = x[t] - l;
      cs[t] = c;
      saa += a[t] * a[t];
      sac += a[t] * c;
      scc += c * c;
      l = alpha * x[t] + (1 - alpha) * l;
      c *= 1 - alpha;
    }
    const l0 = scc > 0 ? sac / scc : x[0];
    // e_t = a_t - c_t l0; the last level is l (from 0) + (1 - alpha)^n l0
    const sse = saa - 2 * l0 * sac + l0 * l0 * scc;
    return { sse, level: l + c * l0 };
  };
  let best = 0.5,
    bestSse = Number.POSITIVE_INFINITY;
  for (let k = 1; k <= 99; k++) {
    const alpha = k / 100;
    const { sse } = evaluate(alpha);
    if (sse < bestSse) {
      bestSse = sse;
      best = alpha;
    }
  }
  let lo = Math.max(1e-4, best - 0.01),
    hi = Math.min(0.9999, best + 0.01);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 40; it++) {
    const a1 = hi - g * (hi - lo),
      a2 = lo + g * (hi - lo);
    if (evaluate(a1).sse <= evaluate(a2).sse) hi = a2;
    else lo = a1;
  }
  const alpha = (lo + hi) / 2;
  return { alpha, level: evaluate(alpha).level };
}

/**
 * The Theta method's forecast of `horizon` values after `y` (every value finite), with seasonal
 * period `season` (1: none). Fewer than 3 values: the last value repeated.
 */
export function thetaForecast(y: ArrayLike<number>, season: number, horizon: number): Float64Array {
  const n = y.length;
  const out = new Float64Array(horizon);
  if (n === 0) return out.fill(Number.NaN);
  if (n < 3) return out.fill(y[n - 1]);
  const m = Math.round(season);
  let index: Float64Array | null = null;
  let multiplicative = true;
  for (let i = 0; i < n; i++) if (!(y[i] > 0)) multiplicative = false;
  if (m >= 2 && seasonalByAcf(y, m)) index = classicalIndices(y, m, multiplicative);
  const x = Float64Array.from(y, (v, i) => (index ? (multiplicative ? v / index[i % m] : v - index[i % m]) : v));
  const drift = leastSquaresSlope(x) / 2;
  const { alpha, level } = fitSes(x);
  const tail = (1 - (1 - alpha) ** n) / alpha;
  for (let h = 1; h <= horizon; h++) {
    const f = level + drift * (h - 1 + tail);
    out[h - 1] = index ? (multiplicative ? f * index[(n - 1 + h) % m] : f + index[(n - 1 + h) % m]) : f;
  }
  return out;
}
