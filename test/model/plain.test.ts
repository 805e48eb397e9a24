import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackend, type Tf } from '../../src/model/backend.js';
import { buildModel, loadModelFromFiles, type ModelSpec, serializeModel } from '../../src/model/build.js';
import { loadPlainModel, type PlainModel } from '../../src/model/plain.js';
import { openPredictor, plainServes } from '../../src/model/predictor.js';
import { scaledErr } from '../numeric.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadBackend('cpu'));
});

function spec(over: Partial<ModelSpec>): ModelSpec {
  return {
    cell: 'lstm',
    layers: [{ units: 6 }],
    dropout: 0,
    dense: [],
    steps: 8,
    features: 2,
    outputs: 3,
    sequenceOutput: false,
    seed: 5,
    fused: true,
    ...over,
  };
}

/** Every weight replaced by seeded noise (biases included), so no part of the model is trivially zero. */
function randomizeWeights(m: LayersModel, seed: number): void {
  m.setWeights(m.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.6, 0.6, 'float32', seed + i)));
}

function plainModel(modelJson: string, weights: Uint8Array): PlainModel {
  const r = loadPlainModel(modelJson, weights);
  if (!('model' in r)) throw new Error(r.unsupported);
  return r.model;
}

function tfPredict(m: LayersModel, x: Float32Array, shape: [number, number, number]): Float32Array {
  return tf.tidy(() => (m.predict(tf.tensor3d(x, shape)) as Tensor).dataSync() as Float32Array);
}

function input(shape: [number, number, number], seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync() as Float32Array);
}

const cases: [string, Partial<ModelSpec>][] = [];
for (const cell of ['lstm', 'gru', 'rnn'] as const) {
  cases.push(
    [`${cell} x1 many-to-one`, { cell }],
    [`${cell} x2 many-to-one, dropout, relu dense`, { cell, layers: [{ units: 7 }, { units: 5 }], dropout: 0.3, dense: [{ units: 4 }] }],
    [`${cell} x2 one-to-one, any length`, { cell, layers: [{ units: 5 }, { units: 6 }], steps: null, outputs: 1, sequenceOutput: true, dense: [{ units: 3 }] }],
  );
}
cases.push(['lstm x1, 20 units, 3 features', { layers: [{ units: 20 }], features: 3, outputs: 12 }]);
// the functional graph of a model with a linear path (flattened window -> dense, added to the head)
for (const cell of ['lstm', 'gru', 'rnn'] as const) cases.push([`${cell} with a linear path`, { cell, linear: true }]);
// the functional graph of an encoder-decoder (window.mode many-to-many): its parts cut by Reshape
// and Cropping2D, the decoder's layers starting from states dense layers make of the context
for (const cell of ['lstm', 'gru', 'rnn'] as const)
  cases.push([`${cell} x2 encoder-decoder`, { cell, layers: [{ units: 5 }, { units: 4 }], steps: 8, outputs: 3, decoder: { lookback: 5, horizon: 3 } }]);
cases.push(['lstm encoder-decoder, relu dense, dropout', { dense: [{ units: 3 }], dropout: 0.2, steps: 8, outputs: 3, decoder: { lookback: 5, horizon: 3 } }]);
cases.push(['rnn relu encoder-decoder', { cell: 'rnn', activation: 'relu', steps: 8, outputs: 3, decoder: { lookback: 5, horizon: 3 } }]);
cases.push([
  'gru x2 with a linear path, dropout, relu dense, 3 features',
  { cell: 'gru', linear: true, layers: [{ units: 4 }, { units: 5 }], dropout: 0.2, dense: [{ units: 3 }], features: 3 },
]);

describe.each(cases)('plain engine vs tfjs model.predict: %s', (_, over) => {
  let m: LayersModel;
  let saved: { modelJson: string; weights: Buffer };
  beforeAll(async () => {
    m = buildModel(tf, spec(over));
    randomizeWeights(m, 40);
    saved = await serializeModel(m);
  });

  it('loads, and gives the tfjs outputs within 1e-6 of their scale (fused and stock layers alike)', async () => {
    const plain = plainModel(saved.modelJson, saved.weights);
    const s = spec(over);
    const stock = await loadModelFromFiles(tf, saved.modelJson, saved.weights, { fused: false });
    for (const [batch, steps] of [
      [1, s.steps ?? 13],
      [4, s.steps ?? 5],
    ] as [number, number][]) {
      const shape: [number, number, number] = [batch, steps, s.features];
      const x = input(shape, batch * 100 + steps);
      const got = plain.predict(x, ...shape);
      const want = tfPredict(m, x, shape);
      expect(got.length).toBe(want.length);
      expect(scaledErr(got, want)).toBeLessThan(1e-6);
      expect(scaledErr(got, tfPredict(stock, x, shape))).toBeLessThan(1e-5);
    }
    stock.dispose();
  });

  it('is deterministic: the same input gives identical numbers', () => {
    const plain = plainModel(saved.modelJson, saved.weights);
    const s = spec(over);
    const shape: [number, number, number] = [2, s.steps ?? 6, s.features];
    const x = input(shape, 9);
    expect(Array.from(plain.predict(x, ...shape))).toEqual(Array.from(plain.predict(x, ...shape)));
  });
});

describe('plain engine: an encoder-decoder forecast freely', () => {
  it('reuses the encoder while only the decoder inputs change, and gives what a fresh model gives, bit for bit', async () => {
    const s = spec({ layers: [{ units: 5 }, { units: 4 }], steps: 8, outputs: 3, decoder: { lookback: 5, horizon: 3 } });
    const m = buildModel(tf, s);
    randomizeWeights(m, 7);
    const saved = await serializeModel(m);
    const warm = plainModel(saved.modelJson, saved.weights);
    const shape: [number, number, number] = [3, 8, 2];
    const x = input(shape, 11);
    warm.predict(x, ...shape);
    // a decoder input changed in place (as decodeFreely does), then an encoder input
    x[(0 * 8 + 6) * 2] += 0.5;
    const decoderOnly = Float32Array.from(x);
    const a = warm.predict(x, ...shape);
    x[(1 * 8 + 2) * 2 + 1] -= 0.25;
    const b = warm.predict(x, ...shape);
    expect(Array.from(a)).toEqual(Array.from(plainModel(saved.modelJson, saved.weights).predict(decoderOnly, ...shape)));
    expect(Array.from(b)).toEqual(Array.from(plainModel(saved.modelJson, saved.weights).predict(x, ...shape)));
    expect(Array.from(a)).not.toEqual(Array.from(b));
    // another batch size
    const one = input([1, 8, 2], 12);
    expect(Array.from(warm.predict(one, 1, 8, 2))).toEqual(Array.from(plainModel(saved.modelJson, saved.weights).predict(one, 1, 8, 2)));
    m.dispose();
  });
});

describe('plain engine limits', () => {
  it('reports layers and settings it does not know, so callers fall back to tfjs', async () => {
    const hard = tf.sequential();
    hard.add(tf.layers.lstm({ units: 3, recurrentActivation: 'hardSigmoid', inputShape: [4, 1] }));
    const h = await serializeModel(hard);
    expect(loadPlainModel(h.modelJson, h.weights)).toEqual({ unsupported: 'LSTM recurrent activation hard_sigmoid (needs sigmoid)' });

    const other = tf.sequential();
    other.add(tf.layers.gru({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true, inputShape: [4, 1] }));
    other.add(tf.layers.flatten());
    other.add(tf.layers.dense({ units: 2, activation: 'softplus' }));
    const saved = await serializeModel(other);
    expect(loadPlainModel(saved.modelJson, saved.weights)).toEqual({ unsupported: 'activation softplus' });

    // a functional graph with a layer it does not know
    const inp = tf.input({ shape: [4, 1] });
    const flat = tf.layers.flatten().apply(inp) as ReturnType<typeof tf.input>;
    const a = tf.layers.dense({ units: 2 }).apply(flat) as ReturnType<typeof tf.input>;
    const b = tf.layers.dense({ units: 2 }).apply(flat) as ReturnType<typeof tf.input>;
    const cat = await serializeModel(tf.model({ inputs: inp, outputs: tf.layers.concatenate().apply([a, b]) as ReturnType<typeof tf.input> }));
    expect(loadPlainModel(cat.modelJson, cat.weights)).toEqual({ unsupported: 'layer Concatenate with 2 inputs' });

    // openPredictor then runs it through tfjs (its GRU on the fused kernel), as the model itself computes
    const p = await openPredictor(saved.modelJson, saved.weights, { backend: 'cpu', tf });
    expect(p.engine).toBe('cpu');
    const x = input([2, 4, 1], 3);
    expect(scaledErr(p.predict(x, 2, 4, 1), tfPredict(other, x, [2, 4, 1]))).toBeLessThan(1e-5);
    p.dispose();
  });

  it('rejects a damaged model instead of guessing', async () => {
    const m = buildModel(tf, spec({}));
    const { modelJson, weights } = await serializeModel(m);
    expect(() => loadPlainModel(modelJson, weights.subarray(0, weights.length - 4))).toThrow(/weights.bin is shorter/);
    expect(() => loadPlainModel('{"nope":1}', weights)).toThrow(/not a tfjs layers model/);
    expect(() => plainModel(modelJson, weights).predict(new Float32Array(8 * 3), 1, 8, 3)).toThrow(/takes 2 input features, got 3/);
  });

  it('reads weights.bin at any byte offset', async () => {
    const m = buildModel(tf, spec({ cell: 'gru' }));
    randomizeWeights(m, 7);
    const { modelJson, weights } = await serializeModel(m);
    const shifted = Buffer.alloc(weights.length + 1);
    weights.copy(shifted, 1);
    const a = plainModel(modelJson, weights),
      b = plainModel(modelJson, shifted.subarray(1));
    const x = input([1, 8, 2], 1);
    expect(Array.from(b.predict(x, 1, 8, 2))).toEqual(Array.from(a.predict(x, 1, 8, 2)));
  });
});

describe('openPredictor', () => {
  it('serves cpu and wasm, and auto unless the run was trained on a native backend', () => {
    expect(plainServes('cpu')).toBe(true);
    expect(plainServes('wasm', 'tensorflow')).toBe(true);
    expect(plainServes('auto')).toBe(true);
    expect(plainServes('auto', 'wasm')).toBe(true);
    expect(plainServes('auto', 'tensorflow')).toBe(false);
    expect(plainServes('tensorflow')).toBe(false);
    expect(plainServes('tensorflow-gpu', 'wasm')).toBe(false);
  });

  it('runs a model on the plain engine or on tfjs with the fused layers, with the same numbers', async () => {
    const m = buildModel(tf, spec({ layers: [{ units: 6 }, { units: 4 }] }));
    randomizeWeights(m, 21);
    const { modelJson, weights } = await serializeModel(m);
    const plain = await openPredictor(modelJson, weights, { backend: 'wasm', trainedOn: 'wasm' });
    expect(plain.engine).toBe('plain');
    // a run trained on a native backend, opened where only the cpu backend is loaded: tfjs, fused layers
    const viaTf = await openPredictor(modelJson, weights, { backend: 'auto', trainedOn: 'tensorflow', tf });
    expect(viaTf.engine).toBe('cpu');
    const x = input([3, 8, 2], 2);
    expect(scaledErr(plain.predict(x, 3, 8, 2), viaTf.predict(x, 3, 8, 2))).toBeLessThan(1e-6);
    expect(Array.from(viaTf.predict(x, 3, 8, 2))).toEqual(Array.from(tfPredict(m, x, [3, 8, 2])));
    plain.dispose();
    viaTf.dispose();
  });
});
