import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { gatherManyToOne, gatherOneToOne, manyToOneStarts, oneToOneChunks, splitPoints } from '../../src/windows/index-math.js';

describe('manyToOneStarts', () => {
  it('lists every valid start', () => {
    // s + 3 + 2 <= 10 -> s <= 5
    expect(manyToOneStarts({ start: 0, end: 10, lookback: 3, horizon: 2 })).toEqual([0, 1, 2, 3, 4, 5]);
    expect(manyToOneStarts({ start: 2, end: 10, lookback: 3, horizon: 2 })).toEqual([2, 3, 4, 5]);
  });
  it('exact fit gives one window, too short gives none', () => {
    expect(manyToOneStarts({ start: 1, end: 6, lookback: 3, horizon: 2 })).toEqual([1]);
    expect(manyToOneStarts({ start: 2, end: 6, lookback: 3, horizon: 2 })).toEqual([]);
  });
});

describe('splitPoints', () => {
  it('splits chronologically', () => {
    expect(splitPoints(100, { lost: 0, span: 12, testSize: 10, validationSize: 20 })).toEqual({ trainEnd: 70, valEnd: 90, n: 100 });
    expect(splitPoints(10, { lost: 1, span: 2, testSize: 2, validationSize: 0 })).toEqual({ trainEnd: 8, valEnd: 8, n: 10 });
  });
  it('needs exactly one training window after the rows lost to differencing, and names the rows needed', () => {
    // 2 lost + 11 for one window + 8 validation + 10 test = 31
    expect(() => splitPoints(30, { lost: 2, span: 11, testSize: 10, validationSize: 8 })).toThrow(DataError);
    expect(() => splitPoints(30, { lost: 2, span: 11, testSize: 10, validationSize: 8 })).toThrow(
      'not enough data to train: 30 rows, need at least 31 (2 lost to differencing, 11 for one training window, 8 for validation, 10 for test)',
    );
    expect(splitPoints(31, { lost: 2, span: 11, testSize: 10, validationSize: 8 }).trainEnd).toBe(13);
    expect(() => splitPoints(7, { lost: 0, span: 7, testSize: 1, validationSize: 0 })).toThrow(
      /need at least 8 \(7 for one training window, 0 for validation, 1 for test\)/,
    );
  });
});

describe('oneToOneChunks', () => {
  it('steps by chunk, last chunk aligned to the end', () => {
    // last start = 10 - 3 - 1 = 6 -> 0,3,6
    expect(oneToOneChunks({ start: 0, end: 10, chunk: 3 })).toEqual([0, 3, 6]);
    // end 11: last = 7 -> 0,3,6,7
    expect(oneToOneChunks({ start: 0, end: 11, chunk: 3 })).toEqual([0, 3, 6, 7]);
    expect(oneToOneChunks({ start: 2, end: 11, chunk: 3 })).toEqual([2, 5, 7]);
    // end 12: last = 8 -> 2,5,8 (already aligned)
    expect(oneToOneChunks({ start: 2, end: 12, chunk: 3 })).toEqual([2, 5, 8]);
  });
  it('exact and too short', () => {
    expect(oneToOneChunks({ start: 1, end: 5, chunk: 3 })).toEqual([1]);
    expect(oneToOneChunks({ start: 2, end: 5, chunk: 3 })).toEqual([]);
  });
});

describe('gather', () => {
  const a = Float64Array.from([0, 1, 2, 3, 4, 5]);
  const b = Float64Array.from([10, 11, 12, 13, 14, 15]);
  it('gatherManyToOne lays out [n, lookback, features] and [n, horizon]', () => {
    const { x, y } = gatherManyToOne([a, b], a, [0, 2], 2, 2);
    expect(Array.from(x)).toEqual([0, 10, 1, 11, 2, 12, 3, 13]);
    expect(Array.from(y)).toEqual([2, 3, 4, 5]);
    expect(x).toBeInstanceOf(Float32Array);
  });
  it('gatherOneToOne targets are shifted by one', () => {
    const { x, y } = gatherOneToOne([a, b], b, [0, 3], 2);
    expect(Array.from(x)).toEqual([0, 10, 1, 11, 3, 13, 4, 14]);
    expect(Array.from(y)).toEqual([11, 12, 14, 15]);
  });
});
