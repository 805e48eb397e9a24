import type { Variable } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { TrainingConfig } from '../config/types.js';
import { InterruptError } from '../errors.js';
import { backward, type Grads } from '../kernels/backward.js';
import { forward } from '../kernels/forward.js';
import { type Activation, type Cell, gatesOf, type InitialState, peepholesOf, releaseSlot, type Slot } from '../kernels/state.js';
import type { Tf } from '../model/backend.js';
import { LINEAR_PATH, type ModelSpec } from '../model/build.js';
import { decodeFreely } from '../windows/index-math.js';
import { PlainAdam } from './adam.js';
import { gpuNetOf, type LayerVariant, recurrentKind } from './gpu-loop.js';
import {
  Batches,
  EarlyStopping,
  type EpochInfo,
  EpochTally,
  EventLoopTurns,
  epochsToRun,
  mixForecasts,
  type TrainData,
  type TrainHooks,
  type TrainResult,
  teacherRatio,
  teacherStream,
  weightGroupNames,
} from './loop.js';

/**
 * The network a direct training step computes (trainDirect): a stack of recurrent layers on the
 * fused kernels, many-to-one or one-to-one (the head on every step), hidden relu dense layers and a linear head, in model.trainableWeights'
 * order (each recurrent layer's kernel, recurrent kernel and bias, then each dense layer's kernel
 * and bias).
 */
export interface DirectNet {
  cell: Cell;
  activation: Activation;
  /** units of the recurrent layers, first to last */
  units: number[];
  /** each recurrent layer's LSTM variant (peepholes, coupled gates; null: none) */
  variants: LayerVariant[];
  /** where each recurrent layer's weights start in model.trainableWeights (kernel, recurrent kernel, bias, then a variant's peepholes), and the head's after them */
  at: number[];
  head: number;
  /** units of the hidden relu dense layers */
  dense: number[];
  /** the head's width: targets, or with quantile heads targets times (1 + taus.length) */
  outputs: number;
  /** values per window's target (with quantile heads, one block of the head's outputs) */
  targets: number;
  /** the quantile heads' levels (evaluation.intervals: quantile; block i + 1 of the head learns quantile taus[i] by the pinball loss); [] for none */
  taus: number[];
  steps: number;
  features: number;
  /** one-to-one: every layer returns its sequence and the head maps every step (targets [rows, steps, outputs]) */
  sequence: boolean;
  /** a fixed linear path from the flattened window to the outputs (model.linear): kernel [steps * features, outputs] and bias */
  linear: { kernel: Float32Array; bias: Float32Array } | null;
  /** model.dropout: the rate of the dropout after every recurrent layer (0: none) */
  dropout: number;
  /**
   * an encoder-decoder (window.mode many-to-many, model/build.ts buildEncoderDecoder): units,
   * variants and at are then its encoder's, the head maps every decoder step to one output
   * (outputs and targets 1, over rows * horizon rows), and steps is lookback + horizon
   */
  decoder: DirectDecoder | null;
}

/** An encoder-decoder's decoder: a stack of layers of the encoder's units, each starting from a state made from the encoder's context. */
export interface DirectDecoder {
  lookback: number;
  horizon: number;
  /** where each decoder layer's initial-state dense layers start (h: kernel, bias, tanh; an LSTM's c: kernel, bias, linear) */
  init: number[];
  /** where each decoder layer's own weights start */
  at: number[];
  variants: LayerVariant[];
}

/**
 * The network trainDirect trains for this model, or why the tfjs loop trains it instead (one
 * phrase): Adam, a point loss (mse, mae, huber), a many-to-one or one-to-one stack of LSTM, GRU or
 * vanilla RNN layers on the fused kernels, each followed by dropout or not, with hidden relu dense
 * layers and a linear head, with or without a fixed linear path and quantile heads (many-to-one),
 * LSTM layers with or without peepholes and coupled gates; or an encoder-decoder (decoderNetOf).
 */
export function directNetOf(model: LayersModel, data: TrainData, cfg: TrainingConfig, hooks: TrainHooks): DirectNet | string {
  if (cfg.optimizer !== 'adam') return `the ${cfg.optimizer} optimizer`;
  if (data.xShape.length !== 3) return 'windows of another shape';
  if (hooks.decoder) return decoderNetOf(model, data, hooks);
  const [, T, F] = data.xShape;
  const variants: LayerVariant[] = [];
  const net = gpuNetOf(model, T, F, variants);
  if (typeof net === 'string') return net;
  const dropout = net.dropout ?? 0;
  if (dropout > 0 && model.layers.filter((l) => l.getClassName() === 'Dropout').length !== net.units.length) return 'dropout not after every recurrent layer';
  const sequence = net.sequence === true;
  const taus = [...(hooks.quantileHeads?.taus ?? [])];
  if (taus.length && sequence) return 'quantile heads on every step';
  const perWindow = taus.length ? hooks.quantileHeads!.outputs : net.outputs;
  if (perWindow * (1 + taus.length) !== net.outputs) return 'quantile heads of another width';
  const targets = sequence ? [T, net.outputs] : [perWindow];
  if (JSON.stringify(data.yShape.slice(1)) !== JSON.stringify(targets)) return 'targets of another shape';
  if (fusedLayers(model) !== net.units.length) return 'recurrent layers off the fused kernels';
  // the weights, in the order the step reads them
  const shapes: number[][] = [];
  const at: number[] = [];
  let inputs = F;
  net.units.forEach((u, l) => {
    at.push(pushRecurrentShapes(shapes, net.cell, inputs, u, variants[l]));
    inputs = u;
  });
  const head = pushHeadShapes(shapes, inputs, [...net.dense, net.outputs]);
  if (!layoutIs(model, shapes)) return 'an unexpected weight layout';
  const lin = net.linear ? model.getLayer(LINEAR_PATH).getWeights() : null;
  const linear = lin ? { kernel: lin[0].dataSync().slice() as Float32Array, bias: lin[1].dataSync().slice() as Float32Array } : null;
  // lessLinear takes one block's linear path off the targets: every block's must be the same (fit.ts tiles it)
  if (linear && taus.length && !(tiled(linear.kernel, net.outputs, perWindow) && tiled(linear.bias, net.outputs, perWindow)))
    return 'a linear path that differs between the quantile heads';
  return {
    cell: net.cell,
    activation: net.activation ?? 'tanh',
    units: net.units,
    variants,
    at,
    head,
    dense: net.dense,
    outputs: net.outputs,
    targets: perWindow,
    taus,
    steps: T,
    features: F,
    sequence,
    linear,
    dropout,
    decoder: null,
  };
}

/**
 * directNetOf for a network built without tfjs (model/plain-build.ts), read from its spec and its
 * linear path's weights (null: none): the DirectNet directNetOf reads from tfjs's model of the same
 * spec, or why the direct step does not train it (the caller then builds it in tfjs).
 */
export function plainDirectNet(
  spec: ModelSpec,
  linear: { kernel: Float32Array; bias: Float32Array } | null,
  data: TrainData,
  cfg: TrainingConfig,
  hooks: TrainHooks,
): DirectNet | string {
  if (cfg.optimizer !== 'adam') return `the ${cfg.optimizer} optimizer`;
  if (hooks.decoder || spec.decoder || spec.dropout > 0 || spec.sequenceOutput || spec.peephole || spec.coupledGates)
    return 'a network the plain builder does not make';
  if (data.xShape.length !== 3 || data.xShape[1] !== spec.steps || data.xShape[2] !== spec.features) return 'windows of another shape';
  const taus = [...(hooks.quantileHeads?.taus ?? [])];
  const perWindow = taus.length ? hooks.quantileHeads!.outputs : spec.outputs;
  if (perWindow * (1 + taus.length) !== spec.outputs) return 'quantile heads of another width';
  if (JSON.stringify(data.yShape.slice(1)) !== JSON.stringify([perWindow])) return 'targets of another shape';
  if (linear && taus.length && !(tiled(linear.kernel, spec.outputs, perWindow) && tiled(linear.bias, spec.outputs, perWindow)))
    return 'a linear path that differs between the quantile heads';
  const shapes: number[][] = [];
  const at: number[] = [];
  let inputs = spec.features;
  for (const l of spec.layers) {
    at.push(pushRecurrentShapes(shapes, spec.cell, inputs, l.units, null));
    inputs = l.units;
  }
  const dense = spec.dense.map((d) => d.units);
  return {
    cell: spec.cell,
    activation: spec.cell === 'rnn' && spec.activation === 'relu' ? 'relu' : 'tanh',
    units: spec.layers.map((l) => l.units),
    variants: spec.layers.map(() => null),
    at,
    head: pushHeadShapes(shapes, inputs, [...dense, spec.outputs]),
    dense,
    outputs: spec.outputs,
    targets: perWindow,
    taus,
    steps: spec.steps!,
    features: spec.features,
    sequence: false,
    linear,
    dropout: 0,
    decoder: null,
  };
}

/** directNetOf for an encoder-decoder (hooks.decoder): its layers read in build order, the weights' layout checked. */
function decoderNetOf(model: LayersModel, data: TrainData, hooks: TrainHooks): DirectNet | string {
  const { lookback: Lb, horizon: Hz } = hooks.decoder!;
  if (hooks.quantileHeads?.taus.length) return 'quantile heads on an encoder-decoder';
  const [, T, F] = data.xShape;
  if (T !== Lb + Hz || JSON.stringify(data.yShape.slice(1)) !== JSON.stringify([Hz])) return 'targets of another shape';
  const rec: { cell: Cell; units: number; variant: LayerVariant; relu: boolean }[] = [];
  const dense: { units: number; activation: string }[] = [];
  const rates = new Set<number>();
  let dropouts = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const config = layer.getConfig() as Record<string, unknown>;
    const kind = recurrentKind(cls, config, true);
    if (kind) rec.push({ ...kind, units: config.units as number, relu: config.activation === 'relu' });
    else if (cls === 'Dense') dense.push({ units: config.units as number, activation: config.activation as string });
    else if (cls === 'Dropout') {
      rates.add(config.rate as number);
      dropouts++;
    } else if (!['InputLayer', 'Reshape', 'Cropping2D'].includes(cls)) return `${cls} layers`;
  }
  const L = rec.length / 2;
  if (!Number.isInteger(L) || L === 0 || new Set(rec.map((r) => r.cell)).size !== 1 || new Set(rec.map((r) => r.relu)).size !== 1)
    return 'an unexpected encoder-decoder';
  const cell = rec[0].cell;
  if (fusedLayers(model) !== rec.length) return 'recurrent layers off the fused kernels';
  const dropout = rates.size === 1 ? [...rates][0] : rates.size === 0 ? 0 : -1;
  if (dropout < 0 || (dropout > 0 && dropouts !== rec.length)) return 'dropout not after every recurrent layer';
  const perInit = cell === 'lstm' ? 2 : 1;
  const head = dense.slice(L * perInit);
  for (let j = 0; j < L; j++) {
    if (dense[j * perInit]?.activation !== 'tanh' || (cell === 'lstm' && dense[j * perInit + 1]?.activation !== 'linear')) return 'this decoder';
  }
  const out = head.pop();
  if (out?.units !== 1 || out.activation !== 'linear' || head.some((d) => d.activation !== 'relu')) return 'this dense head';
  // the weights, in the order the model builds them
  const shapes: number[][] = [];
  const at: number[] = [];
  let inputs = F;
  for (const r of rec.slice(0, L)) {
    at.push(pushRecurrentShapes(shapes, cell, inputs, r.units, r.variant));
    inputs = r.units;
  }
  const context = inputs;
  const decoder: DirectDecoder = { lookback: Lb, horizon: Hz, init: [], at: [], variants: rec.slice(L).map((r) => r.variant) };
  inputs = F;
  for (const r of rec.slice(L)) {
    decoder.init.push(shapes.length);
    for (let k = 0; k < perInit; k++) shapes.push([context, r.units], [r.units]);
    decoder.at.push(pushRecurrentShapes(shapes, cell, inputs, r.units, r.variant));
    inputs = r.units;
  }
  const headAt = pushHeadShapes(shapes, inputs, [...head.map((d) => d.units), 1]);
  if (!layoutIs(model, shapes)) return 'an unexpected weight layout';
  return {
    cell,
    activation: rec[0].relu ? 'relu' : 'tanh',
    units: rec.slice(0, L).map((r) => r.units),
    variants: rec.slice(0, L).map((r) => r.variant),
    at,
    head: headAt,
    dense: head.map((d) => d.units),
    outputs: 1,
    targets: 1,
    taus: [],
    steps: T,
    features: F,
    sequence: false,
    linear: null,
    dropout,
    decoder,
  };
}

/** The model's recurrent layers on the fused kernels. */
function fusedLayers(model: LayersModel): number {
  return model.layers.filter((l) => (l as unknown as { slot?: Slot }).slot !== undefined).length;
}

/** Appends a recurrent layer's weight shapes (kernel, recurrent kernel, bias, a variant's peepholes) to `shapes`; returns where they start. */
function pushRecurrentShapes(shapes: number[][], cell: Cell, inputs: number, units: number, variant: LayerVariant): number {
  const at = shapes.length;
  const G = gatesOf(cell, units, variant?.coupled);
  shapes.push([inputs, G], [units, G], [G]);
  if (variant?.peephole) shapes.push([peepholesOf(units, variant.coupled)]);
  return at;
}

/** Appends the head's dense layers' weight shapes (kernel, bias; `widths` after `inputs`) to `shapes`; returns where they start. */
function pushHeadShapes(shapes: number[][], inputs: number, widths: number[]): number {
  const at = shapes.length;
  for (const u of widths) {
    shapes.push([inputs, u], [u]);
    inputs = u;
  }
  return at;
}

/** Whether the model's trainable weights have exactly these shapes, in this order. */
function layoutIs(model: LayersModel, shapes: number[][]): boolean {
  return JSON.stringify(model.trainableWeights.map((w) => w.shape)) === JSON.stringify(shapes);
}

/** The recurrent layers a pass runs (an encoder-decoder's encoder's, then its decoder's), and each one's steps. */
export function layerSteps(net: DirectNet): number[] {
  if (!net.decoder) return net.units.map(() => net.steps);
  return [...net.units.map(() => net.decoder!.lookback), ...net.units.map(() => net.decoder!.horizon)];
}

/** Whether each row of `width` values in a is one block of `block` values repeated. */
function tiled(a: Float32Array, width: number, block: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== a[i - (i % width) + (i % block)]) return false;
  return true;
}

/** What one pass gives: the batch's mean loss and, after a training pass, every weight's gradient and the layers' flow. */
interface PassResult {
  loss: number;
  grads: Float32Array[];
  /** per recurrent layer, per step: the batch's root-mean-square norm of dL/dh_t (with flow) */
  flow: Float64Array[] | null;
  /** the head's outputs ([rows, outputs]) */
  pred: Float32Array;
}

/**
 * The forward pass of `batch` windows x (and with `slots` the backward pass) of net with weights ws,
 * on the fused kernels and plain arrays; `masks`: each recurrent layer's dropout multipliers
 * (dropoutMask), for a training pass. The loss is training.loss's mean over rows and outputs,
 * as the tfjs loop's pointLoss; products of the head are summed in double precision.
 */
export function directPass(
  net: DirectNet,
  ws: Float32Array[],
  x: Float32Array,
  y: Float32Array,
  batch: number,
  loss: TrainingConfig['loss'],
  slots: Slot[] | null,
  flow = false,
  masks: Float32Array[] | null = null,
): PassResult {
  if (net.decoder) return decoderPass(net, ws, x, y, batch, loss, slots, flow, masks);
  const { steps: T, sequence } = net;
  const L = net.units.length;
  let input = x;
  let I = net.features;
  for (let l = 0; l < L; l++) {
    const H = net.units[l];
    input = layerForward(net, ws, net.at[l], net.variants[l], input, batch, T, I, H, sequence || l < L - 1, slots ? slots[l] : null, masks ? masks[l] : null);
    I = H;
  }
  // one-to-one: the head maps every step's output, [rows, T, H] read as rows * T rows
  const head = headPass(net, ws, input, sequence ? batch * T : batch, I, y, loss, slots !== null);
  if (!slots || !head.d) return { loss: head.loss, grads: [], flow: null, pred: head.pred };
  const { grads } = head;
  let d = head.d;
  const flows: Float64Array[] | null = flow ? new Array(L) : null;
  for (let l = L - 1; l >= 0; l--)
    d = layerBackward(slots[l], masks ? masks[l] : null, d, sequence || l < L - 1, net.at[l], net.variants[l], grads, flows, l, T, batch).dx;
  return { loss: head.loss, grads, flow: flows, pred: head.pred };
}

/**
 * The head on `rows` rows of `input` (width I) and its loss against y; training (`train`), its
 * backward pass too: the gradients (the head's weights' so far) and dL/d its input, d.
 */
function headPass(
  net: DirectNet,
  ws: Float32Array[],
  input: Float32Array,
  rows: number,
  I: number,
  y: Float32Array,
  loss: TrainingConfig['loss'],
  train: boolean,
): { loss: number; pred: Float32Array; grads: Float32Array[]; d: Float32Array | null } {
  const acts = headForward(net, ws, input, rows, I);
  const pred = acts[acts.length - 1];
  const { loss: value, dy } = headLoss(net, pred, y, rows, loss, train);
  const grads: Float32Array[] = new Array(ws.length);
  return { loss: value, pred, grads, d: dy ? headBackward(net, ws, acts, dy, rows, grads) : null };
}

/**
 * One recurrent layer's forward pass on the kernels (its weights from ws index w), its output times
 * its dropout mask's multipliers in training (as tfjs's dropout multiplies). `init`: its initial state.
 */
function layerForward(
  net: DirectNet,
  ws: Float32Array[],
  w: number,
  variant: LayerVariant,
  input: Float32Array,
  batch: number,
  T: number,
  I: number,
  H: number,
  sequence: boolean,
  slot: Slot | null,
  mask: Float32Array | null,
  init?: InitialState,
): Float32Array {
  const { out } = forward(
    net.cell,
    input,
    ws[w],
    ws[w + 1],
    ws[w + 2],
    batch,
    T,
    I,
    H,
    sequence,
    slot,
    init,
    net.activation,
    variant ? { peephole: variant.peephole ? ws[w + 3] : null, coupled: variant.coupled } : undefined,
  );
  if (mask) for (let i = 0; i < out.length; i++) out[i] *= mask[i];
  return out;
}

/**
 * One recurrent layer's backward pass from d (dL/d its output, before its dropout `mask`): its
 * weights' gradients (from ws index w) into grads, its flow over its T steps into flows[k]; the kernels' gradients.
 */
function layerBackward(
  slot: Slot,
  mask: Float32Array | null,
  d: Float32Array,
  sequence: boolean,
  w: number,
  variant: LayerVariant,
  grads: Float32Array[],
  flows: Float64Array[] | null,
  k: number,
  T: number,
  batch: number,
): Grads {
  const g = backward(slot.state!, mask ? d.map((v, i) => v * mask[i]) : d, sequence, flows !== null);
  grads[w] = g.dW;
  grads[w + 1] = g.dU;
  grads[w + 2] = g.db;
  if (variant?.peephole) grads[w + 3] = g.dP!;
  if (flows) flows[k] = Float64Array.from({ length: T }, (_, t) => Math.sqrt((g.flow?.[t] ?? 0) / batch));
  return g;
}

/**
 * directPass of an encoder-decoder (net.decoder): the encoder's layers over the window's first
 * lookback steps, its last layer's final output (after its dropout) the context; each decoder
 * layer's initial state made from the context (h0 = tanh(context Wh + bh), an LSTM's c0 =
 * context Wc + bc), the decoder's layers over the horizon's steps, the head on every decoder step.
 * Backward, each decoder layer's initial-state gradient goes through its dense layers into the
 * context's, which goes back through the encoder.
 */
function decoderPass(
  net: DirectNet,
  ws: Float32Array[],
  x: Float32Array,
  y: Float32Array,
  batch: number,
  loss: TrainingConfig['loss'],
  slots: Slot[] | null,
  flow: boolean,
  masks: Float32Array[] | null,
): PassResult {
  const dec = net.decoder!;
  const { cell, features: F } = net;
  const { lookback: Lb, horizon: Hz } = dec;
  const T = Lb + Hz;
  const L = net.units.length;
  // the window's encoder and decoder steps, each batch-major
  const xe = new Float32Array(batch * Lb * F);
  const xd = new Float32Array(batch * Hz * F);
  for (let r = 0; r < batch; r++) {
    xe.set(x.subarray(r * T * F, (r * T + Lb) * F), r * Lb * F);
    xd.set(x.subarray((r * T + Lb) * F, (r + 1) * T * F), r * Hz * F);
  }
  let input: Float32Array = xe;
  let I = F;
  for (let l = 0; l < L; l++) {
    input = layerForward(net, ws, net.at[l], net.variants[l], input, batch, Lb, I, net.units[l], l < L - 1, slots ? slots[l] : null, masks ? masks[l] : null);
    I = net.units[l];
  }
  const context = input;
  const C = I;
  // a dense layer on the context: [batch, units]
  const dense = (W: Float32Array, b: Float32Array, units: number, tanh: boolean) => denseForward(context, W, b, batch, C, units, tanh ? 'tanh' : 'linear');
  const inits: { h0: Float32Array; c0?: Float32Array }[] = [];
  input = xd;
  I = F;
  for (let j = 0; j < L; j++) {
    const u = net.units[j];
    const at = dec.init[j];
    const init = { h0: dense(ws[at], ws[at + 1], u, true), ...(cell === 'lstm' ? { c0: dense(ws[at + 2], ws[at + 3], u, false) } : {}) };
    inits.push(init);
    input = layerForward(net, ws, dec.at[j], dec.variants[j], input, batch, Hz, I, u, true, slots ? slots[L + j] : null, masks ? masks[L + j] : null, init);
    I = u;
  }
  // the head on every decoder step: [batch, Hz, I] read as batch * Hz rows
  const head = headPass(net, ws, input, batch * Hz, I, y, loss, slots !== null);
  if (!slots || !head.d) return { loss: head.loss, grads: [], flow: null, pred: head.pred };
  const { grads } = head;
  let d = head.d;
  const flows: Float64Array[] | null = flow ? new Array(2 * L) : null;
  const dContext = new Float64Array(batch * C);
  // dense's backward: dz (dL/d its output before tanh) into its weights' gradients and the context's
  const denseBack = (at: number, dz: Float32Array, units: number) => {
    const W = ws[at];
    const { dW, db } = denseWeightGrads(context, dz, batch, C, units);
    grads[at] = dW;
    grads[at + 1] = db;
    for (let r = 0; r < batch; r++)
      for (let k = 0; k < C; k++) {
        let s = 0;
        for (let o = 0; o < units; o++) s += dz[r * units + o] * W[k * units + o];
        dContext[r * C + k] += s;
      }
  };
  for (let j = L - 1; j >= 0; j--) {
    const g = layerBackward(slots[L + j], masks ? masks[L + j] : null, d, true, dec.at[j], dec.variants[j], grads, flows, L + j, Hz, batch);
    const u = net.units[j];
    const { h0 } = inits[j];
    // through tanh: dh0 (1 - h0^2), as tfjs's tanh gradient
    denseBack(
      dec.init[j],
      g.dh0!.map((v, i) => v * (1 - h0[i] * h0[i])),
      u,
    );
    if (cell === 'lstm') denseBack(dec.init[j] + 2, g.dc0!, u);
    d = g.dx;
  }
  // the encoder: the context's gradient into its last layer's final output
  d = Float32Array.from(dContext);
  for (let l = L - 1; l >= 0; l--)
    d = layerBackward(slots[l], masks ? masks[l] : null, d, l < L - 1, net.at[l], net.variants[l], grads, flows, l, Lb, batch).dx;
  return { loss: head.loss, grads, flow: flows, pred: head.pred };
}

/** The head's layers (hidden relu dense layers, then the linear output) on `rows` rows of width I: every layer's output, acts[0] the input. */
function headForward(net: DirectNet, ws: Float32Array[], input: Float32Array, rows: number, I: number): Float32Array[] {
  const acts: Float32Array[] = [input];
  const widths = [I, ...net.dense, net.outputs];
  for (let d = 0; d < widths.length - 1; d++) {
    const K = widths[d],
      N = widths[d + 1];
    acts.push(denseForward(acts[d], ws[net.head + 2 * d], ws[net.head + 2 * d + 1], rows, K, N, d < widths.length - 2 ? 'relu' : 'linear'));
  }
  return acts;
}

/** A dense layer's output on `rows` rows of a ([rows, K]), W [K, N], b [N]: each sum b, then k ascending, in double precision. */
function denseForward(
  a: Float32Array,
  W: Float32Array,
  b: Float32Array,
  rows: number,
  K: number,
  N: number,
  activation: 'relu' | 'tanh' | 'linear',
): Float32Array {
  const z = new Float32Array(rows * N);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < N; o++) {
      let s = b[o];
      for (let k = 0; k < K; k++) s += a[r * K + k] * W[k * N + o];
      z[r * N + o] = activation === 'relu' ? (s < 0 ? 0 : s) : activation === 'tanh' ? Math.tanh(s) : s;
    }
  return z;
}

/** A dense layer's weight gradients from its input a ([rows, K]) and dL/d its output d ([rows, N]), each a sum over the rows in order. */
function denseWeightGrads(a: Float32Array, d: Float32Array, rows: number, K: number, N: number): { dW: Float32Array; db: Float32Array } {
  const dW = new Float32Array(K * N);
  const db = new Float32Array(N);
  for (let k = 0; k < K; k++)
    for (let o = 0; o < N; o++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += a[r * K + k] * d[r * N + o];
      dW[k * N + o] = s;
    }
  for (let o = 0; o < N; o++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += d[r * N + o];
    db[o] = s;
  }
  return { dW, db };
}

/** The head's backward pass from dy (dL/d output): its weights' gradients into grads, and dL/d its input. */
function headBackward(net: DirectNet, ws: Float32Array[], acts: Float32Array[], dy: Float32Array, rows: number, grads: Float32Array[]): Float32Array {
  const widths = [acts[0].length / rows, ...net.dense, net.outputs];
  let d: Float32Array = dy;
  for (let j = widths.length - 2; j >= 0; j--) {
    const K = widths[j],
      N = widths[j + 1];
    const W = ws[net.head + 2 * j];
    const a = acts[j];
    const { dW, db } = denseWeightGrads(a, d, rows, K, N);
    grads[net.head + 2 * j] = dW;
    grads[net.head + 2 * j + 1] = db;
    const da = new Float32Array(rows * K);
    for (let r = 0; r < rows; r++)
      for (let k = 0; k < K; k++) {
        // through the relu of a hidden layer (its output is acts[j], j > 0)
        if (j > 0 && a[r * K + k] <= 0) continue;
        let s = 0;
        for (let o = 0; o < N; o++) s += d[r * N + o] * W[k * N + o];
        da[r * K + k] = s;
      }
    d = da;
  }
  return d;
}

/**
 * The loss of the head's outputs `pred` ([rows, outputs]) against the targets y ([rows, targets]),
 * as the tfjs loop's makeLoss computes it, and (`grad`) its gradient in pred: the point loss's mean
 * over the first block, plus with quantile heads each block's mean pinball loss,
 * max(tau u, (tau - 1) u) for u = target - output.
 */
function headLoss(
  net: DirectNet,
  pred: Float32Array,
  y: Float32Array,
  rows: number,
  loss: TrainingConfig['loss'],
  grad: boolean,
): { loss: number; dy: Float32Array | null } {
  const O = net.outputs,
    H = net.targets;
  const count = rows * H;
  const dy = grad ? new Float32Array(rows * O) : null;
  let total = 0;
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < H; o++) {
      const e = pred[r * O + o] - y[r * H + o];
      const a = Math.abs(e);
      total += loss === 'mse' ? e * e : loss === 'mae' ? a : a <= 1 ? 0.5 * e * e : a - 0.5;
      // the gradients tfjs gives these losses (abs: 1 above zero, else -1)
      if (dy) dy[r * O + o] = (loss === 'mse' ? 2 * e : loss === 'mae' ? (e > 0 ? 1 : -1) : Math.max(-1, Math.min(1, e))) / count;
    }
  let value = total / count;
  net.taus.forEach((tau, q) => {
    // in float32, as tfjs multiplies; its maximum passes the gradient to tau u where tau u >= (tau - 1) u
    const t32 = Math.fround(tau),
      below = Math.fround(tau - 1);
    let pin = 0;
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < H; o++) {
        const at = r * O + (q + 1) * H + o;
        const u = Math.fround(y[r * H + o] - pred[at]);
        const a = Math.fround(t32 * u),
          b = Math.fround(below * u);
        pin += a >= b ? a : b;
        if (dy) dy[at] = -(a >= b ? t32 : below) / count;
      }
    value += pin / count;
  });
  return { loss: value, dy };
}

/**
 * The multipliers tfjs's dropout (tf.dropout, which the Dropout layer calls) applies to recurrent
 * layer `layer`'s output of `rows` windows: floor(u + keep) / keep for u uniform from the layer's seed, made
 * by the same tfjs operations, so that a step sees the masks the tape loop's would.
 */
export function dropoutMask(tf: Tf, net: DirectNet, rows: number, layer: number, seed: number): Float32Array {
  const keep = 1 - net.dropout;
  const L = net.units.length;
  const units = net.units[layer % L];
  const steps = layerSteps(net)[layer];
  // every layer's output is a sequence but a many-to-one stack's (or an encoder's) last
  const shape = net.sequence || layer !== L - 1 ? [rows, steps, units] : [rows, units];
  return tf.tidy(() => tf.div(tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', seed), keep)), keep).dataSync() as Float32Array);
}

/**
 * Targets y of the windows x less the linear path's forecast of each (net.linear), summed in double
 * precision. With quantile heads the path adds the same to every block of the head (its kernel is
 * tiled), so the first block's columns are taken off.
 */
export function lessLinear(net: DirectNet, x: Float32Array, y: Float32Array): Float32Array {
  const { kernel, bias } = net.linear!;
  const O = net.outputs,
    H = net.targets;
  const K = net.steps * net.features;
  const n = y.length / H;
  const out = new Float32Array(y.length);
  // each output's sum runs bias, then k ascending, as a dot product would; the loops go along the
  // kernel's rows so that its reads are contiguous
  const s = new Float64Array(H);
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < H; o++) s[o] = bias[o];
    for (let k = 0; k < K; k++) {
      const xk = x[i * K + k];
      const row = k * O;
      for (let o = 0; o < H; o++) s[o] += xk * kernel[row + o];
    }
    for (let o = 0; o < H; o++) out[i * H + o] = y[i * H + o] - s[o];
  }
  return out;
}

/**
 * trainModel's loop with each step computed directly (directPass) rather than through tfjs's
 * gradient tape: the same shuffled batches, global-norm clipping and Adam arithmetic (PlainAdam on
 * plain arrays), early stopping, figures and diagnostics; the weights live in plain arrays and go
 * back into the model's variables once, at the end. Deterministic for a given seed and thread
 * count; its bits differ from the tfjs loop's (the head's products and the loss are summed in
 * another order).
 */
export async function trainDirect(tf: Tf, model: LayersModel, net: DirectNet, given: TrainData, cfg: TrainingConfig, hooks: TrainHooks): Promise<TrainResult> {
  const vars = model.trainableWeights.map((w) => w.read() as Variable);
  const { groups, layers: named } = weightGroupNames(model);
  const flowLayers = named.filter((l) => (l.layer as { slot?: Slot }).slot !== undefined).map((l) => l.name);
  const run = await trainDirectArrays(
    vars.map((v) => Float32Array.from(v.dataSync() as Float32Array)),
    net,
    given,
    cfg,
    hooks,
    {
      groups,
      flowLayers,
      epsilon: tf.backend().epsilon(),
      // the dropout layers' masks, made by tfjs's own operations
      ...(net.dropout > 0 ? { masks: (rows: number, layer: number, seed: number) => dropoutMask(tf, net, rows, layer, seed) } : {}),
    },
  );
  vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(run.weights[i], v.shape, 'float32'))));
  return run.result;
}

/** What trainDirectArrays needs to know of the model beyond its weights. */
export interface DirectModelInfo {
  /** each trainable weight's group name, as weightGroupNames gives it (`lstm1/kernel`) */
  groups: string[];
  /** the recurrent layers' names, first to last (`lstm1`), for the gradient-flow diagnostics */
  flowLayers: string[];
  /** Adam's epsilon: the backend's (1e-7 on cpu and wasm) */
  epsilon: number;
  /** net.dropout > 0: the masks of recurrent layer `layer`'s output for a batch of `rows`, from a seed */
  masks?: (rows: number, layer: number, seed: number) => Float32Array;
}

/**
 * trainDirect on the trainable weights as arrays (`initial`, in model.trainableWeights' order, not
 * changed): the training's figures and the weights it keeps (the best epoch's, or the last). A
 * network built without tfjs (model/plain-build.ts) trains through this alone.
 */
export async function trainDirectArrays(
  initial: Float32Array[],
  net: DirectNet,
  given: TrainData,
  cfg: TrainingConfig,
  hooks: TrainHooks,
  info: DirectModelInfo,
): Promise<{ result: TrainResult; weights: Float32Array[] }> {
  const t0 = performance.now();
  // a fixed linear path adds the same to a window's forecast whatever the weights, and every point
  // loss is a function of forecast - target: the network trains on the targets less it
  const data: TrainData = net.linear
    ? {
        ...given,
        y: lessLinear(net, given.x, given.y),
        ...(given.xVal && given.yVal ? { yVal: lessLinear(net, given.xVal, given.yVal) } : {}),
      }
    : given;
  const n = data.xShape[0];
  const batchSize = Math.max(1, Math.min(cfg.batch_size, n));
  const batches = new Batches(data, cfg);
  const { xRow, yRow, perEpoch } = batches;
  const ws = initial.map((w) => w.slice());
  const adam = new PlainAdam(null, cfg.learning_rate, 0.9, 0.999, info.epsilon);
  const steps = layerSteps(net);
  const slots: Slot[] = steps.map(() => ({ state: null }));
  const xBatch = new Float32Array(batchSize * xRow);
  const yBatch = new Float32Array(batchSize * yRow);
  const nVal = data.nVal ?? 0;
  const hasVal = nVal > 0 && data.xVal != null && data.yVal != null;
  // an encoder-decoder: scheduled sampling, and validation on free-running forecasts, as the tape loop's
  const dec = net.decoder ? hooks.decoder! : null;
  const teacherRng = teacherStream(cfg.seed);
  const predict = (x: Float32Array, rows: number) => directPass(net, ws, x, new Float32Array(rows * yRow), rows, cfg.loss, null).pred;
  const validationLoss = (chunk = 1024) => {
    let total = 0;
    for (let s = 0; s < nVal; s += chunk) {
      const rows = Math.min(chunk, nVal - s);
      const x = data.xVal!.subarray(s * xRow, (s + rows) * xRow);
      const y = data.yVal!.subarray(s * yRow, (s + rows) * yRow);
      const v = dec
        ? headLoss(
            net,
            decodeFreely((xs, n) => predict(xs, n), x.slice(), {
              n: rows,
              lookback: dec.lookback,
              horizon: dec.horizon,
              features: net.features,
              targetPos: dec.targetPos,
            }),
            y,
            rows * dec.horizon,
            cfg.loss,
            false,
          ).loss
        : directPass(net, ws, x, y, rows, cfg.loss, null).loss;
      total += v * rows;
    }
    return total / nVal;
  };
  const stopping = new EarlyStopping(cfg);
  let best: Float32Array[] | null = null;
  const keepBest = () => {
    best = ws.map((w) => w.slice());
  };
  const history: EpochInfo[] = [];
  const turns = new EventLoopTurns();
  const diagnose = cfg.gradient_flow !== false;
  const { groups, flowLayers } = info;
  if (net.dropout > 0 && !info.masks) throw new Error('trainDirectArrays: dropout needs its masks');
  try {
    if (stopping.on && hooks.keepInitial && hasVal) stopping.start(validationLoss(), keepBest);
    for (let epoch = 1; epoch <= epochsToRun(cfg, hooks, hasVal); epoch++) {
      batches.shuffle();
      const tally = new EpochTally(cfg, epoch, ws.length, diagnose);
      const flowSums = diagnose ? steps.map((t) => new Float64Array(t)) : [];
      const ratio = dec ? teacherRatio(dec.teacherForcing, epoch, cfg.epochs) : 1;
      for (let start = 0; start < perEpoch; start += batchSize) {
        if (hooks.shouldStop?.()) throw new InterruptError();
        const size = Math.min(batchSize, perEpoch - start);
        // the dropout layers' seeds, drawn as the tape loop draws them, and their masks
        const masks = net.dropout > 0 ? steps.map((_, l) => info.masks!(size, l, batches.dropoutSeed())) : null;
        batches.fill(start, size, xBatch, yBatch);
        if (dec && ratio < 1) mixForecasts(predict(xBatch.subarray(0, size * xRow), size), xBatch, size, data.xShape.slice(1), dec, ratio, teacherRng);
        const r = directPass(net, ws, xBatch.subarray(0, size * xRow), yBatch.subarray(0, size * yRow), size, cfg.loss, slots, diagnose, masks);
        const g = adam.stepArrays(ws, r.grads, cfg.clip_norm);
        r.flow?.forEach((f, l) => {
          for (let t = 0; t < f.length; t++) flowSums[l][t] += f[t];
        });
        tally.add(r.loss, size, g, adam.squares);
        await turns.turn();
      }
      const figures = tally.info(perEpoch, hasVal ? validationLoss() : null, (batches) => flowSums.map((f) => Array.from(f, (v) => v / batches)));
      history.push(figures);
      hooks.onEpoch?.(figures);
      if (stopping.after(epoch, figures.valLoss ?? figures.loss, keepBest)) break;
    }
  } finally {
    for (const s of slots) releaseSlot(s);
    adam.dispose();
  }
  const weights: Float32Array[] = best ?? ws;
  return {
    result: { history, bestEpoch: stopping.bestEpoch, stoppedEarly: stopping.stoppedEarly, seconds: (performance.now() - t0) / 1000, groups, flowLayers },
    weights,
  };
}
