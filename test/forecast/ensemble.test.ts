import { describe, expect, it } from 'vitest';
import { memberFileNames } from '../../src/artifacts/run-format.js';
import { medianOf } from '../../src/forecast/ensemble.js';

describe('ensemble', () => {
  it('medianOf takes the element-wise median (middle pair mean for an even count)', () => {
    const F = (a: number[]) => Float64Array.from(a);
    expect(Array.from(medianOf([F([1, 5]), F([3, -1]), F([2, 0])]))).toEqual([2, 0]);
    expect(Array.from(medianOf([F([1, 5]), F([3, -1])]))).toEqual([2, 2]);
    expect(Array.from(medianOf([F([7])]))).toEqual([7]);
  });
  it('member 0 keeps the standard file names', () => {
    expect(memberFileNames(0)).toEqual({ model: 'model.json', weights: 'weights.bin' });
    expect(memberFileNames(2)).toEqual({ model: 'model-2.json', weights: 'weights-2.bin' });
  });
});
