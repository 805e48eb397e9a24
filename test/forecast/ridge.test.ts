import { describe, expect, it } from 'vitest';
import { ridge } from '../../src/forecast/ridge.js';

describe('ridge', () => {
  // y = 2 a - b + 3 (intercept column last), two outputs (the second is the first doubled)
  const rows = [
    [1, 0],
    [0, 1],
    [1, 1],
    [2, 1],
    [3, 5],
    [-1, 2],
  ];
  const X = rows.map(([a, b]) => Float64Array.from([a, b, 1]));
  const Y = rows.map(([a, b]) => Float64Array.from([2 * a - b + 3, 2 * (2 * a - b + 3)]));
  it('recovers an exact linear map with a negligible penalty', () => {
    const W = ridge(X, Y, 1e-12);
    expect(W[0][0]).toBeCloseTo(2, 6);
    expect(W[1][0]).toBeCloseTo(-1, 6);
    expect(W[2][0]).toBeCloseTo(3, 6);
    expect(W[0][1]).toBeCloseTo(4, 6);
  });
  it('shrinks towards zero as the relative penalty grows, whatever the scale of X', () => {
    const norm = (W: Float64Array[]) => Math.hypot(...W.map((r) => r[0]));
    expect(norm(ridge(X, Y, 1))).toBeLessThan(norm(ridge(X, Y, 0.01)));
    expect(norm(ridge(X, Y, 1000))).toBeLessThan(0.05);
    // scaling X by 10 scales the coefficients by 1/10 at the same relative penalty
    const X10 = X.map((r) => r.map((v) => v * 10));
    const a = ridge(X, Y, 0.1),
      b = ridge(X10, Y, 0.1);
    for (let i = 0; i < 3; i++) expect(b[i][0] * 10).toBeCloseTo(a[i][0], 8);
  });
});
