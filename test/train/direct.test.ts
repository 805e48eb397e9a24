import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainingConfig } from '../../src/config/types.js';
import type { Slot } from '../../src/kernels/state.js';
import { loadBackend, type Tf } from '../../src/model/backend.js';
import { buildModel, type ModelSpec, setLinearPath } from '../../src/model/build.js';
import { PlainAdam } from '../../src/train/adam.js';
import { directNetOf, directPass, dropoutMask, lessLinear } from '../../src/train/direct.js';
import { makeLoss, type QuantileHeads, type TrainData, trainModel } from '../../src/train/loop.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
});

const T = 7;
const F = 2;
function windows(n: number, outputs: number, seed = 0): TrainData {
  const x = new Float32Array(n * T * F);
  const y = new Float32Array(n * outputs);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < T; t++) {
      x[(i * T + t) * F] = Math.sin((i + t + seed) * 0.4);
      x[(i * T + t) * F + 1] = Math.cos((i + 2 * t + seed) * 0.3);
    }
    for (let o = 0; o < outputs; o++) y[i * outputs + o] = Math.sin((i + T + o + seed) * 0.4) + 0.3 * Math.cos((i + o) * 0.3);
  }
  return { x, y, xShape: [n, T, F], yShape: [n, outputs] };
}

/** one-to-one windows: the target at every step */
function seqWindows(n: number, outputs: number, seed = 0): TrainData {
  const w = windows(n, T * outputs, seed);
  return { ...w, yShape: [n, T, outputs] };
}

const specOf = (over: Partial<ModelSpec>): ModelSpec => ({
  cell: 'lstm',
  layers: [{ units: 5 }],
  dropout: 0,
  dense: [],
  steps: T,
  features: F,
  outputs: 3,
  sequenceOutput: false,
  seed: 3,
  fused: true,
  ...over,
});

const cfgOf = (over: Partial<TrainingConfig> = {}): TrainingConfig => ({
  optimizer: 'adam',
  learning_rate: 0.01,
  batch_size: 8,
  epochs: 6,
  loss: 'mse',
  clip_norm: 1,
  early_stopping: null,
  validation_size: 0,
  seed: 5,
  threads: 1,
  ensemble: 1,
  windows_per_epoch: 0,
  ...over,
});

/**
 * A model's linear path set to fixed, nonzero values (as a ridge fit would set it); with quantile
 * heads (`block` targets per block of the outputs) the same for every block, as fit.ts tiles it.
 */
function withLinearPath(model: LayersModel, outputs: number, block = outputs): LayersModel {
  const kernel = Array.from({ length: T * F }, (_, i) => Float64Array.from({ length: outputs }, (_, o) => 0.05 * Math.sin(i + 3 * (o % block))));
  setLinearPath(
    tf,
    model,
    kernel,
    Float64Array.from({ length: outputs }, (_, o) => 0.1 * (o % block) - 0.05),
  );
  return model;
}

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** tfjs's loss and gradients (variableGrads through the fused layers) of the model on the windows. */
function tfjsGrads(model: LayersModel, data: TrainData, loss: TrainingConfig['loss'], heads?: QuantileHeads): { loss: number; grads: Float32Array[] } {
  const vars = model.trainableWeights.map((w) => w.read() as Variable);
  const lossFn = makeLoss(tf, loss, heads);
  return tf.tidy(() => {
    const xb = tf.tensor(data.x, data.xShape);
    const yb = tf.tensor(data.y, data.yShape);
    const { value, grads } = tf.variableGrads(() => lossFn(yb, model.apply(xb, { training: true }) as Tensor), vars);
    return { loss: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync().slice() as Float32Array) };
  });
}

/** The direct pass's loss and every weight's gradient equal tfjs's (each gradient nonzero) to float rounding. */
function expectTapes(ours: { loss: number; grads: Float32Array[] }, ref: { loss: number; grads: Float32Array[] }): void {
  expect(Math.abs(ours.loss - ref.loss)).toBeLessThan(1e-6 * Math.max(1, ref.loss));
  expect(ours.grads).toHaveLength(ref.grads.length);
  ref.grads.forEach((g, i) => {
    expect(ours.grads[i]).toHaveLength(g.length);
    expect(maxAbs(g), `weight ${i} has a gradient`).toBeGreaterThan(0);
    expect(maxDiff(ours.grads[i], g), `weight ${i}`).toBeLessThan(2e-5 * maxAbs(g) + 1e-9);
  });
}

describe('a training step without tfjs (train/direct.ts)', () => {
  it.each([
    ['lstm', 'mse', [{ units: 5 }], [], 'many-to-one'],
    ['lstm', 'mae', [{ units: 4 }, { units: 6 }], [7], 'many-to-one'],
    ['gru', 'huber', [{ units: 5 }, { units: 3 }], [], 'many-to-one'],
    ['gru', 'mse', [{ units: 6 }], [4, 5], 'many-to-one'],
    ['rnn', 'mse', [{ units: 5 }], [6], 'many-to-one'],
    ['rnn', 'huber', [{ units: 4 }, { units: 4 }], [], 'many-to-one'],
    ['lstm', 'mse', [{ units: 5 }, { units: 3 }], [4], 'one-to-one'],
    ['gru', 'mae', [{ units: 6 }], [], 'one-to-one'],
    ['rnn', 'huber', [{ units: 5 }], [3, 2], 'one-to-one'],
    ['lstm', 'mse', [{ units: 5 }], [], 'linear path'],
    ['gru', 'mae', [{ units: 4 }, { units: 3 }], [5], 'linear path'],
    ['lstm', 'mae', [{ units: 5 }], [4], 'quantile heads'],
    ['gru', 'mse', [{ units: 4 }], [], 'quantile heads and a linear path'],
    ['lstm', 'mse', [{ units: 5 }, { units: 3 }], [4], 'peepholes'],
    ['lstm', 'mae', [{ units: 5 }], [], 'coupled gates'],
    ['lstm', 'huber', [{ units: 4 }, { units: 5 }], [], 'peepholes and coupled gates'],
    ['lstm', 'mse', [{ units: 4 }], [3], 'one-to-one with peepholes'],
  ] as const)('%s, %s loss, layers %j, hidden dense %j %s: the loss and every gradient of tfjs through the fused layers', (cell, loss, layers, dense, mode) => {
    const seq = mode.startsWith('one-to-one');
    const linear = mode.endsWith('linear path');
    // quantile heads: blocks of 3 outputs for the 10% and 90% quantiles beside the forecast
    const heads: QuantileHeads | undefined = mode.startsWith('quantile') ? { outputs: 3, taus: [0.1, 0.9] } : undefined;
    const spec = specOf({
      ...(linear ? { linear: true } : {}),
      cell,
      layers: [...layers],
      dense: dense.map((units) => ({ units })),
      ...(seq ? { sequenceOutput: true, steps: null, outputs: 2 } : {}),
      ...(heads ? { outputs: 9 } : {}),
      ...(mode.includes('peepholes') ? { peephole: true } : {}),
      ...(mode.includes('coupled') ? { coupledGates: true } : {}),
      ...(mode.startsWith('one-to-one') ? { sequenceOutput: true, steps: null, outputs: 2 } : {}),
    });
    const model = linear ? withLinearPath(buildModel(tf, spec), spec.outputs, heads?.outputs) : buildModel(tf, spec);
    // a linear path's model starts its head at zero (no gradient reaches the layers below): move it
    if (linear) {
      const head = model.trainableWeights[model.trainableWeights.length - 2].read() as Variable;
      head.assign(tf.randomNormal(head.shape, 0, 0.3, 'float32', 17));
    }
    // peepholes start at zero: move them, so that they shape the gradients too
    for (const w of model.trainableWeights)
      if (w.name.includes('peephole')) (w.read() as Variable).assign(tf.randomNormal(w.shape as number[], 0, 0.4, 'float32', 23));
    // targets far enough from the forecasts that huber has both its parts
    const data = seq ? seqWindows(11, spec.outputs) : windows(11, heads ? heads.outputs : spec.outputs);
    if (loss === 'huber') for (let i = 0; i < data.y.length; i += 3) data.y[i] *= 4;
    const net = directNetOf(model, data, cfgOf({ loss }), heads ? { quantileHeads: heads } : {});
    if (typeof net === 'string') throw new Error(net);
    const ws = model.trainableWeights.map((w) => (w.read() as Variable).dataSync().slice() as Float32Array);
    const slots: Slot[] = layers.map(() => ({ state: null }));
    // with a linear path: the network's step on the targets less it (trainDirect's lessLinear)
    const ours = directPass(net, ws, data.x, linear ? lessLinear(net, data.x, data.y) : data.y, 11, loss, slots, true);
    if (linear) expect(maxAbs(net.linear!.kernel)).toBeGreaterThan(0);
    expectTapes(ours, tfjsGrads(model, data, loss, heads));
    // the flow: one value per step of every recurrent layer, finite and not all zero
    expect(ours.flow).toHaveLength(layers.length);
    for (const f of ours.flow!) {
      expect(f).toHaveLength(T);
      expect(f.every(Number.isFinite) && maxAbs(f) > 0).toBe(true);
    }
    model.dispose();
  });

  // an encoder-decoder over the window's first 4 steps and its last 3 (T = 7), the target the first feature
  const decoder = { lookback: 4, horizon: 3, targetPos: 0, teacherForcing: [1, 0] as const };
  it.each([
    ['lstm', 'mse', [{ units: 5 }], [], 0],
    ['gru', 'mae', [{ units: 4 }, { units: 3 }], [5], 0],
    ['rnn', 'huber', [{ units: 5 }], [], 0],
    ['lstm', 'mae', [{ units: 4 }, { units: 5 }], [3], 0.3],
  ] as const)(
    'an encoder-decoder of %s, %s loss, layers %j, hidden dense %j, dropout %d: the loss and every gradient of tfjs',
    (cell, loss, layers, dense, dropout) => {
      const spec = specOf({ cell, layers: [...layers], dense: dense.map((units) => ({ units })), outputs: 3, decoder, dropout });
      const model = buildModel(tf, spec);
      const data = windows(11, 3);
      if (loss === 'huber') for (let i = 0; i < data.y.length; i += 3) data.y[i] *= 4;
      const net = directNetOf(model, data, cfgOf({ loss }), { decoder });
      if (typeof net === 'string') throw new Error(net);
      const ws = model.trainableWeights.map((w) => (w.read() as Variable).dataSync().slice() as Float32Array);
      const slots: Slot[] = [...layers, ...layers].map(() => ({ state: null }));
      // dropout: every layer's mask as tfjs's dropout makes it from the seeds given; the reference's layers get the same seeds
      const seeds = [...layers, ...layers].map((_, l) => 100 + l);
      const masks = dropout > 0 ? seeds.map((seed, l) => dropoutMask(tf, net, 11, l, seed)) : null;
      (model.layers.filter((l) => l.getClassName() === 'Dropout') as unknown as { seed?: number }[]).forEach((d, i) => {
        d.seed = seeds[i];
      });
      const ours = directPass(net, ws, data.x, data.y, 11, loss, slots, true, masks);
      expectTapes(ours, tfjsGrads(model, data, loss));
      // the flow of the encoder's layers over its 4 steps, the decoder's over its 3
      expect(ours.flow!.map((f) => f.length)).toEqual([...layers.map(() => 4), ...layers.map(() => 3)]);
      model.dispose();
    },
  );

  it('the loss without slots is the forward pass alone, the same as with them', () => {
    const model = buildModel(tf, specOf({ cell: 'gru' }));
    const data = windows(9, 3, 4);
    const net = directNetOf(model, data, cfgOf(), {});
    if (typeof net === 'string') throw new Error(net);
    const ws = model.trainableWeights.map((w) => (w.read() as Variable).dataSync().slice() as Float32Array);
    const alone = directPass(net, ws, data.x, data.y, 9, 'mse', null);
    const slots: Slot[] = [{ state: null }];
    expect(alone.grads).toEqual([]);
    expect(alone.loss).toBe(directPass(net, ws, data.x, data.y, 9, 'mse', slots).loss);
    model.dispose();
  });

  it.each([
    ['stock layers', specOf({ fused: false }), cfgOf(), {}, 'recurrent layers off the fused kernels'],
    ['targets of another shape', specOf({ sequenceOutput: true, steps: null, outputs: 1 }), cfgOf(), {}, 'targets of another shape'],
    ['rmsprop', specOf({}), cfgOf({ optimizer: 'rmsprop' }), {}, 'the rmsprop optimizer'],
    [
      'quantile heads of another width',
      specOf({ outputs: 6 }),
      cfgOf(),
      { quantileHeads: { outputs: 3, taus: [0.1, 0.9] } },
      'quantile heads of another width',
    ],
    [
      'quantile heads on every step',
      specOf({ sequenceOutput: true, steps: null, outputs: 6 }),
      cfgOf(),
      { quantileHeads: { outputs: 3, taus: [0.9] } },
      'quantile heads on every step',
    ],
  ] as const)('leaves %s to the tfjs loop, saying why', (_, spec, cfg, hooks, why) => {
    const model = buildModel(tf, spec);
    // (a one-to-one model given one target per window)
    const data = windows(4, spec.outputs);
    expect(directNetOf(model, data, cfg, hooks)).toBe(why);
    model.dispose();
  });

  it('leaves quantile heads to the tfjs loop when their linear paths differ (lessLinear takes one off the targets)', () => {
    const heads = { quantileHeads: { outputs: 3, taus: [0.1, 0.9] } };
    const spec = specOf({ linear: true, outputs: 9 });
    const differ = withLinearPath(buildModel(tf, spec), 9);
    expect(directNetOf(differ, windows(4, 3), cfgOf(), heads)).toBe('a linear path that differs between the quantile heads');
    const same = withLinearPath(buildModel(tf, spec), 9, 3);
    expect(typeof directNetOf(same, windows(4, 3), cfgOf(), heads)).toBe('object');
    differ.dispose();
    same.dispose();
  });

  it.each([
    ['mse', 'many-to-one'],
    ['mae', 'many-to-one'],
    ['huber', 'many-to-one'],
    ['mse', 'one-to-one'],
    ['mae', 'linear path'],
    ['mse', 'dropout'],
    ['huber', 'one-to-one with dropout'],
    ['mae', 'quantile heads and a linear path'],
    ['mse', 'peepholes and coupled gates'],
    ['mae', 'an encoder-decoder'],
    ['mse', 'an encoder-decoder with dropout'],
  ] as const)(
    'trains as the tfjs loop does (%s, %s): the same epochs, losses and weights but for float rounding, and the same bits run after run',
    async (loss, mode) => {
      const seq = mode.startsWith('one-to-one');
      const make = seq ? seqWindows : windows;
      const data = { ...make(40, 3), xVal: make(12, 3, 40).x, yVal: make(12, 3, 40).y, nVal: 12 };
      const heads: QuantileHeads | undefined = mode.startsWith('quantile') ? { outputs: 3, taus: [0.25, 0.75] } : undefined;
      // an encoder-decoder: scheduled sampling from the actual values to its own forecasts over the 8 epochs
      const decoding = mode.startsWith('an encoder-decoder') ? { decoder } : {};
      const cfg = cfgOf({ epochs: 8, early_stopping: { patience: 3, min_delta: 0 }, loss });
      const spec = specOf({
        cell: 'lstm',
        layers: [{ units: 6 }, { units: 4 }],
        dense: [{ units: 5 }],
        ...(seq ? { sequenceOutput: true, steps: null } : {}),
        ...(mode.endsWith('linear path') ? { linear: true } : {}),
        ...(heads ? { outputs: 9 } : {}),
        ...(mode.startsWith('peepholes') ? { peephole: true, coupledGates: true } : {}),
        ...(mode.startsWith('an encoder-decoder') ? { decoder } : {}),
        // the step's masks are tfjs's own (the same seeds and operations), so the runs still agree
        ...(mode.endsWith('dropout') ? { dropout: 0.25 } : {}),
      });
      // a linear path as a config-less run trains it: the head starts at zero, the starting weights count as epoch 0
      const linear = mode.endsWith('linear path');
      const run = async (tfjsLoop: boolean) => {
        const model = linear ? withLinearPath(buildModel(tf, spec), spec.outputs, heads?.outputs) : buildModel(tf, spec);
        // the direct step takes this model (else both runs would be the tape's)
        expect(typeof directNetOf(model, data, cfg, { ...(heads ? { quantileHeads: heads } : {}), ...decoding })).toBe('object');
        const r = await trainModel(tf, model, data, cfg, { tfjsLoop, keepInitial: linear, ...(heads ? { quantileHeads: heads } : {}), ...decoding });
        const w = model.getWeights().map((t) => t.dataSync().slice() as Float32Array);
        model.dispose();
        return { r, w };
      };
      const direct = await run(false);
      const again = await run(false);
      const tape = await run(true);
      expect(direct.r.history).toHaveLength(tape.r.history.length);
      expect(direct.r.bestEpoch).toBe(tape.r.bestEpoch);
      direct.r.history.forEach((e, i) => {
        const t = tape.r.history[i];
        expect(Math.abs(e.loss - t.loss)).toBeLessThan(1e-5 * t.loss);
        expect(Math.abs(e.valLoss! - t.valLoss!)).toBeLessThan(1e-5 * t.valLoss!);
        expect(Math.abs(e.gradNorm - t.gradNorm)).toBeLessThan(1e-4 * t.gradNorm);
        // the diagnostics: the same weight groups' norms and flow through time
        e.flow!.groupNorms.forEach((g, j) => expect(Math.abs(g - t.flow!.groupNorms[j])).toBeLessThan(1e-4 * t.flow!.groupNorms[j] + 1e-9));
        e.flow!.steps.forEach((s, l) => expect(maxDiff(s, t.flow!.steps[l])).toBeLessThan(1e-4 * maxAbs(t.flow!.steps[l])));
        expect(e.flow!.clipped).toBe(t.flow!.clipped);
      });
      expect(direct.r.groups).toEqual(tape.r.groups);
      expect(direct.r.flowLayers).toEqual(tape.r.flowLayers);
      direct.w.forEach((w, i) => expect(maxDiff(w, tape.w[i]), `weight ${i}`).toBeLessThan(1e-4 * maxAbs(tape.w[i]) + 1e-7));
      direct.w.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(again.w[i].buffer)), `weight ${i} bits`).toBe(true));
    },
  );
});

describe('PlainAdam.stepArrays', () => {
  it('gives the bits of step (tfjs variables) on the same weights and gradients, clipped or not', () => {
    const shapes = [[3, 5], [5], [2, 2]];
    const init = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 3 + i));
    const vars = init.map((t) => tf.variable(t.clone()) as Variable);
    const arrays = init.map((t) => t.dataSync().slice() as Float32Array);
    const a = new PlainAdam(tf, 0.01);
    const b = new PlainAdam(tf, 0.01);
    for (let step = 0; step < 8; step++) {
      const grads = shapes.map((s, i) => tf.randomNormal(s, 0, step % 2 ? 3 : 0.1, 'float32', 40 * step + i));
      const n1 = a.step(vars, grads, 1);
      const n2 = b.stepArrays(
        arrays,
        grads.map((g) => g.dataSync().slice() as Float32Array),
        1,
      );
      expect(n2).toBe(n1);
      expect(b.squares).toEqual(a.squares);
      vars.forEach((v, i) =>
        expect(Buffer.from((v.dataSync() as Float32Array).slice().buffer).equals(Buffer.from(arrays[i].buffer)), `step ${step} weight ${i}`).toBe(true),
      );
      grads.forEach((g) => g.dispose());
    }
    a.dispose();
    b.dispose();
    [...init, ...vars].forEach((t) => t.dispose());
  });
});
