import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainingConfig } from '../../src/config/types.js';
import { InterruptError, UserError } from '../../src/errors.js';
import { loadBackend, type Tf } from '../../src/model/backend.js';
import { buildModel, type ModelSpec } from '../../src/model/build.js';
import { DivergedError, type EpochInfo, evaluateLoss, makeLoss, mixOwnForecasts, teacherRatio, trainModel } from '../../src/train/loop.js';
import { makeProgress } from '../../src/train/progress.js';
import { mulberry32, shuffleInPlace } from '../../src/train/rng.js';
import { decodeFreely, encoderDecoderWindows } from '../../src/windows/index-math.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
});

const LOOKBACK = 8;
function sineWindows(n: number, phase = 0) {
  const x = new Float32Array(n * LOOKBACK);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < LOOKBACK; j++) x[i * LOOKBACK + j] = Math.sin((i + j + phase) * 0.3);
    y[i] = Math.sin((i + LOOKBACK + phase) * 0.3);
  }
  return { x, y, xShape: [n, LOOKBACK, 1], yShape: [n, 1] };
}

const spec: ModelSpec = {
  cell: 'lstm',
  layers: [{ units: 6 }],
  dropout: 0,
  dense: [],
  steps: LOOKBACK,
  features: 1,
  outputs: 1,
  sequenceOutput: false,
  seed: 1,
};
const cfg: TrainingConfig = {
  optimizer: 'adam',
  learning_rate: 0.02,
  batch_size: 16,
  epochs: 30,
  loss: 'mse',
  clip_norm: 0,
  early_stopping: null,
  validation_size: 0,
  seed: 42,
  threads: 1,
  ensemble: 1,
  windows_per_epoch: 0,
};

function flatWeights(m: LayersModel): Float32Array[] {
  return m.getWeights().map((w) => w.dataSync().slice() as Float32Array);
}
function globalNorm(a: Float32Array[], b: Float32Array[]): number {
  let s = 0;
  a.forEach((arr, i) => arr.forEach((v, j) => (s += (v - b[i][j]) ** 2)));
  return Math.sqrt(s);
}

describe('rng', () => {
  it('is seeded and shuffles into a permutation', () => {
    const a = mulberry32(5);
    const b = mulberry32(5);
    const xs = Array.from({ length: 5 }, () => a());
    expect(xs).toEqual(Array.from({ length: 5 }, () => b()));
    xs.forEach((v) => expect(v >= 0 && v < 1).toBe(true));
    const idx = Array.from({ length: 50 }, (_, i) => i);
    shuffleInPlace(idx, mulberry32(1));
    expect([...idx].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(idx).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('losses', () => {
  it('mse, mae, huber', () => {
    const t = tf.tensor1d([0, 0, 0]);
    const p = tf.tensor1d([0.5, -2, 1]);
    expect(makeLoss(tf, 'mse')(t, p).dataSync()[0]).toBeCloseTo((0.25 + 4 + 1) / 3, 5);
    expect(makeLoss(tf, 'mae')(t, p).dataSync()[0]).toBeCloseTo(3.5 / 3, 5);
    expect(makeLoss(tf, 'huber')(t, p).dataSync()[0]).toBeCloseTo((0.125 + 1.5 + 0.5) / 3, 5);
  });

  it("with quantile heads: the point outputs' loss plus each head's mean pinball loss against the same targets", () => {
    const t = tf.tensor2d([[1, 2]]);
    // point [1.5, 1], head 0.1 [0, 3], head 0.9 [2, 2]
    const p = tf.tensor2d([[1.5, 1, 0, 3, 2, 2]]);
    const loss = makeLoss(tf, 'mse', { outputs: 2, taus: [0.1, 0.9] });
    // mse (0.25 + 1) / 2; tau 0.1: u = y - q = 1, -1 -> 0.1, 0.9; tau 0.9: u = -1, 0 -> 0.1, 0
    expect(loss(t, p).dataSync()[0]).toBeCloseTo(0.625 + (0.1 + 0.9) / 2 + (0.1 + 0) / 2, 6);
    // the gradient of a head's pinball loss: -tau / n below the target, (1 - tau) / n above it
    const g = tf
      .grad((q: Tensor) => loss(t, q))(p)
      .dataSync();
    expect(Array.from(g).map((v) => Number(v.toFixed(6)))).toEqual([0.5, -1, -0.05, 0.45, 0.05, -0.45]);
    // without heads, the loss is the point loss alone
    expect(makeLoss(tf, 'mse', { outputs: 2, taus: [] })(t, tf.tensor2d([[1.5, 1]])).dataSync()[0]).toBeCloseTo(0.625, 6);
  });
});

describe('trainModel', () => {
  it('learns a sine wave', async () => {
    const m = buildModel(tf, spec);
    const r = await trainModel(tf, m, sineWindows(96), cfg);
    expect(r.history).toHaveLength(30);
    expect(r.bestEpoch).toBe(30);
    expect(r.stoppedEarly).toBe(false);
    const first = r.history[0].loss;
    const last = r.history[29].loss;
    expect(last).toBeLessThan(first / 3);
    r.history.forEach((e) => expect(e.gradNorm).toBeGreaterThan(0));
  });

  it('clips by global norm: one sgd step moves the weights by exactly lr * clip_norm', async () => {
    const m = buildModel(tf, spec);
    const before = flatWeights(m);
    const clip = 1e-3;
    const r = await trainModel(tf, m, sineWindows(32), {
      ...cfg,
      optimizer: 'sgd',
      learning_rate: 1,
      batch_size: 32,
      epochs: 1,
      clip_norm: clip,
    });
    const moved = globalNorm(flatWeights(m), before);
    expect(r.history[0].gradNorm).toBeGreaterThan(clip * 10); // pre-clip norm is recorded
    expect(moved).toBeLessThanOrEqual(clip * 1.01);
    expect(moved).toBeGreaterThan(clip * 0.99);
    // without clipping the same step is much larger
    const m2 = buildModel(tf, spec);
    await trainModel(tf, m2, sineWindows(32), { ...cfg, optimizer: 'sgd', learning_rate: 1, batch_size: 32, epochs: 1 });
    expect(globalNorm(flatWeights(m2), before)).toBeCloseTo(r.history[0].gradNorm, 3);
  });

  it('early stopping restores the best weights', async () => {
    const m = buildModel(tf, spec);
    const train = sineWindows(48);
    const val = sineWindows(16, 100);
    const data = { ...train, xVal: val.x, yVal: val.y, nVal: 16 };
    // min_delta huge → nothing after epoch 1 counts as improvement
    const r = await trainModel(tf, m, data, { ...cfg, epochs: 20, early_stopping: { patience: 3, min_delta: 1e9 } });
    expect(r.stoppedEarly).toBe(true);
    expect(r.history).toHaveLength(4);
    expect(r.bestEpoch).toBe(1);
    const xv = tf.tensor(val.x, [16, LOOKBACK, 1]);
    const yv = tf.tensor(val.y, [16, 1]);
    const now = evaluateLoss(tf, m, xv, yv, makeLoss(tf, 'mse'));
    expect(now).toBeCloseTo(r.history[0].valLoss!, 6);
    expect(Math.abs(r.history[3].valLoss! - r.history[0].valLoss!)).toBeGreaterThan(1e-4);

    // ordinary settings: restored val loss equals the minimum recorded
    const m2 = buildModel(tf, spec);
    const r2 = await trainModel(tf, m2, data, {
      ...cfg,
      learning_rate: 0.2,
      epochs: 15,
      early_stopping: { patience: 4, min_delta: 0 },
    });
    const vals = r2.history.map((e) => e.valLoss!);
    const min = Math.min(...vals);
    expect(vals[r2.bestEpoch - 1]).toBe(min);
    expect(evaluateLoss(tf, m2, xv, yv, makeLoss(tf, 'mse'))).toBeCloseTo(min, 6);
    tf.dispose([xv, yv]);
  });

  it('keepInitial counts the starting weights as epoch 0 of early stopping', async () => {
    const m = buildModel(tf, spec);
    const start = flatWeights(m);
    const train = sineWindows(48);
    const val = sineWindows(16, 100);
    const data = { ...train, xVal: val.x, yVal: val.y, nVal: 16 };
    // min_delta huge → no epoch beats the start: the starting weights come back, best epoch 0
    const r = await trainModel(tf, m, data, { ...cfg, epochs: 5, early_stopping: { patience: 2, min_delta: 1e9 } }, { keepInitial: true });
    expect(r.bestEpoch).toBe(0);
    expect(r.history).toHaveLength(2);
    expect(globalNorm(flatWeights(m), start)).toBe(0);
    // ordinary settings: training that helps is kept
    const m2 = buildModel(tf, spec);
    const r2 = await trainModel(tf, m2, data, { ...cfg, epochs: 6, early_stopping: { patience: 3, min_delta: 0 } }, { keepInitial: true });
    expect(r2.bestEpoch).toBeGreaterThan(0);
    // no validation data: nothing can show training helps, so no epoch runs and the start stays
    const m3 = buildModel(tf, spec);
    const start3 = flatWeights(m3);
    const r3 = await trainModel(tf, m3, train, { ...cfg, epochs: 4 }, { keepInitial: true });
    expect(r3.history).toHaveLength(0);
    expect(r3.bestEpoch).toBe(0);
    expect(globalNorm(flatWeights(m3), start3)).toBe(0);
  });

  it('is deterministic for a seed (with dropout)', async () => {
    const run = async (seed: number) => {
      const m = buildModel(tf, { ...spec, layers: [{ units: 4 }, { units: 4 }], dropout: 0.3 });
      await trainModel(tf, m, sineWindows(40), { ...cfg, epochs: 2, batch_size: 8, seed });
      const bytes = Buffer.concat(flatWeights(m).map((a) => Buffer.from(a.buffer)));
      m.dispose();
      return bytes;
    };
    const a = await run(3);
    const b = await run(3);
    const c = await run(4);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('dropout is on for training, off for prediction', () => {
    const m = buildModel(tf, { ...spec, dropout: 0.5, dense: [{ units: 8 }] });
    const x = tf.randomNormal([4, LOOKBACK, 1], 0, 1, 'float32', 1);
    const p1 = (m.predict(x) as Tensor).dataSync();
    const p2 = (m.predict(x) as Tensor).dataSync();
    const t1 = (m.apply(x, { training: true }) as Tensor).dataSync();
    expect(Array.from(p1)).toEqual(Array.from(p2));
    expect(Array.from(t1)).not.toEqual(Array.from(p1));
  });

  it('does not leak tensors', async () => {
    const m = buildModel(tf, spec);
    const train = sineWindows(40);
    const val = sineWindows(10, 50);
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    for (const optimizer of ['adam', 'rmsprop', 'sgd'] as const) {
      counts.length = 0;
      await trainModel(
        tf,
        m,
        { ...train, xVal: val.x, yVal: val.y, nVal: 10 },
        { ...cfg, optimizer, epochs: 5, clip_norm: 1, loss: 'huber', early_stopping: { patience: 10, min_delta: 0 } },
        { onEpoch: () => counts.push(tf.memory().numTensors) },
      );
      // epoch 1 reports before the first best-weights snapshot exists; from then on the count is flat
      expect(new Set(counts.slice(1)).size).toBe(1);
      expect(counts).toHaveLength(5);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('shouldStop interrupts between batches without leaking', async () => {
    const m = buildModel(tf, spec);
    const before = tf.memory().numTensors;
    let calls = 0;
    await expect(trainModel(tf, m, sineWindows(40), { ...cfg, batch_size: 8 }, { shouldStop: () => ++calls > 3 })).rejects.toBeInstanceOf(InterruptError);
    expect(calls).toBe(4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains a sequence-output model', async () => {
    const m = buildModel(tf, { ...spec, cell: 'gru', sequenceOutput: true });
    const n = 12;
    const x = new Float32Array(n * LOOKBACK).map((_, i) => Math.sin(i * 0.2));
    const y = new Float32Array(n * LOOKBACK).map((_, i) => Math.sin((i + 1) * 0.2));
    const r = await trainModel(tf, m, { x, y, xShape: [n, LOOKBACK, 1], yShape: [n, LOOKBACK, 1] }, { ...cfg, epochs: 3 });
    expect(r.history).toHaveLength(3);
    expect(Number.isFinite(r.history[2].loss)).toBe(true);
  });
});

describe('progress', () => {
  const fake = (columns?: number) => {
    const chunks: string[] = [];
    return {
      chunks,
      stream: {
        columns,
        write: (s: string) => {
          chunks.push(s);
          return true;
        },
      } as unknown as NodeJS.WriteStream,
    };
  };
  const e = (epoch: number): EpochInfo => ({ epoch, loss: 0.0123, valLoss: 0.0156, gradNorm: 1, seconds: 2 });

  it('draws a bar on a TTY', () => {
    const { chunks, stream } = fake();
    const p = makeProgress({ epochs: 200, tty: true, quiet: false, stream });
    p.onEpoch(e(12));
    p.done();
    // the time left is an upper bound: early stopping may end training sooner
    expect(chunks[0]).toBe(`\repoch  12/200 [=>${' '.repeat(18)}] loss 0.0123 val 0.0156 at most 0:31 left\x1b[K`);
    expect(chunks[1]).toBe('\n');
  });
  it('fits the terminal: a narrower bar, then none, then the line cut, never wrapped', () => {
    const line = (columns: number) => {
      const { chunks, stream } = fake(columns);
      makeProgress({ epochs: 200, tty: true, quiet: false, stream }).onEpoch(e(100));
      // each redraw: a carriage return, the line, and erase-to-end-of-line
      expect(chunks[0].startsWith('\r') && chunks[0].endsWith('\x1b[K')).toBe(true);
      return chunks[0].slice(1, -3);
    };
    // 2 s over 100 epochs: 0:02 left at most; head 13 + tail 41 + ' []' 3 = 57 columns besides the bar
    expect(line(80)).toMatch(/\[={10}>?={0,9}\s*\]/);
    expect(line(80).length).toBeLessThan(80);
    expect(line(70)).toBe('epoch 100/200 [======>     ] loss 0.0123 val 0.0156 at most 0:02 left');
    expect(line(60)).toBe('epoch 100/200 loss 0.0123 val 0.0156 at most 0:02 left');
    expect(line(30)).toBe('epoch 100/200 loss 0.0123 val');
    for (const c of [20, 30, 45, 60, 66, 70, 80, 200]) expect(line(c).length).toBeLessThan(c);
  });
  it('colours the bar only when asked', () => {
    const { chunks, stream } = fake(100);
    makeProgress({ epochs: 4, tty: true, quiet: false, stream, colour: true }).onEpoch(e(2));
    expect(chunks[0]).toContain('[\x1b[32m==========>         \x1b[0m]');
  });
  it('prints one line per epoch without a TTY', () => {
    const { chunks, stream } = fake();
    const p = makeProgress({ epochs: 3, tty: false, quiet: false, stream });
    p.onEpoch(e(1));
    p.onEpoch({ ...e(2), valLoss: null });
    p.done();
    expect(chunks).toHaveLength(2);
    expect(chunks[0]).toBe('epoch 1/3 loss 0.0123 val 0.0156 (2.00s)\n');
    expect(chunks[1]).toBe('epoch 2/3 loss 0.0123 (2.00s)\n');
  });
  it('is silent when quiet', () => {
    const { chunks, stream } = fake();
    const p = makeProgress({ epochs: 3, tty: true, quiet: true, stream });
    p.onEpoch(e(1));
    p.done();
    expect(chunks).toHaveLength(0);
  });
});

describe('divergence', () => {
  /** The error trainModel rejects with, and the epochs it reported before. */
  async function diverging(over: Partial<TrainingConfig>, data = sineWindows(64)): Promise<{ error: Error; epochs: number[] }> {
    const epochs: number[] = [];
    const m = buildModel(tf, spec);
    try {
      await trainModel(tf, m, data, { ...cfg, epochs: 5, ...over }, { onEpoch: (e) => epochs.push(e.epoch) });
    } catch (e) {
      return { error: e as Error, epochs };
    } finally {
      m.dispose();
    }
    throw new Error('training did not diverge');
  }

  it('a learning rate of 1e300 stops in epoch 1 with a user error naming it', async () => {
    const { error, epochs } = await diverging({ learning_rate: 1e300 });
    expect(error).toBeInstanceOf(DivergedError);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect(error.message).toBe(
      'training diverged in epoch 1: the loss became NaN; use a smaller training.learning_rate (now 1e+300), or clip gradients (training.clip_norm: 1)',
    );
    // no epoch completed: nothing of it is reported or kept
    expect(epochs).toEqual([]);
  });

  it('names the epoch it happened in, and leaves out clipping when it is on', async () => {
    // finite inputs whose loss overflows float32 from the second epoch on: targets of 1e19 squared
    const d = sineWindows(16);
    const e1 = await diverging({ optimizer: 'sgd', learning_rate: 1e30, clip_norm: 1, batch_size: 16 }, d);
    expect(e1.error).toBeInstanceOf(DivergedError);
    expect(e1.error.message).toMatch(/^training diverged in epoch 2: the loss became (NaN|Infinity); use a smaller training\.learning_rate \(now 1e\+30\)$/);
    expect(e1.epochs).toEqual([1]);
  });

  it('a finite loss that overflows (targets near the float32 limit) is a divergence too', async () => {
    const d = sineWindows(16);
    d.y.fill(3e38);
    const { error } = await diverging({}, d);
    expect(error.message).toMatch(/^training diverged in epoch 1: the loss became Infinity;/);
  });
});

describe('windows_per_epoch', () => {
  it('trains each epoch on that many of the shuffled windows: batches per epoch follow it, and the mean loss is over them', async () => {
    const batches = async (windows_per_epoch: number) => {
      let calls = 0;
      const m = buildModel(tf, spec);
      const r = await trainModel(
        tf,
        m,
        sineWindows(96),
        { ...cfg, epochs: 2, windows_per_epoch },
        {
          shouldStop: () => {
            calls++;
            return false;
          },
        },
      );
      m.dispose();
      return { calls, history: r.history };
    };
    // shouldStop is asked once per batch: 96 windows in batches of 16 is 6 a epoch; 20 windows, 2 (16 + 4)
    expect((await batches(0)).calls).toBe(12);
    expect((await batches(20)).calls).toBe(4);
    // more than there are: all of them, exactly as 0
    expect((await batches(500)).history).toEqual((await batches(0)).history.map((h) => ({ ...h, seconds: expect.any(Number) })));
  });
});

describe('an encoder-decoder (window.mode many-to-many)', () => {
  const L = 6;
  const H = 3;
  /** sine windows as encoder-decoder windows: [value, ahead] per step, the decoder fed the actual previous values */
  function sineSeq2Seq(n: number) {
    const x = new Float32Array(n * L);
    const y = new Float32Array(n * H);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < L; j++) x[i * L + j] = Math.sin((i + j) * 0.3);
      for (let h = 0; h < H; h++) y[i * H + h] = Math.sin((i + L + h) * 0.3);
    }
    return { x: encoderDecoderWindows(x, y, { n, lookback: L, features: 1, horizon: H, targetPos: 0 }), y, xShape: [n, L + H, 2], yShape: [n, H] };
  }
  const edSpec: ModelSpec = { ...spec, steps: L + H, features: 2, outputs: H, decoder: { lookback: L, horizon: H }, fused: true };
  const decoder = { lookback: L, horizon: H, targetPos: 0, teacherForcing: [1, 0] as const };

  it('teacher forcing falls linearly from the first epoch to the last', () => {
    expect(teacherRatio([1, 0], 1, 5)).toBe(1);
    expect(teacherRatio([1, 0], 2, 5)).toBe(0.75);
    expect(teacherRatio([1, 0], 5, 5)).toBe(0);
    expect(teacherRatio([0.8, 0.2], 3, 5)).toBeCloseTo(0.5, 12);
    expect(teacherRatio([1, 0.5], 1, 1)).toBe(0.5);
  });

  it('scheduled sampling: probability 1 keeps the actual values, 0 feeds every later decoder step its own forecast of the step before', () => {
    const m = buildModel(tf, edSpec);
    const d = sineSeq2Seq(4);
    const kept = Float32Array.from(d.x);
    mixOwnForecasts(tf, m, kept, 4, [L + H, 2], decoder, 1, mulberry32(1));
    expect(kept).toEqual(d.x);
    const mixed = Float32Array.from(d.x);
    mixOwnForecasts(tf, m, mixed, 4, [L + H, 2], decoder, 0, mulberry32(1));
    const own = tf.tidy(() => (m.predict(tf.tensor3d(d.x, [4, L + H, 2])) as Tensor).dataSync());
    for (let i = 0; i < 4; i++) {
      const at = (h: number) => (i * (L + H) + L + h) * 2;
      // step 0 keeps the last actual value, the ahead inputs are untouched
      expect(mixed[at(0)]).toBe(d.x[at(0)]);
      for (let h = 1; h < H; h++) {
        expect(mixed[at(h)]).toBe(own[i * H + h - 1]);
        expect(mixed[at(h) + 1]).toBe(d.x[at(h) + 1]);
      }
    }
    m.dispose();
  });

  it('learns a sine wave, validates on free-running forecasts, and reruns to the same weights', async () => {
    const run = async () => {
      const m = buildModel(tf, edSpec);
      const d = sineSeq2Seq(80);
      const v = sineSeq2Seq(20);
      const data = { ...d, xVal: v.x, yVal: v.y, nVal: 20 };
      const res = await trainModel(tf, m, data, { ...cfg, epochs: 40 }, { decoder });
      // the validation loss is the free-running forecasts' (decodeFreely), not the teacher-forced pass's
      const free = decodeFreely(
        (x, n, steps, f) => tf.tidy(() => (m.predict(tf.tensor3d(x, [n, steps, f])) as Tensor).dataSync() as Float32Array),
        Float32Array.from(v.x),
        { n: 20, lookback: L, horizon: H, features: 2, targetPos: 0 },
      );
      let mse = 0;
      for (let i = 0; i < free.length; i++) mse += (free[i] - v.y[i]) ** 2;
      expect(res.history.at(-1)!.valLoss).toBeCloseTo(mse / free.length, 5);
      const weights = m.getWeights().map((w) => Array.from(w.dataSync()));
      m.dispose();
      return { res, weights };
    };
    const a = await run();
    expect(a.res.history[0].loss).toBeGreaterThan(0.05);
    expect(a.res.history.at(-1)!.valLoss!).toBeLessThan(0.02);
    const b = await run();
    expect(b.weights).toEqual(a.weights);
  });
});
