import type { Tensor } from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import type { Tf } from '../../src/model/backend.js';

/** Every element of every input: central finite difference of `loss` (step 1e-2) against its gradient in `grads`. */
export function expectFiniteDifferences(tf: Tf, inputs: Tensor[], grads: Tensor[], loss: (xs: Tensor[]) => number): void {
  const eps = 1e-2;
  inputs.forEach((inp, which) => {
    const base = inp.dataSync().slice() as Float32Array;
    const g = grads[which].dataSync();
    for (let i = 0; i < base.length; i++) {
      const plus = base.slice();
      plus[i] += eps;
      const minus = base.slice();
      minus[i] -= eps;
      const mk = (arr: Float32Array) => inputs.map((t, j) => (j === which ? tf.tensor(arr, inp.shape) : t));
      const fd = (loss(mk(plus)) - loss(mk(minus))) / (2 * eps);
      expect(Math.abs(fd - g[i]), `input ${which} element ${i}`).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
    }
  });
}
