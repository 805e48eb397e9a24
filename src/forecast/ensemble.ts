/** Ensembles of models trained with different seeds: how their forecasts combine and where members are saved. */

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

/** File names of ensemble member j: model.json/weights.bin for 0, model-<j>.json/weights-<j>.bin after. */
export function memberFileNames(j: number): { model: string; weights: string } {
  return j === 0 ? { model: 'model.json', weights: 'weights.bin' } : { model: `model-${j}.json`, weights: `weights-${j}.bin` };
}
