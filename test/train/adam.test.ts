import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
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
      const grads = shapes.map((s, i) =>
        tf.tidy(() => tf.mul(tf.randomNormal(s, 0, 1, 'float32', 100 * step + i), tf.pow(10, tf.randomUniform(s, -6, 2, 'float32', 7 * step + i)))),
      );
      grads[1] = tf.tidy(() => tf.mul(grads[1], tf.cast(tf.greater(grads[1], 0), 'float32')));
      plain.apply(ours, grads, scale);
      tf.tidy(() => {
        const s = scale === null ? null : tf.scalar(scale);
        ref.applyGradients(theirs.map((v, i) => ({ name: v.name, tensor: s ? tf.mul(grads[i], s) : grads[i] })));
      });
      grads.forEach((g) => g.dispose());
      ours.forEach((v, i) => expect(bits(v).equals(bits(theirs[i])), `step ${step} weight ${i}`).toBe(true));
    }
    ref.dispose();
    plain.dispose();
    [...init, ...ours, ...theirs].forEach((t) => t.dispose());
  });

  it('step clips by the global norm: the same bits as apply with clip / max(norm, clip), and returns the norm', async () => {
    const { tf } = await loadBackend(backend);
    const shapes = [[4, 6], [6]];
    const init = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 21 + i));
    const a = init.map((t) => tf.variable(t.clone()) as Variable);
    const b = init.map((t) => tf.variable(t.clone()) as Variable);
    const pa = new PlainAdam(tf, 0.01);
    const pb = new PlainAdam(tf, 0.01);
    for (let step = 0; step < 6; step++) {
      // alternately below and above the clip norm of 1
      const grads = shapes.map((s, i) => tf.randomNormal(s, 0, step % 2 ? 2 : 0.05, 'float32', 50 * step + i));
      const flat = grads.flatMap((g) => Array.from(g.dataSync()));
      const norm = Math.sqrt(flat.reduce((acc, v) => acc + v * v, 0));
      expect(pa.step(a, grads, 1)).toBeCloseTo(norm, 12);
      pb.apply(b, grads, Math.fround(1 / Math.fround(Math.max(norm, 1))));
      a.forEach((v, i) => expect(bits(v).equals(bits(b[i])), `step ${step} weight ${i}`).toBe(true));
      // the global norm a tfjs reduction gives, to float32 precision
      expect(norm).toBeCloseTo(
        tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0]),
        4,
      );
      grads.forEach((g) => g.dispose());
    }
    pa.dispose();
    pb.dispose();
    [...init, ...a, ...b].forEach((t) => t.dispose());
  });
});
