import { describe, expect, it } from 'vitest';
import type { TransformSpec } from '../../src/config/types.js';
import { deseasonalizeForward, deseasonalizeInverse, fitSeasonalIndex } from '../../src/transforms/deseasonalize.js';
import { Pipeline } from '../../src/transforms/pipeline.js';

/** Linear trend + a fixed additive season of period m (indices summing to zero). */
function seasonal(n: number, m: number, season: number[]): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = 10 + 0.5 * i + season[i % m];
  return y;
}

describe('deseasonalize', () => {
  it('recovers an exact additive season under a linear trend (even and odd periods)', () => {
    for (const season of [
      [3, -1, 0, -2],
      [2, -3, 1],
    ]) {
      const m = season.length;
      const idx = fitSeasonalIndex(seasonal(10 * m, m, season), m, 10 * m);
      idx.forEach((v, p) => expect(v).toBeCloseTo(season[p], 10));
    }
  });

  it('fits on rows [0, fitEnd) only: later values do not change the indices', () => {
    const a = seasonal(60, 4, [3, -1, 0, -2]);
    const b = Float64Array.from(a);
    for (let i = 40; i < 60; i++) b[i] += 100 * ((i % 3) - 1);
    expect(fitSeasonalIndex(b, 4, 40)).toEqual(fitSeasonalIndex(a, 4, 40));
  });

  it('falls back to phase means when there are too few rows for the moving average', () => {
    const idx = fitSeasonalIndex(Float64Array.from([1, 5, 3]), 4, 3);
    expect(idx.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 12);
    expect(idx).toHaveLength(4);
  });

  it("subtracts the index of each row's phase: its step number mod m, or its row number", () => {
    const idx = [1, -1, 2, -2];
    const x = Float64Array.from([5, 6, 7, 8, 9]);
    expect(Array.from(deseasonalizeForward(x, idx))).toEqual([4, 7, 5, 10, 8]);
    // rows at steps 6..10 are in phases 2, 3, 0, 1, 2; negative step numbers wrap the same way
    expect(Array.from(deseasonalizeForward(x, idx, [6, 7, 8, 9, 10]))).toEqual([3, 8, 6, 9, 7]);
    expect(Array.from(deseasonalizeForward(x, idx, [-2, -1, 0, 1, 2]))).toEqual([3, 8, 6, 9, 7]);
    expect(Array.from(deseasonalizeInverse(Float64Array.from([0, 0, 0]), idx, [5, 6, 7]))).toEqual([-1, 2, -2]);
  });

  it('fits the same indices by phase whatever step the series starts at', () => {
    const season = [3, -1, 0, -2];
    const y = seasonal(44, 4, season);
    // the same values placed so that row 0 is at step 4k + 1: index p is still the phase-p value
    const shifted = Float64Array.from({ length: 43 }, (_, i) => y[i + 1]);
    const idx = fitSeasonalIndex(
      shifted,
      4,
      43,
      Array.from({ length: 43 }, (_, i) => 401 + i),
    );
    idx.forEach((v, p) => expect(v).toBeCloseTo(season[p], 10));
  });

  it('round-trips through a pipeline, its JSON and inverseTarget', () => {
    const y = seasonal(
      48,
      12,
      Array.from({ length: 12 }, (_, p) => 4 * Math.sin((2 * Math.PI * p) / 12)),
    );
    const specs: TransformSpec[] = [{ kind: 'log' }, { kind: 'deseasonalize', period: 12 }, { kind: 'scale', method: 'standard' }];
    const p = Pipeline.fit(specs, { y: y.subarray(0, 40) }, 36);
    const q = Pipeline.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
    const t = q.transformColumn('y', y);
    const back = q.inverseTarget('y', t.subarray(40), y.subarray(0, 40));
    for (let i = 0; i < 8; i++) expect(back[i]).toBeCloseTo(y[40 + i], 9);
    expect(q.phase).toBe('row');
    // fitted with step numbers: phases follow them, so a later start lines up; the JSON keeps the mode
    const steps = Array.from({ length: 48 }, (_, i) => 1000 + i);
    const pt = Pipeline.fromJSON(JSON.parse(JSON.stringify(Pipeline.fit(specs, { y: y.subarray(0, 40) }, 36, steps).toJSON())));
    expect(pt.phase).toBe('time');
    const whole = pt.transformColumn('y', y, steps);
    const tail = pt.transformColumn('y', y.subarray(7), steps.slice(7));
    for (let i = 7; i < 48; i++) expect(tail[i - 7]).toBeCloseTo(whole[i], 12);
    const back2 = pt.inverseTarget('y', whole.subarray(40), y.subarray(7, 40), { history: steps.slice(7, 40), forecast: steps.slice(40) });
    for (let i = 0; i < 8; i++) expect(back2[i]).toBeCloseTo(y[40 + i], 9);
    expect(() => pt.transformColumn('y', y)).toThrow(/step numbers/);
    expect(() => Pipeline.fromJSON({ version: 1, phase: 'month', specs: [], state: [] })).toThrow(/phase/);
    // a pipeline saved before phases followed time (no `phase`) keeps row phases
    const old = Pipeline.fromJSON({ version: 1, specs: [{ kind: 'deseasonalize', period: 2 }], state: [{ y: [1, -1] }] });
    expect(old.phase).toBe('row');
    expect(Array.from(old.transformColumn('y', Float64Array.from([5, 5, 5]), [7, 8, 9]))).toEqual([4, 6, 4]);
    expect(() => Pipeline.fromJSON({ version: 1, specs: [{ kind: 'deseasonalize', period: 3 }], state: [{ y: [1, 2] }] })).toThrow(/seasonal indices/);
  });
});
