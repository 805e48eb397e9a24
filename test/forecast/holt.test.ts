import { describe, expect, it } from 'vitest';
import { FIT_WINDOW, fitHolt, HOLT_REFIT_EVERY, holtFitFor, holtForecast, holtForecaster, PHIS } from '../../src/forecast/holt.js';
import { classicalIndices } from '../../src/forecast/theta.js';
import { mulberry32 } from '../../src/pretrain/rng.js';

/** A positive quarterly series seasonally adjusted as holtForecast adjusts it (multiplicative classical decomposition). */
function adjusted(w: number[]): { x: number[]; index: ArrayLike<number> | null; n: number } {
  const index = w.length >= 9 ? classicalIndices(w, 4, true) : null;
  return { x: index ? w.map((v, i) => v / index[i % 4]) : w, index, n: w.length };
}

/** The damped-trend recursion written out plainly, from a given initial state. */
function recurse(x: number[], alpha: number, beta: number, phi: number, l0: number, b0: number) {
  let l = l0,
    b = b0,
    sse = 0;
  for (const v of x) {
    const f = l + phi * b;
    sse += (v - f) ** 2;
    const nl = alpha * v + (1 - alpha) * f;
    b = beta * (nl - l) + (1 - beta) * phi * b;
    l = nl;
  }
  return { level: l, trend: b, sse };
}

const NOISY = [12, 14.5, 13.8, 16.2, 17.9, 17.1, 19.4, 21.2, 20.5, 23.3, 24.1, 23.8, 26.5, 27.2, 28.9, 28.1, 30.6, 31.5];

describe("Holt's damped trend (model.holt)", () => {
  it('carries the recursion from the least-squares initial state', () => {
    const fit = holtFitFor(NOISY, 0.4, 0.1, 0.9);
    const plain = recurse(NOISY, 0.4, 0.1, 0.9, fit.initial.level, fit.initial.trend);
    expect(fit.level).toBeCloseTo(plain.level, 9);
    expect(fit.trend).toBeCloseTo(plain.trend, 9);
    expect(fit.sse).toBeCloseTo(plain.sse, 8);
    // the initial state is the minimum: the sum of squares is a quadratic, so its gradient is zero there
    const d = 1e-4;
    for (const [dl, db] of [
      [d, 0],
      [0, d],
    ]) {
      const up = recurse(NOISY, 0.4, 0.1, 0.9, fit.initial.level + dl, fit.initial.trend + db).sse;
      const down = recurse(NOISY, 0.4, 0.1, 0.9, fit.initial.level - dl, fit.initial.trend - db).sse;
      expect(Math.abs(up - down) / (2 * d)).toBeLessThan(1e-5 * fit.sse + 1e-6);
      expect(up).toBeGreaterThan(fit.sse);
      expect(down).toBeGreaterThan(fit.sse);
    }
  });

  it('fits a straight line exactly when undamped, from level 0 and trend 1 before 1, 2, 3, ...', () => {
    const fit = holtFitFor([1, 2, 3, 4, 5, 6], 0.5, 0.2, 1);
    expect(fit.sse).toBeLessThan(1e-18);
    expect(fit.initial.level).toBeCloseTo(0, 9);
    expect(fit.initial.trend).toBeCloseTo(1, 9);
    expect(fit.level).toBeCloseTo(6, 9);
    expect(fit.trend).toBeCloseTo(1, 9);
  });

  it('keeps the grid point with the least squares', () => {
    const best = fitHolt(NOISY);
    expect(PHIS).toContain(best.phi);
    for (const [a, b, phi] of [
      [0.5, 0.05, 0.8],
      [0.95, 0.475, 0.98],
      [0.1, 0.01, 0.9],
    ])
      expect(holtFitFor(NOISY, a, b, phi).sse).toBeGreaterThanOrEqual(best.sse);
  });

  it('searches coarse to fine, giving up on points early, and keeps the point an unpruned search keeps, bit for bit', () => {
    // the definition: the coarse grid tried to the end, then every point within 2 steps of i and j
    // of its best, the first in grid order among equals
    const point = (x: number[], i: number, j: number, p: number) => ({ fit: holtFitFor(x, i / 20, ((i / 20) * j) / 20, PHIS[p]), i, j });
    const search = (x: number[], is: number[], js: number[]) => {
      let best: ReturnType<typeof point> | null = null;
      for (const i of is)
        for (const j of js)
          for (let p = 0; p < PHIS.length; p++) {
            const c = point(x, i, j, p);
            if (!best || c.fit.sse < best.fit.sse) best = c;
          }
      return best!;
    };
    const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
    const defined = (x: number[]) => {
      const coarse = search(x, [1, 4, 7, 10, 13, 16, 19], [1, 4, 7, 10]);
      const fine = search(x, range(Math.max(1, coarse.i - 2), Math.min(19, coarse.i + 2)), range(Math.max(1, coarse.j - 2), Math.min(10, coarse.j + 2)));
      // grid order among equals: the fine window holds the coarse point, and walks in grid order
      return fine.fit.sse < coarse.fit.sse || (fine.fit.sse === coarse.fit.sse && (fine.i - coarse.i) * 10 + fine.j - coarse.j < 0) ? fine.fit : coarse.fit;
    };
    const whole = (x: number[]) => search(x, range(1, 19), range(1, 10)).fit;
    const r = mulberry32(11);
    let found = 0;
    for (let k = 0; k < 60; k++) {
      // trends, levels from 1e-3 to 1e6, noise, steps and flat stretches, 5 to 150 values
      const n = 5 + Math.floor(r() * 146);
      const scale = 10 ** (r() * 9 - 3);
      const slope = (r() - 0.5) * 0.2;
      const x = Array.from({ length: n }, (_, t) => scale * (10 + slope * t + (r() - 0.5) * (k % 3) + (t > n / 2 && k % 4 === 0 ? 5 : 0)));
      const got = fitHolt(x);
      expect(got, `series ${k}`).toEqual(defined(x));
      // never better than the whole grid's best; the same point on most series
      const all = whole(x);
      expect(got.sse).toBeGreaterThanOrEqual(all.sse);
      if (got.sse === all.sse) found++;
    }
    expect(found).toBeGreaterThanOrEqual(48);
  });

  it('from successive origins, searches the grid every HOLT_REFIT_EVERY forecasts and keeps its parameters between', () => {
    const r = mulberry32(5);
    const y = Array.from({ length: 80 }, (_, t) => 100 + 0.8 * t + 6 * Math.sin((2 * Math.PI * t) / 4) + (r() - 0.5) * 4);
    const at = holtForecaster(4);
    // the forecast of the parameters searched at origin o, refitted from each later origin's rows
    const withParams = (o: number, end: number) => {
      const p = fitHolt(adjusted(y.slice(0, o)).x);
      const { x, index, n } = adjusted(y.slice(0, end));
      const f = holtFitFor(x, p.alpha, p.beta, p.phi);
      // one step ahead: level + phi trend, times the season's index at row n
      return (f.level + p.phi * f.trend) * index![n % 4];
    };
    let reused = 0;
    for (let end = 40; end < 60; end++) {
      const got = at(y.slice(0, end), 1);
      if (got[0] !== holtForecast(y.slice(0, end), 4, 1)[0]) reused++;
      const searched = 40 + Math.floor((end - 40) / HOLT_REFIT_EVERY) * HOLT_REFIT_EVERY;
      expect(got[0], `origin ${end}`).toBeCloseTo(withParams(searched, end), 10);
      if (end === searched) expect(Array.from(got)).toEqual(Array.from(holtForecast(y.slice(0, end), 4, 1)));
    }
    // (a search at those origins would have found other parameters: the reuse is seen)
    expect(reused).toBeGreaterThan(0);
    // an origin before the last starts a new search
    expect(Array.from(at(y.slice(0, 45), 2))).toEqual(Array.from(holtForecast(y.slice(0, 45), 4, 2)));
  });

  it('forecasts l + (phi + ... + phi^h) b, a trend that flattens', () => {
    const y = Array.from({ length: 30 }, (_, t) => 10 + 2 * t);
    const f = holtForecast(y, 1, 6);
    const fit = fitHolt(y);
    let s = 0;
    for (let h = 1; h <= 6; h++) {
      s += fit.phi ** h;
      expect(f[h - 1]).toBeCloseTo(fit.level + s * fit.trend, 9);
    }
    // rising, but by less each step, and never past the straight line
    for (let h = 1; h < 6; h++) expect(f[h] - f[h - 1]).toBeLessThan(f[h - 1] - (h > 1 ? f[h - 2] : y[29]) + 1e-9);
    expect(f[0]).toBeGreaterThan(y[29]);
    expect(f[5]).toBeLessThanOrEqual(10 + 2 * 35 + 1e-9);
  });

  it('seasonally adjusts by classical decomposition and puts the season back', () => {
    const season = [0.8, 1.1, 1.3, 0.8];
    const y = Array.from({ length: 40 }, (_, t) => (100 + t) * season[t % 4]);
    const f = holtForecast(y, 4, 4);
    for (let h = 1; h <= 4; h++) {
      const truth = (100 + 39 + h) * season[(39 + h) % 4];
      expect(Math.abs(f[h - 1] - truth) / truth, `step ${h}`).toBeLessThan(0.02);
    }
    // with values at or below zero the season is added rather than multiplied
    const z = Array.from({ length: 40 }, (_, t) => t * 0.1 + [-3, 1, 4, -2][t % 4]);
    const g = holtForecast(z, 4, 4);
    for (let h = 1; h <= 4; h++) expect(g[h - 1]).toBeCloseTo((39 + h) * 0.1 + [-3, 1, 4, -2][(39 + h) % 4], 0);
  });

  it('reads only the most recent FIT_WINDOW values, and repeats the last of fewer than 3', () => {
    const long = Array.from({ length: FIT_WINDOW + 200 }, (_, t) => 50 + Math.sin(t / 7) * 5 + t * 0.01);
    expect(Array.from(holtForecast(long, 1, 3))).toEqual(Array.from(holtForecast(long.slice(200), 1, 3)));
    expect(Array.from(holtForecast([4, 7], 1, 2))).toEqual([7, 7]);
    expect(holtForecast([], 1, 2).every(Number.isNaN)).toBe(true);
  });
});
