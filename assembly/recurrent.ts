import { P, addRows, fillRows } from './memory';
import { gemm, gemmNT, pack, packT, packed } from './gemm';

// What the LSTM, GRU and vanilla RNN kernels share: the previous state row, the pre-activations, and the start and the per-step
// weight and input gradients of the backward pass.

// The row of state before step t for batch row bb (row = t*B + bb) of a [T,B,H] sequence `seq`:
// the previous step's row, or at t = 0 that row of the initial state `init` [B,H] (0: zeros, and 0 is returned).
@inline export function prevRow(seq: usize, init: usize, t: i32, row: i32, bb: i32, B: i32, H: i32): usize {
  return t > 0 ? P(seq, (row - B) * H) : init ? P(init, bb * H) : 0;
}

// The forward pass's weights, packed once for all its steps (gemm.ts): W [I,G] at ws, U [H,G] after
// it, at the address returned. ws holds packed(I, G) + packed(H, G) floats.
@inline export function packForward(ws: usize, W: usize, U: usize, I: i32, H: i32, G: i32): usize {
  pack(ws, W, I, G, G);
  const Up = P(ws, packed(I, G));
  pack(Up, U, H, G, G);
  return Up;
}

// The pre-activations b + x_t W + h_{t-1} U, as the LSTM and the vanilla RNN take them, in two
// parts: every step's input share at once, out [T*B,G] = b + x W (one product over all steps; Wp
// packed), and then, step by step, the recurrent share (recurrentShare). Each element's sum is
// formed in that order, as if step by step.
@inline export function inputShare(out: usize, x: usize, Wp: usize, b: usize, T: i32, B: i32, I: i32, G: i32): void {
  fillRows(out, b, T * B, G);
  gemm(out, x, Wp, T * B, I, G, I, 1, G, I);
}

// Step t's recurrent share: out [B,G] += h_{t-1} U (Up packed; hprev = h_{t-1} [B,H], 0 for zeros:
// the term is skipped, not computed from zeros).
@inline export function recurrentShare(out: usize, hprev: usize, Up: usize, B: i32, H: i32, G: i32): void {
  if (hprev) gemm(out, hprev, Up, B, H, G, H, 1, G, H);
}

// The start of either cell's backward pass: transposed weights for the dx and dh products, packed
// (UT: packed(G, H) floats; WT: packed(G, I), unused when I < 8), and zeroed gradient outputs and
// carried dh.
@inline export function beginBackward(W: usize, U: usize, T: i32, B: i32, I: i32, H: i32, G: i32, dx: usize, dW: usize,
                                      dU: usize, db: usize, UT: usize, WT: usize, dhNext: usize): void {
  packT(UT, U, G, H, G);
  if (I >= 8) packT(WT, W, G, I, G); // narrower inputs: dx from W itself (gemmNT)
  memory.fill(dW, 0, <usize>(I * G) << 2);
  memory.fill(dU, 0, <usize>(H * G) << 2);
  memory.fill(db, 0, <usize>G << 2);
  memory.fill(dhNext, 0, <usize>(B * H) << 2);
  memory.fill(dx, 0, <usize>(T * B * I) << 2);
}

// One step's share of the weight and input gradients (dA = dA_t [B,G]; hprev = h_{t-1} [B,H], 0 for
// zeros): dW += x_t^T dA, db += sum of dA rows, dx_t = dA W^T, dU[:, 0:n] += h_{t-1}^T dA[:, 0:n].
// dA is packed into dAp (packed(B, G) floats) for the two weight products.
@inline export function stepGrads(x: usize, T: i32, B: i32, I: i32, H: i32, G: i32, hprev: usize, dA: usize, dAp: usize,
                                  dx: usize, dW: usize, dU: usize, db: usize, W: usize, WT: usize, t: i32, n: i32): void {
  pack(dAp, dA, B, G, G);
  gemm(dW, P(x, t * B * I), dAp, I, B, G, 1, I, G, B);
  addRows(db, dA, B, G);
  if (I < 8) gemmNT(P(dx, t * B * I), dA, W, B, G, I, G, G, I);
  else gemm(P(dx, t * B * I), dA, WT, B, G, I, G, 1, I, G);
  if (hprev) gemm(dU, hprev, dAp, H, B, n, 1, H, G, B);
}

// Gradient flow (the diagnostics of training): out[t] = the sum of squares of dL/dh_t over the
// slice's rows and units, where dL/dh_t = dhs_t (from the outputs) + dhNext (carried back from step
// t+1), the same sum the kernel forms before using it. out = 0: not asked for.
@inline export function flowNorm(out: usize, dhs: usize, dhNext: usize, t: i32, B: i32, H: i32): void {
  if (!out) return;
  const n = B * H;
  const src = P(dhs, t * n);
  let acc = f64x2.splat(0), acc2 = f64x2.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const v = f32x4.add(v128.load(P(src, k)), v128.load(P(dhNext, k)));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
    acc = f64x2.add(acc, f64x2.mul(lo, lo));
    acc2 = f64x2.add(acc2, f64x2.mul(hi, hi));
  }
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1) + f64x2.extract_lane(acc2, 0) + f64x2.extract_lane(acc2, 1);
  for (; k < n; k++) {
    const v = <f64>(load<f32>(P(src, k)) + load<f32>(P(dhNext, k)));
    sum += v * v;
  }
  store<f64>(out + (<usize>t << 3), sum);
}

// The gradient carried back to step t-1: dhNext = dA_t U^T (UT = U^T [G,H], packed; at t = 0 the gradient
// wrt h0, when there is one: h0 != 0; dA = dA_t [B,G]).
@inline export function carryBack(dhNext: usize, dA: usize, UT: usize, t: i32, h0: usize, B: i32, G: i32, H: i32): void {
  if (t > 0 || h0) {
    memory.fill(dhNext, 0, <usize>(B * H) << 2);
    gemm(dhNext, dA, UT, B, G, H, G, 1, H, G);
  }
}
