function nonEmpty(train: ArrayLike<number>): void {
  if (train.length === 0) throw new Error('baseline forecast needs at least one training value');
}

/** Repeat the last value h times. */
export function naive(train: ArrayLike<number>, h: number): Float64Array {
  nonEmpty(train);
  return new Float64Array(h).fill(train[train.length - 1]);
}

/** Repeat the last season: f[k] = y[n - m + (k mod m)]; m <= 1 (or m > n) falls back to naive. */
export function seasonalNaive(train: ArrayLike<number>, h: number, m: number): Float64Array {
  nonEmpty(train);
  const n = train.length;
  if (m <= 1 || m > n) return naive(train, h);
  const out = new Float64Array(h);
  for (let k = 0; k < h; k++) out[k] = train[n - m + (k % m)];
  return out;
}

/** Random walk with drift: last + k * (last - first) / (n - 1), k = 1..h (naive when n = 1). */
export function drift(train: ArrayLike<number>, h: number): Float64Array {
  nonEmpty(train);
  const n = train.length;
  const last = train[n - 1];
  const slope = n > 1 ? (last - train[0]) / (n - 1) : 0;
  const out = new Float64Array(h);
  for (let k = 0; k < h; k++) out[k] = last + (k + 1) * slope;
  return out;
}

/**
 * The standard normal distribution's quantile function (Acklam's rational approximation: relative
 * error below 1.2e-9), for 0 < p < 1.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** The baselines that have textbook prediction intervals. */
export type BaselineName = 'naive' | 'seasonal_naive' | 'drift';

/**
 * The textbook normal prediction interval of a baseline's forecast (Hyndman and Athanasopoulos,
 * Forecasting: Principles and Practice, 5.5): forecast ± z sigma_h, sigma the standard deviation
 * of the method's one-step residuals on `train` (sum of squares over residuals less parameters) and
 * sigma_h = sigma sqrt(h) (naive), sigma sqrt(floor((h - 1) / m) + 1) (seasonal naive),
 * sigma sqrt(h (1 + h / T)) (drift, T rows). Null when `train` has too few rows for a residual.
 */
export function baselineBand(
  name: BaselineName,
  train: ArrayLike<number>,
  forecast: ArrayLike<number>,
  level: number,
  m: number,
): { lower: Float64Array; upper: Float64Array } | null {
  const n = train.length;
  const lag = name === 'seasonal_naive' && m > 1 && m <= n ? m : 1;
  const slope = name === 'drift' && n > 1 ? (train[n - 1] - train[0]) / (n - 1) : 0;
  let ss = 0;
  let count = 0;
  for (let t = lag; t < n; t++) {
    const e = train[t] - train[t - lag] - slope;
    if (Number.isFinite(e)) {
      ss += e * e;
      count++;
    }
  }
  const params = name === 'drift' ? 1 : 0;
  if (count - params < 1) return null;
  const sigma = Math.sqrt(ss / (count - params));
  const z = normalQuantile(0.5 + level / 200);
  const lower = new Float64Array(forecast.length);
  const upper = new Float64Array(forecast.length);
  for (let k = 0; k < forecast.length; k++) {
    const h = k + 1;
    const grow = name === 'naive' ? Math.sqrt(h) : name === 'drift' ? Math.sqrt(h * (1 + h / n)) : Math.sqrt(Math.floor((h - 1) / lag) + 1);
    lower[k] = forecast[k] - z * sigma * grow;
    upper[k] = forecast[k] + z * sigma * grow;
  }
  return { lower, upper };
}
