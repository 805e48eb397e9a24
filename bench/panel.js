#!/usr/bin/env node
// Many series in one process: a generated panel of monthly series (120 rows each, H 12) trained
// config-less by `rnnfc train --id-column` with one model per series (--scope local) and with one
// global network (--scope global), then predicted; R's forecast::ets over the same series when
// Rscript has the forecast package. Wall seconds and peak memory (max RSS, by GNU time) per step,
// --rounds rounds alternating the engines, medians reported (the machine may be shared: compare
// ratios measured in one run).
// Usage: npm run bench:panel [-- --series 1000] [--rows 120] [--rounds 1] [--threads N] [--no-r]
//          [--no-local] [--keep DIR] [--json]
// The 100,000-series check of the global path: npm run bench:panel -- --series 100000 --no-local --no-r
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { flag, opt, root } from './args.js';

const series = Number(opt('series', 1000));
const rows = Number(opt('rows', 120));
const rounds = Number(opt('rounds', 1));
const threads = opt('threads', String(availableParallelism()));
const dir = opt('keep') ?? mkdtempSync(join(tmpdir(), 'rnnfc-bench-panel-'));
const TIME = '/usr/bin/time';
if (!existsSync(TIME)) throw new Error('bench:panel measures peak memory with GNU time (/usr/bin/time); install the time package');

/** mulberry32: the generator of src/pretrain/rng.ts, so the panel is the same on every machine. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Monthly series with a level, a trend, a season of random strength and phase and multiplicative noise. */
function writePanel(path) {
  const r = rng(20261130);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const parts = ['id,month,value\n'];
  for (let s = 0; s < series; s++) {
    const level = 10 + 990 * r();
    const trend = -0.005 + 0.015 * r();
    const amp = 0.3 * r();
    const phase = Math.floor(12 * r());
    const noise = 0.01 + 0.09 * r();
    const id = `s${String(s).padStart(6, '0')}`;
    let block = '';
    for (let i = 0; i < rows; i++) {
      const y = level * (1 + trend * i) * (1 + amp * Math.sin((2 * Math.PI * (i + phase)) / 12)) * (1 + noise * gauss());
      block += `${id},${2000 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')},${Math.max(y, 0.1).toFixed(3)}\n`;
    }
    parts.push(block);
    if (parts.length > 1000) parts.splice(0, parts.length, parts.join(''));
  }
  writeFileSync(path, parts.join(''));
}

/** Runs a command under GNU time: wall seconds and max RSS in MB. */
function timed(cmd, args) {
  const r = spawnSync(TIME, ['-f', 'BENCH %e %M', cmd, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30 });
  const m = /BENCH ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${(r.stderr ?? '').slice(-2000)}`);
  return { seconds: Number(m[1]), mb: Number(m[2]) / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const data = join(dir, 'panel.csv');
writePanel(data);
const flags = ['--data', data, '--id-column', 'id', '--time-column', 'month', '--target', 'value', '--horizon', '12', '--threads', threads, '--quiet'];
const engines = {};
if (!flag('no-local')) engines.local = () => timed(process.execPath, ['bin/rnnfc.js', 'train', ...flags, '--scope', 'local', '--out', join(dir, 'local'), '--overwrite']);
engines.global = () => timed(process.execPath, ['bin/rnnfc.js', 'train', ...flags, '--scope', 'global', '--out', join(dir, 'global'), '--overwrite']);
engines['global predict'] = () => timed(process.execPath, ['bin/rnnfc.js', 'predict', '-m', join(dir, 'global'), '-o', join(dir, 'global.csv')]);
const hasR = !flag('no-r') && spawnSync('Rscript', ['-e', 'suppressMessages(library(forecast))'], { encoding: 'utf8' }).status === 0;
if (hasR) {
  const script = join(dir, 'ets.R');
  writeFileSync(
    script,
    [
      'suppressMessages(library(forecast))',
      'args <- commandArgs(trailingOnly = TRUE)',
      'd <- read.csv(args[1])',
      'out <- lapply(split(d$value, d$id), function(y) forecast(ets(ts(y, frequency = 12)), h = 12)$mean)',
      'cat(length(out), "series\\n")',
    ].join('\n'),
  );
  engines['R ets'] = () => timed('Rscript', [script, data]);
}

const results = Object.fromEntries(Object.keys(engines).map((k) => [k, []]));
for (let i = 0; i < rounds; i++) for (const [k, run] of Object.entries(engines)) results[k].push(run());
const table = Object.entries(results).map(([k, rs]) => ({ engine: k, seconds: median(rs.map((r) => r.seconds)), peak_mb: median(rs.map((r) => r.mb)) }));
const local = table.find((t) => t.engine === 'local');
const global = table.find((t) => t.engine === 'global');
const ets = table.find((t) => t.engine === 'R ets');
const metrics = (run) => {
  const f = join(dir, run, 'metrics.json');
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')).pooled.model.rel_mase : null;
};
if (flag('json')) console.log(JSON.stringify({ series, rows, rounds, threads, table, rel_mase: { local: metrics('local'), global: metrics('global') } }));
else {
  console.log(`panel of ${series} monthly series x ${rows} rows, horizon 12, ${threads} threads, median of ${rounds} round(s)`);
  console.log(`${'engine'.padEnd(16)}${'seconds'.padStart(10)}${'peak MB'.padStart(10)}`);
  for (const t of table) console.log(`${t.engine.padEnd(16)}${t.seconds.toFixed(1).padStart(10)}${t.peak_mb.toFixed(0).padStart(10)}`);
  if (local && ets) console.log(`local / R ets: ${(local.seconds / ets.seconds).toFixed(2)}x the time`);
  if (local && global) console.log(`global is ${(local.seconds / global.seconds).toFixed(1)}x faster than local`);
  console.log(`test rel MASE (vs seasonal naive, last 12 months): local ${metrics('local') ?? '-'}, global ${metrics('global') ?? '-'}`);
}
if (!opt('keep')) rmSync(dir, { recursive: true, force: true });
