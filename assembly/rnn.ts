// Fused LSTM / GRU kernels (tfjs-layers semantics). All buffers are f32, time-major [T, B, *],
// addressed by byte pointers into this module's linear memory (filled by the JS side).

export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

@inline function sigm(x: f32): f32 {
  return <f32>1.0 / (<f32>1.0 + Mathf.exp(-x));
}

@inline function tanhf(x: f32): f32 {
  return <f32>1.0 - <f32>2.0 / (Mathf.exp(<f32>2.0 * x) + <f32>1.0);
}

// dst[0..n) += s * src[0..n)
function axpy(dst: usize, src: usize, s: f32, n: i32): void {
  const sv = f32x4.splat(s);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), f32x4.mul(sv, v128.load(src + o))));
  }
  for (; k < n; k++) {
    const o = <usize>k << 2;
    store<f32>(dst + o, load<f32>(dst + o) + s * load<f32>(src + o));
  }
}

function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s: f32 =
    f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; k < n; k++) {
    const o = <usize>k << 2;
    s += load<f32>(a + o) * load<f32>(b + o);
  }
  return s;
}

// out[r, 0..n) = bias + a[r, 0..K) . M[K, n]   for r in 0..rows   (M row stride = n)
function projBias(out: usize, a: usize, M: usize, bias: usize, rows: i32, K: i32, n: i32): void {
  for (let r = 0; r < rows; r++) {
    const orow = out + (<usize>(r * n) << 2);
    memory.copy(orow, bias, <usize>n << 2);
    const arow = a + (<usize>(r * K) << 2);
    for (let k = 0; k < K; k++) {
      axpy(orow, M + (<usize>(k * n) << 2), load<f32>(arow + (<usize>k << 2)), n);
    }
  }
}


@inline function P(base: usize, idx: i32): usize {
  return base + (<usize>idx << 2);
}

// C[M,N] += A[M,K] . Bm[K,N]   (row strides lda, ldb, ldc in floats); 4x8 register blocks
function gemm(C: usize, A: usize, Bm: usize, M: i32, K: i32, N: i32, lda: i32, ldb: i32, ldc: i32): void {
  const NB = N & ~7;
  const bstep = <usize>ldb << 2;
  let i0 = 0;
  for (; i0 + 4 <= M; i0 += 4) {
    const a0 = P(A, (i0 + 0) * lda), r0 = P(C, (i0 + 0) * ldc);
    const a1 = P(A, (i0 + 1) * lda), r1 = P(C, (i0 + 1) * ldc);
    const a2 = P(A, (i0 + 2) * lda), r2 = P(C, (i0 + 2) * ldc);
    const a3 = P(A, (i0 + 3) * lda), r3 = P(C, (i0 + 3) * ldc);
    for (let j0 = 0; j0 < NB; j0 += 8) {
      const o = <usize>j0 << 2;
      let c00 = v128.load(r0 + o + 0); let c01 = v128.load(r0 + o + 16);
      let c10 = v128.load(r1 + o + 0); let c11 = v128.load(r1 + o + 16);
      let c20 = v128.load(r2 + o + 0); let c21 = v128.load(r2 + o + 16);
      let c30 = v128.load(r3 + o + 0); let c31 = v128.load(r3 + o + 16);
      let bp = Bm + o;
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(bp + 0); const b1 = v128.load(bp + 16);
        const ko = <usize>k << 2;
        const s0 = f32x4.splat(load<f32>(a0 + ko));
        c00 = f32x4.add(c00, f32x4.mul(s0, b0)); c01 = f32x4.add(c01, f32x4.mul(s0, b1));
        const s1 = f32x4.splat(load<f32>(a1 + ko));
        c10 = f32x4.add(c10, f32x4.mul(s1, b0)); c11 = f32x4.add(c11, f32x4.mul(s1, b1));
        const s2 = f32x4.splat(load<f32>(a2 + ko));
        c20 = f32x4.add(c20, f32x4.mul(s2, b0)); c21 = f32x4.add(c21, f32x4.mul(s2, b1));
        const s3 = f32x4.splat(load<f32>(a3 + ko));
        c30 = f32x4.add(c30, f32x4.mul(s3, b0)); c31 = f32x4.add(c31, f32x4.mul(s3, b1));
        bp += bstep;
      }
      v128.store(r0 + o + 0, c00); v128.store(r0 + o + 16, c01);
      v128.store(r1 + o + 0, c10); v128.store(r1 + o + 16, c11);
      v128.store(r2 + o + 0, c20); v128.store(r2 + o + 16, c21);
      v128.store(r3 + o + 0, c30); v128.store(r3 + o + 16, c31);
    }
    if (NB < N) {
      for (let r = 0; r < 4; r++) {
        const ar = P(A, (i0 + r) * lda), cr = P(C, (i0 + r) * ldc + NB);
        for (let k = 0; k < K; k++) axpy(cr, P(Bm, k * ldb + NB), load<f32>(P(ar, k)), N - NB);
      }
    }
  }
  for (; i0 < M; i0++) {
    const ar = P(A, i0 * lda), cr = P(C, i0 * ldc);
    for (let k = 0; k < K; k++) axpy(cr, P(Bm, k * ldb), load<f32>(P(ar, k)), N);
  }
}

// dst[cols, rows] = src[rows, cols]^T
function transpose(dst: usize, src: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) store<f32>(P(dst, c * rows + r), load<f32>(P(src, r * cols + c)));
}

function fillRows(out: usize, bias: usize, rows: i32, n: i32): void {
  for (let r = 0; r < rows; r++) memory.copy(P(out, r * n), bias, <usize>n << 2);
}

function sumRows(out: usize, src: usize, rows: i32, n: i32): void {
  memory.fill(out, 0, <usize>n << 2);
  for (let r = 0; r < rows; r++) axpy(out, P(src, r * n), 1, n);
}

// ---------------------------------------------------------------- LSTM
// x [T,B,I]; W [I,4H]; U [H,4H]; b [4H]
// gates [T,B,4H] (out: activated i,f,g,o); cs [T,B,H] (out); hs [T,B,H] (out)
export function lstmForward(x: usize, W: usize, U: usize, b: usize, T: i32, B: i32, I: i32, H: i32,
                            gates: usize, cs: usize, hs: usize): void {
  const G = 4 * H;
  fillRows(gates, b, T * B, G);
  gemm(gates, x, W, T * B, I, G, I, G, G);
  for (let t = 0; t < T; t++) {
    const gt = P(gates, t * B * G);
    if (t > 0) gemm(gt, P(hs, (t - 1) * B * H), U, B, H, G, H, G, G);
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      const c = P(cs, row * H);
      const h = P(hs, row * H);
      for (let j = 0; j < H; j++) {
        const ig = sigm(load<f32>(P(g, j)));
        const fg = sigm(load<f32>(P(g, H + j)));
        const gg = tanhf(load<f32>(P(g, 2 * H + j)));
        const og = sigm(load<f32>(P(g, 3 * H + j)));
        let cprev: f32 = 0;
        if (t > 0) cprev = load<f32>(P(cs, ((t - 1) * B + bb) * H + j));
        const cn = fg * cprev + ig * gg;
        store<f32>(P(g, j), ig);
        store<f32>(P(g, H + j), fg);
        store<f32>(P(g, 2 * H + j), gg);
        store<f32>(P(g, 3 * H + j), og);
        store<f32>(P(c, j), cn);
        store<f32>(P(h, j), og * tanhf(cn));
      }
    }
  }
}

// dhs [T,B,H] gradient wrt every output h_t. Outputs dx [T,B,I], dW [I,4H], dU [H,4H], db [4H].
// Scratch: dA [T,B,4H], UT [4H,H], hT [H,T*B], xT [I,T*B], WT [4H,I], dhNext [B,H], dcNext [B,H].
export function lstmBackward(x: usize, W: usize, U: usize, T: i32, B: i32, I: i32, H: i32,
                             gates: usize, cs: usize, hs: usize, dhs: usize,
                             dx: usize, dW: usize, dU: usize, db: usize,
                             dA: usize, UT: usize, hT: usize, xT: usize, WT: usize,
                             dhNext: usize, dcNext: usize): void {
  const G = 4 * H;
  const TB = T * B;
  transpose(UT, U, H, G);
  memory.fill(dhNext, 0, <usize>(B * H) << 2);
  memory.fill(dcNext, 0, <usize>(B * H) << 2);
  for (let t = T - 1; t >= 0; t--) {
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      const c = P(cs, row * H);
      const da = P(dA, row * G);
      const dhIn = P(dhs, row * H);
      const dhN = P(dhNext, bb * H);
      const dcN = P(dcNext, bb * H);
      for (let j = 0; j < H; j++) {
        const ig = load<f32>(P(g, j));
        const fg = load<f32>(P(g, H + j));
        const gg = load<f32>(P(g, 2 * H + j));
        const og = load<f32>(P(g, 3 * H + j));
        const cn = load<f32>(P(c, j));
        let cprev: f32 = 0;
        if (t > 0) cprev = load<f32>(P(cs, ((t - 1) * B + bb) * H + j));
        const tc = tanhf(cn);
        const dh = load<f32>(P(dhIn, j)) + load<f32>(P(dhN, j));
        const dc = load<f32>(P(dcN, j)) + dh * og * (<f32>1.0 - tc * tc);
        store<f32>(P(da, j), dc * gg * ig * (<f32>1.0 - ig));
        store<f32>(P(da, H + j), dc * cprev * fg * (<f32>1.0 - fg));
        store<f32>(P(da, 2 * H + j), dc * ig * (<f32>1.0 - gg * gg));
        store<f32>(P(da, 3 * H + j), dh * tc * og * (<f32>1.0 - og));
        store<f32>(P(dcN, j), dc * fg);
      }
    }
    // dh_{t-1} = dA_t . U^T
    memory.fill(dhNext, 0, <usize>(B * H) << 2);
    if (t > 0) gemm(dhNext, P(dA, t * B * G), UT, B, G, H, G, H, H);
  }
  weightGrads(x, W, T, B, I, H, G, hs, dA, dx, dW, dU, db, hT, xT, WT, 0, G);
}

// dW = X^T dA, db = sum dA, dx = dA W^T, dU[:, c0:c0+n] = Hprev^T dA[1:, c0:c0+n]
function weightGrads(x: usize, W: usize, T: i32, B: i32, I: i32, H: i32, G: i32, hs: usize, dA: usize,
                     dx: usize, dW: usize, dU: usize, db: usize, hT: usize, xT: usize, WT: usize,
                     c0: i32, n: i32): void {
  const TB = T * B;
  memory.fill(dU, 0, <usize>(H * G) << 2);
  if (T > 1) {
    const R = (T - 1) * B;
    transpose(hT, hs, R, H);
    gemm(P(dU, c0), hT, P(dA, B * G + c0), H, R, n, R, G, G);
  }
  transpose(xT, x, TB, I);
  memory.fill(dW, 0, <usize>(I * G) << 2);
  gemm(dW, xT, dA, I, TB, G, TB, G, G);
  transpose(WT, W, I, G);
  memory.fill(dx, 0, <usize>(TB * I) << 2);
  gemm(dx, dA, WT, TB, G, I, G, I, I);
  sumRows(db, dA, TB, G);
}

// ---------------------------------------------------------------- GRU (resetAfter = false, tfjs semantics)
// W [I,3H] (z,r,h); U [H,3H]; b [3H]; gates [T,B,3H] (out: z, r, hh); hs [T,B,H]; rh [T,B,H] (out: r * h_prev)
export function gruForward(x: usize, W: usize, U: usize, b: usize, T: i32, B: i32, I: i32, H: i32,
                           gates: usize, hs: usize, rh: usize): void {
  const G = 3 * H;
  fillRows(gates, b, T * B, G);
  gemm(gates, x, W, T * B, I, G, I, G, G);
  for (let t = 0; t < T; t++) {
    const gt = P(gates, t * B * G);
    const hpt = P(hs, (t - 1) * B * H);
    if (t > 0) gemm(gt, hpt, U, B, H, 2 * H, H, G, G);
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      for (let j = 0; j < H; j++) {
        const z = sigm(load<f32>(P(g, j)));
        const r = sigm(load<f32>(P(g, H + j)));
        store<f32>(P(g, j), z);
        store<f32>(P(g, H + j), r);
        let hpv: f32 = 0;
        if (t > 0) hpv = load<f32>(P(hs, ((t - 1) * B + bb) * H + j));
        store<f32>(P(rh, row * H + j), r * hpv);
      }
    }
    if (t > 0) gemm(P(gt, 2 * H), P(rh, t * B * H), P(U, 2 * H), B, H, H, H, G, G);
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      const h = P(hs, row * H);
      for (let j = 0; j < H; j++) {
        const z = load<f32>(P(g, j));
        const hh = tanhf(load<f32>(P(g, 2 * H + j)));
        store<f32>(P(g, 2 * H + j), hh);
        let hpv: f32 = 0;
        if (t > 0) hpv = load<f32>(P(hs, ((t - 1) * B + bb) * H + j));
        store<f32>(P(h, j), z * hpv + (<f32>1.0 - z) * hh);
      }
    }
  }
}

// Scratch: dA [T,B,3H], UT [3H,H], hT [H,T*B], xT [I,T*B], WT [3H,I], dhNext [B,H], drh [B,H], dhp [B,H]
export function gruBackward(x: usize, W: usize, U: usize, T: i32, B: i32, I: i32, H: i32,
                            gates: usize, hs: usize, rh: usize, dhs: usize,
                            dx: usize, dW: usize, dU: usize, db: usize,
                            dA: usize, UT: usize, hT: usize, xT: usize, WT: usize,
                            dhNext: usize, drh: usize, dhp: usize): void {
  const G = 3 * H;
  transpose(UT, U, H, G);
  memory.fill(dhNext, 0, <usize>(B * H) << 2);
  for (let t = T - 1; t >= 0; t--) {
    const dAt = P(dA, t * B * G);
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      const da = P(dA, row * G);
      for (let j = 0; j < H; j++) {
        const z = load<f32>(P(g, j));
        const hh = load<f32>(P(g, 2 * H + j));
        let hpv: f32 = 0;
        if (t > 0) hpv = load<f32>(P(hs, ((t - 1) * B + bb) * H + j));
        const dh = load<f32>(P(dhs, row * H + j)) + load<f32>(P(dhNext, bb * H + j));
        store<f32>(P(da, j), dh * (hpv - hh) * z * (<f32>1.0 - z));
        store<f32>(P(da, 2 * H + j), dh * (<f32>1.0 - z) * (<f32>1.0 - hh * hh));
        store<f32>(P(dhp, bb * H + j), dh * z);
      }
    }
    // d(r*h_prev) = dah . U_h^T
    memory.fill(drh, 0, <usize>(B * H) << 2);
    gemm(drh, P(dAt, 2 * H), P(UT, 2 * H * H), B, H, H, G, H, H);
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      const da = P(dA, row * G);
      for (let j = 0; j < H; j++) {
        const r = load<f32>(P(g, H + j));
        let hpv: f32 = 0;
        if (t > 0) hpv = load<f32>(P(hs, ((t - 1) * B + bb) * H + j));
        const d = load<f32>(P(drh, bb * H + j));
        store<f32>(P(da, H + j), d * hpv * r * (<f32>1.0 - r));
        store<f32>(P(dhp, bb * H + j), load<f32>(P(dhp, bb * H + j)) + d * r);
      }
    }
    memory.copy(dhNext, dhp, <usize>(B * H) << 2);
    gemm(dhNext, dAt, UT, B, 2 * H, H, G, H, H);
  }
  weightGrads(x, W, T, B, I, H, G, hs, dA, dx, dW, dU, db, hT, xT, WT, 0, 2 * H);
  if (T > 1) {
    const R = (T - 1) * B;
    transpose(hT, P(rh, B * H), R, H);
    gemm(P(dU, 2 * H), hT, P(dA, B * G + 2 * H), H, R, H, R, G, G);
  }
}
