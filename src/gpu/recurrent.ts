/// <reference types="@webgpu/types" />
import type { Grads } from '../kernels/backward.js';
import { gatesOf } from '../kernels/state.js';
import type { Gpu } from './device.js';
import {
  bindings,
  dispatch1d,
  download,
  floats,
  type Kernel,
  MatMul,
  Permute,
  type Products,
  pipelineOf,
  type Strided,
  tiledFor,
  uniforms,
  upload,
  write,
} from './kernels.js';

export type GpuCell = 'lstm' | 'gru' | 'rnn';

/** Where a layer's input comes from and where its gradient goes: its own buffers, or a neighbour's. */
export interface LayerLinks {
  /** the input [T, B, I] (time-major): the layer below's hs; default: a buffer of its own */
  x?: GPUBuffer;
  /** the gradient wrt every output h_t [T, B, H]: the layer above's dx; default: a buffer of its own */
  dhs?: GPUBuffer;
  /** where the input's gradient goes [T, B, I]: the layer below's dhs; default: a buffer of its own */
  dx?: GPUBuffer;
  /** the input's gradient is not needed (the first layer of a network): dx is not computed */
  noDx?: boolean;
  /** a vanilla RNN's activation (default tanh) */
  activation?: 'tanh' | 'relu';
  /** the kernel of the products over all steps (default auto) */
  products?: Products;
}

/**
 * One LSTM, GRU or vanilla RNN layer on the GPU, for a fixed shape: its buffers, uniforms and bind
 * groups are made once, so a training step only records dispatches. Weights W [I, G], U [H, G],
 * b [G] as the CPU kernels (gates i, f, c, o; z, r, h; the RNN's one block, its pre-activation in
 * `gates`); activations time-major. `init`: the layer takes an
 * initial state (h0 then, for LSTM, c0, each [B, H], in `init`), else zeros.
 *
 * encodeForward computes gates, cs, tcs (LSTM), rh (GRU) and hs from x; encodeBackward, from those
 * and dhs, the gradients dx, dW, dU, db, dh0 and dc0 (the last two only with `init`) and dhAll
 * (dL/dh_t at every step, the flow's raw figures).
 */
export class GpuRecurrent {
  readonly G: number;
  readonly x: GPUBuffer;
  readonly W: GPUBuffer;
  readonly U: GPUBuffer;
  readonly b: GPUBuffer;
  readonly init: GPUBuffer;
  readonly gates: GPUBuffer;
  readonly cs: GPUBuffer;
  readonly tcs: GPUBuffer;
  readonly hs: GPUBuffer;
  readonly dhs: GPUBuffer;
  readonly dA: GPUBuffer;
  /** LSTM: the carried cell gradient (ends as dc0); GRU: the carried part of dh (dpart) */
  readonly carry: GPUBuffer;
  readonly dhAll: GPUBuffer;
  readonly dx: GPUBuffer;
  readonly dW: GPUBuffer;
  readonly dU: GPUBuffer;
  readonly db: GPUBuffer;
  /** the gradient wrt h0 (with init) */
  readonly dh0: GPUBuffer;
  private readonly own: GPUBuffer[] = [];
  private readonly fwdSteps: { pipeline: GPUComputePipeline; groups: GPUBindGroup[] }[];
  private readonly bwdSteps: { pipeline: GPUComputePipeline; groups: GPUBindGroup[] }[];
  private readonly project: MatMul;
  private readonly grads: MatMul[];
  /** split steps (Dims.split): per step t, the product adding h_{t-1} U into the gates (none at t = 0 without h0) */
  private readonly stepProducts: (MatMul | null)[] = [];
  /** split steps: per step t, the product dhAll_t = dhs_t + dA_{t+1} U^T */
  private readonly stepGradProducts: MatMul[] = [];

  constructor(
    gpu: Gpu,
    readonly cell: GpuCell,
    readonly B: number,
    readonly T: number,
    readonly I: number,
    readonly H: number,
    readonly hasInit: boolean,
    links: LayerLinks = {},
  ) {
    const G = gatesOf(cell, H);
    this.G = G;
    const TB = T * B;
    const mk = (n: number, label: string) => {
      const buf = floats(gpu, n, label);
      this.own.push(buf);
      return buf;
    };
    this.x = links.x ?? mk(TB * I, 'x');
    this.W = mk(I * G, 'W');
    this.U = mk(H * G, 'U');
    this.b = mk(G, 'b');
    this.init = mk(hasInit ? (cell === 'lstm' ? 2 : 1) * B * H : 1, 'init');
    this.gates = mk(TB * G, 'gates');
    this.cs = mk(cell === 'lstm' ? TB * H : 1, 'cs');
    this.tcs = mk(cell === 'lstm' ? TB * H : 1, 'tcs');
    this.hs = mk(TB * H, 'hs');
    this.dhs = links.dhs ?? mk(TB * H, 'dhs');
    this.dA = mk(TB * G, 'dA');
    this.carry = mk(cell === 'rnn' ? 1 : B * H, 'carry');
    this.dhAll = mk(TB * H, 'dhAll');
    this.dx = links.dx ?? mk(links.noDx ? 1 : TB * I, 'dx');
    this.dW = mk(I * G, 'dW');
    this.dU = mk(H * G, 'dU');
    this.db = mk(G, 'db');
    this.dh0 = mk(hasInit ? B * H : 1, 'dh0');
    // GRU: r_t * h_{t-1}
    const rh = cell === 'gru' ? mk(TB * H, 'rh') : null;

    // the recurrent term of each step as a tiled product of its own (LSTM, vanilla RNN) where the
    // products are tiled and large enough; otherwise inside the step kernels
    const products = links.products ?? 'auto';
    const split = cell !== 'gru' && tiledFor(products === 'auto' && gpu.software ? 'plain' : products, B, G, H);
    const dims = uniforms(gpu, [B, T, I, H, hasInit ? 1 : 0, B * H, links.activation === 'relu' ? 1 : 0, split ? 1 : 0], 'dims');
    this.own.push(dims);
    // one Step uniform per t, 256 bytes apart (the largest offset alignment an adapter may ask)
    const steps = gpu.device.createBuffer({ size: 256 * Math.max(1, T), usage: 0x40 | 0x8, label: 'steps' });
    this.own.push(steps);
    const stepData = new Uint32Array(64 * Math.max(1, T));
    for (let t = 0; t < T; t++) stepData[64 * t] = t;
    gpu.device.queue.writeBuffer(steps, 0, stepData);
    const perStep = (kernel: Kernel, rest: GPUBuffer[]) => ({
      pipeline: pipelineOf(gpu, kernel),
      groups: Array.from({ length: T }, (_, t) => bindings(gpu, kernel, [dims, { buffer: steps, offset: 256 * t, size: 16 }, ...rest])),
    });
    const { U, init, gates, cs, tcs, hs, dhs, dA, carry, dhAll } = this;
    if (cell === 'lstm') {
      this.fwdSteps = [perStep('LSTM_FORWARD', [U, init, gates, cs, tcs, hs])];
      this.bwdSteps = [perStep('LSTM_BACKWARD', [U, init, gates, cs, tcs, dhs, dA, carry, dhAll])];
    } else if (cell === 'rnn') {
      this.fwdSteps = [perStep('RNN_FORWARD', [U, init, gates, hs])];
      this.bwdSteps = [perStep('RNN_BACKWARD', [U, hs, dhs, dA, dhAll])];
    } else {
      this.fwdSteps = [perStep('GRU_FORWARD_ZR', [U, init, hs, gates, rh!]), perStep('GRU_FORWARD_H', [U, init, rh!, gates, hs])];
      this.bwdSteps = [
        perStep('GRU_BACKWARD_A', [U, init, gates, hs, dhs, carry, dA, dhAll]),
        perStep('GRU_BACKWARD_B', [U, init, gates, hs, dhAll, dA, carry]),
      ];
    }

    // gates = x W + b, all steps at once
    // the products over all steps, on the kernel links.products asks for
    const mm = (M: number, N: number, K: number, A: Strided | 'ones', Bo: Strided, C: Strided, o: { acc?: boolean; from?: GPUBuffer; bias?: GPUBuffer } = {}) =>
      new MatMul(gpu, M, N, K, A, Bo, C, { ...o, products: links.products });
    if (split) {
      // forward: gates_t += h_{t-1} U (h0 at step 0, when given); backward: dhAll_t = dhs_t + dA_{t+1} U^T
      const Ut = { buf: U, off: 0, row: 1, col: G };
      for (let t = 0; t < T; t++) {
        const from = t ? { buf: hs, off: (t - 1) * B * H, row: H, col: 1 } : hasInit ? { buf: init, off: 0, row: H, col: 1 } : null;
        this.stepProducts.push(
          from ? mm(B, G, H, from, { buf: U, off: 0, row: G, col: 1 }, { buf: gates, off: t * B * G, row: G, col: 1 }, { acc: true }) : null,
        );
        const next = t + 1 < T;
        this.stepGradProducts.push(
          mm(
            B,
            H,
            next ? G : 0,
            { buf: dA, off: next ? (t + 1) * B * G : 0, row: G, col: 1 },
            Ut,
            { buf: dhAll, off: t * B * H, row: H, col: 1 },
            { from: dhs },
          ),
        );
      }
    }
    this.project = mm(
      TB,
      G,
      I,
      { buf: this.x, off: 0, row: I, col: 1 },
      { buf: this.W, off: 0, row: G, col: 1 },
      { buf: gates, off: 0, row: G, col: 1 },
      { bias: this.b },
    );
    const dAm = (off: number) => ({ buf: dA, off, row: G, col: 1 });
    const grads: MatMul[] = [
      // dW = x^T dA over all rows (t, b)
      mm(I, G, TB, { buf: this.x, off: 0, row: 1, col: I }, dAm(0), { buf: this.dW, off: 0, row: G, col: 1 }),
      // db = the column sums of dA
      mm(1, G, TB, 'ones', dAm(0), { buf: this.db, off: 0, row: G, col: 1 }),
    ];
    // dx = dA W^T
    if (!links.noDx) grads.push(mm(TB, I, G, dAm(0), { buf: this.W, off: 0, row: 1, col: G }, { buf: this.dx, off: 0, row: I, col: 1 }));
    // dU = h_{t-1}^T dA_t, over the columns that multiply h_{t-1} (GRU: z, r; the candidate's
    // columns multiply r_t h_{t-1}), from steps 1.. and then from h0 at step 0
    const hCols = cell === 'gru' ? 2 * H : G;
    const dUm = { buf: this.dU, off: 0, row: G, col: 1 };
    grads.push(mm(H, hCols, (T - 1) * B, { buf: hs, off: 0, row: 1, col: H }, dAm(B * G), dUm));
    if (hasInit) grads.push(mm(H, hCols, B, { buf: init, off: 0, row: 1, col: H }, dAm(0), dUm, { acc: true }));
    if (rh) grads.push(mm(H, H, TB, { buf: rh, off: 0, row: 1, col: H }, dAm(2 * H), { buf: this.dU, off: 2 * H, row: G, col: 1 }));
    // dh0 = (GRU: dpart +) dA_0's h_{t-1} columns times U^T
    if (hasInit)
      grads.push(
        mm(
          B,
          H,
          hCols,
          { buf: dA, off: 0, row: G, col: 1 },
          { buf: U, off: 0, row: 1, col: G },
          { buf: this.dh0, off: 0, row: H, col: 1 },
          { acc: cell === 'gru' },
        ),
      );
    this.grads = grads;
  }

  /** Records the forward pass (x, W, U, b and init already in place). */
  encodeForward(pass: GPUComputePassEncoder): void {
    this.project.encode(pass);
    for (let t = 0; t < this.T; t++) {
      this.stepProducts[t]?.encode(pass);
      for (const st of this.fwdSteps) {
        pass.setPipeline(st.pipeline);
        pass.setBindGroup(0, st.groups[t]);
        dispatch1d(pass, this.B * this.H);
      }
    }
  }

  /**
   * Records the backward pass (dhs in place, and the forward pass's buffers as it left them).
   * `enc`: clears the carried gradient first and, for a GRU with an initial state, starts dh0 at
   * dpart; the passes it opens end before it returns.
   */
  encodeBackward(enc: GPUCommandEncoder): void {
    enc.clearBuffer(this.carry);
    let pass = enc.beginComputePass();
    for (let t = this.T - 1; t >= 0; t--) {
      this.stepGradProducts[t]?.encode(pass);
      for (const st of this.bwdSteps) {
        pass.setPipeline(st.pipeline);
        pass.setBindGroup(0, st.groups[t]);
        dispatch1d(pass, this.B * this.H);
      }
    }
    pass.end();
    if (this.hasInit && this.cell === 'gru') enc.copyBufferToBuffer(this.carry, 0, this.dh0, 0, 4 * this.B * this.H);
    pass = enc.beginComputePass();
    for (const m of this.grads) m.encode(pass);
    pass.end();
  }

  destroy(): void {
    for (const b of this.own) b.destroy();
    this.own.length = 0;
    for (const m of [this.project, ...this.grads, ...this.stepGradProducts]) m.destroy();
    for (const m of this.stepProducts) m?.destroy();
  }
}

/**
 * The CPU kernels' forward (kernels/forward.ts) on the GPU, for tests and benchmarks: x batch-major
 * [B, T, I]; returns the output ([B, T, H] with returnSequences, else [B, H]) and the layer, which
 * holds the state for gpuBackward (destroy it after).
 */
export async function gpuForward(
  gpu: Gpu,
  cell: GpuCell,
  xBTI: Float32Array,
  W: Float32Array,
  U: Float32Array,
  b: Float32Array,
  B: number,
  T: number,
  I: number,
  H: number,
  returnSequences: boolean,
  init?: { h0: Float32Array; c0?: Float32Array },
  activation: 'tanh' | 'relu' = 'tanh',
  products: Products = 'auto',
): Promise<{ out: Float32Array; layer: GpuRecurrent }> {
  const layer = new GpuRecurrent(gpu, cell, B, T, I, H, init !== undefined, { activation, products });
  write(gpu, layer.W, W);
  write(gpu, layer.U, U);
  write(gpu, layer.b, b);
  if (init) {
    write(gpu, layer.init, init.h0);
    if (cell === 'lstm') write(gpu, layer.init, init.c0!, B * H);
  }
  const staged = upload(gpu, xBTI);
  const outBTH = floats(gpu, B * T * H);
  const perms = [new Permute(gpu, B, T, I, 0, staged, layer.x), new Permute(gpu, B, T, H, 1, layer.hs, outBTH)];
  const enc = gpu.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  perms[0].encode(pass);
  layer.encodeForward(pass);
  if (returnSequences) perms[1].encode(pass);
  pass.end();
  gpu.device.queue.submit([enc.finish()]);
  const out = returnSequences ? await download(gpu, outBTH, B * T * H) : await download(gpu, layer.hs, B * H, (T - 1) * B * H);
  for (const b of [staged, outBTH, ...perms]) b.destroy();
  return { out, layer };
}

/** The CPU kernels' backward (kernels/backward.ts) on the GPU: dy [B, T, H] or [B, H]; flow always given. */
export async function gpuBackward(gpu: Gpu, layer: GpuRecurrent, dy: Float32Array, returnSequences: boolean): Promise<Grads> {
  const { B, T, I, H } = layer;
  const enc = gpu.device.createCommandEncoder();
  const staged = upload(gpu, dy);
  const dxBTI = floats(gpu, B * T * I);
  const perms = [new Permute(gpu, B, T, H, 0, staged, layer.dhs), new Permute(gpu, B, T, I, 1, layer.dx, dxBTI)];
  if (returnSequences) {
    const pass = enc.beginComputePass();
    perms[0].encode(pass);
    pass.end();
  } else {
    enc.clearBuffer(layer.dhs);
    enc.copyBufferToBuffer(staged, 0, layer.dhs, 4 * (T - 1) * B * H, 4 * B * H);
  }
  layer.encodeBackward(enc);
  const pass = enc.beginComputePass();
  perms[1].encode(pass);
  pass.end();
  gpu.device.queue.submit([enc.finish()]);
  const G = layer.G;
  const g: Grads = {
    dx: await download(gpu, dxBTI, B * T * I),
    dW: await download(gpu, layer.dW, I * G),
    dU: await download(gpu, layer.dU, H * G),
    db: await download(gpu, layer.db, G),
  };
  const dh = await download(gpu, layer.dhAll, T * B * H);
  g.flow = new Float64Array(T);
  for (let i = 0; i < dh.length; i++) g.flow[Math.floor(i / (B * H))] += dh[i] * dh[i];
  if (layer.hasInit) {
    g.dh0 = await download(gpu, layer.dh0, B * H);
    if (layer.cell === 'lstm') g.dc0 = await download(gpu, layer.carry, B * H);
  }
  for (const b of [staged, dxBTI, ...perms]) b.destroy();
  return g;
}
