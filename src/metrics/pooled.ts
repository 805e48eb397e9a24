/**
 * Scores pooled over a panel's series: the mean of each score over the series where it is finite,
 * and the geometric mean over the series of a method's MASE relative to a reference method's
 * (seasonal naive by default): below 1, the method beats the reference on a typical series.
 */

/** One series' scores by method, then by score name (mae, rmse, mape, smape, mase); null: not measurable. */
export type MethodScores = Record<string, Record<string, number | null>>;

/** Per method: the mean of each score, `rel_mase` (geometric mean of MASE / the reference's MASE) and the series counted. */
export type PooledScores = Record<string, Record<string, number>>;

/**
 * Pools the scores of `series` (each: method -> score -> value). A score's mean skips the series
 * where it is not finite; rel_mase counts the series where both MASEs are finite and positive
 * (NaN when there are none).
 */
export function poolScores(series: MethodScores[], reference = 'seasonal_naive'): PooledScores {
  const out: PooledScores = {};
  const methods = [...new Set(series.flatMap((s) => Object.keys(s)))];
  for (const method of methods) {
    const names = [...new Set(series.flatMap((s) => Object.keys(s[method] ?? {})))];
    const pooled: Record<string, number> = {};
    for (const name of names) {
      let sum = 0,
        n = 0;
      for (const s of series) {
        const v = s[method]?.[name];
        if (typeof v === 'number' && Number.isFinite(v)) {
          sum += v;
          n++;
        }
      }
      pooled[name] = n > 0 ? sum / n : NaN;
    }
    let logSum = 0,
      k = 0;
    for (const s of series) {
      const a = s[method]?.mase;
      const b = s[reference]?.mase;
      if (typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b) && a > 0 && b > 0) {
        logSum += Math.log(a / b);
        k++;
      }
    }
    pooled.rel_mase = k > 0 ? Math.exp(logSum / k) : NaN;
    pooled.series = series.filter((s) => s[method] !== undefined).length;
    out[method] = pooled;
  }
  return out;
}
