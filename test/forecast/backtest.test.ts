import { describe, expect, it } from 'vitest';
import { loadPretrained } from '../../src/artifacts/pretrained-files.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { backtest, defaultStep, meanScores, originEnds, truncateSeries } from '../../src/forecast/backtest.js';
import { autoConfigFor, CONFIGLESS_ETS_BELOW, defaultLookback, defaultRidge, defaultValidation, panelSettingsFor } from '../../src/forecast/defaults.js';
import { monthlySeries, valuesOf } from '../series.js';

describe('origin positions', () => {
  it('end = n - H - k*step for k = 0..K-1', () => {
    expect(originEnds(144, 18, 9, 3)).toEqual([126, 117, 108]);
    expect(originEnds(72, 6, 3, 2)).toEqual([66, 63]);
    expect(originEnds(100, 14, 7, 1)).toEqual([86]);
    expect(originEnds(50, 5, 1, 4)).toEqual([45, 44, 43, 42]);
  });
  it('default step is ceil(H/2)', () => {
    expect(defaultStep(18)).toBe(9);
    expect(defaultStep(14)).toBe(7);
    expect(defaultStep(5)).toBe(3);
    expect(defaultStep(1)).toBe(1);
  });
  it('rejects origins that run off the start of the series', () => {
    expect(() => originEnds(20, 6, 10, 3)).toThrow(/not enough data/);
    expect(() => originEnds(20, 6, 0, 1)).toThrow(/step/);
    expect(() => originEnds(20, 6, 1, 0)).toThrow(/origins/);
  });
});

function monthly(n: number, perturbFrom = n, perturb = 0) {
  const y = (i: number) => 100 + 0.8 * i + 12 * Math.sin((2 * Math.PI * i) / 12) + 3 * Math.cos(i * 1.7) + (i >= perturbFrom ? perturb * (1 + (i % 5)) : 0);
  return monthlySeries({ value: valuesOf(n, y) });
}

describe('truncateSeries', () => {
  it('slices every column and the time index', () => {
    const s = monthly(10);
    const t = truncateSeries(s, 4);
    expect(t.index.times).toEqual(s.index.times.slice(0, 4));
    expect(Array.from(t.columns.value)).toEqual(Array.from(s.columns.value.subarray(0, 4)));
    expect(s.columns.value.length).toBe(10);
  });
});

describe('meanScores', () => {
  it('averages each metric over origins; null when any origin is null', () => {
    const mk = (mase: number | null) => ({
      origin: '',
      train_end: 0,
      lookback: 1,
      transforms: [],
      forecast: [],
      parts: { model: [] },
      actual: [],
      metrics: { model: { mae: 1, rmse: 2, mape: 4, smape: 3, mase } },
    });
    expect(meanScores([mk(1), mk(3)]).model).toEqual({ mae: 1, rmse: 2, mape: 4, smape: 3, mase: 2 });
    expect(meanScores([mk(1), mk(null)]).model.mase).toBeNull();
  });
});

describe('the automatic ETS in the config-less defaults', () => {
  const cfg = resolveConfig({ data: { path: 'x.csv', target: 'value' }, window: { horizon: 6 } }, { file: '(test)' });
  const s = monthly(300);
  it('joins where fewer than CONFIGLESS_ETS_BELOW rows come before the test origin, unless --ets says otherwise', () => {
    expect(CONFIGLESS_ETS_BELOW).toBe(120);
    const at = (end: number, ets?: boolean) => autoConfigFor(12, undefined, undefined, undefined, undefined, undefined, ets)(cfg, s, end).model;
    expect(at(60).ets).toBe(true);
    expect(at(119).ets).toBe(true);
    expect(at(120).ets).toBe(false);
    expect(at(250).ets).toBe(false);
    // Holt's damped trend stays beside it either way
    expect(at(60).holt).toBe(true);
    expect(at(250, true).ets).toBe(true);
    expect(at(60, false).ets).toBe(false);
  });

  it("a local panel's series get it as a single series does; a global model's only with --ets on", () => {
    const short = monthly(60);
    const local = { ...cfg, evaluation: { ...cfg.evaluation, test_size: 6 } };
    expect(panelSettingsFor(local, s.index.frequency, { configless: true })(local, short).model.ets).toBe(true);
    const global = { ...local, model: { ...local.model, scope: 'global' as const } };
    expect(panelSettingsFor(global, s.index.frequency, { configless: true })(global, short).model.ets).toBe(false);
    expect(panelSettingsFor(global, s.index.frequency, { configless: true, ets: true })(global, short).model.ets).toBe(true);
  });
});

describe('backtest: nothing peeks past the origin', () => {
  const cfg = resolveConfig(
    {
      data: { path: 'synthetic.csv', target: 'value' },
      window: { lookback: 12, horizon: 6 },
      model: { cell: 'lstm', layers: [{ units: 4 }] },
      training: { epochs: 2, batch_size: 16, seed: 3 },
      backend: 'cpu',
    },
    { file: '(test)' },
  );
  // the config-less defaults open the built-in pretrained forecaster, as the commands do
  const opts = { origins: 3, step: 3, season: 12, quiet: true, pretrained: loadPretrained };
  const n = 72;

  it("changing values after an origin leaves that origin's forecast byte-identical", async () => {
    const base = await backtest(cfg, monthly(n), opts);
    expect(base.origins.map((o) => o.train_end)).toEqual([66, 63, 60]);
    expect(base.origins[0].origin).toBe('2005-07-01');
    for (const o of base.origins) {
      expect(o.forecast).toHaveLength(6);
      expect(o.actual).toHaveLength(6);
      expect(Object.keys(o.metrics).sort()).toEqual(['drift', 'model', 'naive', 'seasonal_naive']);
    }
    // perturb the last rows (inside origin 0's test window, after every other origin's end)
    const late = await backtest(cfg, monthly(n, 66, 50), opts);
    for (let k = 0; k < 3; k++) expect(JSON.stringify(late.origins[k].forecast)).toBe(JSON.stringify(base.origins[k].forecast));
    expect(late.origins[0].actual).not.toEqual(base.origins[0].actual);
    // perturb from origin 1's end on: origin 1 and 2 unchanged, origin 0 (which sees those rows) changes
    const mid = await backtest(cfg, monthly(n, 63, 50), opts);
    expect(JSON.stringify(mid.origins[1].forecast)).toBe(JSON.stringify(base.origins[1].forecast));
    expect(JSON.stringify(mid.origins[2].forecast)).toBe(JSON.stringify(base.origins[2].forecast));
    expect(JSON.stringify(mid.origins[0].forecast)).not.toBe(JSON.stringify(base.origins[0].forecast));
    // perturb from origin 2's end on: only origin 2 stays
    const early = await backtest(cfg, monthly(n, 60, 50), opts);
    expect(JSON.stringify(early.origins[2].forecast)).toBe(JSON.stringify(base.origins[2].forecast));
    expect(JSON.stringify(early.origins[1].forecast)).not.toBe(JSON.stringify(base.origins[1].forecast));
  });

  it('config-less sizes: validation rows, lookback and ridge penalty follow the length of the series', () => {
    // lookback: 2 seasons, at least max(H, 8), capped to leave >= 10 training windows
    const c = { transforms: [], training: { validation_size: 18 } } as unknown as Parameters<typeof defaultLookback>[0];
    expect(defaultLookback(c, 126, 18, 12)).toBe(24);
    expect(defaultLookback(c, 54, 18, 12)).toBe(54 - 18 - 18 - 9);
    expect(defaultLookback(c, 40, 18, 12)).toBe(1);
    expect(defaultLookback(c, 1000, 18, 200)).toBe(200);
    expect(defaultLookback(c, 1000, 6, 1)).toBe(8);
    // one validation window (H rows), unless it leaves < 10 training windows of lookback 1 or
    // would shorten the default lookback
    expect(defaultValidation(c, 200, 18, 12)).toBe(18); // lookback 24 either way
    expect(defaultValidation(c, 80, 18, 12)).toBe(18); // 80 - 18 - 18 - 9 = 35 >= 24
    expect(defaultValidation(c, 54, 18, 12)).toBe(0); // lookback 9 with, 24 without
    expect(defaultValidation(c, 54, 18, 12, 6)).toBe(18); // a given lookback keeps them
    expect(defaultValidation(c, 45, 18, 12, 6)).toBe(0); // 9 windows of lookback 1 only
    // ridge: worth max(0.03 (L + 1), 10) windows, within [1e-4, 1]
    expect(defaultRidge(108, 24, 18)).toBeCloseTo(10 / 67, 12);
    expect(defaultRidge(3000, 336, 48)).toBeCloseTo((0.03 * 337) / 2617, 12);
    expect(defaultRidge(20, 1, 4)).toBe(0.625);
    expect(defaultRidge(12, 8, 4)).toBe(1);
    expect(defaultRidge(1e7, 1, 1)).toBe(1e-4);
  });

  it('config-less defaults (transforms, lookback) are chosen per origin from the rows before it', async () => {
    const auto = { ...opts, configFor: autoConfigFor(12) };
    const base = await backtest(cfg, monthly(n), auto);
    // a positive series: log at every origin, deseasonalize where a linear stand-in says it helps
    for (const o of base.origins) {
      expect(o.transforms[0]).toBe('log');
      expect(o.transforms.at(-1)).toBe('scale standard');
    }
    // large positive values after origin 1's end (log still possible, the season changed): the
    // choices and forecasts of origins 1 and 2 (transforms, deseasonalize test, window scale) are unchanged
    const big = await backtest(cfg, monthly(n, 63, 400), auto);
    for (const k of [1, 2]) {
      expect(big.origins[k].transforms).toEqual(base.origins[k].transforms);
      expect(JSON.stringify(big.origins[k].forecast)).toBe(JSON.stringify(base.origins[k].forecast));
    }
    expect(JSON.stringify(big.origins[0].forecast)).not.toBe(JSON.stringify(base.origins[0].forecast));
    // values after origin 1's end turned negative (log impossible there): origins 1 and 2 unchanged
    const neg = monthly(n);
    for (let i = 63; i < n; i++) neg.columns.value[i] = -5 - i;
    const r = await backtest(cfg, neg, auto);
    for (const k of [1, 2]) {
      expect(JSON.stringify(r.origins[k].forecast)).toBe(JSON.stringify(base.origins[k].forecast));
      expect(r.origins[k].lookback).toBe(base.origins[k].lookback);
    }
    expect(r.origins[0].transforms).not.toContain('log');
  });

  it('config-less: a series as short as H + 1 rows at its first origin still backtests (one training window of lookback 1)', async () => {
    // 19 rows, H = 6, step 3: the earliest origin sees 7 rows, exactly one window of 1 + 6 rows
    const short = await backtest({ ...cfg, window: { ...cfg.window, horizon: 6 } }, monthly(19), { ...opts, configFor: autoConfigFor(1) });
    expect(short.origins.map((o) => o.train_end)).toEqual([13, 10, 7]);
    expect(short.origins.map((o) => o.lookback)).toEqual([1, 1, 1]);
    for (const o of short.origins) {
      expect(o.forecast).toHaveLength(6);
      for (const v of o.forecast) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('config-less: fewer rows than H + 1 at an origin: a one-step model fed back', async () => {
    // 24 rows, H = 8, step 4: the earliest origin sees 8 rows, too few for one window of 1 + 8
    const qcfg = { ...cfg, window: { ...cfg.window, horizon: 8 } };
    const r = await backtest(qcfg, monthly(24), { ...opts, step: 4, season: 4, configFor: autoConfigFor(4) });
    expect(r.origins.map((o) => o.train_end)).toEqual([16, 12, 8]);
    const first = r.origins[2];
    expect(first.lookback).toBe(1);
    expect(first.forecast).toHaveLength(8);
    for (const v of first.forecast) expect(Number.isFinite(v)).toBe(true);
    const chosen = autoConfigFor(4)(qcfg, monthly(24), 8);
    expect([chosen.window.strategy, chosen.window.horizon, chosen.window.lookback, chosen.training.validation_size]).toEqual(['recursive', 8, 1, 0]);
    expect(autoConfigFor(4)(qcfg, monthly(24), 9).window.strategy).toBe('direct');
    // nothing after the origin counts
    const again = await backtest(qcfg, monthly(24, 8, 50), { ...opts, step: 4, season: 4, configFor: autoConfigFor(4) });
    expect(JSON.stringify(again.origins[2].forecast)).toBe(JSON.stringify(first.forecast));
  });

  it('baselines and MASE scale use only the training part', async () => {
    const r = await backtest(cfg, monthly(n), { ...opts, origins: 1 });
    const y = monthly(n).columns.value;
    const end = 66;
    let s = 0;
    for (let t = 12; t < end; t++) s += Math.abs(y[t] - y[t - 12]);
    const scale = s / (end - 12);
    let e = 0;
    for (let i = 0; i < 6; i++) e += Math.abs(y[end + i] - y[end - 12 + i]);
    expect(r.origins[0].metrics.seasonal_naive.mase).toBeCloseTo(e / 6 / scale, 10);
    expect(r.mean.model.mase).toBe(r.origins[0].metrics.model.mase);
  });
});
