/** The model's forecasts from many origins in one call: the same numbers as one call per origin. */
import { describe, expect, it } from 'vitest';
import { forecastTransformed, forecastTransformedMany, type ModelIO } from '../../src/forecast/forecast.js';

/** A model whose outputs for each row depend only on that row (as rnnfc's kernels and heads compute them): weighted sums of its inputs. */
function rowModel(outputs: number) {
  const calls: number[] = [];
  const predict = (x: Float32Array, b: number, t: number, f: number) => {
    calls.push(b);
    const y = new Float32Array(b * outputs);
    for (let r = 0; r < b; r++)
      for (let h = 0; h < outputs; h++) {
        let s = 0;
        for (let i = 0; i < t * f; i++) s += x[r * t * f + i] * Math.fround(Math.sin(i + 3 * h + 1));
        y[r * outputs + h] = s;
      }
    return y;
  };
  return { predict, calls };
}

const base: ModelIO = {
  mode: 'many-to-one',
  strategy: 'direct',
  lookback: 5,
  horizon: 4,
  outputs: 4,
  features: ['y', 'temp'],
  target: 'y',
  offset: 0,
  warmup: 20,
};
const columns = {
  y: Float64Array.from({ length: 40 }, (_, t) => 10 + Math.sin(t / 3) * 4 + t * 0.2),
  temp: Float64Array.from({ length: 40 }, (_, t) => Math.cos(t / 5)),
};

describe('forecastTransformedMany', () => {
  it.each([
    ['plain windows', base],
    ['windows relative to their last value', { ...base, normalize: 'last', normScale: 0.7 } as ModelIO],
    ['static inputs after each step', { ...base, normalize: 'last', normScale: 1.3, statics: [0, 1, -0.5] } as ModelIO],
  ])('%s: each origin bit for bit as its own call, one call for those within the outputs', (_, io) => {
    const origins = [
      { end: 5, k: 4 },
      { end: 17, k: 2 },
      { end: 30, k: 4 },
      { end: 31, k: 1 },
    ];
    const width = io.features.length + (io.statics?.length ?? 0);
    const many = rowModel(4);
    const got = forecastTransformedMany(
      (x, b, t, f) => {
        expect(f).toBe(width);
        return many.predict(x, b, t, f);
      },
      io,
      columns,
      origins,
    );
    expect(many.calls).toEqual([4]);
    const one = rowModel(4);
    origins.forEach((o, i) => expect(Array.from(got[i]), `origin ${o.end}`).toEqual(Array.from(forecastTransformed(one.predict, io, columns, o.end, o.k))));
  });

  it('splits the batch into calls of at most maxRows windows, with the same numbers', () => {
    const origins = [10, 12, 14, 16, 18].map((end) => ({ end, k: 3 }));
    const all = rowModel(4);
    const whole = forecastTransformedMany(all.predict, base, columns, origins);
    const parts = rowModel(4);
    const split = forecastTransformedMany(parts.predict, base, columns, origins, 2);
    expect(all.calls).toEqual([5]);
    expect(parts.calls).toEqual([2, 2, 1]);
    expect(split.map((f) => Array.from(f))).toEqual(whole.map((f) => Array.from(f)));
  });

  it('forecasts an origin needing more steps than one call gives on its own (fed back)', () => {
    const io: ModelIO = { ...base, features: ['y'], normalize: 'last', normScale: 1 };
    const many = rowModel(4);
    const got = forecastTransformedMany(many.predict, io, columns, [
      { end: 20, k: 3 },
      { end: 25, k: 9 },
    ]);
    // one batched call for the first; three fed-back calls for the second
    expect(many.calls).toEqual([1, 1, 1, 1]);
    expect(Array.from(got[1])).toEqual(Array.from(forecastTransformed(rowModel(4).predict, io, columns, 25, 9)));
    expect(got[1]).toHaveLength(9);
  });
});
