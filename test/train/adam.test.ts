import { describe, it, expect } from 'vitest';
import type { Tensor, Variable } from '@tensorflow/tfjs';
import { loadBackend } from '../../src/model/backend.js';
import { PlainAdam } from '../../src/train/adam.js';

const bits = (t: Tensor) => Buffer.from((t.dataSync() as Float32Array).slice().buffer);

describe.each(['cpu', 'wasm'] as const)('PlainAdam on %s', (backend) => {
  it.each([null, 0.37])('gives the bits of tf.train.adam (gradients scaled by %s first), step after step', async (scale) => {
    const { tf } = await loadBackend(backend);
    const shapes = [[3, 8], [8], [5, 1]];
    const init = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 11 + i));
    const ours = init.map((t) => tf.variable(t.clone()) as Variable);
    const theirs = init.map((t) => tf.variable(t.clone()) as Variable);
    const plain = new PlainAdam(tf, 0.003);
    const ref = tf.train.adam(0.003);
    for (let step = 0; step < 25; step++) {
      // gradients over a wide range of magnitudes, and some exact zeros
      const grads = shapes.map((s, i) => tf.tidy(() =>
        tf.mul(tf.randomNormal(s, 0, 1, 'float32', 100 * step + i), tf.pow(10, tf.randomUniform(s, -6, 2, 'float32', 7 * step + i)))));
      grads[1] = tf.tidy(() => tf.mul(grads[1], tf.cast(tf.greater(grads[1], 0), 'float32')));
      plain.apply(ours, grads, scale);
      tf.tidy(() => {
        const s = scale === null ? null : tf.scalar(scale);
        ref.applyGradients(Object.fromEntries(theirs.map((v, i) => [v.name, s ? tf.mul(grads[i], s) : grads[i]])));
      });
      grads.forEach((g) => g.dispose());
      ours.forEach((v, i) => expect(bits(v).equals(bits(theirs[i])), `step ${step} weight ${i}`).toBe(true));
    }
    ref.dispose();
    plain.dispose();
    [...init, ...ours, ...theirs].forEach((t) => t.dispose());
  });
});
