/** The linear path of a many-to-one model (model.linear): a ridge regression from the flattened window to the outputs. */
import { ridge } from './ridge.js';

/**
 * Ridge regression (relative penalty alpha) of the targets on the flattened input windows, with an
 * intercept.
 * @param x inputs [n, steps, features] row-major, with xShape = [n, steps, features]
 * @param y targets [n, outputs] row-major
 * @returns kernel [steps * features][outputs] and bias [outputs]
 */
export function fitLinearPath(
  x: Float32Array,
  y: Float32Array,
  xShape: number[],
  outputs: number,
  alpha: number,
): { kernel: Float64Array[]; bias: Float64Array } {
  const n = xShape[0],
    p = xShape[1] * xShape[2];
  const X: Float64Array[] = [],
    Y: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(p + 1);
    for (let j = 0; j < p; j++) row[j] = x[i * p + j];
    row[p] = 1;
    X.push(row);
    Y.push(Float64Array.from(y.subarray(i * outputs, (i + 1) * outputs)));
  }
  const W = ridge(X, Y, alpha);
  return { kernel: W.slice(0, p), bias: W[p] };
}
