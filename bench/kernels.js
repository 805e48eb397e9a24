#!/usr/bin/env node
// The fused kernels alone, on one thread, outside tfjs: one layer's forward (lstmForward,
// gruForward, rnnForward) and BPTT backward at a shape, timed in-process and reported as GFLOP/s
// (forward 2*T*B*G*(I+H) FLOPs with G = 4H, 3H or H gate columns, backward twice that). It shows
// how close the kernels' matrix products come to the WebAssembly SIMD ceiling at each size, apart
// from what training adds around them.
//
// --against FILE times a second build of the kernels (another checkout's dist/kernels/rnn.wasm) in
// the same process, alternating call by call, and checks that both give the same bits: how a change
// to the kernels is measured on a shared machine.
//
// usage: node bench/kernels.js [--cell lstm|gru|rnn] [--steps T] [--batch B] [--inputs I] [--units H]
//          [--reps N] [--against FILE] [--json]
//   defaults: the large shape's second layer on one thread's half of the batch (T 96, B 128,
//   I 256, H 256), 5 repetitions; the reference shape's second layer is --steps 48 --batch 32
//   --inputs 64 --units 64.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flag, opt, root, wasmCeiling } from './args.js';

const T = Number(opt('steps', 96));
const B = Number(opt('batch', 128));
const I = Number(opt('inputs', 256));
const H = Number(opt('units', 256));
const reps = Number(opt('reps', 5));
const cell = opt('cell', 'lstm');
if (!['lstm', 'gru', 'rnn'].includes(cell)) throw new Error(`--cell lstm, gru or rnn, not ${cell}`);
const G = { lstm: 4, gru: 3, rnn: 1 }[cell] * H;
/** columns rounded up to whole panels of 8 (the kernels' packed matrices, assembly/gemm.ts) */
const packed = (n) => Math.ceil(n / 8) * 8;

/** One build of the kernels, instantiated on its own memory with random inputs; returns a timed call. */
function kernelsOf(file) {
  const mod = new WebAssembly.Module(readFileSync(file));
  const floats = T * B * (I + 6 * H + G) + 4 * (I + 8) * G + 4 * (H + 8) * G + 2 * G + B * (2 * G + 4 * H + 16);
  const pages = Math.ceil((floats * 4 + (1 << 20)) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 65536, shared: true });
  const imports = {};
  for (const im of WebAssembly.Module.imports(mod)) {
    imports[im.module] ??= {};
    imports[im.module][im.name] = im.kind === 'memory' ? memory : () => {};
  }
  const k = new WebAssembly.Instance(mod, imports).exports;
  let next = (k.heapBase() + 63) & ~63;
  const alloc = (n) => {
    const at = next;
    next += (n * 4 + 63) & ~63;
    return at;
  };
  // the inputs, filled below, then the outputs and scratch
  const inputs = { x: T * B * I, W: I * G, U: H * G, b: G, dhs: T * B * H };
  const p = {};
  for (const [name, n] of Object.entries({
    ...inputs,
    gates: T * B * G,
    cs: T * B * H,
    tcs: T * B * H,
    hs: T * B * H,
    dx: T * B * I,
    dW: I * G,
    dU: H * G,
    db: G,
    dA: B * G,
    UT: G * packed(H),
    WT: G * packed(I),
    ws: (I + H) * packed(G), // the forward call's packed weights
    dAp: B * (packed(G) + packed(H)), // dA packed, each step (the GRU's h columns too)
    dhNext: B * H,
    dcNext: B * H,
    dhp: B * H,
  }))
    p[name] = alloc(n);
  // the same seeded values in every build: weights of a trained scale, inputs in [-0.1, 0.1)
  let s = 1;
  const f = new Float32Array(memory.buffer);
  for (const [name, n] of Object.entries(inputs))
    for (let i = p[name] / 4, end = i + n; i < end; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      f[i] = (s / 2 ** 32 - 0.5) * 0.2;
    }
  return () => {
    const t0 = performance.now();
    // (the GRU keeps r * h_prev in cs; a vanilla RNN tanh)
    if (cell === 'lstm') k.lstmForward(p.x, p.W, p.U, p.b, T, B, I, H, p.gates, p.cs, p.tcs, p.hs, 0, 0, p.ws);
    else if (cell === 'gru') k.gruForward(p.x, p.W, p.U, p.b, T, B, I, H, p.gates, p.hs, p.cs, 0, p.ws);
    else k.rnnForward(p.x, p.W, p.U, p.b, T, B, I, H, p.hs, 0, 0, p.ws);
    const t1 = performance.now();
    const grads = [p.dx, p.dW, p.dU, p.db, p.dA, p.UT, p.WT, p.dhNext];
    if (cell === 'lstm') k.lstmBackward(p.x, p.W, p.U, T, B, I, H, p.gates, p.cs, p.tcs, p.hs, p.dhs, ...grads, p.dcNext, 0, 0, 0, p.dAp);
    else if (cell === 'gru') k.gruBackward(p.x, p.W, p.U, T, B, I, H, p.gates, p.hs, p.cs, p.dhs, ...grads, p.dcNext, p.dhp, 0, 0, p.dAp);
    else k.rnnBackward(p.x, p.W, p.U, T, B, I, H, p.hs, p.dhs, ...grads, 0, 0, 0, p.dAp);
    const t2 = performance.now();
    const bits = (at, n) => new Uint32Array(memory.buffer, at, n).slice();
    return { forward: t1 - t0, backward: t2 - t1, bits: [bits(p.hs, T * B * H), bits(p.dW, I * G), bits(p.dU, H * G), bits(p.dx, T * B * I)] };
  };
}

const median = (v) => v.slice().sort((a, b) => a - b)[v.length >> 1];
const ceiling = wasmCeiling();
const flops = 2 * T * B * G * (I + H);
const builds = [['this checkout', join(root, 'dist', 'kernels', 'rnn.wasm')]];
if (opt('against')) builds.push(['--against', opt('against')]);
const calls = builds.map(([, file]) => kernelsOf(file));
const runs = builds.map(() => []);
for (let r = 0; r < reps; r++) calls.forEach((call, i) => runs[i].push(call()));
const rows = builds.map(([name, file], i) => {
  const forward = median(runs[i].map((x) => x.forward));
  const backward = median(runs[i].map((x) => x.backward));
  return { name, file, forward_ms: forward, backward_ms: backward, forward_gflops: flops / forward / 1e6, backward_gflops: (2 * flops) / backward / 1e6 };
});
const same = runs.length < 2 || runs[0][0].bits.every((a, j) => a.every((v, i) => v === runs[1][0].bits[j][i]));
if (flag('json'))
  process.stdout.write(`${JSON.stringify({ cell, shape: { T, B, I, H }, reps, wasm_simd_ceiling_gflops: ceiling, builds: rows, same_bits: same })}\n`);
else {
  const pct = (g) => `${((100 * g) / ceiling).toFixed(0)}%`;
  console.log(`${cell.toUpperCase()} layer T ${T}, B ${B}, I ${I}, H ${H}, one thread, median of ${reps}`);
  for (const r of rows)
    console.log(
      `${r.name.padEnd(14)} forward ${r.forward_ms.toFixed(1)} ms (${r.forward_gflops.toFixed(1)} GFLOP/s, ${pct(r.forward_gflops)})  ` +
        `backward ${r.backward_ms.toFixed(1)} ms (${r.backward_gflops.toFixed(1)} GFLOP/s, ${pct(r.backward_gflops)})`,
    );
  console.log(`WebAssembly SIMD ceiling here: ${ceiling.toFixed(1)} GFLOP/s (one core, measured); percentages are of it`);
  if (runs.length > 1) console.log(`same bits (outputs and every gradient): ${same}`);
}
if (!same) process.exitCode = 1;
