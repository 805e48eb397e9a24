#!/usr/bin/env node
// What the gradient-flow diagnostics cost (training.gradient_flow): rnnfc's training loop at the
// reference shape of bench/speed.js (2 layers x 64 units, window 48, 1 feature, batch 64, MSE,
// Adam, 2048 windows) with the diagnostics on and off, alternating within each round; the median
// seconds per epoch of each over --rounds rounds, and their ratio (the machine may be shared:
// compare the ratio).
// Usage: node bench/gradient-flow.js [--cell lstm|gru|rnn] [--epochs N] [--rounds N] [--threads N] [--json]
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { flag, opt, root } from './args.js';

const cfg = {
  cell: opt('cell', 'lstm'),
  layers: 2,
  units: 64,
  window: 48,
  batch: 64,
  samples: 2048,
  epochs: Number(opt('epochs', 3)),
  rounds: Number(opt('rounds', 5)),
  threads: Number(opt('threads', availableParallelism())),
};

const saved = { log: console.log, warn: console.warn, info: console.info };
console.log = console.warn = console.info = () => {};
const { loadBackend } = await import(join(root, 'dist', 'model', 'backend.js'));
const { tf } = await loadBackend('wasm');
Object.assign(console, saved);
const { buildModel } = await import(join(root, 'dist', 'model', 'build.js'));
const { trainModel } = await import(join(root, 'dist', 'train', 'loop.js'));
const kernels = await import(join(root, 'dist', 'kernels', 'threads.js'));
kernels.setThreads(cfg.threads);

const x = Float32Array.from({ length: cfg.samples * cfg.window }, (_, i) => Math.sin(i * 0.37) + 0.1 * Math.cos(i * 1.3));
const y = Float32Array.from({ length: cfg.samples }, (_, i) => Math.sin(i * 0.21));
const data = { x, y, xShape: [cfg.samples, cfg.window, 1], yShape: [cfg.samples, 1] };
const training = {
  optimizer: 'adam',
  learning_rate: 1e-3,
  batch_size: cfg.batch,
  epochs: cfg.epochs,
  loss: 'mse',
  clip_norm: 1,
  early_stopping: null,
  validation_size: 0,
  seed: 1,
  threads: cfg.threads,
  ensemble: 1,
  windows_per_epoch: 0,
};

/** Seconds per epoch of one training run (the first epoch, which warms up, not counted). */
async function epochSeconds(diagnose) {
  const model = buildModel(tf, {
    cell: cfg.cell,
    layers: Array.from({ length: cfg.layers }, () => ({ units: cfg.units })),
    dropout: 0,
    dense: [],
    steps: cfg.window,
    features: 1,
    outputs: 1,
    sequenceOutput: false,
    seed: 5,
    fused: true,
  });
  const r = await trainModel(tf, model, data, diagnose ? training : { ...training, gradient_flow: false });
  model.dispose();
  const secs = r.history.slice(1).map((e) => e.seconds);
  return secs.reduce((a, b) => a + b, 0) / secs.length;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const on = [];
const off = [];
for (let round = 0; round < cfg.rounds; round++) {
  process.stderr.write(`round ${round + 1}/${cfg.rounds}\n`);
  off.push(await epochSeconds(false));
  on.push(await epochSeconds(true));
}
const result = { shape: cfg, seconds_per_epoch: { off: median(off), on: median(on) }, on_over_off: median(on) / median(off), runs: { on, off } };
if (flag('json')) process.stdout.write(`${JSON.stringify(result)}\n`);
else
  console.log(
    `gradient-flow diagnostics, ${cfg.cell} ${cfg.layers}x${cfg.units}, window ${cfg.window}, batch ${cfg.batch}, ${cfg.threads} thread(s), median of ${cfg.rounds}: ` +
      `off ${median(off).toFixed(3)} s/epoch, on ${median(on).toFixed(3)} s/epoch, on/off ${(median(on) / median(off)).toFixed(3)}`,
  );
