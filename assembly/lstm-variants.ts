import { P } from './memory';
import { sigRange, tanhRange, tanhV, tanhS } from './activations';
import { prevRow, beginBackward, packForward, inputShare, recurrentShare, stepGrads, flowNorm, carryBack } from './recurrent';

// The LSTM's variants of the lectures, one kernel for both (either or both on):
// - peephole connections (Gers and Schmidhuber 2000): the gates also see the cell state, through one
//   weight per unit and gate:
//     i_t = sig(a_i + p_i * c_{t-1}),  f_t = sig(a_f + p_f * c_{t-1}),  o_t = sig(a_o + p_o * c_t)
// - coupled input and forget gates: i_t = 1 - f_t, so c_t = f_t * c_{t-1} + (1 - f_t) * g_t, and the
//   cell has no input gate of its own (3 gate blocks instead of 4).
// a_* = b + x_t W + h_{t-1} U as in the LSTM; g_t = tanh(a_g), h_t = o_t * tanh(c_t).
//
// Layouts: gate blocks [i, f, g, o] (G = 4H), coupled [f, g, o] (G = 3H); peephole weights `peep`
// [i, f, o] (3H), coupled [f, o] (2H); peep = 0: no peepholes. Everything else as lstm.ts: x [T,B,I];
// gates [T,B,G] (out: activated); cs, tcs, hs [T,B,H] (out: c_t, tanh(c_t), h_t); h0, c0 [B,H] or 0.
// With neither variant on, the kernels compute the LSTM's operations in lstm.ts's order.

// Offsets of the gate blocks in a row of G: input gate (-1 when coupled), forget, candidate, output.
@inline function offI(coupled: i32): i32 { return coupled ? -1 : 0; }
@inline function offF(H: i32, coupled: i32): i32 { return coupled ? 0 : H; }
@inline function offG(H: i32, coupled: i32): i32 { return coupled ? H : 2 * H; }
@inline function offO(H: i32, coupled: i32): i32 { return coupled ? 2 * H : 3 * H; }
// ... and of the peephole weights: input (coupled: none), forget, output
@inline function peepF(H: i32, coupled: i32): i32 { return coupled ? 0 : H; }
@inline function peepO(H: i32, coupled: i32): i32 { return coupled ? H : 2 * H; }

// dst[0..n) += w[0..n) * c[0..n)
@inline function addProduct(dst: usize, w: usize, c: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(P(dst, j), f32x4.add(v128.load(P(dst, j)), f32x4.mul(v128.load(P(w, j)), v128.load(P(c, j)))));
  for (; j < n; j++) store<f32>(P(dst, j), load<f32>(P(dst, j)) + load<f32>(P(w, j)) * load<f32>(P(c, j)));
}

export function lstmvForward(x: usize, W: usize, U: usize, b: usize, peep: usize, T: i32, B: i32, I: i32, H: i32,
                             gates: usize, cs: usize, tcs: usize, hs: usize, h0: usize, c0: usize, coupled: i32, ws: usize): void {
  const G = (coupled ? 3 : 4) * H;
  const H4 = H & ~3;
  const oI = offI(coupled), oF = offF(H, coupled), oG = offG(H, coupled), oO = offO(H, coupled);
  const one = f32x4.splat(1.0);
  const Up = packForward(ws, W, U, I, H, G);
  inputShare(gates, x, ws, b, T, B, I, G);
  for (let t = 0; t < T; t++) {
    const gt = P(gates, t * B * G);
    recurrentShare(gt, t > 0 ? P(hs, (t - 1) * B * H) : h0, Up, B, H, G);
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gt, bb * G);
      const cp = prevRow(cs, c0, t, row, bb, B, H);
      // the input and forget gates see c_{t-1} (zeros: nothing to add)
      if (peep && cp) {
        if (!coupled) addProduct(P(g, oI), peep, cp, H);
        addProduct(P(g, oF), P(peep, peepF(H, coupled)), cp, H);
      }
      sigRange(g, oF + H); // i and f (coupled: f)
      tanhRange(P(g, oG), H);
      const c = P(cs, row * H);
      const tc = P(tcs, row * H);
      let j = 0;
      for (; j < H4; j += 4) {
        const cprev = cp ? v128.load(P(cp, j)) : f32x4.splat(0);
        const fg = v128.load(P(g, oF + j));
        const ig = coupled ? f32x4.sub(one, fg) : v128.load(P(g, oI + j));
        const cn = f32x4.add(f32x4.mul(fg, cprev), f32x4.mul(ig, v128.load(P(g, oG + j))));
        v128.store(P(c, j), cn);
        v128.store(P(tc, j), tanhV(cn));
      }
      for (; j < H; j++) {
        const cprev: f32 = cp ? load<f32>(P(cp, j)) : 0;
        const fg = load<f32>(P(g, oF + j));
        const ig: f32 = coupled ? <f32>1.0 - fg : load<f32>(P(g, oI + j));
        const cn = fg * cprev + ig * load<f32>(P(g, oG + j));
        store<f32>(P(c, j), cn);
        store<f32>(P(tc, j), tanhS(cn));
      }
      // the output gate sees c_t
      if (peep) addProduct(P(g, oO), P(peep, peepO(H, coupled)), c, H);
      sigRange(P(g, oO), H);
      const h = P(hs, row * H);
      j = 0;
      for (; j < H4; j += 4) v128.store(P(h, j), f32x4.mul(v128.load(P(g, oO + j)), v128.load(P(tc, j))));
      for (; j < H; j++) store<f32>(P(h, j), load<f32>(P(g, oO + j)) * load<f32>(P(tc, j)));
    }
  }
}

// dhs [T,B,H]: gradient wrt every output h_t. Outputs dx [T,B,I]; dW [I,G], dU [H,G], db [G] and, with
// peepholes, dP (the peephole weights' gradient, 3H or 2H), all overwritten for this slice.
// Scratch: dA [B,G], UT and WT (beginBackward), dhNext [B,H], dcNext [B,H], dAp (stepGrads); with h0, c0 given they end
// holding the gradients wrt h0 and c0. flow: as lstmBackward's.
// c_t reaches step t+1 through f (and, with peepholes, through a_i and a_f), and h_t through o_t
// (and a_o, with peepholes): the carried dc gathers all of it.
export function lstmvBackward(x: usize, W: usize, U: usize, peep: usize, T: i32, B: i32, I: i32, H: i32,
                              gates: usize, cs: usize, tcs: usize, hs: usize, dhs: usize,
                              dx: usize, dW: usize, dU: usize, db: usize, dP: usize,
                              dA: usize, UT: usize, WT: usize, dhNext: usize, dcNext: usize,
                              h0: usize, c0: usize, coupled: i32, flow: usize, dAp: usize): void {
  const G = (coupled ? 3 : 4) * H;
  const H4 = H & ~3;
  const oI = offI(coupled), oF = offF(H, coupled), oG = offG(H, coupled), oO = offO(H, coupled);
  const pf = peepF(H, coupled), po = peepO(H, coupled);
  beginBackward(W, U, T, B, I, H, G, dx, dW, dU, db, UT, WT, dhNext);
  memory.fill(dcNext, 0, <usize>(B * H) << 2);
  if (peep) memory.fill(dP, 0, <usize>((coupled ? 2 : 3) * H) << 2);
  const one = f32x4.splat(1.0);
  const zero = f32x4.splat(0);
  for (let t = T - 1; t >= 0; t--) {
    flowNorm(flow, dhs, dhNext, t, B, H);
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      const tcr = P(tcs, row * H);
      const cr = P(cs, row * H);
      const cp = prevRow(cs, c0, t, row, bb, B, H);
      const da = P(dA, bb * G);
      const dhIn = P(dhs, row * H);
      const dhN = P(dhNext, bb * H);
      const dcN = P(dcNext, bb * H);
      let j = 0;
      for (; j < H4; j += 4) {
        const fg = v128.load(P(g, oF + j));
        const ig = coupled ? f32x4.sub(one, fg) : v128.load(P(g, oI + j));
        const gg = v128.load(P(g, oG + j));
        const ogv = v128.load(P(g, oO + j));
        const tc = v128.load(P(tcr, j));
        const cprev = cp ? v128.load(P(cp, j)) : zero;
        const dh = f32x4.add(v128.load(P(dhIn, j)), v128.load(P(dhN, j)));
        const dao = f32x4.mul(f32x4.mul(f32x4.mul(dh, tc), ogv), f32x4.sub(one, ogv));
        let dc = f32x4.add(v128.load(P(dcN, j)), f32x4.mul(f32x4.mul(dh, ogv), f32x4.sub(one, f32x4.mul(tc, tc))));
        if (peep) dc = f32x4.add(dc, f32x4.mul(dao, v128.load(P(peep, po + j))));
        // coupled: c_t = f c_{t-1} + (1 - f) g, so dc_t/df = c_{t-1} - g
        const daf = f32x4.mul(f32x4.mul(f32x4.mul(dc, coupled ? f32x4.sub(cprev, gg) : cprev), fg), f32x4.sub(one, fg));
        const dag = f32x4.mul(f32x4.mul(dc, ig), f32x4.sub(one, f32x4.mul(gg, gg)));
        let dcOut = f32x4.mul(dc, fg);
        if (!coupled) {
          const dai = f32x4.mul(f32x4.mul(f32x4.mul(dc, gg), ig), f32x4.sub(one, ig));
          v128.store(P(da, oI + j), dai);
          if (peep) {
            dcOut = f32x4.add(dcOut, f32x4.mul(dai, v128.load(P(peep, j))));
            v128.store(P(dP, j), f32x4.add(v128.load(P(dP, j)), f32x4.mul(dai, cprev)));
          }
        }
        if (peep) {
          dcOut = f32x4.add(dcOut, f32x4.mul(daf, v128.load(P(peep, pf + j))));
          v128.store(P(dP, pf + j), f32x4.add(v128.load(P(dP, pf + j)), f32x4.mul(daf, cprev)));
          v128.store(P(dP, po + j), f32x4.add(v128.load(P(dP, po + j)), f32x4.mul(dao, v128.load(P(cr, j)))));
        }
        v128.store(P(da, oF + j), daf);
        v128.store(P(da, oG + j), dag);
        v128.store(P(da, oO + j), dao);
        v128.store(P(dcN, j), dcOut);
      }
      for (; j < H; j++) {
        const fg = load<f32>(P(g, oF + j));
        const ig: f32 = coupled ? <f32>1.0 - fg : load<f32>(P(g, oI + j));
        const gg = load<f32>(P(g, oG + j));
        const ogv = load<f32>(P(g, oO + j));
        const tc = load<f32>(P(tcr, j));
        const cprev: f32 = cp ? load<f32>(P(cp, j)) : 0;
        const dh = load<f32>(P(dhIn, j)) + load<f32>(P(dhN, j));
        const dao = dh * tc * ogv * (<f32>1.0 - ogv);
        let dc = load<f32>(P(dcN, j)) + dh * ogv * (<f32>1.0 - tc * tc);
        if (peep) dc = dc + dao * load<f32>(P(peep, po + j));
        const daf = dc * (coupled ? cprev - gg : cprev) * fg * (<f32>1.0 - fg);
        const dag = dc * ig * (<f32>1.0 - gg * gg);
        let dcOut = dc * fg;
        if (!coupled) {
          const dai = dc * gg * ig * (<f32>1.0 - ig);
          store<f32>(P(da, oI + j), dai);
          if (peep) {
            dcOut = dcOut + dai * load<f32>(P(peep, j));
            store<f32>(P(dP, j), load<f32>(P(dP, j)) + dai * cprev);
          }
        }
        if (peep) {
          dcOut = dcOut + daf * load<f32>(P(peep, pf + j));
          store<f32>(P(dP, pf + j), load<f32>(P(dP, pf + j)) + daf * cprev);
          store<f32>(P(dP, po + j), load<f32>(P(dP, po + j)) + dao * load<f32>(P(cr, j)));
        }
        store<f32>(P(da, oF + j), daf);
        store<f32>(P(da, oG + j), dag);
        store<f32>(P(da, oO + j), dao);
        store<f32>(P(dcN, j), dcOut);
      }
    }
    stepGrads(x, T, B, I, H, G, t > 0 ? P(hs, (t - 1) * B * H) : h0, dA, dAp, dx, dW, dU, db, W, WT, t, G);
    carryBack(dhNext, dA, UT, t, h0, B, G, H);
  }
}
