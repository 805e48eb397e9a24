import type { io } from '@tensorflow/tfjs-core';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { CELLS } from '../config/names.js';
import type { Tf } from './backend.js';
import { FUSED_CLASS, STOCK_CLASS, unfusableReason } from './fused/compat.js';
import { fusedLstmVariantLayer, fusedRecurrentLayer, registerFusedLayers } from './fused/index.js';
import { registerLstmVariant } from './lstm-variant.js';
import { parseModelJson, weightSpecsOf } from './saved-model.js';

export interface ModelSpec {
  cell: (typeof CELLS)[number];
  /** cell rnn: its activation (default tanh). */
  activation?: 'tanh' | 'relu';
  /** cell lstm: peephole connections (the LSTMVariant layer). */
  peephole?: boolean;
  /** cell lstm: coupled input and forget gates, i = 1 - f (the LSTMVariant layer). */
  coupledGates?: boolean;
  layers: { units: number }[];
  dropout: number;
  dense: { units: number }[];
  /** null: variable-length input, shape [null, features]. */
  steps: number | null;
  features: number;
  outputs: number;
  /** true: every recurrent layer returns sequences and the head applies to every step → [batch, steps, outputs]. */
  sequenceOutput: boolean;
  seed: number;
  /** Use the whole-sequence fused LSTM/GRU/SimpleRNN kernels (the cpu and wasm backends). */
  fused?: boolean;
  /** Add a linear path from the flattened input window to the outputs (needs fixed `steps`, no sequence output). */
  linear?: boolean;
  /**
   * An encoder-decoder (window.mode many-to-many, buildEncoderDecoder): the input's first
   * `lookback` steps are the encoder's, the next `horizon` the decoder's; `outputs` must be `horizon`.
   */
  decoder?: { lookback: number; horizon: number };
}

/** Distinct, nonzero seeds derived from one base seed (tfjs treats 0 as "unseeded"). */
function seedStream(seed: number): () => number {
  const base = Math.abs(Math.trunc(seed)) % 1_000_000;
  let i = 0;
  return () => base * 1000 + ++i;
}

/** Run fn with tfjs's "Orthogonal initializer is being called on a matrix with more than 2000 ..." warning muted. */
function withoutOrthogonalWarning<T>(fn: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Orthogonal initializer')) return;
    warn(...args);
  };
  try {
    return fn();
  } finally {
    console.warn = warn;
  }
}

/** One recurrent layer of the stack (seeds drawn in order: kernel, then recurrent kernel). */
function recurrentLayer(
  tf: Tf,
  spec: ModelSpec,
  units: number,
  returnSequences: boolean,
  nextSeed: () => number,
  extra: { inputShape?: (number | null)[] } = {},
) {
  const common = {
    units,
    returnSequences,
    kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
    recurrentInitializer: tf.initializers.orthogonal({ gain: 1, seed: nextSeed() }),
    biasInitializer: tf.initializers.zeros(),
    ...extra,
  };
  if (spec.cell === 'lstm' && (spec.peephole || spec.coupledGates)) {
    const args = { ...common, peephole: Boolean(spec.peephole), coupledGates: Boolean(spec.coupledGates) };
    return spec.fused ? fusedLstmVariantLayer(tf, args) : new (registerLstmVariant(tf).LSTMVariant)(args);
  }
  return spec.fused
    ? fusedRecurrentLayer(tf, spec.cell, spec.cell === 'rnn' ? { ...common, activation: spec.activation ?? 'tanh' } : common)
    : spec.cell === 'lstm'
      ? tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid' })
      : spec.cell === 'gru'
        ? tf.layers.gru({ ...common, recurrentActivation: 'sigmoid' })
        : tf.layers.simpleRNN({ ...common, activation: spec.activation ?? 'tanh' });
}

/** Seeded dense layers (glorot-uniform kernel, zero bias). */
function denseMaker(tf: Tf, nextSeed: () => number) {
  return (units: number, activation: 'relu' | 'linear' | 'tanh') =>
    tf.layers.dense({
      units,
      activation,
      kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
      biasInitializer: tf.initializers.zeros(),
    });
}

/**
 * The forecaster a spec describes: stacked LSTM/GRU/SimpleRNN layers (fused on cpu and wasm when
 * `spec.fused`), optional dropout and hidden dense layers, and a linear head, every initializer
 * seeded from `spec.seed`; with `spec.linear` a functional model whose output is the head plus a
 * linear path from the flattened window (set its weights with setLinearPath).
 * Input [batch, steps, features]; output [batch, outputs], or [batch, steps, outputs] with
 * `sequenceOutput` (one-to-one).
 */
export function buildModel(tf: Tf, spec: ModelSpec): LayersModel {
  if (spec.layers.length === 0) throw new Error('model needs at least one recurrent layer');
  if (spec.decoder) return buildEncoderDecoder(tf, spec, spec.decoder);
  if (spec.linear) return buildWithLinearPath(tf, spec);
  const nextSeed = seedStream(spec.seed);
  const model = tf.sequential();
  const inputShape = [spec.steps, spec.features];
  spec.layers.forEach((layer, i) => {
    const last = i === spec.layers.length - 1;
    const rnnLayer = recurrentLayer(tf, spec, layer.units, spec.sequenceOutput || !last, nextSeed, i === 0 ? { inputShape } : {});
    withoutOrthogonalWarning(() => model.add(rnnLayer));
    if (spec.dropout > 0) model.add(tf.layers.dropout({ rate: spec.dropout, seed: nextSeed() }));
  });
  // one-to-one: the dense layers apply to every step's output as they are (a dense layer maps the
  // last axis), not wrapped in TimeDistributed, whose step-by-step slicing cost more than the
  // recurrent layers themselves
  const dense = denseMaker(tf, nextSeed);
  for (const d of spec.dense) model.add(dense(d.units, 'relu'));
  model.add(dense(spec.outputs, 'linear'));
  return model;
}

/**
 * The encoder-decoder of window.mode many-to-many (sequence to sequence, as Cho et al. 2014 and
 * Sutskever et al. 2014): input [batch, lookback + horizon, features]
 * (windows/index-math.ts encoderDecoderWindows), output [batch, horizon].
 * - The encoder, the spec's recurrent stack, reads the first `lookback` steps; its last layer's
 *   final output is the context.
 * - The decoder, a stack of the same layers with weights of its own, reads the `horizon` decoder
 *   steps (each holds the previous value and how far ahead the step is) from initial states made
 *   from the context: h0 = tanh(W c + b) for each layer, and for an LSTM c0 = W' c + b'.
 * - The head (the hidden dense layers, then one linear output) is applied at every decoder step.
 * Standard layers only (the two parts are cut from the one input by Cropping2D on a reshaped
 * view), so the model saves, and loads in tfjs, like the others.
 */
function buildEncoderDecoder(tf: Tf, spec: ModelSpec, { lookback: L, horizon: H }: { lookback: number; horizon: number }): LayersModel {
  if (spec.outputs !== H || spec.sequenceOutput || spec.linear) throw new Error('an encoder-decoder forecasts its horizon, one output per decoder step');
  const F = spec.features;
  const nextSeed = seedStream(spec.seed);
  const input = tf.input({ shape: [L + H, F] });
  const grid = tf.layers.reshape({ targetShape: [L + H, F, 1] }).apply(input) as SymbolicTensor;
  const part = (from: number, steps: number) =>
    tf.layers.reshape({ targetShape: [steps, F] }).apply(
      tf.layers
        .cropping2D({
          cropping: [
            [from, L + H - from - steps],
            [0, 0],
          ],
        })
        .apply(grid) as SymbolicTensor,
    ) as SymbolicTensor;
  const dropout = (t: SymbolicTensor) => (spec.dropout > 0 ? (tf.layers.dropout({ rate: spec.dropout, seed: nextSeed() }).apply(t) as SymbolicTensor) : t);
  let h = part(0, L);
  spec.layers.forEach((layer, i) => {
    const rnnLayer = recurrentLayer(tf, spec, layer.units, i < spec.layers.length - 1, nextSeed);
    h = dropout(withoutOrthogonalWarning(() => rnnLayer.apply(h) as SymbolicTensor));
  });
  const context = h;
  const dense = denseMaker(tf, nextSeed);
  let d = part(L, H);
  for (const layer of spec.layers) {
    const state = [dense(layer.units, 'tanh').apply(context) as SymbolicTensor];
    if (spec.cell === 'lstm') state.push(dense(layer.units, 'linear').apply(context) as SymbolicTensor);
    const rnnLayer = recurrentLayer(tf, spec, layer.units, true, nextSeed);
    d = dropout(withoutOrthogonalWarning(() => rnnLayer.apply(d, { initialState: state }) as SymbolicTensor));
  }
  // every decoder step's head: dense layers on the last axis (as the one-to-one head)
  for (const u of spec.dense) d = dense(u.units, 'relu').apply(d) as SymbolicTensor;
  d = dense(1, 'linear').apply(d) as SymbolicTensor;
  const out = tf.layers.reshape({ targetShape: [H] }).apply(d) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Name of the dense layer of the linear path (kernel [steps * features, outputs], bias [outputs]). */
export const LINEAR_PATH = 'linear_path';

/**
 * input [batch, steps, features] -> recurrent stack -> dense head, plus a linear map of the
 * flattened input window, summed -> [batch, outputs]. The linear path is not trained by
 * gradient descent: the caller sets it (setLinearPath, e.g. to a ridge regression fitted on the
 * training windows) and the network learns what it leaves. Standard layers only, so it saves
 * and loads like the sequential model.
 */
function buildWithLinearPath(tf: Tf, spec: ModelSpec): LayersModel {
  if (spec.steps === null || spec.sequenceOutput) throw new Error('a linear path needs a fixed window and one output vector');
  const nextSeed = seedStream(spec.seed);
  const input = tf.input({ shape: [spec.steps, spec.features] });
  let h = input as SymbolicTensor;
  spec.layers.forEach((layer, i) => {
    const rnnLayer = recurrentLayer(tf, spec, layer.units, i < spec.layers.length - 1, nextSeed);
    h = withoutOrthogonalWarning(() => rnnLayer.apply(h) as SymbolicTensor);
    if (spec.dropout > 0) h = tf.layers.dropout({ rate: spec.dropout, seed: nextSeed() }).apply(h) as SymbolicTensor;
  });
  const dense = denseMaker(tf, nextSeed);
  for (const d of spec.dense) h = dense(d.units, 'relu').apply(h) as SymbolicTensor;
  // the head starts at zero, so the untrained model forecasts what the linear path does
  const head = tf.layers
    .dense({ units: spec.outputs, activation: 'linear', kernelInitializer: tf.initializers.zeros(), biasInitializer: tf.initializers.zeros() })
    .apply(h) as SymbolicTensor;
  const flat = tf.layers.flatten().apply(input) as SymbolicTensor;
  const lin = tf.layers
    .dense({
      name: LINEAR_PATH,
      units: spec.outputs,
      activation: 'linear',
      trainable: false,
      kernelInitializer: tf.initializers.zeros(),
      biasInitializer: tf.initializers.zeros(),
    })
    .apply(flat) as SymbolicTensor;
  const out = tf.layers.add().apply([head, lin]) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Set the linear path of a model built with `linear: true`: kernel rows [steps * features] of [outputs], then the bias. */
export function setLinearPath(tf: Tf, model: LayersModel, kernel: Float64Array[], bias: Float64Array): void {
  const layer = model.getLayer(LINEAR_PATH);
  const p = kernel.length,
    q = bias.length;
  const k = new Float32Array(p * q);
  kernel.forEach((row, i) => k.set(row, i * q));
  const w = [tf.tensor2d(k, [p, q]), tf.tensor1d(Float32Array.from(bias))];
  layer.setWeights(w);
  w.forEach((t) => t.dispose());
}

function concatWeightData(data: io.WeightData | undefined): Buffer {
  if (data == null) return Buffer.alloc(0);
  const parts = Array.isArray(data) ? data : [data];
  return Buffer.concat(parts.map((b) => Buffer.from(new Uint8Array(b))));
}

/** Serialize to the standard tfjs layers-model format: model.json text + weights.bin bytes. */
export async function serializeModel(model: LayersModel): Promise<{ modelJson: string; weights: Buffer }> {
  let out: { modelJson: string; weights: Buffer } | null = null;
  const handler: io.IOHandler = {
    save: async (artifacts: io.ModelArtifacts) => {
      const weights = concatWeightData(artifacts.weightData);
      const json: Record<string, unknown> = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
      out = { modelJson: canonicalNames(JSON.stringify(json)), weights };
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    },
  };
  await model.save(handler);
  if (!out) throw new Error('model serialization produced nothing');
  return out;
}

/**
 * Switches the recurrent class names of a saved topology between the stock layers and the fused
 * ones: with `fused`, LSTM/GRU layers whose config the kernels compute exactly become
 * FusedLSTM/FusedGRU (same layer names, so the weights still match), and LSTMVariant layers
 * FusedLSTMVariant; without it, fused class
 * names (in runs saved before models were written with stock names) become stock ones.
 */
function withRecurrentClasses(node: unknown, fused: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => withRecurrentClasses(n, fused));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = withRecurrentClasses(v, fused);
  const cls = out.class_name;
  const config = out.config as Record<string, unknown> | undefined;
  if (fused && (cls === 'LSTM' || cls === 'GRU' || cls === 'SimpleRNN') && config && unfusableReason(config, cls === 'SimpleRNN') === null)
    out.class_name = FUSED_CLASS[cls];
  else if (fused && cls === 'LSTMVariant') out.class_name = FUSED_CLASS[cls];
  else if (!fused && (cls === 'FusedLSTM' || cls === 'FusedGRU' || cls === 'FusedSimpleRNN' || cls === 'FusedLSTMVariant')) out.class_name = STOCK_CLASS[cls];
  return out;
}

/**
 * Inverse of serializeModel. `fused`: run LSTM/GRU layers on the fused kernels (the cpu and wasm
 * backends); otherwise they load as tfjs's stock layers.
 */
export async function loadModelFromFiles(tf: Tf, modelJson: string, weights: Uint8Array, opts: { fused?: boolean } = {}): Promise<LayersModel> {
  const json = parseModelJson(modelJson);
  const fused = Boolean(opts.fused);
  const modelTopology = withRecurrentClasses(json.modelTopology, fused) as object;
  if (fused) registerFusedLayers(tf);
  else registerLstmVariant(tf);
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return withoutOrthogonalWarning(() =>
    tf.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs: weightSpecsOf(json), weightData, trainingConfig: json.trainingConfig })),
  );
}

/**
 * model.json text with the model's and its layers' generated names numbered within the model
 * (`dense_Dense7`, `dense_Dense9` -> `dense_Dense1`, `dense_Dense2`; `model3` -> `model1`), as the
 * first model built in a process is named. TensorFlow.js numbers names by a process-wide counter,
 * so without this a model's file would depend on how many models the process built before it (a
 * panel's series, trained in one process or in shards, would differ in their names). Weight names
 * (`dense_Dense7/kernel`) follow their layer's.
 */
export function canonicalNames(modelJson: string): string {
  const json = JSON.parse(modelJson) as { modelTopology?: { config?: { name?: string; layers?: { name?: string; config?: { name?: string } }[] } } };
  const config = json.modelTopology?.config;
  if (!config) return modelJson;
  const names = [config.name, ...(config.layers ?? []).map((l) => l.name ?? l.config?.name)].filter((n): n is string => typeof n === 'string');
  const counts = new Map<string, number>();
  const rename = new Map<string, string>();
  for (const name of names) {
    const m = /^(.*?)(\d+)$/.exec(name);
    if (!m || rename.has(name)) continue;
    const k = (counts.get(m[1]) ?? 0) + 1;
    counts.set(m[1], k);
    rename.set(name, `${m[1]}${k}`);
  }
  if ([...rename].every(([a, b]) => a === b)) return modelJson;
  return modelJson.replace(/"((?:[^"\\]|\\.)*)"/g, (whole, s: string) => {
    const slash = s.indexOf('/');
    const head = slash < 0 ? s : s.slice(0, slash);
    const to = rename.get(head);
    return to === undefined ? whole : `"${to}${slash < 0 ? '' : s.slice(slash)}"`;
  });
}
