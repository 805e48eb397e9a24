import { describe, expect, it } from 'vitest';
import { gatherManyToOne, lastNormScale, manyToOneStarts, normalizeLast } from '../../src/windows/index-math.js';

describe('per-window normalisation', () => {
  const a = Float64Array.from([1, 2, 4, 7, 11, 16, 22]);
  const b = Float64Array.from([10, 10, 12, 12, 14, 14, 16]);
  const starts = manyToOneStarts({ start: 0, end: 7, lookback: 3, horizon: 2 });
  const shape = { n: starts.length, lookback: 3, features: 2, horizon: 2, targetPos: 0 };

  it("takes every column relative to its last input and the targets relative to the target's", () => {
    const { x, y } = gatherManyToOne([a, b], a, starts, 3, 2);
    normalizeLast(x, y, shape, 1);
    // window 0: a = 1 2 4 -> -3 -2 0, b = 10 10 12 -> -2 -2 0, targets 7 11 -> 3 7
    expect(Array.from(x.subarray(0, 6))).toEqual([-3, -2, -2, -2, 0, 0]);
    expect(Array.from(y.subarray(0, 2))).toEqual([3, 7]);
    expect(Array.from(y.subarray(2, 4))).toEqual([4, 9]);
  });

  it('the scale is the RMS of the targets less the last target input, and divides everything', () => {
    const g = gatherManyToOne([a, b], a, starts, 3, 2);
    const s = lastNormScale(g.x, g.y, shape);
    expect(s).toBeCloseTo(Math.sqrt((9 + 49 + 16 + 81 + 25 + 121) / 6), 5);
    normalizeLast(g.x, g.y, shape, s);
    expect(g.y[0]).toBeCloseTo(3 / s, 6);
    const flat = gatherManyToOne([b], b, [0], 3, 2);
    expect(lastNormScale(Float32Array.from([1, 1, 1]), Float32Array.from([1, 1]), { ...shape, n: 1, features: 1 })).toBe(1);
    expect(flat.x).toHaveLength(3);
  });
});
