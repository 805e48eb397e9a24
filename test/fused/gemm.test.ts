/**
 * The kernels' matrix product (assembly/gemm.ts) over B packed in panels of 8 columns: every
 * element is the chain c += a(i,k) * b(k,j) for k ascending, one f32 multiply then one f32 add,
 * whatever the shape, so the result equals that loop in JavaScript (Math.fround at each step) to
 * the bit, for the register blocks, the row remainder and the last, partial panel alike.
 */
import { describe, expect, it } from 'vitest';
import { getPool } from '../../src/kernels/pool.js';

const f = Math.fround;
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => f(Math.sin(i * 1.37 + seed) * 0.7));
const bits = (a: Float32Array) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

/** C + A.B by the plain triple loop in k order; A(i,k) = A[i*sai + k*sak], B(k,j) = B[k*ldb + j]. */
function reference(C: Float32Array, A: Float32Array, B: Float32Array, M: number, K: number, N: number, sai: number, sak: number, ldb: number, k0 = 0) {
  const out = Float32Array.from(C);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let c = out[i * N + j];
      for (let k = 0; k < K; k++) c = f(c + f(A[i * sai + k * sak] * B[(k0 + k) * ldb + j]));
      out[i * N + j] = c;
    }
  return out;
}

/** Runs pack (or packT of B's transpose) and gemm in the kernels' memory; `k0`: product over rows k0..k0+K-1 of a B of kRows rows. */
function kernels(
  C: Float32Array,
  A: Float32Array,
  B: Float32Array,
  M: number,
  K: number,
  N: number,
  sai: number,
  sak: number,
  transposed: boolean,
  kRows = K,
  k0 = 0,
) {
  const pool = getPool();
  const panels = Math.ceil(N / 8) * 8;
  const [pC, pA, pB, pS, pP] = [C.length, A.length, kRows * N, kRows * N, kRows * panels].map((n) => pool.heap.alloc(4 * Math.max(n, 1)));
  try {
    const m = pool.f32();
    m.set(C, pC >>> 2);
    m.set(A, pA >>> 2);
    if (transposed) {
      // S = B^T [N, kRows]; packT makes B's panels from it
      const S = new Float32Array(N * kRows);
      for (let k = 0; k < kRows; k++) for (let j = 0; j < N; j++) S[j * kRows + k] = B[k * N + j];
      m.set(S, pS >>> 2);
      pool.k.packT(pP, pS, kRows, N, kRows);
    } else {
      m.set(B, pB >>> 2);
      pool.k.pack(pP, pB, kRows, N, N);
    }
    const packed = pool.f32().slice(pP >>> 2, (pP >>> 2) + kRows * panels);
    pool.k.gemm(pC, pA, pP + 32 * k0, M, K, N, sai, sak, N, kRows);
    return { out: pool.f32().slice(pC >>> 2, (pC >>> 2) + C.length), packed };
  } finally {
    for (const p of [pC, pA, pB, pS, pP]) pool.heap.free(p);
  }
}

describe('the packed matrix product', () => {
  it('packs B in panels of 8 columns, row after row, the last panel padded with zeros', () => {
    // B [2, 10]: panel 0 holds columns 0-7 of row 0, then of row 1; panel 1 columns 8-9 and six zeros
    const B = Float32Array.from({ length: 20 }, (_, i) => i + 1);
    const { packed } = kernels(new Float32Array(1), new Float32Array(2), B, 1, 2, 10, 2, 1, false);
    expect(Array.from(packed)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 18, 9, 10, 0, 0, 0, 0, 0, 0, 19, 20, 0, 0, 0, 0, 0, 0]);
    // the transpose route packs the same panels
    expect(Array.from(kernels(new Float32Array(1), new Float32Array(2), B, 1, 2, 10, 2, 1, true).packed)).toEqual(Array.from(packed));
  });

  const shapes: [string, number, number, number, boolean][] = [
    ['blocks of 4 rows and whole panels', 8, 16, 24, false],
    ['a row remainder and a partial panel (4 + 3 columns past the last whole one)', 13, 37, 83, false],
    ['A given transposed (the weight gradients), odd sizes', 11, 9, 21, true],
    ['one row, one column of K', 1, 1, 5, false],
    ['more rows than a chunk (64), 2 columns', 150, 7, 2, true],
  ];
  for (const [what, M, K, N, aT] of shapes)
    it(`equals the k-ordered loop to the bit: ${what}`, () => {
      const A = values(M * K, 1);
      const B = values(K * N, 2);
      const C = values(M * N, 3);
      const [sai, sak] = aT ? [1, M] : [K, 1];
      const want = reference(C, A, B, M, K, N, sai, sak, N);
      for (const transposed of [false, true]) expect(bits(kernels(C, A, B, M, K, N, sai, sak, transposed).out)).toEqual(bits(want));
    });

  it('reads rows k0.. of a matrix packed with more rows (the GRU’s blocks of U^T)', () => {
    const [M, K, N, kRows, k0] = [6, 5, 12, 16, 8];
    const A = values(M * K, 4);
    const B = values(kRows * N, 5);
    const C = values(M * N, 6);
    const want = reference(C, A, B, M, K, N, K, 1, N, k0);
    expect(bits(kernels(C, A, B, M, K, N, K, 1, true, kRows, k0).out)).toEqual(bits(want));
  });
});
