import { P } from './memory';

// Matrix products.
//
// C[M,N] += A . Bm with A(i,k) at A[i*sai + k*sak] (sak = 1: A row-major; sai = 1: A^T given),
// Bm(k,j) at Bm[k*ldb + j], C(i,j) at C[i*ldc + j]. Register blocks of 4 rows x 8 columns
// (8 f32x4 accumulators); 1-row blocks for the row remainder, scalar columns for N % 8.
export function gemm(C: usize, A: usize, Bm: usize, M: i32, K: i32, N: i32, sai: i32, sak: i32, ldb: i32, ldc: i32): void {
  const NB = N & ~7;
  const bstep = <usize>ldb << 2;
  const astep = <usize>sak << 2;
  let i0 = 0;
  for (; i0 + 4 <= M; i0 += 4) {
    const a0 = P(A, i0 * sai), r0 = P(C, i0 * ldc);
    const a1 = P(A, (i0 + 1) * sai), r1 = P(C, (i0 + 1) * ldc);
    const a2 = P(A, (i0 + 2) * sai), r2 = P(C, (i0 + 2) * ldc);
    const a3 = P(A, (i0 + 3) * sai), r3 = P(C, (i0 + 3) * ldc);
    for (let j0 = 0; j0 < NB; j0 += 8) {
      const o = <usize>j0 << 2;
      let c00 = v128.load(r0 + o); let c01 = v128.load(r0 + o + 16);
      let c10 = v128.load(r1 + o); let c11 = v128.load(r1 + o + 16);
      let c20 = v128.load(r2 + o); let c21 = v128.load(r2 + o + 16);
      let c30 = v128.load(r3 + o); let c31 = v128.load(r3 + o + 16);
      let bp = Bm + o;
      let ao: usize = 0;
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(bp); const b1 = v128.load(bp + 16);
        const s0 = v128.load32_splat(a0 + ao);
        c00 = f32x4.add(c00, f32x4.mul(s0, b0)); c01 = f32x4.add(c01, f32x4.mul(s0, b1));
        const s1 = v128.load32_splat(a1 + ao);
        c10 = f32x4.add(c10, f32x4.mul(s1, b0)); c11 = f32x4.add(c11, f32x4.mul(s1, b1));
        const s2 = v128.load32_splat(a2 + ao);
        c20 = f32x4.add(c20, f32x4.mul(s2, b0)); c21 = f32x4.add(c21, f32x4.mul(s2, b1));
        const s3 = v128.load32_splat(a3 + ao);
        c30 = f32x4.add(c30, f32x4.mul(s3, b0)); c31 = f32x4.add(c31, f32x4.mul(s3, b1));
        bp += bstep;
        ao += astep;
      }
      v128.store(r0 + o, c00); v128.store(r0 + o + 16, c01);
      v128.store(r1 + o, c10); v128.store(r1 + o + 16, c11);
      v128.store(r2 + o, c20); v128.store(r2 + o + 16, c21);
      v128.store(r3 + o, c30); v128.store(r3 + o + 16, c31);
    }
    if (NB < N) for (let r = 0; r < 4; r++) gemmTail(P(C, (i0 + r) * ldc), P(A, (i0 + r) * sai), Bm, K, NB, N, astep, bstep);
  }
  for (; i0 < M; i0++) {
    const ar = P(A, i0 * sai), cr = P(C, i0 * ldc);
    for (let j0 = 0; j0 < NB; j0 += 8) {
      const o = <usize>j0 << 2;
      let c0 = v128.load(cr + o); let c1 = v128.load(cr + o + 16);
      let bp = Bm + o;
      let ao: usize = 0;
      for (let k = 0; k < K; k++) {
        const s = v128.load32_splat(ar + ao);
        c0 = f32x4.add(c0, f32x4.mul(s, v128.load(bp))); c1 = f32x4.add(c1, f32x4.mul(s, v128.load(bp + 16)));
        bp += bstep;
        ao += astep;
      }
      v128.store(cr + o, c0); v128.store(cr + o + 16, c1);
    }
    if (NB < N) gemmTail(cr, ar, Bm, K, NB, N, astep, bstep);
  }
}

// one row of C, columns [j0, N): a block of 4 columns (SIMD, same order per element), then scalar
@inline function gemmTail(cr: usize, ar: usize, Bm: usize, K: i32, j0: i32, N: i32, astep: usize, bstep: usize): void {
  if (j0 + 4 <= N) {
    let acc = v128.load(P(cr, j0));
    let bp = P(Bm, j0);
    let ao: usize = 0;
    for (let k = 0; k < K; k++) {
      acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(ar + ao), v128.load(bp)));
      bp += bstep;
      ao += astep;
    }
    v128.store(P(cr, j0), acc);
    j0 += 4;
  }
  for (let j = j0; j < N; j++) {
    let acc = load<f32>(P(cr, j));
    let bp = P(Bm, j);
    let ao: usize = 0;
    for (let k = 0; k < K; k++) {
      acc += load<f32>(ar + ao) * load<f32>(bp);
      bp += bstep;
      ao += astep;
    }
    store<f32>(P(cr, j), acc);
  }
}

// C[M,N] += A . Bt^T with A row-major [M,K] (row stride lda) and Bt row-major [N,K] (row stride
// ldb): for narrow outputs (N < 8, e.g. the input gradient of a layer with few features), where
// gemm would run one scalar chain per element. Each element is a dot product in 4 lanes
// (k = 4q + lane; lane sums added as (l0 + l1) + (l2 + l3)), then the K % 4 tail, then added to
// C: a fixed order, the same for every row. Rows go 4 at a time, sharing the loads of Bt.
export function gemmNT(C: usize, A: usize, Bt: usize, M: i32, K: i32, N: i32, lda: i32, ldb: i32, ldc: i32): void {
  const K4 = K & ~3;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = P(A, i * lda), a1 = P(A, (i + 1) * lda), a2 = P(A, (i + 2) * lda), a3 = P(A, (i + 3) * lda);
    for (let j = 0; j < N; j++) {
      const bj = P(Bt, j * ldb);
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k << 2;
        const bv = v128.load(bj + o);
        s0 = f32x4.add(s0, f32x4.mul(v128.load(a0 + o), bv));
        s1 = f32x4.add(s1, f32x4.mul(v128.load(a1 + o), bv));
        s2 = f32x4.add(s2, f32x4.mul(v128.load(a2 + o), bv));
        s3 = f32x4.add(s3, f32x4.mul(v128.load(a3 + o), bv));
      }
      dotFinish(P(C, i * ldc + j), s0, a0, bj, K4, K);
      dotFinish(P(C, (i + 1) * ldc + j), s1, a1, bj, K4, K);
      dotFinish(P(C, (i + 2) * ldc + j), s2, a2, bj, K4, K);
      dotFinish(P(C, (i + 3) * ldc + j), s3, a3, bj, K4, K);
    }
  }
  for (; i < M; i++) {
    const a0 = P(A, i * lda);
    for (let j = 0; j < N; j++) {
      const bj = P(Bt, j * ldb);
      let s0 = f32x4.splat(0);
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k << 2;
        s0 = f32x4.add(s0, f32x4.mul(v128.load(a0 + o), v128.load(bj + o)));
      }
      dotFinish(P(C, i * ldc + j), s0, a0, bj, K4, K);
    }
  }
}

@inline function dotFinish(c: usize, s: v128, a: usize, b: usize, K4: i32, K: i32): void {
  let acc = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  for (let k = K4; k < K; k++) acc += load<f32>(P(a, k)) * load<f32>(P(b, k));
  store<f32>(c, load<f32>(c) + acc);
}
