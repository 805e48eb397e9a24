import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rnnfc, scratch } from './helpers.js';

const DATA = 'test/fixtures/e2e/monthly.csv';
const ARGS = ['backtest', '--data', DATA, '--time-column', 'month', '--target', 'value', '--horizon', '6', '--season', '12', '--origins', '2', '--epochs', '2'];

describe('rnnfc backtest (spawns bin/rnnfc)', () => {
  let dir: string;
  let before: string[];
  let res: ReturnType<typeof rnnfc>;
  beforeAll(() => {
    dir = scratch();
    before = readdirSync(dir).sort();
    res = rnnfc(dir, [...ARGS, '--json']);
  });

  it('exits 0 and prints one JSON object with every origin and the means', () => {
    expect(res.stderr).not.toMatch(/error/i);
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const r = JSON.parse(lines[0]);
    expect(r).toMatchObject({ data: DATA, target: 'value', horizon: 6, season: 12, step: 3 });
    // the backend and the fused kernels' thread count (all cores unless --threads says otherwise)
    expect(r).toMatchObject({ backend: 'wasm', threads: availableParallelism() });
    expect(r.origins).toHaveLength(2);
    expect(r.origins.map((o: { train_end: number }) => o.train_end)).toEqual([66, 63]);
    expect(r.origins.map((o: { origin: string }) => o.origin)).toEqual(['2005-07-01', '2005-04-01']);
    for (const o of r.origins) {
      expect(o.forecast).toHaveLength(6);
      expect(o.actual).toHaveLength(6);
      expect(Object.keys(o.metrics).sort()).toEqual(['drift', 'model', 'naive', 'seasonal_naive']);
      for (const m of Object.values(o.metrics) as Record<string, number>[])
        expect(Object.keys(m).sort()).toEqual(['coverage_80', 'coverage_95', 'mae', 'mape', 'mase', 'msis', 'pinball', 'rmse', 'smape']);
      // the intervals each origin's forecast carries, nested about it, and the coverage they score
      const iv = o.intervals as Record<string, number[]>;
      expect(Object.keys(iv)).toEqual(['lower_80', 'upper_80', 'lower_95', 'upper_95']);
      let inside = 0;
      for (let k = 0; k < 6; k++) {
        expect(iv.lower_95[k]).toBeLessThanOrEqual(iv.lower_80[k]);
        expect(iv.lower_80[k]).toBeLessThanOrEqual(o.forecast[k]);
        expect(iv.upper_80[k]).toBeGreaterThanOrEqual(o.forecast[k]);
        expect(iv.upper_95[k]).toBeGreaterThanOrEqual(iv.upper_80[k]);
        if (o.actual[k] >= iv.lower_95[k] && o.actual[k] <= iv.upper_95[k]) inside++;
      }
      expect(o.metrics.model.coverage_95).toBeCloseTo((100 * inside) / 6, 6);
    }
    expect(r.mean.model.msis).toBeCloseTo((r.origins[0].metrics.model.msis + r.origins[1].metrics.model.msis) / 2, 10);
    expect(Object.keys(r.mean).sort()).toEqual(['drift', 'model', 'naive', 'seasonal_naive']);
    for (const m of Object.values(r.mean) as Record<string, number>[]) expect(m.mase).toBeGreaterThan(0);
    const mm = (r.origins[0].metrics.model.mase + r.origins[1].metrics.model.mase) / 2;
    expect(r.mean.model.mase).toBeCloseTo(mm, 10);
    // coverage step by step ahead over the origins, for the model and each baseline
    expect(Object.keys(r.coverage_by_step).sort()).toEqual(['drift', 'model', 'naive', 'seasonal_naive']);
    for (const level of [80, 95]) {
      const want = Array.from({ length: 6 }, (_, k) => {
        const hits = r.origins.filter((o: { actual: number[]; intervals: Record<string, number[]> }) => {
          const a = o.actual[k];
          return a >= o.intervals[`lower_${level}`][k] && a <= o.intervals[`upper_${level}`][k];
        }).length;
        return (100 * hits) / 2;
      });
      expect(r.coverage_by_step.model[String(level)]).toEqual(want);
      expect(r.coverage_by_step.naive[String(level)]).toHaveLength(6);
    }
  });

  it('writes nothing to disk', () => {
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('without --json prints a table on stdout and one progress line per origin on stderr; --quiet prints nothing', () => {
    const t = rnnfc(dir, ARGS);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/MASE/);
    expect(t.stdout).toMatch(/seasonal_naive/);
    expect(
      t.stderr
        .trim()
        .split('\n')
        .filter((l) => /^origin /.test(l)),
    ).toHaveLength(2);
    const q = rnnfc(dir, [...ARGS, '--quiet']);
    expect(q.code).toBe(0);
    expect(q.stdout).toBe('');
    expect(q.stderr).toBe('');
  });

  it('a short series (72 months, horizon 18) still backtests without a config: shorter windows, no validation rows where too few remain', () => {
    const out = scratch();
    const r = rnnfc(out, [
      'backtest',
      '--data',
      DATA,
      '--time-column',
      'month',
      '--target',
      'value',
      '--horizon',
      '18',
      '--season',
      '12',
      '--origins',
      '3',
      '--epochs',
      '2',
      '--json',
      '--plot',
      'bt.svg',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    // --plot: each origin's forecast against the actuals, one colour each, with its rule
    const svg = readFileSync(join(out, 'bt.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    for (const o of j.origins) expect(svg).toContain(`origin ${o.origin}`);
    expect(svg).toContain('value: backtest, 3 origins 9 rows apart, horizon 18');
    // ends 54, 45, 36; no validation rows (at 54 they would cut the lookback from 24 to 9; at 45
    // and 36 they would leave fewer than 10 windows); lookback min(24, end - 18 - 9)
    expect(j.origins.map((o: { train_end: number }) => o.train_end)).toEqual([54, 45, 36]);
    expect(j.origins.map((o: { lookback: number }) => o.lookback)).toEqual([24, 18, 9]);
    for (const o of j.origins) expect(o.forecast.every((v: number) => Number.isFinite(v))).toBe(true);
  });

  it('bad input: a missing column exits 2 with a clear message', () => {
    const b = rnnfc(dir, ['backtest', '--data', DATA, '--time-column', 'month', '--target', 'sales', '--horizon', '6', '--json']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/sales/);
    expect(b.stderr).not.toMatch(/at .*\.js:\d+/);
    // under --json the error is a JSON object on stdout too, with the message stderr has
    const e = JSON.parse(b.stdout);
    expect(e).toEqual({ schema: 'rnnfc/error@1', error: { code: 2, message: expect.stringMatching(/no target column "sales"/), where: DATA } });
    expect(b.stderr).toBe(`rnnfc: error: ${e.error.message}\n`);
  });

  it('too many origins for the series exits 2', () => {
    const b = rnnfc(dir, ['backtest', '--data', DATA, '--target', 'value', '--horizon', '6', '--origins', '40', '--json']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/origins/);
  });
});
