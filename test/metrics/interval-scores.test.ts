import { describe, expect, it } from 'vitest';
import { coverage, coverageByStep, meanPinball, msis, pinball, seasonalScale, stepCoverage } from '../../src/metrics/interval-scores.js';
import { mase } from '../../src/metrics/metrics.js';

describe('interval scores', () => {
  const y = [10, 12, 9, 15];
  const lo = [9, 11, 10, 12];
  const up = [11, 13, 12, 14];

  it('coverage counts the actuals inside the bounds, ends included', () => {
    // 10 in [9, 11], 12 in [11, 13], 9 below 10, 15 above 14
    expect(coverage(y, lo, up)).toBe(0.5);
    expect(coverage([9, 11], [9, 9], [11, 11])).toBe(1);
    expect(coverage([], [], [])).toBeNaN();
    expect(() => coverage([1], [1, 2], [3])).toThrow(/lengths differ/);
  });

  it('msis is the M4 interval score, hand-computed', () => {
    // widths 2, 2, 2, 2; penalties 2/0.05 * (10 - 9) = 40 and 40 * (15 - 14) = 40
    // mean (8 + 80) / 4 = 22, scaled by 2: 11
    expect(msis(y, lo, up, 0.05, 2)).toBeCloseTo(11, 12);
    // at alpha 0.2 the penalty factor is 10: (8 + 10 + 10) / 4 = 7
    expect(msis(y, lo, up, 0.2, 1)).toBeCloseTo(7, 12);
  });

  it('the scale is MASE’s: the mean absolute seasonal difference of the training part', () => {
    const train = [1, 3, 2, 6, 4];
    // lag 2: |2-1| + |6-3| + |4-2| = 6 over 3
    expect(seasonalScale(train, 2)).toBeCloseTo(2, 12);
    expect(seasonalScale(train, 0)).toBeCloseTo((2 + 1 + 4 + 2) / 4, 12);
    expect(seasonalScale([1, 2], 2)).toBeNaN();
    expect(mase([5], [3], train, 2)).toBeCloseTo(1, 12);
  });

  it('pinball loss, one value and averaged over steps and quantiles', () => {
    expect(pinball(10, 8, 0.9)).toBeCloseTo(1.8, 12);
    expect(pinball(10, 12, 0.9)).toBeCloseTo(0.2, 12);
    expect(pinball(10, 10, 0.3)).toBe(0);
    // q 0.1: y 10 f 9 -> 0.1; y 20 f 22 -> 0.9 * 2 = 1.8. q 0.9: y 10 f 11 -> 0.1; y 20 f 19 -> 0.9
    expect(
      meanPinball(
        [10, 20],
        [0.1, 0.9],
        [
          [9, 22],
          [11, 19],
        ],
      ),
    ).toBeCloseTo((0.1 + 1.8 + 0.1 + 0.9) / 4, 12);
  });
});

describe('coverage step by step ahead', () => {
  it('counts each block from step 1: inside and all, per step', () => {
    // blocks of 3 and 2 rows: steps 1 2 3 1 2
    const actual = [5, 6, 7, 8, 9];
    const lower = [4, 7, 6, 9, 8];
    const upper = [6, 8, 8, 10, 10];
    // inside: yes no yes | no yes -> step 1: 1 of 2, step 2: 1 of 2, step 3: 1 of 1
    expect(stepCoverage(actual, lower, upper, [3, 2])).toEqual({ inside: [1, 1, 1], total: [2, 2, 1] });
    expect(() => stepCoverage(actual, lower, upper, [3])).toThrow(/blocks of 3 rows for 5 actuals/);
  });

  it('pools fits into percents per method and level, null where no forecast reached a step', () => {
    const a = { model: { '95': { inside: [1, 0], total: [1, 1] } } };
    const b = { model: { '95': { inside: [1, 1, 0], total: [1, 1, 1] } }, naive: { '80': { inside: [0], total: [1] } } };
    const c = { model: { '95': { inside: [0, 0, 0, 0], total: [1, 1, 1, 0] } } };
    expect(coverageByStep([a, b, c])).toEqual({ model: { '95': [(100 * 2) / 3, (100 * 1) / 3, 0, null] }, naive: { '80': [0] } });
  });
});
