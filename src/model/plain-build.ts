/**
 * The models buildModel makes for the direct training step, made without TensorFlow.js: their
 * initial weights (the seeded initializers' values, bit for bit as tfjs draws them on its wasm
 * backend) and their saved form (model.json as serializeModel writes it, byte for byte). A
 * default run trains on the kernels and forecasts with the plain engine (./plain.ts), so with this
 * it never loads tfjs, which was about 0.15 s of every such process (reading and compiling its
 * bundles, starting its wasm backend, building the layers).
 *
 * Covers many-to-one stacks of fused LSTM, GRU or vanilla RNN layers (no LSTM variants, no
 * dropout) with hidden relu dense layers and a linear head, with or without the linear path;
 * plainBuildable says which specs. The test (test/model/plain-build.test.ts) compares both outputs
 * with tfjs's own for a grid of specs.
 */
import { normalShapeOf, orthogonalFrom } from '../kernels/orthogonal.js';
import { LINEAR_PATH, type ModelSpec } from './build.js';
import { seededNormal, seededUniform } from './tfjs-random.js';

/** One weight of the network, in the saved order. */
export interface PlainWeight {
  name: string;
  /** its group in the training figures (train/loop.ts weightGroupNames: `lstm1/kernel`) */
  group: string;
  shape: number[];
  values: Float32Array;
  trainable: boolean;
}

/** A network built without tfjs: its weights in the saved order (trainable first, then the linear path's) and its saved topology. */
export interface PlainNetwork {
  weights: PlainWeight[];
  /** the recurrent layers' names in the training figures (`lstm1`), first to last */
  flowLayers: string[];
  topology: Record<string, unknown>;
}

/** Adam's epsilon on the wasm backend (tfjs's float32 epsilon), which a plain network trains with. */
export const WASM_EPSILON = 1e-7;

/** tfjs-layers' version, as the saved topology names it (the package rnnfc depends on, pinned). */
const LAYERS_VERSION = '4.22.0';

/** Whether buildPlain makes this spec (else buildModel, through tfjs). */
export function plainBuildable(spec: ModelSpec): boolean {
  return (
    spec.fused === true &&
    spec.decoder === undefined &&
    !spec.peephole &&
    !spec.coupledGates &&
    spec.dropout === 0 &&
    spec.steps !== null &&
    !spec.sequenceOutput &&
    spec.layers.length > 0
  );
}

/** As buildModel's seedStream: distinct nonzero seeds from one base seed. */
function seedStream(seed: number): () => number {
  const base = Math.abs(Math.trunc(seed)) % 1_000_000;
  let i = 0;
  return () => base * 1000 + ++i;
}

/** tf.initializers.glorotUniform({ seed }) for a [fanIn, fanOut] kernel. */
function glorotUniform(shape: [number, number], seed: number): Float32Array {
  const scale = 1 / Math.max(1, (shape[0] + shape[1]) / 2);
  const limit = Math.sqrt(3 * scale);
  return seededUniform(shape[0] * shape[1], -limit, limit, seed);
}

/** tf.initializers.orthogonal({ gain: 1, seed }) as the fused layers compute it on the wasm backend (model/fused reusedOrthogonal). */
function orthogonal(shape: [number, number], seed: number): Float32Array {
  const [m, n] = normalShapeOf(shape);
  return orthogonalFrom(seededNormal(m * n, seed), shape, 1);
}

const NULLS = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, null]));
const varianceScaling = (seed: number) => ({ class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed } });
const zeros = { class_name: 'Zeros', config: {} };

const CELLS = {
  lstm: { cls: 'LSTM', prefix: 'lstm_LSTM', gates: 4 },
  gru: { cls: 'GRU', prefix: 'gru_GRU', gates: 3 },
  rnn: { cls: 'SimpleRNN', prefix: 'simple_rnn_SimpleRNN', gates: 1 },
} as const;

/** A recurrent layer's saved config, keys in tfjs's order (`input`: the first layer of a Sequential model's batch input shape). */
function recurrentConfig(
  spec: ModelSpec,
  name: string,
  units: number,
  seeds: [number, number],
  returnSequences: boolean,
  input: (number | null)[] | null,
): Record<string, unknown> {
  const head = { name, trainable: true, ...(input ? { batch_input_shape: input, dtype: 'float32' } : {}), units };
  const inits = { kernel_initializer: varianceScaling(seeds[0]), recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1, seed: seeds[1] } } };
  const constraints = NULLS([
    'kernel_regularizer',
    'recurrent_regularizer',
    'bias_regularizer',
    'activity_regularizer',
    'kernel_constraint',
    'recurrent_constraint',
    'bias_constraint',
  ]);
  const tail = { return_sequences: returnSequences, return_state: false, go_backwards: false, stateful: false, unroll: false };
  if (spec.cell === 'rnn')
    return {
      ...head,
      activation: spec.activation ?? 'tanh',
      use_bias: true,
      ...inits,
      bias_initializer: zeros,
      ...constraints,
      dropout: 0,
      recurrent_dropout: 0,
      ...tail,
    };
  return {
    ...head,
    activation: 'tanh',
    recurrent_activation: 'sigmoid',
    use_bias: true,
    ...inits,
    bias_initializer: zeros,
    ...(spec.cell === 'lstm' ? { unit_forget_bias: null } : {}),
    ...constraints,
    dropout: 0,
    recurrent_dropout: 0,
    implementation: null,
    ...(spec.cell === 'gru' ? { reset_after: false } : {}),
    ...tail,
  };
}

/** A dense layer's saved config (kernel seeded glorot-uniform, or zeros for `seed` null). */
function denseConfig(name: string, units: number, activation: string, seed: number | null, trainable = true): Record<string, unknown> {
  return {
    units,
    activation,
    use_bias: true,
    kernel_initializer: seed === null ? zeros : varianceScaling(seed),
    bias_initializer: zeros,
    ...NULLS(['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint']),
    name,
    trainable,
  };
}

/**
 * The network buildModel(tf, spec) makes (plainBuildable(spec) must hold): the same initial
 * weights, names and saved topology, the linear path (when spec.linear) zero until
 * setPlainLinearPath.
 */
export function buildPlain(spec: ModelSpec): PlainNetwork {
  if (!plainBuildable(spec)) throw new Error('buildPlain: a spec the plain builder does not make');
  const nextSeed = seedStream(spec.seed);
  const cell = CELLS[spec.cell];
  const weights: PlainWeight[] = [];
  // each weight's group: its layer's class, lowercased, numbered among the model's layers of that class
  const add = (name: string, shape: number[], values: Float32Array, trainable = true) => {
    const slash = name.indexOf('/');
    const layer = name.slice(0, slash);
    const group = layer === LINEAR_PATH ? name : `${layer.replace(/^.*_/, '').replace(/\d+$/, '').toLowerCase()}${layer.match(/\d+$/)![0]}${name.slice(slash)}`;
    weights.push({ name, group, shape, values, trainable });
  };
  const inputShape = [null, spec.steps, spec.features];
  // the recurrent stack (kernel seed, then recurrent kernel seed, per layer)
  const recurrent: { name: string; config: Record<string, unknown> }[] = [];
  let inputs = spec.features;
  spec.layers.forEach((layer, i) => {
    const name = `${cell.prefix}${i + 1}`;
    const G = cell.gates * layer.units;
    const seeds: [number, number] = [nextSeed(), nextSeed()];
    add(`${name}/kernel`, [inputs, G], glorotUniform([inputs, G], seeds[0]));
    add(`${name}/recurrent_kernel`, [layer.units, G], orthogonal([layer.units, G], seeds[1]));
    add(`${name}/bias`, [G], new Float32Array(G));
    const last = i === spec.layers.length - 1;
    recurrent.push({ name, config: recurrentConfig(spec, name, layer.units, seeds, !last, !spec.linear && i === 0 ? inputShape : null) });
    inputs = layer.units;
  });
  const flowLayers = spec.layers.map((_, i) => `${cell.cls.toLowerCase()}${i + 1}`);
  // hidden relu layers, then the head: seeded, or zeros beside a linear path (the untrained model forecasts what the path does)
  const dense: { name: string; config: Record<string, unknown> }[] = [];
  const widths = [...spec.dense.map((d) => d.units), spec.outputs];
  widths.forEach((units, j) => {
    const name = `dense_Dense${j + 1}`;
    const isHead = j === widths.length - 1;
    const seed = isHead && spec.linear ? null : nextSeed();
    add(`${name}/kernel`, [inputs, units], seed === null ? new Float32Array(inputs * units) : glorotUniform([inputs, units], seed));
    add(`${name}/bias`, [units], new Float32Array(units));
    dense.push({ name, config: denseConfig(name, units, isHead ? 'linear' : 'relu', seed) });
    inputs = units;
  });
  const meta = { keras_version: `tfjs-layers ${LAYERS_VERSION}`, backend: 'tensor_flow.js' };
  if (!spec.linear) {
    const layers = [...recurrent, ...dense].map((l) => ({ class_name: l.name.startsWith('dense_') ? 'Dense' : cell.cls, config: l.config }));
    return { weights, flowLayers, topology: { class_name: 'Sequential', config: { name: 'sequential_1', layers }, ...meta } };
  }
  const K = spec.steps! * spec.features;
  add(`${LINEAR_PATH}/kernel`, [K, spec.outputs], new Float32Array(K * spec.outputs), false);
  add(`${LINEAR_PATH}/bias`, [spec.outputs], new Float32Array(spec.outputs), false);
  // tfjs lists a functional model's layers by depth from the output, ties in the order they were
  // made: the flatten of the linear path (depth 2) comes after the head branch's layer of depth 2
  const node = (from: string | string[]) => [(Array.isArray(from) ? from : [from]).map((f) => [f, 0, 0, {}])];
  const entries: Record<string, unknown>[] = [
    {
      name: 'input1',
      class_name: 'InputLayer',
      config: { batch_input_shape: inputShape, dtype: 'float32', sparse: false, name: 'input1' },
      inbound_nodes: [],
    },
  ];
  let prev = 'input1';
  for (const l of [...recurrent, ...dense.slice(0, -1)]) {
    entries.push({ name: l.name, class_name: l.name.startsWith('dense_') ? 'Dense' : cell.cls, config: l.config, inbound_nodes: node(prev) });
    prev = l.name;
  }
  const head = dense[dense.length - 1];
  entries.push(
    { name: 'flatten_Flatten1', class_name: 'Flatten', config: { name: 'flatten_Flatten1', trainable: true }, inbound_nodes: node('input1') },
    { name: head.name, class_name: 'Dense', config: head.config, inbound_nodes: node(prev) },
    {
      name: LINEAR_PATH,
      class_name: 'Dense',
      config: denseConfig(LINEAR_PATH, spec.outputs, 'linear', null, false),
      inbound_nodes: node('flatten_Flatten1'),
    },
    { name: 'add_Add1', class_name: 'Add', config: { name: 'add_Add1', trainable: true }, inbound_nodes: node([head.name, LINEAR_PATH]) },
  );
  const config = { name: 'model1', layers: entries, input_layers: [['input1', 0, 0]], output_layers: [['add_Add1', 0, 0]] };
  return { weights, flowLayers, topology: { class_name: 'Model', config, ...meta } };
}

/** setLinearPath for a plain network: kernel rows [steps * features] of [outputs], then the bias, as float32. */
export function setPlainLinearPath(net: PlainNetwork, kernel: Float64Array[], bias: Float64Array): void {
  const k = net.weights.find((w) => w.name === `${LINEAR_PATH}/kernel`);
  const b = net.weights.find((w) => w.name === `${LINEAR_PATH}/bias`);
  if (!k || !b) throw new Error('setPlainLinearPath: a network without a linear path');
  const q = bias.length;
  kernel.forEach((row, i) => k.values.set(row, i * q));
  b.values.set(bias);
}

/** The linear path's kernel and bias (float32, as the direct step reads them), or null for a network without one. */
export function linearPathOf(net: PlainNetwork): { kernel: Float32Array; bias: Float32Array } | null {
  const k = net.weights.find((w) => w.name === `${LINEAR_PATH}/kernel`);
  const b = net.weights.find((w) => w.name === `${LINEAR_PATH}/bias`);
  return k && b ? { kernel: k.values.slice(), bias: b.values.slice() } : null;
}

/** The trainable weights, in the order the direct step reads them (model.trainableWeights'). */
export function trainableOf(net: PlainNetwork): PlainWeight[] {
  return net.weights.filter((w) => w.trainable);
}

/** What the direct step needs of a plain network beside its weights (train/direct.ts DirectModelInfo): names and the backend's epsilon. */
export function directInfoOf(net: PlainNetwork): { groups: string[]; flowLayers: string[]; epsilon: number } {
  return { groups: trainableOf(net).map((w) => w.group), flowLayers: net.flowLayers, epsilon: WASM_EPSILON };
}

/** model.json text and weights.bin bytes, as serializeModel writes tfjs's model of the same spec and weights. */
export function serializePlain(net: PlainNetwork): { modelJson: string; weights: Buffer } {
  const json = {
    modelTopology: net.topology,
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${LAYERS_VERSION}`,
    convertedBy: null,
    weightsManifest: [{ paths: ['weights.bin'], weights: net.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
  };
  const bytes = Buffer.concat(net.weights.map((w) => Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength)));
  return { modelJson: JSON.stringify(json), weights: bytes };
}
