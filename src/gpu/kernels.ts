/// <reference types="@webgpu/types" />
import type { Gpu } from './device.js';
import {
  ADAM,
  CLIP,
  DROPOUT,
  DROPOUT_BACK,
  FLOW,
  GRU_BACKWARD_A,
  GRU_BACKWARD_B,
  GRU_FORWARD_H,
  GRU_FORWARD_ZR,
  LOSS,
  LSTM_BACKWARD,
  LSTM_FORWARD,
  MATMUL,
  MATMUL_TILED,
  PERMUTE,
  RELU_BACK,
  RMSPROP,
  RNN_BACKWARD,
  RNN_FORWARD,
  SGD,
  SUMSQ,
} from './wgsl.js';

const SOURCES = {
  DROPOUT,
  DROPOUT_BACK,
  SGD,
  RMSPROP,
  LSTM_FORWARD,
  LSTM_BACKWARD,
  RNN_FORWARD,
  RNN_BACKWARD,
  GRU_FORWARD_ZR,
  GRU_FORWARD_H,
  GRU_BACKWARD_A,
  GRU_BACKWARD_B,
  MATMUL,
  MATMUL_TILED,
  PERMUTE,
  LOSS,
  SUMSQ,
  CLIP,
  ADAM,
  RELU_BACK,
  FLOW,
};
export type Kernel = keyof typeof SOURCES;

const pipelines = new WeakMap<GPUDevice, Map<Kernel, GPUComputePipeline>>();

/** The kernel's pipeline, compiled once per device (the first compile can take seconds on a software adapter). */
export function pipelineOf(gpu: Gpu, kernel: Kernel): GPUComputePipeline {
  let byName = pipelines.get(gpu.device);
  if (!byName) {
    byName = new Map();
    pipelines.set(gpu.device, byName);
  }
  let p = byName.get(kernel);
  if (!p) {
    const module = gpu.device.createShaderModule({ code: SOURCES[kernel], label: kernel });
    p = gpu.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: kernel });
    byName.set(kernel, p);
  }
  return p;
}

/** The storage and copy usages every buffer here has. */
const STORAGE = 0x80 | 0x4 | 0x8; // GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST

/** A float buffer of n values (at least one, zeroed), for storage and copies. */
export function floats(gpu: Gpu, n: number, label?: string): GPUBuffer {
  return gpu.device.createBuffer({ size: 4 * Math.max(1, n), usage: STORAGE, label });
}

/** Writes values into a buffer, `at` floats in. */
export function write(gpu: Gpu, buf: GPUBuffer, data: Float32Array, at = 0): void {
  if (data.length) gpu.device.queue.writeBuffer(buf, 4 * at, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
}

/** A buffer holding these values. */
export function upload(gpu: Gpu, data: Float32Array, label?: string): GPUBuffer {
  const buf = floats(gpu, data.length, label);
  write(gpu, buf, data);
  return buf;
}

/** A float field of a uniform buffer (the others are u32). */
export interface F32 {
  f32: number;
}

/** The bytes of u32 and f32 fields, padded to 16 bytes. */
export function packFields(fields: (number | F32)[]): Uint32Array<ArrayBuffer> {
  const data = new Uint32Array(Math.ceil(fields.length / 4) * 4);
  const asFloat = new Float32Array(data.buffer);
  fields.forEach((f, i) => {
    if (typeof f === 'number') data[i] = f;
    else asFloat[i] = f.f32;
  });
  return data;
}

/** A uniform buffer of u32 and f32 fields (padded to 16 bytes). */
export function uniforms(gpu: Gpu, fields: (number | F32)[], label?: string): GPUBuffer {
  const data = packFields(fields);
  const buf = gpu.device.createBuffer({ size: data.byteLength, usage: 0x40 | 0x8, label }); // UNIFORM | COPY_DST
  gpu.device.queue.writeBuffer(buf, 0, data);
  return buf;
}

/** A bind group of group 0 for the kernel, its bindings in order (a buffer, or a part of one). */
export function bindings(gpu: Gpu, kernel: Kernel, entries: (GPUBuffer | GPUBufferBinding)[]): GPUBindGroup {
  return gpu.device.createBindGroup({
    layout: pipelineOf(gpu, kernel).getBindGroupLayout(0),
    entries: entries.map((e, binding) => ({ binding, resource: 'buffer' in e ? e : { buffer: e } })),
  });
}

/** Dispatches a 1-D kernel (64-wide workgroups) over n invocations, in two dimensions past the limit of one. */
export function dispatch1d(pass: GPUComputePassEncoder, n: number): void {
  const groups = Math.ceil(n / 64);
  const x = Math.min(groups, 65535);
  pass.dispatchWorkgroups(x, Math.ceil(groups / x));
}

/** Strides of a matrix operand: element (row r, column c) at off + r * row + c * col. */
export interface Strided {
  buf: GPUBuffer;
  off: number;
  row: number;
  col: number;
}

/**
 * Which kernel computes the products: MATMUL (one output per invocation), MATMUL_TILED (64x64
 * tiles through workgroup memory), or `auto`: on a hardware adapter tiled where C has at least one
 * whole tile each way and k runs 16 or more, as GPUs favour (not yet measured here: bench/gpu.sh
 * times both); on a software adapter plain, whose barrier-free kernel measured faster there
 * (bench/webgpu.js on llvmpipe, reference LSTM: 116 samples/s plain, 65 tiled). A choice fixed by
 * the adapter and the shape, so reruns stay the same. Where the products are tiled, an LSTM's or a
 * vanilla RNN's step takes its recurrent term from a tiled product too (recurrent.ts).
 */
export type Products = 'auto' | 'plain' | 'tiled';

/** Whether `products` computes an M x N x K product tiled. */
export function tiledFor(products: Products, M: number, N: number, K: number): boolean {
  return products === 'tiled' || (products === 'auto' && M >= 64 && N >= 64 && K >= 16);
}

/**
 * One recorded product C = start + bias + A B (MATMUL or MATMUL_TILED), with its uniforms built
 * once; start: C itself (acc), another buffer laid out as C (from), or 0.
 */
export class MatMul {
  private readonly params: GPUBuffer;
  private readonly group: GPUBindGroup;
  private readonly pipeline: GPUComputePipeline;
  private readonly M: number;
  private readonly N: number;
  private readonly tiled: boolean;

  constructor(
    gpu: Gpu,
    M: number,
    N: number,
    K: number,
    A: Strided | 'ones',
    B: Strided,
    C: Strided,
    opts: { acc?: boolean; from?: GPUBuffer; bias?: GPUBuffer; relu?: boolean; products?: Products } = {},
  ) {
    this.M = M;
    this.N = N;
    const products = opts.products ?? 'auto';
    this.tiled = tiledFor(products === 'auto' && gpu.software ? 'plain' : products, M, N, K);
    const kernel = this.tiled ? 'MATMUL_TILED' : 'MATMUL';
    const a = A === 'ones' ? { buf: B.buf, off: 0, row: 0, col: 0 } : A;
    const p = uniforms(
      gpu,
      [
        M,
        N,
        K,
        a.off,
        a.row,
        a.col,
        B.off,
        B.row,
        B.col,
        C.off,
        C.row,
        C.col,
        opts.from ? 2 : opts.acc ? 1 : 0,
        A === 'ones' ? 1 : 0,
        opts.bias ? 1 : 0,
        opts.relu ? 1 : 0,
      ],
      'matmul',
    );
    this.params = p;
    // an unused bias or start binding takes any read-only buffer other than C
    this.group = bindings(gpu, kernel, [p, a.buf, B.buf, opts.bias ?? B.buf, C.buf, opts.from ?? B.buf]);
    this.pipeline = pipelineOf(gpu, kernel);
  }

  encode(pass: GPUComputePassEncoder): void {
    if (this.M === 0 || this.N === 0) return;
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.group);
    const side = this.tiled ? 64 : 8;
    pass.dispatchWorkgroups(Math.ceil(this.N / side), Math.ceil(this.M / side));
  }

  destroy(): void {
    this.params.destroy();
  }
}

/** One recorded permutation between [B, T, F] (dir 0: to [T, B, F]) and back (dir 1). */
export class Permute {
  private readonly params: GPUBuffer;
  private readonly group: GPUBindGroup;
  private readonly pipeline: GPUComputePipeline;
  private readonly n: number;

  constructor(gpu: Gpu, B: number, T: number, F: number, dir: 0 | 1, src: GPUBuffer, dst: GPUBuffer) {
    this.n = B * T * F;
    this.params = uniforms(gpu, [B, T, F, dir, this.n], 'permute');
    this.group = bindings(gpu, 'PERMUTE', [this.params, src, dst]);
    this.pipeline = pipelineOf(gpu, 'PERMUTE');
  }

  encode(pass: GPUComputePassEncoder): void {
    if (!this.n) return;
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.group);
    dispatch1d(pass, this.n);
  }

  destroy(): void {
    this.params.destroy();
  }
}

/** Reads a buffer's first n floats back (waits for the queue). */
export async function download(gpu: Gpu, buf: GPUBuffer, n: number, offsetFloats = 0): Promise<Float32Array> {
  if (n === 0) return new Float32Array(0);
  const read = gpu.device.createBuffer({ size: 4 * n, usage: 0x1 | 0x8 }); // MAP_READ | COPY_DST
  const enc = gpu.device.createCommandEncoder();
  enc.copyBufferToBuffer(buf, 4 * offsetFloats, read, 0, 4 * n);
  gpu.device.queue.submit([enc.finish()]);
  await read.mapAsync(0x1); // GPUMapMode.READ
  const out = new Float32Array(read.getMappedRange().slice(0));
  read.unmap();
  read.destroy();
  return out;
}
