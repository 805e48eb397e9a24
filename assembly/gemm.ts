import { P } from './memory';

// Matrix products.
//
// C[M,N] += A . B, B given packed (see pack): A(i,k) at A[i*sai + k*sak] (sak = 1: A row-major;
// sai = 1: A^T given), C(i,j) at C[i*ldc + j]. Register blocks of 4 rows x 8 columns (8 f32x4
// accumulators) over one panel, 1-row blocks for the row remainder, the last panel's columns past
// N % 8 in 4-column SIMD and scalar steps. Rows go in chunks of MC, so that a panel (K x 8, at
// most 32 KiB for K <= 1024) stays in the first-level cache while a chunk's rows (in the second)
// pass over it; each panel is read in order, with no stride.
//
// Every element of C is still one chain, c += a(i,k) * b(k,j) for k ascending, one mul then one
// add, whatever the shapes and the blocks: packing only moves B, so the bits are those of the
// plain triple loop in that order.
const MC = 64;

// Bp = B[K,N] (row stride ldb) as panels of 8 columns: panel p holds rows 0..K-1 of columns
// 8p..8p+7, row after row (B(k, 8p + c) at Bp[(p*K + k)*8 + c]); the last panel padded with zeros.
export function pack(Bp: usize, Bm: usize, K: i32, N: i32, ldb: i32): void {
  const NB = N & ~7;
  const sstep = <usize>ldb << 2;
  let d = Bp;
  for (let j0 = 0; j0 < NB; j0 += 8) {
    let s = P(Bm, j0);
    for (let k = 0; k < K; k++) {
      v128.store(d, v128.load(s));
      v128.store(d, v128.load(s, 16), 16);
      d += 32;
      s += sstep;
    }
  }
  if (NB < N) {
    let s = P(Bm, NB);
    for (let k = 0; k < K; k++) {
      for (let c = 0; c < 8; c++) store<f32>(d + (<usize>c << 2), NB + c < N ? load<f32>(s + (<usize>c << 2)) : 0);
      d += 32;
      s += sstep;
    }
  }
}

// As pack, of B = S^T for S [N,K] (row stride lds): B(k, j) = S[j*lds + k]. A weight matrix's
// transpose for the backward products, made straight into panels.
export function packT(Bp: usize, S: usize, K: i32, N: i32, lds: i32): void {
  const np = (N + 7) >> 3;
  let d = Bp;
  for (let p = 0; p < np; p++) {
    const j0 = p << 3;
    for (let k = 0; k < K; k++) {
      for (let c = 0; c < 8; c++) store<f32>(d + (<usize>c << 2), j0 + c < N ? load<f32>(P(S, (j0 + c) * lds + k)) : 0);
      d += 32;
    }
  }
}

// The floats pack and packT write for N columns of K rows.
@inline export function packed(K: i32, N: i32): i32 {
  return K * ((N + 7) & ~7);
}

// C[M,N] += A . B with B packed from kstride rows (kstride >= K: the product reads rows 0..K-1 of
// each panel, so Bp + 32*k0 reads rows k0..k0+K-1 of a matrix packed with kstride rows).
export function gemm(C: usize, A: usize, Bp: usize, M: i32, K: i32, N: i32, sai: i32, sak: i32, ldc: i32, kstride: i32): void {
  const NB = N & ~7;
  const pstep = <usize>kstride << 5;
  const kbytes = <usize>K << 5;
  const astep = <usize>sak << 2;
  for (let ic = 0; ic < M; ic += MC) {
    const iend = min(ic + MC, M);
    let panel = Bp;
    for (let j0 = 0; j0 < NB; j0 += 8) {
      const o = <usize>j0 << 2;
      const end = panel + kbytes;
      let i0 = ic;
      for (; i0 + 4 <= iend; i0 += 4) {
        const a0 = P(A, i0 * sai), r0 = P(C, i0 * ldc);
        const a1 = P(A, (i0 + 1) * sai), r1 = P(C, (i0 + 1) * ldc);
        const a2 = P(A, (i0 + 2) * sai), r2 = P(C, (i0 + 2) * ldc);
        const a3 = P(A, (i0 + 3) * sai), r3 = P(C, (i0 + 3) * ldc);
        let c00 = v128.load(r0 + o); let c01 = v128.load(r0 + o + 16);
        let c10 = v128.load(r1 + o); let c11 = v128.load(r1 + o + 16);
        let c20 = v128.load(r2 + o); let c21 = v128.load(r2 + o + 16);
        let c30 = v128.load(r3 + o); let c31 = v128.load(r3 + o + 16);
        let ao: usize = 0;
        for (let bp = panel; bp < end; bp += 32) {
          const b0 = v128.load(bp); const b1 = v128.load(bp, 16);
          const s0 = v128.load32_splat(a0 + ao);
          c00 = f32x4.add(c00, f32x4.mul(s0, b0)); c01 = f32x4.add(c01, f32x4.mul(s0, b1));
          const s1 = v128.load32_splat(a1 + ao);
          c10 = f32x4.add(c10, f32x4.mul(s1, b0)); c11 = f32x4.add(c11, f32x4.mul(s1, b1));
          const s2 = v128.load32_splat(a2 + ao);
          c20 = f32x4.add(c20, f32x4.mul(s2, b0)); c21 = f32x4.add(c21, f32x4.mul(s2, b1));
          const s3 = v128.load32_splat(a3 + ao);
          c30 = f32x4.add(c30, f32x4.mul(s3, b0)); c31 = f32x4.add(c31, f32x4.mul(s3, b1));
          ao += astep;
        }
        v128.store(r0 + o, c00); v128.store(r0 + o + 16, c01);
        v128.store(r1 + o, c10); v128.store(r1 + o + 16, c11);
        v128.store(r2 + o, c20); v128.store(r2 + o + 16, c21);
        v128.store(r3 + o, c30); v128.store(r3 + o + 16, c31);
      }
      for (; i0 < iend; i0++) {
        const ar = P(A, i0 * sai), cr = P(C, i0 * ldc);
        let c0 = v128.load(cr + o); let c1 = v128.load(cr + o + 16);
        let ao: usize = 0;
        for (let bp = panel; bp < end; bp += 32) {
          const s = v128.load32_splat(ar + ao);
          c0 = f32x4.add(c0, f32x4.mul(s, v128.load(bp))); c1 = f32x4.add(c1, f32x4.mul(s, v128.load(bp, 16)));
          ao += astep;
        }
        v128.store(cr + o, c0); v128.store(cr + o + 16, c1);
      }
      panel += pstep;
    }
    // the last, partial panel: its columns read with the panel's row stride (8 floats)
    if (NB < N) for (let i = ic; i < iend; i++) gemmTail(P(C, i * ldc), P(A, i * sai), panel - (<usize>NB << 2), K, NB, N, astep, 32);
  }
}

// one row of C, columns [j0, N) of B at Bm (row stride bstep bytes): a block of 4 columns (SIMD,
// same order per element), then scalar
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
