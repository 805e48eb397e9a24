import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { ConfigError, DataError, InterruptError } from '../../src/errors.js';
import { dampTrend } from '../../src/forecast/damping.js';
import { type FitEvent, fitSeries, prepareFit } from '../../src/forecast/fit.js';
import { DivergedError } from '../../src/train/loop.js';
import { monthlySeries, valuesOf } from '../series.js';

function monthly(n: number, extra = false) {
  const value = valuesOf(n, (i) => 100 + 0.8 * i + 12 * Math.sin((2 * Math.PI * i) / 12));
  return monthlySeries(extra ? { value, temp: valuesOf(n, (i) => 10 + Math.cos(i)) } : { value });
}

const config = (over: Record<string, unknown> = {}) =>
  resolveConfig(
    {
      data: { path: 'synthetic.csv', target: 'value' },
      window: { lookback: 12, horizon: 6 },
      model: { cell: 'lstm', layers: [{ units: 4 }] },
      training: { epochs: 3, batch_size: 16, seed: 3, validation_size: 6, early_stopping: false },
      backend: 'cpu',
      ...over,
    },
    { file: '(test)' },
  );

describe('prepareFit: everything before training', () => {
  it('splits, windows and describes the model io from the config', () => {
    const p = prepareFit(config(), monthly(60));
    // test: the last 6 rows; validation: the 6 before; training windows of 12 + 6 rows in the first 48
    expect(p.split).toEqual({ trainEnd: 48, valEnd: 54, n: 60 });
    expect(p.windows.xShape).toEqual([48 - 18 + 1, 12, 1]);
    expect(p.windows.yShape).toEqual([31, 6]);
    // validation: windows whose targets lie in rows [48, 54): one, inputs 36..47, targets 48..53
    expect(p.windows.nVal).toBe(1);
    expect(p.io).toMatchObject({ mode: 'many-to-one', strategy: 'direct', lookback: 12, horizon: 6, outputs: 6, offset: 0, warmup: 48 });
    // the default transform (scale standard) is fitted on the training rows: they come out with mean 0
    const seen = p.seen.value.subarray(0, 48);
    expect(seen.reduce((a, v) => a + v, 0) / 48).toBeCloseTo(0, 12);
  });

  it('refuses a config that does not fit the data, and a series too short for one window', () => {
    const cfg = config({ data: { path: 'x.csv', target: 'value', features: ['value', 'temp'] }, window: { lookback: 12, horizon: 6, strategy: 'recursive' } });
    expect(() => prepareFit(cfg, monthly(60, true))).toThrow(ConfigError);
    expect(() => prepareFit(cfg, monthly(60, true))).toThrow(/other inputs than the target need window\.mode many-to-one with strategy direct/);
    expect(() => prepareFit(config(), monthly(20))).toThrow(DataError);
    expect(() => prepareFit(config(), monthly(20))).toThrow(/not enough data to train: 20 rows, need at least 30/);
  });
});

describe('fitSeries', () => {
  it('reports every epoch of every member through the callback, and the backend it was given', async () => {
    const events: FitEvent[] = [];
    let loads = 0;
    const cfg = config({ training: { epochs: 3, batch_size: 16, seed: 3, validation_size: 6, early_stopping: false, ensemble: 2 } });
    const r = await fitSeries(cfg, monthly(60), {
      engine: async () => {
        loads++;
        const { loadBackend } = await import('../../src/model/backend.js');
        return loadBackend('cpu');
      },
      onEvent: (e) => events.push(e),
    });
    expect(loads).toBe(1);
    expect(r.backend).toBe('cpu');
    expect(r.models).toHaveLength(2);
    expect(events.map((e) => (e.kind === 'epoch' ? `${e.member}:${e.epoch.epoch}/${e.epochs}` : `${e.member}:done`))).toEqual([
      '0:1/3',
      '0:2/3',
      '0:3/3',
      '0:done',
      '1:1/3',
      '1:2/3',
      '1:3/3',
      '1:done',
    ]);
    expect(r.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(r.test.forecast).toHaveLength(6);
    expect(r.future).toHaveLength(6);
    expect(Object.keys(r.metrics)).toEqual(['model', 'naive', 'seasonal_naive', 'drift']);
  });

  it('model.damping damps the final forecasts: each rolling test block from the rows before it, and the future', async () => {
    const series = monthly(72);
    const over = { evaluation: { test_size: 12, rolling: true } };
    const plain = await fitSeries(config(over), series, {});
    const damped = await fitSeries(config({ ...over, model: { cell: 'lstm', layers: [{ units: 4 }], damping: 0.8 } }), series, {});
    expect(plain.io.damping).toBeUndefined();
    expect(damped.io.damping).toBe(0.8);
    const y = series.columns.value;
    // the same network (same seed), its two 6-step blocks damped from their own origins (season 12)
    expect(damped.test.origins).toEqual([60, 66]);
    const want = [
      ...dampTrend(plain.test.forecast.subarray(0, 6), y.subarray(0, 60), 0.8, 12),
      ...dampTrend(plain.test.forecast.subarray(6, 12), y.subarray(0, 66), 0.8, 12),
    ];
    for (let i = 0; i < 12; i++) expect(damped.test.forecast[i]).toBeCloseTo(want[i], 9);
    const future = dampTrend(plain.future, y, 0.8, 12);
    for (let i = 0; i < 6; i++) expect(damped.future[i]).toBeCloseTo(future[i], 9);
    expect(Array.from(damped.future)).not.toEqual(Array.from(plain.future));
  });

  it('stops with InterruptError once its signal is aborted, without loading a backend for a config that fails its checks', async () => {
    const ac = new AbortController();
    let epochs = 0;
    const run = fitSeries(config(), monthly(60), {
      signal: ac.signal,
      onEvent: (e) => {
        if (e.kind === 'epoch' && ++epochs === 1) ac.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(InterruptError);
    expect(epochs).toBe(1);
    let loaded = false;
    const bad = fitSeries(config(), monthly(20), {
      engine: async () => {
        loaded = true;
        throw new Error('not reached');
      },
    });
    await expect(bad).rejects.toThrow(/not enough data to train/);
    expect(loaded).toBe(false);
  });

  it('refuses a diverged training naming the ensemble member, and trains no member after it', async () => {
    const cfg = config({ training: { epochs: 3, batch_size: 16, seed: 3, validation_size: 6, early_stopping: false, ensemble: 2, learning_rate: 1e300 } });
    const events: FitEvent[] = [];
    const run = fitSeries(cfg, monthly(60), { onEvent: (e) => events.push(e) });
    await expect(run).rejects.toBeInstanceOf(DivergedError);
    await expect(run).rejects.toThrow(
      /^ensemble member 1 of 2 \(seed 3\): training diverged in epoch 1: the loss became NaN; use a smaller training\.learning_rate \(now 1e\+300\)$/,
    );
    expect(events.map((e) => e.kind)).toEqual(['member-done']);
  });
});
