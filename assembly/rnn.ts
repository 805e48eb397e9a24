import { P } from './memory';
import { tanhRange } from './activations';
import { beginBackward, packForward, inputShare, recurrentShare, stepGrads, flowNorm, carryBack } from './recurrent';

// Vanilla (Elman) RNN, tfjs SimpleRNN semantics: h_t = act(x_t W + h_{t-1} U + b), act tanh
// (relu = 0) or relu (relu = 1).
//
// x [T,B,I]; W [I,H]; U [H,H]; b [H]; hs [T,B,H] (out); h0 [B,H]: the initial state (0: zeros).
// The activation's derivative is read back from h_t itself (1 - h^2 for tanh, h > 0 for relu), so
// the forward pass keeps nothing but the states.
export function rnnForward(x: usize, W: usize, U: usize, b: usize, T: i32, B: i32, I: i32, H: i32,
                           hs: usize, h0: usize, relu: i32, ws: usize): void {
  const Up = packForward(ws, W, U, I, H, H);
  inputShare(hs, x, ws, b, T, B, I, H);
  for (let t = 0; t < T; t++) {
    const ht = P(hs, t * B * H);
    recurrentShare(ht, t > 0 ? P(hs, (t - 1) * B * H) : h0, Up, B, H, H);
    if (relu) {
      const n = B * H;
      const n4 = n & ~3;
      let j = 0;
      for (; j < n4; j += 4) v128.store(P(ht, j), f32x4.max(v128.load(P(ht, j)), f32x4.splat(0)));
      for (; j < n; j++) store<f32>(P(ht, j), max<f32>(load<f32>(P(ht, j)), 0));
    } else tanhRange(ht, B * H);
  }
}

// Outputs as lstmBackward (dx [T,B,I], dW, dU, db). dhs [T,B,H]: the loss's gradient wrt each h_t.
// Scratch: dA [B,H], UT and WT (beginBackward), dhNext [B,H], dAp (stepGrads). h0: the forward call's initial state (0:
// zeros); when given, dhNext ends holding the gradient wrt h0. flow: as lstmBackward's.
export function rnnBackward(x: usize, W: usize, U: usize, T: i32, B: i32, I: i32, H: i32,
                            hs: usize, dhs: usize, dx: usize, dW: usize, dU: usize, db: usize,
                            dA: usize, UT: usize, WT: usize, dhNext: usize, h0: usize, relu: i32, flow: usize, dAp: usize): void {
  const H4 = H & ~3;
  beginBackward(W, U, T, B, I, H, H, dx, dW, dU, db, UT, WT, dhNext);
  for (let t = T - 1; t >= 0; t--) {
    flowNorm(flow, dhs, dhNext, t, B, H);
    // dA = (dh_t + carried dh) * act'(h_t)
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const h = P(hs, row * H);
      const da = P(dA, bb * H);
      const dhIn = P(dhs, row * H);
      const dhN = P(dhNext, bb * H);
      let j = 0;
      if (relu) {
        for (; j < H4; j += 4) {
          const dh = f32x4.add(v128.load(P(dhIn, j)), v128.load(P(dhN, j)));
          v128.store(P(da, j), v128.and(dh, f32x4.gt(v128.load(P(h, j)), f32x4.splat(0))));
        }
        for (; j < H; j++) {
          const dh = load<f32>(P(dhIn, j)) + load<f32>(P(dhN, j));
          store<f32>(P(da, j), load<f32>(P(h, j)) > 0 ? dh : 0);
        }
      } else {
        for (; j < H4; j += 4) {
          const hv = v128.load(P(h, j));
          const dh = f32x4.add(v128.load(P(dhIn, j)), v128.load(P(dhN, j)));
          v128.store(P(da, j), f32x4.mul(dh, f32x4.sub(f32x4.splat(1.0), f32x4.mul(hv, hv))));
        }
        for (; j < H; j++) {
          const hv = load<f32>(P(h, j));
          const dh = load<f32>(P(dhIn, j)) + load<f32>(P(dhN, j));
          store<f32>(P(da, j), dh * (<f32>1.0 - hv * hv));
        }
      }
    }
    const hprev = t > 0 ? P(hs, (t - 1) * B * H) : h0;
    stepGrads(x, T, B, I, H, H, hprev, dA, dAp, dx, dW, dU, db, W, WT, t, H);
    carryBack(dhNext, dA, UT, t, h0, B, H, H);
  }
}
