import { describe, expect, it } from 'vitest';
import { baselineBand, normalQuantile } from '../../src/forecast/baselines.js';
import {
  bandOf,
  calibrationForecasts,
  conformalQuantile,
  ensembleSpread,
  fitIntervals,
  halfWidths,
  headsSpread,
  type IntervalModel,
  MAX_CALIBRATION_ORIGINS,
  quantileOf,
  relativeSpread,
  scoredQuantiles,
  spreadOf,
  TAIL_FACTOR,
  tailFactor,
} from '../../src/forecast/intervals.js';
import { mulberry32 } from '../../src/pretrain/rng.js';

/** A standard normal draw (Box-Muller) from a seeded generator. */
function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

describe('normalQuantile', () => {
  it('matches the standard normal quantiles to 1e-8', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.9)).toBeCloseTo(1.2815515655446004, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 8);
    expect(normalQuantile(0.999999)).toBeCloseTo(4.753424308822899, 7);
    expect(() => normalQuantile(1)).toThrow(/0 < p < 1/);
  });
});

describe('textbook intervals of the baselines', () => {
  const train = [1, 2, 4, 7];
  it('naive: z sigma sqrt(h), sigma from the one-step changes', () => {
    // changes 1, 2, 3: sigma = sqrt(14 / 3)
    const b = baselineBand('naive', train, [7, 7], 95, 1)!;
    const half = 1.959963984540054 * Math.sqrt(14 / 3);
    expect(b.upper[0] - 7).toBeCloseTo(half, 7);
    expect(7 - b.lower[1]).toBeCloseTo(half * Math.SQRT2, 7);
  });
  it('drift: residuals about the slope with one parameter, sqrt(h (1 + h / T))', () => {
    // slope (7 - 1) / 3 = 2; residuals -1, 0, 1: sigma = sqrt(2 / 2) = 1
    const b = baselineBand('drift', train, [9, 11], 80, 1)!;
    expect(b.upper[0] - 9).toBeCloseTo(1.2815515655446004 * Math.sqrt(1 * (1 + 1 / 4)), 7);
    expect(b.upper[1] - 11).toBeCloseTo(1.2815515655446004 * Math.sqrt(2 * (1 + 2 / 4)), 7);
  });
  it('seasonal naive: the interval widens once per season', () => {
    const y = [1, 5, 2, 6, 4, 5];
    // lag 2 changes: 1, 1, 2, -1: sigma = sqrt(7 / 4)
    const b = baselineBand('seasonal_naive', y, [4, 5, 4], 95, 2)!;
    const s = 1.959963984540054 * Math.sqrt(7 / 4);
    expect(b.upper[0] - 4).toBeCloseTo(s, 7);
    expect(b.upper[1] - 5).toBeCloseTo(s, 7);
    expect(b.upper[2] - 4).toBeCloseTo(s * Math.SQRT2, 7);
  });
  it('none without a residual', () => {
    expect(baselineBand('naive', [3], [3], 95, 1)).toBeNull();
    expect(baselineBand('drift', [1, 2], [3], 95, 1)).toBeNull();
  });
});

describe('conformal intervals', () => {
  it('takes the ceil((n + 1) p)-th smallest error, the largest when there are too few', () => {
    const e = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(conformalQuantile(e, 0.8)).toBe(8); // ceil(10 * 0.8) = 8
    expect(conformalQuantile(e, 0.5)).toBe(5);
    expect(conformalQuantile(e, 0.95)).toBe(9); // ceil(9.5) = 10 > 9: the largest
    expect(conformalQuantile(e, 0.01)).toBe(1);
  });

  it('widths never shrink with the steps ahead; steps without errors grow as sqrt(k)', () => {
    const model: IntervalModel = {
      method: 'conformal',
      space: 'level',
      errors: [
        [1, 2, 3],
        [0.5, 1, 1.5],
        [4, 5, 6],
      ],
    };
    // p 0.5 of 3 errors: the 2nd; step 2's 1 is raised to step 1's 2
    expect(Array.from(halfWidths(model, 0.5, 5))).toEqual([2, 2, 5, 5 * Math.sqrt(4 / 3), 5 * Math.sqrt(5 / 3)]);
  });

  it('draws conformal intervals beyond 80% wider by the tail factor: 1 at 80%, 1.07 from 95%, linear between', () => {
    expect(tailFactor(0.5)).toBe(1);
    expect(tailFactor(0.8)).toBe(1);
    expect(tailFactor(0.875)).toBeCloseTo(1.035, 12);
    expect(tailFactor(0.95)).toBeCloseTo(1.07, 12);
    expect(tailFactor(0.99)).toBe(1.07);
    const errors = [Array.from({ length: 39 }, (_, i) => i + 1)];
    // 95% of 39 errors: the ceil(40 * 0.95) = 38th, 38; times 1.07
    expect(halfWidths({ method: 'conformal', space: 'level', errors }, 0.95, 1)[0]).toBeCloseTo(38 * 1.07, 12);
    // 90%: the 36th, times 1 + 0.07 * 2 / 3
    expect(halfWidths({ method: 'conformal', space: 'level', errors }, 0.9, 1)[0]).toBeCloseTo(36 * (1 + 0.07 * (2 / 3)), 12);
    // the naive fallback and the spread-scaled methods are drawn at their quantile
    expect(halfWidths({ method: 'naive', space: 'level', errors }, 0.95, 1)[0]).toBe(38);
    const scaledModel: IntervalModel = { method: 'quantile', space: 'level', errors, spreads: { median: [1], max: [1] } };
    expect(halfWidths(scaledModel, 0.95, 1, [1])[0]).toBe(38 * 2);
  });

  it('bands are nested, quantiles never cross, and log-space bands are ratios about the forecast', () => {
    const model: IntervalModel = { method: 'conformal', space: 'log', errors: [[0.05, 0.1, 0.2, 0.3, 0.4]] };
    const f = [100, 110];
    const b80 = bandOf(model, f, 80);
    const b95 = bandOf(model, f, 95);
    for (let k = 0; k < 2; k++) {
      expect(b95.lower[k]).toBeLessThanOrEqual(b80.lower[k]);
      expect(b95.upper[k]).toBeGreaterThanOrEqual(b80.upper[k]);
      expect(b80.lower[k]).toBeLessThan(f[k]);
    }
    // 80%: ceil(6 * 0.8) = 5th of 5: 0.4
    expect(b80.upper[0]).toBeCloseTo(100 * Math.exp(0.4), 10);
    expect(b80.lower[1]).toBeCloseTo(110 * Math.exp(-0.4 * Math.sqrt(2)), 10);
    const qs = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95].map((q) => quantileOf(model, f, q)[0]);
    for (let i = 1; i < qs.length; i++) expect(qs[i]).toBeGreaterThanOrEqual(qs[i - 1]);
    expect(qs[3]).toBe(100);
    // quantile 0.1 is the 80% band's lower bound
    expect(quantileOf(model, f, 0.1)[0]).toBe(b80.lower[0]);
    expect(scoredQuantiles([80, 95], [])).toEqual([0.025, 0.1, 0.9, 0.975]);
    expect(scoredQuantiles([80], [0.5, 0.9])).toEqual([0.5, 0.9]);
  });

  it('spreads blocks from their own origins: each block starts again at step 1', () => {
    const model: IntervalModel = { method: 'conformal', space: 'level', errors: [[1], [2]] };
    const s = spreadOf(model, Float64Array.from([10, 10, 10, 10, 10]), [2, 2, 1], [50], [0.9]);
    expect(Array.from(s.bands[0].upper)).toEqual([11, 12, 11, 12, 11]);
    expect(Array.from(s.quantiles[0].values)).toEqual([11, 12, 11, 12, 11]);
  });

  it('calibrates on the latest origins, never on rows at or after the end, in log space for positive data', () => {
    const y = Float64Array.from({ length: 300 }, (_, i) => 50 + i);
    const seen: number[] = [];
    const cal = calibrationForecasts(
      (o, k) => {
        seen.push(o + k);
        return Float64Array.from({ length: k }, (_, j) => y[o - 1] + j + 1);
      },
      y,
      { first: 5, end: 250, steps: 3 },
    );
    expect(cal).toHaveLength(MAX_CALIBRATION_ORIGINS);
    expect(cal[0].end).toBe(150);
    expect(Math.max(...seen)).toBe(250);
    // the last origins forecast fewer steps: only rows before the end are scored
    expect(cal.at(-1)!.forecast).toHaveLength(1);
    const m = fitIntervals(cal, y, 250)!;
    expect(m.space).toBe('log');
    expect(m.errors[0].every((e) => e === 0)).toBe(true);
    expect(m.errors).toHaveLength(3);
    expect(m.errors[2]).toHaveLength(98);
    // a negative value: the data's units
    const z = Float64Array.from(y, (v, i) => (i === 3 ? -1 : v));
    expect(fitIntervals(cal, z, 250)!.space).toBe('level');
  });

  it('falls back to the naive one-step errors when no origin can be calibrated', () => {
    const y = Float64Array.from([5, 6, 8, 7]);
    const m = fitIntervals([], y, 4)!;
    expect(m.method).toBe('naive');
    expect(m.errors[0]).toEqual([Math.log(6 / 5), Math.log(8 / 7), Math.log(8 / 6)].map((v) => Number(v.toPrecision(6))).sort((a, b) => a - b));
    expect(fitIntervals([], Float64Array.from([5]), 1)).toBeNull();
  });

  it('covers a Gaussian random walk’s future as often as it says, within sampling error', () => {
    // The naive forecast of a random walk with sigma 1: its h-step error is N(0, h). Calibrated
    // on 100 origins of 300 rows, the intervals should cover new paths at about the nominal rate.
    const rand = mulberry32(7);
    const z = gaussian(rand);
    const H = 4;
    const hits: Record<number, number> = { 80: 0, 95: 0 };
    let total = 0;
    const widths95: number[] = [];
    for (let rep = 0; rep < 200; rep++) {
      const y = new Float64Array(300 + H);
      for (let t = 1; t < y.length; t++) y[t] = y[t - 1] + z();
      const naiveAt = (o: number, k: number) => new Float64Array(k).fill(y[o - 1]);
      const model = fitIntervals(calibrationForecasts(naiveAt, y, { first: 1, end: 300, steps: H }), y, 300)!;
      expect(model.space).toBe('level');
      const f = naiveAt(300, H);
      for (const level of [80, 95]) {
        const b = bandOf(model, f, level);
        for (let k = 0; k < H; k++) if (y[300 + k] >= b.lower[k] && y[300 + k] <= b.upper[k]) hits[level]++;
      }
      widths95.push(halfWidths(model, 0.95, H)[H - 1]);
      total += H;
    }
    // 800 points: the binomial standard error of a 95% rate is 0.8 points, of an 80% rate 1.4
    expect(hits[95] / total).toBeGreaterThan(0.92);
    expect(hits[95] / total).toBeLessThan(0.98);
    expect(hits[80] / total).toBeGreaterThan(0.75);
    expect(hits[80] / total).toBeLessThan(0.85);
    // the 4-step width is about 1.96 sqrt(4) = 3.92 on average, drawn TAIL_FACTOR wider (so that
    // these exchangeable errors are covered a little more often than 95%: P(|Z| < 2.10) = 96.4%)
    const mean = widths95.reduce((a, v) => a + v, 0) / widths95.length;
    expect(mean).toBeGreaterThan(3.92 * TAIL_FACTOR * 0.9);
    expect(mean).toBeLessThan(3.92 * TAIL_FACTOR * 1.1);
  });

  it('covers a seasonal series with known error variance: the interval is about 1.96 sigma wide at every step', () => {
    // y = season + N(0, 2^2): the seasonal mean forecast's error is the noise alone
    const rand = mulberry32(11);
    const z = gaussian(rand);
    const m = 12;
    const pattern = Array.from({ length: m }, (_, i) => 100 + 10 * Math.sin((2 * Math.PI * i) / m));
    let inside = 0;
    let total = 0;
    for (let rep = 0; rep < 100; rep++) {
      const y = Float64Array.from({ length: 240 + m }, (_, t) => pattern[t % m] + 2 * z());
      const at = (o: number, k: number) => Float64Array.from({ length: k }, (_, j) => pattern[(o + j) % m]);
      const model = fitIntervals(calibrationForecasts(at, y, { first: 1, end: 240, steps: m }), y, 240)!;
      const b = bandOf(model, at(240, m), 95);
      for (let k = 0; k < m; k++) if (y[240 + k] >= b.lower[k] && y[240 + k] <= b.upper[k]) inside++;
      total += m;
      if (rep === 0) {
        // in log space about a level of 100: a ratio of about exp(1.96 * 2 / 100)
        const w = halfWidths(model, 0.95, m);
        for (const v of w) expect(v).toBeGreaterThan(0.03);
        for (const v of w) expect(v).toBeLessThan(0.06);
      }
    }
    expect(inside / total).toBeGreaterThan(0.93);
    expect(inside / total).toBeLessThan(0.985);
  });
});

describe('ensemble intervals (evaluation.intervals: ensemble)', () => {
  it('the spread is the standard deviation of the forecasts averaged, step by step; none for one forecast', () => {
    const s = ensembleSpread([Float64Array.from([1, 10]), Float64Array.from([2, 10]), Float64Array.from([3, 16])])!;
    // step 1: mean 2, squares 1 + 0 + 1 over n - 1 = 2: 1; step 2: mean 12, 4 + 4 + 16 = 24 / 2 = 12
    expect(Array.from(s)).toEqual([1, Math.sqrt(12)]);
    expect(ensembleSpread([Float64Array.from([1, 2])])).toBeNull();
    // relative to the forecast in log space, as it is in level space
    expect(Array.from(relativeSpread('log', [1, 2], [50, 40]))).toEqual([0.02, 0.05]);
    expect(Array.from(relativeSpread('level', [1, 2], [50, 40]))).toEqual([1, 2]);
  });

  it("divides each error by its origin's scale (its spread, at most the largest, plus the median), and widths are the quantile times the scale", () => {
    // level space (a value <= 0): errors |y - f| at two steps from four origins
    const y = Float64Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const cal = [2, 3, 4, 5].map((end, i) => ({
      end,
      forecast: Float64Array.from([i + 1, 2 * (i + 1)]),
      spread: Float64Array.from([1, i === 0 ? 0 : 2]),
    }));
    const m = fitIntervals(cal, y, 8, 'ensemble')!;
    expect(m.method).toBe('ensemble');
    expect(m.space).toBe('level');
    // step 1: spreads all 1 (median 1, max 1): scales 1 + 1 = 2, errors 1, 2, 3, 4 over 2
    // step 2: spreads 0, 2, 2, 2 (median 2, max 2): scales 2, 4, 4, 4, errors 2, 4, 6, 8 over them
    expect(m.spreads).toEqual({ median: [1, 2], max: [1, 2] });
    expect(m.errors).toEqual([
      [0.5, 1, 1.5, 2],
      [1, 1, 1.5, 2],
    ]);
    // 60%: the ceil(5 * 0.6) = 3rd smallest, 1.5 scales at both steps; scales min(0.5, 1) + 1 and min(3, 2) + 2
    expect(Array.from(halfWidths(m, 0.6, 2, [0.5, 3]))).toEqual([2.25, 6]);
    // scales 2 and 2: a width never narrower than the step before's
    expect(Array.from(halfWidths(m, 0.6, 2, [2, 0]))).toEqual([3, 3]);
    // without a spread, the median stands in for it
    expect(Array.from(halfWidths(m, 0.6, 2))).toEqual([3, 6]);
    // bands about a forecast: forecast -/+ width, quantiles from the same widths
    const b = bandOf(m, [10, 20], 60, [0.5, 3]);
    expect(Array.from(b.lower)).toEqual([7.75, 14]);
    expect(Array.from(b.upper)).toEqual([12.25, 26]);
    expect(Array.from(quantileOf(m, [10, 20], 0.8, [0.5, 3]))).toEqual([12.25, 26]);
    // spreadOf: each block with its own rows of the spread (the second block: scale min(2, 1) + 1)
    const sp = spreadOf(m, Float64Array.from([10, 20, 10]), [2, 1], [60], [], Float64Array.from([0.5, 3, 2]));
    expect(Array.from(sp.bands[0].upper)).toEqual([12.25, 26, 13]);
  });

  it("quantile heads' spread: the 10%-90% distance over 2 z90, a normal's sigma; steps beyond the heads grow as sqrt(k)", () => {
    const z90 = 1.2815515655446004;
    const s = headsSpread([90, 80], [110, 130], 4);
    expect(s[0]).toBeCloseTo(20 / (2 * z90), 12);
    expect(s[1]).toBeCloseTo(50 / (2 * z90), 12);
    expect(s[2]).toBeCloseTo(s[1] * Math.sqrt(3 / 2), 12);
    expect(s[3]).toBeCloseTo(s[1] * Math.sqrt(2), 12);
    // crossed heads count by their distance
    expect(headsSpread([110], [90], 1)[0]).toBeCloseTo(20 / (2 * z90), 12);
  });

  it('is the conformal method where an origin has no spread (one forecast averaged) or the spreads of a step are mostly zero', () => {
    const y = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const with1 = [
      { end: 2, forecast: Float64Array.from([2.5]), spread: Float64Array.from([1]) },
      { end: 3, forecast: Float64Array.from([3.5]) },
    ];
    expect(fitIntervals(with1, y, 5, 'ensemble')!.method).toBe('conformal');
    // a median spread of zero: the forecasts mostly agreed
    const zero = [2, 3, 4].map((end) => ({ end, forecast: Float64Array.from([end + 0.5]), spread: Float64Array.from([end === 4 ? 1 : 0]) }));
    expect(fitIntervals(zero, y, 5, 'ensemble')!.method).toBe('conformal');
    expect(fitIntervals(zero, y, 5, 'ensemble')).toEqual(fitIntervals(zero, y, 5));
  });

  it('covers at the nominal rate where the error scale changes with the origin and the spread follows it, narrower where the spread is small', () => {
    // each origin's noise has its own sigma (1 or 5); the ensemble's spread is sigma / 2 plus a little noise
    const rand = mulberry32(3);
    const z = gaussian(rand);
    const n = 400;
    const sigma = Float64Array.from({ length: n + 1 }, (_, t) => ((t * 7919) % 11 < 6 ? 1 : 5));
    let inside = 0;
    let total = 0;
    const small: number[] = [];
    const large: number[] = [];
    for (let rep = 0; rep < 40; rep++) {
      const y = Float64Array.from({ length: n + 1 }, (_, t) => 100 + sigma[t] * z());
      const at = (o: number, k: number) => ({
        forecast: new Float64Array(k).fill(100),
        spread: Float64Array.from({ length: k }, (_, j) => (sigma[o + j] / 2) * (1 + 0.1 * rand())),
      });
      const cal = calibrationForecasts(at, y, { first: 1, end: n, steps: 1 });
      const m = fitIntervals(cal, y, n, 'ensemble')!;
      expect(m.method).toBe('ensemble');
      const f = at(n, 1);
      const b = bandOf(m, f.forecast, 95, f.spread);
      if (y[n] >= b.lower[0] && y[n] <= b.upper[0]) inside++;
      total++;
      (sigma[n] === 1 ? small : large).push(b.upper[0] - b.lower[0]);
      // and over the calibration origins themselves, origin by origin
      for (const c of cal) {
        const bc = bandOf(m, c.forecast, 95, c.spread);
        if (y[c.end] >= bc.lower[0] && y[c.end] <= bc.upper[0]) inside++;
        total++;
      }
    }
    expect(inside / total).toBeGreaterThan(0.93);
    expect(inside / total).toBeLessThan(0.98);
    // sigma[400] is one of the two: the widths follow it (log space about 100: a ratio near 1.96 sigma / 100 each side)
    const widths = [...small, ...large];
    expect(widths.length).toBe(40);
    const w = widths[0];
    expect(sigma[n] === 1 ? w : w / 5).toBeGreaterThan(2 * 1.96 * 0.85);
    expect(sigma[n] === 1 ? w : w / 5).toBeLessThan(2 * 1.96 * 1.2);
  });
});
