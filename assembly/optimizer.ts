import { P } from './memory';

// The optimizer step: Adam, and the sum of squares behind clipping by the global norm.
//
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
