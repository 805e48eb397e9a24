/**
 * On the wasm backend the fused layers read tensors in place and make their outputs and gradients
 * from views of the kernels' memory: the same bits as the kernels give on copied arrays.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { backward } from '../../src/kernels/backward.js';
import { forward } from '../../src/kernels/forward.js';
import { gatesOf, type Slot } from '../../src/kernels/state.js';
import { loadBackend, type Tf } from '../../src/model/backend.js';
import { fusedRnn, wasmValues } from '../../src/model/fused/index.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
});

const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 1.7 + seed) * 0.4));
const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

describe('reading tensors in place', () => {
  it('gives a view of the wasm backend’s memory holding the tensor’s values, and null on the cpu backend', async () => {
    const read = wasmValues(tf)!;
    const t = tf.tensor([1.5, -2, 3], [3]);
    const v = read(t)!;
    expect(Array.from(v)).toEqual([1.5, -2, 3]);
    // in place: the tensor's own memory, not a copy of it
    v[0] = 9;
    expect(Array.from(t.dataSync())).toEqual([9, -2, 3]);
    expect(read(tf.tensor([1, 2], [2], 'int32'))).toBeNull();
    t.dispose();
    const cpu = await loadBackend('cpu');
    try {
      expect(wasmValues(cpu.tf)).toBeNull();
    } finally {
      await loadBackend('wasm');
    }
  });
});

describe.each(['rnn', 'lstm', 'gru'] as const)('fused %s layer on the wasm backend', (cell) => {
  it.each([true, false])('gives the kernels’ outputs and gradients bit for bit (returnSequences %s, with an initial state)', (seqOut) => {
    expect(tf.getBackend()).toBe('wasm');
    const [B, T, I, H] = [5, 7, 3, 4];
    const G = gatesOf(cell, H);
    const x = values(B * T * I, 1),
      W = values(I * G, 2),
      U = values(H * G, 3),
      b = values(G, 4),
      h0 = values(B * H, 5),
      c0 = values(B * H, 6);
    const r = values(B * (seqOut ? T : 1) * H, 7);
    const init = cell === 'lstm' ? { h0, c0 } : { h0 };
    // the kernels on plain arrays
    const slot: Slot = { state: null };
    const want = forward(cell, x, W, U, b, B, T, I, H, seqOut, slot, init);
    const g = backward(slot.state!, r, seqOut);
    // the layer through tfjs: outputs, and the gradient of sum(out * r) wrt every input
    const shapeOut = seqOut ? [B, T, H] : [B, H];
    const ts = [
      tf.tensor(x, [B, T, I]),
      tf.tensor(W, [I, G]),
      tf.tensor(U, [H, G]),
      tf.tensor(b, [G]),
      tf.tensor(h0, [B, H]),
      ...(cell === 'lstm' ? [tf.tensor(c0, [B, H])] : []),
    ];
    const layerSlot: Slot = { state: null };
    const f = (...a: Tensor[]) => fusedRnn(tf, cell, a[0], a[1], a[2], a[3], seqOut, layerSlot, a.slice(4));
    const out = f(...ts);
    expect(bits(out.dataSync())).toEqual(bits(want.out));
    const grads = tf.grads((...a: Tensor[]) => tf.sum(tf.mul(f(...a), tf.tensor(r, shapeOut))))(ts);
    const expected = [g.dx, g.dW, g.dU, g.db, g.dh0!, ...(cell === 'lstm' ? [g.dc0!] : [])];
    grads.forEach((t, i) => expect(bits(t.dataSync()), `gradient ${i}`).toEqual(bits(expected[i])));
    tf.dispose([...ts, out, ...grads]);
  });
});
