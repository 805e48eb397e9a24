/**
 * A saved layers model (model.json + weights.bin) run without TensorFlow.js, so that
 * forecasting from a run does not pay for loading tfjs (most of `rnnfc predict`'s time).
 * Knows the models buildModel produces: Sequential stacks, and the functional graphs of a model
 * with a linear path (one input, one output, branches joined by Add) and of an encoder-decoder
 * (its parts cut from the input by Reshape and Cropping2D, the decoder's recurrent layers taking
 * their initial state from dense layers); and their layers: LSTM/GRU,
 * LSTMVariant (peepholes, coupled gates) and SimpleRNN (the fused forward kernel, from the same wasm module training uses; a SimpleRNN the
 * kernels do not compute, without bias or with another activation, in plain JS), Dense (also
 * inside TimeDistributed), Flatten, Reshape, Cropping2D, Dropout (the identity at inference) and InputLayer. Anything
 * else is reported as unsupported, for callers to fall back to tfjs.
 */
import { forward } from '../kernels/forward.js';
import { type Activation, type Cell, gatesOf, type LstmVariant, peepholesOf } from '../kernels/state.js';
import { STOCK_CLASS, unfusableReason } from './fused/compat.js';
import { parseModelJson, type SavedModelJson, weightSpecsOf } from './saved-model.js';

/** Row-major values and their shape, e.g. [batch, steps, units]. */
interface Values {
  data: Float32Array;
  shape: number[];
}
type Step = (x: Values) => Values;

interface LayerJson {
  class_name: string;
  config: Record<string, unknown>;
}

export interface PlainModel {
  /** x [batch, steps, features] -> [batch, outputs] or [batch, steps, outputs], row-major. */
  predict(x: Float32Array, batch: number, steps: number, features: number): Float32Array;
  /** Input features the first layer takes. */
  features: number;
}

class Unsupported extends Error {}

const ACTIVATIONS: Record<string, (v: number) => number> = {
  linear: (v) => v,
  relu: (v) => (v > 0 ? v : 0),
  tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
};

function activation(name: unknown): (v: number) => number {
  const f = typeof name === 'string' ? ACTIVATIONS[name] : undefined;
  if (!f) throw new Unsupported(`activation ${String(name)}`);
  return f;
}

/** Weight arrays by name, decoded from weights.bin (all float32, in manifest order). */
function decodeWeights(
  specs: { name: string; shape: number[]; dtype?: string; quantization?: unknown }[],
  bytes: Uint8Array,
): Map<string, { shape: number[]; data: Float32Array }> {
  const aligned = new Uint8Array(bytes).buffer; // copy: weights.bin may sit at any byte offset
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  let off = 0;
  for (const s of specs) {
    if ((s.dtype ?? 'float32') !== 'float32' || s.quantization) throw new Unsupported(`weight ${s.name} is not plain float32`);
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (off + n * 4 > aligned.byteLength) throw new Error(`weights.bin is shorter than model.json says (${s.name})`);
    out.set(s.name, { shape: s.shape, data: new Float32Array(aligned, off, n) });
    off += n * 4;
  }
  return out;
}

/** y = act(x . W + b) along the last axis. W [inDim, units]. */
function dense(W: Float32Array, b: Float32Array | null, inDim: number, units: number, act: (v: number) => number): Step {
  return (x) => {
    const rows = x.data.length / inDim;
    const out = new Float32Array(rows * units);
    const acc = new Float64Array(units);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < units; j++) acc[j] = b ? b[j] : 0;
      for (let k = 0; k < inDim; k++) {
        const v = x.data[r * inDim + k];
        const w = k * units;
        for (let j = 0; j < units; j++) acc[j] += v * W[w + j];
      }
      for (let j = 0; j < units; j++) out[r * units + j] = act(acc[j]);
    }
    return { data: out, shape: [...x.shape.slice(0, -1), units] };
  };
}

/** h_t = act(x_t . W + h_{t-1} . U + b) from the initial state given (zeros without one); tfjs SimpleRNN semantics. */
function simpleRnn(
  W: Float32Array,
  U: Float32Array,
  b: Float32Array | null,
  I: number,
  H: number,
  act: (v: number) => number,
  returnSequences: boolean,
): StateStep {
  return (x, states = []) => {
    const [B, T] = x.shape;
    const out = new Float32Array(returnSequences ? B * T * H : B * H);
    const h = new Float32Array(H);
    const a = new Float64Array(H);
    for (let bb = 0; bb < B; bb++) {
      if (states.length) h.set(states[0].data.subarray(bb * H, (bb + 1) * H));
      else h.fill(0);
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < H; j++) a[j] = b ? b[j] : 0;
        const xo = (bb * T + t) * I;
        for (let k = 0; k < I; k++) for (let j = 0; j < H; j++) a[j] += x.data[xo + k] * W[k * H + j];
        for (let k = 0; k < H; k++) for (let j = 0; j < H; j++) a[j] += h[k] * U[k * H + j];
        for (let j = 0; j < H; j++) h[j] = act(a[j]);
        if (returnSequences) out.set(h, (bb * T + t) * H);
      }
      if (!returnSequences) out.set(h, bb * H);
    }
    return { data: out, shape: returnSequences ? [B, T, H] : [B, H] };
  };
}

function fusedCell(
  W: Float32Array,
  U: Float32Array,
  b: Float32Array,
  cell: Cell,
  I: number,
  H: number,
  returnSequences: boolean,
  act: Activation = 'tanh',
  variant?: LstmVariant,
): StateStep {
  return (x, states = []) => {
    const [B, T] = x.shape;
    const init = states.length ? { h0: states[0].data, ...(states[1] ? { c0: states[1].data } : {}) } : undefined;
    const data = forward(cell, x.data, W, U, b, B, T, I, H, returnSequences, null, init, act, variant).out;
    return { data, shape: returnSequences ? [B, T, H] : [B, H] };
  };
}

/** A recurrent layer's step, from the initial states a graph gives it ([h0], or [h0, c0] for an LSTM; none: zeros). */
type StateStep = (x: Values, states?: Values[]) => Values;

/** A layer's output shape without the batch axis (null: any length). */
type Shape = (number | null)[];

/** A layer's weight by name, checked against the shape the layer needs. */
type WeightOf = (layer: string, w: string, shape: number[]) => Float32Array;

/** Builds one layer's step from its input's shape (without the batch axis). Returns the step (null: identity) and its output shape. */
function layerStep(layer: LayerJson, inShape: Shape, weightOf: WeightOf, weightName = String(layer.config.name)): { step: StateStep | null; shape: Shape } {
  const c = layer.config;
  const dim = Number(inShape[inShape.length - 1]);
  const cls: string = STOCK_CLASS[layer.class_name as keyof typeof STOCK_CLASS] ?? layer.class_name;
  switch (cls) {
    case 'InputLayer':
    case 'Dropout':
      return { step: null, shape: inShape };
    case 'Reshape': {
      const target = c.target_shape as number[];
      const size = (v: Shape) => (v.some((d) => d === null) ? null : (v as number[]).reduce((a, b) => a * b, 1));
      if (!Array.isArray(target) || !target.every((d) => Number.isSafeInteger(d) && d > 0) || size(inShape) !== size(target))
        throw new Unsupported(`Reshape of [${inShape}] to [${String(target)}]`);
      return { step: (x) => ({ data: x.data, shape: [x.shape[0], ...target] }), shape: target };
    }
    case 'Cropping2D': {
      // [rows, cols, channels] (channels last), cut to rows [top, rows - bottom) and cols [left, cols - right)
      const [[top, bottom], [left, right]] = c.cropping as number[][];
      const [R, C, K] = inShape as number[];
      if (c.data_format !== 'channels_last' || inShape.length !== 3 || !(top + bottom < R && left + right < C))
        throw new Unsupported(`Cropping2D of [${inShape}] by ${JSON.stringify(c.cropping)} (${String(c.data_format)})`);
      const rows = R - top - bottom;
      const cols = C - left - right;
      const step: Step = (x) => {
        const B = x.shape[0];
        const out = new Float32Array(B * rows * cols * K);
        for (let bb = 0; bb < B; bb++)
          for (let r = 0; r < rows; r++) {
            const from = ((bb * R + top + r) * C + left) * K;
            out.set(x.data.subarray(from, from + cols * K), (bb * rows + r) * cols * K);
          }
        return { data: out, shape: [B, rows, cols, K] };
      };
      return { step, shape: [rows, cols, K] };
    }
    case 'Flatten': {
      if (inShape.some((d) => d === null)) throw new Unsupported('Flatten of a variable-length input');
      const size = (inShape as number[]).reduce((a, b) => a * b, 1);
      return { step: (x) => ({ data: x.data, shape: [x.shape[0], size] }), shape: [size] };
    }
    case 'Dense': {
      const units = Number(c.units);
      const W = weightOf(weightName, 'kernel', [dim, units]);
      const b = c.use_bias === false ? null : weightOf(weightName, 'bias', [units]);
      return { step: dense(W, b, dim, units, activation(c.activation ?? 'linear')), shape: [...inShape.slice(0, -1), units] };
    }
    case 'TimeDistributed': {
      const inner = c.layer as LayerJson | undefined;
      if (inner?.class_name !== 'Dense') throw new Unsupported(`TimeDistributed(${inner?.class_name})`);
      // tfjs names the wrapped layer's weights after the wrapper
      return layerStep(inner, inShape, weightOf, weightName);
    }
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN': {
      const H = Number(c.units);
      const G = cls === 'LSTM' ? 4 : cls === 'GRU' ? 3 : 1;
      const rs = Boolean(c.return_sequences);
      if (cls === 'SimpleRNN') {
        for (const k of ['return_state', 'go_backwards', 'stateful']) if (c[k]) throw new Unsupported(`SimpleRNN ${k}`);
      } else {
        const why = unfusableReason(c);
        if (why) throw new Unsupported(`${cls} ${why}`);
      }
      const W = weightOf(weightName, 'kernel', [dim, G * H]);
      const U = weightOf(weightName, 'recurrent_kernel', [H, G * H]);
      const noBias = c.use_bias === false;
      const b = noBias ? null : weightOf(weightName, 'bias', [G * H]);
      // a SimpleRNN the kernels compute (tanh or relu, with bias) runs on them, as it trained
      const simpleFused = cls === 'SimpleRNN' && b !== null && unfusableReason(c, true) === null;
      const step =
        cls === 'SimpleRNN' && !simpleFused
          ? simpleRnn(W, U, b, dim, H, activation(c.activation ?? 'tanh'), rs)
          : fusedCell(W, U, b as Float32Array, cls === 'LSTM' ? 'lstm' : cls === 'GRU' ? 'gru' : 'rnn', dim, H, rs, c.activation === 'relu' ? 'relu' : 'tanh');
      return { step, shape: rs ? [inShape[0], H] : [H] };
    }
    case 'LSTMVariant': {
      const H = Number(c.units);
      const coupled = c.coupled_gates === true;
      const G = gatesOf('lstm', H, coupled);
      const rs = Boolean(c.return_sequences);
      const W = weightOf(weightName, 'kernel', [dim, G]);
      const U = weightOf(weightName, 'recurrent_kernel', [H, G]);
      const b = weightOf(weightName, 'bias', [G]);
      const peephole = c.peephole === true ? weightOf(weightName, 'peephole', [peepholesOf(H, coupled)]) : null;
      return { step: fusedCell(W, U, b, 'lstm', dim, H, rs, 'tanh', { peephole, coupled }), shape: rs ? [inShape[0], H] : [H] };
    }
    default:
      throw new Unsupported(`layer ${layer.class_name}`);
  }
}

/** Elementwise sum of same-shaped values (a Keras Add layer). */
function addValues(parts: Values[]): Values {
  const data = new Float32Array(parts[0].data.length);
  for (const p of parts) {
    if (p.data.length !== data.length) throw new Error('Add of differently shaped inputs');
    for (let i = 0; i < data.length; i++) data[i] += p.data[i];
  }
  return { data, shape: parts[0].shape };
}

/** A Sequential model's layers as one chain of steps from its input shape. */
function chainOf(layers: LayerJson[], inShape: Shape, weightOf: WeightOf): Step {
  const steps: Step[] = [];
  let shape = inShape;
  for (const layer of layers) {
    const r = layerStep(layer, shape, weightOf);
    if (r.step) steps.push(r.step);
    shape = r.shape;
  }
  return (x) => steps.reduce((v, s) => s(v), x);
}

interface GraphLayer extends LayerJson {
  name: string;
  inbound_nodes: [string, number, number, unknown][][];
}

/**
 * A functional (tf.model) graph with one input and one output, each layer called once: its
 * layers in the saved (topological) order, Add joining branches. Returns one step for the whole graph.
 */
function graphOf(layers: GraphLayer[], inputName: string, outputName: string, weightOf: WeightOf): Step {
  const nodes = new Map<string, { run: (inputs: Values[]) => Values; inputs: string[]; shape: Shape }>();
  for (const layer of layers) {
    if (layer.inbound_nodes.length > 1) throw new Unsupported(`layer ${layer.name} is called more than once`);
    const inputs = (layer.inbound_nodes[0] ?? []).map((ref) => {
      if (ref[1] !== 0 || ref[2] !== 0) throw new Unsupported(`layer ${layer.name} takes a shared layer's output`);
      if (!nodes.has(ref[0])) throw new Unsupported(`layer ${layer.name} comes before its input ${ref[0]}`);
      return ref[0];
    });
    if (layer.class_name === 'InputLayer') {
      const shape = (layer.config.batch_input_shape as Shape).slice(1);
      nodes.set(layer.name, { run: (v) => v[0], inputs, shape });
    } else if (layer.class_name === 'Add') {
      const shapes = inputs.map((i) => nodes.get(i)!.shape.join());
      if (inputs.length < 2 || shapes.some((sh) => sh !== shapes[0])) throw new Error(`layer ${layer.name} adds differently shaped inputs`);
      nodes.set(layer.name, { run: addValues, inputs, shape: nodes.get(inputs[0])!.shape });
    } else {
      const cls = STOCK_CLASS[layer.class_name as keyof typeof STOCK_CLASS] ?? layer.class_name;
      // a recurrent layer may take its initial state from other layers: [x, h0] ([x, h0, c0] for an LSTM)
      const states = cls === 'LSTM' ? 2 : cls === 'GRU' || cls === 'SimpleRNN' ? 1 : 0;
      if (inputs.length !== 1 && inputs.length !== 1 + states) throw new Unsupported(`layer ${layer.class_name} with ${inputs.length} inputs`);
      const r = layerStep(layer, nodes.get(inputs[0])!.shape, weightOf);
      const units = Number(layer.config.units);
      for (const i of inputs.slice(1))
        if (nodes.get(i)!.shape.join() !== String(units))
          throw new Error(`layer ${layer.name} takes an initial state of shape [${nodes.get(i)!.shape}], not [${units}]`);
      const step = r.step;
      nodes.set(layer.name, { run: step ? (v) => step(v[0], v.slice(1)) : (v) => v[0], inputs, shape: r.shape });
    }
  }
  if (!nodes.has(outputName)) throw new Unsupported(`no output layer ${outputName}`);
  // The last call's inputs and output of each layer. A layer whose inputs are the very values it
  // was given last time gives its last output again without computing it; a Cropping2D whose
  // output equals its last one, number for number, gives the last one (the same value), so what
  // is computed from it is reused too. An encoder-decoder forecast freely (decodeFreely) changes
  // only the decoder's inputs from call to call, so its encoder runs once. Every value a layer
  // gives is a fresh array or shares the array of its input's; only the caller's input can change
  // in place, and each call wraps it anew.
  const last = new Map<string, { inputs: Values[]; output: Values }>();
  const sameValues = (a: Values, b: Values) => a.shape.join() === b.shape.join() && a.data.every((v, i) => Object.is(v, b.data[i]));
  return (x) => {
    const values = new Map<string, Values>([[inputName, x]]);
    for (const layer of layers) {
      if (layer.name === inputName) continue;
      const node = nodes.get(layer.name)!;
      const inputs = node.inputs.map((i) => values.get(i)!);
      const before = last.get(layer.name);
      let output: Values;
      if (before && before.inputs.length === inputs.length && before.inputs.every((v, i) => v === inputs[i])) output = before.output;
      else {
        output = node.run(inputs);
        if (before && layer.class_name === 'Cropping2D' && sameValues(output, before.output)) output = before.output;
      }
      last.set(layer.name, { inputs, output });
      values.set(layer.name, output);
    }
    return values.get(outputName)!;
  };
}

/**
 * The whole model of a parsed model.json as one step, each layer's weights taken from the
 * WeightOf that `weights` makes once the topology's input is known; throws Unsupported for a
 * layer, setting or model class this engine does not know.
 */
function compile(json: SavedModelJson, weights: () => WeightOf): { run: Step; features: number } {
  let topo = json.modelTopology as Record<string, unknown>;
  if (topo.model_config) topo = topo.model_config as Record<string, unknown>;
  const cfg = topo.config as { layers?: LayerJson[]; input_layers?: unknown; output_layers?: unknown } | LayerJson[];
  const layers = Array.isArray(cfg) ? cfg : cfg?.layers;
  if (!Array.isArray(layers) || layers.length === 0) throw new Unsupported('no layers');
  const shape = layers[0].config.batch_input_shape as (number | null)[] | undefined;
  const features = shape?.[shape.length - 1];
  if (shape?.length !== 3 || typeof features !== 'number') throw new Unsupported('input is not [batch, steps, features]');
  const weightOf = weights();
  if (topo.class_name === 'Sequential') return { run: chainOf(layers, shape.slice(1), weightOf), features };
  if (topo.class_name === 'Model' && !Array.isArray(cfg)) {
    const ins = cfg.input_layers as [string, number, number][] | undefined;
    const outs = cfg.output_layers as [string, number, number][] | undefined;
    if (ins?.length !== 1 || outs?.length !== 1) throw new Unsupported('a model without exactly one input and one output');
    return { run: graphOf(layers as GraphLayer[], ins[0][0], outs[0][0], weightOf), features };
  }
  throw new Unsupported(`model class ${String(topo.class_name)}`);
}

/**
 * Reads model.json + weights.bin into a PlainModel, or says why it cannot (a layer, setting or
 * weight format it does not know). Throws only for a damaged model (bad JSON, short weights).
 */
export function loadPlainModel(modelJson: string, weights: Uint8Array): { model: PlainModel } | { unsupported: string } {
  const json = parseModelJson(modelJson);
  try {
    const { run, features } = compile(json, () => {
      const byName = decodeWeights(weightSpecsOf(json), weights);
      return (layer, w, expect) => {
        const found = byName.get(`${layer}/${w}`);
        if (!found) throw new Unsupported(`no weight ${layer}/${w}`);
        if (found.shape.join() !== expect.join()) throw new Error(`weight ${layer}/${w} has shape [${found.shape}], the layer needs [${expect}]`);
        return found.data;
      };
    });
    const predict = (x: Float32Array, batch: number, T: number, nf: number): Float32Array => {
      if (nf !== features) throw new Error(`the model takes ${features} input features, got ${nf}`);
      return run({ data: x, shape: [batch, T, nf] }).data;
    };
    return { model: { predict, features } };
  } catch (e) {
    if (e instanceof Unsupported) return { unsupported: e.message };
    throw e;
  }
}

/**
 * What is wrong with the weights the topology of `modelJson` makes its layers build, judged
 * against the shapes its weightsManifest declares, without reading a weight or building a layer:
 * null when every layer's weights are declared with the shapes its units and inputs give them
 * and no other weight is declared; otherwise the first problem (a layer or setting this engine
 * does not know, a weight missing or of another shape, a weight no layer has). A topology that
 * passes makes any loader (tfjs on every backend included) build only weights of the declared
 * sizes, which the weights file bounds.
 */
export function topologyWeightProblem(modelJson: string): string | null {
  let specs: { name: string; shape: number[] }[];
  let json: SavedModelJson;
  try {
    json = parseModelJson(modelJson);
    specs = weightSpecsOf(json);
  } catch (e) {
    return (e as Error).message;
  }
  const declared = new Map(specs.map((w) => [w.name, w.shape]));
  const used = new Set<string>();
  const none = new Float32Array(0);
  try {
    compile(json, () => (layer, w, expect) => {
      const name = `${layer}/${w}`;
      const shape = declared.get(name);
      if (!shape) throw new Error(`layer ${layer} needs a weight ${name} of shape [${expect}], which is not declared`);
      if (shape.join() !== expect.join()) throw new Error(`weight ${name} is declared [${shape}], but layer ${layer} needs [${expect}]`);
      used.add(name);
      return none;
    });
  } catch (e) {
    return e instanceof Unsupported ? `${e.message}, which rnnfc does not write` : (e as Error).message;
  }
  const extra = specs.find((w) => !used.has(w.name));
  return extra ? `declares a weight ${extra.name}, which no layer has` : null;
}
