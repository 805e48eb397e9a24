import type { Tensor } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setMinSliceWork } from '../../src/kernels/slices.js';
import { setThreads } from '../../src/kernels/threads.js';
import { loadBackend, type Tf } from '../../src/model/backend.js';
import { buildModel, loadModelFromFiles, serializeModel } from '../../src/model/build.js';
import { fusedLstmVariantLayer, fusedRnn } from '../../src/model/fused/index.js';
import { LSTM_VARIANT_CLASS, registerLstmVariant, variantStep } from '../../src/model/lstm-variant.js';
import { loadPlainModel } from '../../src/model/plain.js';
import { maxRelErr, scaledErr } from '../numeric.js';
import { expectFiniteDifferences } from './finite-differences.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadBackend('cpu'));
  // split every batch that has rows enough, however little work it is, to test the slicing
  setMinSliceWork(0);
});
afterAll(() => {
  setMinSliceWork();
  setThreads(1);
});

const rand = (shape: number[], seed: number, scale = 0.5): Tensor => tf.randomUniform(shape, -scale, scale, 'float32', seed);

/** The variants: peepholes, coupled gates, both. */
const VARIANTS = [
  { peephole: true, coupled: false },
  { peephole: false, coupled: true },
  { peephole: true, coupled: true },
] as const;
type Variant = (typeof VARIANTS)[number];
const gatesOf = (v: Variant, H: number) => (v.coupled ? 3 : 4) * H;
const peepholesOf = (v: Variant, H: number) => (v.coupled ? 2 : 3) * H;
const label = (v: Variant) => [v.peephole && 'peephole', v.coupled && 'coupled gates'].filter(Boolean).join(' + ');

/** The variant in tfjs operations (the LSTMVariant layer's step), from zeros or the state given. */
function reference(x: Tensor, k: Tensor, u: Tensor, b: Tensor, p: Tensor | null, coupled: boolean, rs: boolean, h0?: Tensor, c0?: Tensor): Tensor {
  const [B, T, I] = x.shape as [number, number, number];
  const H = u.shape[0] as number;
  let h: Tensor = h0 ?? tf.zeros([B, H]);
  let c: Tensor = c0 ?? tf.zeros([B, H]);
  const outs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const xt = tf.reshape(tf.slice(x, [0, t, 0], [B, 1, I]), [B, I]);
    const a = tf.add(tf.add(tf.matMul(xt, k), b), tf.matMul(h, u));
    ({ h, c } = variantStep(tf, a, c, p, coupled));
    outs.push(h);
  }
  return rs ? tf.stack(outs, 1) : h;
}

// the sizes of the fused LSTM's grid: batch 1 and 37 (split 20 + 17 over two threads), T 1 and 50,
// features 1 and 7, units 4 (one SIMD block) and 6, 13 (SIMD blocks and scalar tails)
const grid: [number, number, number, boolean, number][] = [];
for (const B of [1, 37]) for (const T of [1, 50]) for (const I of [1, 7]) for (const rs of [false, true]) grid.push([B, T, I, rs, 4]);
grid.push([5, 12, 3, true, 6], [9, 7, 2, false, 13], [20, 6, 3, true, 8], [17, 5, 2, false, 16]);

describe.each(VARIANTS.flatMap((v) => [1, 2].map((threads) => [label(v), threads, v] as const)))('fused LSTM, %s, %i thread(s)', (_, threads, v) => {
  beforeEach(() => setThreads(threads));
  it.each(grid)('batch %i, T %i, features %i, returnSequences %s, units %i: outputs and gradients as the tfjs-ops reference', (B, T, I, rs, H) => {
    const G = gatesOf(v, H);
    tf.tidy(() => {
      const inputs = [rand([B, T, I], 1, 1), rand([I, G], 2), rand([H, G], 3), rand([G], 4)];
      if (v.peephole) inputs.push(rand([peepholesOf(v, H)], 5));
      const wOut = rand(rs ? [B, T, H] : [B, H], 6, 1);
      const fused = (xs: Tensor[]) =>
        fusedRnn(tf, 'lstm', xs[0], xs[1], xs[2], xs[3], rs, undefined, null, 'tanh', { peephole: v.peephole ? xs[4] : null, coupled: v.coupled });
      const ref = (xs: Tensor[]) => reference(xs[0], xs[1], xs[2], xs[3], v.peephole ? xs[4] : null, v.coupled, rs);
      const out = fused(inputs);
      const want = ref(inputs);
      expect(out.shape).toEqual(want.shape);
      expect(maxRelErr(out.dataSync(), want.dataSync())).toBeLessThan(1e-4);
      const lossOf =
        (f: (xs: Tensor[]) => Tensor) =>
        (...xs: Tensor[]) =>
          tf.sum(tf.mul(f(xs), wOut)) as any;
      const got = tf.grads(lossOf(fused))(inputs);
      const exp = tf.grads(lossOf(ref))(inputs);
      const names = ['x', 'kernel', 'recurrent kernel', 'bias', 'peephole'];
      got.forEach((g, i) => {
        expect(g.shape, names[i]).toEqual(exp[i].shape);
        expect(maxRelErr(g.dataSync(), exp[i].dataSync()), `${names[i]} gradient`).toBeLessThan(1e-4);
      });
    });
  });

  it('matches finite differences on a tiny shape, from zeros and from an initial state (the state included)', () => {
    const B = 2,
      T = 3,
      I = 2,
      H = 2;
    const G = gatesOf(v, H);
    const weights = [rand([B, T, I], 11, 1), rand([I, G], 12), rand([H, G], 13), rand([G], 14), rand([peepholesOf(v, H)], 15, 1)];
    const wOut = rand([B, T, H], 16, 1);
    // inputs: x, kernel, recurrent, bias, [h0, c0], [peephole]
    const run = (xs: Tensor[], withState: boolean) => {
      const init = withState ? [xs[4], xs[5]] : null;
      const p = v.peephole ? xs[withState ? 6 : 4] : null;
      return tf.sum(tf.mul(fusedRnn(tf, 'lstm', xs[0], xs[1], xs[2], xs[3], true, undefined, init, 'tanh', { peephole: p, coupled: v.coupled }), wOut));
    };
    for (const withState of [false, true]) {
      const inputs = [...weights.slice(0, 4), ...(withState ? [rand([B, H], 17, 1), rand([B, H], 18, 1)] : []), ...(v.peephole ? [weights[4]] : [])];
      const grads = tf.grads(((...xs: Tensor[]) => run(xs, withState)) as any)(inputs);
      expectFiniteDifferences(tf, inputs, grads, (xs) => tf.tidy(() => run(xs, withState).dataSync()[0]));
    }
  });
});

describe('LSTM variant kernels', () => {
  it('with neither variant on, compute the LSTM kernels exactly: outputs and gradients bit for bit', () => {
    for (const threads of [1, 2]) {
      setThreads(threads);
      tf.tidy(() => {
        const [B, T, I, H] = [20, 9, 3, 7];
        const inputs = [rand([B, T, I], 21, 1), rand([I, 4 * H], 22), rand([H, 4 * H], 23), rand([4 * H], 24), rand([B, H], 25), rand([B, H], 26)];
        const wOut = rand([B, T, H], 27, 1);
        const loss =
          (variant?: { peephole: null; coupled: false }) =>
          (...xs: Tensor[]) =>
            tf.sum(tf.mul(fusedRnn(tf, 'lstm', xs[0], xs[1], xs[2], xs[3], true, undefined, [xs[4], xs[5]], 'tanh', variant), wOut)) as any;
        const plain = tf.grads(loss())(inputs);
        const variant = tf.grads(loss({ peephole: null, coupled: false }))(inputs);
        plain.forEach((g, i) => expect(Array.from(variant[i].dataSync()), `input ${i}`).toEqual(Array.from(g.dataSync())));
        const a = fusedRnn(tf, 'lstm', inputs[0], inputs[1], inputs[2], inputs[3], true);
        const b = fusedRnn(tf, 'lstm', inputs[0], inputs[1], inputs[2], inputs[3], true, undefined, null, 'tanh', { peephole: null, coupled: false });
        expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      });
    }
    setThreads(1);
  });

  it('give each batch row the same outputs however the batch is sliced over threads', () => {
    tf.tidy(() => {
      const [B, T, I, H] = [37, 11, 3, 9];
      const v = { peephole: true, coupled: true };
      const x = rand([B, T, I], 31, 1);
      const ws = [rand([I, 3 * H], 32), rand([H, 3 * H], 33), rand([3 * H], 34)];
      const p = rand([2 * H], 35);
      const run = () => fusedRnn(tf, 'lstm', x, ws[0], ws[1], ws[2], true, undefined, null, 'tanh', { peephole: p, coupled: v.coupled }).dataSync();
      setThreads(1);
      const one = Array.from(run());
      setThreads(2);
      const two = Array.from(run());
      setThreads(1);
      expect(two).toEqual(one);
    });
  });

  it('refuse peepholes of the wrong size and variants of other cells', () => {
    tf.tidy(() => {
      const x = rand([2, 3, 1], 41);
      const [k, u, b] = [rand([1, 12], 42), rand([3, 12], 43), rand([12], 44)];
      expect(() => fusedRnn(tf, 'lstm', x, k, u, b, false, undefined, null, 'tanh', { peephole: rand([6], 45), coupled: false })).toThrow(
        /6 peephole weights, expected 9/,
      );
      const g = [rand([1, 9], 46), rand([3, 9], 47), rand([9], 48)];
      expect(() => fusedRnn(tf, 'gru', x, g[0], g[1], g[2], false, undefined, null, 'tanh', { peephole: null, coupled: true })).toThrow(
        /LSTM variants, not gru/,
      );
    });
  });
});

describe('the LSTMVariant layer', () => {
  it.each(VARIANTS.map((v) => [label(v), v] as const))(
    '%s: fused and tfjs-ops layers agree, save as LSTMVariant and load in plain tfjs, rnnfc and the plain engine alike',
    async (_, v) => {
      const spec = {
        cell: 'lstm' as const,
        peephole: v.peephole,
        coupledGates: v.coupled,
        layers: [{ units: 6 }, { units: 5 }],
        dropout: 0,
        dense: [],
        steps: 8,
        features: 2,
        outputs: 3,
        sequenceOutput: false,
        seed: 7,
      };
      const fusedModel = buildModel(tf, { ...spec, fused: true });
      const opsModel = buildModel(tf, { ...spec, fused: false });
      // the same seeds, the same initial weights; peepholes start at zero, so give them values
      const weights = fusedModel.getWeights().map((w, i) => (w.shape.length === 1 && /peephole/.test(fusedModel.weights[i].name) ? rand(w.shape, 50 + i) : w));
      fusedModel.setWeights(weights);
      opsModel.setWeights(weights);
      const names = fusedModel.weights.map((w) => w.name.split('/').pop());
      expect(names.filter((n) => n === 'peephole').length).toBe(v.peephole ? 2 : 0);
      const x = rand([4, 8, 2], 60, 1);
      const want = (opsModel.predict(x) as Tensor).dataSync();
      expect(scaledErr((fusedModel.predict(x) as Tensor).dataSync(), want)).toBeLessThan(1e-5);

      const saved = await serializeModel(fusedModel);
      const json = JSON.parse(saved.modelJson);
      const layers = json.modelTopology.config.layers.filter((l: { class_name: string }) => l.class_name === LSTM_VARIANT_CLASS);
      expect(layers).toHaveLength(2);
      expect(layers[0].config).toMatchObject({ units: 6, return_sequences: true, peephole: v.peephole, coupled_gates: v.coupled });
      expect(json.weightsManifest[0].weights.map((w: { shape: number[] }) => w.shape)).toContainEqual([6 * (v.coupled ? 3 : 4)]);

      // plain tfjs with the class registered (the tfjs-ops implementation)
      registerLstmVariant(tf);
      const weightData = saved.weights.buffer.slice(saved.weights.byteOffset, saved.weights.byteOffset + saved.weights.byteLength) as ArrayBuffer;
      const plainTf = await tf.loadLayersModel(
        tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }),
      );
      expect(plainTf.layers.some((l) => l.getClassName() === LSTM_VARIANT_CLASS && l.constructor.name === 'LSTMVariant')).toBe(true);
      expect(Array.from((plainTf.predict(x) as Tensor).dataSync())).toEqual(Array.from(want));
      // rnnfc's loader, fused and not
      for (const fused of [true, false]) {
        const loaded = await loadModelFromFiles(tf, saved.modelJson, saved.weights, { fused });
        expect(loaded.layers.filter((l) => l.constructor.name === (fused ? 'FusedLSTMVariant' : 'LSTMVariant'))).toHaveLength(2);
        expect(scaledErr((loaded.predict(x) as Tensor).dataSync(), want)).toBeLessThan(1e-5);
      }
      // predict's engine without tfjs
      const plain = loadPlainModel(saved.modelJson, saved.weights);
      if (!('model' in plain)) throw new Error(plain.unsupported);
      expect(scaledErr(plain.model.predict(x.dataSync() as Float32Array, 4, 8, 2), want)).toBeLessThan(1e-5);
    },
  );

  it('trains: the fused layer fits a task the gradient must reach back through time for', async () => {
    // y = the first input of the window: only a signal carried through all 8 steps predicts it
    const B = 64,
      T = 8;
    const xs = rand([B, T, 1], 70, 1);
    const ys = tf.reshape(tf.slice(xs, [0, 0, 0], [B, 1, 1]), [B, 1]);
    for (const v of VARIANTS) {
      // seeded weights and no shuffling: the same run every time (unseeded, a few starts in a
      // hundred trained too slowly for the bound below)
      const model = tf.sequential();
      model.add(
        fusedLstmVariantLayer(tf, {
          units: 8,
          returnSequences: false,
          inputShape: [T, 1],
          peephole: v.peephole,
          coupledGates: v.coupled,
          kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }),
          recurrentInitializer: tf.initializers.orthogonal({ seed: 12 }),
        }),
      );
      model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 13 }) }));
      model.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' });
      const h = await model.fit(xs, ys, { epochs: 60, batchSize: 16, verbose: 0, shuffle: false });
      const loss = h.history.loss as number[];
      // y is uniform on [-1, 1] (variance 1/3): the loss falls well below where it starts only if the signal reaches step 0
      expect(loss[loss.length - 1], label(v)).toBeLessThan(0.25 * loss[0]);
      model.dispose();
    }
  });
});
