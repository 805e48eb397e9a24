/// <reference types="@webgpu/types" />
/**
 * The WebGPU recurrent kernels against the CPU fused kernels (themselves checked against tfjs's
 * layers and finite differences in test/fused): outputs and every gradient within 1e-4 over the
 * shape grid the CPU kernels are tested on. They run on whatever adapter the machine has; CI
 * installs a software one, and a machine without any fails here rather than skipping.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Gpu, openGpu } from '../../src/gpu/device.js';
import { bindings, dispatch1d, download, floats, MatMul, Permute, type Products, pipelineOf, uniforms, upload, write } from '../../src/gpu/kernels.js';
import { type GpuCell, GpuRecurrent, gpuBackward, gpuForward } from '../../src/gpu/recurrent.js';
import { backward } from '../../src/kernels/backward.js';
import { forward } from '../../src/kernels/forward.js';
import { gatesOf, type Slot } from '../../src/kernels/state.js';
import { maxRelErr, scaledErr } from '../numeric.js';

/** Deterministic values in [-scale, scale). */
function values(n: number, seed: number, scale = 0.5): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

let gpu: Gpu;
beforeAll(async () => {
  gpu = await openGpu(process.env);
});

interface Case {
  B: number;
  T: number;
  I: number;
  H: number;
  rs: boolean;
  init: boolean;
}

/** The CPU and GPU outputs and gradients of sum(out * wOut), from the same inputs. */
async function both(cell: GpuCell, { B, T, I, H, rs, init }: Case, activation: 'tanh' | 'relu' = 'tanh', products: Products = 'auto') {
  const G = gatesOf(cell, H);
  const x = values(B * T * I, 11, 1);
  const W = values(I * G, 12);
  // a vanilla RNN's recurrent weights small enough to contract: at 0.5 its tanh map is chaotic over
  // 50 steps, where two correct implementations' roundings part by 1e-3
  const U = values(H * G, 13, cell === 'rnn' ? 0.25 : 0.5);
  const b = values(G, 14);
  const state = init ? { h0: values(B * H, 15, 1), c0: cell === 'lstm' ? values(B * H, 16, 1) : undefined } : undefined;
  const dy = values(rs ? B * T * H : B * H, 17, 1);
  const slot: Slot = { state: null };
  const cpuOut = forward(cell, x, W, U, b, B, T, I, H, rs, slot, state, activation).out;
  const cpu = backward(slot.state!, dy, rs, true);
  const { out, layer } = await gpuForward(gpu, cell, x, W, U, b, B, T, I, H, rs, state, activation, products);
  const g = await gpuBackward(gpu, layer, dy, rs);
  layer.destroy();
  return { cpu: { out: cpuOut, ...cpu }, gpu: { out, ...g } };
}

const GRID: Case[] = [];
for (const B of [1, 37])
  for (const T of [1, 50])
    for (const I of [1, 7]) for (const rs of [false, true]) for (const init of [false, true]) GRID.push({ B, T, I, H: B === 1 ? 5 : 16, rs, init });

describe.each([
  ['lstm', 'tanh', 'plain'],
  ['lstm', 'tanh', 'tiled'],
  ['gru', 'tanh', 'plain'],
  ['gru', 'tanh', 'tiled'],
  ['rnn', 'tanh', 'plain'],
  ['rnn', 'relu', 'tiled'],
] as const)('WebGPU %s (%s) kernels, %s products, against the CPU kernels', (cell, activation, products) => {
  it.each(GRID)('batch $B, T $T, features $I, units $H, returnSequences $rs, initial state $init: outputs and every gradient within 1e-4', async (c) => {
    const { cpu, gpu: g } = await both(cell, c, activation, products);
    expect(g.out.length).toBe(c.rs ? c.B * c.T * c.H : c.B * c.H);
    expect(maxRelErr(g.out, cpu.out), 'output').toBeLessThan(1e-4);
    for (const k of ['dx', 'dW', 'dU', 'db'] as const) expect(maxRelErr(g[k], cpu[k]), k).toBeLessThan(1e-4);
    expect(maxRelErr(g.flow!, cpu.flow!), 'flow').toBeLessThan(1e-4);
    if (c.init) {
      expect(maxRelErr(g.dh0!, cpu.dh0!), 'dh0').toBeLessThan(1e-4);
      if (cell === 'lstm') expect(maxRelErr(g.dc0!, cpu.dc0!), 'dc0').toBeLessThan(1e-4);
    } else expect(g.dh0).toBeUndefined();
  });

  it('gives the same bits on a rerun', async () => {
    const c = { B: 37, T: 50, I: 7, H: 16, rs: true, init: true };
    const a = (await both(cell, c, activation, products)).gpu;
    const b = (await both(cell, c, activation, products)).gpu;
    for (const k of ['out', 'dx', 'dW', 'dU', 'db', 'dh0'] as const) expect(Buffer.from(a[k]!.buffer).equals(Buffer.from(b[k]!.buffer)), k).toBe(true);
  });
});

describe('WebGPU dropout', () => {
  /** DROPOUT then DROPOUT_BACK over n ones at `rate`, with this seed and layer, in training or not */
  async function drop(n: number, rate: number, seed: number, layer: number, train: boolean) {
    const seeds = new Uint32Array(4);
    seeds[layer] = seed;
    const seedBuf = floats(gpu, 4);
    gpu.device.queue.writeBuffer(seedBuf, 0, seeds);
    const batch = uniforms(gpu, [1, { f32: 1 }, { f32: 1 }, train ? 1 : 0]);
    const params = uniforms(gpu, [n, 0, layer, { f32: rate }]);
    const ones = upload(gpu, new Float32Array(n).fill(1));
    const out = floats(gpu, n);
    const back = floats(gpu, n);
    const enc = gpu.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (const [kernel, src, dst] of [
      ['DROPOUT', ones, out],
      ['DROPOUT_BACK', ones, back],
    ] as const) {
      pass.setPipeline(pipelineOf(gpu, kernel));
      pass.setBindGroup(0, bindings(gpu, kernel, [batch, params, seedBuf, src, dst]));
      dispatch1d(pass, n);
    }
    pass.end();
    gpu.device.queue.submit([enc.finish()]);
    const r = { out: await download(gpu, out, n), back: await download(gpu, back, n) };
    for (const b of [seedBuf, batch, params, ones, out, back]) b.destroy();
    return r;
  }

  it('keeps 1 - rate of the elements, scaled by 1 / (1 - rate), and passes the gradient through the same mask', async () => {
    const n = 100_000;
    for (const rate of [0.1, 0.5]) {
      const { out, back } = await drop(n, rate, 12345, 1, true);
      const kept = out.filter((v) => v !== 0);
      // binomial: the kept share within 4 standard deviations of 1 - rate
      expect(Math.abs(kept.length / n - (1 - rate))).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / n));
      expect(new Set(kept)).toEqual(new Set([Math.fround(1 / Math.fround(1 - rate))]));
      expect(Array.from(back)).toEqual(Array.from(out));
    }
  });

  it('draws another mask for another seed, the same for the same, each layer from its own seed; outside training it is the identity', async () => {
    const a = (await drop(4096, 0.5, 7, 0, true)).out;
    expect(Array.from((await drop(4096, 0.5, 7, 0, true)).out)).toEqual(Array.from(a));
    expect(Array.from((await drop(4096, 0.5, 7, 2, true)).out)).toEqual(Array.from(a));
    const other = (await drop(4096, 0.5, 8, 0, true)).out;
    // two independent masks at rate 0.5 agree on about half of the elements
    const same = other.filter((v, i) => v === a[i]).length / 4096;
    expect(same).toBeGreaterThan(0.4);
    expect(same).toBeLessThan(0.6);
    const eval_ = await drop(4096, 0.5, 7, 0, false);
    expect(eval_.out.every((v) => v === 1)).toBe(true);
    expect(eval_.back.every((v) => v === 1)).toBe(true);
  });
});

describe('WebGPU products', () => {
  /** C = (acc ? C0 : 0) + bias + A B with A [M, K] stored transposed or not, B [K, N] likewise, on the given kernel */
  async function product(
    products: Products,
    M: number,
    N: number,
    K: number,
    opts: { aT: boolean; bT: boolean; acc: boolean; bias: boolean; relu: boolean; ones: boolean },
  ) {
    const A = values(M * K, 21, 1);
    const Bv = values(K * N, 22, 1);
    const C0 = values(M * N, 23, 1);
    const bias = values(N, 24, 1);
    const bufs = [upload(gpu, A), upload(gpu, Bv), upload(gpu, C0), upload(gpu, bias)];
    const a = opts.aT ? { buf: bufs[0], off: 0, row: 1, col: M } : { buf: bufs[0], off: 0, row: K, col: 1 };
    const b = opts.bT ? { buf: bufs[1], off: 0, row: 1, col: K } : { buf: bufs[1], off: 0, row: N, col: 1 };
    const m = new MatMul(
      gpu,
      M,
      N,
      K,
      opts.ones ? 'ones' : a,
      b,
      { buf: bufs[2], off: 0, row: N, col: 1 },
      { acc: opts.acc, bias: opts.bias ? bufs[3] : undefined, relu: opts.relu, products },
    );
    const enc = gpu.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    m.encode(pass);
    pass.end();
    gpu.device.queue.submit([enc.finish()]);
    const got = await download(gpu, bufs[2], M * N);
    m.destroy();
    for (const x of bufs) x.destroy();
    // in double precision, for reference
    const want = new Float64Array(M * N);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = (opts.acc ? C0[i * N + j] : 0) + (opts.bias ? bias[j] : 0);
        for (let k = 0; k < K; k++) s += (opts.ones ? 1 : opts.aT ? A[k * M + i] : A[i * K + k]) * (opts.bT ? Bv[j * K + k] : Bv[k * N + j]);
        want[i * N + j] = opts.relu ? Math.max(s, 0) : s;
      }
    return { got, want };
  }

  it.each([
    [1, 1, 1],
    [64, 64, 16],
    [65, 130, 17],
    [200, 70, 300],
    [3, 250, 64],
  ])('M %i, N %i, K %i: tiled and plain both equal the product in double precision within 1e-5 of its scale, every layout and option', async (M, N, K) => {
    for (const opts of [
      { aT: false, bT: false, acc: false, bias: false, relu: false, ones: false },
      { aT: true, bT: false, acc: true, bias: false, relu: false, ones: false },
      { aT: false, bT: true, acc: false, bias: true, relu: true, ones: false },
      { aT: false, bT: false, acc: true, bias: true, relu: false, ones: true },
    ])
      for (const products of ['plain', 'tiled'] as const) {
        const { got, want } = await product(products, M, N, K, opts);
        expect(scaledErr(got, want), `${products} ${JSON.stringify(opts)}`).toBeLessThan(1e-5);
      }
  });
});

describe.each(['lstm', 'gru'] as const)('WebGPU %s stacks against the CPU kernels', (cell) => {
  /**
   * layers chained as the trainer chains them (each reads the one below's hs and writes its input's
   * gradient into the one below's dhs), one forward and one backward from dy on the top layer's
   * outputs; every layer's output and weight gradients against the CPU kernels chained the same way
   */
  it.each([
    [1, 37, 50, 7, false],
    [2, 37, 50, 7, true],
    [3, 1, 50, 1, false],
    [3, 37, 1, 7, true],
  ] as const)('%i layer(s), batch %i, T %i, features %i, returnSequences %s: every output and gradient within 1e-4', async (L, B, T, I, rs) => {
    const units = [16, 12, 8].slice(0, L);
    const weights = units.map((H, l) => {
      const In = l ? units[l - 1] : I;
      const G = gatesOf(cell, H);
      return { W: values(In * G, 40 + l), U: values(H * G, 50 + l), b: values(G, 60 + l) };
    });
    const x = values(B * T * I, 31, 1);
    const Htop = units[L - 1];
    const dy = values(rs ? B * T * Htop : B * Htop, 32, 1);
    // CPU: forward layer by layer (lower layers return sequences), backward from the top
    const slots: Slot[] = units.map(() => ({ state: null }));
    const outs: Float32Array[] = [];
    let input = x;
    units.forEach((H, l) => {
      const top = l === L - 1;
      const w = weights[l];
      const out = forward(cell, input, w.W, w.U, w.b, B, T, l ? units[l - 1] : I, H, top ? rs : true, slots[l]).out;
      outs.push(out);
      input = out;
    });
    const cpuGrads: ReturnType<typeof backward>[] = [];
    let d = dy;
    for (let l = L - 1; l >= 0; l--) {
      const g = backward(slots[l].state!, d, l === L - 1 ? rs : true);
      cpuGrads[l] = g;
      d = g.dx;
    }
    // GPU: the same chain of layers
    const layers: GpuRecurrent[] = [];
    let belowDhs: GPUBuffer | undefined;
    const extra: GPUBuffer[] = [];
    units.forEach((H, l) => {
      const dhs = l < L - 1 ? floats(gpu, T * B * H) : undefined;
      if (dhs) extra.push(dhs);
      layers.push(new GpuRecurrent(gpu, cell, B, T, l ? units[l - 1] : I, H, false, { x: layers[l - 1]?.hs, dhs, dx: belowDhs, noDx: l === 0 }));
      belowDhs = dhs;
      write(gpu, layers[l].W, weights[l].W);
      write(gpu, layers[l].U, weights[l].U);
      write(gpu, layers[l].b, weights[l].b);
    });
    const top = layers[L - 1];
    const staged = upload(gpu, x);
    const dyStaged = upload(gpu, dy);
    const perms = [new Permute(gpu, B, T, I, 0, staged, layers[0].x), new Permute(gpu, B, T, Htop, 0, dyStaged, top.dhs)];
    const enc = gpu.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    perms[0].encode(pass);
    for (const layer of layers) layer.encodeForward(pass);
    if (rs) perms[1].encode(pass);
    pass.end();
    if (!rs) {
      enc.clearBuffer(top.dhs);
      enc.copyBufferToBuffer(dyStaged, 0, top.dhs, 4 * (T - 1) * B * Htop, 4 * B * Htop);
    }
    for (let l = L - 1; l >= 0; l--) layers[l].encodeBackward(enc);
    gpu.device.queue.submit([enc.finish()]);
    for (let l = 0; l < L; l++) {
      const H = units[l];
      // outputs: time-major on the GPU, batch-major [B, T, H] (sequences) or [B, H] on the CPU
      const hs = await download(gpu, layers[l].hs, T * B * H);
      const seq = l < L - 1 || rs;
      const got = seq
        ? Float32Array.from({ length: B * T * H }, (_, i) => hs[((Math.floor(i / H) % T) * B + Math.floor(i / (T * H))) * H + (i % H)])
        : hs.subarray((T - 1) * B * H);
      expect(maxRelErr(got, outs[l]), `layer ${l} output`).toBeLessThan(1e-4);
      const G = layers[l].G;
      const In = l ? units[l - 1] : I;
      expect(maxRelErr(await download(gpu, layers[l].dW, In * G), cpuGrads[l].dW), `layer ${l} dW`).toBeLessThan(1e-4);
      expect(maxRelErr(await download(gpu, layers[l].dU, H * G), cpuGrads[l].dU), `layer ${l} dU`).toBeLessThan(1e-4);
      expect(maxRelErr(await download(gpu, layers[l].db, G), cpuGrads[l].db), `layer ${l} db`).toBeLessThan(1e-4);
    }
    for (const b of [staged, dyStaged, ...extra]) b.destroy();
    for (const p of perms) p.destroy();
    for (const layer of layers) layer.destroy();
  });
});
