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

  it('sizes intervals from the same forecasts made at earlier origins before the test origin, and scores them', async () => {
    const series = monthly(72);
    const over = { evaluation: { test_size: 12, rolling: true, levels: [80, 95], quantiles: [0.1, 0.5, 0.9] } };
    const r = await fitSeries(config(over), series, {});
    const iv = r.io.intervals!;
    // positive data: errors of log forecasts; origins with at least half the 60 rows before the
    // test origin behind them (30 to 59), each up to 6 steps before row 60
    expect(iv.method).toBe('conformal');
    expect(iv.space).toBe('log');
    expect(iv.errors).toHaveLength(6);
    expect(iv.errors[0]).toHaveLength(30);
    expect(iv.errors[5]).toHaveLength(30 - 5);
    // the rolling blocks each start again at step 1: the same widths, as ratios about their forecasts
    const { bands, quantiles } = r.test.spread;
    expect(bands.map((b) => b.level)).toEqual([80, 95]);
    for (let i = 0; i < 12; i++) {
      const f = r.test.forecast[i];
      expect(bands[1].lower[i]).toBeLessThanOrEqual(bands[0].lower[i]);
      expect(bands[0].lower[i]).toBeLessThan(f);
      expect(bands[0].upper[i]).toBeGreaterThan(f);
      expect(bands[1].upper[i]).toBeGreaterThanOrEqual(bands[0].upper[i]);
      expect(quantiles[1].values[i]).toBe(f);
      expect(quantiles[0].values[i]).toBe(bands[0].lower[i]);
      expect(Math.log(bands[0].upper[i] / f)).toBeCloseTo(Math.log(bands[0].upper[(i % 6) + 6] / r.test.forecast[(i % 6) + 6]), 9);
    }
    // the future forecast's intervals come from the same model
    expect(r.futureSpread.bands[1].upper).toHaveLength(6);
    expect(Math.log(r.futureSpread.bands[1].upper[0] / r.future[0])).toBeCloseTo(Math.log(bands[1].upper[0] / r.test.forecast[0]), 9);
    // scores: coverage in percent from the bands, for the model and the baselines' textbook intervals
    const inside = r.test.actual.filter((y, i) => y >= bands[0].lower[i] && y <= bands[0].upper[i]).length;
    expect(r.metrics.model.coverage_80).toBeCloseTo((100 * inside) / 12, 9);
    for (const m of ['model', 'naive', 'seasonal_naive', 'drift']) {
      expect(r.metrics[m].coverage_95).toBeGreaterThanOrEqual(0);
      expect(r.metrics[m].msis).toBeGreaterThan(0);
      expect(r.metrics[m].pinball).toBeGreaterThan(0);
    }
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
