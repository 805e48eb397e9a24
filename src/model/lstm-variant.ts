/**
 * LSTMVariant: the LSTM's variants of the lectures as one TensorFlow.js layer class, in plain tfjs
 * operations (any backend; gradients by tfjs's autodiff). rnnfc trains and forecasts the same layer
 * on its fused kernels (FusedLSTMVariant, assembly/lstm-variants.ts) on the cpu and wasm backends;
 * a model it saves names this class, so any program that registers it loads the model:
 *
 *   import * as tf from '@tensorflow/tfjs';
 *   import { registerLstmVariant } from 'rnnfc/dist/model/lstm-variant.js';
 *   registerLstmVariant(tf);
 *   const model = await tf.loadLayersModel('file://runs/x/model.json');
 *
 * Equations (a_* = bias + x_t kernel + h_{t-1} recurrentKernel, gate blocks as below):
 *   peephole:      i_t = sig(a_i + p_i c_{t-1}),  f_t = sig(a_f + p_f c_{t-1}),  o_t = sig(a_o + p_o c_t)
 *   without:       i_t = sig(a_i),  f_t = sig(a_f),  o_t = sig(a_o)
 *   coupledGates:  i_t = 1 - f_t (no input gate of its own)
 *   c_t = f_t c_{t-1} + i_t tanh(a_g),  h_t = o_t tanh(c_t),  from zeros.
 *
 * Config (getConfig, model.json): units, returnSequences, peephole (boolean), coupledGates
 * (boolean), and the base layer's (name, trainable, batchInputShape, dtype).
 * Weights: kernel [inputs, G units], recurrent_kernel [units, G units], bias [G units], with G = 4
 * gate blocks [i, f, g, o] or, coupled, 3 [f, g, o]; with peepholes also peephole [P units], P = 3
 * blocks [i, f, o] or, coupled, 2 [f, o]. Initial weights: Glorot-uniform kernel, orthogonal
 * recurrent kernel, zero bias and peepholes.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import type { Tf } from './backend.js';

/** The class name models are saved with. */
export const LSTM_VARIANT_CLASS = 'LSTMVariant';

export interface LstmVariantArgs {
  units: number;
  returnSequences?: boolean;
  peephole?: boolean;
  coupledGates?: boolean;
  kernelInitializer?: unknown;
  recurrentInitializer?: unknown;
  biasInitializer?: unknown;
  inputShape?: (number | null)[];
  batchInputShape?: (number | null)[];
  name?: string;
  trainable?: boolean;
  [key: string]: unknown;
}

/** Gate blocks (4, or 3 coupled) and peephole blocks (3, or 2 coupled) of the variant. */
export const variantBlocks = (coupled: boolean) => ({ gates: coupled ? 3 : 4, peepholes: coupled ? 2 : 3 });

/**
 * One time step of the variant in tfjs operations: a [B, G H] pre-activations, c [B, H] the previous
 * cell state, p the peephole weights (null: none). Returns the new h and c.
 */
export function variantStep(tf: Tf, a: Tensor, c: Tensor, p: Tensor | null, coupled: boolean): { h: Tensor; c: Tensor } {
  const H = c.shape[1] as number;
  const parts = tf.split(a, coupled ? 3 : 4, 1);
  const [ai, af, ag, ao] = coupled ? [null, ...parts] : parts;
  const ps = p ? tf.split(p, coupled ? 2 : 3, 0) : null;
  const [pi, pf, po] = ps ? (coupled ? [null, ...ps] : ps) : [null, null, null];
  const peep = (x: Tensor, w: Tensor | null, state: Tensor) => (w ? tf.add(x, tf.mul(tf.reshape(w, [1, H]), state)) : x);
  const f = tf.sigmoid(peep(af!, pf, c));
  const i = coupled ? tf.sub(1, f) : tf.sigmoid(peep(ai!, pi, c));
  const cn = tf.add(tf.mul(f, c), tf.mul(i, tf.tanh(ag!)));
  const o = tf.sigmoid(peep(ao!, po, cn));
  return { h: tf.mul(o, tf.tanh(cn)), c: cn };
}

/** A recurrent layer's input shape [batch, steps, inputs] (the first of several inputs when given a list). */
export function sequenceShapeOf(inputShape: any): (number | null)[] {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
}

/** A recurrent layer's output shape: [batch, steps, units] with returnSequences, else [batch, units]. */
export function recurrentOutputShape(inputShape: any, returnSequences: boolean, units: number): (number | null)[] {
  const s = sequenceShapeOf(inputShape);
  return returnSequences ? [s[0], s[1], units] : [s[0], units];
}

type Classes = { LSTMVariant: any };
const cache = new WeakMap<object, Classes>();

/** Defines (once per tf instance) and registers the LSTMVariant layer class; returns it. */
export function registerLstmVariant(tf: Tf): Classes {
  const cached = cache.get(tf);
  if (cached) return cached;
  const Base = tf.layers.Layer as unknown as new (args: unknown) => any;
  class LSTMVariant extends Base {
    static className = LSTM_VARIANT_CLASS;
    units: number;
    returnSequences: boolean;
    peephole: boolean;
    coupledGates: boolean;
    kernel: any = null;
    recurrentKernel: any = null;
    bias: any = null;
    peepholeWeights: any = null;
    readonly initializers: { kernel: any; recurrent: any; bias: any };
    constructor(args: LstmVariantArgs) {
      super(args);
      if (!Number.isInteger(args.units) || args.units < 1) throw new Error(`${LSTM_VARIANT_CLASS}: units must be a positive integer, got ${args.units}`);
      this.units = args.units;
      this.returnSequences = Boolean(args.returnSequences);
      this.peephole = Boolean(args.peephole);
      this.coupledGates = Boolean(args.coupledGates);
      const init = (given: unknown, fallback: () => unknown) => (given && typeof (given as { apply?: unknown }).apply === 'function' ? given : fallback());
      this.initializers = {
        kernel: init(args.kernelInitializer, () => tf.initializers.glorotUniform({})),
        recurrent: init(args.recurrentInitializer, () => tf.initializers.orthogonal({ gain: 1 })),
        bias: init(args.biasInitializer, () => tf.initializers.zeros()),
      };
    }
    build(inputShape: any): void {
      const shape = sequenceShapeOf(inputShape);
      const inputDim = shape[shape.length - 1] as number;
      const { gates, peepholes } = variantBlocks(this.coupledGates);
      this.kernel = this.addWeight('kernel', [inputDim, this.units * gates], 'float32', this.initializers.kernel, undefined, true);
      this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, this.units * gates], 'float32', this.initializers.recurrent, undefined, true);
      this.bias = this.addWeight('bias', [this.units * gates], 'float32', this.initializers.bias, undefined, true);
      if (this.peephole) this.peepholeWeights = this.addWeight('peephole', [this.units * peepholes], 'float32', tf.initializers.zeros(), undefined, true);
      this.built = true;
    }
    computeOutputShape(inputShape: any): any {
      return recurrentOutputShape(inputShape, this.returnSequences, this.units);
    }
    computeMask(): null {
      return null;
    }
    call(inputs: Tensor | Tensor[]): Tensor {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.tidy(() => {
        const [B, T, I] = x.shape as number[];
        const H = this.units;
        const G = variantBlocks(this.coupledGates).gates * H;
        const xw = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, I]), this.kernel.read()), this.bias.read()), [B, T, G]);
        const U = this.recurrentKernel.read();
        const p = this.peephole ? this.peepholeWeights.read() : null;
        let h: Tensor = tf.zeros([B, H]);
        let c: Tensor = tf.zeros([B, H]);
        const outs: Tensor[] = [];
        for (let t = 0; t < T; t++) {
          const a = tf.add(tf.reshape(tf.slice(xw, [0, t, 0], [B, 1, G]), [B, G]), tf.matMul(h, U));
          ({ h, c } = variantStep(tf, a, c, p, this.coupledGates));
          if (this.returnSequences) outs.push(h);
        }
        return this.returnSequences ? tf.stack(outs, 1) : h;
      });
    }
    getClassName(): string {
      return LSTM_VARIANT_CLASS;
    }
    getConfig(): any {
      return { ...super.getConfig(), units: this.units, returnSequences: this.returnSequences, peephole: this.peephole, coupledGates: this.coupledGates };
    }
  }
  tf.serialization.registerClass(LSTMVariant as any);
  const out = { LSTMVariant };
  cache.set(tf, out);
  return out;
}
