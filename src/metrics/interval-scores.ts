/**
 * Scores of prediction intervals and quantiles: coverage, the mean scaled interval score (MSIS, as
 * the M4 competition defined it) and the pinball loss.
 */
type Arr = ArrayLike<number>;

function sameLength(...xs: Arr[]): void {
  for (const x of xs) if (x.length !== xs[0].length) throw new Error(`interval score: lengths differ (${xs.map((a) => a.length).join(' vs ')})`);
}

/** The fraction of actuals inside [lower, upper], ends included (NaN when empty). */
export function coverage(actual: Arr, lower: Arr, upper: Arr): number {
  sameLength(actual, lower, upper);
  if (actual.length === 0) return NaN;
  let inside = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i] >= lower[i] && actual[i] <= upper[i]) inside++;
  return inside / actual.length;
}

/**
 * The interval score of [lower, upper] at level 1 - alpha, averaged over the steps and divided by
 * `scale` (MASE's: the mean absolute seasonal difference of the training part):
 * mean(upper - lower + 2/alpha (lower - y) [y < lower] + 2/alpha (y - upper) [y > upper]) / scale.
 * With alpha 0.05 this is the M4 competition's MSIS. Scale 0 gives Infinity (NaN when the score is 0 too).
 */
export function msis(actual: Arr, lower: Arr, upper: Arr, alpha: number, scale: number): number {
  sameLength(actual, lower, upper);
  if (actual.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i];
    s += upper[i] - lower[i];
    if (y < lower[i]) s += (2 / alpha) * (lower[i] - y);
    if (y > upper[i]) s += (2 / alpha) * (y - upper[i]);
  }
  return s / actual.length / scale;
}

/** The mean absolute seasonal difference |y[t] - y[t-m]| of `train` (m < 1 as 1): MASE's and MSIS's scale (NaN when train has m values or fewer). */
export function seasonalScale(train: Arr, m: number): number {
  const lag = Math.max(1, Math.floor(m));
  if (train.length <= lag) return NaN;
  let s = 0;
  for (let t = lag; t < train.length; t++) s += Math.abs(train[t] - train[t - lag]);
  return s / (train.length - lag);
}

/** The pinball (quantile) loss of forecast quantile q of y: q (y - f) when y >= f, else (1 - q) (f - y). */
export function pinball(y: number, f: number, q: number): number {
  return y >= f ? q * (y - f) : (1 - q) * (f - y);
}

/** The pinball loss averaged over the steps and the quantiles (`forecasts[i]` holds quantile `quantiles[i]`; NaN when empty). */
export function meanPinball(actual: Arr, quantiles: readonly number[], forecasts: readonly Arr[]): number {
  sameLength(actual, ...forecasts);
  if (actual.length === 0 || quantiles.length === 0) return NaN;
  let s = 0;
  for (const [i, q] of quantiles.entries()) for (let t = 0; t < actual.length; t++) s += pinball(actual[t], forecasts[i][t], q);
  return s / (actual.length * quantiles.length);
}
