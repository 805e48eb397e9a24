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

/**
 * Coverage step by step ahead of forecasts made in blocks (`blockSteps`: their lengths in order,
 * each block's first row step 1): at each step, how many of the actuals fall inside
 * [lower, upper] and how many there are.
 */
export function stepCoverage(actual: Arr, lower: Arr, upper: Arr, blockSteps: readonly number[]): { inside: number[]; total: number[] } {
  sameLength(actual, lower, upper);
  const steps = Math.max(0, ...blockSteps);
  const inside = new Array<number>(steps).fill(0);
  const total = new Array<number>(steps).fill(0);
  let i = 0;
  for (const b of blockSteps)
    for (let k = 0; k < b; k++, i++) {
      total[k]++;
      if (actual[i] >= lower[i] && actual[i] <= upper[i]) inside[k]++;
    }
  if (i !== actual.length) throw new Error(`step coverage: blocks of ${i} rows for ${actual.length} actuals`);
  return { inside, total };
}

/** Per method and interval level (as a string, "95"): a fit's stepCoverage of its test forecasts. */
export type StepCoverage = Record<string, Record<string, { inside: number[]; total: number[] }>>;

/**
 * Coverage step by step ahead, pooled over fits (each a StepCoverage): per method and
 * level, the percent of the actuals at step k + 1 inside the interval, over every fit that has
 * that method's interval at that level (null at a step none of them reached).
 */
export function coverageByStep(fits: readonly StepCoverage[]): Record<string, Record<string, (number | null)[]>> {
  const sums: Record<string, Record<string, { inside: number[]; total: number[] }>> = {};
  for (const f of fits)
    for (const [method, levels] of Object.entries(f))
      for (const [level, c] of Object.entries(levels)) {
        sums[method] ??= {};
        sums[method][level] ??= { inside: [], total: [] };
        const s = sums[method][level];
        c.total.forEach((t, k) => {
          s.total[k] = (s.total[k] ?? 0) + t;
          s.inside[k] = (s.inside[k] ?? 0) + c.inside[k];
        });
      }
  return Object.fromEntries(
    Object.entries(sums).map(([method, levels]) => [
      method,
      Object.fromEntries(Object.entries(levels).map(([level, s]) => [level, s.total.map((t, k) => (t > 0 ? (100 * s.inside[k]) / t : null))])),
    ]),
  );
}
