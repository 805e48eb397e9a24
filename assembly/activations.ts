import { P } from './memory';

// Activations: sigmoid and tanh, scalar and f32x4.
//
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

@inline export function sigS(x: f32): f32 {
  return <f32>1.0 / (<f32>1.0 + expS(-x));
}
@inline export function sigV(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), expV(f32x4.neg(x))));
}
@inline export function tanhS(x: f32): f32 {
  return <f32>1.0 - <f32>2.0 / (expS(<f32>2.0 * x) + <f32>1.0);
}
@inline export function tanhV(x: v128): v128 {
  return f32x4.sub(f32x4.splat(1.0),
    f32x4.div(f32x4.splat(2.0), f32x4.add(expV(f32x4.mul(f32x4.splat(2.0), x)), f32x4.splat(1.0))));
}

// in place over p[0..n): sigmoid / tanh (SIMD, then the scalar tail: the same bits either way)
@inline export function sigRange(p: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(P(p, j), sigV(v128.load(P(p, j))));
  for (; j < n; j++) store<f32>(P(p, j), sigS(load<f32>(P(p, j))));
}
@inline export function tanhRange(p: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(P(p, j), tanhV(v128.load(P(p, j))));
  for (; j < n; j++) store<f32>(P(p, j), tanhS(load<f32>(P(p, j))));
}
