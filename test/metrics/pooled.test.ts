import { describe, expect, it } from 'vitest';
import { poolScores } from '../../src/metrics/pooled.js';

describe('poolScores', () => {
  it('averages each score and takes the geometric mean of MASE relative to seasonal naive', () => {
    const p = poolScores([
      { model: { mae: 1, mase: 0.5 }, seasonal_naive: { mae: 2, mase: 1 } },
      { model: { mae: 3, mase: 2 }, seasonal_naive: { mae: 4, mase: 1 } },
    ]);
    expect(p.model.mae).toBe(2);
    expect(p.model.mase).toBe(1.25);
    // sqrt(0.5 * 2) = 1
    expect(p.model.rel_mase).toBeCloseTo(1, 12);
    expect(p.seasonal_naive.rel_mase).toBe(1);
    expect(p.model.series).toBe(2);
  });

  it('skips scores that are not finite, and series whose MASE ratio is undefined', () => {
    const p = poolScores([
      { model: { mase: 0.25, mape: NaN }, seasonal_naive: { mase: 1 } },
      { model: { mase: 3, mape: 10 }, seasonal_naive: { mase: 0 } },
      { model: { mase: Infinity, mape: 20 }, seasonal_naive: { mase: 2 } },
    ]);
    expect(p.model.mape).toBe(15);
    expect(p.model.mase).toBeCloseTo((0.25 + 3) / 2, 12);
    // only the first series has a defined ratio: 0.25
    expect(p.model.rel_mase).toBeCloseTo(0.25, 12);
  });

  it('gives NaN where nothing can be pooled', () => {
    const p = poolScores([{ model: { mase: NaN }, seasonal_naive: { mase: 1 } }]);
    expect(p.model.mase).toBeNaN();
    expect(p.model.rel_mase).toBeNaN();
  });
});
