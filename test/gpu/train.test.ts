/// <reference types="@webgpu/types" />
/**
 * Training on WebGPU (train/gpu-loop.ts, gpu/trainer.ts) against the CPU loop on the fused kernels
 * with PlainAdam: the same model, data, seed and settings, a few epochs each. The two sum in
 * different orders, so the weights drift apart by float rounding; the bound below (1e-3 of the
 * weights' scale after 4 epochs, every epoch's loss within 1e-3 relative) is what that drift stays
 * well inside, while a wrong gradient anywhere moves them by far more.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainingConfig } from '../../src/config/types.js';
import { UserError } from '../../src/errors.js';
import { type Gpu, openGpu } from '../../src/gpu/device.js';
import type { Products } from '../../src/gpu/kernels.js';
import { loadBackend, type Tf } from '../../src/model/backend.js';
import { buildModel, type ModelSpec, setLinearPath } from '../../src/model/build.js';
import { evaluateLoss, makeLoss, type TrainResult, trainModel } from '../../src/train/loop.js';
import { scaledErr } from '../numeric.js';

let tf: Tf;
let gpu: Gpu;
beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
  gpu = await openGpu(process.env);
});

const T = 10;
const F = 2;
/**
 * n windows of two noisy seasonal columns; targets: the first column's next `outputs` values, or
 * (`sequence`, one-to-one) its next value at every step
 */
function windows(n: number, outputs: number, phase = 0, sequence = false) {
  const col = (k: number, i: number) => Math.sin((i + phase) * (0.4 + 0.3 * k)) + 0.1 * Math.cos(i * 1.7 + k);
  const x = new Float32Array(n * T * F);
  const y = new Float32Array(n * outputs);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < T; t++) for (let k = 0; k < F; k++) x[(i * T + t) * F + k] = col(k, i + t);
    for (let o = 0; o < outputs; o++) y[i * outputs + o] = col(0, i + T + o);
  }
  if (sequence) {
    const ys = new Float32Array(n * T);
    for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) ys[i * T + t] = col(0, i + t + 1);
    return { x, y: ys, xShape: [n, T, F], yShape: [n, T, 1] };
  }
  return { x, y, xShape: [n, T, F], yShape: [n, outputs] };
}

const base: TrainingConfig = {
  optimizer: 'adam',
  learning_rate: 0.01,
  batch_size: 16,
  epochs: 4,
  loss: 'mse',
  clip_norm: 0,
  early_stopping: null,
  validation_size: 0,
  seed: 7,
  threads: 1,
  ensemble: 1,
  windows_per_epoch: 0,
};

function model(spec: Partial<ModelSpec>, outputs: number): LayersModel {
  return buildModel(tf, {
    cell: 'lstm',
    layers: [{ units: 8 }],
    dropout: 0,
    dense: [],
    steps: T,
    features: F,
    outputs,
    sequenceOutput: false,
    seed: 3,
    fused: true,
    ...spec,
  });
}

/** trains two copies of the model, on the CPU and on the GPU, and returns both results and weights */
async function both(spec: Partial<ModelSpec>, cfg: TrainingConfig, outputs = 3, val = 0, linear = false, gpuProducts: Products = 'auto') {
  const seq = spec.sequenceOutput === true;
  if (seq) outputs = 1;
  const data = windows(45, outputs, 0, seq);
  const v = windows(val, outputs, 100, seq);
  const d = val ? { ...data, xVal: v.x, yVal: v.y, nVal: val } : data;
  const runs: { result: TrainResult; weights: Float32Array[] }[] = [];
  for (const onGpu of [false, true]) {
    const m = model({ ...spec, linear }, outputs);
    if (linear) {
      const kernel = Array.from({ length: T * F }, (_, i) => Float64Array.from({ length: outputs }, (_, o) => 0.05 * Math.sin(i + 3 * o)));
      setLinearPath(
        tf,
        m,
        kernel,
        Float64Array.from({ length: outputs }, (_, o) => 0.1 * o),
      );
    }
    // the CPU run through tfjs's tape (the direct step is held to the tape in test/train/direct.test.ts)
    const result = await trainModel(tf, m, d, cfg, { gpu: onGpu ? gpu : undefined, keepInitial: linear, gpuProducts, tfjsLoop: !onGpu });
    runs.push({ result, weights: m.getWeights().map((w) => w.dataSync().slice() as Float32Array) });
    m.dispose();
  }
  return { cpu: runs[0], gpu: runs[1] };
}

function expectClose(a: { result: TrainResult; weights: Float32Array[] }, b: { result: TrainResult; weights: Float32Array[] }) {
  expect(b.result.history.length).toBe(a.result.history.length);
  expect(b.result.bestEpoch).toBe(a.result.bestEpoch);
  a.result.history.forEach((e, i) => {
    const g = b.result.history[i];
    expect(Math.abs(g.loss - e.loss) / e.loss, `epoch ${e.epoch} loss`).toBeLessThan(1e-3);
    expect(Math.abs(g.gradNorm - e.gradNorm) / e.gradNorm, `epoch ${e.epoch} norm`).toBeLessThan(1e-3);
    if (e.valLoss !== null) expect(Math.abs(g.valLoss! - e.valLoss) / e.valLoss, `epoch ${e.epoch} validation loss`).toBeLessThan(1e-3);
  });
  expect(b.weights.length).toBe(a.weights.length);
  a.weights.forEach((w, i) => expect(scaledErr(b.weights[i], w), `weight ${i}`).toBeLessThan(1e-3));
  // training moved the weights: the comparison is not of two untouched models
  expect(a.result.history[0].loss).toBeGreaterThan(a.result.history[a.result.history.length - 1].loss);
}

describe('training on WebGPU against the CPU loop', () => {
  it.each([
    ['one LSTM layer, mse', { layers: [{ units: 8 }] }, base],
    [
      'two GRU layers, a hidden dense layer, huber, clipped',
      { cell: 'gru' as const, layers: [{ units: 8 }, { units: 5 }], dense: [{ units: 6 }] },
      { ...base, loss: 'huber' as const, clip_norm: 0.5 },
    ],
    ['three LSTM layers, mae', { layers: [{ units: 6 }, { units: 7 }, { units: 4 }] }, { ...base, loss: 'mae' as const }],
    ['two vanilla RNN layers (tanh)', { cell: 'rnn' as const, layers: [{ units: 8 }, { units: 6 }] }, base],
    [
      'one-to-one: two GRU layers and a hidden dense layer on every step',
      { cell: 'gru' as const, layers: [{ units: 8 }, { units: 6 }], dense: [{ units: 4 }], sequenceOutput: true },
      base,
    ],
    ['sgd, clipped', { layers: [{ units: 8 }] }, { ...base, optimizer: 'sgd' as const, learning_rate: 0.05, clip_norm: 0.5 }],
    ['rmsprop', { cell: 'gru' as const, layers: [{ units: 8 }] }, { ...base, optimizer: 'rmsprop' as const, learning_rate: 0.003 }],
    ['a vanilla RNN with relu, clipped', { cell: 'rnn' as const, activation: 'relu' as const, layers: [{ units: 8 }] }, { ...base, clip_norm: 0.5 }],
  ])('%s: every epoch and the final weights match', async (_name, spec, cfg) => {
    const { cpu, gpu: g } = await both(spec, cfg);
    expectClose(cpu, g);
    // the diagnostics: clipping and the flow per layer and step
    const last = (r: TrainResult) => r.history[r.history.length - 1].flow!;
    expect(last(g.result).clipped).toBe(last(cpu.result).clipped);
    expect(g.result.flowLayers).toEqual(cpu.result.flowLayers);
    last(cpu.result).steps.forEach((s, l) => expect(scaledErr(last(g.result).steps[l], s), `flow of layer ${l}`).toBeLessThan(1e-3));
    expect(scaledErr(last(g.result).groupNorms, last(cpu.result).groupNorms)).toBeLessThan(1e-3);
  });

  it("on the tiled products, each step's recurrent term a product of its own: every epoch and the final weights match", async () => {
    for (const spec of [
      { layers: [{ units: 8 }, { units: 6 }], dense: [{ units: 4 }] },
      { cell: 'rnn' as const, layers: [{ units: 8 }] },
    ]) {
      const { cpu, gpu: g } = await both(spec, base, 3, 10, false, 'tiled');
      expectClose(cpu, g);
    }
  });

  it('with a linear path, validation windows and early stopping from the starting weights', async () => {
    const cfg = { ...base, epochs: 6, early_stopping: { patience: 2, min_delta: 0 } };
    const { cpu, gpu: g } = await both({ layers: [{ units: 8 }] }, cfg, 2, 12, true);
    expectClose(cpu, g);
  });

  it('gives the same bits on a rerun', async () => {
    const a = await both({ layers: [{ units: 8 }] }, base);
    const b = await both({ layers: [{ units: 8 }] }, base);
    a.gpu.weights.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(b.gpu.weights[i].buffer)), `weight ${i}`).toBe(true));
    expect(a.gpu.result.history.map((e) => e.loss)).toEqual(b.gpu.result.history.map((e) => e.loss));
  });

  it('holds the same GPU buffers in every epoch and leaves none behind', async () => {
    const dev = gpu.device;
    const create = dev.createBuffer;
    const live = new Set<GPUBuffer>();
    dev.createBuffer = (d: GPUBufferDescriptor) => {
      const b = create.call(dev, d);
      live.add(b);
      const destroy = b.destroy;
      b.destroy = () => {
        live.delete(b);
        destroy.call(b);
      };
      return b;
    };
    try {
      const perEpoch: number[] = [];
      const m = model({ layers: [{ units: 8 }, { units: 4 }], dense: [{ units: 3 }] }, 2);
      await trainModel(tf, m, windows(40, 2), { ...base, epochs: 5 }, { gpu, onEpoch: () => perEpoch.push(live.size) });
      m.dispose();
      expect(perEpoch).toHaveLength(5);
      expect(perEpoch[0]).toBeGreaterThan(20);
      expect(new Set(perEpoch).size).toBe(1);
      expect(live.size).toBe(0);
    } finally {
      dev.createBuffer = create;
    }
  });

  it('refuses, before touching the GPU, a model whose buffers exceed the adapter, saying which batch size fits (exit 2)', async () => {
    const limit = Math.min(gpu.device.limits.maxStorageBufferBindingSize, gpu.device.limits.maxBufferSize);
    const H = 64;
    // rows of T steps of 4H gates: one more than the adapter's largest buffer holds
    const rows = Math.floor(limit / (4 * T * 4 * H)) + 1;
    const m = model({ layers: [{ units: H }] }, 1);
    const n = rows;
    const data = { x: new Float32Array(n * T * F), y: new Float32Array(n), xShape: [n, T, F], yShape: [n, 1] };
    const err = await trainModel(tf, m, data, { ...base, batch_size: rows }, { gpu }).catch((e: Error) => e);
    m.dispose();
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain("recurrent layer 1's gates over the window need a GPU buffer of");
    expect((err as Error).message).toContain(`use a training.batch_size of at most ${rows - 1} (now ${rows})`);
  });

  it('refuses what it does not train, naming it (exit 2)', async () => {
    const m = model({ peephole: true }, 1);
    const err = await trainModel(tf, m, windows(20, 1), base, { gpu }).catch((e: Error) => e);
    m.dispose();
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain('does not train LSTMVariant layers');
  });

  it('with dropout: trains, reruns to the same bits, and validates without dropout at the weights it ends with', async () => {
    const data = { ...windows(45, 2), ...{ xVal: windows(12, 2, 100).x, yVal: windows(12, 2, 100).y, nVal: 12 } };
    const cfg = { ...base, epochs: 6 };
    const spec = { layers: [{ units: 8 }, { units: 6 }], dropout: 0.3 };
    const run = async () => {
      const m = model(spec, 2);
      const r = await trainModel(tf, m, data, cfg, { gpu });
      // the loss the CPU computes at the final weights, dropout off, on the validation windows
      const x = tf.tensor(data.xVal, [12, T, F]);
      const y = tf.tensor(data.yVal, [12, 2]);
      const cpuVal = evaluateLoss(tf, m, x, y, makeLoss(tf, 'mse'));
      tf.dispose([x, y]);
      const weights = m.getWeights().map((w) => w.dataSync().slice() as Float32Array);
      m.dispose();
      return { r, cpuVal, weights };
    };
    const a = await run();
    const b = await run();
    const losses = a.r.history.map((e) => e.loss);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    expect(Math.abs(a.r.history[5].valLoss! - a.cpuVal) / a.cpuVal).toBeLessThan(1e-5);
    a.weights.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(b.weights[i].buffer)), `weight ${i}`).toBe(true));
    // dropout changed the training: without it the weights differ
    const m = model({ layers: spec.layers }, 2);
    await trainModel(tf, m, data, cfg, { gpu });
    expect(scaledErr(m.getWeights()[0].dataSync(), a.weights[0])).toBeGreaterThan(1e-3);
    m.dispose();
  });
});
