import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainingConfig } from '../../src/config/types.js';
import { loadBackend, type Tf } from '../../src/model/backend.js';
import { buildModel, type ModelSpec, serializeModel, setLinearPath } from '../../src/model/build.js';
import {
  buildPlain,
  directInfoOf,
  linearPathOf,
  plainBuildable,
  serializePlain,
  setPlainLinearPath,
  trainableOf,
  WASM_EPSILON,
} from '../../src/model/plain-build.js';
import { seededNormal, seededUniform } from '../../src/model/tfjs-random.js';
import { directNetOf, plainDirectNet, trainDirect, trainDirectArrays } from '../../src/train/direct.js';
import { type TrainData, weightGroupNames } from '../../src/train/loop.js';
import { mulberry32 } from '../../src/train/rng.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
});

const base = { dropout: 0, sequenceOutput: false, fused: true } as const;

/** Specs across cells, depths, hidden layers, the linear path, window shapes and seeds. */
function grid(): ModelSpec[] {
  const out: ModelSpec[] = [];
  for (const cell of ['lstm', 'gru', 'rnn'] as const)
    for (const layers of [[{ units: 4 }], [{ units: 32 }], [{ units: 7 }, { units: 3 }]])
      for (const dense of [[], [{ units: 5 }]])
        for (const linear of [false, true])
          for (const [steps, features, outputs, seed] of [
            [3, 1, 2, 42],
            [24, 1, 12, 7],
            [5, 3, 1, 123456789],
          ])
            out.push({
              ...base,
              cell,
              layers,
              dense,
              linear,
              steps,
              features,
              outputs,
              seed,
              ...(cell === 'rnn' && seed === 7 ? { activation: 'relu' as const } : {}),
            });
  return out;
}

/** tfjs's model of the spec and the plain network of it, the same linear path set in both (`path`). */
function bothOf(spec: ModelSpec) {
  const model = buildModel(tf, spec);
  const net = buildPlain(spec);
  if (spec.linear) {
    const p = path(spec);
    setLinearPath(tf, model, p.kernel, p.bias);
    setPlainLinearPath(net, p.kernel, p.bias);
  }
  return { model, net };
}

/** A linear path's kernel rows and bias (values of no particular meaning, not representable exactly in float32). */
function path(spec: ModelSpec): { kernel: Float64Array[]; bias: Float64Array } {
  const K = spec.steps! * spec.features;
  return {
    kernel: Array.from({ length: K }, (_, i) => Float64Array.from({ length: spec.outputs }, (_, o) => Math.sin(i * 7 + o) / 3)),
    bias: Float64Array.from({ length: spec.outputs }, (_, o) => o / 7 + 0.1),
  };
}

describe("TensorFlow.js's seeded draws without it (model/tfjs-random.ts)", () => {
  it('equal tf.randomUniform and tf.randomNormal to the bit, odd and even lengths', () => {
    for (const seed of [1, 42001, 999999002])
      for (const n of [1, 7, 256, 1001]) {
        const u = tf.randomUniform([n], -0.3, 0.7, 'float32', seed);
        expect(Buffer.from(seededUniform(n, -0.3, 0.7, seed).buffer).equals(Buffer.from((u.dataSync() as Float32Array).buffer))).toBe(true);
        const g = tf.randomNormal([n], 0, 1, 'float32', seed);
        expect(Buffer.from(seededNormal(n, seed).buffer).equals(Buffer.from((g.dataSync() as Float32Array).buffer))).toBe(true);
        u.dispose();
        g.dispose();
      }
  });

  it('are the draws they claim: uniform within its bounds, normal with mean 0 and variance 1', () => {
    const u = seededUniform(20000, -2, 3, 5);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(3);
    const g = seededNormal(20000, 5);
    const mean = g.reduce((a, b) => a + b, 0) / g.length;
    const variance = g.reduce((a, b) => a + (b - mean) ** 2, 0) / g.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

describe('networks built without TensorFlow.js (model/plain-build.ts)', () => {
  it("save to the bytes of tfjs's own model of the spec (model.json and weights.bin), with and without a linear path set", async () => {
    const specs = grid();
    expect(specs).toHaveLength(108);
    for (const spec of specs) {
      expect(plainBuildable(spec)).toBe(true);
      const { model, net } = bothOf(spec);
      const want = await serializeModel(model);
      const got = serializePlain(net);
      expect(got.modelJson, JSON.stringify(spec)).toBe(want.modelJson);
      expect(got.weights.equals(want.weights), JSON.stringify(spec)).toBe(true);
      // the training figures' names: each trainable weight's group and the recurrent layers
      const names = weightGroupNames(model);
      expect(trainableOf(net).map((w) => w.group)).toEqual(names.groups);
      expect(net.flowLayers).toEqual(names.layers.filter((l) => (l.layer as { slot?: unknown }).slot !== undefined).map((l) => l.name));
      model.dispose();
    }
  });

  it('leave to tfjs what they do not make: dropout, one-to-one, encoder-decoders, LSTM variants, the stock layers', () => {
    const spec: ModelSpec = { ...base, cell: 'lstm', layers: [{ units: 4 }], dense: [], linear: true, steps: 3, features: 1, outputs: 2, seed: 1 };
    expect(plainBuildable(spec)).toBe(true);
    expect(plainBuildable({ ...spec, dropout: 0.1 })).toBe(false);
    expect(plainBuildable({ ...spec, linear: false, steps: null, sequenceOutput: true })).toBe(false);
    expect(plainBuildable({ ...spec, linear: false, decoder: { lookback: 2, horizon: 1 } })).toBe(false);
    expect(plainBuildable({ ...spec, peephole: true })).toBe(false);
    expect(plainBuildable({ ...spec, coupledGates: true })).toBe(false);
    expect(plainBuildable({ ...spec, fused: false })).toBe(false);
    expect(() => buildPlain({ ...spec, dropout: 0.1 })).toThrow(/does not make/);
  });

  it("train as tfjs's model of the spec trains on the direct step: the same network read, losses and weights to the bit", async () => {
    const cfg: TrainingConfig = {
      optimizer: 'adam',
      learning_rate: 0.01,
      batch_size: 8,
      epochs: 4,
      loss: 'mae',
      clip_norm: 1,
      early_stopping: { patience: 2, min_delta: 0 },
      validation_size: 6,
      seed: 3,
      threads: 1,
      ensemble: 1,
      windows_per_epoch: 0,
    };
    expect(WASM_EPSILON).toBe(tf.backend().epsilon());
    for (const spec of [
      { ...base, cell: 'lstm', layers: [{ units: 6 }], dense: [], linear: true, steps: 5, features: 2, outputs: 3, seed: 11 },
      { ...base, cell: 'gru', layers: [{ units: 5 }, { units: 4 }], dense: [{ units: 3 }], linear: false, steps: 4, features: 1, outputs: 2, seed: 12 },
      { ...base, cell: 'rnn', activation: 'relu', layers: [{ units: 5 }], dense: [], linear: true, steps: 6, features: 1, outputs: 2, seed: 13 },
    ] as ModelSpec[]) {
      const rng = mulberry32(spec.seed);
      const rows = 40;
      const val = 6;
      const T = spec.steps!;
      const F = spec.features;
      const O = spec.outputs;
      const x = Float32Array.from({ length: rows * T * F }, () => rng() * 2 - 1);
      const y = Float32Array.from({ length: rows * O }, (_, i) => Math.sin(x[Math.floor(i / O) * T * F] * 3 + (i % O)));
      const xVal = Float32Array.from({ length: val * T * F }, () => rng() * 2 - 1);
      const yVal = Float32Array.from({ length: val * O }, (_, i) => Math.cos(xVal[Math.floor(i / O) * T * F] + (i % O)));
      const data = { x, y, xShape: [rows, T, F], yShape: [rows, O], xVal, yVal, nVal: val } as unknown as TrainData;
      const hooks = { keepInitial: spec.linear };
      const { model, net } = bothOf(spec);
      const read = directNetOf(model, data, cfg, hooks);
      const plain = plainDirectNet(spec, linearPathOf(net), data, cfg, hooks);
      expect(plain).toEqual(read);
      if (typeof read === 'string' || typeof plain === 'string') throw new Error('not a direct network');
      const want = await trainDirect(tf, model, read, data, cfg, hooks);
      const got = await trainDirectArrays(
        trainableOf(net).map((w) => w.values),
        plain,
        data,
        cfg,
        hooks,
        directInfoOf(net),
      );
      const strip = (h: { seconds?: number }[]) => h.map(({ seconds: _, ...rest }) => rest);
      expect(strip(got.result.history)).toEqual(strip(want.history));
      expect(got.result.bestEpoch).toBe(want.bestEpoch);
      model.trainableWeights.forEach((w, i) => {
        expect(Buffer.from(got.weights[i].buffer).equals(Buffer.from((w.read().dataSync() as Float32Array).slice().buffer)), `${spec.cell} weight ${i}`).toBe(
          true,
        );
      });
      model.dispose();
    }
  });

  it('plainDirectNet refuses what the direct step does not train', () => {
    const spec: ModelSpec = { ...base, cell: 'lstm', layers: [{ units: 4 }], dense: [], linear: false, steps: 3, features: 1, outputs: 2, seed: 1 };
    const data = { x: new Float32Array(12), y: new Float32Array(8), xShape: [4, 3, 1], yShape: [4, 2] } as unknown as TrainData;
    const cfg = { optimizer: 'adam' } as unknown as TrainingConfig;
    expect(typeof plainDirectNet(spec, null, data, cfg, {})).toBe('object');
    expect(plainDirectNet(spec, null, data, { optimizer: 'sgd' } as unknown as TrainingConfig, {})).toBe('the sgd optimizer');
    expect(plainDirectNet(spec, null, { ...data, xShape: [4, 4, 1] } as TrainData, cfg, {})).toBe('windows of another shape');
    expect(plainDirectNet(spec, null, { ...data, yShape: [4, 3] } as TrainData, cfg, {})).toBe('targets of another shape');
  });
});
