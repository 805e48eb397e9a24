#!/usr/bin/env node
// The LSTM's variants against the plain LSTM on the fused kernels, at the reference shape of
// bench/speed.js (2 layers x 64 units, window 48, 1 feature, batch 64, MSE, Adam): training
// samples/s of the plain LSTM, with peepholes, with coupled input and forget gates, and with both,
// on 1 thread and on all cores. The four alternate within each round; medians over --rounds are
// reported with each variant's time relative to the plain LSTM's (the machine may be shared:
// compare the ratios).
// Usage: node bench/lstm-variants.js [--samples N] [--epochs N] [--rounds N] [--threads N] [--json]
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { flag, opt, referenceLayerArgs, root } from './args.js';

const cores = availableParallelism();
const cfg = {
  layers: 2,
  units: 64,
  window: 48,
  features: 1,
  batch: 64,
  samples: Number(opt('samples', 2048)),
  epochs: Number(opt('epochs', 2)),
  rounds: Number(opt('rounds', 5)),
  threads: Number(opt('threads', cores)),
};
const VARIANTS = {
  lstm: null,
  peephole: { peephole: true, coupledGates: false },
  coupled: { peephole: false, coupledGates: true },
  'peephole+coupled': { peephole: true, coupledGates: true },
};

const saved = { log: console.log, warn: console.warn, info: console.info };
console.log = console.warn = console.info = () => {};
const { tf } = await import(join(root, 'dist', 'model', 'tfjs.js'));
tf.env().set('PROD', true);
await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend('wasm');
await tf.ready();
Object.assign(console, saved);
const { fusedRecurrentLayer, fusedLstmVariantLayer } = await import(join(root, 'dist', 'model', 'fused', 'index.js'));
const kernels = await import(join(root, 'dist', 'kernels', 'threads.js'));

function buildModel(variant) {
  const model = tf.sequential();
  for (let i = 0; i < cfg.layers; i++) {
    const args = referenceLayerArgs(tf, cfg, i);
    const warn = console.warn;
    console.warn = () => {};
    try {
      model.add(variant ? fusedLstmVariantLayer(tf, { ...args, ...variant }) : fusedRecurrentLayer(tf, 'lstm', args));
    } finally {
      console.warn = warn;
    }
  }
  model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 99 }) }));
  return model;
}

/** Samples/s of training, after one warm-up epoch (the work of bench/speed.js's trainRate). */
function trainRate(variant, threads) {
  kernels.setThreads(threads);
  const model = buildModel(variant);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([cfg.samples, cfg.window, cfg.features], 0, 1, 'float32', 1);
  const y = tf.randomNormal([cfg.samples, 1], 0, 1, 'float32', 2);
  const vars = model.trainableWeights.map((w) => w.read());
  const epoch = () => {
    for (let s = 0; s < cfg.samples; s += cfg.batch) {
      const n = Math.min(cfg.batch, cfg.samples - s);
      tf.tidy(() => {
        const xb = x.slice([s, 0, 0], [n, cfg.window, cfg.features]);
        const yb = y.slice([s, 0], [n, 1]);
        const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(yb, model.apply(xb, { training: true })), vars);
        optimizer.applyGradients(grads);
        value.dataSync();
      });
    }
  };
  epoch();
  const t0 = performance.now();
  for (let e = 0; e < cfg.epochs; e++) epoch();
  const secs = (performance.now() - t0) / 1000;
  x.dispose();
  y.dispose();
  optimizer.dispose();
  model.dispose();
  return (cfg.samples * cfg.epochs) / secs;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const threadCounts = cfg.threads > 1 ? [1, cfg.threads] : [1];
const runs = Object.fromEntries(Object.keys(VARIANTS).map((k) => [k, Object.fromEntries(threadCounts.map((t) => [t, []]))]));
for (let round = 0; round < cfg.rounds; round++) {
  process.stderr.write(`round ${round + 1}/${cfg.rounds}\n`);
  for (const t of threadCounts) for (const [name, v] of Object.entries(VARIANTS)) runs[name][t].push(trainRate(v, t));
}
kernels.setThreads(1);
const results = { shape: cfg, variants: {} };
for (const name of Object.keys(VARIANTS)) {
  results.variants[name] = {};
  for (const t of threadCounts) {
    const rate = median(runs[name][t]);
    results.variants[name][`threads_${t}`] = { samples_per_s: rate, time_vs_lstm: median(runs.lstm[t]) / rate, runs: runs[name][t] };
  }
}
if (flag('json')) process.stdout.write(`${JSON.stringify(results)}\n`);
else {
  console.log(`LSTM variants, fused kernels: ${cfg.layers}x${cfg.units}, window ${cfg.window}, batch ${cfg.batch}, median of ${cfg.rounds} rounds`);
  console.log(['variant'.padEnd(18), ...threadCounts.flatMap((t) => [`${t}t samples/s`.padStart(15), `${t}t time/lstm`.padStart(14)])].join(''));
  for (const [name, r] of Object.entries(results.variants))
    console.log(
      [
        name.padEnd(18),
        ...threadCounts.flatMap((t) => [r[`threads_${t}`].samples_per_s.toFixed(0).padStart(15), r[`threads_${t}`].time_vs_lstm.toFixed(2).padStart(14)]),
      ].join(''),
    );
}
