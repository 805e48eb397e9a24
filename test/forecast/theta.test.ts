import { describe, expect, it } from 'vitest';
import { classicalIndices, fitSes, seasonalByAcf, thetaForecast } from '../../src/forecast/theta.js';

/** Within `rel` of the reference values, relatively. */
const near = (got: ArrayLike<number>, want: number[], rel = 1e-5) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]) / Math.abs(want[i]), `step ${i + 1}`).toBeLessThan(rel);
};

// R's classic AirPassengers (monthly, 1949-1960)
const AIR = [
  112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140, 145, 150, 178, 163, 172, 178, 199,
  199, 184, 162, 146, 166, 171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194, 196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201, 204, 188,
  235, 227, 234, 264, 302, 293, 259, 229, 203, 229, 242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278, 284, 277, 317, 313, 318, 374, 413, 405, 355,
  306, 271, 306, 315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336, 340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337, 360, 342, 406, 396,
  420, 472, 548, 559, 463, 407, 362, 405, 417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432,
];

describe('the Theta method (model.theta)', () => {
  // references: R 4.2, forecast 8.x, thetaf(ts(y, frequency = m), h)$mean
  it("forecasts as R's forecast::thetaf does: seasonal (multiplicative decomposition) and not", () => {
    near(thetaForecast(AIR, 12, 4), [440.078191, 428.384281, 489.707099, 475.704628]);
    near(thetaForecast([20, 35, 50, 30, 22, 38, 54, 33, 25, 41, 58, 35, 27, 44, 62, 38], 4, 5), [28.250644, 46.432946, 65.655992, 39.341354, 29.239198]);
    near(
      thetaForecast([10.2, 11.1, 11.9, 12.4, 13.8, 14.1, 15.3, 15.0, 16.2, 17.5, 17.1, 18.6, 19.9, 20.3, 21.7], 1, 4),
      [22.089363, 22.478828, 22.868292, 23.257756],
    );
    near(thetaForecast([5, 7, 6, 8, 7, 9, 8, 6, 7, 9, 10, 8, 9, 11, 10, 9, 12, 11, 13, 12], 1, 3), [12.306739, 12.46952, 12.632302]);
    // the first 48 months: too little for the seasonal test, a straight line as R gives
    near(thetaForecast(AIR.slice(0, 48), 12, 3), [194.972766, 195.947636, 196.922506]);
  });

  it('tests seasonality at the seasonal lag, and decomposes as R decompose() does', () => {
    expect(seasonalByAcf(AIR, 12)).toBe(true);
    expect(seasonalByAcf(AIR.slice(0, 48), 12)).toBe(false);
    expect(seasonalByAcf(AIR, 1)).toBe(false);
    // a pure season on a flat level: indices are the pattern over its mean
    const idx = classicalIndices([2, 4, 6, 2, 4, 6, 2, 4, 6, 2, 4, 6], 3, true);
    near(idx, [0.5, 1, 1.5]);
    near(
      classicalIndices([2, 4, 6, 2, 4, 6, 2, 4, 6], 3, false).map((v) => v + 10),
      [8, 10, 12],
    );
  });

  it('fits simple exponential smoothing by least squares', () => {
    const flat = fitSes([3, 3, 3, 3, 3]);
    expect(flat.level).toBeCloseTo(3, 10);
    // a step: the level follows it fast (alpha near 1)
    const step = fitSes([1, 1, 1, 1, 5, 5, 5, 5, 5, 5]);
    expect(step.alpha).toBeGreaterThan(0.9);
    expect(step.level).toBeCloseTo(5, 3);
  });

  it('repeats the last value for fewer than 3 values', () => {
    expect(Array.from(thetaForecast([4, 6], 1, 3))).toEqual([6, 6, 6]);
  });
});
