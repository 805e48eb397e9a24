import { describe, expect, it } from 'vitest';
import { acf, chooseWindowTransforms, seasonalStability, seasonBeatsLast } from '../../src/forecast/auto.js';

/** Deterministic PRNG (mulberry32) + Box-Muller normal. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
}

describe('acf', () => {
  it('acf basics', () => {
    expect(acf([1, 2, 3, 4, 5, 6, 7, 8], 1)).toBeGreaterThan(0.5);
    expect(acf([1, -1, 1, -1, 1, -1], 1)).toBeLessThan(-0.5);
    expect(acf([3, 3, 3], 1)).toBe(0);
  });
});

describe('chooseWindowTransforms', () => {
  const kindsOf = (t: ReturnType<typeof chooseWindowTransforms>) => t.map((s) => (s.kind === 'deseasonalize' ? `deseasonalize:${s.period}` : s.kind));
  it('a stable multiplicative season -> log, deseasonalize, scale', () => {
    const r = rng(6);
    const y = Float64Array.from({ length: 144 }, (_, i) => (100 + 2 * i) * (1 + 0.2 * Math.sin((2 * Math.PI * i) / 12)) * Math.exp(0.01 * r()));
    expect(kindsOf(chooseWindowTransforms(y, 12, 18))).toEqual(['log', 'deseasonalize:12', 'scale']);
    expect(seasonalStability(Float64Array.from(y, Math.log), 12, 18)).toBeLessThan(0.8);
  });
  it('a season whose shape keeps changing is left in the windows', () => {
    // the seasonal peak of period 8 drifts by half a season over the series, so the average
    // profile fits neither end; last season's values forecast better
    const r = rng(7);
    const n = 400;
    const y = Float64Array.from({ length: n }, (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 8 + (Math.PI * i) / n) + 0.2 * r());
    expect(seasonalStability(Float64Array.from(y, Math.log), 8, 8)).toBeGreaterThan(0.8);
    expect(kindsOf(chooseWindowTransforms(y, 8, 8))).toEqual(['log', 'scale']);
  });
  it('a strong season in a series too short to test its stability is removed (2 to 3 seasons)', () => {
    const r = rng(9);
    const y = Float64Array.from({ length: 36 }, (_, i) => (200 + i) * (1 + 0.3 * Math.sin((2 * Math.PI * i) / 12)) * Math.exp(0.01 * r()));
    expect(seasonalStability(Float64Array.from(y, Math.log), 12, 18)).toBeNaN();
    expect(kindsOf(chooseWindowTransforms(y, 12, 18))).toEqual(['log', 'deseasonalize:12', 'scale']);
    // exactly two whole seasons: removed; fewer: left in the windows
    expect(kindsOf(chooseWindowTransforms(y.subarray(0, 24), 12, 18))).toEqual(['log', 'deseasonalize:12', 'scale']);
    expect(kindsOf(chooseWindowTransforms(y.subarray(0, 23), 12, 18))).toEqual(['log', 'scale']);
  });
  it('no strong season, non-positive values, m = 1 or too short -> no deseasonalize', () => {
    const r = rng(8);
    const noise = Float64Array.from({ length: 200 }, () => r());
    expect(kindsOf(chooseWindowTransforms(noise, 12, 12))).toEqual(['scale']);
    expect(
      kindsOf(
        chooseWindowTransforms(
          Float64Array.from(noise, (v) => v + 10),
          1,
          12,
        ),
      ),
    ).toEqual(['log', 'scale']);
    expect(seasonalStability(noise.subarray(0, 30), 12, 12)).toBeNaN();
  });
  it('sees a season in two seasons of data by last season beating the last value (wine sales, 1980-81)', () => {
    // |z[t] - z[t-4]| sums to 0 against 1 + 1 + 1 + 1 for the last value; a trend goes the other way (16 vs 4)
    expect(seasonBeatsLast(Float64Array.of(0, 1, 0, -1, 0, 1, 0, -1), 4)).toBe(true);
    expect(seasonBeatsLast(Float64Array.of(0, 1, 2, 3, 4, 5, 6, 7), 4)).toBe(false);
    expect(seasonBeatsLast(Float64Array.of(1, 2, 3), 4)).toBe(false);
    const wine = Float64Array.of(
      15136,
      16733,
      20016,
      17708,
      18019,
      19227,
      22893,
      23739,
      21133,
      22591,
      26786,
      29740,
      15028,
      17977,
      20008,
      21354,
      19498,
      22125,
      25817,
      28779,
      20960,
      22254,
      27392,
      29945,
    );
    const z = Float64Array.from(wine, Math.log);
    const diffs = z.slice(1).map((v, i) => v - z[i]);
    expect(acf(diffs, 12)).toBeLessThan(0.3); // too few pairs for the autocorrelation test
    expect(seasonBeatsLast(z, 12)).toBe(true);
    expect(kindsOf(chooseWindowTransforms(wine, 12, 18))).toEqual(['log', 'deseasonalize:12', 'scale']);
  });
});
