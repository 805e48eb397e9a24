#!/usr/bin/env node
// The pretrained forecaster's paths against the config-less model, side by side on one manifest
// (rolling origins as bench/accuracy.js: K origins, step ceil(h/2)): for each series and origin,
//   local   the config-less model alone (`rnnfc backtest --pretrained none --json`, run once per
//           series and kept in --cache),
//   zero    the pretrained network's zero-shot forecast from the same rows (--model DIR: a
//           `rnnfc pretrain` output),
//   mean    their average;
//   X@phi   (--damp phi,...) path X with its extrapolated trend damped as model.damping damps it
//           (src/forecast/damping.ts: the slope over the horizon, in logs for positive data and
//           less the history's season, counts phi + ... + phi^h at step h instead of h);
//   ft, mean-ft  (--finetune EPOCHS[,LR]) the network fine-tuned on the series' own windows before
//           the origin (rnnfc's training loop, MAE, batch 32, default learning rate 5e-4), alone and
//           averaged with local.
// Suite score = geometric mean over the series of mean MASE / Comb's (the baselines file of
// ../shared/bench/baselines.R), per category too.
//
// usage: node bench/pretrained-accuracy.js --manifest FILE --baselines FILE --model DIR
//          [--cache FILE] [--origins K] [--damp 0.9,0.95] [--finetune 10[,0.0005]] [--json]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { backtestArgs, root as ROOT } from './args.js';

const BIN = join(ROOT, 'bin/rnnfc.js');

function parseArgs(argv) {
  const o = { manifest: null, baselines: null, model: null, cache: null, origins: 3, json: false, damp: [], finetune: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--manifest') o.manifest = resolve(val());
    else if (a === '--baselines') o.baselines = resolve(val());
    else if (a === '--model') o.model = resolve(val());
    else if (a === '--cache') o.cache = resolve(val());
    else if (a === '--origins') o.origins = Number(val());
    else if (a === '--json') o.json = true;
    else if (a === '--damp') o.damp = val().split(',').map(Number);
    else if (a === '--finetune') {
      const [epochs, lr] = val().split(',').map(Number);
      o.finetune = { epochs, lr: lr || 5e-4 };
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!o.manifest || !o.baselines || !o.model) throw new Error('--manifest, --baselines and --model are needed');
  return o;
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const gmean = (xs) => Math.exp(mean(xs.map(Math.log)));
const avg = (a, b) => Float64Array.from(a, (v, i) => (v + b[i]) / 2);

function mase(actual, forecast, train, m) {
  let s = 0;
  for (let t = m; t < train.length; t++) s += Math.abs(train[t] - train[t - m]);
  const scale = s / (train.length - m);
  let e = 0;
  for (let i = 0; i < actual.length; i++) e += Math.abs(actual[i] - forecast[i]);
  return e / actual.length / scale;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const { loadPlainModel } = await import(join(ROOT, 'dist/model/plain.js'));
  const { pretrainedForecast } = await import(join(ROOT, 'dist/forecast/pretrained-windows.js'));
  const plain = loadPlainModel(readFileSync(join(o.model, 'model.json'), 'utf8'), readFileSync(join(o.model, 'weights.bin')));
  if (!('model' in plain)) throw new Error(`cannot open ${o.model}`);
  const predict = plain.model.predict;
  const W = await import(join(ROOT, 'dist/forecast/pretrained-windows.js'));
  const { dampTrend } = await import(join(ROOT, 'dist/forecast/damping.js'));
  // --finetune: rnnfc's own training loop on the fused kernels, from the pretrained weights
  let finetune = null;
  if (o.finetune) {
    const { startEngine } = await import(join(ROOT, 'dist/forecast/fit.js'));
    const { loadModelFromFiles, serializeModel } = await import(join(ROOT, 'dist/model/build.js'));
    const { trainModel } = await import(join(ROOT, 'dist/train/loop.js'));
    const { resolveConfig } = await import(join(ROOT, 'dist/config/resolve.js'));
    const cfg = resolveConfig({ data: { path: 'x', target: 'value' }, training: { threads: 2 } });
    const { tf } = await startEngine(cfg, {});
    const modelJson = readFileSync(join(o.model, 'model.json'), 'utf8');
    const weights = readFileSync(join(o.model, 'weights.bin'));
    const training = { ...cfg.training, learning_rate: o.finetune.lr, epochs: o.finetune.epochs, batch_size: 32, loss: 'mae', early_stopping: null, seed: 1 };
    finetune = async (train, m, h) => {
      const { z } = W.transformSeries(train, m, h);
      const win = W.seriesWindows(z, m, 96);
      if (win.count < 4) return null;
      const model = await loadModelFromFiles(tf, modelJson, weights, { fused: true });
      await trainModel(tf, model, { x: win.x, y: win.y, xShape: [win.count, W.LOOKBACK, W.FEATURES.length], yShape: [win.count, W.HORIZON] }, training);
      const tuned = await serializeModel(model);
      model.dispose();
      return loadPlainModel(tuned.modelJson, tuned.weights).model.predict;
    };
  }
  const manifest = JSON.parse(readFileSync(o.manifest, 'utf8'));
  const baselines = JSON.parse(readFileSync(o.baselines, 'utf8'));
  const cache = o.cache && existsSync(o.cache) ? JSON.parse(readFileSync(o.cache, 'utf8')) : {};
  const rows = [];
  for (const e of manifest) {
    const file = resolve(dirname(o.manifest), e.file);
    const text = readFileSync(file, 'utf8');
    const records = parse(text, { columns: true });
    const timeColumn = Object.keys(records[0])[0];
    const y = Float64Array.from(records, (r) => (r[e.target] === '' ? Number.NaN : Number(r[e.target])));
    const key = `${e.name} ${e.h} ${e.m} ${o.origins}`;
    if (!cache[key]) {
      const r = spawnSync(process.execPath, [BIN, ...backtestArgs(relative(ROOT, file), timeColumn, e, o.origins), '--pretrained', 'none'], {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      });
      if (r.status !== 0) {
        process.stderr.write(`${e.name}: backtest failed: ${r.stderr.trim().split('\n')[0]}\n`);
        continue;
      }
      const bt = JSON.parse(r.stdout.trim().split('\n').pop());
      cache[key] = bt.origins.map((x) => ({ train_end: x.train_end, forecast: x.forecast }));
      if (o.cache) writeFileSync(o.cache, JSON.stringify(cache));
    }
    if (y.some((v) => !Number.isFinite(v))) continue;
    const per = {};
    const add = (k, v) => {
      per[k] = per[k] ?? [];
      per[k].push(v);
    };
    for (const { train_end: end, forecast } of cache[key]) {
      const train = y.subarray(0, end);
      const actual = y.subarray(end, end + e.h);
      const local = Float64Array.from(forecast);
      const zero = pretrainedForecast(predict, train, e.m, e.h);
      const paths = { local, zero, mean: avg(local, zero) };
      for (const [k, f] of Object.entries(paths)) {
        add(k, mase(actual, f, train, e.m));
        for (const phi of o.damp) add(`${k}@${phi}`, mase(actual, dampTrend(f, train, phi, e.m), train, e.m));
      }
      if (finetune) {
        const tuned = await finetune(train, e.m, e.h);
        const ft = tuned ? W.pretrainedForecast(tuned, train, e.m, e.h) : zero;
        add('ft', mase(actual, ft, train, e.m));
        add('mean-ft', mase(actual, avg(local, ft), train, e.m));
      }
    }
    const comb = baselines[e.name]?.mean_mase?.comb;
    if (!(comb > 0)) continue;
    rows.push({ name: e.name, category: e.category ?? 'all', comb, ...Object.fromEntries(Object.entries(per).map(([k, v]) => [k, mean(v)])) });
  }
  const methods = Object.keys(rows[0] ?? {}).filter((k) => !['name', 'category', 'comb'].includes(k));
  const cats = ['all', ...new Set(rows.map((r) => r.category).filter((c) => c !== 'all'))];
  const table = cats.map((c) => {
    const rs = rows.filter((r) => c === 'all' || r.category === c).filter((r) => methods.every((k) => r[k] > 0 && Number.isFinite(r[k])));
    return { category: c, series: rs.length, ...Object.fromEntries(methods.map((k) => [k, gmean(rs.map((r) => r[k] / r.comb))])) };
  });
  if (o.json) process.stdout.write(JSON.stringify({ rows, table }) + '\n');
  else {
    // a row per method, a column per category (the methods can be many)
    process.stdout.write(['method', ...table.map((t) => `${t.category} (${t.series})`)].map((h, i) => (i ? h.padStart(16) : h.padEnd(12))).join('') + '\n');
    for (const k of methods) process.stdout.write(k.padEnd(12) + table.map((t) => t[k].toFixed(3).padStart(16)).join('') + '\n');
  }
}

main().catch((err) => {
  process.stderr.write(`bench/pretrained-accuracy: error: ${err.message}\n`);
  process.exitCode = 2;
});
