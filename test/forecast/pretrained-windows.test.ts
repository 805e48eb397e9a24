/** The pretrained forecaster's windows: normalisation, padding and phase flags by hand, and the forecast loop. */
import { describe, expect, it } from 'vitest';
import { loadPretrained } from '../../src/artifacts/pretrained-files.js';
import {
  CLIP,
  FEATURES,
  forecastTransformedPretrained,
  HORIZON,
  LOOKBACK,
  MIN_SCALE,
  pretrainedForecast,
  pretrainedForecasts,
  seriesWindows,
  windowScale,
  writeWindow,
} from '../../src/forecast/pretrained-windows.js';

const F = FEATURES.length;

describe('pretrained windows', () => {
  it('take values relative to the last one, divided by the mean absolute step', () => {
    const z = [1, 3, 2, 6]; // steps 2, 1, 4: mean 7/3
    const x = new Float32Array(LOOKBACK * F);
    const { last, scale } = writeWindow(z, 4, 1, x);
    expect(last).toBe(6);
    expect(scale).toBeCloseTo(7 / 3, 12);
    const tail = [1, 3, 2, 6].map((v) => (v - 6) / (7 / 3));
    for (let i = 0; i < 4; i++) {
      expect(x[(LOOKBACK - 4 + i) * F]).toBeCloseTo(tail[i], 6);
      expect(x[(LOOKBACK - 4 + i) * F + 1]).toBe(1);
    }
    // rows before the first are padded with the first value and flagged unobserved
    for (let l = 0; l < LOOKBACK - 4; l++) {
      expect(x[l * F]).toBeCloseTo((1 - 6) / (7 / 3), 6);
      expect(x[l * F + 1]).toBe(0);
    }
  });

  it('flag the steps a whole number of seasons before the first forecast step', () => {
    const z = Array.from({ length: 50 }, (_, i) => i % 4);
    const x = new Float32Array(LOOKBACK * F);
    writeWindow(z, 50, 4, x);
    // step l reads row 50 - LOOKBACK + l; row 50 (the first forecast) minus a multiple of 4
    for (let l = 0; l < LOOKBACK; l++) expect(x[l * F + 2]).toBe((LOOKBACK - l) % 4 === 0 ? 1 : 0);
    writeWindow(z, 50, 1, x);
    for (let l = 0; l < LOOKBACK; l++) expect(x[l * F + 2]).toBe(0);
  });

  it('keep a flat window finite (the smallest scale) and clip what leaves it', () => {
    const z = [...new Array(40).fill(5), 5, 5];
    expect(windowScale(z, 40).scale).toBe(MIN_SCALE);
    const jump = [...new Array(40).fill(5), 6];
    const w = seriesWindows(Float64Array.from([...jump, ...new Array(HORIZON).fill(6)]), 1, 1);
    expect(w.count).toBe(1);
    expect(Math.max(...Array.from(w.x).map(Math.abs))).toBeLessThanOrEqual(CLIP);
    expect(Math.max(...Array.from(w.y).map(Math.abs))).toBeLessThanOrEqual(CLIP);
  });

  it('keep evenly spaced windows, the last always, with the next HORIZON values as targets', () => {
    const z = Float64Array.from({ length: 60 }, (_, i) => i * i * 0.01);
    const all = seriesWindows(z, 1, 1000);
    expect(all.count).toBe(60 - HORIZON - 3 + 1);
    const two = seriesWindows(z, 1, 2);
    expect(two.count).toBe(2);
    // the second window is the last one: it ends at 60 - HORIZON; its first target is z[42]
    const { last, scale } = windowScale(z, 60 - HORIZON);
    expect(two.y[HORIZON]).toBeCloseTo((z[60 - HORIZON] - last) / scale, 5);
    expect(two.y[2 * HORIZON - 1]).toBeCloseTo((z[59] - last) / scale, 5);
  });

  it('forecast by undoing the normalisation, feeding forecasts back beyond HORIZON steps', () => {
    const calls: Float32Array[] = [];
    // a network that forecasts +1 scale per step
    const predict = (x: Float32Array) => {
      calls.push(Float32Array.from(x));
      return Float32Array.from({ length: HORIZON }, (_, h) => h + 1);
    };
    const z = Float64Array.from([0, 2, 4, 6]); // scale 2, last 6
    const f = forecastTransformedPretrained(predict, z, 1, HORIZON + 2);
    expect(calls.length).toBe(2);
    for (let h = 0; h < HORIZON; h++) expect(f[h]).toBeCloseTo(6 + 2 * (h + 1), 12);
    // the second call reads the first call's forecasts: last value 6 + 2 * HORIZON, steps of 2
    expect(calls[1][(LOOKBACK - 1) * F]).toBe(0);
    expect(f[HORIZON]).toBeCloseTo(6 + 2 * HORIZON + 2, 9);
    expect(f[HORIZON + 1]).toBeCloseTo(6 + 2 * HORIZON + 4, 9);
  });

  it('forecast in the original space: a network that forecasts the last value gives the naive forecast', () => {
    const predict = () => new Float32Array(HORIZON);
    const y = Float64Array.from({ length: 30 }, (_, i) => 100 + 3 * Math.sin(i) + i);
    const f = pretrainedForecast(predict, y, 1, 6);
    for (const v of f) expect(v).toBeCloseTo(y[29], 6);
    expect(() => forecastTransformedPretrained(predict, Float64Array.from([1, 2]), 1, 3)).toThrow(/at least 3/);
  });
});

describe('the network from many origins at once', () => {
  it("gives each origin pretrainedForecast's forecast bit for bit, in one call where one call covers the horizon", () => {
    const net = loadPretrained('builtin');
    const calls: number[] = [];
    const predict = (x: Float32Array, b: number, t: number, f: number) => {
      calls.push(b);
      return net.predict(x, b, t, f);
    };
    // a seasonal, trending, positive monthly series; origins from too short to the end, horizons below and above one call's
    const y = Float64Array.from({ length: 90 }, (_, t) => 100 + t + 15 * Math.sin((2 * Math.PI * t) / 12) + ((t * 7919) % 13));
    const steps = Array.from({ length: 120 }, (_, t) => t + 5);
    const origins = [
      { end: 2, k: 6 },
      { end: 20, k: 6 },
      { end: 45, k: 12 },
      { end: 60, k: HORIZON },
      { end: 61, k: HORIZON + 7 },
      { end: 89, k: 1 },
    ];
    const got = pretrainedForecasts(predict, y, 12, origins, steps);
    expect(got[0]).toBeNull();
    // the five usable origins: one batched call of the four within a call's horizon, and the longer one's own two
    expect(calls).toEqual([1, 1, 4]);
    origins.slice(1).forEach(({ end, k }, i) => {
      const want = pretrainedForecast(net.predict, y.subarray(0, end), 12, k, { history: steps.slice(0, end), forecast: steps.slice(end, end + k) });
      expect(Array.from(got[i + 1]!), `origin ${end}`).toEqual(Array.from(want));
    });
  });
});
