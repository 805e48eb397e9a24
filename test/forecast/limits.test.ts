import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { ConfigError } from '../../src/errors.js';
import { prepareFit } from '../../src/forecast/fit.js';
import {
  BASE_BYTES,
  checkMemory,
  checkSizesAgainstRows,
  checkSizesAgainstSplit,
  estimateFitMemory,
  estimateKernelMemory,
  formatBytes,
  KERNEL_MEMORY_BYTES,
  limitsFor,
  parseSize,
  weightGroups,
  windowCounts,
} from '../../src/forecast/limits.js';
import { loadBackend, type Tf } from '../../src/model/backend.js';
import { buildModel } from '../../src/model/build.js';
import { trainingWindows } from '../../src/windows/training-windows.js';
import { monthlySeries, valuesOf } from '../series.js';
import { thrown } from '../thrown.js';

const GiB = 1024 ** 3;
const monthly = (n: number) => monthlySeries({ value: valuesOf(n, (i) => 100 + i + 10 * Math.sin((2 * Math.PI * i) / 12)) });

const config = (over: Record<string, unknown> = {}) =>
  resolveConfig(
    {
      data: { path: 'synthetic.csv', target: 'value' },
      window: { lookback: 12, horizon: 6 },
      model: { cell: 'lstm', layers: [{ units: 4 }] },
      training: { epochs: 3, batch_size: 16, validation_size: 6 },
      ...over,
    },
    { file: '(test)' },
  );

const refusal = (fn: () => unknown) => thrown(fn, ConfigError).message;

describe('estimateFitMemory', () => {
  it('matches a case computed by hand, part by part', () => {
    // 60 monthly rows, one column; transforms [scale]; lookback 12, horizon 6 (direct: 6 outputs);
    // validation 6 and test 6 rows: training rows [0, 48), validation [48, 54)
    const cfg = config();
    const est = estimateFitMemory(cfg, { rows: 60, columns: 1, split: { trainEnd: 48, valEnd: 54, n: 60 } });
    const part = Object.fromEntries(est.parts.map((p) => [p.name, p.bytes]));
    // columns: 8 bytes * 60 rows * 1 column * (1 transform + 3 copies)
    expect(part.columns).toBe(1920);
    // windows: training starts 0..30 (31; s + 18 <= 48), validation start 36 only (targets 48..53):
    // 32 windows of 12 inputs + 6 targets, 4 bytes, twice
    expect(part.windows).toBe(4 * 2 * 32 * 18);
    expect(part.windows).toBe(4608);
    // weights: LSTM 4 gates * 4 units * (1 input + 4 recurrent + 1 bias) = 96, head 4 * 6 + 6 = 30;
    // 126 weights, 4 bytes, six copies
    expect(part.weights).toBe(3024);
    // activations: batch 16, so 32 rows in flight (one validation window is fewer); per row
    // 12 steps * (1 input + (4 gates + 3) * 4 units) = 348 floats
    expect(part.activations).toBe(4 * 32 * 348);
    expect(part.activations).toBe(44544);
    expect(part.base).toBe(BASE_BYTES);
    expect(part.ensemble).toBeUndefined();
    expect(part['linear path']).toBeUndefined();
    // history: 3 epochs of 64 bytes and the gradient flow: 8 bytes * (5 weight groups: the LSTM's
    // kernel, recurrent kernel and bias, the head's kernel and bias; 12 steps * 1 layer) and 64
    // bytes for each of its 3 arrays (groups, steps, layer 1's steps)
    expect(part.history).toBe(3 * (64 + 8 * (5 + 12) + 64 * 3));
    expect(part.history).toBe(1176);
    expect(est.bytes).toBe(268435456 + 1920 + 4608 + 3024 + 44544 + 1176);
    expect(est.bytes).toBe(268490728);
    // without the gradient flow: 64 bytes an epoch
    const off = estimateFitMemory(config({ training: { epochs: 3, batch_size: 16, validation_size: 6, gradient_flow: false } }), {
      rows: 60,
      columns: 1,
      split: { trainEnd: 48, valEnd: 54, n: 60 },
    });
    expect(off.parts.find((p) => p.name === 'history')!.bytes).toBe(192);
  });

  it('counts an ensemble, a linear path and the validation chunk when they are there', () => {
    const cfg = config({
      model: { cell: 'gru', layers: [{ units: 2 }], linear: true },
      training: { epochs: 1, batch_size: 1, validation_size: 6, ensemble: 3 },
    });
    const est = estimateFitMemory(cfg, { rows: 60, columns: 1, split: { trainEnd: 48, valEnd: 54, n: 60 } });
    const part = Object.fromEntries(est.parts.map((p) => [p.name, p.bytes]));
    // weights: GRU 3 * 2 * (1 + 2 + 1) = 24, head 2 * 6 + 6 = 18, linear path 12 * 6 + 6 = 78: 120
    expect(part.weights).toBe(4 * 6 * 120);
    // the two other members' saved models
    expect(part.ensemble).toBe(4 * 2 * 120);
    // ridge over p = 13 inputs: 31 rows, two 13 x 13 matrices, 13 x 6 right-hand sides
    expect(part['linear path']).toBe(8 * (31 * 13 + 2 * 169 + 13 * 6));
    // batch 1: 2 rows in flight; 12 steps * (1 + 6 * 2)
    expect(part.activations).toBe(4 * 2 * 12 * 13);
    // 1 epoch * 3 members, each epoch 64 bytes and the flow of 3 + 2 weight groups and 12 steps
    expect(part.history).toBe(3 * (64 + 8 * (5 + 12) + 64 * 3));
  });
});

describe('checkMemory', () => {
  const split = { trainEnd: 120, valEnd: 132, n: 144 };
  const shape = { rows: 144, columns: 1, split };

  it('refuses 100000 LSTM units with the estimate, the limit and the setting to change', () => {
    const cfg = config({ model: { layers: [{ units: 100000 }] }, window: { lookback: 24, horizon: 12 }, training: { validation_size: 12 } });
    // 4 * 100000 * (1 + 100000 + 1) + (100000 * 12 + 12) weights, 24 bytes each
    const weights = 4 * 100000 * 100002 + 1200012;
    expect(estimateFitMemory(cfg, shape).parts.find((p) => p.name === 'weights')?.bytes).toBe(24 * weights);
    const msg = refusal(() => checkMemory(cfg, shape, limitsFor(16 * GiB)));
    expect(msg).toMatch(/^the fit would need about 898 GiB of memory, more than its limit of 8\.00 GiB \(half of this machine's 16\.0 GiB\)/);
    expect(msg).toMatch(
      /\n {2}model\.layers\[0\]\.units: 100000 units make 40\.0 billion of the model's 40\.0 billion weights.*: about 894 GiB; use fewer units$/,
    );
    // the same config under a limit above its estimate passes
    expect(() => checkMemory(cfg, shape, { memory: 1024 * GiB, source: 'test' })).not.toThrow();
  });

  it('names the largest part: dense units, the ensemble, the epochs, the batch', () => {
    const lim = limitsFor(16 * GiB);
    expect(refusal(() => checkMemory(config({ model: { dense: [1e9] } }), shape, lim))).toMatch(
      /model\.dense\[0\]\.units: 1000000000 units make 33\.0 billion of the model's 39\.0 billion weights/,
    );
    expect(refusal(() => checkMemory(config({ training: { ensemble: 1e8 } }), shape, lim))).toMatch(
      /training\.ensemble: a history of 100 epochs × 100 million members: about 3\.57 TiB; use fewer members$/,
    );
    expect(refusal(() => checkMemory(config({ training: { ensemble: 1e8, epochs: 1 } }), shape, lim))).toMatch(
      /training\.ensemble: 100000000 members keep 126 saved weights each: about 46.9 GiB; use fewer members$/,
    );
    expect(refusal(() => checkMemory(config({ training: { epochs: 1e9 } }), shape, lim))).toMatch(/training\.epochs: a history of 1\.00 billion epochs/);
    expect(refusal(() => checkMemory(config({ model: { layers: [{ units: 1e9 }] } }), shape, lim))).toMatch(
      /^the fit would need about 9\.60e\+19 bytes of memory.*\n {2}model\.layers\[0\]\.units: 1000000000 units make 4\.00e\+18 of the model's 4\.00e\+18 weights/,
    );
    const wide = config({ model: { layers: [{ units: 2000 }] }, training: { batch_size: 100000 }, window: { lookback: 100, horizon: 6 } });
    const big = { rows: 1e6, columns: 1, split: { trainEnd: 999988, valEnd: 999994, n: 1e6 } };
    expect(refusal(() => checkMemory(wide, big, lim))).toMatch(
      /training\.batch_size: activations of 200000 windows in flight \(batch 100000\) × 100 steps × up to 2000 units/,
    );
  });

  it('limits are half the machine, and sizes read as people write them', () => {
    expect(limitsFor(16 * GiB)).toEqual({ memory: 8 * GiB, source: "half of this machine's 16.0 GiB" });
    expect(formatBytes(512 * 1024)).toBe('512 KiB');
    expect(formatBytes(300 * 1024 ** 2)).toBe('300 MiB');
    expect(formatBytes(11.75 * GiB)).toBe('11.8 GiB');
    expect(formatBytes(1010 * GiB)).toBe('1010 GiB');
    expect(formatBytes(3 * 1024 * GiB)).toBe('3.00 TiB');
    expect(formatBytes(9.6e19)).toBe('9.60e+19 bytes');
    expect(formatBytes(Infinity)).toBe('more than can be counted');
  });
});

describe('estimateKernelMemory', () => {
  const split = { trainEnd: 48, valEnd: 54, n: 60 };
  const shape = { rows: 60, columns: 1, split };
  const partsOf = (cfg: ReturnType<typeof config>, sh = shape) => Object.fromEntries(estimateKernelMemory(cfg, sh).parts.map((p) => [p.name, p.bytes]));

  it('matches a case computed by hand, part by part', () => {
    // LSTM of 4 units on 1 input (G = 16 gate columns), lookback 12, horizon 6, batch 16 of the 31
    // training windows, one thread. Every buffer is 4 bytes a float rounded up to 64 bytes.
    const cfg = config({ training: { epochs: 3, batch_size: 16, validation_size: 6, threads: 1 } });
    const part = partsOf(cfg);
    // Adam: per trained variable 4 floats (weight, gradient, two moments) of ceil(n/16) * 16:
    // kernel 16 -> 256, recurrent kernel 64 -> 1024, bias 16 -> 256, head kernel 24 -> 512, head bias 6 -> 256
    expect(part.adam).toBe(256 + 1024 + 256 + 512 + 256);
    // forward state, B = 16, T = 12: W 16 -> 64, U 64 -> 256, b 16 -> 64, x 192 -> 768,
    // gates 3072 -> 12288, cell states, tanh of them and outputs 768 each -> 3072 * 3
    expect(part.states).toBe(64 + 256 + 64 + 768 + 12288 + 3 * 3072);
    expect(part.states).toBe(22656);
    // backward of the only layer (larger than its forward staging: 192 floats, then the packed
    // weights, 16 + 64 floats): dh 768 -> 3072, dx and staging 192 -> 768 each; one slice of 16
    // rows: dW 16 -> 64, dU 64 -> 256, db 16 -> 64, dA 16 * 16 -> 1024, U^T packed in panels of 8
    // columns (16 rows x 8) -> 512, no W^T (1 input), three [16, 4] buffers 64 -> 256 each, the
    // gradient flow's 12 sums (doubles: 24 floats -> 128 bytes), dA packed (16 x 16) -> 1024
    expect(part.buffers).toBe(3072 + 2 * 768 + (64 + 256 + 64 + 1024 + 512 + 3 * 256 + 128 + 1024));
    expect(part.buffers).toBe(8448);
    expect(estimateKernelMemory(cfg, shape).bytes).toBe(2304 + 22656 + 8448);
    // without the gradient flow, 128 bytes fewer
    expect(partsOf(config({ training: { epochs: 3, batch_size: 16, validation_size: 6, threads: 1, gradient_flow: false } })).buffers).toBe(8320);
  });

  it('the batch, the steps and the units drive the states; the threads the backward buffers', () => {
    const base = partsOf(config({ training: { batch_size: 16, threads: 1 } }));
    // half the batch: half the per-window floats (W, U and b, 384 bytes, stay)
    expect(2 * (partsOf(config({ training: { batch_size: 8, threads: 1 } })).states - 384)).toBe(base.states - 384);
    // twice the steps: twice the per-window floats
    expect(partsOf(config({ window: { lookback: 24, horizon: 6 }, training: { batch_size: 16, threads: 1 } })).states - 384).toBe(2 * (base.states - 384));
    // a stacked model keeps both layers' states for backward
    const two = partsOf(config({ model: { layers: [{ units: 4 }, { units: 4 }] }, training: { batch_size: 16, threads: 1 } }));
    expect(two.states).toBeGreaterThan(2 * base.states - 1000);
    // wide layers and a large batch are split over the threads, each with its own weight gradients
    const wide = (threads: number) =>
      partsOf(config({ model: { layers: [{ units: 256 }] }, training: { batch_size: 64, threads } }), {
        rows: 1000,
        columns: 1,
        split: { trainEnd: 900, valEnd: 950, n: 1000 },
      });
    // two slices of 32 rows instead of one of 64: the second has its own dU and U^T (256 x 1024
    // floats each), dW and db (1024 each; no W^T for 1 input) and gradient-flow sums (12 doubles:
    // 128 bytes); the rows' dA, packed dA and [n, H] buffers are split between them
    expect(wide(2).buffers - wide(1).buffers).toBe(4 * (2 * 256 * 1024 + 2 * 1024) + 128);
    expect(wide(2).states).toBe(wide(1).states);
  });

  it('counts what the kernels hold on each path: a SimpleRNN keeps only its outputs; Adam alone on the tensorflow backends; nothing with SGD', () => {
    const rnn = estimateKernelMemory(config({ model: { cell: 'rnn', layers: [{ units: 4 }] } }), shape);
    // SimpleRNN: kernel 4, recurrent 16, bias 4 (one gate), head 30 -> 256 + 256 + 256 + 512 + 256
    expect(rnn.parts[0]).toMatchObject({ name: 'adam', bytes: 1536 });
    const gru = estimateKernelMemory(config({ model: { cell: 'gru', layers: [{ units: 4 }] } }), shape);
    // the same layer's state as a GRU's but without the T·B·3H gates and T·B·H products (kernels/forward.ts)
    const states = (e: typeof rnn) => e.parts.find((p) => p.name === 'states')!.bytes;
    const { window, training } = config({});
    const lookback = window.lookback;
    // the batch, capped at the 31 training windows (trainEnd 48, lookback 12, horizon 6)
    const B = Math.min(training.batch_size, 31);
    const dropped = Math.ceil((4 * lookback * B * 12) / 64) * 64 + Math.ceil((4 * lookback * B * 4) / 64) * 64;
    const weights = (g: number) => Math.ceil((4 * 1 * g) / 64) * 64 + Math.ceil((4 * 4 * g) / 64) * 64 + Math.ceil((4 * g) / 64) * 64;
    expect(states(gru) - states(rnn)).toBe(dropped + weights(12) - weights(4));
    const native = estimateKernelMemory(config({ backend: 'tensorflow' }), shape);
    expect(native.parts.map((p) => p.name)).toEqual(['adam']);
    expect(
      estimateKernelMemory(config({ model: { cell: 'rnn', layers: [{ units: 4 }] }, training: { optimizer: 'sgd', threads: 1 } }), shape).parts.map(
        (p) => p.name,
      ),
    ).toEqual(['states', 'buffers']);
    expect(estimateKernelMemory(config({ training: { optimizer: 'sgd', threads: 1 } }), shape).parts.map((p) => p.name)).toEqual(['states', 'buffers']);
  });

  it('takes the validation chunk or a one-to-one forecast when they hold more than a training batch', () => {
    const long = { rows: 2000, columns: 1, split: { trainEnd: 1500, valEnd: 1988, n: 2000 } };
    const val = estimateKernelMemory(config({ training: { batch_size: 2, validation_size: 488, threads: 1 } }), long);
    // 488 validation rows give 483 windows (their inputs reach back into the training rows), all evaluated at once
    expect(val.parts.find((p) => p.name === 'states')?.what).toMatch(
      /^the validation loss over 483 windows at once × 12 steps \(window\.lookback\) through model\.layers\[0\] \(4 units\)$/,
    );
    const fc = estimateKernelMemory(
      config({ window: { mode: 'one-to-one', lookback: 300, chunk: 300, horizon: 6 }, training: { batch_size: 1, threads: 1 } }),
      long,
    );
    // a one-to-one forecast warms up over 4 * 300 rows
    expect(fc.parts.map((p) => p.what)).toEqual(['a forecast over 1200 steps through model.layers[0] (4 units)']);
  });
});

describe("checkMemory against the kernels' memory", () => {
  const long = { rows: 21000, columns: 1, split: { trainEnd: 20976, valEnd: 20988, n: 21000 } };
  const batch = config({ window: { lookback: 500, horizon: 1 }, model: { layers: [{ units: 64 }] }, training: { batch_size: 5000, threads: 2 } });
  const roomy = { memory: 1024 * GiB, source: 'test', kernelMemory: KERNEL_MEMORY_BYTES };

  it('refuses a fit under the machine limit whose kernels need more than 4 GiB, naming the sizes', () => {
    expect(estimateFitMemory(batch, long).bytes).toBeLessThan(12 * GiB);
    const msg = refusal(() => checkMemory(batch, long, roomy));
    expect(msg).toMatch(
      /^the WebAssembly kernels \(LSTM\/GRU layers, Adam\) would need about 4\.81 GiB of their memory, which cannot grow past 4\.00 GiB on any machine\n/,
    );
    expect(msg).toMatch(
      /\n {2}training\.batch_size: the forward states of a batch of 5000 windows × 500 steps \(window\.lookback\) through model\.layers\[0\] \(64 units\), kept for backward: about 4\.18 GiB; use a smaller training\.batch_size, a shorter window\.lookback or fewer units$/,
    );
    // a quarter of the batch fits
    const quarter = config({ window: { lookback: 500, horizon: 1 }, model: { layers: [{ units: 64 }] }, training: { batch_size: 1250, threads: 2 } });
    expect(() => checkMemory(quarter, long, roomy)).not.toThrow();
    // without the kernels' maximum in the limits, only the machine's limit applies
    expect(() => checkMemory(batch, long, { memory: 1024 * GiB, source: 'test' })).not.toThrow();
  });

  it('names the weights when Adam and the backward buffers are what is large', () => {
    const wide = config({ window: { lookback: 24, horizon: 12 }, model: { layers: [{ units: 6000 }] }, training: { threads: 2, validation_size: 12 } });
    const msg = refusal(() => checkMemory(wide, { rows: 144, columns: 1, split: { trainEnd: 120, valEnd: 132, n: 144 } }, roomy));
    expect(msg).toMatch(/would need about 4\.98 GiB of their memory/);
    expect(msg).toMatch(
      /model\.layers\[0\]\.units: the backward pass of model\.layers\[0\] \(6000 units\): .* for each of 2 threads \(training\.threads\): about 2\.17 GiB; use fewer units, a smaller training\.batch_size or fewer training\.threads$/,
    );
  });

  it("lists both limits when both are exceeded, and offers to raise only the machine's", () => {
    const cfg = config({ model: { layers: [{ units: 100000 }] }, training: { threads: 2 } });
    const sh = { rows: 144, columns: 1, split: { trainEnd: 120, valEnd: 132, n: 144 } };
    const e = thrown(() => checkMemory(cfg, sh, { ...limitsFor(16 * GiB), kernelMemory: KERNEL_MEMORY_BYTES, raise: 'raise it' }), ConfigError);
    expect(e.problems).toHaveLength(2);
    expect(e.message).toMatch(/^the fit would need about \d+ GiB of memory, more than its limit of 8\.00 GiB/);
    expect(e.problems[1]).toMatch(/\(the WebAssembly kernels .* would need about 1\.31 TiB of their memory, which cannot grow past 4\.00 GiB on any machine\)/);
    expect(e.hint).toBeUndefined();
    // the machine's limit alone: the hint says how to raise it
    const big = config({ training: { epochs: 2e8 } });
    expect(thrown(() => checkMemory(big, sh, { ...limitsFor(16 * GiB), kernelMemory: KERNEL_MEMORY_BYTES, raise: 'raise it' }), ConfigError).hint).toBe(
      'raise it',
    );
  });
});

describe('parseSize', () => {
  it('reads sizes as people write them, in powers of 1024', () => {
    const cases: [string, number | null][] = [
      ['536870912', 536870912],
      ['512M', 512 * 1024 ** 2],
      ['512m', 512 * 1024 ** 2],
      ['8G', 8 * GiB],
      ['8GB', 8 * GiB],
      ['8GiB', 8 * GiB],
      [' 1.5g ', 1.5 * GiB],
      ['2T', 2 * 1024 * GiB],
      ['64K', 65536],
      ['100B', 100],
      ['0.5', null],
      ['0', null],
      ['0G', null],
      ['-1G', null],
      ['8X', null],
      ['8 G B', null],
      ['1e9', null],
      ['G', null],
      ['', null],
      ['8iB', null],
      ['Infinity', null],
    ];
    for (const [text, bytes] of cases) expect(parseSize(text), text).toBe(bytes);
  });
});

describe('weightGroups', () => {
  let tf: Tf;
  beforeAll(async () => {
    ({ tf } = await loadBackend('cpu'));
  });

  // each: model and window settings, features; the weights counted must be the built model's
  const cases: [string, Record<string, unknown>, number][] = [
    ['stacked LSTM with a dense layer, two inputs', { model: { cell: 'lstm', layers: [{ units: 5 }, { units: 3 }], dense: [{ units: 4 }] } }, 2],
    ['GRU', { model: { cell: 'gru', layers: [{ units: 7 }] } }, 1],
    ['SimpleRNN with a dense layer', { model: { cell: 'rnn', layers: [{ units: 3 }], dense: [{ units: 2 }] } }, 1],
    ['linear path', { model: { cell: 'lstm', layers: [{ units: 3 }], linear: true }, window: { lookback: 6, horizon: 3 } }, 1],
    [
      'one-to-one (a dense head on every step)',
      { model: { cell: 'gru', layers: [{ units: 4 }], dense: [{ units: 2 }] }, window: { mode: 'one-to-one', lookback: 6, horizon: 3 } },
      1,
    ],
    ['recursive (one output)', { model: { cell: 'lstm', layers: [{ units: 6 }] }, window: { lookback: 6, horizon: 3, strategy: 'recursive' } }, 1],
  ];
  for (const [name, over, nf] of cases) {
    it(`counts the weights buildModel makes: ${name}`, () => {
      const features = nf === 1 ? ['value'] : ['value', 'temp'];
      const cfg = config({ ...over, data: { path: 'x.csv', target: 'value', features } });
      const w = cfg.window;
      const outputs = w.mode === 'many-to-one' && w.strategy === 'direct' ? w.horizon : 1;
      for (const fused of [true, false]) {
        const model = buildModel(tf, {
          cell: cfg.model.cell,
          layers: cfg.model.layers,
          dropout: 0,
          dense: cfg.model.dense,
          steps: w.mode === 'one-to-one' ? null : w.lookback,
          linear: cfg.model.linear,
          features: nf,
          outputs,
          sequenceOutput: w.mode === 'one-to-one',
          seed: 1,
          fused,
        });
        expect(weightGroups(cfg, outputs).reduce((a, g) => a + g.count, 0)).toBe(model.countParams());
        model.dispose();
      }
    });
  }
});

describe('windowCounts', () => {
  it('counts the windows trainingWindows cuts, for every mode and split', () => {
    const col = valuesOf(80, (i) => i);
    let checked = 0;
    for (const mode of ['many-to-one', 'one-to-one'] as const)
      for (const lookback of [1, 3, 7])
        for (const outputs of mode === 'one-to-one' ? [1] : [1, 4])
          for (const start of [0, 2])
            for (const [trainEnd, valEnd] of [
              [20, 20],
              [20, 26],
              [40, 41],
              [9, 15],
            ]) {
              const w = { mode, lookback, chunk: lookback, normalize: 'none' as const };
              const tw = trainingWindows([col], col, 0, { window: w, outputs, start, trainEnd, valEnd });
              expect(windowCounts(w, outputs, start, trainEnd, valEnd), JSON.stringify({ mode, lookback, outputs, start, trainEnd, valEnd })).toEqual({
                train: tw.xShape[0],
                validation: tw.nVal ?? 0,
              });
              checked++;
            }
    expect(checked).toBe(3 * 2 * 2 * 4 + 3 * 1 * 2 * 4);
  });
});

describe('sizes against the data', () => {
  it('refuses each size longer than the rows it needs, naming the setting and what to use', () => {
    const rows = (over: Record<string, unknown>) => refusal(() => checkSizesAgainstRows(config(over), 144));
    expect(rows({ window: { lookback: 1e9, horizon: 6 } })).toMatch(
      /^config does not fit the data \(144 rows\)\n {2}window\.lookback: 1000000000 steps, but the data has 144 rows; use at most 143$/,
    );
    expect(rows({ window: { lookback: 12, horizon: 144 } })).toMatch(/window\.horizon: 144 steps, but the data has 144 rows; use at most 143/);
    expect(rows({ window: { mode: 'one-to-one', chunk: 1e9 } })).toMatch(/window\.chunk: 1000000000 steps, but the data has 144 rows/);
    expect(rows({ transforms: ['log', { difference: 500 }] })).toMatch(
      /transforms\[1\]\.difference: 500 rows of lag, but the data has 144 rows; use at most 143/,
    );
    expect(rows({ transforms: [{ deseasonalize: 1e9 }] })).toMatch(
      /transforms\[0\]\.deseasonalize: 1000000000 steps of period, but the data has 144 rows; use at most 144/,
    );
    expect(rows({ evaluation: { season: 1e9 } })).toMatch(/evaluation\.season: 1000000000 steps of season/);
    // every problem at once
    expect(rows({ window: { lookback: 200, horizon: 300 }, evaluation: { season: 400 } }).split('\n')).toHaveLength(4);
    expect(() => checkSizesAgainstRows(config(), 144)).not.toThrow();
  });

  it('refuses a chunk, a period or a season that does not fit its part of the split', () => {
    const split = { trainEnd: 120, valEnd: 132, n: 144 };
    const inSplit = (over: Record<string, unknown>) => refusal(() => checkSizesAgainstSplit(config(over), split));
    expect(inSplit({ window: { mode: 'one-to-one', chunk: 120 } })).toMatch(
      /window\.chunk: 120 steps \(and the target one step later\) do not fit in the 120 training rows; use at most 119/,
    );
    expect(inSplit({ window: { mode: 'one-to-one', chunk: 110 }, transforms: [{ difference: 12 }] })).toMatch(
      /window\.chunk: 110 steps .* do not fit in the 108 training rows after the 12 lost to differencing; use at most 107/,
    );
    expect(inSplit({ transforms: [{ deseasonalize: 130 }] })).toMatch(
      /transforms\[0\]\.deseasonalize: a period of 130 steps is longer than the 120 training rows .*; use at most 120/,
    );
    expect(inSplit({ evaluation: { season: 132 } })).toMatch(/evaluation\.season: 132 steps, but there are 132 rows before the test origin; use at most 131/);
    // the largest that fit
    expect(() => checkSizesAgainstSplit(config({ window: { mode: 'one-to-one', chunk: 119 }, evaluation: { season: 131 } }), split)).not.toThrow();
    expect(() => checkSizesAgainstSplit(config({ transforms: [{ deseasonalize: 120 }] }), split)).not.toThrow();
  });

  it('prepareFit refuses them before it allocates anything of their size', () => {
    // each would allocate gigabytes if it got past the checks
    expect(refusal(() => prepareFit(config({ transforms: [{ deseasonalize: 2e9 }] }), monthly(60)))).toMatch(/transforms\[0\]\.deseasonalize/);
    expect(refusal(() => prepareFit(config({ model: { layers: [{ units: 1e9 }] } }), monthly(60)))).toMatch(/model\.layers\[0\]\.units/);
    expect(refusal(() => prepareFit(config({ window: { mode: 'one-to-one', chunk: 50 } }), monthly(60)))).toMatch(/window\.chunk: 50 steps/);
    // the default limit applies without one
    expect(refusal(() => prepareFit(config({ model: { layers: [{ units: 30000 }] } }), monthly(60)))).toMatch(
      /more than its limit of 8\.00 GiB \(the default limit\)/,
    );
    expect(prepareFit(config({ model: { layers: [{ units: 30000 }] } }), monthly(60), { memory: 1024 * GiB, source: 'test' }).split.trainEnd).toBe(48);
  });
});
