import { describe, expect, it } from 'vitest';
import { dampedSteps, dampTrend } from '../../src/forecast/damping.js';

const close = (a: ArrayLike<number>, b: number[]) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(a[i]).toBeCloseTo(b[i], 10);
};

describe('trend damping (model.damping)', () => {
  it('counts phi + ... + phi^h steps of trend at step h', () => {
    close(dampedSteps(0.5, 4), [0.5, 0.75, 0.875, 0.9375]);
    close(dampedSteps(1, 3), [1, 2, 3]);
  });

  it('damps a straight line from the last value (amounts, where a value is not positive)', () => {
    // last -5, slope 2: -5 + 2 (0.5, 0.75, 0.875, 0.9375)
    close(dampTrend(Float64Array.of(-3, -1, 1, 3), [-10, -5], 0.5), [-4, -3.5, -3.25, -3.125]);
  });

  it('damps a growth rate in logs when history and forecast are positive', () => {
    const f = Float64Array.from([1, 2, 3], (h) => 4 * 1.1 ** h);
    close(
      dampTrend(f, [1, 2, 4], 0.8),
      [0.8, 1.44, 1.952].map((s) => 4 * Math.exp(s * Math.log(1.1))),
    );
  });

  it('keeps the level and the shape about the slope (a season): only the slope is damped', () => {
    // -10 + 3h + s_h with s = (1, -1, -1, 1), which has no slope over h = 1..4
    const f = Float64Array.of(-6, -5, -2, 3);
    close(dampTrend(f, [0, -10], 0.5), [-10 + 1.5 + 1, -10 + 2.25 - 1, -10 + 2.625 - 1, -10 + 2.8125 + 1]);
    // a forecast without trend is unchanged
    close(dampTrend(Float64Array.of(5, 7, 7, 5), [1, 2], 0.5), [5, 7, 7, 5]);
  });

  it("with a season, a swing within the horizon is not taken for a trend: the history's seasonal indices are set aside", () => {
    const pattern = [0, 1, 5, 2];
    const history = Array.from({ length: 16 }, (_, t) => 10 + pattern[t % 4]);
    // the next season, exactly: no trend to damp, though its least-squares slope is not zero
    const f = Float64Array.of(10, 11, 15, 12);
    close(dampTrend(f, history, 0.5, 4), [10, 11, 15, 12]);
    expect(Array.from(dampTrend(f, history, 0.5, 1))).not.toEqual([10, 11, 15, 12]);
    // fewer than two seasons of history: the plain slope
    expect(Array.from(dampTrend(f, history.slice(-7), 0.5, 4))).toEqual(Array.from(dampTrend(f, history.slice(-7), 0.5, 1)));
  });

  it('leaves alone what it cannot damp: phi 1, one step, no history, a value that is not finite', () => {
    const f = Float64Array.of(1, 2, 3);
    expect(dampTrend(f, [1], 1)).toBe(f);
    expect(dampTrend(Float64Array.of(2), [1], 0.5)).toEqual(Float64Array.of(2));
    expect(dampTrend(f, [], 0.5)).toBe(f);
    const g = Float64Array.of(1, Number.NaN, 3);
    expect(dampTrend(g, [1], 0.5)).toBe(g);
  });
});
