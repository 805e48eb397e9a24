import type { Tensor } from '@tensorflow/tfjs-core';
import type { layers as tfLayers } from '@tensorflow/tfjs-layers';
import { backward } from '../../kernels/backward.js';
import { forward } from '../../kernels/forward.js';
import { normalShapeOf, orthogonalFrom } from '../../kernels/orthogonal.js';
import { type Activation, type Cell, gatesOf, releaseSlot, type Slot } from '../../kernels/state.js';
import type { Tf } from '../backend.js';
import { LSTM_VARIANT_CLASS, type LstmVariantArgs, recurrentOutputShape, registerLstmVariant, sequenceShapeOf } from '../lstm-variant.js';
import { FUSED_CLASS, STOCK_CLASS, unfusableReason } from './compat.js';

export type { Cell } from '../../kernels/state.js';

type Layer = tfLayers.Layer;

/**
 * Whole-sequence fused LSTM/GRU/SimpleRNN (tfjs-layers semantics: LSTM gates i,f,c,o; GRU gates
 * z,r,h with resetAfter=false; recurrent activation sigmoid, activation tanh; SimpleRNN
 * h_t = act(x_t W + h_{t-1} U + b) with `activation` tanh or relu).
 * x [batch, T, in]; kernel [in, G*u]; recurrentKernel [u, G*u]; bias [G*u]; initialState: none
 * (zeros), or [h0] (GRU) / [h0, c0] (LSTM), each [batch, u].
 * Returns [batch, T, u] (returnSequences) or [batch, u]. Differentiable wrt all its inputs.
 * `variant` (LSTM only): peephole weights ([3u], coupled [2u]; null: none) and coupled input and
 * forget gates (kernel, recurrentKernel and bias then have 3u gate columns), as LSTMVariant.
 * `slot` (one per layer) keeps the forward state in the kernels' memory until backward; without
 * one, backward recomputes the forward pass.
 */
export function fusedRnn(
  tf: Tf,
  cell: Cell,
  x: Tensor,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor,
  returnSequences: boolean,
  slot?: Slot,
  initialState?: Tensor[] | null,
  activation: Activation = 'tanh',
  variant?: { peephole: Tensor | null; coupled: boolean },
): Tensor {
  const states = initialState ?? [];
  const peep = variant?.peephole ?? null;
  const numStates = cell === 'lstm' ? 2 : 1;
  if (states.length && states.length !== numStates)
    throw new Error(`${cell === 'lstm' ? 'LSTM' : 'GRU'} layer has ${numStates} state(s) but was passed ${states.length} initial state(s)`);
  // On the wasm backend tensors are read in place and made from views of the kernels' memory (each
  // copied once, by the kernels or by tfjs); elsewhere through copies (the cpu backend keeps the
  // arrays it is given).
  const inPlace = wasmValues(tf);
  const valuesOf = (t: Tensor) => (inPlace?.(t) ?? t.dataSync()) as Float32Array;
  const op = tf.customGrad(((...args: unknown[]) => {
    const [xt, k, u, b] = args as Tensor[];
    const [B, T, I] = xt.shape as number[];
    const H = u.shape[0];
    const st = (args as Tensor[]).slice(4, 4 + states.length);
    st.forEach((t, i) => {
      if (t.shape.length !== 2 || t.shape[0] !== B || t.shape[1] !== H) throw new Error(`initial state ${i} has shape [${t.shape}], expected [${B},${H}]`);
    });
    const pt = peep ? (args as Tensor[])[4 + states.length] : null;
    // the forward pass on the inputs' values, read afresh for each call (views last until the next tfjs op)
    const run = (keep: Slot | null, view: boolean) =>
      forward(
        cell,
        valuesOf(xt),
        valuesOf(k),
        valuesOf(u),
        valuesOf(b),
        B,
        T,
        I,
        H,
        returnSequences,
        keep,
        st.length ? { h0: valuesOf(st[0]), c0: st[1] ? valuesOf(st[1]) : undefined } : undefined,
        activation,
        variant ? { peephole: pt ? valuesOf(pt) : null, coupled: variant.coupled } : undefined,
        view,
      );
    // keep the state only when a gradient may be asked for (inside tf.grads / variableGrads)
    const depth = (tf.engine() as unknown as { state?: { gradientDepth?: number } }).state?.gradientDepth;
    const own = slot && (depth === undefined || depth > 0) ? slot : null;
    const { out, state } = run(own, inPlace !== null);
    const outShape = returnSequences ? [B, T, H] : [B, H];
    const value = tf.tensor(out, outShape, 'float32');
    const init = st.length > 0;
    const gradFunc = (dy: Tensor) => {
      let s = state;
      if (!s?.block) {
        const tmp: Slot = { state: null };
        s = run(tmp, false).state!;
      }
      const probe = slot?.flow;
      const g = backward(s, valuesOf(dy), returnSequences, probe !== undefined, inPlace !== null);
      if (probe && g.flow) {
        if (probe.sums?.length !== T) {
          probe.sums = new Float64Array(T);
          probe.passes = 0;
        }
        for (let t = 0; t < T; t++) probe.sums[t] += Math.sqrt(g.flow[t] / B);
        probe.passes++;
      }
      const grads = [
        tf.tensor(g.dx, xt.shape, 'float32'),
        tf.tensor(g.dW, k.shape, 'float32'),
        tf.tensor(g.dU, u.shape, 'float32'),
        tf.tensor(g.db, b.shape, 'float32'),
      ];
      if (init) grads.push(tf.tensor(g.dh0!, [B, H], 'float32'));
      if (init && cell === 'lstm') grads.push(tf.tensor(g.dc0!, [B, H], 'float32'));
      if (pt) grads.push(tf.tensor(g.dP!, pt.shape, 'float32'));
      return grads;
    };
    return { value, gradFunc };
  }) as never) as unknown as (...t: Tensor[]) => Tensor;
  return op(x, kernel, recurrentKernel, bias, ...states, ...(peep ? [peep] : []));
}

/** Values of seeded orthogonal initializers (reusedOrthogonal), by backend, shape, gain and seed. */
const orthogonalValues = new Map<string, Float32Array>();

/** Entries in reusedOrthogonal's store (for tests). */
export function reusedOrthogonalCount(): number {
  return orthogonalValues.size;
}

/**
 * `init` itself, unless it is a seeded orthogonal initializer: then one that gives the values it
 * gave the last time it was asked for the same shape on the same backend, and computes them only
 * the first time. The values are the same either way (a seeded initializer is a function of its
 * seed and shape); computing them is a QR decomposition through dozens of small tensor ops, about
 * 30-100 ms a layer, which every model of a backtest's origins or of a panel's series, built from
 * the same seed, paid again. On the wasm backend the first time is cheap too: tfjs's seeded normal
 * draw, then the QR decomposition on the kernels (kernels/orthogonal.ts), which gives the bits of
 * tfjs's ops on that backend. The layer's saved config is its own (the stock twin's), untouched.
 */
function reusedOrthogonal(tf: Tf, init: { getClassName?(): string; getConfig?(): Record<string, unknown>; apply(shape: number[], dtype?: string): Tensor }) {
  const config = init?.getClassName?.() === 'Orthogonal' ? init.getConfig?.() : undefined;
  if (!config || config.seed == null) return init;
  return {
    apply(shape: number[], dtype?: string): Tensor {
      const key = `${tf.getBackend()} ${shape.join('x')} ${dtype ?? 'float32'} ${config.gain} ${config.seed}`;
      const kept = orthogonalValues.get(key);
      if (kept) return tf.tensor(kept.slice(), shape, 'float32');
      if (tf.getBackend() === 'wasm' && (dtype ?? 'float32') === 'float32' && shape.length >= 2) {
        // tfjs's own steps, its QR decomposition on the kernels (the same bits as on this backend)
        const drawn = tf.randomNormal(normalShapeOf(shape), 0, 1, 'float32', config.seed as number);
        const values = orthogonalFrom(drawn.dataSync() as Float32Array, shape, config.gain as number);
        drawn.dispose();
        orthogonalValues.set(key, values);
        return tf.tensor(values.slice(), shape, 'float32');
      }
      const t = init.apply(shape, dtype);
      if (t.dtype === 'float32') orthogonalValues.set(key, (t.dataSync() as Float32Array).slice());
      return t;
    },
  };
}

export interface FusedRecurrentArgs {
  units: number;
  returnSequences: boolean;
  inputShape?: (number | null)[];
  batchInputShape?: (number | null)[];
  kernelInitializer?: unknown;
  recurrentInitializer?: unknown;
  biasInitializer?: unknown;
  name?: string;
  trainable?: boolean;
  [key: string]: unknown;
}

type FusedClasses = { FusedLSTM: any; FusedGRU: any; FusedSimpleRNN: any; FusedLSTMVariant: any };
const classCache = new WeakMap<object, FusedClasses>();

/**
 * Define (once per tf instance) and register the FusedLSTM / FusedGRU layer classes.
 * They register under their own class names, so tfjs's LSTM and GRU stay as they are; but they
 * report the stock class name and write the stock layer's config, so a saved model is a plain
 * tfjs model (loadModelFromFiles maps LSTM/GRU back to these classes on the cpu and wasm backends).
 */
export function registerFusedLayers(tf: Tf): FusedClasses {
  const cached = classCache.get(tf);
  if (cached) return cached;
  const Base = tf.layers.Layer as unknown as new (args: unknown) => any;

  function make(cell: Cell, className: string) {
    const G = gatesOf(cell, 1);
    const stockClass = STOCK_CLASS[className as keyof typeof STOCK_CLASS];
    const stockLayer = cell === 'lstm' ? tf.layers.lstm : cell === 'gru' ? tf.layers.gru : tf.layers.simpleRNN;
    class Fused extends Base {
      static className = className;
      units: number;
      returnSequences: boolean;
      /** The stock layer built from the same arguments: source of the initializers and of the saved config. */
      twin: any;
      kernel: any = null;
      recurrentKernel: any = null;
      bias: any = null;
      /** this layer's forward state, kept in the kernels' memory until backward */
      readonly slot: Slot = { state: null };
      /** SimpleRNN: its activation (LSTM, GRU: tanh) */
      activation: Activation = 'tanh';
      constructor(args: FusedRecurrentArgs) {
        super(args);
        this.twin = stockLayer(
          (cell === 'rnn' ? { activation: 'tanh', ...args, name: this.name } : { recurrentActivation: 'sigmoid', ...args, name: this.name }) as never,
        );
        const config = this.twin.getConfig();
        const why = unfusableReason(config, cell === 'rnn');
        if (cell === 'rnn') this.activation = config.activation as Activation;
        if (why) throw new Error(`${stockClass} layer ${this.name} cannot use the fused kernels: ${why}`);
        this.units = args.units;
        this.returnSequences = !!args.returnSequences;
      }
      getClassName(): string {
        return stockClass;
      }
      build(inputShape: any): void {
        const shape = sequenceShapeOf(inputShape);
        const inputDim = shape[shape.length - 1] as number;
        const { kernelInitializer, recurrentInitializer, biasInitializer } = this.twin.cell;
        this.kernel = this.addWeight('kernel', [inputDim, this.units * G], 'float32', kernelInitializer, undefined, true);
        this.recurrentKernel = this.addWeight(
          'recurrent_kernel',
          [this.units, this.units * G],
          'float32',
          reusedOrthogonal(tf, recurrentInitializer),
          undefined,
          true,
        );
        this.bias = this.addWeight('bias', [this.units * G], 'float32', biasInitializer, undefined, true);
        this.built = true;
      }
      computeOutputShape(inputShape: any): any {
        return recurrentOutputShape(inputShape, this.returnSequences, this.units);
      }
      computeMask(): null {
        return null;
      }
      /**
       * As the stock RNN layers: an initial state comes as kwargs.initialState ([h0] for GRU,
       * [h0, c0] for LSTM, or a single tensor) or as the inputs after x ([x, h0, c0]). It is passed
       * on as inputs, so that a symbolic state becomes an inbound tensor of the layer's node.
       */
      apply(inputs: any, kwargs?: any): any {
        let initialState = kwargs?.initialState;
        if (Array.isArray(inputs)) {
          if (initialState != null) throw new Error('When inputs is an array, neither initialState or constants should be provided');
          if (inputs.length > 1) initialState = inputs.slice(1);
          inputs = inputs[0];
        }
        if (initialState == null) return super.apply(inputs, kwargs);
        const { initialState: _, ...rest } = kwargs ?? {};
        return super.apply([inputs, ...(Array.isArray(initialState) ? initialState : [initialState])], rest);
      }
      call(inputs: Tensor | Tensor[], kwargs?: any): Tensor {
        const list = Array.isArray(inputs) ? inputs : [inputs];
        const given = kwargs?.initialState;
        const initialState = given == null ? list.slice(1) : Array.isArray(given) ? given : [given];
        return fusedRnn(
          tf,
          cell,
          list[0],
          this.kernel.read(),
          this.recurrentKernel.read(),
          this.bias.read(),
          this.returnSequences,
          this.slot,
          initialState,
          this.activation,
        );
      }
      dispose(): any {
        releaseSlot(this.slot);
        return super.dispose();
      }
      getConfig(): any {
        this.twin.trainable = this.trainable;
        return this.twin.getConfig();
      }
    }
    tf.serialization.registerClass(Fused as any);
    return Fused;
  }

  // LSTMVariant on the kernels: the same class (config, weights, saved name), its call fused
  const { LSTMVariant } = registerLstmVariant(tf);
  class FusedLSTMVariant extends LSTMVariant {
    static className = FUSED_CLASS[LSTM_VARIANT_CLASS];
    /** this layer's forward state, kept in the kernels' memory until backward */
    readonly slot: Slot = { state: null };
    call(inputs: Tensor | Tensor[]): Tensor {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const peephole = this.peephole ? this.peepholeWeights.read() : null;
      const variant = { peephole, coupled: this.coupledGates };
      return fusedRnn(tf, 'lstm', x, this.kernel.read(), this.recurrentKernel.read(), this.bias.read(), this.returnSequences, this.slot, null, 'tanh', variant);
    }
    dispose(): any {
      releaseSlot(this.slot);
      return super.dispose();
    }
  }
  tf.serialization.registerClass(FusedLSTMVariant as any);
  const out = {
    FusedLSTM: make('lstm', FUSED_CLASS.LSTM),
    FusedGRU: make('gru', FUSED_CLASS.GRU),
    FusedSimpleRNN: make('rnn', FUSED_CLASS.SimpleRNN),
    FusedLSTMVariant,
  };
  classCache.set(tf, out);
  return out;
}

/** Drop-in replacement for tf.layers.lstm/gru({ ..., recurrentActivation: 'sigmoid' }) and
 *  tf.layers.simpleRNN({ ..., activation: 'tanh' | 'relu' }) (no dropout, no masking, not stateful;
 *  an initial state is taken as the stock layers take it); saved with the stock class name and config. */
export function fusedRecurrentLayer(
  tf: Tf,
  cell: Cell,
  args: {
    units: number;
    returnSequences: boolean;
    inputShape?: (number | null)[];
    kernelInitializer: unknown;
    recurrentInitializer: unknown;
    biasInitializer: unknown;
    name?: string;
    activation?: Activation;
  },
): Layer {
  const { FusedLSTM, FusedGRU, FusedSimpleRNN } = registerFusedLayers(tf);
  const Cls = cell === 'lstm' ? FusedLSTM : cell === 'gru' ? FusedGRU : FusedSimpleRNN;
  return new Cls(args) as Layer;
}

/** An LSTMVariant layer (peepholes, coupled gates) that runs on the fused kernels and saves as LSTMVariant. */
export function fusedLstmVariantLayer(tf: Tf, args: LstmVariantArgs): Layer {
  return new (registerFusedLayers(tf).FusedLSTMVariant)(args) as Layer;
}

/**
 * On the tfjs wasm backend, a function giving a float32 tensor's values as a view of the backend's
 * memory, without the copy dataSync makes (valid until the next tfjs op: memory may move or be
 * reused); null on other backends, or when the backend's internals are not as expected (4.22).
 */
export function wasmValues(tf: Tf): ((t: Tensor) => Float32Array | null) | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as {
    dataIdMap?: { get(id: object): { memoryOffset?: unknown; dtype?: string } | undefined };
    wasm?: { HEAPU8?: Uint8Array };
  };
  if (typeof backend.dataIdMap?.get !== 'function' || !(backend.wasm?.HEAPU8 instanceof Uint8Array)) return null;
  return (t) => {
    const d = backend.dataIdMap!.get(t.dataId);
    const heap = backend.wasm!.HEAPU8!;
    if (t.dtype !== 'float32' || d?.dtype !== 'float32' || typeof d.memoryOffset !== 'number') return null;
    const at = d.memoryOffset;
    if (at % 4 !== 0 || at + 4 * t.size > heap.byteLength) return null;
    return new Float32Array(heap.buffer, heap.byteOffset + at, t.size);
  };
}
