import { describe, expect, it } from 'vitest';
import { decodeFreely, encoderDecoderWindows } from '../../src/windows/index-math.js';

describe('encoder-decoder windows (window.mode many-to-many)', () => {
  it('puts the lookback steps first, then one decoder step per horizon step holding the previous value and how far ahead it is', () => {
    // two windows, lookback 2, columns [target, other], horizon 3
    const x = Float32Array.from([1, 10, 2, 20, 5, 50, 6, 60]);
    const y = Float32Array.from([3, 4, 5, 7, 8, 9]);
    const out = encoderDecoderWindows(x, y, { n: 2, lookback: 2, features: 2, horizon: 3, targetPos: 0 });
    // [target, other, ahead] per step, 5 steps per window
    expect(Array.from(out)).toEqual(
      [...[1, 10, 0, 2, 20, 0], ...[2, 0, 1 / 3, 3, 0, 2 / 3, 4, 0, 1], ...[5, 50, 0, 6, 60, 0], ...[6, 0, 1 / 3, 7, 0, 2 / 3, 8, 0, 1]].map(Math.fround),
    );
    // forecasting: no targets, the first decoder step still holds the last value
    const f = encoderDecoderWindows(x, null, { n: 2, lookback: 2, features: 2, horizon: 3, targetPos: 1 });
    expect(Array.from(f.subarray(6, 15))).toEqual([0, 20, 1 / 3, 0, 0, 2 / 3, 0, 0, 1].map(Math.fround));
  });

  it('decodes freely: each decoder step is fed the forecast of the step before, in as many calls as the horizon has steps', () => {
    // a causal stand-in for a model: step h forecasts twice its previous value plus h (and reads nothing later)
    const L = 2;
    const H = 4;
    let calls = 0;
    const predict = (x: Float32Array, n: number, steps: number, w: number) => {
      calls++;
      expect(steps).toBe(L + H);
      const y = new Float32Array(n * H);
      for (let i = 0; i < n; i++) for (let h = 0; h < H; h++) y[i * H + h] = 2 * x[(i * steps + L + h) * w] + h;
      return y;
    };
    const x = encoderDecoderWindows(Float32Array.from([0, 1, 0, 3]), null, { n: 2, lookback: L, features: 1, horizon: H, targetPos: 0 });
    const y = decodeFreely(predict, x, { n: 2, lookback: L, horizon: H, features: 2, targetPos: 0 });
    expect(calls).toBe(H);
    // from 1: 2, 5, 12, 27; from 3: 6, 13, 28, 59
    expect(Array.from(y)).toEqual([2, 5, 12, 27, 6, 13, 28, 59]);
    // teacher-forced values already in x do not leak into a free-running forecast
    const forced = encoderDecoderWindows(Float32Array.from([0, 1]), Float32Array.from([100, 100, 100, 100]), {
      n: 1,
      lookback: L,
      features: 1,
      horizon: H,
      targetPos: 0,
    });
    expect(Array.from(decodeFreely(predict, forced, { n: 1, lookback: L, horizon: H, features: 2, targetPos: 0 }))).toEqual([2, 5, 12, 27]);
  });
});
