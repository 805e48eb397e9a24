import { P } from './memory';
import { sigRange, tanhRange, tanhV, tanhS } from './activations';
import { prevRow, beginBackward, packForward, inputShare, recurrentShare, stepGrads, flowNorm, carryBack } from './recurrent';

// LSTM.
//
// x [T,B,I]; W [I,4H]; U [H,4H]; b [4H]
// gates [T,B,4H] (out: activated i,f,g,o); cs [T,B,H] (out: c_t); tcs [T,B,H] (out: tanh(c_t), kept
// for backward); hs [T,B,H] (out); h0, c0 [B,H]: the initial state, both given or both 0 (zeros:
// then the step-0 terms that would multiply it are skipped, not computed from zeros)
// Each step activates its whole gate block first and then runs the cell update: loops of independent
// iterations, which the CPU overlaps, rather than one long chain of exp and divide per unit.
// ws: scratch for the packed weights (packForward in recurrent.ts).
export function lstmForward(x: usize, W: usize, U: usize, b: usize, T: i32, B: i32, I: i32, H: i32,
                            gates: usize, cs: usize, tcs: usize, hs: usize, h0: usize, c0: usize, ws: usize): void {
  const G = 4 * H;
  const H4 = H & ~3;
  const Up = packForward(ws, W, U, I, H, G);
  inputShare(gates, x, ws, b, T, B, I, G);
  for (let t = 0; t < T; t++) {
    const gt = P(gates, t * B * G);
    recurrentShare(gt, t > 0 ? P(hs, (t - 1) * B * H) : h0, Up, B, H, G);
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
// (overwritten, for this slice). Scratch: dA [B,4H], UT and WT (beginBackward), dhNext [B,H], dcNext
// [B,H], dAp (stepGrads).
// h0, c0: the forward call's initial state (both 0: zeros); when given, dhNext and dcNext end
// holding the gradients wrt h0 and c0. flow [T] (f64; 0: not asked for): per step, the sum of
// squares of dL/dh_t over the slice (flowNorm in recurrent.ts).
// Weight gradients are accumulated step by step (t descending) while dA_t is still in cache.
export function lstmBackward(x: usize, W: usize, U: usize, T: i32, B: i32, I: i32, H: i32,
                             gates: usize, cs: usize, tcs: usize, hs: usize, dhs: usize,
                             dx: usize, dW: usize, dU: usize, db: usize,
                             dA: usize, UT: usize, WT: usize, dhNext: usize, dcNext: usize,
                             h0: usize, c0: usize, flow: usize, dAp: usize): void {
  const G = 4 * H;
  const H4 = H & ~3;
  beginBackward(W, U, T, B, I, H, G, dx, dW, dU, db, UT, WT, dhNext);
  memory.fill(dcNext, 0, <usize>(B * H) << 2);
  for (let t = T - 1; t >= 0; t--) {
    flowNorm(flow, dhs, dhNext, t, B, H);
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
    stepGrads(x, T, B, I, H, G, t > 0 ? P(hs, (t - 1) * B * H) : h0, dA, dAp, dx, dW, dU, db, W, WT, t, G);
    carryBack(dhNext, dA, UT, t, h0, B, G, H);
  }
}
