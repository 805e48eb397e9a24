import { describe, expect, it } from 'vitest';
import { drift, naive, seasonalNaive } from '../../src/forecast/baselines.js';

const train = [1, 2, 3, 4, 5, 10];

describe('baselines', () => {
  it('naive repeats the last value', () => {
    expect(Array.from(naive(train, 3))).toEqual([10, 10, 10]);
    expect(naive(train, 3)).toBeInstanceOf(Float64Array);
  });
  it('seasonalNaive repeats the last season', () => {
    // m=4: last season = [3,4,5,10]; h=6 -> 3,4,5,10,3,4
    expect(Array.from(seasonalNaive(train, 6, 4))).toEqual([3, 4, 5, 10, 3, 4]);
    // m<=1 -> naive
    expect(Array.from(seasonalNaive(train, 2, 1))).toEqual([10, 10]);
    expect(Array.from(seasonalNaive(train, 2, 0))).toEqual([10, 10]);
  });
  it('drift extends the line from first to last', () => {
    // slope (10-1)/(6-1) = 1.8 -> 11.8, 13.6, 15.4
    const d = drift(train, 3);
    expect(d[0]).toBeCloseTo(11.8, 12);
    expect(d[1]).toBeCloseTo(13.6, 12);
    expect(d[2]).toBeCloseTo(15.4, 12);
    expect(Array.from(drift([7], 2))).toEqual([7, 7]);
  });
});
