import { describe, expect, it } from 'vitest';
import type { TransformSpec } from '../../src/config/types.js';
import { DataError } from '../../src/errors.js';
import { differenceForward, differenceInverse } from '../../src/transforms/difference.js';
import { logForward, logInverse } from '../../src/transforms/log.js';
import { Pipeline } from '../../src/transforms/pipeline.js';
import { fitScale, scaleForward, scaleInverse } from '../../src/transforms/scale.js';

const F = (a: number[]) => Float64Array.from(a);

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-9): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i])) expect(a[i]).toBeNaN();
    else expect(Math.abs(a[i] - b[i])).toBeLessThan(tol);
  }
}

/** Airline-like: trend, multiplicative seasonality of period 12, deterministic wiggle. */
function airline(n = 144): Float64Array {
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    out[t] = 112 * Math.exp(0.01 * t) * (1 + 0.15 * Math.sin((2 * Math.PI * t) / 12)) + 5 * Math.sin(t * 1.7);
  }
  return out;
}

describe('log', () => {
  it('forward and inverse', () => {
    expectClose(logForward('y', F([1, Math.E, Math.E ** 2])), [0, 1, 2], 1e-15);
    expectClose(logInverse(F([0, 1])), [1, Math.E], 1e-15);
  });
  it('rejects values <= 0 naming the column and suggesting removing log', () => {
    try {
      logForward('sales', F([1, 0, 2]));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).message).toContain("'sales'");
      expect(`${(e as DataError).message} ${(e as DataError).hint}`).toMatch(/remove 'log' from transforms/);
    }
    expect(() => Pipeline.fit([{ kind: 'log' }], { y: F([1, 2]), x: F([3, -1]) }, 2)).toThrow(/'x'/);
  });
});

describe('difference', () => {
  it('keeps length, first lag entries NaN', () => {
    // [1,4,9,16,25] lag 2 -> NaN,NaN,9-1,16-4,25-9
    expectClose(differenceForward(F([1, 4, 9, 16, 25]), 2), [NaN, NaN, 8, 12, 16]);
  });
  it('inverse uses history then earlier forecast steps', () => {
    // history [1,4], diffs lag 2 [8,12,16] -> 9, 16, 25
    expectClose(differenceInverse(F([8, 12, 16]), F([1, 4]), 2), [9, 16, 25]);
  });
});

describe('scale', () => {
  it('minmax and standard fitted on [0, fitEnd), NaN ignored', () => {
    const x = F([NaN, 2, 4, 6, 100]);
    expect(fitScale(x, 'minmax', 4)).toEqual({ shift: 2, scale: 4 });
    // mean 4, population variance (4+0+4)/3 -> std sqrt(8/3)
    const p = fitScale(x, 'standard', 4);
    expect(p.shift).toBe(4);
    expect(p.scale).toBeCloseTo(Math.sqrt(8 / 3), 14);
    expect(fitScale(x, 'none', 4)).toEqual({ shift: 0, scale: 1 });
    expectClose(scaleForward(F([2, 6]), { shift: 2, scale: 4 }), [0, 1]);
    expectClose(scaleInverse(F([0, 1]), { shift: 2, scale: 4 }), [2, 6]);
  });
  it('constant column uses scale 1', () => {
    expect(fitScale(F([5, 5, 5]), 'minmax', 3)).toEqual({ shift: 5, scale: 1 });
    expect(fitScale(F([5, 5, 5]), 'standard', 3)).toEqual({ shift: 5, scale: 1 });
    const out = Pipeline.fit([{ kind: 'scale', method: 'standard' }], { c: F([5, 5, 5]) }, 3).transform({ c: F([5, 5, 6]) });
    expectClose(out.c, [0, 0, 1]);
  });
});

describe('Pipeline', () => {
  const specs: TransformSpec[] = [{ kind: 'log' }, { kind: 'difference', lag: 12 }, { kind: 'scale', method: 'standard' }];

  it('offset is the sum of lags and early entries are NaN', () => {
    const y = airline();
    const p = Pipeline.fit(
      [
        { kind: 'difference', lag: 1 },
        { kind: 'difference', lag: 12 },
      ],
      { y },
      120,
    );
    expect(p.offset).toBe(13);
    const t = p.transform({ y }).y;
    expect(t.length).toBe(144);
    for (let i = 0; i < 13; i++) expect(t[i]).toBeNaN();
    for (let i = 13; i < 144; i++) expect(Number.isFinite(t[i])).toBe(true);
    expect(Pipeline.fit([], { y }, 10).offset).toBe(0);
  });

  it('round trip [log, difference 12, scale standard] on an airline-like series', () => {
    const y = airline();
    const exog = F(Array.from({ length: 144 }, (_, i) => 50 + i));
    const p = Pipeline.fit(specs, { y, exog }, 120);
    expect(p.offset).toBe(12);
    const t = p.transform({ y, exog });
    expect(Object.keys(t).sort()).toEqual(['exog', 'y']);
    for (const origin of [12, 60, 120, 132]) {
      const h = 144 - origin;
      const back = p.inverseTarget('y', t.y.subarray(origin, 144), y.subarray(0, origin));
      expectClose(back, y.subarray(origin, 144));
      expect(h).toBe(back.length);
    }
  });

  it('round trip for other chains', () => {
    const y = airline();
    const chains: TransformSpec[][] = [
      [],
      [{ kind: 'scale', method: 'minmax' }],
      [{ kind: 'difference', lag: 1 }],
      [{ kind: 'log' }, { kind: 'difference', lag: 1 }, { kind: 'difference', lag: 12 }, { kind: 'scale', method: 'minmax' }],
      [
        { kind: 'scale', method: 'standard' },
        { kind: 'difference', lag: 3 },
        { kind: 'scale', method: 'minmax' },
      ],
    ];
    for (const c of chains) {
      const p = Pipeline.fit(c, { y }, 100);
      const t = p.transform({ y }).y;
      const origin = 110;
      expectClose(p.inverseTarget('y', t.subarray(origin), y.subarray(0, origin)), y.subarray(origin));
    }
  });

  it('fit uses only [0, fitEnd)', () => {
    const y = airline();
    const y2 = Float64Array.from(y);
    for (let i = 120; i < 144; i++) y2[i] = 1000 + i * 7;
    const p1 = Pipeline.fit(specs, { y }, 120);
    const p2 = Pipeline.fit(specs, { y: y2 }, 120);
    expect(p2.toJSON()).toEqual(p1.toJSON());
    const p3 = Pipeline.fit(specs, { y: y2 }, 130);
    expect(p3.toJSON()).not.toEqual(p1.toJSON());
    // minmax fitted on the first 3 points only
    const q = Pipeline.fit([{ kind: 'scale', method: 'minmax' }], { a: F([0, 2, 4, 100]) }, 3);
    expectClose(q.transform({ a: F([0, 2, 4, 100]) }).a, [0, 0.5, 1, 25]);
  });

  it('toJSON / fromJSON round trip exactly', () => {
    const y = airline();
    const p = Pipeline.fit(specs, { y, z: F(Array.from({ length: 144 }, (_, i) => 1 + (i % 5))) }, 120);
    const json = JSON.parse(JSON.stringify(p.toJSON()));
    const q = Pipeline.fromJSON(json);
    expect(q.toJSON()).toEqual(p.toJSON());
    expect(q.offset).toBe(p.offset);
    const a = p.transform({ y }).y;
    const b = q.transform({ y }).y;
    expect(Array.from(b)).toEqual(Array.from(a));
    const f = a.subarray(120, 130);
    expect(Array.from(q.inverseTarget('y', f, y.subarray(0, 120)))).toEqual(Array.from(p.inverseTarget('y', f, y.subarray(0, 120))));
    expect(() => Pipeline.fromJSON({ specs: [{ kind: 'bogus' }], state: [null] })).toThrow();
  });

  it('does not mutate inputs', () => {
    const y = airline();
    const copy = Float64Array.from(y);
    const p = Pipeline.fit(specs, { y }, 120);
    p.transform({ y });
    p.inverseTarget('y', F([0.1, 0.2]), y.subarray(0, 120));
    expect(Array.from(y)).toEqual(Array.from(copy));
  });
});
