/** Largest |a - b| relative to |b| (floored at 1% of b's largest magnitude, so near-zero entries do not dominate). */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), scale * 1e-2, 1e-6));
  return err;
}

/** max |a - b| over max |b|: the error relative to the values' scale (float32 implementations that
 *  differ in rounding agree this way, while entries near zero can differ by far more than 1e-5 of themselves). */
export function scaledErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let err = 0,
    scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / Math.max(scale, 1e-30);
}
