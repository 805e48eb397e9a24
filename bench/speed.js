#!/usr/bin/env node
// Training throughput (samples/s): stock tfjs-layers LSTM/GRU vs rnnfc's fused wasm layers, on the
// tfjs wasm backend, plus PyTorch (CPU) when /usr/bin/python3 has torch.
// Reference shape: 2 layers x 64 units, window 48, 1 feature, batch 64, horizon 1, MSE, Adam,
// 2048 samples, 1 warm-up epoch + 2 timed epochs.
// Usage: npm run bench [-- --cell lstm|gru|both] [--samples N] [--epochs N] [--backend wasm|cpu] [--fused-only]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const cfg = {
  cells: opt('cell', 'both') === 'both' ? ['lstm', 'gru'] : [opt('cell')],
  layers: 2, units: 64, window: 48, features: 1, horizon: 1, batch: 64,
  samples: Number(opt('samples', 2048)),
  epochs: Number(opt('epochs', 2)),
  backend: opt('backend', 'wasm'),
};

const quiet = async (fn) => {
  const s = { log: console.log, warn: console.warn, info: console.info };
  console.log = console.warn = console.info = () => {};
  try { return await fn(); } finally { Object.assign(console, s); }
};
const tf = await quiet(() => import('@tensorflow/tfjs'));
tf.env().set('PROD', true);
if (cfg.backend === 'wasm') await quiet(() => import('@tensorflow/tfjs-backend-wasm'));
await quiet(() => tf.setBackend(cfg.backend));
await tf.ready();

const fusedPath = join(root, 'dist', 'model', 'fused', 'index.js');
if (!existsSync(fusedPath)) {
  console.error('dist/model/fused/index.js missing: run "npm run build" first');
  process.exit(1);
}
const { fusedRecurrentLayer } = await import(fusedPath);

function buildModel(cell, fused) {
  const model = tf.sequential();
  for (let i = 0; i < cfg.layers; i++) {
    const args = {
      units: cfg.units,
      returnSequences: i < cfg.layers - 1,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 10 + i }),
      recurrentInitializer: tf.initializers.orthogonal({ gain: 1, seed: 20 + i }),
      biasInitializer: tf.initializers.zeros(),
      ...(i === 0 ? { inputShape: [cfg.window, cfg.features] } : {}),
    };
    const layer = fused
      ? fusedRecurrentLayer(tf, cell, args)
      : (cell === 'lstm' ? tf.layers.lstm : tf.layers.gru)({ ...args, recurrentActivation: 'sigmoid' });
    const warn = console.warn;
    console.warn = () => {};
    try { model.add(layer); } finally { console.warn = warn; }
  }
  model.add(tf.layers.dense({ units: cfg.horizon, kernelInitializer: tf.initializers.glorotUniform({ seed: 99 }) }));
  return model;
}

async function trainRate(cell, fused) {
  const model = buildModel(cell, fused);
  const opt = tf.train.adam(1e-3);
  const x = tf.randomNormal([cfg.samples, cfg.window, cfg.features], 0, 1, 'float32', 1);
  const y = tf.randomNormal([cfg.samples, cfg.horizon], 0, 1, 'float32', 2);
  const vars = model.trainableWeights.map((w) => w.read());
  const epoch = async () => {
    for (let s = 0; s < cfg.samples; s += cfg.batch) {
      const n = Math.min(cfg.batch, cfg.samples - s);
      tf.tidy(() => {
        const xb = x.slice([s, 0, 0], [n, cfg.window, cfg.features]);
        const yb = y.slice([s, 0], [n, cfg.horizon]);
        const { value, grads } = tf.variableGrads(
          () => tf.losses.meanSquaredError(yb, model.apply(xb, { training: true })), vars);
        opt.applyGradients(grads);
        value.dataSync();
      });
    }
  };
  await epoch(); // warm-up
  const t0 = performance.now();
  for (let e = 0; e < cfg.epochs; e++) await epoch();
  const secs = (performance.now() - t0) / 1000;
  x.dispose(); y.dispose(); model.dispose();
  return (cfg.samples * cfg.epochs) / secs;
}

function torchRate(cell) {
  const script = join(root, '..', 'shared', 'bench', 'torch_rnn_bench.py');
  if (!existsSync('/usr/bin/python3') || !existsSync(script)) return null;
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  if (probe.status !== 0) return null;
  const r = spawnSync('/usr/bin/python3', [script, '--cell', cell, '--layers', String(cfg.layers), '--units', String(cfg.units),
    '--window', String(cfg.window), '--features', String(cfg.features), '--horizon', String(cfg.horizon),
    '--batch', String(cfg.batch), '--samples', String(cfg.samples), '--epochs', String(cfg.epochs)], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const line = r.stdout.trim().split('\n').pop();
  try {
    const j = JSON.parse(line);
    return Number(j.samples_per_s ?? j.samples_s ?? j['samples/s'] ?? j.throughput);
  } catch {
    return null;
  }
}

console.log(`backend ${tf.getBackend()}; ${cfg.layers}x${cfg.units}, window ${cfg.window}, features ${cfg.features}, ` +
  `batch ${cfg.batch}, ${cfg.samples} samples, ${cfg.epochs} timed epochs`);
const results = {};
for (const cell of cfg.cells) {
  const stock = argv.includes('--fused-only') ? NaN : await trainRate(cell, false);
  const fused = await trainRate(cell, true);
  const torch = torchRate(cell);
  results[cell] = { stock, fused, torch };
  const f = (v) => (v == null || !Number.isFinite(v) ? 'n/a' : v.toFixed(1));
  console.log(`${cell}: stock tfjs ${f(stock)} samples/s | fused ${f(fused)} samples/s (x${(fused / stock).toFixed(2)})` +
    (torch ? ` | torch ${f(torch)} samples/s (fused/torch ${(fused / torch).toFixed(2)})` : ' | torch: skipped (no /usr/bin/python3 torch)'));
}
console.log(JSON.stringify(results));
