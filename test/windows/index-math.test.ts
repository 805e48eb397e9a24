import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import {
  gatherManyToOne,
  gatherOneToOne,
  manyToOneStarts,
  oneToOneChunks,
  splitPoints,
} from '../../src/windows/index-math.js';

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
    expect(splitPoints(100, { offset: 12, testSize: 10, validationSize: 20 })).toEqual({ trainEnd: 70, valEnd: 90, n: 100 });
    expect(splitPoints(10, { offset: 0, testSize: 2, validationSize: 0 })).toEqual({ trainEnd: 8, valEnd: 8, n: 10 });
  });
  it('throws DataError naming the rows needed', () => {
    expect(() => splitPoints(30, { offset: 12, testSize: 10, validationSize: 8 })).toThrow(DataError);
    expect(() => splitPoints(30, { offset: 12, testSize: 10, validationSize: 8 })).toThrow(/need at least 31/);
    // minTrain raises the bar: 12 + 5 + 8 + 10 = 35
    expect(() => splitPoints(34, { offset: 12, testSize: 10, validationSize: 8, minTrain: 5 })).toThrow(/need at least 35/);
    expect(splitPoints(35, { offset: 12, testSize: 10, validationSize: 8, minTrain: 5 }).trainEnd).toBe(17);
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
