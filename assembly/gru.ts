import { P } from './memory';
import { gemm, pack, packed } from './gemm';
import { sigV, sigS, tanhV, tanhS } from './activations';
import { prevRow, beginBackward, inputShare, stepGrads, flowNorm } from './recurrent';

// GRU (resetAfter = false, tfjs semantics).
//
// W [I,3H] (z,r,h); U [H,3H]; b [3H]; gates [T,B,3H] (out: z, r, hh); hs [T,B,H]; rh [T,B,H] (out: r * h_prev);
// h0 [B,H]: the initial state (0: zeros, as lstmForward)
// ws: scratch for the packed weights (gemm.ts): W, then U's z and r columns, then its h columns
// (packed(I, 3H) + packed(H, 2H) + packed(H, H) floats).
export function gruForward(x: usize, W: usize, U: usize, b: usize, T: i32, B: i32, I: i32, H: i32,
                           gates: usize, hs: usize, rh: usize, h0: usize, ws: usize): void {
  const G = 3 * H;
  const H4 = H & ~3;
  pack(ws, W, I, G, G);
  const Uzr = P(ws, packed(I, G));
  pack(Uzr, U, H, 2 * H, G);
  const Uh = P(Uzr, packed(H, 2 * H));
  pack(Uh, P(U, 2 * H), H, H, G);
  inputShare(gates, x, ws, b, T, B, I, G);
  for (let t = 0; t < T; t++) {
    const gt = P(gates, t * B * G);
    const hprev = t > 0 ? P(hs, (t - 1) * B * H) : h0;
    if (hprev) gemm(gt, hprev, Uzr, B, H, 2 * H, H, 1, G, H);
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      const hp = prevRow(hs, h0, t, row, bb, B, H);
      const rr = P(rh, row * H);
      let j = 0;
      // two blocks of four at a time: four independent activation chains in flight
      for (; j + 8 <= H4; j += 8) {
        const z = sigV(v128.load(P(g, j)));
        const r = sigV(v128.load(P(g, H + j)));
        const z2 = sigV(v128.load(P(g, j + 4)));
        const r2 = sigV(v128.load(P(g, H + j + 4)));
        v128.store(P(g, j), z);
        v128.store(P(g, H + j), r);
        v128.store(P(g, j + 4), z2);
        v128.store(P(g, H + j + 4), r2);
        const hpv = hp ? v128.load(P(hp, j)) : f32x4.splat(0);
        const hpv2 = hp ? v128.load(P(hp, j + 4)) : f32x4.splat(0);
        v128.store(P(rr, j), f32x4.mul(r, hpv));
        v128.store(P(rr, j + 4), f32x4.mul(r2, hpv2));
      }
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
    if (hprev) gemm(P(gt, 2 * H), P(rh, t * B * H), Uh, B, H, H, H, 1, G, H);
    for (let bb = 0; bb < B; bb++) {
      const row = t * B + bb;
      const g = P(gates, row * G);
      const h = P(hs, row * H);
      const hp = prevRow(hs, h0, t, row, bb, B, H);
      let j = 0;
      for (; j + 8 <= H4; j += 8) {
        const z = v128.load(P(g, j));
        const z2 = v128.load(P(g, j + 4));
        const hh = tanhV(v128.load(P(g, 2 * H + j)));
        const hh2 = tanhV(v128.load(P(g, 2 * H + j + 4)));
        v128.store(P(g, 2 * H + j), hh);
        v128.store(P(g, 2 * H + j + 4), hh2);
        const hpv = hp ? v128.load(P(hp, j)) : f32x4.splat(0);
        const hpv2 = hp ? v128.load(P(hp, j + 4)) : f32x4.splat(0);
        v128.store(P(h, j), f32x4.add(f32x4.mul(z, hpv), f32x4.mul(f32x4.sub(f32x4.splat(1.0), z), hh)));
        v128.store(P(h, j + 4), f32x4.add(f32x4.mul(z2, hpv2), f32x4.mul(f32x4.sub(f32x4.splat(1.0), z2), hh2)));
      }
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

// Outputs as lstmBackward. Scratch: dA [B,3H], UT and WT (beginBackward), dhNext [B,H], drh [B,H],
// dhp [B,H], dAp (packed(B, 3H) + packed(B, H) floats: dA packed, then its h columns packed).
// h0: the forward call's initial state (0: zeros); when given, dhNext ends holding the gradient wrt h0.
// flow: as lstmBackward's.
export function gruBackward(x: usize, W: usize, U: usize, T: i32, B: i32, I: i32, H: i32,
                            gates: usize, hs: usize, rh: usize, dhs: usize,
                            dx: usize, dW: usize, dU: usize, db: usize,
                            dA: usize, UT: usize, WT: usize, dhNext: usize, drh: usize, dhp: usize,
                            h0: usize, flow: usize, dAp: usize): void {
  const G = 3 * H;
  const H4 = H & ~3;
  beginBackward(W, U, T, B, I, H, G, dx, dW, dU, db, UT, WT, dhNext);
  for (let t = T - 1; t >= 0; t--) {
    flowNorm(flow, dhs, dhNext, t, B, H);
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
    gemm(drh, P(dA, 2 * H), P(UT, 2 * H * 8), B, H, H, G, 1, H, G);
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
    stepGrads(x, T, B, I, H, G, t > 0 ? P(hs, (t - 1) * B * H) : h0, dA, dAp, dx, dW, dU, db, W, WT, t, 2 * H);
    // dh_{t-1} (at t = 0: the gradient wrt h0)
    if (t > 0 || h0) {
      const dAh = P(dAp, packed(B, G));
      pack(dAh, P(dA, 2 * H), B, H, G);
      gemm(P(dU, 2 * H), P(rh, t * B * H), dAh, H, B, H, 1, H, G, B);
      memory.copy(dhNext, dhp, <usize>(B * H) << 2);
      gemm(dhNext, dA, UT, B, 2 * H, H, G, 1, H, G);
    }
  }
}
