import { describe, expect, it } from 'vitest';
import { mae, mape, mase, rmse, scoreAll, smape } from '../../src/metrics/metrics.js';
import { defaultSeason } from '../../src/metrics/season.js';

const y = [1, 2, 3, 4];
const f = [2, 2, 5, 3];
// errors: |1-2|=1, |2-2|=0, |3-5|=2, |4-3|=1

describe('metrics', () => {
  it('mae', () => {
    // (1+0+2+1)/4 = 1
    expect(mae(y, f)).toBe(1);
  });
  it('rmse', () => {
    // sqrt((1+0+4+1)/4) = sqrt(1.5)
    expect(rmse(y, f)).toBeCloseTo(Math.sqrt(1.5), 12);
  });
  it('mape skips zero actuals', () => {
    // (1/1 + 0/2 + 2/3 + 1/4)/4 * 100 = 47.91666...
    expect(mape(y, f)).toBeCloseTo(((1 + 0 + 2 / 3 + 1 / 4) / 4) * 100, 10);
    // the zero actual is skipped: only |2-1|/2 = 0.5 -> 50
    expect(mape([0, 2], [5, 1])).toBeCloseTo(50, 12);
    expect(mape([0, 0], [1, 1])).toBeNaN();
  });
  it('smape', () => {
    // 200*1/(1+2)=66.67, 200*0/4=0, 200*2/(3+5)=50, 200*1/(4+3)=28.57 ; mean
    expect(smape(y, f)).toBeCloseTo((200 / 3 + 0 + 50 + 200 / 7) / 4, 10);
    // 0/0 counts as 0: (0 + 200*1/1)/2 = 100
    expect(smape([0, 1], [0, 0])).toBeCloseTo(100, 12);
  });
  it('mase', () => {
    const train = [1, 3, 2, 5];
    // m=1: |3-1|,|2-3|,|5-2| = 2,1,3 -> scale 2; mae 1 -> 0.5
    expect(mase(y, f, train, 1)).toBeCloseTo(0.5, 12);
    // m=2: |2-1|,|5-3| = 1,2 -> scale 1.5; 1/1.5
    expect(mase(y, f, train, 2)).toBeCloseTo(1 / 1.5, 12);
    // m=0 treated as 1
    expect(mase(y, f, train, 0)).toBeCloseTo(0.5, 12);
    // constant training series -> scale 0 -> Infinity (NaN if the error is also 0)
    expect(mase(y, f, [2, 2, 2], 1)).toBe(Infinity);
    expect(mase([2], [2], [2, 2, 2], 1)).toBeNaN();
    // training not longer than m -> NaN
    expect(mase(y, f, [1, 2], 2)).toBeNaN();
  });
  it('scoreAll', () => {
    const s = scoreAll(y, f, [1, 3, 2, 5], 1);
    expect(s.mae).toBe(1);
    expect(s.rmse).toBeCloseTo(Math.sqrt(1.5), 12);
    expect(s.mape).toBeCloseTo(47.916666666666664, 10);
    expect(s.smape).toBeCloseTo(36.30952380952381, 10);
    expect(s.mase).toBeCloseTo(0.5, 12);
  });
  it('length mismatch throws, empty gives NaN', () => {
    expect(() => mae([1], [1, 2])).toThrow();
    expect(mae([], [])).toBeNaN();
  });
});

describe('defaultSeason', () => {
  it('maps frequencies', () => {
    expect(defaultSeason({ unit: 'month', step: 1 })).toBe(12);
    expect(defaultSeason({ unit: 'quarter', step: 1 })).toBe(4);
    expect(defaultSeason({ unit: 'hour', step: 1 })).toBe(24);
    expect(defaultSeason({ unit: 'minute', step: 30 })).toBe(48);
    expect(defaultSeason({ unit: 'minute', step: 15 })).toBe(96);
    expect(defaultSeason({ unit: 'day', step: 1 })).toBe(7);
    expect(defaultSeason({ unit: 'bday', step: 1 })).toBe(5);
    expect(defaultSeason({ unit: 'week', step: 1 })).toBe(52);
    expect(defaultSeason({ unit: 'year', step: 1 })).toBe(1);
    expect(defaultSeason({ unit: 'integer', step: 1 })).toBe(1);
    expect(defaultSeason({ unit: 'row', step: 1 })).toBe(1);
  });
});
