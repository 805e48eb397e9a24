import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { getPool } from '../kernels/pool.js';
import type { Tf } from '../model/backend.js';

const f32 = Math.fround;

/**
 * Adam with the arithmetic of tf.train.adam (tfjs-core 4.x AdamOptimizer.applyGradients): the
 * same float32 operations in the same order for every element, so the weights come out with the
 * same bits. Each step copies every weight and gradient into the fused kernels' memory, where the
 * moments live, updates them in one SIMD pass (adamStep in assembly/optimizer.ts) and writes each
 * weight back once; tfjs runs about fifteen tensor ops per weight, whose fixed cost was a fifth
 * of a small model's training step. dispose() frees the moments.
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
  /** per weight, the sum of squares of its gradient at the last step (before clipping) */
  readonly squares: number[] = [];
  /** per weight: one block in the kernels' memory holding w, g, m, v (n floats each, 64-byte aligned) */
  private readonly blocks: { at: number; stride: number; n: number }[] = [];

  /** `tf`: null for stepArrays alone (then `epsilon` is given: the backend's, 1e-7 on cpu and wasm). */
  constructor(
    private readonly tf: Tf | null,
    learningRate: number,
    beta1 = 0.9,
    beta2 = 0.999,
    epsilon?: number,
  ) {
    this.b1 = f32(beta1);
    this.b2 = f32(beta2);
    this.omb1 = f32(1 - beta1);
    this.omb2 = f32(1 - beta2);
    const eps = epsilon ?? tf?.backend().epsilon();
    if (eps === undefined) throw new Error('PlainAdam without tfjs needs its epsilon');
    this.eps = f32(eps);
    this.negLr = f32(-learningRate);
    this.accB1 = this.b1;
    this.accB2 = this.b2;
  }

  /**
   * One step: vars[i] moves by grads[i] (same shape; none: it stays, as in tfjs), the gradients
   * first multiplied by `scale` when given (as tf.mul(grad, scale) would, e.g. for clipping).
   */
  apply(vars: Variable[], grads: (Tensor | undefined)[], scale: number | null = null): void {
    this.load(vars, grads);
    this.update(vars, grads, scale ?? 1);
  }

  /**
   * One step with gradients clipped by their global norm (clipNorm > 0; 0: no clipping), as
   * tf.mul(grad, clipNorm / max(norm, clipNorm)) would; the norm is summed here, in double
   * precision (sumSquares in assembly/optimizer.ts, weight after weight), instead of by ~2 tensor ops
   * per weight. Returns the norm before clipping.
   */
  step(vars: Variable[], grads: (Tensor | undefined)[], clipNorm: number): number {
    this.load(vars, grads);
    const scale = this.clipScale(grads, clipNorm);
    this.update(vars, grads, scale.scale);
    return scale.norm;
  }

  /**
   * step() on plain arrays, without tfjs: ws[i] (updated in place) moves by gs[i] (none: it
   * stays), with the same arithmetic, so the same weights and gradients give the same bits.
   */
  stepArrays(ws: Float32Array[], gs: (Float32Array | undefined)[], clipNorm: number): number {
    const mem = () => getPool().f32();
    ws.forEach((w, i) => {
      const g = gs[i];
      if (!g) return;
      const b = this.block(i, w.length);
      mem().set(w, b.at >>> 2);
      mem().set(g, (b.at + b.stride) >>> 2);
    });
    const scale = this.clipScale(gs, clipNorm);
    this.adamAll(gs, scale.scale, (i, from, n) => ws[i].set(mem().subarray(from, from + n)));
    return scale.norm;
  }

  /** The global norm of the loaded gradients (each weight's sum of squares kept in `squares`; a weight without one, 0) and the clipping scale it gives. */
  private clipScale(grads: unknown[], clipNorm: number): { norm: number; scale: number } {
    const k = getPool().k;
    let sum = 0;
    grads.forEach((grad, i) => {
      const b = this.blocks[i];
      const sq = grad ? k.sumSquares(b.at + b.stride, b.n) : 0;
      this.squares[i] = sq;
      sum += sq;
    });
    const norm = Math.sqrt(sum);
    return { norm, scale: clipNorm > 0 ? f32(f32(clipNorm) / f32(Math.max(norm, clipNorm))) : 1 };
  }

  /** Weight i's block of n floats (allocated, moments zeroed, on first use). */
  private block(i: number, n: number): { at: number; stride: number } {
    let b = this.blocks[i];
    if (!b) {
      const pool = getPool();
      const stride = Math.ceil(n / 16) * 64;
      b = this.blocks[i] = { at: pool.heap.alloc(4 * stride), stride, n };
      pool.f32().fill(0, (b.at + 2 * stride) >>> 2, (b.at + 4 * stride) >>> 2);
    }
    return b;
  }

  /** Copies every weight and its gradient into its block. */
  private load(vars: Variable[], grads: (Tensor | undefined)[]): void {
    vars.forEach((variable, i) => {
      const gt = grads[i];
      if (!gt) return;
      const b = this.block(i, variable.size);
      const mem = getPool().f32();
      mem.set(variable.dataSync() as Float32Array, b.at >>> 2);
      mem.set(gt.dataSync() as Float32Array, (b.at + b.stride) >>> 2);
    });
  }

  /** The Adam update of every loaded weight with its gradient times `scale`; writes the weights back. */
  private update(vars: Variable[], grads: (Tensor | undefined)[], scale: number): void {
    this.adamAll(grads, scale, (i, from, n) => {
      const out = getPool()
        .f32()
        .slice(from, from + n);
      const tf = this.tf!;
      tf.tidy(() => vars[i].assign(tf.tensor(out, vars[i].shape, 'float32')));
    });
  }

  /** adamStep on the block of every weight with a gradient, then `write(i, float offset, n)` of its new values. */
  private adamAll(grads: unknown[], scale: number, write: (i: number, from: number, n: number) => void): void {
    const pool = getPool();
    const omab1 = f32(1 - this.accB1);
    const omab2 = f32(1 - this.accB2);
    grads.forEach((grad, i) => {
      if (!grad) return;
      const b = this.blocks[i];
      const n = b.n;
      const [w, g, m, v] = [0, 1, 2, 3].map((j) => b.at + j * b.stride);
      pool.k.adamStep(w, g, m, v, n, scale, this.b1, this.omb1, this.b2, this.omb2, omab1, omab2, this.eps, this.negLr);
      write(i, w >>> 2, n);
    });
    this.accB1 = f32(this.accB1 * this.b1);
    this.accB2 = f32(this.accB2 * this.b2);
  }

  /** Frees the moments (the optimizer cannot step again). */
  dispose(): void {
    const pool = getPool();
    for (const b of this.blocks.splice(0)) if (b) pool.heap.free(b.at);
  }
}
