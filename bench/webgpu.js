#!/usr/bin/env node
// Training throughput (samples/s) of `--backend webgpu` against the CPU kernels, side by side:
// rnnfc's own training loop (train/loop.ts trainModel: shuffled mini-batches, MSE, Adam, no
// clipping, no diagnostics) on the same model and data, the GPU path (train/gpu-loop.ts) and the
// fused CPU kernels on all threads, alternating for --rounds rounds; medians. One warm-up epoch
// first (it compiles the GPU's pipelines), then --epochs timed epochs.
// Also prints the adapter WebGPU found: on a machine without a GPU that is Mesa's llvmpipe (a
// software rasterizer), where the figure shows the plumbing, not the product.
// Usage: node bench/webgpu.js [--cell lstm|gru] [--layers N] [--units N] [--window N] [--features N]
//          [--batch N] [--samples N] [--epochs N] [--rounds N] [--products auto|plain|tiled] [--no-cpu] [--json]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { flag, opt, root } from './args.js';

const cfg = {
  cell: opt('cell', 'lstm'),
  layers: Number(opt('layers', 2)),
  units: Number(opt('units', 64)),
  window: Number(opt('window', 48)),
  features: Number(opt('features', 1)),
  batch: Number(opt('batch', 64)),
  samples: Number(opt('samples', 2048)),
  epochs: Number(opt('epochs', 2)),
  rounds: Number(opt('rounds', 3)),
  // the kernel of the large products: auto (tiled where large enough), plain or tiled
  products: opt('products', 'auto'),
};
if (!existsSync(join(root, 'dist', 'gpu', 'trainer.js'))) {
  console.error('dist/gpu/trainer.js missing: run "npm run build" first');
  process.exit(1);
}
const { loadBackend } = await import(join(root, 'dist', 'model', 'backend.js'));
const { buildModel } = await import(join(root, 'dist', 'model', 'build.js'));
const { trainModel } = await import(join(root, 'dist', 'train', 'loop.js'));
const { openGpu } = await import(join(root, 'dist', 'gpu', 'device.js'));
const { setThreads, threadCount } = await import(join(root, 'dist', 'kernels', 'threads.js'));

const { tf } = await loadBackend('wasm');
const gpu = await openGpu(process.env);
const threads = threadCount('auto');
setThreads(threads);

// deterministic inputs and targets
const x = new Float32Array(cfg.samples * cfg.window * cfg.features).map((_, i) => Math.sin(i * 0.37) + 0.3 * Math.cos(i * 1.91));
const y = new Float32Array(cfg.samples).map((_, i) => Math.sin(i * 0.53));
const data = { x, y, xShape: [cfg.samples, cfg.window, cfg.features], yShape: [cfg.samples, 1] };
const training = (epochs) => ({
  optimizer: 'adam',
  learning_rate: 1e-3,
  batch_size: cfg.batch,
  epochs,
  loss: 'mse',
  clip_norm: 0,
  early_stopping: null,
  validation_size: 0,
  seed: 1,
  threads,
  ensemble: 1,
  windows_per_epoch: 0,
  gradient_flow: false,
});

/** samples/s of trainModel on the GPU or the CPU kernels, after a warm-up epoch */
async function rate(onGpu) {
  const model = buildModel(tf, {
    cell: cfg.cell,
    layers: Array.from({ length: cfg.layers }, () => ({ units: cfg.units })),
    dropout: 0,
    dense: [],
    steps: cfg.window,
    features: cfg.features,
    outputs: 1,
    sequenceOutput: false,
    seed: 1,
    fused: true,
  });
  const hooks = onGpu ? { gpu, gpuProducts: cfg.products } : {};
  await trainModel(tf, model, data, training(1), hooks);
  const t0 = performance.now();
  await trainModel(tf, model, data, training(cfg.epochs), hooks);
  const secs = (performance.now() - t0) / 1000;
  model.dispose();
  return (cfg.samples * cfg.epochs) / secs;
}

const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};
const g = [];
const c = [];
for (let r = 0; r < cfg.rounds; r++) {
  g.push(await rate(true));
  if (!flag('no-cpu')) c.push(await rate(false));
}
// forward plus backward FLOPs per sample: 3x the forward's 2 * gates * (I + H) * H per step and layer
const gates = cfg.cell === 'lstm' ? 4 : 3;
let flops = 0;
for (let l = 0; l < cfg.layers; l++) flops += 6 * gates * ((l ? cfg.units : cfg.features) + cfg.units) * cfg.units * cfg.window;
const out = {
  shape: cfg,
  adapter: gpu.description,
  software_adapter: gpu.software,
  webgpu_samples_per_s: median(g),
  webgpu_gflops: (median(g) * flops) / 1e9,
  cpu_threads: threads,
  cpu_samples_per_s: median(c),
  webgpu_over_cpu: c.length ? median(g) / median(c) : null,
  rounds: { webgpu: g, cpu: c },
};
if (flag('json')) console.log(JSON.stringify(out));
else {
  const f = (v) => (v === null ? '-' : v.toFixed(0));
  console.log(`${cfg.cell} ${cfg.layers}x${cfg.units}, window ${cfg.window}, ${cfg.features} feature(s), batch ${cfg.batch}; medians of ${cfg.rounds}`);
  console.log(`adapter: ${gpu.description}${gpu.software ? ' (software)' : ''}`);
  console.log(`webgpu  ${f(out.webgpu_samples_per_s)} samples/s (${out.webgpu_gflops.toFixed(2)} GFLOP/s)`);
  if (c.length) console.log(`cpu     ${f(out.cpu_samples_per_s)} samples/s (${threads} threads): webgpu/cpu ${out.webgpu_over_cpu.toFixed(3)}`);
}
process.exit(0);
