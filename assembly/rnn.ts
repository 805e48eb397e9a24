// Fused LSTM / GRU kernels (tfjs-layers semantics). All buffers are f32, time-major [T, B, *],
// addressed by byte pointers into the (shared, imported) linear memory that the JS side lays out.
// Every kernel works on one contiguous batch slice, so several threads can run the same kernel
// on different slices of one batch at once; nothing here keeps state between calls.
//
// Determinism: every output element is accumulated in a fixed order (k ascending, one mul then one
// add per term, the same in the SIMD blocks and the scalar tails; gemmNT's dot products have their
// own fixed order, chosen by the shapes alone), so a row's result does not depend on how many rows
// share its call, i.e. on how the batch is sliced.

export function heapBase(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}

@inline function P(base: usize, idx: i32): usize {
  return base + (<usize>idx << 2);
}

// ---------------------------------------------------------------- activations
// exp: Cephes' expf (range reduction by ln 2 in two parts, degree-5 polynomial), ~1 ulp; the
// argument is clamped to [-87, 88] so that 2^n stays a normal float. 2^n is built by adding
// 1.5 * 2^23 + 127 to n, whose low mantissa bits are then n + 127, and shifting them into the
// exponent field (cheaper than a float -> int conversion, which wasm makes saturating). The clamps
// are written as compare-selects (pmin/pmax: one instruction each). Scalar and f32x4 versions
// perform the same operations in the same order and so give the same bits.
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const E0: f32 = 1.9875691500e-4;
const E1: f32 = 1.3981999507e-3;
const E2: f32 = 8.3334519073e-3;
const E3: f32 = 4.1665795894e-2;
const E4: f32 = 1.6666665459e-1;
const E5: f32 = 5.0000001201e-1;
const XLO: f32 = -87.0;
const XHI: f32 = 88.0;
const EXP_BIAS: f32 = 12583039.0; // 1.5 * 2^23 + 127

@inline function expS(x0: f32): f32 {
  const x1 = x0 < XLO ? XLO : x0;
  const x = XHI < x1 ? XHI : x1;
  const n = Mathf.floor(x * LOG2E + <f32>0.5);
  let r = x - n * LN2_HI;
  r = r - n * LN2_LO;
  let p = E0 * r + E1;
  p = p * r + E2;
  p = p * r + E3;
  p = p * r + E4;
  p = p * r + E5;
  p = p * (r * r) + r + <f32>1.0;
  return p * reinterpret<f32>(reinterpret<i32>(n + EXP_BIAS) << 23);
}

@inline function expV(x0: v128): v128 {
  const x = f32x4.pmin(f32x4.splat(XHI), f32x4.pmax(x0, f32x4.splat(XLO)));
  const n = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(0.5)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(E0), r), f32x4.splat(E1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E5));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  return f32x4.mul(p, i32x4.shl(f32x4.add(n, f32x4.splat(EXP_BIAS)), 23));
}

@inline function sigS(x: f32): f32 {
  return <f32>1.0 / (<f32>1.0 + expS(-x));
}
@inline function sigV(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), expV(f32x4.neg(x))));
}
@inline function tanhS(x: f32): f32 {
  return <f32>1.0 - <f32>2.0 / (expS(<f32>2.0 * x) + <f32>1.0);
}
@inline function tanhV(x: v128): v128 {
  return f32x4.sub(f32x4.splat(1.0),
    f32x4.div(f32x4.splat(2.0), f32x4.add(expV(f32x4.mul(f32x4.splat(2.0), x)), f32x4.splat(1.0))));
}

// ---------------------------------------------------------------- matrix products
// C[M,N] += A . Bm with A(i,k) at A[i*sai + k*sak] (sak = 1: A row-major; sai = 1: A^T given),
// Bm(k,j) at Bm[k*ldb + j], C(i,j) at C[i*ldc + j]. Register blocks of 4 rows x 8 columns
// (8 f32x4 accumulators); 1-row blocks for the row remainder, scalar columns for N % 8.
function gemm(C: usize, A: usize, Bm: usize, M: i32, K: i32, N: i32, sai: i32, sak: i32, ldb: i32, ldc: i32): void {
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
function gemmNT(C: usize, A: usize, Bt: usize, M: i32, K: i32, N: i32, lda: i32, ldb: i32, ldc: i32): void {
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

// dst[cols, rows] = src[rows, cols]^T
function transpose(dst: usize, src: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) store<f32>(P(dst, c * rows + r), load<f32>(P(src, r * cols + c)));
}

function fillRows(out: usize, bias: usize, rows: i32, n: i32): void {
  for (let r = 0; r < rows; r++) memory.copy(P(out, r * n), bias, <usize>n << 2);
}

// dst[0..n) += sum of the rows of src[rows, n], row by row
function addRows(dst: usize, src: usize, rows: i32, n: i32): void {
  for (let r = 0; r < rows; r++) {
    const s = P(src, r * n);
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(P(dst, j), f32x4.add(v128.load(P(dst, j)), v128.load(P(s, j))));
    for (; j < n; j++) store<f32>(P(dst, j), load<f32>(P(dst, j)) + load<f32>(P(s, j)));
  }
}

// ---------------------------------------------------------------- LSTM
// in place over p[0..n): sigmoid / tanh (SIMD, then the scalar tail: the same bits either way)
@inline function sigRange(p: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(P(p, j), sigV(v128.load(P(p, j))));
  for (; j < n; j++) store<f32>(P(p, j), sigS(load<f32>(P(p, j))));
}
@inline function tanhRange(p: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(P(p, j), tanhV(v128.load(P(p, j))));
  for (; j < n; j++) store<f32>(P(p, j), tanhS(load<f32>(P(p, j))));
}

// The row of state before step t for batch row bb (row = t*B + bb) of a [T,B,H] sequence `seq`:
// the previous step's row, or at t = 0 that row of the initial state `init` [B,H] (0: zeros, and 0 is returned).
@inline function prevRow(seq: usize, init: usize, t: i32, row: i32, bb: i32, B: i32, H: i32): usize {
  return t > 0 ? P(seq, (row - B) * H) : init ? P(init, bb * H) : 0;
}

// x [T,B,I]; W [I,4H]; U [H,4H]; b [4H]
// gates [T,B,4H] (out: activated i,f,g,o); cs [T,B,H] (out: c_t); tcs [T,B,H] (out: tanh(c_t), kept
// for backward); hs [T,B,H] (out); h0, c0 [B,H]: the initial state, both given or both 0 (zeros:
// then the step-0 terms that would multiply it are skipped, not computed from zeros)
// Each step activates its whole gate block first and then runs the cell update: loops of independent
// iterations, which the CPU overlaps, rather than one long chain of exp and divide per unit.
export function lstmForward(x: usize, W: usize, U: usize, b: usize, T: i32, B: i32, I: i32, H: i32,
                            gates: usize, cs: usize, tcs: usize, hs: usize, h0: usize, c0: usize): void {
  const G = 4 * H;
  const H4 = H & ~3;
  for (let t = 0; t < T; t++) {
    const gt = P(gates, t * B * G);
    fillRows(gt, b, B, G);
    gemm(gt, P(x, t * B * I), W, B, I, G, I, 1, G, G);
    const hprev = t > 0 ? P(hs, (t - 1) * B * H) : h0;
    if (hprev) gemm(gt, hprev, U, B, H, G, H, 1, G, G);
    for (let bb = 0; bb < B; bb++) {
      const g = P(gt, bb * G);
      sigRange(g, 2 * H);
      tanhRange(P(g, 2 * H), H);
      sigRange(P(g, 3 * H), H);
    }
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      const c = P(cs, row * H);
      const tc = P(tcs, row * H);
      const h = P(hs, row * H);
      const cp = prevRow(cs, c0, t, row, bb, B, H);
      let j = 0;
      for (; j < H4; j += 4) {
        const cprev = cp ? v128.load(P(cp, j)) : f32x4.splat(0);
        const cn = f32x4.add(f32x4.mul(v128.load(P(g, H + j)), cprev), f32x4.mul(v128.load(P(g, j)), v128.load(P(g, 2 * H + j))));
        const tn = tanhV(cn);
        v128.store(P(c, j), cn);
        v128.store(P(tc, j), tn);
        v128.store(P(h, j), f32x4.mul(v128.load(P(g, 3 * H + j)), tn));
      }
      for (; j < H; j++) {
        const cprev: f32 = cp ? load<f32>(P(cp, j)) : 0;
        const cn = load<f32>(P(g, H + j)) * cprev + load<f32>(P(g, j)) * load<f32>(P(g, 2 * H + j));
        const tn = tanhS(cn);
        store<f32>(P(c, j), cn);
        store<f32>(P(tc, j), tn);
        store<f32>(P(h, j), load<f32>(P(g, 3 * H + j)) * tn);
      }
    }
  }
}

// dhs [T,B,H]: gradient wrt every output h_t. Outputs dx [T,B,I]; dW [I,4H], dU [H,4H], db [4H]
// (overwritten, for this slice). Scratch: dA [B,4H], UT [4H,H], WT [4H,I], dhNext [B,H], dcNext [B,H].
// h0, c0: the forward call's initial state (both 0: zeros); when given, dhNext and dcNext end
// holding the gradients wrt h0 and c0.
// Weight gradients are accumulated step by step (t descending) while dA_t is still in cache.
export function lstmBackward(x: usize, W: usize, U: usize, T: i32, B: i32, I: i32, H: i32,
                             gates: usize, cs: usize, tcs: usize, hs: usize, dhs: usize,
                             dx: usize, dW: usize, dU: usize, db: usize,
                             dA: usize, UT: usize, WT: usize, dhNext: usize, dcNext: usize,
                             h0: usize, c0: usize): void {
  const G = 4 * H;
  const H4 = H & ~3;
  beginBackward(W, U, T, B, I, H, G, dx, dW, dU, db, UT, WT, dhNext);
  memory.fill(dcNext, 0, <usize>(B * H) << 2);
  for (let t = T - 1; t >= 0; t--) {
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      const tcr = P(tcs, row * H);
      const cp = prevRow(cs, c0, t, row, bb, B, H);
      const da = P(dA, bb * G);
      const dhIn = P(dhs, row * H);
      const dhN = P(dhNext, bb * H);
      const dcN = P(dcNext, bb * H);
      let j = 0;
      for (; j < H4; j += 4) {
        const ig = v128.load(P(g, j));
        const fg = v128.load(P(g, H + j));
        const gg = v128.load(P(g, 2 * H + j));
        const og = v128.load(P(g, 3 * H + j));
        const tc = v128.load(P(tcr, j));
        const cprev = cp ? v128.load(P(cp, j)) : f32x4.splat(0);
        const one = f32x4.splat(1.0);
        const dh = f32x4.add(v128.load(P(dhIn, j)), v128.load(P(dhN, j)));
        const dc = f32x4.add(v128.load(P(dcN, j)), f32x4.mul(f32x4.mul(dh, og), f32x4.sub(one, f32x4.mul(tc, tc))));
        v128.store(P(da, j), f32x4.mul(f32x4.mul(f32x4.mul(dc, gg), ig), f32x4.sub(one, ig)));
        v128.store(P(da, H + j), f32x4.mul(f32x4.mul(f32x4.mul(dc, cprev), fg), f32x4.sub(one, fg)));
        v128.store(P(da, 2 * H + j), f32x4.mul(f32x4.mul(dc, ig), f32x4.sub(one, f32x4.mul(gg, gg))));
        v128.store(P(da, 3 * H + j), f32x4.mul(f32x4.mul(f32x4.mul(dh, tc), og), f32x4.sub(one, og)));
        v128.store(P(dcN, j), f32x4.mul(dc, fg));
      }
      for (; j < H; j++) {
        const ig = load<f32>(P(g, j));
        const fg = load<f32>(P(g, H + j));
        const gg = load<f32>(P(g, 2 * H + j));
        const og = load<f32>(P(g, 3 * H + j));
        const tc = load<f32>(P(tcr, j));
        const cprev: f32 = cp ? load<f32>(P(cp, j)) : 0;
        const dh = load<f32>(P(dhIn, j)) + load<f32>(P(dhN, j));
        const dc = load<f32>(P(dcN, j)) + dh * og * (<f32>1.0 - tc * tc);
        store<f32>(P(da, j), dc * gg * ig * (<f32>1.0 - ig));
        store<f32>(P(da, H + j), dc * cprev * fg * (<f32>1.0 - fg));
        store<f32>(P(da, 2 * H + j), dc * ig * (<f32>1.0 - gg * gg));
        store<f32>(P(da, 3 * H + j), dh * tc * og * (<f32>1.0 - og));
        store<f32>(P(dcN, j), dc * fg);
      }
    }
    stepGrads(x, T, B, I, H, G, t > 0 ? P(hs, (t - 1) * B * H) : h0, dA, dx, dW, dU, db, W, WT, t, G);
    // dh_{t-1} = dA_t . U^T (at t = 0: the gradient wrt h0)
    if (t > 0 || h0) {
      memory.fill(dhNext, 0, <usize>(B * H) << 2);
      gemm(dhNext, dA, UT, B, G, H, G, 1, H, H);
    }
  }
}

// The start of either cell's backward pass: transposed weights for the dx and dh products, and
// zeroed gradient outputs and carried dh.
@inline function beginBackward(W: usize, U: usize, T: i32, B: i32, I: i32, H: i32, G: i32, dx: usize, dW: usize,
                               dU: usize, db: usize, UT: usize, WT: usize, dhNext: usize): void {
  transpose(UT, U, H, G);
  if (I >= 8) transpose(WT, W, I, G); // narrower inputs: dx from W itself (gemmNT)
  memory.fill(dW, 0, <usize>(I * G) << 2);
  memory.fill(dU, 0, <usize>(H * G) << 2);
  memory.fill(db, 0, <usize>G << 2);
  memory.fill(dhNext, 0, <usize>(B * H) << 2);
  memory.fill(dx, 0, <usize>(T * B * I) << 2);
}

// One step's share of the weight and input gradients (dA = dA_t [B,G]; hprev = h_{t-1} [B,H], 0 for
// zeros): dW += x_t^T dA, db += sum of dA rows, dx_t = dA W^T, dU[:, 0:n] += h_{t-1}^T dA[:, 0:n].
@inline function stepGrads(x: usize, T: i32, B: i32, I: i32, H: i32, G: i32, hprev: usize, dA: usize,
                           dx: usize, dW: usize, dU: usize, db: usize, W: usize, WT: usize, t: i32, n: i32): void {
  gemm(dW, P(x, t * B * I), dA, I, B, G, 1, I, G, G);
  addRows(db, dA, B, G);
  if (I < 8) gemmNT(P(dx, t * B * I), dA, W, B, G, I, G, G, I);
  else gemm(P(dx, t * B * I), dA, WT, B, G, I, G, 1, I, I);
  if (hprev) gemm(dU, hprev, dA, H, B, n, 1, H, G, G);
}

// ---------------------------------------------------------------- GRU (resetAfter = false, tfjs semantics)
// W [I,3H] (z,r,h); U [H,3H]; b [3H]; gates [T,B,3H] (out: z, r, hh); hs [T,B,H]; rh [T,B,H] (out: r * h_prev);
// h0 [B,H]: the initial state (0: zeros, as lstmForward)
export function gruForward(x: usize, W: usize, U: usize, b: usize, T: i32, B: i32, I: i32, H: i32,
                           gates: usize, hs: usize, rh: usize, h0: usize): void {
  const G = 3 * H;
  const H4 = H & ~3;
  for (let t = 0; t < T; t++) {
    const gt = P(gates, t * B * G);
    fillRows(gt, b, B, G);
    gemm(gt, P(x, t * B * I), W, B, I, G, I, 1, G, G);
    const hprev = t > 0 ? P(hs, (t - 1) * B * H) : h0;
    if (hprev) gemm(gt, hprev, U, B, H, 2 * H, H, 1, G, G);
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      const hp = prevRow(hs, h0, t, row, bb, B, H);
      const rr = P(rh, row * H);
      let j = 0;
      for (; j < H4; j += 4) {
        const z = sigV(v128.load(P(g, j)));
        const r = sigV(v128.load(P(g, H + j)));
        v128.store(P(g, j), z);
        v128.store(P(g, H + j), r);
        const hpv = hp ? v128.load(P(hp, j)) : f32x4.splat(0);
        v128.store(P(rr, j), f32x4.mul(r, hpv));
      }
      for (; j < H; j++) {
        const z = sigS(load<f32>(P(g, j)));
        const r = sigS(load<f32>(P(g, H + j)));
        store<f32>(P(g, j), z);
        store<f32>(P(g, H + j), r);
        const hpv: f32 = hp ? load<f32>(P(hp, j)) : 0;
        store<f32>(P(rr, j), r * hpv);
      }
    }
    if (hprev) gemm(P(gt, 2 * H), P(rh, t * B * H), P(U, 2 * H), B, H, H, H, 1, G, G);
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      const h = P(hs, row * H);
      const hp = prevRow(hs, h0, t, row, bb, B, H);
      let j = 0;
      for (; j < H4; j += 4) {
        const z = v128.load(P(g, j));
        const hh = tanhV(v128.load(P(g, 2 * H + j)));
        v128.store(P(g, 2 * H + j), hh);
        const hpv = hp ? v128.load(P(hp, j)) : f32x4.splat(0);
        v128.store(P(h, j), f32x4.add(f32x4.mul(z, hpv), f32x4.mul(f32x4.sub(f32x4.splat(1.0), z), hh)));
      }
      for (; j < H; j++) {
        const z = load<f32>(P(g, j));
        const hh = tanhS(load<f32>(P(g, 2 * H + j)));
        store<f32>(P(g, 2 * H + j), hh);
        const hpv: f32 = hp ? load<f32>(P(hp, j)) : 0;
        store<f32>(P(h, j), z * hpv + (<f32>1.0 - z) * hh);
      }
    }
  }
}

// Outputs as lstmBackward. Scratch: dA [B,3H], UT [3H,H], WT [3H,I], dhNext [B,H], drh [B,H], dhp [B,H].
// h0: the forward call's initial state (0: zeros); when given, dhNext ends holding the gradient wrt h0.
export function gruBackward(x: usize, W: usize, U: usize, T: i32, B: i32, I: i32, H: i32,
                            gates: usize, hs: usize, rh: usize, dhs: usize,
                            dx: usize, dW: usize, dU: usize, db: usize,
                            dA: usize, UT: usize, WT: usize, dhNext: usize, drh: usize, dhp: usize,
                            h0: usize): void {
  const G = 3 * H;
  const H4 = H & ~3;
  beginBackward(W, U, T, B, I, H, G, dx, dW, dU, db, UT, WT, dhNext);
  for (let t = T - 1; t >= 0; t--) {
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      const da = P(dA, bb * G);
      const hp = prevRow(hs, h0, t, row, bb, B, H);
      const dhIn = P(dhs, row * H);
      const dhN = P(dhNext, bb * H);
      const dp = P(dhp, bb * H);
      let j = 0;
      for (; j < H4; j += 4) {
        const one = f32x4.splat(1.0);
        const z = v128.load(P(g, j));
        const hh = v128.load(P(g, 2 * H + j));
        const hpv = hp ? v128.load(P(hp, j)) : f32x4.splat(0);
        const dh = f32x4.add(v128.load(P(dhIn, j)), v128.load(P(dhN, j)));
        v128.store(P(da, j), f32x4.mul(f32x4.mul(f32x4.mul(dh, f32x4.sub(hpv, hh)), z), f32x4.sub(one, z)));
        v128.store(P(da, 2 * H + j), f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(hh, hh))));
        v128.store(P(dp, j), f32x4.mul(dh, z));
      }
      for (; j < H; j++) {
        const z = load<f32>(P(g, j));
        const hh = load<f32>(P(g, 2 * H + j));
        const hpv: f32 = hp ? load<f32>(P(hp, j)) : 0;
        const dh = load<f32>(P(dhIn, j)) + load<f32>(P(dhN, j));
        store<f32>(P(da, j), dh * (hpv - hh) * z * (<f32>1.0 - z));
        store<f32>(P(da, 2 * H + j), dh * (<f32>1.0 - z) * (<f32>1.0 - hh * hh));
        store<f32>(P(dp, j), dh * z);
      }
    }
    // d(r*h_prev) = dah . U_h^T
    memory.fill(drh, 0, <usize>(B * H) << 2);
    gemm(drh, P(dA, 2 * H), P(UT, 2 * H * H), B, H, H, G, 1, H, H);
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      const da = P(dA, bb * G);
      const hp = prevRow(hs, h0, t, row, bb, B, H);
      const dr = P(drh, bb * H);
      const dp = P(dhp, bb * H);
      let j = 0;
      for (; j < H4; j += 4) {
        const r = v128.load(P(g, H + j));
        const hpv = hp ? v128.load(P(hp, j)) : f32x4.splat(0);
        const d = v128.load(P(dr, j));
        v128.store(P(da, H + j), f32x4.mul(f32x4.mul(f32x4.mul(d, hpv), r), f32x4.sub(f32x4.splat(1.0), r)));
        v128.store(P(dp, j), f32x4.add(v128.load(P(dp, j)), f32x4.mul(d, r)));
      }
      for (; j < H; j++) {
        const r = load<f32>(P(g, H + j));
        const hpv: f32 = hp ? load<f32>(P(hp, j)) : 0;
        const d = load<f32>(P(dr, j));
        store<f32>(P(da, H + j), d * hpv * r * (<f32>1.0 - r));
        store<f32>(P(dp, j), load<f32>(P(dp, j)) + d * r);
      }
    }
    stepGrads(x, T, B, I, H, G, t > 0 ? P(hs, (t - 1) * B * H) : h0, dA, dx, dW, dU, db, W, WT, t, 2 * H);
    // dh_{t-1} (at t = 0: the gradient wrt h0)
    if (t > 0 || h0) {
      gemm(P(dU, 2 * H), P(rh, t * B * H), P(dA, 2 * H), H, B, H, 1, H, G, G);
      memory.copy(dhNext, dhp, <usize>(B * H) << 2);
      gemm(dhNext, dA, UT, B, 2 * H, H, G, 1, H, H);
    }
  }
}

// dst[0..n) += src[0..n)  (the JS side reduces per-slice weight gradients with this, in slice order)
export function addInto(dst: usize, src: usize, n: i32): void {
  addRows(dst, src, 1, n);
}

// Layout change for one batch slice: time-major tm [T, n, row] <-> batch-major bm [n, T, row]
// (toTime != 0: bm -> tm). The JS side copies whole batches in and out with one call each.
export function permute(tm: usize, bm: usize, n: i32, T: i32, row: i32, toTime: i32): void {
  for (let r = 0; r < n; r++)
    for (let t = 0; t < T; t++) {
      const pt = P(tm, (t * n + r) * row), pb = P(bm, (r * T + t) * row);
      if (toTime) copyRow(pt, pb, row);
      else copyRow(pb, pt, row);
    }
}

@inline function copyRow(dst: usize, src: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(P(dst, j), v128.load(P(src, j)));
  for (; j < n; j++) store<f32>(P(dst, j), load<f32>(P(src, j)));
}

// ---------------------------------------------------------------- Adam
// One Adam step over n weights w with gradients g (first multiplied by s: 1 for none) and moments
// m, v, in tf.train.adam's float32 operations and order (tfjs-core AdamOptimizer.applyGradients):
// m = m*b1 + g*omb1; v = v*b2 + (g*g)*omb2; w = ((m/omab1) / (sqrt(v/omab2) + eps)) * negLr + w.
// Every operation is a correctly rounded float32 one (division and sqrt included), in SIMD and in
// the scalar tail alike, so the results are tfjs's bits.
export function adamStep(w: usize, g: usize, m: usize, v: usize, n: i32, s: f32, b1: f32, omb1: f32, b2: f32,
                         omb2: f32, omab1: f32, omab2: f32, eps: f32, negLr: f32): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const gk = f32x4.mul(v128.load(P(g, k)), f32x4.splat(s));
    const mk = f32x4.add(f32x4.mul(v128.load(P(m, k)), f32x4.splat(b1)), f32x4.mul(gk, f32x4.splat(omb1)));
    const vk = f32x4.add(f32x4.mul(v128.load(P(v, k)), f32x4.splat(b2)), f32x4.mul(f32x4.mul(gk, gk), f32x4.splat(omb2)));
    v128.store(P(m, k), mk);
    v128.store(P(v, k), vk);
    const mh = f32x4.div(mk, f32x4.splat(omab1));
    const vh = f32x4.div(vk, f32x4.splat(omab2));
    const step = f32x4.mul(f32x4.div(mh, f32x4.add(f32x4.sqrt(vh), f32x4.splat(eps))), f32x4.splat(negLr));
    v128.store(P(w, k), f32x4.add(step, v128.load(P(w, k))));
  }
  for (; k < n; k++) {
    const gk = load<f32>(P(g, k)) * s;
    const mk = load<f32>(P(m, k)) * b1 + gk * omb1;
    const vk = load<f32>(P(v, k)) * b2 + (gk * gk) * omb2;
    store<f32>(P(m, k), mk);
    store<f32>(P(v, k), vk);
    const mh = mk / omab1;
    const vh = vk / omab2;
    store<f32>(P(w, k), ((mh / (Mathf.sqrt(vh) + eps)) * negLr) + load<f32>(P(w, k)));
  }
}

// Sum of squares of x[0..n) in double precision: two f64x2 accumulators over the float32 values
// (lanes 0-1 and 2-3 of each group of four), then the scalar tail; a fixed order for a given n.
export function sumSquares(x: usize, n: i32): f64 {
  let a = f64x2.splat(0), b = f64x2.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const v = v128.load(P(x, k));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
    a = f64x2.add(a, f64x2.mul(lo, lo));
    b = f64x2.add(b, f64x2.mul(hi, hi));
  }
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1) + f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1);
  for (; k < n; k++) {
    const v = <f64>load<f32>(P(x, k));
    s += v * v;
  }
  return s;
}
