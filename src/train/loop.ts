import type { NamedTensorMap, Optimizer, Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { TrainingConfig } from '../config/types.js';
import { InterruptError, UserError } from '../errors.js';
import type { Gpu } from '../gpu/device.js';
import type { Products } from '../gpu/kernels.js';
import type { FlowProbe, Slot } from '../kernels/state.js';
import type { Tf } from '../model/backend.js';
import { decodeFreely } from '../windows/index-math.js';
import type { TrainingWindows } from '../windows/training-windows.js';
import { PlainAdam } from './adam.js';
import type { EpochFlow } from './gradient-flow.js';
import { mulberry32, shuffleInPlace } from './rng.js';

export interface EpochInfo {
  /** 1-based. */
  epoch: number;
  loss: number;
  valLoss: number | null;
  /** Mean pre-clip global gradient norm over the epoch's batches. */
  gradNorm: number;
  /** Seconds spent on this epoch. */
  seconds: number;
  /** The gradient's flow (train/gradient-flow.ts), unless training.gradient_flow is false. */
  flow?: EpochFlow;
}

/**
 * Training diverged: the loss (or the gradient norm, or the validation loss) became NaN or
 * infinite, so the weights are lost; nothing of the fit is usable. Usually a learning rate too
 * high for the data; exit 2 like any setting the user can change.
 */
export class DivergedError extends UserError {}

/** The DivergedError for a non-finite `what` in `epoch`, naming the settings to change. */
export function diverged(what: string, value: number, epoch: number, cfg: TrainingConfig): DivergedError {
  const clip = cfg.clip_norm > 0 ? '' : ', or clip gradients (training.clip_norm: 1)';
  return new DivergedError(
    `training diverged in epoch ${epoch}: the ${what} became ${value}; use a smaller training.learning_rate (now ${cfg.learning_rate})${clip}`,
  );
}

/** The windows a model trains and validates on (see windows/training-windows.ts). */
export type TrainData = Omit<TrainingWindows, 'normScale'>;

export interface TrainHooks {
  /**
   * With early stopping and validation data: count the starting weights as epoch 0, so a run
   * whose training never beats them on validation ends with them (e.g. a network that only
   * corrects a fitted linear path keeps a zero correction); without validation data no epoch
   * runs. Default false.
   */
  keepInitial?: boolean;
  onEpoch?(e: EpochInfo): void;
  /** Checked between batches; true → InterruptError. */
  shouldStop?(): boolean;
  /** Train on this WebGPU device (train/gpu-loop.ts) instead of the CPU. */
  gpu?: Gpu;
  /** on the GPU: the kernel of the large products (gpu/kernels.ts Products; default auto) */
  gpuProducts?: Products;
  /** evaluation.intervals quantile: the model's outputs hold these quantile heads after the point forecast (makeLoss) */
  quantileHeads?: QuantileHeads;
  /** window.mode many-to-many: the model is an encoder-decoder (Decoder) */
  decoder?: Decoder;
  /** Train through tfjs's gradient tape even where a direct step could (train/direct.ts); for tests and benches. */
  tfjsLoop?: boolean;
}

/**
 * An encoder-decoder's training (window.mode many-to-many; windows/index-math.ts
 * encoderDecoderWindows): its windows' decoder steps hold the actual previous values, and
 * - each batch, each decoder step after the first is fed the model's own forecast of the previous
 *   value instead with probability 1 - teacherRatio (scheduled sampling; the forecasts come from
 *   one pass over the batch with the actual values, as parallel scheduled sampling makes them);
 * - the validation loss is that of free-running forecasts (decodeFreely), as the run will forecast.
 */
export interface Decoder {
  lookback: number;
  horizon: number;
  /** the target's column in a step's inputs */
  targetPos: number;
  /** the probability of feeding the actual previous value at the first and the last epoch (TrainingConfig.teacher_forcing) */
  teacherForcing: readonly [number, number];
}

/** Teacher forcing's probability in `epoch` (1-based) of `epochs`: linear from the first epoch's to the last's. */
export function teacherRatio(schedule: readonly [number, number], epoch: number, epochs: number): number {
  return epochs > 1 ? schedule[0] + ((schedule[1] - schedule[0]) * (epoch - 1)) / (epochs - 1) : schedule[1];
}

/**
 * Quantile heads after a model's point outputs (evaluation.intervals: quantile): its outputs are
 * `outputs` point forecasts, then `outputs` for each quantile of `taus`, all of the same targets.
 */
export interface QuantileHeads {
  outputs: number;
  taus: readonly number[];
}

export interface TrainResult {
  history: EpochInfo[];
  /** Epoch (1-based) whose weights the model holds at the end: the best one with early stopping, else the last; 0 for the starting weights (keepInitial). */
  bestEpoch: number;
  stoppedEarly: boolean;
  seconds: number;
  /** The weight groups of EpochInfo.flow.groupNorms: `lstm1/kernel`, `dense1/bias`, ... (classes numbered within the model). */
  groups: string[];
  /** The recurrent layers of EpochInfo.flow.steps (those on the fused kernels): `lstm1`, ... */
  flowLayers: string[];
}

/**
 * Each trainable weight's group name, in model.trainableWeights' order: its layer's class, numbered
 * within the model (`lstm1`, `lstm2`, `dense1`), and the weight's own name (`kernel`), so the
 * names do not depend on how many models the process built before.
 */
export function weightGroupNames(model: LayersModel): { groups: string[]; layers: { name: string; layer: unknown }[] } {
  const counts = new Map<string, number>();
  const byVariable = new Map<string, string>();
  const layers: { name: string; layer: unknown }[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName().toLowerCase();
    const k = (counts.get(cls) ?? 0) + 1;
    counts.set(cls, k);
    const name = `${cls}${k}`;
    layers.push({ name, layer });
    for (const w of layer.trainableWeights) byVariable.set(w.name, `${name}/${w.name.split('/').pop()}`);
  }
  return { groups: model.trainableWeights.map((w) => byVariable.get(w.name) ?? w.name), layers };
}

/**
 * The training loss of predictions against targets. With quantile heads (QuantileHeads): the loss
 * of the point outputs (the first `outputs` columns) plus, for each head, the mean pinball loss of
 * its columns against the same targets, max(tau u, (tau - 1) u) with u = target - prediction.
 */
export function makeLoss(tf: Tf, kind: TrainingConfig['loss'], heads?: QuantileHeads): (yTrue: Tensor, yPred: Tensor) => Scalar {
  const point = pointLoss(tf, kind);
  if (!heads?.taus.length) return point;
  const H = heads.outputs;
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const rows = yPred.shape[0];
      let total = point(yTrue, tf.slice(yPred, [0, 0], [rows, H]));
      heads.taus.forEach((tau, i) => {
        const u = tf.sub(yTrue, tf.slice(yPred, [0, (i + 1) * H], [rows, H]));
        total = tf.add(total, tf.mean(tf.maximum(tf.mul(tau, u), tf.mul(tau - 1, u)))) as Scalar;
      });
      return total;
    });
}

function pointLoss(tf: Tf, kind: TrainingConfig['loss']): (yTrue: Tensor, yPred: Tensor) => Scalar {
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const d = tf.sub(yPred, yTrue);
      if (kind === 'mse') return tf.mean(tf.square(d)) as Scalar;
      if (kind === 'mae') return tf.mean(tf.abs(d)) as Scalar;
      // huber, delta = 1
      const a = tf.abs(d);
      const quad = tf.minimum(a, 1);
      const lin = tf.sub(a, quad);
      return tf.mean(tf.add(tf.mul(0.5, tf.square(quad)), lin)) as Scalar;
    });
}

function makeOptimizer(tf: Tf, cfg: TrainingConfig): Optimizer {
  switch (cfg.optimizer) {
    case 'adam':
      return tf.train.adam(cfg.learning_rate);
    case 'rmsprop':
      return tf.train.rmsprop(cfg.learning_rate);
    case 'sgd':
      return tf.train.sgd(cfg.learning_rate);
  }
}

/** x [rows, steps, features] through the model with dropout off, as plain values. */
function predictRows(tf: Tf, model: LayersModel, x: Float32Array, rows: number, steps: number, features: number): Float32Array {
  return tf.tidy(() => (model.apply(tf.tensor3d(x, [rows, steps, features]), { training: false }) as Tensor).dataSync() as Float32Array);
}

/**
 * Mean loss of an encoder-decoder's free-running forecasts (decodeFreely) of the validation
 * windows, in chunks.
 */
function decodedLoss(tf: Tf, model: LayersModel, data: TrainData, dec: Decoder, lossFn: (a: Tensor, b: Tensor) => Scalar, chunk = 1024): number {
  const n = data.nVal ?? 0;
  const [, T, w] = data.xShape;
  const H = dec.horizon;
  let total = 0;
  for (let start = 0; start < n; start += chunk) {
    const size = Math.min(chunk, n - start);
    const x = data.xVal!.slice(start * T * w, (start + size) * T * w);
    const y = decodeFreely((xs, rows, steps, f) => predictRows(tf, model, xs, rows, steps, f), x, {
      n: size,
      lookback: dec.lookback,
      horizon: H,
      features: w,
      targetPos: dec.targetPos,
    });
    const v = tf.tidy(() => lossFn(tf.tensor2d(data.yVal!.subarray(start * H, (start + size) * H), [size, H]), tf.tensor2d(y, [size, H])).dataSync()[0]);
    total += v * size;
  }
  return total / n;
}

/**
 * Scheduled sampling in a batch of encoder-decoder windows (Decoder): each decoder step after the
 * first keeps the actual previous value with probability `ratio`, else takes the model's forecast
 * of it from one pass over the batch as it is.
 */
export function mixOwnForecasts(
  tf: Tf,
  model: LayersModel,
  x: Float32Array,
  rows: number,
  shape: number[],
  dec: Decoder,
  ratio: number,
  rng: () => number,
): void {
  if (ratio >= 1) return;
  const [T, w] = shape;
  mixForecasts(predictRows(tf, model, x, rows, T, w), x, rows, shape, dec, ratio, rng);
}

/** mixOwnForecasts with the model's forecasts of the batch given (`own`, [rows, horizon]; the direct step makes its own). */
export function mixForecasts(own: Float32Array, x: Float32Array, rows: number, shape: number[], dec: Decoder, ratio: number, rng: () => number): void {
  const [T, w] = shape;
  const { lookback: L, horizon: H, targetPos } = dec;
  for (let i = 0; i < rows; i++) for (let h = 1; h < H; h++) if (rng() >= ratio) x[(i * T + L + h) * w + targetPos] = own[i * H + h - 1];
}

/** The stream of scheduled sampling's draws (Decoder) of a training run with this seed. */
export const teacherStream = (seed: number) => mulberry32(seed ^ 0x7eac4e75);

/** Mean loss of model on (x, y) with dropout off, in chunks. */
export function evaluateLoss(tf: Tf, model: LayersModel, x: Tensor, y: Tensor, lossFn: (a: Tensor, b: Tensor) => Scalar, chunk = 1024): number {
  const n = x.shape[0];
  let total = 0;
  for (let start = 0; start < n; start += chunk) {
    const size = Math.min(chunk, n - start);
    const v = tf.tidy(() => {
      const xb = tf.slice(x, start, size);
      const yb = tf.slice(y, start, size);
      const pred = model.apply(xb, { training: false }) as Tensor;
      return lossFn(yb, pred);
    });
    total += v.dataSync()[0] * size;
    v.dispose();
  }
  return total / n;
}

/** Longest stretch of batches (ms) between two turns of the event loop. */
const YIELD_MS = 20;

/**
 * The windows each epoch trains on, for the CPU and GPU loops alike, so both see the same batches:
 * a seeded shuffle (the generator also draws each batch's dropout seeds), the first
 * windows_per_epoch of it, and a batch's rows copied out of data.x and data.y (one array each,
 * rather than an index tensor and two gather ops).
 */
export class Batches {
  readonly perEpoch: number;
  /** floats per window of data.x and of data.y */
  readonly xRow: number;
  readonly yRow: number;
  private readonly rng: () => number;
  private readonly order: Int32Array;

  constructor(
    private readonly data: TrainData,
    cfg: TrainingConfig,
  ) {
    const n = data.xShape[0];
    this.rng = mulberry32(cfg.seed ^ 0x5eed1234);
    // windows_per_epoch: each epoch trains on the first so many of the freshly shuffled windows
    this.perEpoch = cfg.windows_per_epoch > 0 ? Math.min(n, cfg.windows_per_epoch) : n;
    this.order = new Int32Array(n);
    for (let i = 0; i < n; i++) this.order[i] = i;
    this.xRow = data.xShape.slice(1).reduce((a, b) => a * b, 1);
    this.yRow = data.yShape.slice(1).reduce((a, b) => a * b, 1);
  }

  /** A new epoch's order. */
  shuffle(): void {
    shuffleInPlace(this.order, this.rng);
  }

  /** Copies the `rows` windows from position `start` of this epoch's order into x and y. */
  fill(start: number, rows: number, x: Float32Array, y: Float32Array): void {
    const { data, xRow, yRow } = this;
    for (let r = 0; r < rows; r++) {
      const i = this.order[start + r];
      x.set(data.x.subarray(i * xRow, (i + 1) * xRow), r * xRow);
      y.set(data.y.subarray(i * yRow, (i + 1) * yRow), r * yRow);
    }
  }

  /** A fresh, reproducible seed for one dropout layer's masks in the next batch. */
  dropoutSeed(): number {
    return 1 + Math.floor(this.rng() * 2147483646);
  }
}

/**
 * A macrotask turn now and then, so a Ctrl-C handler can run between batches (one after every
 * batch would cost small models a tenth of their training time): call turn() after each batch.
 */
export class EventLoopTurns {
  private last = performance.now();

  async turn(): Promise<void> {
    if (performance.now() - this.last <= YIELD_MS) return;
    await new Promise<void>((r) => setImmediate(r));
    this.last = performance.now();
  }
}

/**
 * Custom training loop: seeded shuffling, mini-batches, global-norm clipping, early stopping that
 * restores the best weights. Deterministic for a given cfg.seed and backend.
 */
export async function trainModel(tf: Tf, model: LayersModel, data: TrainData, cfg: TrainingConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  if (hooks.gpu) return (await import('./gpu-loop.js')).trainOnGpu(tf, hooks.gpu, model, data, cfg, hooks);
  // a model a direct step computes trains without tfjs's gradient tape (train/direct.ts)
  if (!hooks.tfjsLoop) {
    const { directNetOf, trainDirect } = await import('./direct.js');
    const net = directNetOf(model, data, cfg, hooks);
    if (typeof net !== 'string') return trainDirect(tf, model, net, data, cfg, hooks);
  }
  const t0 = performance.now();
  const n = data.xShape[0];
  if (!(n > 0)) throw new Error('no training samples');
  const batchSize = Math.max(1, Math.min(cfg.batch_size, n));
  const lossFn = makeLoss(tf, cfg.loss, hooks.quantileHeads);
  const batches = new Batches(data, cfg);
  const dropoutLayers = model.layers.filter((l) => l.getClassName() === 'Dropout') as unknown as { seed?: number }[];

  const owned: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => {
    owned.push(t);
    return t;
  };
  const { xRow, yRow, perEpoch } = batches;
  const nVal = data.nVal ?? 0;
  const hasVal = nVal > 0 && data.xVal != null && data.yVal != null;
  const xVal = hasVal ? keep(tf.tensor(data.xVal!, [nVal, ...data.xShape.slice(1)], 'float32')) : null;
  const yVal = hasVal ? keep(tf.tensor(data.yVal!, [nVal, ...data.yShape.slice(1)], 'float32')) : null;
  const dec = hooks.decoder;
  const validationLoss = () => (dec ? decodedLoss(tf, model, data, dec, lossFn) : evaluateLoss(tf, model, xVal!, yVal!, lossFn));
  // scheduled sampling's draws (Decoder), a stream of their own
  const teacherRng = teacherStream(cfg.seed);

  const vars = model.trainableWeights.map((w) => w.read() as Variable);
  // Adam (the default) steps on plain arrays, with tf.train.adam's arithmetic: same results,
  // without its per-weight tensor ops
  const adam = cfg.optimizer === 'adam' ? new PlainAdam(tf, cfg.learning_rate) : null;
  const optimizer = adam ? null : makeOptimizer(tf, cfg);
  const stopping = new EarlyStopping(cfg);
  let bestWeights: Tensor[] | null = null;
  const keepBest = () => {
    bestWeights?.forEach((t) => t.dispose());
    bestWeights = vars.map((v) => tf.clone(v));
  };
  const history: EpochInfo[] = [];
  const turns = new EventLoopTurns();
  // gradient-flow diagnostics (train/gradient-flow.ts): weight groups' norms, clipping, and the
  // signal through time of the recurrent layers on the fused kernels (their slot's probe)
  const diagnose = cfg.gradient_flow !== false;
  const { groups, layers: named } = weightGroupNames(model);
  const probed = diagnose ? named.filter((l) => (l.layer as { slot?: Slot }).slot !== undefined) : [];
  const probes = probed.map((l) => {
    const probe: FlowProbe = { sums: null, passes: 0 };
    (l.layer as { slot: Slot }).slot.flow = probe;
    return probe;
  });

  try {
    if (stopping.on && hooks.keepInitial && xVal && yVal) stopping.start(validationLoss(), keepBest);
    for (let epoch = 1; epoch <= epochsToRun(cfg, hooks, hasVal); epoch++) {
      batches.shuffle();
      const tally = new EpochTally(cfg, epoch, vars.length, diagnose);
      const ratio = dec ? teacherRatio(dec.teacherForcing, epoch, cfg.epochs) : 1;
      for (const p of probes) {
        p.sums = null;
        p.passes = 0;
      }
      for (let start = 0; start < perEpoch; start += batchSize) {
        if (hooks.shouldStop?.()) throw new InterruptError();
        const size = Math.min(batchSize, perEpoch - start);
        // fresh, reproducible dropout masks for every batch
        for (const d of dropoutLayers) d.seed = batches.dropoutSeed();
        let plainNorm = NaN;
        const squares: number[] = [];
        const stats = tf.tidy(() => {
          // fresh arrays: a backend may keep them as the tensors' storage
          const xBatch = new Float32Array(size * xRow);
          const yBatch = new Float32Array(size * yRow);
          batches.fill(start, size, xBatch, yBatch);
          if (dec) mixOwnForecasts(tf, model, xBatch, size, data.xShape.slice(1), dec, ratio, teacherRng);
          const xb = tf.tensor(xBatch, [size, ...data.xShape.slice(1)], 'float32');
          const yb = tf.tensor(yBatch, [size, ...data.yShape.slice(1)], 'float32');
          const { value, grads } = tf.variableGrads(() => lossFn(yb, model.apply(xb, { training: true }) as Tensor), vars);
          if (adam) {
            // global norm, clipping and update in one pass over plain arrays
            plainNorm = adam.step(
              vars,
              vars.map((v) => grads[v.name]),
              cfg.clip_norm,
            );
            if (diagnose) squares.push(...adam.squares);
            return value;
          }
          const names = Object.keys(grads);
          const norm = tf.sqrt(tf.addN(names.map((k) => tf.sum(tf.square(grads[k])))));
          // each weight's own sum of squares, for the diagnostics
          const own = diagnose ? vars.map((v) => (grads[v.name] ? tf.sum(tf.square(grads[v.name])) : tf.scalar(0))) : [];
          const scale = cfg.clip_norm > 0 ? tf.div(cfg.clip_norm, tf.maximum(norm, cfg.clip_norm)) : null;
          let applied: NamedTensorMap = grads;
          if (scale) {
            applied = {};
            for (const k of names) applied[k] = tf.mul(grads[k], scale);
          }
          optimizer!.applyGradients(applied);
          return tf.stack([value, norm, ...own]);
        });
        const sv = stats.dataSync();
        stats.dispose();
        tally.add(sv[0], size, adam ? plainNorm : sv[1], adam ? squares : sv.subarray(2));
        await turns.turn();
      }
      const info = tally.info(perEpoch, xVal && yVal ? validationLoss() : null, () =>
        probes.map((p) => (p.sums && p.passes ? Array.from(p.sums, (v) => v / p.passes) : [])),
      );
      history.push(info);
      hooks.onEpoch?.(info);
      if (stopping.after(epoch, info.valLoss ?? info.loss, keepBest)) break;
    }
    const best: Tensor[] | null = bestWeights;
    if (best) vars.forEach((v, i) => v.assign(best[i]));
  } finally {
    for (const l of probed) delete (l.layer as { slot: Slot }).slot.flow;
    (bestWeights as Tensor[] | null)?.forEach((t) => t.dispose());
    owned.forEach((t) => t.dispose());
    optimizer?.dispose();
    adam?.dispose();
  }
  return {
    history,
    bestEpoch: stopping.bestEpoch,
    stoppedEarly: stopping.stoppedEarly,
    seconds: (performance.now() - t0) / 1000,
    groups,
    flowLayers: probed.map((l) => l.name),
  };
}

/**
 * One epoch's figures as its batches come, for the CPU loops (the tape's and the direct step's):
 * the loss weighted by batch size, the pre-clip global norm, and with the diagnostics each weight's
 * gradient norm and the batches clipped. A loss or norm that is not finite throws DivergedError.
 */
export class EpochTally {
  private lossSum = 0;
  private normSum = 0;
  private count = 0;
  private clipped = 0;
  private readonly groupSums: Float64Array;
  private readonly t0 = performance.now();

  constructor(
    private readonly cfg: TrainingConfig,
    private readonly epoch: number,
    weights: number,
    private readonly diagnose: boolean,
  ) {
    this.groupSums = new Float64Array(diagnose ? weights : 0);
  }

  /** A batch of `size` windows: its mean loss, global norm and (diagnostics) each weight's sum of squares. */
  add(loss: number, size: number, norm: number, squares: ArrayLike<number>): void {
    const { cfg, epoch } = this;
    if (this.diagnose) {
      for (let i = 0; i < this.groupSums.length; i++) this.groupSums[i] += Math.sqrt(squares[i]);
      if (cfg.clip_norm > 0 && norm > cfg.clip_norm) this.clipped++;
    }
    // NaN or infinite: the weights are lost, and every later step would only spread them
    if (!Number.isFinite(loss)) throw diverged('loss', loss, epoch, cfg);
    if (!Number.isFinite(norm)) throw diverged('gradient norm', norm, epoch, cfg);
    this.lossSum += loss * size;
    this.normSum += norm;
    this.count++;
  }

  /**
   * The epoch's EpochInfo over `perEpoch` windows, with its validation loss and (diagnostics) the
   * flow through each layer's steps, given the number of batches added.
   */
  info(perEpoch: number, valLoss: number | null, steps: (batches: number) => number[][]): EpochInfo {
    const { cfg, epoch, count } = this;
    if (valLoss !== null && !Number.isFinite(valLoss)) throw diverged('validation loss', valLoss, epoch, cfg);
    const info: EpochInfo = { epoch, loss: this.lossSum / perEpoch, valLoss, gradNorm: this.normSum / count, seconds: (performance.now() - this.t0) / 1000 };
    if (this.diagnose) info.flow = { groupNorms: Array.from(this.groupSums, (v) => v / count), clipped: this.clipped / count, steps: steps(count) };
    return info;
  }
}

/**
 * Early stopping's bookkeeping, for the CPU and GPU loops: the best monitored loss, its epoch, the
 * epochs since. `keep` saves the current weights as the best.
 */
export class EarlyStopping {
  private best = Infinity;
  private wait = 0;
  /** weights were kept (start, or an epoch that improved) */
  kept = false;
  bestEpoch = 0;
  stoppedEarly = false;

  constructor(private readonly cfg: TrainingConfig) {}

  get on(): boolean {
    return this.cfg.early_stopping !== null;
  }

  /** The starting weights' loss, as epoch 0 (TrainHooks.keepInitial). */
  start(loss: number, keep: () => void): void {
    this.best = loss;
    this.kept = true;
    keep();
  }

  /** After an epoch: keeps the weights if the loss improved; true when training should stop. */
  after(epoch: number, monitored: number, keep: () => void): boolean {
    const es = this.cfg.early_stopping;
    if (!es) {
      this.bestEpoch = epoch;
      return false;
    }
    if (!this.kept || monitored < this.best - es.min_delta) {
      this.best = monitored;
      this.bestEpoch = epoch;
      this.wait = 0;
      this.kept = true;
      keep();
    } else if (++this.wait >= es.patience) {
      this.stoppedEarly = epoch < this.cfg.epochs;
      return true;
    }
    return false;
  }
}

/**
 * The epochs to run: keepInitial without validation data runs none (nothing could show that
 * training beats the starting weights, so they are kept).
 */
export function epochsToRun(cfg: TrainingConfig, hooks: TrainHooks, hasVal: boolean): number {
  return hooks.keepInitial && !hasVal ? 0 : cfg.epochs;
}
