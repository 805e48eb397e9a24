/**
 * WGSL compute kernels of the recurrent layers (LSTM: gates i, f, c, o; GRU: z, r, h with
 * resetAfter = false; the equations and weight layout of the CPU kernels in assembly/). Buffers are
 * time-major ([T, B, *]) and flat; sizes come in uniforms, so each kernel compiles once per device
 * whatever the shape. No kernel uses workgroup barriers or atomics: every output is summed by one
 * invocation in a fixed order, so a rerun on one adapter gives the same bits.
 *
 * Per step t (a uniform of its own, one bind group per step), the step kernels run one invocation
 * per (batch row b, unit j); the products over all steps (input projections, weight gradients,
 * the input's gradient) are one `matmul` each.
 */

/**
 * Sizes of a recurrent layer (Dims): hasInit 1 when an initial state is given (else zeros); relu 1
 * for a vanilla RNN with relu (else tanh); split 1 when a matrix product per step computes the
 * recurrent term (forward: h_{t-1} U added into the gates; backward: dL/dh_t into dhAll), which the
 * LSTM's and the vanilla RNN's step kernels then leave out.
 */
const HEAD = /* wgsl */ `
struct Dims { B: u32, T: u32, I: u32, H: u32, hasInit: u32, BH: u32, relu: u32, split: u32 }
struct Step { t: u32, p0: u32, p1: u32, p2: u32 }
@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<uniform> s: Step;
fn sig(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn th(x: f32) -> f32 { return tanh(clamp(x, -15.0, 15.0)); }
`;

/** the invocation's index in a 1-D dispatch of 64-wide workgroups (2-D when over 65,535 groups) */
const ID = 'let id = gid.x + gid.y * nw.x * 64u;';

/**
 * A step kernel's opening: its invocation is unit `unit` (j or k) of batch row b at step t, row
 * t * B + b; gates: the gate blocks per unit (G = gates * H, and g0 the row's first gate column).
 */
const STEP = (gates: number, unit = 'j') => `${ID}
  if (id >= d.BH) { return; }
  let H = d.H; let B = d.B; let t = s.t;${gates ? ` let G = ${gates}u * H;` : ''}
  let b = id / H; let ${unit} = id % H;
  let row = t * B + b;${gates ? '\n  let g0 = row * G;' : ''}`;
const ENTRY = '@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u)';

/**
 * LSTM forward, step t: gates holds x_t W + b for every step (from matmul); this adds h_{t-1} U,
 * activates the four gates of unit j in place and writes c_t, tanh(c_t) and h_t.
 */
export const LSTM_FORWARD = /* wgsl */ `${HEAD}
@group(0) @binding(2) var<storage, read> U: array<f32>;
@group(0) @binding(3) var<storage, read> init: array<f32>;
@group(0) @binding(4) var<storage, read_write> gates: array<f32>;
@group(0) @binding(5) var<storage, read_write> cs: array<f32>;
@group(0) @binding(6) var<storage, read_write> tcs: array<f32>;
@group(0) @binding(7) var<storage, read_write> hs: array<f32>;
${ENTRY} {
  ${STEP(4)}
  var ai = gates[g0 + j]; var af = gates[g0 + H + j]; var ag = gates[g0 + 2u * H + j]; var ao = gates[g0 + 3u * H + j];
  var cprev = 0.0;
  if (t > 0u) {
    let p = (row - B) * H;
    if (d.split == 0u) {
      for (var k = 0u; k < H; k++) {
        let h = hs[p + k]; let u = k * G + j;
        ai += h * U[u]; af += h * U[u + H]; ag += h * U[u + 2u * H]; ao += h * U[u + 3u * H];
      }
    }
    cprev = cs[p + j];
  } else if (d.hasInit == 1u) {
    let p = b * H;
    if (d.split == 0u) {
      for (var k = 0u; k < H; k++) {
        let h = init[p + k]; let u = k * G + j;
        ai += h * U[u]; af += h * U[u + H]; ag += h * U[u + 2u * H]; ao += h * U[u + 3u * H];
      }
    }
    cprev = init[B * H + p + j];
  }
  let i = sig(ai); let f = sig(af); let gg = th(ag); let o = sig(ao);
  gates[g0 + j] = i; gates[g0 + H + j] = f; gates[g0 + 2u * H + j] = gg; gates[g0 + 3u * H + j] = o;
  let c = f * cprev + i * gg;
  let tc = th(c);
  cs[row * H + j] = c; tcs[row * H + j] = tc; hs[row * H + j] = o * tc;
}`;

/**
 * LSTM backward, step t (t descending): dL/dh_t = the output's gradient + dA_{t+1} U^T (row j of
 * U), then the four gates' pre-activation gradients dA_t and the carried cell gradient dc.
 * dhAll keeps dL/dh_t (the gradient's flow through time).
 */
export const LSTM_BACKWARD = /* wgsl */ `${HEAD}
@group(0) @binding(2) var<storage, read> U: array<f32>;
@group(0) @binding(3) var<storage, read> init: array<f32>;
@group(0) @binding(4) var<storage, read> gates: array<f32>;
@group(0) @binding(5) var<storage, read> cs: array<f32>;
@group(0) @binding(6) var<storage, read> tcs: array<f32>;
@group(0) @binding(7) var<storage, read> dhs: array<f32>;
@group(0) @binding(8) var<storage, read_write> dA: array<f32>;
@group(0) @binding(9) var<storage, read_write> dc: array<f32>;
@group(0) @binding(10) var<storage, read_write> dhAll: array<f32>;
${ENTRY} {
  ${STEP(4)}
  var dh = dhs[row * H + j];
  if (d.split == 1u) { dh = dhAll[row * H + j]; } else if (t + 1u < d.T) {
    let q = (row + B) * G; let u = j * G;
    for (var g = 0u; g < G; g++) { dh += dA[q + g] * U[u + g]; }
  }
  dhAll[row * H + j] = dh;
  let i = gates[g0 + j]; let f = gates[g0 + H + j]; let gg = gates[g0 + 2u * H + j]; let o = gates[g0 + 3u * H + j];
  let tc = tcs[row * H + j];
  var cprev = 0.0;
  if (t > 0u) { cprev = cs[(row - B) * H + j]; } else if (d.hasInit == 1u) { cprev = init[B * H + b * H + j]; }
  let dcv = dc[b * H + j] + dh * o * (1.0 - tc * tc);
  dA[g0 + j] = dcv * gg * i * (1.0 - i);
  dA[g0 + H + j] = dcv * cprev * f * (1.0 - f);
  dA[g0 + 2u * H + j] = dcv * i * (1.0 - gg * gg);
  dA[g0 + 3u * H + j] = dh * tc * o * (1.0 - o);
  dc[b * H + j] = dcv * f;
}`;

/** Vanilla RNN forward, step t: h_t = act(x_t W + b + h_{t-1} U), x_t W + b from matmul in pre. */
export const RNN_FORWARD = /* wgsl */ `${HEAD}
@group(0) @binding(2) var<storage, read> U: array<f32>;
@group(0) @binding(3) var<storage, read> init: array<f32>;
@group(0) @binding(4) var<storage, read> pre: array<f32>;
@group(0) @binding(5) var<storage, read_write> hs: array<f32>;
${ENTRY} {
  ${STEP(0)}
  var a = pre[row * H + j];
  if (d.split == 1u) {
  } else if (t > 0u) {
    let p = (row - B) * H;
    for (var k = 0u; k < H; k++) { a += hs[p + k] * U[k * H + j]; }
  } else if (d.hasInit == 1u) {
    let p = b * H;
    for (var k = 0u; k < H; k++) { a += init[p + k] * U[k * H + j]; }
  }
  if (d.relu == 1u) { hs[row * H + j] = max(a, 0.0); } else { hs[row * H + j] = th(a); }
}`;

/**
 * Vanilla RNN backward, step t: dL/dh_t = the output's gradient + dA_{t+1} U^T, and dA_t = dL/dh_t
 * times the activation's derivative, read back from h_t (1 - h^2 for tanh, h > 0 for relu).
 */
export const RNN_BACKWARD = /* wgsl */ `${HEAD}
@group(0) @binding(2) var<storage, read> U: array<f32>;
@group(0) @binding(3) var<storage, read> hs: array<f32>;
@group(0) @binding(4) var<storage, read> dhs: array<f32>;
@group(0) @binding(5) var<storage, read_write> dA: array<f32>;
@group(0) @binding(6) var<storage, read_write> dhAll: array<f32>;
${ENTRY} {
  ${STEP(0)}
  var dh = dhs[row * H + j];
  if (d.split == 1u) { dh = dhAll[row * H + j]; } else if (t + 1u < d.T) {
    let q = (row + B) * H; let u = j * H;
    for (var g = 0u; g < H; g++) { dh += dA[q + g] * U[u + g]; }
  }
  dhAll[row * H + j] = dh;
  let h = hs[row * H + j];
  if (d.relu == 1u) { dA[row * H + j] = select(0.0, dh, h > 0.0); } else { dA[row * H + j] = dh * (1.0 - h * h); }
}`;

/** GRU forward, step t, first half: the update and reset gates and r_t * h_{t-1} (rh). */
export const GRU_FORWARD_ZR = /* wgsl */ `${HEAD}
@group(0) @binding(2) var<storage, read> U: array<f32>;
@group(0) @binding(3) var<storage, read> init: array<f32>;
@group(0) @binding(4) var<storage, read> hs: array<f32>;
@group(0) @binding(5) var<storage, read_write> gates: array<f32>;
@group(0) @binding(6) var<storage, read_write> rh: array<f32>;
${ENTRY} {
  ${STEP(3)}
  var az = gates[g0 + j]; var ar = gates[g0 + H + j];
  var hp = 0.0;
  if (t > 0u) {
    let p = (row - B) * H;
    for (var k = 0u; k < H; k++) { let h = hs[p + k]; az += h * U[k * G + j]; ar += h * U[k * G + H + j]; }
    hp = hs[p + j];
  } else if (d.hasInit == 1u) {
    let p = b * H;
    for (var k = 0u; k < H; k++) { let h = init[p + k]; az += h * U[k * G + j]; ar += h * U[k * G + H + j]; }
    hp = init[p + j];
  }
  let z = sig(az); let r = sig(ar);
  gates[g0 + j] = z; gates[g0 + H + j] = r;
  rh[row * H + j] = r * hp;
}`;

/** GRU forward, step t, second half: the candidate (r_t * h_{t-1}) U_h and h_t. */
export const GRU_FORWARD_H = /* wgsl */ `${HEAD}
@group(0) @binding(2) var<storage, read> U: array<f32>;
@group(0) @binding(3) var<storage, read> init: array<f32>;
@group(0) @binding(4) var<storage, read> rh: array<f32>;
@group(0) @binding(5) var<storage, read_write> gates: array<f32>;
@group(0) @binding(6) var<storage, read_write> hs: array<f32>;
${ENTRY} {
  ${STEP(3)}
  var ah = gates[g0 + 2u * H + j];
  var hp = 0.0;
  if (t > 0u || d.hasInit == 1u) {
    let p = row * H;
    for (var k = 0u; k < H; k++) { ah += rh[p + k] * U[k * G + 2u * H + j]; }
    if (t > 0u) { hp = hs[(row - B) * H + j]; } else { hp = init[b * H + j]; }
  }
  let hh = th(ah);
  gates[g0 + 2u * H + j] = hh;
  let z = gates[g0 + j];
  hs[row * H + j] = z * hp + (1.0 - z) * hh;
}`;

/**
 * GRU backward, step t, first half: dL/dh_t = the output's gradient + what step t+1 carried back
 * (dpart, plus dA_{t+1}'s z and r columns times U^T), then dA_t's z and candidate columns.
 */
export const GRU_BACKWARD_A = /* wgsl */ `${HEAD}
@group(0) @binding(2) var<storage, read> U: array<f32>;
@group(0) @binding(3) var<storage, read> init: array<f32>;
@group(0) @binding(4) var<storage, read> gates: array<f32>;
@group(0) @binding(5) var<storage, read> hs: array<f32>;
@group(0) @binding(6) var<storage, read> dhs: array<f32>;
@group(0) @binding(7) var<storage, read> dpart: array<f32>;
@group(0) @binding(8) var<storage, read_write> dA: array<f32>;
@group(0) @binding(9) var<storage, read_write> dhAll: array<f32>;
${ENTRY} {
  ${STEP(3)}
  var dh = dhs[row * H + j];
  if (t + 1u < d.T) {
    dh += dpart[b * H + j];
    let q = (row + B) * G; let u = j * G;
    for (var g = 0u; g < 2u * H; g++) { dh += dA[q + g] * U[u + g]; }
  }
  dhAll[row * H + j] = dh;
  let z = gates[g0 + j]; let hh = gates[g0 + 2u * H + j];
  var hp = 0.0;
  if (t > 0u) { hp = hs[(row - B) * H + j]; } else if (d.hasInit == 1u) { hp = init[b * H + j]; }
  dA[g0 + j] = dh * (hp - hh) * z * (1.0 - z);
  dA[g0 + 2u * H + j] = dh * (1.0 - z) * (1.0 - hh * hh);
}`;

/**
 * GRU backward, step t, second half: d(r h_{t-1}) = dA_t's candidate columns times U_h^T, the
 * reset gate's column of dA_t, and dpart: the part of dL/dh_{t-1} that does not pass through U's
 * z and r columns.
 */
export const GRU_BACKWARD_B = /* wgsl */ `${HEAD}
@group(0) @binding(2) var<storage, read> U: array<f32>;
@group(0) @binding(3) var<storage, read> init: array<f32>;
@group(0) @binding(4) var<storage, read> gates: array<f32>;
@group(0) @binding(5) var<storage, read> hs: array<f32>;
@group(0) @binding(6) var<storage, read> dhAll: array<f32>;
@group(0) @binding(7) var<storage, read_write> dA: array<f32>;
@group(0) @binding(8) var<storage, read_write> dpart: array<f32>;
${ENTRY} {
  ${STEP(3, 'k')}
  var drh = 0.0;
  let u = k * G + 2u * H;
  for (var j = 0u; j < H; j++) { drh += dA[g0 + 2u * H + j] * U[u + j]; }
  var hp = 0.0;
  if (t > 0u) { hp = hs[(row - B) * H + k]; } else if (d.hasInit == 1u) { hp = init[b * H + k]; }
  let r = gates[g0 + H + k];
  dA[g0 + H + k] = drh * hp * r * (1.0 - r);
  dpart[b * H + k] = dhAll[row * H + k] * gates[g0 + k] + drh * r;
}`;

/** The parameters and bindings MATMUL and MATMUL_TILED share (kernels.ts MatMul binds them so). */
const MM_BINDINGS = /* wgsl */ `struct MM { M: u32, N: u32, K: u32, aOff: u32, aM: u32, aK: u32, bOff: u32, bK: u32, bN: u32, cOff: u32, cM: u32, cN: u32, acc: u32, aOnes: u32, bias: u32, relu: u32 }
@group(0) @binding(0) var<uniform> p: MM;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> Bm: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> C: array<f32>;
@group(0) @binding(5) var<storage, read> S: array<f32>;
`;

/**
 * C[m, n] = (acc 1: C[m, n]; acc 2: S[m, n], S laid out as C; else 0) + (bias ? bias[n] : 0) + sum over k of A[m, k] B[k, n], every
 * operand strided (element (m, k) of A at aOff + m aM + k aK); aOnes: A is all ones (column sums);
 * relu: max(C, 0) at the end. 8x8 workgroups over (n, m).
 */
export const MATMUL = /* wgsl */ `
${MM_BINDINGS}@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x; let m = gid.y;
  if (m >= p.M || n >= p.N) { return; }
  let c = p.cOff + m * p.cM + n * p.cN;
  var s = 0.0;
  if (p.acc == 1u) { s = C[c]; } else if (p.acc == 2u) { s = S[c]; }
  if (p.bias == 1u) { s += bias[n]; }
  var a = p.aOff + m * p.aM; var bk = p.bOff + n * p.bN;
  for (var k = 0u; k < p.K; k++) {
    var av = 1.0;
    if (p.aOnes == 0u) { av = A[a]; }
    s += av * Bm[bk];
    a += p.aK; bk += p.bK;
  }
  if (p.relu == 1u) { s = max(s, 0.0); }
  C[c] = s;
}`;

/**
 * MATMUL's product in 64x64 tiles of C: a 16x16 workgroup, 4x4 outputs per invocation, A's and B's
 * tiles staged through workgroup memory 16 steps of k at a time. Each output still sums its k in
 * ascending order from the same start (C or 0, then the bias), as MATMUL does.
 */
export const MATMUL_TILED = /* wgsl */ `
${MM_BINDINGS}var<workgroup> As: array<f32, 1024>;
var<workgroup> Bs: array<f32, 1024>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let m0 = wg.y * 64u; let n0 = wg.x * 64u;
  let li = lid.y * 16u + lid.x;
  var s: array<f32, 16>;
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      let m = m0 + lid.y * 4u + i; let n = n0 + lid.x * 4u + j;
      var v = 0.0;
      if (m < p.M && n < p.N) {
        if (p.acc == 1u) { v = C[p.cOff + m * p.cM + n * p.cN]; } else if (p.acc == 2u) { v = S[p.cOff + m * p.cM + n * p.cN]; }
        if (p.bias == 1u) { v += bias[n]; }
      }
      s[i * 4u + j] = v;
    }
  }
  for (var k0 = 0u; k0 < p.K; k0 += 16u) {
    for (var r = 0u; r < 4u; r++) {
      let e = li + r * 256u;
      let am = e / 16u; let ak = e % 16u;
      var av = 0.0;
      if (m0 + am < p.M && k0 + ak < p.K) {
        if (p.aOnes == 1u) { av = 1.0; } else { av = A[p.aOff + (m0 + am) * p.aM + (k0 + ak) * p.aK]; }
      }
      As[ak * 64u + am] = av;
      let bk = e / 64u; let bn = e % 64u;
      var bv = 0.0;
      if (k0 + bk < p.K && n0 + bn < p.N) { bv = Bm[p.bOff + (k0 + bk) * p.bK + (n0 + bn) * p.bN]; }
      Bs[bk * 64u + bn] = bv;
    }
    workgroupBarrier();
    let kn = min(16u, p.K - k0);
    for (var kk = 0u; kk < kn; kk++) {
      for (var i = 0u; i < 4u; i++) {
        let a = As[kk * 64u + lid.y * 4u + i];
        for (var j = 0u; j < 4u; j++) { s[i * 4u + j] += a * Bs[kk * 64u + lid.x * 4u + j]; }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      let m = m0 + lid.y * 4u + i; let n = n0 + lid.x * 4u + j;
      if (m < p.M && n < p.N) {
        var v = s[i * 4u + j];
        if (p.relu == 1u) { v = max(v, 0.0); }
        C[p.cOff + m * p.cM + n * p.cN] = v;
      }
    }
  }
}`;

/** [B, T, F] (batch-major) to [T, B, F] (dir 0) and back (dir 1). */
export const PERMUTE = /* wgsl */ `
struct PM { B: u32, T: u32, F: u32, dir: u32, n: u32, p0: u32, p1: u32, p2: u32 }
@group(0) @binding(0) var<uniform> p: PM;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
${ENTRY} {
  ${ID}
  if (id >= p.n) { return; }
  let f = id % p.F;
  if (p.dir == 0u) {
    let b = (id / p.F) % p.B; let t = id / (p.B * p.F);
    dst[id] = src[(b * p.T + t) * p.F + f];
  } else {
    let t = (id / p.F) % p.T; let b = id / (p.T * p.F);
    dst[id] = src[(t * p.B + b) * p.F + f];
  }
}`;

/**
 * The training step's own kernels (gpu/trainer.ts). Batch: the rows in use (the rest of the fixed
 * batch is padding whose gradient is zero) and Adam's bias corrections for this step.
 */
const BATCH = /* wgsl */ `
struct Batch { rows: u32, omab1: f32, omab2: f32, train: u32 }
`;

/**
 * The loss of a batch, one workgroup: dp = dL/dpred (zero on padding rows) and, added into
 * stats[slot], the batch's mean loss times its rows. kind 0: mse, 1: mae, 2: huber (delta 1).
 * seqB 0: pred and y are [B, O] (a padding row's elements come after the batch's); else they are
 * time-major [T, B, O] with B = seqB (one-to-one), a padding row's elements at every step.
 */
export const LOSS = /* wgsl */ `${BATCH}
struct LP { O: u32, kind: u32, slot: u32, seqB: u32 }
@group(0) @binding(0) var<uniform> bt: Batch;
@group(0) @binding(1) var<uniform> p: LP;
@group(0) @binding(2) var<storage, read> pred: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> dp: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) li: u32) {
  let total = arrayLength(&dp);
  var n = bt.rows * p.O;
  if (p.seqB > 0u) { n = bt.rows * (total / p.seqB); }
  let inv = 1.0 / f32(n);
  var s = 0.0;
  for (var i = li; i < total; i += 256u) {
    var g = 0.0;
    var valid = i < n;
    if (p.seqB > 0u) { valid = (i / p.O) % p.seqB < bt.rows; }
    if (valid) {
      let d = pred[i] - y[i];
      let a = abs(d);
      if (p.kind == 0u) { s += d * d; g = 2.0 * d; }
      else if (p.kind == 1u) { s += a; g = sign(d); }
      else { let q = min(a, 1.0); s += 0.5 * q * q + (a - q); g = clamp(d, -1.0, 1.0); }
    }
    dp[i] = g * inv;
  }
  part[li] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (li < w) { part[li] += part[li + w]; }
    workgroupBarrier();
  }
  if (li == 0u) { stats[p.slot] += part[0] * inv * f32(bt.rows); }
}`;

/** sq[slot] = the sum of squares of g[0..n), one workgroup. */
export const SUMSQ = /* wgsl */ `
struct SP { n: u32, slot: u32, p0: u32, p1: u32 }
@group(0) @binding(0) var<uniform> p: SP;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> sq: array<f32>;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var i = li; i < p.n; i += 256u) { let v = g[i]; s += v * v; }
  part[li] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (li < w) { part[li] += part[li + w]; }
    workgroupBarrier();
  }
  if (li == 0u) { sq[p.slot] = part[0]; }
}`;

/**
 * One invocation after the squares: the global norm, the clipping scale (scale[0]) and the epoch's
 * sums in stats: [1] norms, [2] clipped batches, [3 + i] weight i's norm.
 */
export const CLIP = /* wgsl */ `
struct CP { nW: u32, clip: f32, p0: u32, p1: u32 }
@group(0) @binding(0) var<uniform> p: CP;
@group(0) @binding(1) var<storage, read> sq: array<f32>;
@group(0) @binding(2) var<storage, read_write> scale: array<f32>;
@group(0) @binding(3) var<storage, read_write> stats: array<f32>;
@compute @workgroup_size(1)
fn main() {
  var s = 0.0;
  for (var i = 0u; i < p.nW; i++) { s += sq[i]; stats[3u + i] += sqrt(sq[i]); }
  let norm = sqrt(s);
  stats[1] += norm;
  var k = 1.0;
  if (p.clip > 0.0) {
    k = p.clip / max(norm, p.clip);
    if (norm > p.clip) { stats[2] += 1.0; }
  }
  scale[0] = k;
}`;

/** Adam (tf.train.adam's arithmetic, as assembly/optimizer.ts) on one weight, its gradient times scale[0]. */
export const ADAM = /* wgsl */ `${BATCH}
struct AP { n: u32, b1: f32, omb1: f32, b2: f32, omb2: f32, eps: f32, negLr: f32, p0: u32 }
@group(0) @binding(0) var<uniform> bt: Batch;
@group(0) @binding(1) var<uniform> p: AP;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> w: array<f32>;
@group(0) @binding(5) var<storage, read_write> m: array<f32>;
@group(0) @binding(6) var<storage, read_write> v: array<f32>;
${ENTRY} {
  ${ID}
  if (id >= p.n) { return; }
  let gk = g[id] * scale[0];
  let mk = m[id] * p.b1 + gk * p.omb1;
  let vk = v[id] * p.b2 + (gk * gk) * p.omb2;
  m[id] = mk; v[id] = vk;
  w[id] = ((mk / bt.omab1) / (sqrt(vk / bt.omab2) + p.eps)) * p.negLr + w[id];
}`;

/** Plain gradient descent (tf.train.sgd): w += (-lr) (g scale[0]). */
export const SGD = /* wgsl */ `
struct GP { n: u32, negLr: f32, p0: u32, p1: u32 }
@group(0) @binding(0) var<uniform> p: GP;
@group(0) @binding(1) var<storage, read> scale: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> w: array<f32>;
${ENTRY} {
  ${ID}
  if (id >= p.n) { return; }
  w[id] = p.negLr * (g[id] * scale[0]) + w[id];
}`;

/** RMSProp (tf.train.rmsprop: decay rho, no momentum, not centered) on g scale[0]. */
export const RMSPROP = /* wgsl */ `
struct RMS { n: u32, lr: f32, rho: f32, omr: f32, eps: f32, p0: u32, p1: u32, p2: u32 }
@group(0) @binding(0) var<uniform> p: RMS;
@group(0) @binding(1) var<storage, read> scale: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> ms: array<f32>;
${ENTRY} {
  ${ID}
  if (id >= p.n) { return; }
  let gk = g[id] * scale[0];
  let m = ms[id] * p.rho + (gk * gk) * p.omr;
  ms[id] = m;
  w[id] = w[id] - (gk * p.lr) / sqrt(m + p.eps);
}`;

/**
 * Dropout's mask: element i of dropout layer k's output is kept unless a hash of the batch's seed
 * for that layer (seeds[k]) and i falls below the rate; kept elements are scaled by 1 / (1 - rate).
 * Only in a training step (Batch.train); otherwise the identity.
 */
const DROP = /* wgsl */ `${BATCH}
struct DP { n: u32, off: u32, layer: u32, rate: f32 }
fn keep(seed: u32, i: u32, rate: f32) -> bool {
  var h = seed ^ (i * 0x9E3779B9u);
  h = h * 747796405u + 2891336453u;
  h = ((h >> ((h >> 28u) + 4u)) ^ h) * 277803737u;
  h = (h >> 22u) ^ h;
  return f32(h >> 8u) / 16777216.0 >= rate;
}
`;

/** dst[i] = src[off + i] through dropout (or unchanged outside training). */
export const DROPOUT = /* wgsl */ `${DROP}
@group(0) @binding(0) var<uniform> bt: Batch;
@group(0) @binding(1) var<uniform> p: DP;
@group(0) @binding(2) var<storage, read> seeds: array<u32>;
@group(0) @binding(3) var<storage, read> src: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
${ENTRY} {
  ${ID}
  if (id >= p.n) { return; }
  var v = src[p.off + id];
  if (bt.train == 1u) {
    if (keep(seeds[p.layer], id, p.rate)) { v = v / (1.0 - p.rate); } else { v = 0.0; }
  }
  dst[id] = v;
}`;

/** dIn[off + i] = dOut[i] through the same mask as DROPOUT's. */
export const DROPOUT_BACK = /* wgsl */ `${DROP}
@group(0) @binding(0) var<uniform> bt: Batch;
@group(0) @binding(1) var<uniform> p: DP;
@group(0) @binding(2) var<storage, read> seeds: array<u32>;
@group(0) @binding(3) var<storage, read> dOut: array<f32>;
@group(0) @binding(4) var<storage, read_write> dIn: array<f32>;
${ENTRY} {
  ${ID}
  if (id >= p.n) { return; }
  var v = 0.0;
  if (bt.train == 0u) { v = dOut[id]; } else if (keep(seeds[p.layer], id, p.rate)) { v = dOut[id] / (1.0 - p.rate); }
  dIn[p.off + id] = v;
}`;

/** da *= (a > 0): the gradient through a relu, whose output is a. */
export const RELU_BACK = /* wgsl */ `
struct RP { n: u32, p0: u32, p1: u32, p2: u32 }
@group(0) @binding(0) var<uniform> p: RP;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> da: array<f32>;
${ENTRY} {
  ${ID}
  if (id >= p.n) { return; }
  if (a[id] <= 0.0) { da[id] = 0.0; }
}`;

/**
 * The gradient's flow: per step t (one invocation each), the batch's root-mean-square norm of
 * dL/dh_t (dhAll [T, B, H], its padding rows zero), added into acc[t].
 */
export const FLOW = /* wgsl */ `${BATCH}
struct FP { T: u32, BH: u32, p0: u32, p1: u32 }
@group(0) @binding(0) var<uniform> bt: Batch;
@group(0) @binding(1) var<uniform> p: FP;
@group(0) @binding(2) var<storage, read> dh: array<f32>;
@group(0) @binding(3) var<storage, read_write> acc: array<f32>;
${ENTRY} {
  ${ID}
  if (id >= p.T) { return; }
  var s = 0.0;
  let base = id * p.BH;
  for (var i = 0u; i < p.BH; i++) { let v = dh[base + i]; s += v * v; }
  acc[id] += sqrt(s / f32(bt.rows));
}`;
