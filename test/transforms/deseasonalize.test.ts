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
    for (const season of [[3, -1, 0, -2], [2, -3, 1]]) {
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

  it('inverse adds the index of each row counted from the series start', () => {
    const idx = [1, -1, 2, -2];
    const x = Float64Array.from([5, 6, 7, 8, 9]);
    const z = deseasonalizeForward(x, idx);
    expect(Array.from(z)).toEqual([4, 7, 5, 10, 8]);
    expect(Array.from(deseasonalizeInverse(Float64Array.from([0, 0, 0]), idx, 5))).toEqual([-1, 2, -2]);
  });

  it('round-trips through a pipeline, its JSON and inverseTarget', () => {
    const y = seasonal(48, 12, Array.from({ length: 12 }, (_, p) => 4 * Math.sin((2 * Math.PI * p) / 12)));
    const specs: TransformSpec[] = [{ kind: 'log' }, { kind: 'deseasonalize', period: 12 }, { kind: 'scale', method: 'standard' }];
    const p = Pipeline.fit(specs, { y: y.subarray(0, 40) }, 36);
    const q = Pipeline.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
    const t = q.transformColumn('y', y);
    const back = q.inverseTarget('y', t.subarray(40), y.subarray(0, 40));
    for (let i = 0; i < 8; i++) expect(back[i]).toBeCloseTo(y[40 + i], 9);
    expect(() => Pipeline.fromJSON({ version: 1, specs: [{ kind: 'deseasonalize', period: 3 }], state: [{ y: [1, 2] }] })).toThrow(/seasonal indices/);
  });
});
