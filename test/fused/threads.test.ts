import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingConfig } from '../../src/config/types.js';
import { bytesInUse } from '../../src/kernels/pool.js';
import { setMinSliceWork } from '../../src/kernels/slices.js';
import { setThreads } from '../../src/kernels/threads.js';
import { loadBackend, type Tf } from '../../src/model/backend.js';
import { buildModel } from '../../src/model/build.js';
import { trainModel } from '../../src/train/loop.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
  // these batches are too little work to be split by default: split them anyway
  setMinSliceWork(0);
});
afterAll(() => {
  setThreads(1);
  setMinSliceWork();
});

const L = 10;
function windows(n: number) {
  const x = new Float32Array(n * L * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < L; j++) {
      x[(i * L + j) * 2] = Math.sin((i + j) * 0.3);
      x[(i * L + j) * 2 + 1] = Math.cos((i + j) * 0.11);
    }
    y[i] = Math.sin((i + L) * 0.3);
  }
  return { x, y, xShape: [n, L, 2], yShape: [n, 1], xVal: x.slice(0, 40 * L * 2), yVal: y.slice(0, 40), nVal: 40 };
}

const cfg: TrainingConfig = {
  optimizer: 'adam',
  learning_rate: 0.01,
  batch_size: 32,
  epochs: 4,
  loss: 'mse',
  clip_norm: 1,
  early_stopping: null,
  validation_size: 0,
  seed: 5,
  threads: 1,
  ensemble: 1,
  windows_per_epoch: 0,
};

/** Trains a fresh 2-layer fused model; returns its history, weights, and tf's tensor count after each epoch. */
async function train(cell: 'lstm' | 'gru', threads: number) {
  setThreads(threads);
  const base = bytesInUse();
  const model = buildModel(tf, {
    cell,
    layers: [{ units: 12 }, { units: 8 }],
    dropout: 0,
    dense: [{ units: 4 }],
    steps: L,
    features: 2,
    outputs: 1,
    sequenceOutput: false,
    seed: 9,
    fused: true,
  });
  const tensors: number[] = [];
  const r = await trainModel(tf, model, windows(150), cfg, { onEpoch: () => tensors.push(tf.memory().numTensors) });
  const weights = model.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).slice().buffer));
  model.dispose();
  return { history: r.history.map((e) => [e.loss, e.valLoss, e.gradNorm]), weights, tensors, leftover: bytesInUse() - base };
}

describe.each(['lstm', 'gru'] as const)('training with fused %s layers', (cell) => {
  it('gives the same bits for the same seed and thread count (1 and 2 threads), close results across counts', async () => {
    const one = [await train(cell, 1), await train(cell, 1)];
    const two = [await train(cell, 2), await train(cell, 2)];
    for (const [a, b] of [one, two]) {
      expect(a.history).toEqual(b.history);
      a.weights.forEach((w, i) => expect(w.equals(b.weights[i]), `weight ${i}`).toBe(true));
    }
    one[0].history.forEach((h, e) =>
      h.forEach((v, k) => expect(Math.abs(v! - two[0].history[e][k]!) / Math.abs(v!), `epoch ${e + 1} value ${k}`).toBeLessThan(1e-4)),
    );
  });

  it('holds no tensors or kernel memory beyond what each epoch needs', async () => {
    const r = await train(cell, 2);
    expect(r.tensors.length).toBe(cfg.epochs);
    expect(new Set(r.tensors).size, `tensors after each epoch: ${r.tensors.join(', ')}`).toBe(1);
    expect(r.leftover).toBe(0);
  });
});

describe('worker threads that have not started yet', () => {
  it('leave their slices to the calling thread, with the same bits as when they run them', async () => {
    const { forward } = await import('../../src/kernels/forward.js');
    const { stopThreads } = await import('../../src/kernels/threads.js');
    const { getPool } = await import('../../src/kernels/pool.js');
    const [B, T, I, H] = [16, 6, 3, 8];
    const val = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + seed) * 0.3);
    const [x, W, U, b] = [val(B * T * I, 1), val(I * 4 * H, 2), val(H * 4 * H, 3), val(4 * H, 4)];
    const run = () => forward('lstm', x, W, U, b, B, T, I, H, true, null).out;
    stopThreads();
    setThreads(2);
    // a worker starts with the first call that splits a batch and takes tens of milliseconds: that call runs both slices here
    expect(getPool().startedHelpers).toBe(0);
    const before = run();
    const t0 = Date.now();
    while (getPool().startedHelpers < 1 && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 5));
    expect(getPool().startedHelpers).toBe(1);
    const after = run();
    expect(Array.from(new Uint32Array(after.buffer, after.byteOffset, after.length))).toEqual(
      Array.from(new Uint32Array(before.buffer, before.byteOffset, before.length)),
    );
  });
});
