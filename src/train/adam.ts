import type { Tensor, Variable } from '@tensorflow/tfjs';
import type { Tf } from '../model/backend.js';

const f32 = Math.fround;

/**
 * Adam with the arithmetic of tf.train.adam (tfjs-core 4.x AdamOptimizer.applyGradients): the
 * same float32 operations in the same order for every element, so the weights come out with the
 * same bits. It reads each weight and gradient once, updates them in one loop over plain arrays
 * and writes each weight back once, where tfjs runs about fifteen tensor ops per weight: on a
 * small model those ops' fixed cost was a fifth of a training step.
 *
 * Float32 rounding after each JavaScript (float64) operation gives the float32 result exactly for
 * +, -, *, / and sqrt, so every line below is one tfjs op.
 */
export class PlainAdam {
  private readonly b1: number;
  private readonly b2: number;
  private readonly omb1: number;
  private readonly omb2: number;
  private readonly eps: number;
  private readonly negLr: number;
  private accB1: number;
  private accB2: number;
  private readonly m: Float32Array[] = [];
  private readonly v: Float32Array[] = [];

  constructor(private readonly tf: Tf, learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    this.b1 = f32(beta1);
    this.b2 = f32(beta2);
    this.omb1 = f32(1 - beta1);
    this.omb2 = f32(1 - beta2);
    this.eps = f32(epsilon ?? tf.backend().epsilon());
    this.negLr = f32(-learningRate);
    this.accB1 = this.b1;
    this.accB2 = this.b2;
  }

  /**
   * One step: vars[i] moves by grads[i] (same shape; none: it stays), the gradients first multiplied by `scale`
   * when given (as tf.mul(grad, scale) would, e.g. for clipping by global norm).
   */
  apply(vars: Variable[], grads: (Tensor | undefined)[], scale: number | null = null): void {
    const { b1, b2, omb1, omb2, eps, negLr } = this;
    const omab1 = f32(1 - this.accB1);
    const omab2 = f32(1 - this.accB2);
    const s = scale === null ? null : f32(scale);
    vars.forEach((variable, i) => {
      const gt = grads[i];
      if (!gt) return; // no gradient: tfjs's Adam leaves such a weight and its moments as they are
      const g = gt.dataSync() as Float32Array;
      const w = Float32Array.from(variable.dataSync() as Float32Array);
      const m = (this.m[i] ??= new Float32Array(w.length));
      const v = (this.v[i] ??= new Float32Array(w.length));
      for (let k = 0; k < w.length; k++) {
        const gk = s === null ? g[k] : f32(g[k] * s);
        const mk = f32(f32(m[k] * b1) + f32(gk * omb1));
        const vk = f32(f32(v[k] * b2) + f32(f32(gk * gk) * omb2));
        m[k] = mk;
        v[k] = vk;
        const mh = f32(mk / omab1);
        const vh = f32(vk / omab2);
        w[k] = f32(f32(f32(mh / f32(f32(Math.sqrt(vh)) + eps)) * negLr) + w[k]);
      }
      this.tf.tidy(() => variable.assign(this.tf.tensor(w, variable.shape, 'float32')));
    });
    this.accB1 = f32(this.accB1 * b1);
    this.accB2 = f32(this.accB2 * b2);
  }
}
