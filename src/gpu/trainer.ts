/// <reference types="@webgpu/types" />

import { gatesOf } from '../kernels/state.js';
import type { Gpu } from './device.js';
import {
  bindings,
  dispatch1d,
  download,
  type F32,
  floats,
  type Kernel,
  MatMul,
  Permute,
  type Products,
  packFields,
  pipelineOf,
  type Strided,
  uniforms,
  write,
} from './kernels.js';
import { type GpuCell, GpuRecurrent } from './recurrent.js';

/**
 * A forecaster the GPU trains whole: stacked LSTM, GRU or vanilla RNN layers, hidden dense layers
 * with relu, a linear head and, with `linear`, a fixed linear path from the flattened window added
 * to the head (model/build.ts's layouts). Many-to-one: the head reads the top
 * layer's last step, y is [B, outputs]; `sequence` (one-to-one): the head reads every step, y is
 * [B, steps, outputs].
 */
export interface GpuNet {
  cell: GpuCell;
  /** the vanilla RNN's activation (default tanh) */
  activation?: 'tanh' | 'relu';
  units: number[];
  dense: number[];
  steps: number;
  features: number;
  outputs: number;
  linear: boolean;
  sequence?: boolean;
  /** dropout after every recurrent layer (its output as the layer above or the head reads it); 0: none */
  dropout?: number;
}

export interface GpuTrainOptions {
  /** tf.train's arithmetic for each (rmsprop: decay 0.9, no momentum, not centered) */
  optimizer: 'adam' | 'sgd' | 'rmsprop';
  /** rows per batch: every batch runs at this size, a shorter one padded with rows of zero gradient */
  batch: number;
  loss: 'mse' | 'mae' | 'huber';
  learningRate: number;
  /** global-norm clipping (0: none) */
  clipNorm: number;
  /** Adam's and RMSProp's epsilon (tfjs's backend epsilon) */
  epsilon: number;
  /** measure the gradient's flow through time (per step of each recurrent layer) */
  flow: boolean;
  /** the kernel of the large products (default auto: tiled where they are large enough) */
  products?: Products;
}

/** What the batches since the last reset added up (TrainModel's epoch figures). */
export interface GpuEpochSums {
  /** sum over the training batches of their mean loss times their rows */
  loss: number;
  /** sum of the batches' global gradient norms (before clipping) */
  norms: number;
  /** batches whose norm exceeded clipNorm */
  clipped: number;
  /** per trainable weight, the sum of its gradient's norms */
  groups: number[];
  /** per recurrent layer and step, the sum over batches of the batch's RMS norm of dL/dh_t */
  flow: number[][];
  /** sum over the evaluation batches of their mean loss times their rows */
  evalLoss: number;
}

const LOSS_KIND = { mse: 0, mae: 1, huber: 2 } as const;

/**
 * The largest buffer a trainer for this network and batch holds, in floats, and what it is: a
 * layer's gates (and their gradients) over all steps, its input, or the head's rows.
 */
export function largestBuffer(net: GpuNet, batch: number): { floats: number; what: string } {
  const T = net.steps;
  const rows = (net.sequence ? T : 1) * batch;
  const sizes: { floats: number; what: string }[] = [{ floats: T * batch * net.features, what: 'the input windows' }];
  net.units.forEach((H, l) => sizes.push({ floats: T * batch * gatesOf(net.cell, H), what: `recurrent layer ${l + 1}'s gates over the window` }));
  for (const n of [...net.dense, net.outputs]) sizes.push({ floats: rows * n, what: 'a dense layer' });
  return sizes.reduce((a, b) => (b.floats > a.floats ? b : a));
}

const B1 = 0.9;
const B2 = 0.999;
/** tf.train.rmsprop's default decay */
const RHO = 0.9;
const f32 = Math.fround;

/**
 * The whole training step on the GPU: a batch goes in (writeBuffer), and forward (dropout included),
 * loss, backward, the global norm, clipping and the optimizer run in one submission; the figures the epoch reports add up
 * in a GPU buffer, read once an epoch (sums()). Weights in model.trainableWeights' order: per
 * recurrent layer kernel, recurrent kernel, bias; per dense layer (then the head) kernel, bias.
 * Nothing is allocated per batch.
 */
export class GpuTrainer {
  private readonly layers: GpuRecurrent[];
  /** dense layers then the head: kernel, bias, output [B, n], their gradients, the output's gradient */
  private readonly dense: { W: GPUBuffer; b: GPUBuffer; out: GPUBuffer; dW: GPUBuffer; db: GPUBuffer; dOut: GPUBuffer; n: number }[] = [];
  private readonly xStage: GPUBuffer;
  private readonly y: GPUBuffer;
  /** one-to-one: y as it comes, batch-major (y holds it time-major) */
  private readonly yStage: GPUBuffer;
  private readonly linW: GPUBuffer | null;
  private readonly linB: GPUBuffer | null;
  private readonly batchU: GPUBuffer;
  private readonly stats: GPUBuffer;
  private readonly flowAcc: GPUBuffer[];
  private readonly weights: GPUBuffer[];
  private readonly grads: GPUBuffer[];
  private readonly sizes: number[];
  private readonly snapshots: GPUBuffer[] = [];
  private readonly own: GPUBuffer[] = [];
  private readonly ownOps: { destroy(): void }[] = [];
  private readonly forwardOps: { encode(pass: GPUComputePassEncoder): void }[] = [];
  private readonly headBackOps: { encode(pass: GPUComputePassEncoder): void }[] = [];
  /** dropout: per recurrent layer l, what runs between layer l+1's backward and layer l's */
  private readonly backBetween: Op[] = [];
  private readonly seeds: GPUBuffer;
  private readonly updateOps: { encode(pass: GPUComputePassEncoder): void }[] = [];
  private readonly trainLoss: GPUBindGroup;
  private readonly evalLossGroup: GPUBindGroup;
  private readonly flowOps: { group: GPUBindGroup; T: number }[] = [];
  private accB1 = f32(B1);
  private accB2 = f32(B2);
  private readonly statsLength: number;

  constructor(
    private readonly gpu: Gpu,
    readonly net: GpuNet,
    readonly opts: GpuTrainOptions,
  ) {
    const { steps: T, features: F, outputs: O } = net;
    const B = opts.batch;
    if (net.sequence && net.linear) throw new Error('gpu trainer: a linear path needs one output vector per window, not one-to-one');
    const mk = (n: number, label: string) => {
      const b = floats(gpu, n, label);
      this.own.push(b);
      return b;
    };
    const uni = (fields: (number | F32)[], label: string) => {
      const b = uniforms(gpu, fields, label);
      this.own.push(b);
      return b;
    };
    this.xStage = mk(B * T * F, 'x batch-major');
    // the head's rows: the top layer's last step (B), or every step, time-major (T * B)
    const seq = net.sequence === true;
    const R = seq ? T * B : B;
    this.y = mk(R * O, 'y');
    this.yStage = seq ? mk(R * O, 'y batch-major') : this.y;
    this.batchU = gpu.device.createBuffer({ size: 16, usage: 0x40 | 0x8, label: 'batch' });
    this.own.push(this.batchU);

    // dropout after each recurrent layer: its mask from the batch's seed per layer (DROPOUT)
    const rate = net.dropout ?? 0;
    this.seeds = mk(net.units.length, 'dropout seeds');
    const dropOp = (kernel: 'DROPOUT' | 'DROPOUT_BACK', n: number, off: number, layer: number, src: GPUBuffer, dst: GPUBuffer) =>
      new Op(gpu, kernel, [this.batchU, uni([n, off, layer, { f32: rate }], 'dropout'), this.seeds, src, dst], 'n', n);
    // recurrent layers: each reads the one below's hs (through dropout: a copy), and writes its
    // input's gradient into the one below's dhs (made with the layer below, handed up; through
    // dropout: into a copy that DROPOUT_BACK masks into it after this layer's backward)
    this.layers = [];
    const dropped: (Op | null)[] = [];
    let belowDhs: GPUBuffer | undefined;
    net.units.forEach((H, l) => {
      const below = this.layers[l - 1];
      let x = below?.hs;
      let dx = belowDhs;
      if (below && rate > 0) {
        const n = T * B * below.H;
        x = mk(n, 'dropped input');
        dx = mk(n, 'dropped input gradient');
        dropped[l - 1] = dropOp('DROPOUT', n, 0, l - 1, below.hs, x);
        this.backBetween[l - 1] = dropOp('DROPOUT_BACK', n, 0, l - 1, dx, below.dhs);
      }
      const dhs = l < net.units.length - 1 ? mk(T * B * H, 'dhs') : undefined;
      this.layers.push(
        new GpuRecurrent(gpu, net.cell, B, T, l ? net.units[l - 1] : F, H, false, {
          x,
          dhs,
          dx,
          noDx: l === 0,
          activation: net.activation,
          products: opts.products,
        }),
      );
      belowDhs = dhs;
    });
    const top = this.layers[this.layers.length - 1];
    const Htop = net.units[net.units.length - 1];
    const permute = new Permute(gpu, B, T, F, 0, this.xStage, this.layers[0].x);
    this.ownOps.push(permute);
    this.forwardOps.push(permute);
    this.layers.forEach((layer, l) => {
      this.forwardOps.push({ encode: (pass) => layer.encodeForward(pass) });
      const d = dropped[l];
      if (d) this.forwardOps.push(d);
    });
    if (seq) {
      const py = new Permute(gpu, B, T, O, 0, this.yStage, this.y);
      this.ownOps.push(py);
      this.forwardOps.push(py);
    }

    // the head: dense layers from the top layer's last step, or from every step (through dropout: a copy)
    const headOff = seq ? 0 : (T - 1) * B * Htop;
    const headIn = rate > 0 ? { buf: mk(R * Htop, 'dropped head input'), off: 0 } : { buf: top.hs, off: headOff };
    if (rate > 0) this.forwardOps.push(dropOp('DROPOUT', R * Htop, headOff, this.layers.length - 1, top.hs, headIn.buf));
    let inBuf = headIn.buf;
    let inOff = headIn.off;
    let inN = Htop;
    const widths = [...net.dense, O];
    widths.forEach((n, k) => {
      const last = k === widths.length - 1;
      const d = {
        W: mk(inN * n, 'dense W'),
        b: mk(n, 'dense b'),
        out: mk(R * n, 'dense out'),
        dW: mk(inN * n, 'dense dW'),
        db: mk(n, 'dense db'),
        dOut: mk(R * n, 'dense dOut'),
        n,
      };
      this.dense.push(d);
      this.forwardOps.push(
        this.matmul(
          R,
          n,
          inN,
          { buf: inBuf, off: inOff, row: inN, col: 1 },
          { buf: d.W, off: 0, row: n, col: 1 },
          { buf: d.out, off: 0, row: n, col: 1 },
          { bias: d.b, relu: !last },
        ),
      );
      inBuf = d.out;
      inOff = 0;
      inN = n;
    });
    const head = this.dense[this.dense.length - 1];
    this.linW = net.linear ? mk(T * F * O, 'linear W') : null;
    this.linB = net.linear ? mk(O, 'linear b') : null;
    if (this.linW && this.linB)
      this.forwardOps.push(
        this.matmul(
          B,
          O,
          T * F,
          { buf: this.xStage, off: 0, row: T * F, col: 1 },
          { buf: this.linW, off: 0, row: O, col: 1 },
          { buf: head.out, off: 0, row: O, col: 1 },
          { acc: true, bias: this.linB },
        ),
      );

    // the loss, then back through the head: the gradient wrt each dense input, through relu
    this.statsLength = 4 + 3 * net.units.length + 2 * widths.length;
    this.stats = mk(this.statsLength, 'stats');
    const lossU = (slot: number) => uni([O, LOSS_KIND[opts.loss], slot, seq ? B : 0], 'loss');
    this.trainLoss = bindings(gpu, 'LOSS', [this.batchU, lossU(0), head.out, this.y, head.dOut, this.stats]);
    // evaluation: the loss into its own slot, the gradient into a scratch buffer
    this.evalLossGroup = bindings(gpu, 'LOSS', [this.batchU, lossU(this.statsLength - 1), head.out, this.y, mk(R * O, 'eval dp'), this.stats]);
    for (let k = this.dense.length - 1; k >= 0; k--) {
      const d = this.dense[k];
      const prevN = k ? this.dense[k - 1].n : Htop;
      const input = k ? { buf: this.dense[k - 1].out, off: 0, row: prevN, col: 1 } : { ...headIn, row: Htop, col: 1 };
      const inputT = { ...input, row: 1, col: prevN };
      // dW = input^T dOut; db = column sums of dOut
      this.headBackOps.push(this.matmul(prevN, d.n, R, inputT, { buf: d.dOut, off: 0, row: d.n, col: 1 }, { buf: d.dW, off: 0, row: d.n, col: 1 }));
      this.headBackOps.push(this.matmul(1, d.n, R, 'ones', { buf: d.dOut, off: 0, row: d.n, col: 1 }, { buf: d.db, off: 0, row: d.n, col: 1 }));
      // the input's gradient: dOut W^T, into the dense layer below or the top layer's dhs (its last
      // step; through dropout: a copy that DROPOUT_BACK masks into it)
      const headGrad = rate > 0 ? mk(R * Htop, 'dropped head input gradient') : null;
      const target = k
        ? { buf: this.dense[k - 1].dOut, off: 0, row: prevN, col: 1 }
        : headGrad
          ? { buf: headGrad, off: 0, row: Htop, col: 1 }
          : { buf: top.dhs, off: headOff, row: Htop, col: 1 };
      this.headBackOps.push(this.matmul(R, prevN, d.n, { buf: d.dOut, off: 0, row: d.n, col: 1 }, { buf: d.W, off: 0, row: 1, col: d.n }, target));
      if (k) this.headBackOps.push(new Op(gpu, 'RELU_BACK', [uni([R * prevN], 'relu'), this.dense[k - 1].out, this.dense[k - 1].dOut], 'n', R * prevN));
      if (!k && headGrad) this.headBackOps.push(dropOp('DROPOUT_BACK', R * Htop, headOff, this.layers.length - 1, headGrad, top.dhs));
    }

    // the weights and their gradients, in model.trainableWeights' order
    this.weights = [];
    this.grads = [];
    this.sizes = [];
    this.layers.forEach((layer) => {
      this.weights.push(layer.W, layer.U, layer.b);
      this.grads.push(layer.dW, layer.dU, layer.db);
      this.sizes.push(layer.I * layer.G, layer.H * layer.G, layer.G);
    });
    let prev = Htop;
    for (const d of this.dense) {
      this.weights.push(d.W, d.b);
      this.grads.push(d.dW, d.db);
      this.sizes.push(prev * d.n, d.n);
      prev = d.n;
    }
    const nW = this.weights.length;
    const sq = mk(nW, 'squares');
    const scale = mk(1, 'scale');
    this.grads.forEach((g, i) => this.updateOps.push(new Op(gpu, 'SUMSQ', [uni([this.sizes[i], i], 'sumsq'), g, sq], [1, 1])));
    this.updateOps.push(new Op(gpu, 'CLIP', [uni([nW, { f32: opts.clipNorm }], 'clip'), sq, scale, this.stats], [1, 1]));
    const adamFields = (n: number): (number | F32)[] => [
      n,
      { f32: B1 },
      { f32: f32(1 - B1) },
      { f32: B2 },
      { f32: f32(1 - B2) },
      { f32: opts.epsilon },
      { f32: f32(-opts.learningRate) },
    ];
    this.weights.forEach((w, i) => {
      const n = this.sizes[i];
      const g = this.grads[i];
      if (opts.optimizer === 'sgd') this.updateOps.push(new Op(gpu, 'SGD', [uni([n, { f32: f32(-opts.learningRate) }], 'sgd'), scale, g, w], 'n', n));
      else if (opts.optimizer === 'rmsprop') {
        const ms = mk(n, 'rmsprop mean square');
        const fields = [n, { f32: opts.learningRate }, { f32: RHO }, { f32: f32(1 - RHO) }, { f32: opts.epsilon }];
        this.updateOps.push(new Op(gpu, 'RMSPROP', [uni(fields, 'rmsprop'), scale, g, w, ms], 'n', n));
      } else {
        const m = mk(n, 'adam m');
        const v = mk(n, 'adam v');
        this.updateOps.push(new Op(gpu, 'ADAM', [this.batchU, uni(adamFields(n), 'adam'), scale, g, w, m, v], 'n', n));
      }
      this.snapshots.push(mk(n, 'snapshot'));
    });
    this.flowAcc = this.layers.map((layer) => {
      const acc = mk(T, 'flow');
      this.flowOps.push({ group: bindings(gpu, 'FLOW', [this.batchU, uni([T, B * layer.H], 'flow'), layer.dhAll, acc]), T });
      return acc;
    });
  }

  private matmul(
    M: number,
    N: number,
    K: number,
    A: Strided | 'ones',
    B: Strided,
    C: Strided,
    o: { acc?: boolean; bias?: GPUBuffer; relu?: boolean } = {},
  ): MatMul {
    const m = new MatMul(this.gpu, M, N, K, A, B, C, { ...o, products: this.opts.products });
    this.ownOps.push(m);
    return m;
  }

  /** Sets the trainable weights (model.trainableWeights' order) and, with a linear path, its kernel and bias. */
  setWeights(values: Float32Array[], linear?: { kernel: Float32Array; bias: Float32Array }): void {
    if (values.length !== this.weights.length) throw new Error(`gpu trainer: ${values.length} weights, expected ${this.weights.length}`);
    values.forEach((v, i) => {
      if (v.length !== this.sizes[i]) throw new Error(`gpu trainer: weight ${i} has ${v.length} values, expected ${this.sizes[i]}`);
      write(this.gpu, this.weights[i], v);
    });
    if (this.linW && this.linB) {
      if (!linear) throw new Error('gpu trainer: the linear path needs its kernel and bias');
      write(this.gpu, this.linW, linear.kernel);
      write(this.gpu, this.linB, linear.bias);
    }
  }

  /** The trainable weights, read back. */
  async getWeights(): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < this.weights.length; i++) out.push(await download(this.gpu, this.weights[i], this.sizes[i]));
    return out;
  }

  /** Copies the weights aside (on the GPU), or back (restore). */
  snapshot(restore = false): void {
    const enc = this.gpu.device.createCommandEncoder();
    this.weights.forEach((w, i) =>
      restore ? enc.copyBufferToBuffer(this.snapshots[i], 0, w, 0, 4 * this.sizes[i]) : enc.copyBufferToBuffer(w, 0, this.snapshots[i], 0, 4 * this.sizes[i]),
    );
    this.gpu.device.queue.submit([enc.finish()]);
  }

  /** Starts the sums over (an epoch's batches). */
  resetSums(): void {
    const enc = this.gpu.device.createCommandEncoder();
    enc.clearBuffer(this.stats);
    for (const a of this.flowAcc) enc.clearBuffer(a);
    this.gpu.device.queue.submit([enc.finish()]);
  }

  private load(x: Float32Array, y: Float32Array, rows: number, step: boolean): void {
    const { steps: T, features: F, outputs: O } = this.net;
    const B = this.opts.batch;
    const yRow = this.net.sequence ? T * O : O;
    if (rows < 1 || rows > B || x.length !== rows * T * F || y.length !== rows * yRow)
      throw new Error(`gpu trainer: a batch of ${rows} rows with ${x.length} inputs and ${y.length} targets`);
    write(this.gpu, this.xStage, x);
    write(this.gpu, this.yStage, y);
    if (step) {
      this.accB1 = f32(this.accB1 * B1);
      this.accB2 = f32(this.accB2 * B2);
    }
    // Adam's corrections for this step: 1 - beta^t (PlainAdam's order: the accumulators start at beta)
    const omab1 = f32(1 - f32(this.accB1 / B1));
    const omab2 = f32(1 - f32(this.accB2 / B2));
    this.gpu.device.queue.writeBuffer(this.batchU, 0, packFields([rows, { f32: omab1 }, { f32: omab2 }, step ? 1 : 0]));
  }

  /**
   * One training step on `rows` rows (x [rows, T, F] batch-major, y [rows, O]); `seeds`: with
   * dropout, the batch's seed for each recurrent layer's mask.
   */
  step(x: Float32Array, y: Float32Array, rows: number, seeds: number[] = []): void {
    this.load(x, y, rows, true);
    if (seeds.length) this.gpu.device.queue.writeBuffer(this.seeds, 0, Uint32Array.from(seeds));
    const enc = this.gpu.device.createCommandEncoder();
    let pass = this.forwardAndLoss(enc, this.trainLoss);
    for (const op of this.headBackOps) op.encode(pass);
    pass.end();
    for (let l = this.layers.length - 1; l >= 0; l--) {
      this.layers[l].encodeBackward(enc);
      const between = this.backBetween[l - 1];
      if (between) {
        const p = enc.beginComputePass();
        between.encode(p);
        p.end();
      }
    }
    pass = enc.beginComputePass();
    for (const op of this.updateOps) op.encode(pass);
    if (this.opts.flow)
      this.flowOps.forEach((f) => {
        pass.setPipeline(pipelineOf(this.gpu, 'FLOW'));
        pass.setBindGroup(0, f.group);
        dispatch1d(pass, f.T);
      });
    pass.end();
    this.gpu.device.queue.submit([enc.finish()]);
  }

  /** Adds the loss of `rows` rows at the current weights to the evaluation sum (no gradient, no update). */
  evaluate(x: Float32Array, y: Float32Array, rows: number): void {
    this.load(x, y, rows, false);
    const enc = this.gpu.device.createCommandEncoder();
    this.forwardAndLoss(enc, this.evalLossGroup).end();
    this.gpu.device.queue.submit([enc.finish()]);
  }

  /** Opens a pass and records the forward pass and the loss (its bind group: training's or evaluation's); the pass stays open. */
  private forwardAndLoss(enc: GPUCommandEncoder, loss: GPUBindGroup): GPUComputePassEncoder {
    const pass = enc.beginComputePass();
    for (const op of this.forwardOps) op.encode(pass);
    pass.setPipeline(pipelineOf(this.gpu, 'LOSS'));
    pass.setBindGroup(0, loss);
    pass.dispatchWorkgroups(1);
    return pass;
  }

  /** The sums since resetSums (waits for the GPU). */
  async sums(): Promise<GpuEpochSums> {
    const s = await download(this.gpu, this.stats, this.statsLength);
    const flow: number[][] = [];
    for (const a of this.flowAcc) flow.push(Array.from(await download(this.gpu, a, this.net.steps)));
    return { loss: s[0], norms: s[1], clipped: s[2], groups: Array.from(s.subarray(3, 3 + this.weights.length)), flow, evalLoss: s[this.statsLength - 1] };
  }

  destroy(): void {
    for (const l of this.layers) l.destroy();
    for (const b of this.own) b.destroy();
    for (const o of this.ownOps) o.destroy();
    this.own.length = 0;
  }
}

/** One recorded dispatch of a kernel over fixed bindings: [x, y] workgroups, or 1-D over n invocations. */
class Op {
  private readonly group: GPUBindGroup;
  private readonly pipeline: GPUComputePipeline;
  constructor(
    gpu: Gpu,
    kernel: Kernel,
    entries: GPUBuffer[],
    private readonly groups: [number, number] | 'n',
    private readonly n = 0,
  ) {
    this.group = bindings(gpu, kernel, entries);
    this.pipeline = pipelineOf(gpu, kernel);
  }

  encode(pass: GPUComputePassEncoder): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.group);
    if (this.groups === 'n') dispatch1d(pass, this.n);
    else pass.dispatchWorkgroups(...this.groups);
  }
}
