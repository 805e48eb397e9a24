import type { Variable } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { TrainingConfig } from '../config/types.js';
import { InterruptError, UserError } from '../errors.js';
import type { Gpu } from '../gpu/device.js';
import type { GpuNet } from '../gpu/trainer.js';
import type { Slot } from '../kernels/state.js';
import type { Tf } from '../model/backend.js';
import { LINEAR_PATH } from '../model/build.js';
import {
  Batches,
  diverged,
  EarlyStopping,
  type EpochInfo,
  EventLoopTurns,
  epochsToRun,
  type TrainData,
  type TrainHooks,
  type TrainResult,
  weightGroupNames,
} from './loop.js';

const RECURRENT: Record<string, GpuNet['cell']> = { LSTM: 'lstm', FusedLSTM: 'lstm', GRU: 'gru', FusedGRU: 'gru', SimpleRNN: 'rnn', FusedSimpleRNN: 'rnn' };
const PASSIVE = new Set(['InputLayer', 'Flatten', 'Add']);
const VARIANT = new Set(['LSTMVariant', 'FusedLSTMVariant']);

/** An LSTM variant's settings (model.peephole, model.coupled_gates), or null for a plain recurrent layer. */
export type LayerVariant = { peephole: boolean; coupled: boolean } | null;

/** A recurrent layer's cell and LSTM variant from its class and config (LSTM variants only when `variants`), or null for another layer. */
export function recurrentKind(cls: string, config: Record<string, unknown>, variants: boolean): { cell: GpuNet['cell']; variant: LayerVariant } | null {
  if (variants && VARIANT.has(cls))
    return { cell: 'lstm', variant: { peephole: Boolean(config.peephole), coupled: Boolean(config.coupledGates ?? config.coupled_gates) } };
  return RECURRENT[cls] ? { cell: RECURRENT[cls], variant: null } : null;
}

/**
 * The network the GPU trains for this model, or why it cannot (one phrase): the WebGPU path trains
 * LSTM, GRU and vanilla RNN stacks, many-to-one or one-to-one, with hidden relu dense layers, a
 * linear head, an optional fixed linear path, dropout after the recurrent layers. Given
 * `variants`, LSTM variants are read too (as LSTM layers) and each recurrent layer's variant is
 * pushed onto it, first to last (the direct step trains them; the GPU does not).
 */
export function gpuNetOf(model: LayersModel, steps: number, features: number, variants?: LayerVariant[]): GpuNet | string {
  const net: GpuNet = { cell: 'lstm', units: [], dense: [], steps, features, outputs: 0, linear: false };
  const cells = new Set<string>();
  const widths: { units: number; activation: string }[] = [];
  let lastReturnsSequences = false;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const config = layer.getConfig() as Record<string, unknown>;
    const kind = recurrentKind(cls, config, variants !== undefined);
    if (kind) {
      // (train/direct.ts) `variants` gets each recurrent layer's LSTM variant
      variants?.push(kind.variant);
      lastReturnsSequences = Boolean(config.returnSequences ?? config.return_sequences);
      cells.add(kind.cell);
      net.units.push(config.units as number);
      if (kind.cell === 'rnn' && config.activation === 'relu') net.activation = 'relu';
      else if (kind.cell === 'rnn' && config.activation !== 'tanh') return `a vanilla RNN with activation ${config.activation}`;
    } else if (cls === 'Dense' && layer.name === LINEAR_PATH) net.linear = true;
    else if (cls === 'Dense') {
      // a dense layer on a recurrent stack's every step (one-to-one; runs saved before rnnfc dropped
      // the TimeDistributed wrapper have that instead, below)
      if (lastReturnsSequences) net.sequence = true;
      widths.push({ units: config.units as number, activation: config.activation as string });
    } else if (cls === 'TimeDistributed') {
      // one-to-one: the dense layers on every step
      const inner = config.layer as { className: string; config: Record<string, unknown> };
      if (inner.className !== 'Dense') return `TimeDistributed ${inner.className} layers`;
      net.sequence = true;
      widths.push({ units: inner.config.units as number, activation: inner.config.activation as string });
    } else if (cls === 'Dropout') {
      const rate = config.rate as number;
      if (net.dropout !== undefined && net.dropout !== rate) return 'dropout at different rates';
      net.dropout = rate;
    } else if (!PASSIVE.has(cls)) return `${cls} layers`;
  }
  if (cells.size !== 1 || net.units.length === 0) return 'a model without one kind of LSTM, GRU or vanilla RNN layer';
  net.cell = [...cells][0] as GpuNet['cell'];
  const head = widths.pop();
  if (!head) return 'a model without a dense head';
  if (head.activation !== 'linear' || widths.some((w) => w.activation !== 'relu')) return 'this dense head';
  net.dense = widths.map((w) => w.units);
  net.outputs = head.units;
  return net;
}

/**
 * trainModel's loop with every training step on the GPU (gpu/trainer.ts): the same shuffling,
 * batches, clipping, Adam, early stopping and figures, the model's weights read back once at the
 * end. The epoch's figures are read from the GPU once an epoch, so a diverged loss is found at
 * the end of its epoch. Refuses (exit 2) a model the GPU path does not train.
 */
export async function trainOnGpu(tf: Tf, gpu: Gpu, model: LayersModel, data: TrainData, cfg: TrainingConfig, hooks: TrainHooks): Promise<TrainResult> {
  const t0 = performance.now();
  const [n, T, F] = data.xShape;
  if (!(n > 0)) throw new Error('no training samples');
  const net = gpuNetOf(model, T, F);
  if (typeof net === 'string') throw new UserError(`backend "webgpu" does not train ${net} yet; use --backend wasm (or cpu) for this model`);
  const { GpuTrainer, largestBuffer } = await import('../gpu/trainer.js');
  const batchSize = Math.max(1, Math.min(cfg.batch_size, n));
  const diagnose = cfg.gradient_flow !== false;
  // a buffer over the adapter's limit fails inside the GPU's queue, far from its cause: refuse it here
  const limit = Math.min(gpu.device.limits.maxStorageBufferBindingSize, gpu.device.limits.maxBufferSize);
  const big = largestBuffer(net, batchSize);
  if (4 * big.floats > limit) {
    const fits = Math.floor(batchSize * (limit / (4 * big.floats)));
    const mib = (b: number) => (b / 2 ** 20).toFixed(0);
    throw new UserError(
      `backend "webgpu": ${big.what} need a GPU buffer of ${mib(4 * big.floats)} MiB, more than this adapter's ${mib(limit)} MiB; use a training.batch_size of at most ${fits} (now ${batchSize}), a shorter window or fewer units`,
    );
  }
  gpu.device.pushErrorScope('out-of-memory');
  const trainer = new GpuTrainer(gpu, net, {
    batch: batchSize,
    loss: cfg.loss,
    learningRate: cfg.learning_rate,
    clipNorm: cfg.clip_norm,
    optimizer: cfg.optimizer,
    epsilon: tf.backend().epsilon(),
    flow: diagnose,
    products: hooks.gpuProducts,
  });
  const oom = await gpu.device.popErrorScope();
  if (oom) {
    trainer.destroy();
    throw new UserError(
      `backend "webgpu": the GPU ran out of memory for this model (${oom.message}); use a smaller training.batch_size, a shorter window or fewer units`,
    );
  }
  const vars = model.trainableWeights.map((w) => w.read() as Variable);
  try {
    const lin = net.linear ? model.getLayer(LINEAR_PATH).getWeights() : null;
    trainer.setWeights(
      vars.map((v) => v.dataSync() as Float32Array),
      lin ? { kernel: lin[0].dataSync() as Float32Array, bias: lin[1].dataSync() as Float32Array } : undefined,
    );
    const batches = new Batches(data, cfg);
    const { xRow, yRow, perEpoch } = batches;
    const xBatch = new Float32Array(batchSize * xRow);
    const yBatch = new Float32Array(batchSize * yRow);
    const nVal = data.nVal ?? 0;
    const hasVal = nVal > 0 && data.xVal != null && data.yVal != null;
    /** queues the validation windows' loss (read with the epoch's sums) */
    const evaluate = () => {
      for (let s = 0; s < nVal; s += batchSize) {
        const rows = Math.min(batchSize, nVal - s);
        trainer.evaluate(data.xVal!.subarray(s * xRow, (s + rows) * xRow), data.yVal!.subarray(s * yRow, (s + rows) * yRow), rows);
      }
    };
    const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout');
    const stopping = new EarlyStopping(cfg);
    const keep = () => trainer.snapshot();
    const history: EpochInfo[] = [];
    const { groups, layers: named } = weightGroupNames(model);
    const flowLayers = named.filter((l) => (l.layer as { slot?: Slot }).slot !== undefined).map((l) => l.name);
    const turns = new EventLoopTurns();

    if (stopping.on && hooks.keepInitial && hasVal) {
      trainer.resetSums();
      evaluate();
      stopping.start((await trainer.sums()).evalLoss / nVal, keep);
    }
    for (let epoch = 1; epoch <= epochsToRun(cfg, hooks, hasVal); epoch++) {
      const te = performance.now();
      batches.shuffle();
      trainer.resetSums();
      let count = 0;
      for (let start = 0; start < perEpoch; start += batchSize) {
        if (hooks.shouldStop?.()) throw new InterruptError();
        const size = Math.min(batchSize, perEpoch - start);
        batches.fill(start, size, xBatch, yBatch);
        // the dropout masks' seeds, drawn as the CPU loop draws them
        const seeds = dropouts.map(() => batches.dropoutSeed());
        trainer.step(xBatch.subarray(0, size * xRow), yBatch.subarray(0, size * yRow), size, seeds);
        count++;
        await turns.turn();
      }
      if (hasVal) evaluate();
      const sums = await trainer.sums();
      const loss = sums.loss / perEpoch;
      const gradNorm = sums.norms / count;
      if (!Number.isFinite(loss)) throw diverged('loss', loss, epoch, cfg);
      if (!Number.isFinite(gradNorm)) throw diverged('gradient norm', gradNorm, epoch, cfg);
      const valLoss = hasVal ? sums.evalLoss / nVal : null;
      if (valLoss !== null && !Number.isFinite(valLoss)) throw diverged('validation loss', valLoss, epoch, cfg);
      const info: EpochInfo = { epoch, loss, valLoss, gradNorm, seconds: (performance.now() - te) / 1000 };
      if (diagnose)
        info.flow = {
          groupNorms: sums.groups.map((v) => v / count),
          clipped: sums.clipped / count,
          steps: sums.flow.map((steps) => steps.map((v) => v / count)),
        };
      history.push(info);
      hooks.onEpoch?.(info);
      if (stopping.after(epoch, valLoss ?? loss, keep)) break;
    }
    if (stopping.kept) trainer.snapshot(true);
    const weights = await trainer.getWeights();
    vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(weights[i], v.shape, 'float32'))));
    return { history, bestEpoch: stopping.bestEpoch, stoppedEarly: stopping.stoppedEarly, seconds: (performance.now() - t0) / 1000, groups, flowLayers };
  } finally {
    trainer.destroy();
  }
}
