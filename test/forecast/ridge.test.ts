import { describe, expect, it } from 'vitest';
import { fitLinearPath } from '../../src/forecast/linear-path.js';
import { ridge } from '../../src/forecast/ridge.js';
import { gramOf } from '../../src/kernels/gram.js';

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

describe('fitLinearPath: the Gram matrix on the kernels', () => {
  // a seeded draw, with exact zeros and negative zeros among the inputs
  const draws = (n: number, seed: number) => {
    let s = seed >>> 0;
    return Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const u = s / 2 ** 32;
      return u < 0.1 ? 0 : u < 0.15 ? -0 : (u - 0.5) * 7;
    });
  };
  // the plain loops' reference: ridge over the same rows, Float64 copies with the intercept's 1
  const reference = (x: Float32Array, y: Float32Array, n: number, p: number, q: number, alpha: number) => {
    const X = Array.from({ length: n }, (_, i) => Float64Array.from([...x.subarray(i * p, (i + 1) * p), 1]));
    const Y = Array.from({ length: n }, (_, i) => Float64Array.from(y.subarray(i * q, (i + 1) * q)));
    return ridge(X, Y, alpha);
  };
  it.each([
    // n rows, steps, features, outputs: every register block's remainder (rows of 4, columns of 4, chunks of 32 rows)
    [1, 1, 1, 1],
    [7, 2, 1, 3],
    [33, 3, 1, 1],
    [64, 4, 2, 5],
    [97, 12, 1, 18],
    [250, 5, 3, 2],
  ])('equals ridge bit for bit: %i windows of %i steps x %i features, %i outputs', (n, steps, features, q) => {
    const p = steps * features;
    const x = draws(n * p, n + 7 * p);
    const y = draws(n * q, 3 * n + q);
    const got = fitLinearPath(x, y, [n, steps, features], q, 0.01);
    const want = reference(x, y, n, p, q, 0.01);
    expect(got.kernel.map((r) => Array.from(r))).toEqual(want.slice(0, p).map((r) => Array.from(r)));
    expect(Array.from(got.bias)).toEqual(Array.from(want[p]));
  });
  it('gives the same Gram matrix fed one row, 5 rows or all rows at a time', () => {
    const n = 41,
      cols = 9,
      rows = 6;
    const z = Float64Array.from(draws(n * cols, 5));
    const fill = (dst: Float64Array, r0: number, count: number) => dst.set(z.subarray(r0 * cols, (r0 + count) * cols));
    const whole = gramOf(n, cols, rows, fill);
    expect(gramOf(n, cols, rows, fill, 1)).toEqual(whole);
    expect(gramOf(n, cols, rows, fill, 5)).toEqual(whole);
    // against the plain loop, in the same order
    for (let i = 0; i < rows; i++)
      for (let j = i; j < cols; j++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += z[r * cols + i] * z[r * cols + j];
        expect(whole[i * cols + j]).toBe(s);
      }
  });
});
