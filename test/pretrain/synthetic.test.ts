import { describe, expect, it } from 'vitest';
import { FAMILIES, type Family, PROFILES, type SyntheticSeries, seriesSeed, synthesize, synthesizeSeries } from '../../src/pretrain/synthetic.js';

const bytes = (s: SyntheticSeries[]) => s.map((x) => `${x.id}|${x.family}|${x.frequency}|${x.support}|${Buffer.from(x.values.buffer).toString('hex')}`);
const mean = (y: ArrayLike<number>) => Array.from(y).reduce((s, v) => s + v, 0) / y.length;
const share = <T>(xs: T[], f: (x: T) => boolean) => xs.filter(f).length / xs.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const only = (seed: number, count: number, family: Family, noise?: number) => synthesize(seed, count, { families: [family], noise });

/** Pearson correlation of the pairs (y[t], y[t-lag]). */
function lagCorr(y: ArrayLike<number>, lag: number): number {
  const a = Array.from(y).slice(lag),
    b = Array.from(y).slice(0, y.length - lag);
  const ma = mean(a),
    mb = mean(b);
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Least-squares slope of y[a..b). */
function slope(y: ArrayLike<number>, a: number, b: number): number {
  const mt = (a + b - 1) / 2;
  let my = 0;
  for (let t = a; t < b; t++) my += y[t] / (b - a);
  let num = 0,
    den = 0;
  for (let t = a; t < b; t++) {
    num += (t - mt) * (y[t] - my);
    den += (t - mt) ** 2;
  }
  return num / den;
}

/** y minus its least-squares line. */
function detrend(y: ArrayLike<number>): number[] {
  const b = slope(y, 0, y.length),
    my = mean(y),
    mt = (y.length - 1) / 2;
  return Array.from(y, (v, t) => v - my - b * (t - mt));
}

/** Mean and range of each whole cycle of period m. */
function cycles(y: Float64Array, m: number): { mean: number; range: number }[] {
  const out = [];
  for (let c = 0; (c + 1) * m <= y.length; c++) {
    const seg = Array.from(y.subarray(c * m, (c + 1) * m));
    out.push({ mean: mean(seg), range: Math.max(...seg) - Math.min(...seg) });
  }
  return out;
}

describe('synthesize: reproducibility', () => {
  it('gives identical bytes for the same seed, and other series for another seed', () => {
    const a = synthesize(7, 200);
    expect(bytes(synthesize(7, 200))).toEqual(bytes(a));
    const b = synthesize(8, 200);
    for (let i = 0; i < 200; i++) expect(bytes([b[i]])).not.toEqual(bytes([a[i]]));
    expect(a[5].id).toBe('syn-7-5');
  });

  it('makes series i from (seed, i) alone: any one regenerates without the others', () => {
    const all = synthesize(11, 60);
    expect(bytes(synthesize(11, 25))).toEqual(bytes(all.slice(0, 25)));
    for (const i of [0, 17, 59]) expect(bytes([synthesizeSeries(11, i)])).toEqual(bytes([all[i]]));
    // options are part of the recipe: the same (seed, i) under other families is another series
    expect(synthesizeSeries(11, 3, { families: ['ar'] }).family).toBe('ar');
  });

  it('seeds every series differently, also for seeds beyond 32 bits', () => {
    const seeds = new Set<number>();
    for (let i = 0; i < 1000; i++) seeds.add(seriesSeed(1, i));
    expect(seeds.size).toBe(1000);
    expect(seriesSeed(1, 0)).not.toBe(seriesSeed(2 ** 32 + 1, 0));
    expect(seriesSeed(0, 1)).not.toBe(seriesSeed(1, 0));
  });

  it('refuses a seed, count, noise or family it cannot use', () => {
    expect(() => synthesize(-1, 1)).toThrow(/seed must be a non-negative safe integer/);
    expect(() => synthesize(1.5, 1)).toThrow(/seed/);
    expect(() => synthesize(1, -1)).toThrow(/count must be a non-negative integer/);
    expect(() => synthesize(1, 1, { noise: Number.NaN })).toThrow(/noise must be/);
    expect(() => synthesize(1, 1, { families: [] })).toThrow(/families must name/);
    expect(() => synthesize(1, 1, { families: ['sinus' as Family] })).toThrow(/families must name/);
    expect(synthesize(1, 0)).toEqual([]);
  });
});

describe('synthesize: the corpus as a whole', () => {
  const corpus = synthesize(2024, 2000);

  it('has no NaN or infinite value in 2,000 series, nor with the noise off or tripled', () => {
    for (const noise of [1, 0, 3]) {
      const s = noise === 1 ? corpus : synthesize(99, 500, { noise });
      for (const x of s) expect(x.values.every(Number.isFinite), `${x.id} (noise ${noise})`).toBe(true);
    }
  });

  it('draws every family and every profile, with lengths in the profile ranges', () => {
    expect(new Set(corpus.map((x) => x.family))).toEqual(new Set(FAMILIES));
    expect(new Set(corpus.map((x) => x.frequency))).toEqual(new Set([1, 4, 7, 12, 24, 52]));
    for (const x of corpus) {
      const p = PROFILES.find((q) => q.name === x.profile)!;
      expect(x.frequency).toBe(p.period);
      expect(x.values.length).toBeGreaterThanOrEqual(p.minLength);
      expect(x.values.length).toBeLessThanOrEqual(p.maxLength);
    }
    const yearly = corpus.filter((x) => x.profile === 'yearly').map((x) => x.values.length);
    expect(Math.min(...yearly)).toBeGreaterThanOrEqual(15);
    expect(Math.max(...yearly)).toBeLessThanOrEqual(60);
  });

  it('keeps positive series above 0 and nonnegative ones at or above 0; signed ones go below 0', () => {
    for (const x of corpus) {
      if (x.support === 'positive') expect(Math.min(...x.values), x.id).toBeGreaterThan(0);
      if (x.support === 'nonnegative') expect(Math.min(...x.values), x.id).toBe(0);
    }
    expect(corpus.filter((x) => x.family === 'seasonal-multiplicative').every((x) => x.support === 'positive')).toBe(true);
    expect(corpus.filter((x) => x.family === 'intermittent').every((x) => x.support === 'nonnegative')).toBe(true);
    // both kinds occur within a family, and some signed series do cross zero
    expect(new Set(corpus.filter((x) => x.family === 'trend').map((x) => x.support))).toEqual(new Set(['positive', 'real']));
    expect(corpus.some((x) => x.support === 'real' && Math.min(...x.values) < 0 && Math.max(...x.values) > 0)).toBe(true);
  });

  it('spans magnitudes like real data (tenths to tens of thousands)', () => {
    const levels = corpus.filter((x) => x.support === 'positive').map((x) => Math.log10(mean(x.values)));
    expect(Math.min(...levels)).toBeLessThan(0);
    expect(Math.max(...levels)).toBeGreaterThan(4);
  });

  it('gives the seasonal families a period > 1 only', () => {
    for (const x of corpus) if (x.family.startsWith('seasonal')) expect(x.frequency, x.id).toBeGreaterThan(1);
  });
});

describe('synthesize: each family shows its property', () => {
  it('trend: without noise, a straight line (every step the same)', () => {
    for (const x of only(5, 50, 'trend', 0)) {
      const y = x.values,
        d = y[1] - y[0];
      expect(Math.abs(d)).toBeGreaterThan(0);
      for (let t = 2; t < y.length; t++) expect(y[t] - y[t - 1]).toBeCloseTo(d, Math.max(0, 8 - Math.ceil(Math.log10(Math.abs(y[t]) + 1))));
    }
  });

  it('damped trend: the slope shrinks by a constant factor phi in [0.8, 0.98]; with noise the second half is flatter', () => {
    for (const x of only(5, 100, 'damped-trend', 0)) {
      const y = x.values;
      const phi = (y[2] - y[1]) / (y[1] - y[0]);
      expect(phi).toBeGreaterThanOrEqual(0.8 - 1e-6);
      expect(phi).toBeLessThanOrEqual(0.98 + 1e-6);
      for (let t = 2; t < 8; t++) expect((y[t + 1] - y[t]) / (y[t] - y[t - 1])).toBeCloseTo(phi, 5);
    }
    const noisy = only(6, 300, 'damped-trend');
    const flatter = (x: SyntheticSeries) => {
      const n = x.values.length,
        k = Math.floor(n / 2);
      return Math.abs(slope(x.values, k, n)) < Math.abs(slope(x.values, 0, k));
    };
    expect(share(noisy, flatter)).toBeGreaterThan(0.95);
    // a straight trend is flatter in its second half only by chance
    expect(share(only(6, 300, 'trend'), flatter)).toBeLessThan(0.7);
  });

  it('level shift: without noise or trend, the level changes in 1 to 3 steps and stays flat between them', () => {
    for (const x of only(5, 100, 'level-shift', 0)) {
      const d = Array.from(x.values.subarray(1), (v, t) => Math.abs(v - x.values[t]));
      const jumps = d.filter((v) => v > 10 * median(d) && v > 0);
      expect(jumps.length, x.id).toBeGreaterThanOrEqual(1);
      expect(jumps.length, x.id).toBeLessThanOrEqual(3);
    }
  });

  it('seasonal additive: without noise the seasonal difference y[t] - y[t-m] is constant and the swing stays the same size', () => {
    for (const x of only(5, 100, 'seasonal-additive', 0)) {
      const y = x.values,
        m = x.frequency;
      const top = Math.max(...y.map(Math.abs));
      for (let t = m + 1; t < y.length; t++) expect(Math.abs(y[t] - y[t - m] - (y[m] - y[0]))).toBeLessThan(1e-9 * top);
      // the lag-1 difference is not constant: there is a season
      expect(Math.max(...Array.from(y.subarray(1), (v, t) => Math.abs(v - y[t] - (y[1] - y[0]))))).toBeGreaterThan(1e-6 * top);
      const c = cycles(y, m);
      expect(c[c.length - 1].range / c[0].range).toBeCloseTo(1, 6);
    }
  });

  it('seasonal: with noise the detrended lag-m autocorrelation is high in most series', () => {
    const add = only(7, 200, 'seasonal-additive');
    expect(share(add, (x) => lagCorr(detrend(x.values), x.frequency) > 0.5)).toBeGreaterThan(0.9);
    const mult = only(7, 200, 'seasonal-multiplicative');
    expect(share(mult, (x) => lagCorr(detrend(x.values.map(Math.log)), x.frequency) > 0.5)).toBeGreaterThan(0.9);
    // series without a season do not have it
    expect(share(only(7, 200, 'trend'), (x) => x.frequency > 1 && lagCorr(detrend(x.values), x.frequency) > 0.5)).toBeLessThan(0.1);
  });

  it('seasonal multiplicative: the swing grows and shrinks with the level (y[t] / y[t-m] constant without noise)', () => {
    for (const x of only(5, 100, 'seasonal-multiplicative', 0)) {
      const y = x.values,
        m = x.frequency;
      for (let t = m + 1; t < y.length; t++) expect(y[t] / y[t - m]).toBeCloseTo(y[m] / y[0], 9);
      const c = cycles(y, m),
        first = c[0],
        last = c[c.length - 1];
      expect(Math.abs(Math.log(last.mean / first.mean))).toBeGreaterThan(0.1);
      expect(last.range / first.range).toBeCloseTo(last.mean / first.mean, 9);
    }
    const noisy = only(8, 200, 'seasonal-multiplicative');
    expect(
      share(noisy, (x) => {
        const c = cycles(x.values, x.frequency);
        return Math.sign(c[c.length - 1].range - c[0].range) === Math.sign(c[c.length - 1].mean - c[0].mean);
      }),
    ).toBeGreaterThan(0.9);
  });

  it('intermittent: nonnegative integer demands with zeros in every series, at least two demands', () => {
    const s = only(5, 300, 'intermittent');
    for (const x of s) {
      expect(x.values.every((v) => v >= 0 && Number.isInteger(v))).toBe(true);
      expect(x.values.filter((v) => v === 0).length).toBeGreaterThan(0);
      expect(x.values.filter((v) => v > 0).length).toBeGreaterThanOrEqual(2);
    }
    const zeroShare = median(s.map((x) => share(Array.from(x.values), (v) => v === 0)));
    expect(zeroShare).toBeGreaterThan(0.4);
    expect(zeroShare).toBeLessThan(0.95);
  });

  it('AR processes revert to their mean; random walks wander (mean crossings an order of magnitude apart)', () => {
    const crossings = (y: Float64Array) => {
      const c = mean(y);
      let k = 0;
      for (let t = 1; t < y.length; t++) if ((y[t] - c) * (y[t - 1] - c) < 0) k++;
      return k / (y.length - 1);
    };
    const ar = median(only(5, 200, 'ar').map((x) => crossings(x.values)));
    const rw = median(only(5, 200, 'random-walk').map((x) => crossings(x.values)));
    expect(ar).toBeGreaterThan(0.25);
    expect(rw).toBeLessThan(0.1);
    // a random walk's level remembers itself far more than its steps do
    const walks = only(5, 200, 'random-walk').filter((x) => x.values.length >= 100);
    expect(share(walks, (x) => lagCorr(x.values, 1) > 0.8)).toBeGreaterThan(0.9);
  });
});
