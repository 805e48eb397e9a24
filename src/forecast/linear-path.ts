/** The linear path of a many-to-one model (model.linear): a ridge regression from the flattened window to the outputs. */
import { gramOf } from '../kernels/gram.js';
import { ridgeFromGram } from './ridge.js';

/**
 * Ridge regression (relative penalty alpha) of the targets on the flattened input windows, with an
 * intercept: forecast/ridge.ts's ridge, with its sums of products made on the kernels (the same bits).
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
  // each row of Z: the window, the intercept's 1, the targets
  const cols = p + 1 + outputs;
  const gram = gramOf(n, cols, p + 1, (z, r0, count) => {
    for (let r = 0; r < count; r++) {
      const at = r * cols,
        i = r0 + r;
      for (let j = 0; j < p; j++) z[at + j] = x[i * p + j];
      z[at + p] = 1;
      for (let o = 0; o < outputs; o++) z[at + p + 1 + o] = y[i * outputs + o];
    }
  });
  const W = ridgeFromGram(gram, p + 1, outputs, alpha);
  return { kernel: W.slice(0, p), bias: W[p] };
}
