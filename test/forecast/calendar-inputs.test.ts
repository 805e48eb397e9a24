/** Calendar inputs (data.calendar) in the windows a model trains on and forecasts from: each step gets its own row's. */
import { describe, expect, it } from 'vitest';
import type { AheadRows } from '../../src/data/calendar.js';
import { forecastTransformed, forecastTransformedMany, type ModelIO } from '../../src/forecast/forecast.js';
import { trainingWindows } from '../../src/windows/training-windows.js';

// row r's calendar inputs are (1000 + r, -r), so every step says which row it came from
const ROWS = 60;
const cal: AheadRows = { width: 2, rows: ROWS, values: Float32Array.from({ length: 2 * ROWS }, (_, i) => (i % 2 ? -(i >> 1) : 1000 + (i >> 1))) };
const y = Float64Array.from({ length: ROWS }, (_, t) => Math.sin(t / 4) + t / 10);
const rowOf = (x: Float32Array, at: number) => x[at] - 1000;

describe('training windows with calendar inputs', () => {
  it('many-to-one: every step of a training or validation window ends with its row’s calendar inputs', () => {
    const w = trainingWindows([y], y, 0, {
      window: { mode: 'many-to-one', lookback: 4, chunk: 4, normalize: 'last' },
      outputs: 3,
      start: 0,
      trainEnd: 30,
      valEnd: 36,
      aheadRows: cal,
    });
    const [n, L, f] = w.xShape;
    expect([L, f]).toEqual([4, 3]);
    for (let i = 0; i < n; i++)
      for (let t = 0; t < L; t++) {
        expect(rowOf(w.x, (i * L + t) * f + 1)).toBe(i + t);
        expect(w.x[(i * L + t) * f + 2]).toBe(-(i + t));
      }
    // validation windows start where their targets reach the validation rows: trainEnd - lookback
    for (let i = 0; i < w.nVal!; i++) for (let t = 0; t < L; t++) expect(rowOf(w.xVal!, (i * L + t) * f + 1)).toBe(26 + i + t);
  });

  it('many-to-many: a decoder step gets the calendar inputs of the row it forecasts, after its own input', () => {
    const w = trainingWindows([y], y, 0, {
      window: { mode: 'many-to-many', lookback: 4, chunk: 4, normalize: 'none' },
      outputs: 3,
      start: 0,
      trainEnd: 30,
      valEnd: 30,
      aheadRows: cal,
    });
    const [n, T, f] = w.xShape;
    // [value, ahead, calendar x2] on 4 encoder and 3 decoder steps
    expect([T, f]).toEqual([7, 4]);
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < T; t++) expect(rowOf(w.x, (i * T + t) * f + 2)).toBe(i + t);
      // decoder step h: the previous value (teacher forcing) and the forecast row's calendar
      for (let h = 0; h < 3; h++) {
        expect(w.x[(i * T + 4 + h) * f]).toBe(Math.fround(y[i + 3 + h]));
        expect(w.y[i * 3 + h]).toBe(Math.fround(y[i + 4 + h]));
      }
    }
  });

  it('one-to-one: each step of a chunk gets the calendar inputs of the row it forecasts, the next', () => {
    const w = trainingWindows([y], y, 0, {
      window: { mode: 'one-to-one', lookback: 5, chunk: 5, normalize: 'none' },
      outputs: 1,
      start: 0,
      trainEnd: 30,
      valEnd: 40,
      aheadRows: cal,
    });
    const [n, c, f] = w.xShape;
    expect([c, f]).toEqual([5, 3]);
    for (let i = 0; i < n; i++) {
      // the row the chunk's first step forecasts: its value is the row before, its target that row
      const next = rowOf(w.x, i * c * f + 1);
      expect(w.x[i * c * f]).toBe(Math.fround(y[next - 1]));
      expect(w.y[i * c]).toBe(Math.fround(y[next]));
      for (let t = 0; t < c; t++) expect(rowOf(w.x, (i * c + t) * f + 1)).toBe(next + t);
    }
    expect(rowOf(w.xVal!, 1)).toBe(35);
  });
});

describe('forecasts with calendar inputs', () => {
  const base: ModelIO = {
    mode: 'many-to-one',
    strategy: 'direct',
    lookback: 5,
    horizon: 4,
    outputs: 4,
    features: ['y'],
    target: 'y',
    offset: 0,
    warmup: 20,
    calendar: ['hour_of_day'],
  };
  const columns = { y: y.subarray(0, 40) };

  /** A stand-in model that records its inputs and forecasts, for each output, a sum over the window. */
  const recorder = (outputs: number) => {
    const seen: { x: Float32Array; steps: number; width: number }[] = [];
    const predict = (x: Float32Array, n: number, steps: number, width: number) => {
      seen.push({ x: x.slice(), steps, width });
      const out = new Float32Array(n * outputs);
      for (let r = 0; r < n; r++)
        for (let h = 0; h < outputs; h++)
          for (let i = 0; i < steps * width; i++) out[r * outputs + h] += x[r * steps * width + i] * Math.fround(Math.cos(i + h));
      return out;
    };
    return { predict, seen };
  };

  it('many-to-one: the window before the origin carries its rows’ calendar inputs; a recursive model reads the future rows’', () => {
    const m = recorder(4);
    forecastTransformed(m.predict, base, columns, 30, 4, 0, cal);
    expect(m.seen[0].width).toBe(3);
    for (let t = 0; t < 5; t++) expect(rowOf(m.seen[0].x, t * 3 + 1)).toBe(25 + t);
    const r = recorder(1);
    forecastTransformed(r.predict, { ...base, strategy: 'recursive', outputs: 1 }, columns, 40, 3, 0, cal);
    // the third call's window ends at row 41, past the last observed row (39): known from the calendar alone
    expect(r.seen).toHaveLength(3);
    for (let t = 0; t < 5; t++) expect(rowOf(r.seen[2].x, t * 3 + 1)).toBe(37 + t);
    expect(() => forecastTransformed(m.predict, base, columns, 30, 4)).toThrow('the model takes 2 inputs known ahead per step, and none that fit were given');
  });

  it('many-to-many: the decoder steps carry the calendar inputs of the rows they forecast, in every free-running call', () => {
    const io: ModelIO = { ...base, mode: 'many-to-many' };
    const m = recorder(4);
    forecastTransformed(m.predict, io, columns, 30, 4, 0, cal);
    expect(m.seen).toHaveLength(4);
    for (const call of m.seen) {
      expect([call.steps, call.width]).toEqual([9, 4]);
      for (let t = 0; t < 9; t++) expect(rowOf(call.x, t * 4 + 2)).toBe(25 + t);
    }
  });

  it('one-to-one: each step carries the calendar inputs of the row it forecasts, the last step the first future row’s', () => {
    const io: ModelIO = { ...base, mode: 'one-to-one', strategy: 'recursive', outputs: 1, warmup: 6 };
    const m = recorder(1);
    forecastTransformed(m.predict, io, columns, 30, 2, 0, cal);
    expect(m.seen).toHaveLength(2);
    // the first call reads rows 24..29 and forecasts row 30; the second reads 25..30 (30 forecast)
    m.seen.forEach((call, k) => {
      expect([call.steps, call.width]).toEqual([6, 3]);
      for (let t = 0; t < 6; t++) expect(rowOf(call.x, t * 3 + 1)).toBe(25 + k + t);
    });
  });

  it('many origins at once give the one-call-each forecasts, bit for bit', () => {
    const origins = [
      { end: 10, k: 4 },
      { end: 23, k: 2 },
      { end: 38, k: 4 },
    ];
    for (const io of [base, { ...base, mode: 'many-to-many' } as ModelIO, { ...base, normalize: 'last', normScale: 0.5 } as ModelIO]) {
      const got = forecastTransformedMany(recorder(4).predict, io, columns, origins, Number.POSITIVE_INFINITY, 0, cal);
      origins.forEach((o, i) => expect(Array.from(got[i])).toEqual(Array.from(forecastTransformed(recorder(4).predict, io, columns, o.end, o.k, 0, cal))));
    }
  });
});
