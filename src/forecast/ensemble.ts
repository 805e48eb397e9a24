/** Ensembles of models trained with different seeds: how their forecasts combine. */

/** Element-wise median of equally long forecasts (the mean of the middle two for an even count). */
export function medianOf(xs: Float64Array[]): Float64Array {
  if (xs.length === 1) return xs[0];
  const out = new Float64Array(xs[0].length);
  const col = new Float64Array(xs.length);
  for (let i = 0; i < out.length; i++) {
    for (let j = 0; j < xs.length; j++) col[j] = xs[j][i];
    col.sort();
    const k = col.length >> 1;
    out[i] = col.length % 2 ? col[k] : (col[k - 1] + col[k]) / 2;
  }
  return out;
}
