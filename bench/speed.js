#!/usr/bin/env node
// Training throughput (samples/s) at the reference shape, all engines in one run:
//   stock tfjs-layers LSTM/GRU on the tfjs wasm backend, rnnfc's fused layers on 1 thread and on
//   all cores, and PyTorch (CPU) at its best thread count and BLAS when /usr/bin/python3 has torch;
// then the peak memory (max RSS) of a real `rnnfc train` run, and the predict timing of
// bench/predict.js when that file exists.
// Besides the fused layers in a plain tfjs loop (tf.variableGrads and tf.train.adam, the same work
// as PyTorch's), "rnnfc trainer" times rnnfc's own training loop (train/loop.ts: the fused Adam,
// windows shuffled each epoch, the gradient norm and gradient-flow measures it always keeps) on
// the same shape, model and data, all cores: the speed `rnnfc train` trains at.
// Reference shape: 2 layers x 64 units, window 48, 1 feature, batch 64, horizon 1, MSE, Adam,
// 2048 samples, 1 warm-up epoch + 2 timed epochs. rnnfc and PyTorch runs alternate for --rounds
// rounds and the median of each is reported (the machine may be shared: compare ratios).
// Other shapes: --layers N --units N --window N --features N --batch N (PyTorch runs the same shape).
// --seq: the one-to-one form (a target at every step, the head on every step's output), as
// torch_rnn_bench.py --seq; rnnfc's trainer then trains a one-to-one model (window.mode one-to-one).
// Usage: npm run bench [-- --cell lstm|gru|rnn|both] [--samples N] [--epochs N] [--rounds N]
//          [--stock-samples N] [--threads N] [--fused-only] [--no-torch] [--no-rss] [--no-predict] [--json]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { flag, opt, referenceLayerArgs, root, wasmCeiling } from './args.js';

const cores = availableParallelism();
const cfg = {
  cells: opt('cell', 'both') === 'both' ? ['lstm', 'gru'] : [opt('cell')],
  layers: Number(opt('layers', 2)),
  units: Number(opt('units', 64)),
  window: Number(opt('window', 48)),
  features: Number(opt('features', 1)),
  horizon: 1,
  batch: Number(opt('batch', 64)),
  samples: Number(opt('samples', 2048)),
  epochs: Number(opt('epochs', 2)),
  rounds: Number(opt('rounds', 3)),
  seq: flag('seq'),
  // stock tfjs layers are ~10x slower: fewer samples give the same rate in less time
  stockSamples: Number(opt('stock-samples', 512)),
  threads: Number(opt('threads', cores)),
};

const quiet = async (fn) => {
  const s = { log: console.log, warn: console.warn, info: console.info };
  console.log = console.warn = console.info = () => {};
  try {
    return await fn();
  } finally {
    Object.assign(console, s);
  }
};
const { tf } = await quiet(() => import(join(root, 'dist', 'model', 'tfjs.js')));
tf.env().set('PROD', true);
await quiet(() => import('@tensorflow/tfjs-backend-wasm'));
await quiet(() => tf.setBackend('wasm'));
await tf.ready();

const fusedPath = join(root, 'dist', 'model', 'fused', 'index.js');
if (!existsSync(fusedPath)) {
  console.error('dist/model/fused/index.js missing: run "npm run build" first');
  process.exit(1);
}
const { fusedRecurrentLayer } = await import(fusedPath);
const kernels = await import(join(root, 'dist', 'kernels', 'threads.js'));
const { buildModel: buildRnnfcModel } = await import(join(root, 'dist', 'model', 'build.js'));
const { trainModel } = await import(join(root, 'dist', 'train', 'loop.js'));

/** rnnfc's own training loop (train/loop.ts) on the reference work: samples/s over cfg.epochs epochs after one warm-up epoch. */
async function trainerRate(cell, threads, samples = cfg.samples) {
  kernels.setThreads(threads);
  const yShape = cfg.seq ? [samples, cfg.window, 1] : [samples, cfg.horizon];
  const [x, y] = [tf.randomNormal([samples, cfg.window, cfg.features], 0, 1, 'float32', 1), tf.randomNormal(yShape, 0, 1, 'float32', 2)];
  const data = { x: x.dataSync().slice(), y: y.dataSync().slice(), xShape: [samples, cfg.window, cfg.features], yShape };
  tf.dispose([x, y]);
  const model = buildRnnfcModel(tf, {
    cell,
    layers: Array.from({ length: cfg.layers }, () => ({ units: cfg.units })),
    dropout: 0,
    dense: [],
    steps: cfg.seq ? null : cfg.window,
    features: cfg.features,
    outputs: cfg.seq ? 1 : cfg.horizon,
    sequenceOutput: cfg.seq,
    seed: 1,
    fused: true,
  });
  const training = {
    optimizer: 'adam',
    learning_rate: 1e-3,
    batch_size: cfg.batch,
    epochs: cfg.epochs + 1,
    loss: 'mse',
    clip_norm: 0,
    early_stopping: null,
    validation_size: 0,
    seed: 5,
    threads,
    ensemble: 1,
    windows_per_epoch: 0,
  };
  const ends = [];
  await trainModel(tf, model, data, training, { onEpoch: () => ends.push(performance.now()) });
  model.dispose();
  return (samples * cfg.epochs) / ((ends[ends.length - 1] - ends[0]) / 1000);
}

function buildModel(cell, fused) {
  const model = tf.sequential();
  for (let i = 0; i < cfg.layers; i++) {
    const args = { ...referenceLayerArgs(tf, cfg, i), ...(cfg.seq ? { returnSequences: true } : {}) };
    const layer = fused
      ? fusedRecurrentLayer(tf, cell, cell === 'rnn' ? { ...args, activation: 'tanh' } : args)
      : cell === 'rnn'
        ? tf.layers.simpleRNN({ ...args, activation: 'tanh' })
        : (cell === 'lstm' ? tf.layers.lstm : tf.layers.gru)({ ...args, recurrentActivation: 'sigmoid' });
    const warn = console.warn;
    console.warn = () => {};
    try {
      model.add(layer);
    } finally {
      console.warn = warn;
    }
  }
  const head = tf.layers.dense({ units: cfg.seq ? 1 : cfg.horizon, kernelInitializer: tf.initializers.glorotUniform({ seed: 99 }) });
  // --seq: the head on every step's output (a dense layer maps the last axis), as PyTorch's Linear
  model.add(head);
  return model;
}

/** The same work as torch_rnn_bench.py: MSE, Adam, mini-batches in order, no clipping. */
async function trainRate(cell, fused, threads, samples = cfg.samples) {
  if (fused) kernels.setThreads(threads);
  const model = buildModel(cell, fused);
  const opt = tf.train.adam(1e-3);
  const x = tf.randomNormal([samples, cfg.window, cfg.features], 0, 1, 'float32', 1);
  const y = tf.randomNormal(cfg.seq ? [samples, cfg.window, 1] : [samples, cfg.horizon], 0, 1, 'float32', 2);
  const vars = model.trainableWeights.map((w) => w.read());
  const epoch = () => {
    for (let s = 0; s < samples; s += cfg.batch) {
      const n = Math.min(cfg.batch, samples - s);
      tf.tidy(() => {
        const xb = x.slice([s, 0, 0], [n, cfg.window, cfg.features]);
        const yb = cfg.seq ? y.slice([s, 0, 0], [n, cfg.window, 1]) : y.slice([s, 0], [n, cfg.horizon]);
        const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(yb, model.apply(xb, { training: true })), vars);
        opt.applyGradients(grads);
        value.dataSync();
      });
    }
  };
  epoch(); // warm-up
  const t0 = performance.now();
  for (let e = 0; e < cfg.epochs; e++) epoch();
  const secs = (performance.now() - t0) / 1000;
  x.dispose();
  y.dispose();
  opt.dispose();
  model.dispose();
  return (samples * cfg.epochs) / secs;
}

// ---------------------------------------------------------------- PyTorch
const torchScript = join(root, '..', 'shared', 'bench', 'torch_rnn_bench.py');
const haveTorch =
  !flag('no-torch') &&
  existsSync('/usr/bin/python3') &&
  existsSync(torchScript) &&
  spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
// Debian's torch links the system BLAS (the reference BLAS unless another is selected); OpenBLAS,
// when installed, is offered too, and the faster setting wins.
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
// OpenBLAS may run its own threads (blasThreads) or not, whatever the torch thread count.
const torchConfigs = [];
for (const threads of [...new Set([1, cores])])
  for (const blas of existsSync(join(OPENBLAS, 'libblas.so.3')) ? ['system', 'openblas'] : ['system'])
    for (const blasThreads of [...new Set([1, cores])]) if (blas === 'openblas' || blasThreads === threads) torchConfigs.push({ threads, blas, blasThreads });

function torchRate(cell, { threads, blas, blasThreads }) {
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(blasThreads) };
  if (blas === 'openblas') env.LD_LIBRARY_PATH = [OPENBLAS, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const r = spawnSync(
    '/usr/bin/python3',
    [
      torchScript,
      '--cell',
      cell,
      '--layers',
      String(cfg.layers),
      '--units',
      String(cfg.units),
      '--window',
      String(cfg.window),
      '--features',
      String(cfg.features),
      '--horizon',
      String(cfg.horizon),
      '--batch',
      String(cfg.batch),
      '--samples',
      String(cfg.samples),
      '--epochs',
      String(cfg.epochs),
      '--threads',
      String(threads),
      ...(cfg.seq ? ['--seq'] : []),
    ],
    { encoding: 'utf8', env },
  );
  if (r.status !== 0) return null;
  try {
    const j = JSON.parse(r.stdout.trim().split('\n').pop());
    return { rate: Number(j.samples_per_s), engine: j.engine };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- peak memory of a training run
/** Max RSS (MiB) of `rnnfc train` on the co2 config, read inside the child when it exits. */
function trainPeakMemory(threads) {
  const dir = mkdtempSync(join(tmpdir(), 'rnnfc-bench-'));
  try {
    const rssFile = join(dir, 'rss.json');
    const preload = join(dir, 'rss.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(rssFile)}, ` +
        'JSON.stringify({ maxRSS: process.resourceUsage().maxRSS })));\n',
    );
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        '--require',
        preload,
        join(root, 'bin', 'rnnfc.js'),
        'train',
        '-c',
        join(root, 'configs', 'co2-mauna-loa.yaml'),
        '--out',
        join(dir, 'run'),
        '--quiet',
        '--threads',
        String(threads),
      ],
      { encoding: 'utf8', cwd: root },
    );
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0 || !existsSync(rssFile)) return { error: (r.stderr || '').trim().split('\n').pop() || `exit ${r.status}` };
    return { max_rss_mib: Number((JSON.parse(readFileSync(rssFile, 'utf8')).maxRSS / 1024).toFixed(1)), seconds: Number(seconds.toFixed(2)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- run
const median = (a) => {
  const s = a.filter((v) => v != null && Number.isFinite(v)).sort((p, q) => p - q);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f = (v) => (v == null || !Number.isFinite(v) ? 'n/a' : v.toFixed(0));
const log = (s) => process.stderr.write(s + '\n');

// The work of one training sample (forward and backward: 3 times the forward's multiply-adds, x2
// FLOPs each) in the recurrent layers, which hold nearly all of it, and this machine's WebAssembly
// SIMD ceiling a core, measured (simdPeak in assembly/peak.ts: independent multiply-add chains, no
// memory): GFLOP/s and their share of the ceiling per engine.
const gatesPerUnit = { lstm: 4, gru: 3, rnn: 1 };
const flopsPerSample = (cell) => {
  let flops = 0;
  for (let l = 0, I = cfg.features; l < cfg.layers; l++, I = cfg.units) flops += 3 * 2 * cfg.window * gatesPerUnit[cell] * cfg.units * (I + cfg.units);
  return flops;
};
const ceiling = wasmCeiling();
const gflops = (cell, rate, threads) =>
  rate
    ? { gflops: (rate * flopsPerSample(cell)) / 1e9, share_of_wasm_ceiling: threads ? (rate * flopsPerSample(cell)) / 1e9 / (ceiling * threads) : null }
    : null;

const results = { machine: { cores, node: process.version, wasm_simd_ceiling_gflops_per_core: ceiling }, shape: { ...cfg, cells: undefined }, cells: {} };
log(
  `${cfg.seq ? 'one-to-one (--seq), ' : ''}shape ${cfg.layers}x${cfg.units}, window ${cfg.window}, features ${cfg.features}, batch ${cfg.batch}, ` +
    `${cfg.samples} samples, ${cfg.epochs} timed epochs, ${cfg.rounds} rounds; ${cores} cores`,
);
for (const cell of cfg.cells) {
  const r = { stock: null, fused1: [], fusedN: [], trainer: [], torch: [], torchConfig: null, torchEngine: null, torchProbe: [] };
  if (!flag('fused-only')) {
    log(`${cell}: stock tfjs layers (${cfg.stockSamples} samples)...`);
    r.stock = await trainRate(cell, false, 1, cfg.stockSamples);
  }
  if (haveTorch) {
    // one probe per setting picks PyTorch's best thread count and BLAS
    for (const c of torchConfigs) {
      const t = torchRate(cell, c);
      r.torchProbe.push({ ...c, samples_per_s: t?.rate ?? null });
      if (t && t.rate > (r.torchConfig?.samples_per_s ?? 0)) {
        r.torchConfig = r.torchProbe[r.torchProbe.length - 1];
        r.torchEngine = t.engine;
      }
    }
  }
  for (let round = 0; round < cfg.rounds; round++) {
    log(`${cell}: round ${round + 1}/${cfg.rounds}`);
    r.fused1.push(await trainRate(cell, true, 1));
    if (cfg.threads > 1) r.fusedN.push(await trainRate(cell, true, cfg.threads));
    r.trainer.push(await trainerRate(cell, cfg.threads));
    if (r.torchConfig) r.torch.push(torchRate(cell, r.torchConfig)?.rate ?? null);
  }
  kernels.setThreads(1);
  const best = Math.max(median(r.fused1) ?? 0, median(r.fusedN) ?? 0);
  const torch = median(r.torch);
  results.cells[cell] = {
    stock_tfjs_wasm: r.stock,
    fused_1_thread: median(r.fused1),
    [`fused_${cfg.threads}_threads`]: cfg.threads > 1 ? median(r.fusedN) : undefined,
    rnnfc_trainer: median(r.trainer),
    pytorch: torch,
    pytorch_setting: r.torchConfig
      ? { threads: r.torchConfig.threads, blas: r.torchConfig.blas, blas_threads: r.torchConfig.blasThreads, engine: r.torchEngine }
      : null,
    pytorch_probe: r.torchProbe,
    rnnfc_best_over_pytorch: torch ? best / torch : null,
    rnnfc_trainer_over_pytorch: torch && median(r.trainer) ? median(r.trainer) / torch : null,
    runs: { fused_1_thread: r.fused1, fused_n_threads: r.fusedN, rnnfc_trainer: r.trainer, pytorch: r.torch },
    // PyTorch's share is of the wasm ceiling too: how far native code goes past it
    gflops: {
      fused_1_thread: gflops(cell, median(r.fused1), 1),
      [`fused_${cfg.threads}_threads`]: cfg.threads > 1 ? gflops(cell, median(r.fusedN), cfg.threads) : undefined,
      rnnfc_trainer: gflops(cell, median(r.trainer), cfg.threads),
      pytorch: gflops(cell, torch, r.torchConfig?.threads ?? 1),
    },
  };
}

if (!flag('no-rss')) {
  log('peak memory of rnnfc train (co2-mauna-loa)...');
  results.train_peak_memory = { threads_1: trainPeakMemory(1), [`threads_${cfg.threads}`]: trainPeakMemory(cfg.threads) };
}

// Hook: bench/predict.js (predict wall time), when present, runs as a child with --json and its
// last stdout line is reported as `predict`.
const predictBench = join(root, 'bench', 'predict.js');
if (!flag('no-predict') && existsSync(predictBench)) {
  log('predict timing (bench/predict.js)...');
  const p = spawnSync(process.execPath, [predictBench, '--json'], { encoding: 'utf8', cwd: root });
  try {
    results.predict = JSON.parse(p.stdout.trim().split('\n').pop());
  } catch {
    results.predict = { error: (p.stderr || '').trim().split('\n').pop() || `exit ${p.status}` };
  }
}

if (flag('json')) {
  process.stdout.write(JSON.stringify(results) + '\n');
} else {
  const rows = [['cell', 'engine', 'samples/s', 'GFLOP/s', 'of ceiling']];
  const g = (x) => (x ? [x.gflops.toFixed(1), `${(100 * x.share_of_wasm_ceiling).toFixed(0)}%`] : ['', '']);
  for (const [cell, c] of Object.entries(results.cells)) {
    rows.push([cell, 'tfjs wasm, stock layers', f(c.stock_tfjs_wasm), '', '']);
    rows.push([cell, 'rnnfc fused, 1 thread', f(c.fused_1_thread), ...g(c.gflops.fused_1_thread)]);
    if (cfg.threads > 1)
      rows.push([cell, `rnnfc fused, ${cfg.threads} threads`, f(c[`fused_${cfg.threads}_threads`]), ...g(c.gflops[`fused_${cfg.threads}_threads`])]);
    rows.push([cell, `rnnfc trainer (train/loop.ts), ${cfg.threads} thread${cfg.threads > 1 ? 's' : ''}`, f(c.rnnfc_trainer), ...g(c.gflops.rnnfc_trainer)]);
    const ps = c.pytorch_setting;
    rows.push([
      cell,
      ps
        ? `pytorch ${ps.engine.replace(/^pytorch-/, '')}, ${ps.threads} thread${ps.threads > 1 ? 's' : ''}, ${ps.blas} BLAS` +
          (ps.blas === 'openblas' ? ` (${ps.blas_threads} BLAS thread${ps.blas_threads > 1 ? 's' : ''})` : '')
        : 'pytorch (not available)',
      f(c.pytorch),
      ...g(c.gflops.pytorch),
    ]);
    if (c.rnnfc_best_over_pytorch) rows.push([cell, 'rnnfc best / pytorch best', `x${c.rnnfc_best_over_pytorch.toFixed(2)}`, '', '']);
    if (c.rnnfc_trainer_over_pytorch) rows.push([cell, 'rnnfc trainer / pytorch best', `x${c.rnnfc_trainer_over_pytorch.toFixed(2)}`, '', '']);
  }
  const w = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(`${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padStart(w[2])}  ${r[3].padStart(w[3])}  ${r[4].padStart(w[4])}`);
  console.log(`WebAssembly SIMD ceiling here: ${ceiling.toFixed(1)} GFLOP/s a core (measured); FLOPs: the recurrent layers' forward and backward`);
  if (results.train_peak_memory) {
    for (const [k, v] of Object.entries(results.train_peak_memory))
      console.log(
        `rnnfc train co2-mauna-loa, ${k.replace('_', ' ')}: ` + ('error' in v ? `failed: ${v.error}` : `max RSS ${v.max_rss_mib} MiB, ${v.seconds} s`),
      );
  }
  if (results.predict) console.log(`predict: ${JSON.stringify(results.predict)}`);
  console.log(JSON.stringify(results));
}
