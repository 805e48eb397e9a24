import type { Tensor } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainingConfig } from '../../src/config/types.js';
import type { FlowProbe, Slot } from '../../src/kernels/state.js';
import { setThreads } from '../../src/kernels/threads.js';
import { loadBackend, type Tf } from '../../src/model/backend.js';
import { buildModel, type ModelSpec } from '../../src/model/build.js';
import { fusedRnn } from '../../src/model/fused/index.js';
import { type EpochFlow, flowVerdict, reachOf, VANISH_FRACTION } from '../../src/train/gradient-flow.js';
import { trainModel } from '../../src/train/loop.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadBackend('cpu'));
});

const cfg: TrainingConfig = {
  optimizer: 'adam',
  learning_rate: 0.01,
  batch_size: 16,
  epochs: 3,
  loss: 'mse',
  clip_norm: 0,
  early_stopping: null,
  validation_size: 0,
  seed: 42,
  threads: 1,
  ensemble: 1,
  windows_per_epoch: 0,
};

describe('reach of the training signal', () => {
  it('counts the steps back from the last over which the norms stay at or above the fraction of their largest', () => {
    // 1, 1/2, 1/4, ... from the last step back: 0.5^6 = 0.0156 >= 0.01 > 0.5^7
    const halving = Array.from({ length: 20 }, (_, t) => 0.5 ** (19 - t));
    expect(reachOf(halving)).toBe(7);
    expect(reachOf(halving, 0.3)).toBe(2); // 1, 0.5 stay; 0.25 < 0.3
    expect(reachOf([3, 3, 3])).toBe(3);
    expect(reachOf([0, 0])).toBe(0);
    // the largest need not be the last: a rise towards the middle, then the fall
    expect(reachOf([0.001, 1, 0.5])).toBe(2);
  });
});

describe('the verdict', () => {
  const epoch = (steps: number[][], clipped = 0): EpochFlow => ({ groupNorms: [1], clipped, steps });
  const opts = { sequenceOutput: false, cell: 'rnn', clipNorm: 0, learningRate: 0.001 };
  const halving = Array.from({ length: 30 }, (_, t) => 0.5 ** (29 - t));

  it('vanishing when the signal falls below the fraction within the window, with LSTM/GRU and a shorter lookback to try', () => {
    const f = flowVerdict([{ flow: epoch([halving]), gradNorm: 1 }], ['simplernn1'], opts)!;
    expect(f.verdict).toBe('vanishing');
    expect(f.reach).toEqual([{ layer: 'simplernn1', steps: 7, of: 30 }]);
    expect(f.reason).toMatch(/falls below 1% of its largest value 7 steps back from the last of 30: the window's first 23 steps hardly train/);
    expect(f.advice.join('\n')).toMatch(/cell lstm or gru/);
    expect(f.advice.join('\n')).toMatch(/shorter window.lookback \(about 7 steps/);
    // an LSTM gets the lookback advice only
    expect(flowVerdict([{ flow: epoch([halving]), gradNorm: 1 }], ['lstm1'], { ...opts, cell: 'lstm' })!.advice).toHaveLength(1);
    // beside a linear path, which reads the whole window, the reach is said and the lookback left alone
    const linear = flowVerdict([{ flow: epoch([halving]), gradNorm: 1 }], ['lstm1'], { ...opts, cell: 'lstm', linear: true })!;
    expect(linear.verdict).toBe('vanishing');
    expect(linear.reason).toMatch(/the network's correction learns from the window's last 7 steps \(the linear path reads all 30\)$/);
    expect(linear.advice).toEqual([]);
  });

  it('healthy when the signal reaches the whole window; one-to-one reach is reported, not judged', () => {
    const flat = Array.from({ length: 30 }, () => 1);
    expect(flowVerdict([{ flow: epoch([flat]), gradNorm: 1 }], ['lstm1'], opts)!.verdict).toBe('healthy');
    const o2o = flowVerdict([{ flow: epoch([halving]), gradNorm: 1 }], ['lstm1'], { ...opts, sequenceOutput: true })!;
    expect(o2o.verdict).toBe('healthy');
    expect(o2o.reach[0].steps).toBe(7);
  });

  it('exploding when clipping engaged on more than half of the batches, or the norm grew for five epochs to over ten times', () => {
    const flat = [Array.from({ length: 10 }, () => 1)];
    const clipped = flowVerdict(
      [0.9, 0.4].map((c) => ({ flow: epoch(flat, c), gradNorm: 1 })),
      ['lstm1'],
      { ...opts, clipNorm: 1 },
    )!;
    expect(clipped.verdict).toBe('exploding');
    expect(clipped.clipped).toBeCloseTo(0.65, 12);
    expect(clipped.advice).toEqual(['a lower training.learning_rate (now 0.001)']);
    const norms = [1, 1, 2, 4, 8, 16, 32];
    const growing = flowVerdict(
      norms.map((g) => ({ flow: epoch(flat), gradNorm: g })),
      ['lstm1'],
      opts,
    )!;
    expect(growing.verdict).toBe('exploding');
    expect(growing.reason).toMatch(/grew in each of the last 5 epochs, to 32.0 times/);
    expect(growing.advice).toContain('clip gradients: training.clip_norm: 1');
    // growth that is not uninterrupted, or not tenfold, is not exploding
    for (const ns of [
      [1, 2, 4, 3, 8, 16, 32],
      [1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6],
    ])
      expect(
        flowVerdict(
          ns.map((g) => ({ flow: epoch(flat), gradNorm: g })),
          ['lstm1'],
          opts,
        )!.verdict,
      ).toBe('healthy');
  });
});

describe('measured on the kernels', () => {
  it('a vanilla RNN with recurrent weights 0.5 I and a zero state: dL/dh_t halves at every step back, exactly', () => {
    for (const threads of [1, 2]) {
      setThreads(threads);
      tf.tidy(() => {
        const [B, T, I, H] = [24, 20, 3, 5];
        // zero input weights and bias: h_t = tanh(0) = 0, whose derivative is 1, so dL/dh_{t-1} = 0.5 dL/dh_t
        const x = tf.randomUniform([B, T, I], -1, 1, 'float32', 1);
        const W = tf.zeros([I, H]);
        const U = tf.mul(tf.eye(H), 0.5);
        const b = tf.zeros([H]);
        const wOut = tf.randomUniform([B, H], -1, 1, 'float32', 2);
        const probe: FlowProbe = { sums: null, passes: 0 };
        const slot: Slot = { state: null, flow: probe };
        tf.grads((xx: Tensor) => tf.sum(tf.mul(fusedRnn(tf, 'rnn', xx, W, U, b, false, slot), wOut)) as any)([x]);
        expect(probe.passes).toBe(1);
        const n = probe.sums!;
        expect(n).toHaveLength(T);
        // the last step: the output's gradient, root-mean-square over the batch
        const w = wOut.dataSync();
        let ss = 0;
        for (const v of w) ss += v * v;
        expect(n[T - 1]).toBeCloseTo(Math.sqrt(ss / B), 6);
        for (let t = 0; t < T - 1; t++) expect(n[t] / n[t + 1], `step ${t}`).toBeCloseTo(0.5, 12);
      });
    }
    setThreads(1);
  });

  it('training records each weight group, the clipping, the flow per layer and step, and the verdict for that case', async () => {
    const T = 20;
    const spec: ModelSpec = {
      cell: 'rnn',
      layers: [{ units: 4 }],
      dropout: 0,
      dense: [],
      steps: T,
      features: 1,
      outputs: 1,
      sequenceOutput: false,
      seed: 3,
      fused: true,
    };
    const model = buildModel(tf, spec);
    // the textbook weights: no input, recurrent 0.5 I, no bias; the head reads h_T
    const [k, , bias, dk, db] = model.getWeights();
    model.setWeights([tf.zerosLike(k), tf.mul(tf.eye(4), 0.5), tf.zerosLike(bias), tf.onesLike(dk), tf.zerosLike(db)]);
    const n = 32;
    const x = Float32Array.from({ length: n * T }, (_, i) => Math.sin(i));
    const y = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
    // sgd with a tiny rate: the weights stay the textbook ones while the gradient is measured
    const r = await trainModel(
      tf,
      model,
      { x, y, xShape: [n, T, 1], yShape: [n, 1] },
      { ...cfg, optimizer: 'sgd', learning_rate: 1e-9, clip_norm: 1e-6, batch_size: n, epochs: 2 },
    );
    expect(r.groups).toEqual(['simplernn1/kernel', 'simplernn1/recurrent_kernel', 'simplernn1/bias', 'dense1/kernel', 'dense1/bias']);
    expect(r.flowLayers).toEqual(['simplernn1']);
    for (const e of r.history) {
      const f = e.flow!;
      // one batch an epoch: the groups' norms make up the global norm
      expect(Math.hypot(...f.groupNorms)).toBeCloseTo(e.gradNorm, 5);
      expect(f.clipped).toBe(1);
      const steps = f.steps[0];
      for (let t = 0; t < T - 1; t++) expect(steps[t] / steps[t + 1]).toBeCloseTo(0.5, 6);
    }
    const v = flowVerdict(
      r.history.map((e) => ({ flow: e.flow!, gradNorm: e.gradNorm })),
      r.flowLayers,
      { sequenceOutput: false, cell: 'rnn', clipNorm: 1e-6, learningRate: 1e-9 },
    )!;
    // clipped on every batch: exploding comes first; without clipping, vanishing at 7 steps (0.5^7 < 1%)
    expect(v.verdict).toBe('exploding');
    const unclipped = flowVerdict(
      r.history.map((e) => ({ flow: { ...e.flow!, clipped: 0 }, gradNorm: e.gradNorm })),
      r.flowLayers,
      { sequenceOutput: false, cell: 'rnn', clipNorm: 0, learningRate: 1e-9 },
    )!;
    expect(unclipped.verdict).toBe('vanishing');
    expect(unclipped.reach).toEqual([{ layer: 'simplernn1', steps: 7, of: T }]);
    expect(VANISH_FRACTION).toBe(0.01);
    model.dispose();
  });

  it('measures nothing with training.gradient_flow: false', async () => {
    const spec: ModelSpec = {
      cell: 'lstm',
      layers: [{ units: 3 }],
      dropout: 0,
      dense: [],
      steps: 5,
      features: 1,
      outputs: 1,
      sequenceOutput: false,
      seed: 1,
      fused: true,
    };
    const model = buildModel(tf, spec);
    const x = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i));
    const y = Float32Array.from({ length: 8 }, (_, i) => Math.cos(i));
    const r = await trainModel(tf, model, { x, y, xShape: [8, 5, 1], yShape: [8, 1] }, { ...cfg, gradient_flow: false });
    expect(r.history.every((e) => e.flow === undefined)).toBe(true);
    // and the layers keep no probe
    for (const l of model.layers) expect((l as unknown as { slot?: Slot }).slot?.flow).toBeUndefined();
    model.dispose();
  });
});
