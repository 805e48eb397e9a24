import type { Tensor } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rowWork, setMinSliceWork, slicesOf } from '../../src/kernels/slices.js';
import { setThreads } from '../../src/kernels/threads.js';
import { loadBackend, type Tf } from '../../src/model/backend.js';
import { fusedRecurrentLayer, fusedRnn, registerFusedLayers } from '../../src/model/fused/index.js';
import { maxRelErr, scaledErr } from '../numeric.js';
import { expectFiniteDifferences } from './finite-differences.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadBackend('cpu'));
  // split every batch that has rows enough, however little work it is, to test the slicing
  setMinSliceWork(0);
});
afterAll(() => setMinSliceWork());

function rand(tf: Tf, shape: number[], seed: number, scale = 0.5): Tensor {
  return tf.randomUniform(shape, -scale, scale, 'float32', seed);
}

/** Plain tf-ops reference of the tfjs LSTM/GRU/SimpleRNN cells (used for gradients where the stock layer's own
 *  backward fails: tfjs 4.22 throws in Unpack's gradient for T = 1), from zeros or the state given. */
function reference(
  tf: Tf,
  cell: Cell,
  x: Tensor,
  k: Tensor,
  u: Tensor,
  b: Tensor,
  rs: boolean,
  h0?: Tensor,
  c0?: Tensor,
  act: 'tanh' | 'relu' = 'tanh',
): Tensor {
  const [B, T, I] = x.shape as [number, number, number];
  const H = u.shape[0] as number;
  let h: Tensor = h0 ?? tf.zeros([B, H]);
  let c: Tensor = c0 ?? tf.zeros([B, H]);
  const outs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const xt = tf.reshape(tf.slice(x, [0, t, 0], [B, 1, I]), [B, I]);
    const xp = tf.add(tf.matMul(xt, k), b);
    if (cell === 'rnn') {
      const a = tf.add(xp, tf.matMul(h, u));
      h = act === 'relu' ? tf.relu(a) : tf.tanh(a);
    } else if (cell === 'lstm') {
      const a = tf.add(xp, tf.matMul(h, u));
      const [ai, af, ag, ao] = tf.split(a, 4, 1);
      c = tf.add(tf.mul(tf.sigmoid(af), c), tf.mul(tf.sigmoid(ai), tf.tanh(ag)));
      h = tf.mul(tf.sigmoid(ao), tf.tanh(c));
    } else {
      const [u1, u2] = tf.split(u, [2 * H, H], 1);
      const [xz, xr, xh] = tf.split(xp, 3, 1);
      const [rz, rr] = tf.split(tf.matMul(h, u1), 2, 1);
      const z = tf.sigmoid(tf.add(xz, rz));
      const r = tf.sigmoid(tf.add(xr, rr));
      const hh = tf.tanh(tf.add(xh, tf.matMul(tf.mul(r, h), u2)));
      h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
    }
    outs.push(h);
  }
  return rs ? tf.stack(outs, 1) : h;
}

const cells = ['lstm', 'gru', 'rnn'] as const;
type Cell = (typeof cells)[number];
/** Gate columns per unit. */
const GATES = { lstm: 4, gru: 3, rnn: 1 } as const;

/** The stock tfjs layer the fused one stands in for (SimpleRNN: activation tanh unless given). */
function stockLayer(cell: Cell, opts: { units: number; returnSequences: boolean; inputShape?: number[]; activation?: 'tanh' | 'relu' }) {
  if (cell === 'rnn') return tf.layers.simpleRNN({ activation: 'tanh', ...opts });
  const o = { ...opts, recurrentActivation: 'sigmoid' as const };
  return cell === 'lstm' ? tf.layers.lstm(o) : tf.layers.gru(o);
}
const grid: [number, number, number, boolean, number][] = [];
// every combination of the sizes the comparison must cover: batch 1 and 37 (37 is split over two
// threads, 20 + 17 rows), T 1 and 50, features 1 and 7 (below and above the 4-wide SIMD blocks)
for (const B of [1, 37]) for (const T of [1, 50]) for (const I of [1, 7]) for (const rs of [false, true]) grid.push([B, T, I, rs, 4]);
// smaller, odd sizes between those
for (const [B, T, I] of [
  [5, 12, 3],
  [3, 2, 5],
])
  for (const rs of [false, true]) grid.push([B, T, I, rs, 4]);
// larger unit counts exercise the blocked SIMD matmul paths (and their remainders)
grid.push([6, 5, 3, true, 16], [6, 5, 3, false, 16], [9, 7, 2, false, 12], [8, 4, 5, true, 20]);
// batches large enough to be split over two threads, in equal and unequal slices
grid.push([20, 6, 3, true, 8], [20, 6, 3, false, 10], [17, 5, 2, true, 16], [32, 4, 1, false, 12]);

describe('batch slices', () => {
  it('cover the batch in order, one per thread at most, 4-row multiples where possible', () => {
    expect(slicesOf(64, 1)).toEqual([{ b0: 0, n: 64 }]);
    expect(slicesOf(64, 2)).toEqual([
      { b0: 0, n: 32 },
      { b0: 32, n: 32 },
    ]);
    expect(slicesOf(20, 2)).toEqual([
      { b0: 0, n: 12 },
      { b0: 12, n: 8 },
    ]);
    expect(slicesOf(5, 4)).toEqual([{ b0: 0, n: 5 }]);
    for (const B of [1, 7, 16, 17, 33, 64, 100, 1024])
      for (const th of [1, 2, 3, 4, 8]) {
        const s = slicesOf(B, th);
        expect(s.length).toBeLessThanOrEqual(th);
        expect(s.reduce((a, c) => a + c.n, 0)).toBe(B);
        s.forEach((c, i) => expect(c.b0).toBe(i === 0 ? 0 : s[i - 1].b0 + s[i - 1].n));
      }
  });

  it('keep small work on one thread', () => {
    setMinSliceWork();
    try {
      // 2 x 64 LSTM layer, window 48, batch 64: split; 32 units, window 24, batch 16: whole
      expect(slicesOf(64, 2, rowWork('lstm', 48, 64, 64))).toEqual([
        { b0: 0, n: 32 },
        { b0: 32, n: 32 },
      ]);
      expect(slicesOf(16, 2, rowWork('lstm', 24, 1, 32))).toEqual([{ b0: 0, n: 16 }]);
      expect(slicesOf(64, 2, rowWork('gru', 24, 1, 24))).toEqual([{ b0: 0, n: 64 }]);
      // textbook-lstm (32 units, window 60, batch 32: 4.1 million multiply-adds a half): split;
      // co2-mauna-loa (GRU 32, window 24, batch 32: 1.2 million a half): whole
      expect(slicesOf(32, 2, rowWork('lstm', 60, 1, 32))).toEqual([
        { b0: 0, n: 16 },
        { b0: 16, n: 16 },
      ]);
      expect(slicesOf(32, 2, rowWork('gru', 24, 1, 32))).toEqual([{ b0: 0, n: 32 }]);
    } finally {
      setMinSliceWork(0);
    }
  });
});

describe.each(
  cells.flatMap(
    (c) =>
      [
        [c, 1],
        [c, 2],
      ] as const,
  ),
)('fused %s vs stock tfjs layer, %i thread(s)', (cell, threads) => {
  beforeEach(() => setThreads(threads));
  afterAll(() => setThreads(1));
  it.each(grid)('batch %i, T %i, features %i, returnSequences %s, units %i', (B, T, I, returnSequences, H) => {
    const G = GATES[cell] * H;
    tf.tidy(() => {
      const x = rand(tf, [B, T, I], 1, 1);
      const k = rand(tf, [I, G], 2);
      const u = rand(tf, [H, G], 3);
      const b = rand(tf, [G], 4);
      const stock = stockLayer(cell, { units: H, returnSequences, inputShape: [T, I] });
      stock.apply(x); // builds
      stock.setWeights([k, u, b]);
      const outShape = returnSequences ? [B, T, H] : [B, H];
      const wOut = rand(tf, outShape, 5, 1);

      const refOut = stock.apply(x) as Tensor;
      const out = fusedRnn(tf, cell, x, k, u, b, returnSequences);
      expect(out.shape).toEqual(refOut.shape);
      expect(maxRelErr(out.dataSync() as Float32Array, refOut.dataSync() as Float32Array)).toBeLessThan(1e-4);

      // stock layer: gradients wrt its weight variables and a variable copy of x
      const xv = tf.variable(x, true, `x_${cell}_${B}_${T}_${I}_${returnSequences}`);
      let gs: Record<string, Tensor> = {};
      if (T > 1) ({ grads: gs } = tf.variableGrads(() => tf.sum(tf.mul(stock.apply(xv) as Tensor, wOut)) as any));
      const names = stock.trainableWeights.map((w) => (w as any).val.name as string);
      let refGrads = [gs[xv.name], ...names.map((n) => gs[n])];
      if (T === 1) {
        refGrads = tf.grads(
          (xx: Tensor, kk: Tensor, uu: Tensor, bb: Tensor) => tf.sum(tf.mul(reference(tf, cell, xx, kk, uu, bb, returnSequences), wOut)) as any,
        )([x, k, u, b]);
      } else {
        // the plain reference agrees with the stock layer's gradients too
        const r2 = tf.grads(
          (xx: Tensor, kk: Tensor, uu: Tensor, bb: Tensor) => tf.sum(tf.mul(reference(tf, cell, xx, kk, uu, bb, returnSequences), wOut)) as any,
        )([x, k, u, b]);
        r2.forEach((g, i) => expect(maxRelErr(g.dataSync() as Float32Array, refGrads[i].dataSync() as Float32Array)).toBeLessThan(1e-4));
      }

      const fgrads = tf.grads(
        (xx: Tensor, kk: Tensor, uu: Tensor, bb: Tensor) => tf.sum(tf.mul(fusedRnn(tf, cell, xx, kk, uu, bb, returnSequences), wOut)) as any,
      )([x, k, u, b]);
      const labels = ['x', 'kernel', 'recurrent', 'bias'];
      fgrads.forEach((g, i) => {
        expect(g.shape, labels[i]).toEqual(refGrads[i].shape);
        const e = maxRelErr(g.dataSync() as Float32Array, refGrads[i].dataSync() as Float32Array);
        expect(e, `${labels[i]} grad rel err`).toBeLessThan(1e-4);
      });
      xv.dispose();
    });
  });

  it('matches finite differences on a tiny shape', () => {
    const B = 2,
      T = 3,
      I = 2,
      H = 2;
    const G = GATES[cell] * H;
    const inputs = [rand(tf, [B, T, I], 11, 1), rand(tf, [I, G], 12), rand(tf, [H, G], 13), rand(tf, [G], 14)];
    const wOut = rand(tf, [B, T, H], 15, 1);
    const loss = (xs: Tensor[]) => tf.tidy(() => tf.sum(tf.mul(fusedRnn(tf, cell, xs[0], xs[1], xs[2], xs[3], true), wOut)).dataSync()[0]);
    const grads = tf.grads((a: Tensor, b: Tensor, c: Tensor, d: Tensor) => tf.sum(tf.mul(fusedRnn(tf, cell, a, b, c, d, true), wOut)) as any)(inputs);
    expectFiniteDifferences(tf, inputs, grads, loss);
  });

  it('matches finite differences on a tiny shape from an initial state, the state included', () => {
    const B = 2,
      T = 3,
      I = 2,
      H = 2;
    const G = GATES[cell] * H;
    const nState = cell === 'lstm' ? 2 : 1;
    const inputs = [
      rand(tf, [B, T, I], 81, 1),
      rand(tf, [I, G], 82),
      rand(tf, [H, G], 83),
      rand(tf, [G], 84),
      ...[85, 86].slice(0, nState).map((seed) => rand(tf, [B, H], seed, 1)),
    ];
    const wOut = rand(tf, [B, T, H], 87, 1);
    const f = (...a: Tensor[]) => tf.sum(tf.mul(fusedRnn(tf, cell, a[0], a[1], a[2], a[3], true, undefined, a.slice(4)), wOut));
    const loss = (xs: Tensor[]) => tf.tidy(() => f(...xs).dataSync()[0]);
    const grads = tf.grads(f as any)(inputs);
    expectFiniteDifferences(tf, inputs, grads, loss);
  });

  it('trains and round-trips through model serialization', async () => {
    registerFusedLayers(tf);
    const model = tf.sequential();
    model.add(
      fusedRecurrentLayer(tf, cell, {
        units: 5,
        returnSequences: true,
        inputShape: [6, 2],
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        recurrentInitializer: tf.initializers.orthogonal({ gain: 1, seed: 2 }),
        biasInitializer: tf.initializers.zeros(),
      }),
    );
    model.add(
      fusedRecurrentLayer(tf, cell, {
        units: 3,
        returnSequences: false,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
        recurrentInitializer: tf.initializers.orthogonal({ gain: 1, seed: 4 }),
        biasInitializer: tf.initializers.zeros(),
      }),
    );
    model.add(tf.layers.dense({ units: 1 }));
    const w = model.layers[0].getWeights();
    expect(w.map((t) => t.shape)).toEqual([[2, 5 * GATES[cell]], [5, 5 * GATES[cell]], [5 * GATES[cell]]]);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const x = rand(tf, [32, 6, 2], 21, 1);
    const y = tf.reshape(tf.sum(x, [1, 2]), [32, 1]);
    const h = await model.fit(x, y, { epochs: 15, batchSize: 16, verbose: 0 });
    const losses = h.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    let saved: any;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    // saved as a stock model: plain tfjs loads it with its own LSTM/GRU layers
    const stockClass = { lstm: 'LSTM', gru: 'GRU', rnn: 'SimpleRNN' }[cell];
    expect(saved.modelTopology.config.layers.map((l: any) => l.class_name)).toEqual([stockClass, stockClass, 'Dense']);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));
    expect(loaded.layers.map((l) => (l.constructor as any).className)).toEqual([stockClass, stockClass, 'Dense']);
    const p1 = model.predict(x) as Tensor,
      p2 = loaded.predict(x) as Tensor;
    expect(scaledErr(p2.dataSync() as Float32Array, p1.dataSync() as Float32Array)).toBeLessThan(1e-5);
  });
});

describe.each(
  cells.flatMap(
    (c) =>
      [
        [c, 1],
        [c, 2],
      ] as const,
  ),
)('fused %s layer from an initial state vs stock tfjs layer, %i thread(s)', (cell, threads) => {
  beforeEach(() => setThreads(threads));
  afterAll(() => setThreads(1));
  // each required size at least once (batch 1/37, T 1/50, features 1/7, returnSequences both ways),
  // plus unit counts that take the blocked SIMD paths and batches split unequally over two threads
  it.each([
    [1, 1, 1, false, 4],
    [1, 50, 7, true, 4],
    [37, 1, 7, true, 4],
    [37, 50, 1, false, 4],
    [20, 6, 3, true, 16],
    [9, 7, 2, false, 12],
    [17, 5, 2, true, 8],
  ] as [number, number, number, boolean, number][])(
    'batch %i, T %i, features %i, returnSequences %s, units %i: output and the gradients of x, the weights and the initial state',
    (B, T, I, returnSequences, H) => {
      const G = GATES[cell] * H;
      const zeros = tf.initializers.zeros();
      const stock = stockLayer(cell, { units: H, returnSequences });
      const fused = fusedRecurrentLayer(tf, cell, { units: H, returnSequences, kernelInitializer: zeros, recurrentInitializer: zeros, biasInitializer: zeros });
      tf.tidy(() => {
        const x = rand(tf, [B, T, I], 51, 1);
        const w = [rand(tf, [I, G], 52), rand(tf, [H, G], 53), rand(tf, [G], 54)];
        const init = (cell === 'lstm' ? [55, 56] : [55]).map((seed) => rand(tf, [B, H], seed, 1));
        const wOut = rand(tf, returnSequences ? [B, T, H] : [B, H], 57, 1);
        for (const l of [stock, fused]) {
          l.apply(x, { initialState: init }); // builds
          l.setWeights(w);
        }
        const refOut = stock.apply(x, { initialState: init }) as Tensor;
        const out = fused.apply(x, { initialState: init }) as Tensor;
        expect(out.shape).toEqual(refOut.shape);
        expect(maxRelErr(out.dataSync() as Float32Array, refOut.dataSync() as Float32Array), 'output').toBeLessThan(1e-4);
        // the state may also come as the inputs after x, as the stock layers take it
        const out2 = fused.apply([x, ...init]) as Tensor;
        expect(Array.from(out2.dataSync())).toEqual(Array.from(out.dataSync()));

        const labels = ['x', 'kernel', 'recurrent', 'bias', 'h0', 'c0'].slice(0, 4 + init.length);
        /** gradients of sum(layer(x, state) * wOut) wrt x, the layer's weights and the state, in `labels` order */
        const layerGrads = (l: Layer) => {
          const vs = [x, ...init].map((t, i) => tf.variable(t, true, `${l.name}_${i}_${B}_${T}_${I}_${H}`));
          const ws = l.trainableWeights.map((v) => (v as any).val);
          const { grads } = tf.variableGrads(() => tf.sum(tf.mul(l.apply(vs[0], { initialState: vs.slice(1) }) as Tensor, wOut)) as any, [...vs, ...ws]);
          const res = [vs[0], ...ws, ...vs.slice(1)].map((v) => grads[v.name]);
          vs.forEach((v) => v.dispose());
          return res;
        };
        const refFn = (...a: Tensor[]) => tf.sum(tf.mul(reference(tf, cell, a[0], a[1], a[2], a[3], returnSequences, a[4], a[5]), wOut)) as any;
        const planeGrads = tf.grads(refFn)([x, ...w, ...init]);
        // the stock layer's backward fails for T = 1 (see reference): the plain reference stands in,
        // checked against the stock layer wherever that works
        let refGrads = planeGrads;
        if (T > 1) {
          refGrads = layerGrads(stock);
          planeGrads.forEach((g, i) =>
            expect(maxRelErr(g.dataSync() as Float32Array, refGrads[i].dataSync() as Float32Array), `reference ${labels[i]} grad`).toBeLessThan(1e-4),
          );
        }
        const got = layerGrads(fused);
        expect(got.length).toBe(labels.length);
        got.forEach((g, i) => {
          expect(g.shape, labels[i]).toEqual(refGrads[i].shape);
          expect(maxRelErr(g.dataSync() as Float32Array, refGrads[i].dataSync() as Float32Array), `${labels[i]} grad rel err`).toBeLessThan(1e-4);
        });
      });
      stock.dispose();
      fused.dispose();
    },
  );

  it('takes an explicit zero state as none: same outputs and gradients', () => {
    const B = 20,
      T = 6,
      I = 3,
      H = 8,
      G = GATES[cell] * H;
    tf.tidy(() => {
      const xs = [rand(tf, [B, T, I], 61, 1), rand(tf, [I, G], 62), rand(tf, [H, G], 63), rand(tf, [G], 64)];
      const wOut = rand(tf, [B, T, H], 65, 1);
      const zeros = (cell === 'lstm' ? [0, 1] : [0]).map(() => tf.zeros([B, H]));
      const f = (st?: Tensor[]) => (a: Tensor, b: Tensor, c: Tensor, d: Tensor) =>
        tf.sum(tf.mul(fusedRnn(tf, cell, a, b, c, d, true, undefined, st), wOut)) as any;
      const none = [fusedRnn(tf, cell, xs[0], xs[1], xs[2], xs[3], true), ...tf.grads(f())(xs)];
      const zero = [fusedRnn(tf, cell, xs[0], xs[1], xs[2], xs[3], true, undefined, zeros), ...tf.grads(f(zeros))(xs)];
      none.forEach((t, i) => {
        const a = t.dataSync(),
          z = zero[i].dataSync();
        expect(
          a.every((v, j) => v === z[j]),
          `tensor ${i}`,
        ).toBe(true);
      });
    });
  });

  it('takes a symbolic initial state in a functional model, as the stock layer does', () => {
    const B = 4,
      T = 5,
      I = 2,
      H = 3,
      G = GATES[cell] * H;
    const nState = cell === 'lstm' ? 2 : 1;
    const zeros = tf.initializers.zeros();
    const stock = stockLayer(cell, { units: H, returnSequences: true });
    const fused = fusedRecurrentLayer(tf, cell, {
      units: H,
      returnSequences: true,
      kernelInitializer: zeros,
      recurrentInitializer: zeros,
      biasInitializer: zeros,
    });
    const preds = [stock, fused].map((l) => {
      const x = tf.input({ shape: [T, I] });
      const states = Array.from({ length: nState }, () => tf.input({ shape: [H] }));
      const model = tf.model({ inputs: [x, ...states], outputs: l.apply(x, { initialState: states }) as any });
      l.setWeights([rand(tf, [I, G], 91), rand(tf, [H, G], 92), rand(tf, [G], 93)]);
      const feed = [rand(tf, [B, T, I], 94, 1), ...[95, 96].slice(0, nState).map((seed) => rand(tf, [B, H], seed, 1))];
      return (model.predict(feed) as Tensor).dataSync() as Float32Array;
    });
    expect(preds[1].length).toBe(B * T * H);
    expect(maxRelErr(preds[1], preds[0])).toBeLessThan(1e-4);
  });

  it('refuses a wrong number or shape of initial states', () => {
    const B = 2,
      T = 3,
      I = 2,
      H = 3,
      G = GATES[cell] * H;
    tf.tidy(() => {
      const xs = [rand(tf, [B, T, I], 71, 1), rand(tf, [I, G], 72), rand(tf, [H, G], 73), rand(tf, [G], 74)];
      const run = (st: Tensor[]) => fusedRnn(tf, cell, xs[0], xs[1], xs[2], xs[3], true, undefined, st);
      const n = cell === 'lstm' ? 2 : 1;
      expect(() => run(Array.from({ length: n + 1 }, () => tf.zeros([B, H])))).toThrow(/state/);
      expect(() => run(Array.from({ length: n }, () => tf.zeros([B, H + 1])))).toThrow(/shape/);
    });
  });
});

type Layer = ReturnType<typeof fusedRecurrentLayer>;

/** Output and gradients (input, then each layer's kernel, recurrent kernel, bias) of sum(out * wOut)
 *  through `layers` applied in turn; inputs are kept out of the enclosing tidy's reach by the caller. */
function stackGrads(layers: Layer[], x: Tensor, wOut: Tensor, name: string): { out: Float32Array; grads: Float32Array[] } {
  const xv = tf.variable(x, true, name);
  const run = () => layers.reduce((h, l) => l.apply(h) as Tensor, xv as Tensor);
  const out = run().dataSync().slice() as Float32Array;
  const vars = [xv, ...layers.flatMap((l) => l.trainableWeights.map((w) => (w as any).val))];
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(run(), wOut)) as any, vars);
  const res = vars.map((v) => grads[v.name].dataSync().slice() as Float32Array);
  xv.dispose();
  return { out, grads: res };
}

describe.each(
  cells.flatMap(
    (c) =>
      [
        [c, 1],
        [c, 2],
      ] as const,
  ),
)('stacked fused %s layers vs the same stock stack, %i thread(s)', (cell, threads) => {
  beforeEach(() => setThreads(threads));
  afterAll(() => setThreads(1));
  // inner layers return sequences; the last one both ways. Batches of 37 and 20 are split over two threads.
  it.each([
    [[6, 4], 37, 8, 3, false],
    [[6, 4], 37, 8, 3, true],
    [[8, 5, 3], 20, 10, 7, false],
    [[8, 5, 3], 20, 10, 7, true],
  ] as [number[], number, number, number, boolean][])(
    'units %j, batch %i, T %i, features %i, last returnSequences %s: output and the gradients of the input and every weight',
    (units, B, T, I, rsLast) => {
      const G = GATES[cell];
      const stock: Layer[] = [],
        fused: Layer[] = [];
      units.forEach((H, l) => {
        const returnSequences = l < units.length - 1 || rsLast;
        stock.push(stockLayer(cell, { units: H, returnSequences }));
        const zeros = tf.initializers.zeros();
        fused.push(fusedRecurrentLayer(tf, cell, { units: H, returnSequences, kernelInitializer: zeros, recurrentInitializer: zeros, biasInitializer: zeros }));
      });
      const x = rand(tf, [B, T, I], 41, 1);
      const wOut = rand(tf, rsLast ? [B, T, units[units.length - 1]] : [B, units[units.length - 1]], 42, 1);
      tf.tidy(() => {
        for (const stack of [stock, fused]) stack.reduce((h, l) => l.apply(h) as Tensor, x); // builds
        units.forEach((H, l) => {
          const w = [rand(tf, [l === 0 ? I : units[l - 1], G * H], 43 + 3 * l), rand(tf, [H, G * H], 44 + 3 * l), rand(tf, [G * H], 45 + 3 * l)];
          stock[l].setWeights(w);
          fused[l].setWeights(w);
        });
      });
      const ref = stackGrads(stock, x, wOut, `xs_${cell}_${threads}_${units.length}_${rsLast}`);
      const got = stackGrads(fused, x, wOut, `xf_${cell}_${threads}_${units.length}_${rsLast}`);
      expect(maxRelErr(got.out, ref.out), 'output').toBeLessThan(1e-4);
      const labels = ['x', ...units.flatMap((_, l) => [`kernel ${l}`, `recurrent ${l}`, `bias ${l}`])];
      expect(got.grads.length).toBe(labels.length);
      got.grads.forEach((g, i) => expect(maxRelErr(g, ref.grads[i]), `${labels[i]} grad rel err`).toBeLessThan(1e-4));
      for (const l of [...stock, ...fused]) l.dispose();
      tf.dispose([x, wOut]);
    },
  );
});

describe.each(cells)('fused %s over threads', (cell) => {
  afterAll(() => setThreads(1));
  /** output and the gradients of sum(out * wOut) (x, the three weights, then the initial state when
   *  `init`), as plain arrays */
  function run(threads: number, B: number, T: number, I: number, H: number, rs: boolean, init = false): Float32Array[] {
    setThreads(threads);
    return tf.tidy(() => {
      const G = GATES[cell] * H;
      const xs = [rand(tf, [B, T, I], 31, 1), rand(tf, [I, G], 32), rand(tf, [H, G], 33), rand(tf, [G], 34)];
      if (init) xs.push(...[36, 37].slice(0, cell === 'lstm' ? 2 : 1).map((seed) => rand(tf, [B, H], seed, 1)));
      const wOut = rand(tf, rs ? [B, T, H] : [B, H], 35, 1);
      const out = fusedRnn(tf, cell, xs[0], xs[1], xs[2], xs[3], rs, undefined, xs.slice(4));
      const gs = tf.grads((...a: Tensor[]) => tf.sum(tf.mul(fusedRnn(tf, cell, a[0], a[1], a[2], a[3], rs, undefined, a.slice(4)), wOut)) as any)(xs);
      return [out, ...gs].map((t) => t.dataSync().slice() as Float32Array);
    });
  }

  // the first case grows the kernels' memory during the call (it is larger than anything before it)
  it.each([
    [256, 24, 24, 32, true, false],
    [64, 9, 3, 16, false, false],
    [40, 6, 2, 10, true, false],
    [3, 5, 2, 8, true, false],
    [40, 6, 2, 10, true, true],
    [37, 5, 3, 8, false, true],
  ] as const)(
    'batch %i, T %i, features %i, units %i, returnSequences %s, initial state %s: same bits run to run; outputs, input and initial-state gradients equal to 1 thread, weight gradients within 1e-4',
    (B, T, I, H, rs, init) => {
      const one = run(1, B, T, I, H, rs, init);
      for (const threads of [2, 3]) {
        const a = run(threads, B, T, I, H, rs, init);
        const b = run(threads, B, T, I, H, rs, init);
        a.forEach((arr, i) => expect(Buffer.from(arr.buffer).equals(Buffer.from(b[i].buffer)), `run-to-run ${i}`).toBe(true));
        // a row's forward pass and its input gradient never depend on the batch slicing
        expect(Array.from(a[0])).toEqual(Array.from(one[0]));
        expect(Array.from(a[1])).toEqual(Array.from(one[1]));
        for (let i = 2; i < 5; i++) expect(maxRelErr(a[i], one[i]), `weight grad ${i}`).toBeLessThan(1e-4);
        // nor do a row's initial-state gradients
        for (let i = 5; i < a.length; i++) expect(Array.from(a[i]), `state grad ${i}`).toEqual(Array.from(one[i]));
        expect(a.length).toBe(init ? (cell === 'lstm' ? 7 : 6) : 5);
      }
    },
  );
});

describe.each([1, 2])('fused SimpleRNN with relu vs the stock layer, %i thread(s)', (threads) => {
  beforeEach(() => setThreads(threads));
  afterAll(() => setThreads(1));
  it.each([
    [1, 1, 1, false, 4],
    [37, 50, 7, true, 4],
    [20, 6, 3, false, 16],
    [9, 7, 2, true, 13],
  ] as [number, number, number, boolean, number][])(
    'batch %i, T %i, features %i, returnSequences %s, units %i: output, and gradients as the plain reference gives them',
    (B, T, I, returnSequences, H) => {
      const zeros = tf.initializers.zeros();
      const stock = stockLayer('rnn', { units: H, returnSequences, activation: 'relu' });
      const fused = fusedRecurrentLayer(tf, 'rnn', {
        units: H,
        returnSequences,
        activation: 'relu',
        kernelInitializer: zeros,
        recurrentInitializer: zeros,
        biasInitializer: zeros,
      });
      tf.tidy(() => {
        const x = rand(tf, [B, T, I], 101, 1);
        const w = [rand(tf, [I, H], 102), rand(tf, [H, H], 103), rand(tf, [H], 104)];
        for (const l of [stock, fused]) {
          l.apply(x);
          l.setWeights(w);
        }
        const out = fused.apply(x) as Tensor;
        const ref = stock.apply(x) as Tensor;
        expect(maxRelErr(out.dataSync() as Float32Array, ref.dataSync() as Float32Array)).toBeLessThan(1e-4);
        // some units are cut off and some pass: both branches of relu's derivative are taken
        const o = out.dataSync();
        expect(o.some((v) => v === 0) && o.some((v) => v > 0)).toBe(true);
        const wOut = rand(tf, returnSequences ? [B, T, H] : [B, H], 105, 1);
        const want = tf.grads((a: Tensor, k: Tensor, u: Tensor, b: Tensor) =>
          tf.sum(tf.mul(reference(tf, 'rnn', a, k, u, b, returnSequences, undefined, undefined, 'relu'), wOut)),
        )([x, ...w]);
        const got = tf.grads((a: Tensor, k: Tensor, u: Tensor, b: Tensor) =>
          tf.sum(tf.mul(fusedRnn(tf, 'rnn', a, k, u, b, returnSequences, undefined, null, 'relu'), wOut)),
        )([x, ...w]);
        got.forEach((g, i) => expect(maxRelErr(g.dataSync() as Float32Array, want[i].dataSync() as Float32Array), `grad ${i}`).toBeLessThan(1e-4));
      });
      // saved with the stock class and its activation
      expect(fused.getClassName()).toBe('SimpleRNN');
      expect(fused.getConfig().activation).toBe('relu');
      stock.dispose();
      fused.dispose();
    },
  );
});
