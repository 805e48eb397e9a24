/**
 * The automatic ETS's search on the kernels (assembly/ets.ts, through forecast/ets.ts fitEts and
 * leastSquaresInitial) against the TypeScript it replaced (./ets-reference.ts): every model of the
 * family on series of every kind gives the same fit to the bit.
 */
import { describe, expect, it } from 'vitest';
import { type EtsFit, type EtsModel, fitEts, leastSquaresInitial } from '../../src/forecast/ets.js';
import { mulberry32 } from '../../src/pretrain/rng.js';
import { referenceFitEts, referenceLeastSquaresInitial } from './ets-reference.js';

/** Series of many kinds: trending, seasonal (additive and multiplicative), noisy, constant, negative, short and long. */
function series(): { name: string; y: number[]; m: number }[] {
  const out: { name: string; y: number[]; m: number }[] = [];
  const r = mulberry32(20261202);
  for (const [n, m] of [
    [14, 1],
    [24, 4],
    [40, 4],
    [60, 12],
    [94, 12],
    [130, 12],
    [33, 1],
    [80, 7],
  ]) {
    const season = Array.from({ length: m }, () => 0.3 * (r() - 0.5));
    const trend = (r() - 0.3) * 2;
    let walk = 0;
    out.push({
      name: `multiplicative ${n}x${m}`,
      m,
      y: Array.from({ length: n }, (_, t) => {
        walk += r() - 0.5;
        return (100 + trend * t + 3 * walk) * (1 + season[t % m]);
      }),
    });
    out.push({ name: `additive, crossing zero ${n}x${m}`, m, y: Array.from({ length: n }, (_, t) => -5 + 0.2 * t + 4 * season[t % m] * 10 + (r() - 0.5) * 3) });
  }
  out.push({ name: 'constant', m: 4, y: Array.from({ length: 30 }, () => 7) });
  out.push({ name: 'steps', m: 1, y: Array.from({ length: 25 }, (_, t) => (t < 12 ? 10 : 40)) });
  out.push({ name: 'tiny', m: 1, y: [3, 4, 5, 4, 6, 5, 7] });
  // positive, falling to near zero in steps: trends forecast below zero, where a multiplicative
  // error's likelihood is infinite, so the simplex holds infinities to order
  out.push({ name: 'collapsing', m: 4, y: Array.from({ length: 36 }, (_, t) => (t % 9 === 8 ? 0.001 : 100 * 0.8 ** t + 0.01 * (t % 4))) });
  out.push({ name: 'spiky', m: 1, y: Array.from({ length: 30 }, (_, t) => (t % 5 === 0 ? 80 + t : 0.05 + 0.01 * t)) });
  return out;
}

const MODELS: EtsModel[] = [];
for (const error of ['A', 'M'] as const)
  for (const trend of ['N', 'A', 'Ad'] as const) for (const season of ['N', 'A', 'M'] as const) MODELS.push({ error, trend, season });

const bits = (f: EtsFit | null) =>
  f === null
    ? null
    : [
        f.aicc,
        f.params.alpha,
        f.params.beta,
        f.params.gamma,
        f.params.phi,
        f.initial.level,
        f.initial.trend,
        ...f.initial.season,
        f.final.level,
        f.final.trend,
        ...f.final.season,
      ].map((v) => (Object.is(v, -0) ? '-0' : String(v)));

describe('the automatic ETS search on the kernels (assembly/ets.ts)', () => {
  it('fits every model of the family to the bit as the TypeScript reference does', () => {
    let compared = 0;
    let fitted = 0;
    for (const { name, y, m } of series()) {
      const positive = y.every((v) => v > 0);
      for (const model of MODELS) {
        if (model.season !== 'N' && (m < 2 || y.length < 2 * m + 2)) continue;
        if (model.season === 'M' && !positive) continue;
        const ours = fitEts(y, m, model);
        const theirs = referenceFitEts(y, m, model);
        expect(bits(ours), `${name} ${model.error}${model.trend}${model.season}`).toEqual(bits(theirs));
        compared++;
        if (ours) fitted++;
      }
    }
    // most models fit, and every kind of model was compared
    expect(compared).toBeGreaterThan(150);
    expect(fitted).toBeGreaterThan(140);
  });

  it('solves the least-squares initial states to the bit as the reference does, given parameters', () => {
    for (const { name, y, m } of series()) {
      for (const model of MODELS) {
        if (model.season === 'M' || (model.season === 'A' && m < 2)) continue;
        for (const p of [
          { alpha: 0.3, beta: 0.05, gamma: 0.2, phi: 0.9 },
          { alpha: 0.9999, beta: 0.5, gamma: 0.0001, phi: 0.8 },
        ]) {
          const ours = leastSquaresInitial(y, m, model, p);
          const theirs = referenceLeastSquaresInitial(y, m, model, p);
          expect([ours.level, ours.trend, ...ours.season], `${name} ${model.trend}${model.season}`).toEqual([theirs.level, theirs.trend, ...theirs.season]);
        }
      }
    }
  });
});
