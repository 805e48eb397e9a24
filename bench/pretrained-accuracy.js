#!/usr/bin/env node
// The pretrained forecaster against the config-less defaults, side by side on one manifest
// (rolling origins as bench/accuracy.js: K origins, step ceil(h/2)): for each series and origin,
// the config-less forecast (`rnnfc backtest --json`, run once per series and kept in --cache),
// the pretrained network's zero-shot forecast from the same rows (--model DIR: a `rnnfc
// pretrain` output), and their combinations. Suite score = geometric mean over the series of
// mean MASE / Comb's (the baselines file of ../shared/bench/baselines.R), per category too.
//
// usage: node bench/pretrained-accuracy.js --manifest FILE --baselines FILE --model DIR
//          [--cache FILE] [--origins K] [--json]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { backtestArgs, root as ROOT } from './args.js';

const BIN = join(ROOT, 'bin/rnnfc.js');

function parseArgs(argv) {
  const o = { manifest: null, baselines: null, model: null, cache: null, origins: 3, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--manifest') o.manifest = resolve(val());
    else if (a === '--baselines') o.baselines = resolve(val());
    else if (a === '--model') o.model = resolve(val());
    else if (a === '--cache') o.cache = resolve(val());
    else if (a === '--origins') o.origins = Number(val());
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.manifest || !o.baselines || !o.model) throw new Error('--manifest, --baselines and --model are needed');
  return o;
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const gmean = (xs) => Math.exp(mean(xs.map(Math.log)));

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
      const r = spawnSync(process.execPath, [BIN, ...backtestArgs(relative(ROOT, file), timeColumn, e, o.origins)], {
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
    const per = { local: [], zero: [], mean: [] };
    for (const { train_end: end, forecast } of cache[key]) {
      const train = y.subarray(0, end);
      const actual = y.subarray(end, end + e.h);
      const zero = pretrainedForecast(predict, train, e.m, e.h);
      const comb = forecast.map((v, i) => (v + zero[i]) / 2);
      per.local.push(mase(actual, forecast, train, e.m));
      per.zero.push(mase(actual, zero, train, e.m));
      per.mean.push(mase(actual, comb, train, e.m));
    }
    const comb = baselines[e.name]?.mean_mase?.comb;
    if (!(comb > 0)) continue;
    rows.push({ name: e.name, category: e.category ?? 'all', comb, ...Object.fromEntries(Object.entries(per).map(([k, v]) => [k, mean(v)])) });
  }
  const methods = ['local', 'zero', 'mean'];
  const cats = ['all', ...new Set(rows.map((r) => r.category).filter((c) => c !== 'all'))];
  const table = cats.map((c) => {
    const rs = rows.filter((r) => c === 'all' || r.category === c).filter((r) => methods.every((k) => r[k] > 0 && Number.isFinite(r[k])));
    return { category: c, series: rs.length, ...Object.fromEntries(methods.map((k) => [k, gmean(rs.map((r) => r[k] / r.comb))])) };
  });
  if (o.json) process.stdout.write(JSON.stringify({ rows, table }) + '\n');
  else {
    process.stdout.write(['category', 'series', ...methods].map((h, i) => (i ? h.padStart(9) : h.padEnd(12))).join('') + '\n');
    for (const t of table)
      process.stdout.write(t.category.padEnd(12) + String(t.series).padStart(9) + methods.map((k) => t[k].toFixed(3).padStart(9)).join('') + '\n');
  }
}

main().catch((err) => {
  process.stderr.write(`bench/pretrained-accuracy: error: ${err.message}\n`);
  process.exitCode = 2;
});
