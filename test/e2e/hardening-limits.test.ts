/**
 * Bad inputs of sizes, training health and run directories (issue 15, items 5, 8 and 10): every
 * one refused with exit 2, one message naming what and where, nothing written, within bounded
 * time and address space (test/e2e/refusal.ts). Sizes are refused before any allocation of their
 * size, under 2 GiB; a diverged training is found while training, so those cases get the address
 * space training reserves; run directories are refused before a model is loaded.
 */

import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/forecast/limits.js';
import { ROOT, rehash, rnnfc, scratch } from './helpers.js';
import { expectRefused, type RefusalLimits } from './refusal.js';

const TRAINING: RefusalLimits = { addressSpace: 32 * 1024 ** 3, seconds: 120 };
const AIR = 'data: {path: airline.csv, time_column: month, target: passengers}';

/** Config files written before the table runs: name -> YAML lines after the airline data section. */
const CONFIGS: Record<string, string[]> = {
  units1e9: ['model: {layers: [{units: 1e9}]}'],
  units100k: ['model: {layers: [{units: 100000}]}'],
  ok: [],
  gru50k: ['model: {cell: gru, layers: [{units: 8}, {units: 50000}]}'],
  dense1e9: ['model: {dense: [1000000000]}'],
  deseason1e9: ['transforms: [{deseasonalize: 1000000000}]'],
  deseason130: ['transforms: [log, {deseasonalize: 130}]'],
  lag1e9: ['transforms: [{difference: 1000000000}]'],
  chunk1e9: ['window: {mode: one-to-one, chunk: 1e9}'],
  chunk130: ['window: {mode: one-to-one, chunk: 130}'],
  chunkLag: ['transforms: [{difference: 12}]', 'window: {mode: one-to-one, chunk: 115}'],
  season1e9: ['evaluation: {season: 1e9}'],
  season140: ['evaluation: {season: 140}'],
  ensemble: ['training: {ensemble: 1000000000000}'],
  epochs: ['training: {epochs: 1000000000000}'],
  lr: ['training: {epochs: 3, learning_rate: 1e300}'],
  lrSgd: ['training: {epochs: 3, optimizer: sgd, learning_rate: 1e300}'],
  lrEnsemble: ['training: {epochs: 2, learning_rate: 1e300, ensemble: 2}'],
  units6000: ['model: {layers: [{units: 6000}]}', 'training: {threads: 2}'],
};

/** Edits a JSON file of a run and re-hashes it. */
function editJson(run: string, name: string, edit: (j: any) => unknown): void {
  const j = JSON.parse(readFileSync(join(run, name), 'utf8'));
  const next = edit(j);
  writeFileSync(join(run, name), JSON.stringify(next === undefined ? j : next));
  rehash(run, [name]);
}

function editManifest(run: string, edit: (m: any) => void): void {
  const p = join(run, 'manifest.json');
  const m = JSON.parse(readFileSync(p, 'utf8'));
  edit(m);
  writeFileSync(p, JSON.stringify(m));
}

interface Case {
  name: string;
  args: string[];
  message: RegExp;
  /** Prepares the run directory `run` (a copy of a trained run) before the command runs. */
  tamper?: (run: string, dir: string) => void;
  /** The run the tampered copy is made of (default base, many-to-one direct on monthly data) and the data predict reads with it. */
  base?: { run: string; data: string };
  /** More flags for predict on a tampered run. */
  flags?: string[];
  limits?: RefusalLimits;
}

/** Integer-indexed runs: no calendar bounds the horizon predict forecasts. */
const RECURSIVE = { run: 'base-recursive', data: 'int.csv' };
const ONE_TO_ONE = { run: 'base-one-to-one', data: 'int.csv' };

const train = (cfg: string, ...more: string[]) => ['train', '-c', `${cfg}.yaml`, '--out', 'out', ...more];
const memory = /the fit would need about .* of memory, more than its limit of .* \(half of this machine's .*\)\n {2}/;

const cases: Case[] = [
  // item 5: sizes that exhaust memory, refused before any work
  { name: 'LSTM of 1e9 units', args: train('units1e9'), message: /model\.layers\[0\]\.units: 1000000000 units make .*; use fewer units/ },
  {
    name: 'LSTM of 100000 units',
    args: train('units100k'),
    message: /model\.layers\[0\]\.units: 100000 units make 40\.0 billion .*: about 894 GiB; use fewer units/,
  },
  { name: 'the memory message gives the estimate and the limit', args: train('units100k'), message: memory },
  { name: 'a second GRU layer of 50000 units', args: train('gru50k'), message: /model\.layers\[1\]\.units: 50000 units/ },
  { name: 'dense layer of 1e9 units', args: train('dense1e9'), message: /model\.dense\[0\]\.units: 1000000000 units make 33\.0 billion/ },
  {
    name: 'deseasonalize period 1e9',
    args: train('deseason1e9'),
    message: /transforms\[0\]\.deseasonalize: 1000000000 steps of period, but the data has 144 rows; use at most 144/,
  },
  {
    name: 'deseasonalize period longer than the training rows',
    args: train('deseason130'),
    message: /transforms\[1\]\.deseasonalize: a period of 130 steps is longer than the 120 training rows .*; use at most 120/,
  },
  { name: 'difference lag 1e9', args: train('lag1e9'), message: /transforms\[0\]\.difference: 1000000000 rows of lag, but the data has 144 rows/ },
  { name: 'one-to-one chunk 1e9', args: train('chunk1e9'), message: /window\.chunk: 1000000000 steps, but the data has 144 rows; use at most 143/ },
  {
    name: 'one-to-one chunk longer than the training rows',
    args: train('chunk130'),
    message: /window\.chunk: 130 steps \(and the target one step later\) do not fit in the 120 training rows; use at most 119/,
  },
  {
    name: 'one-to-one chunk and differencing',
    args: train('chunkLag'),
    message: /do not fit in the 108 training rows after the 12 lost to differencing; use at most 107/,
  },
  { name: 'evaluation.season 1e9', args: train('season1e9'), message: /evaluation\.season: 1000000000 steps of season, but the data has 144 rows/ },
  {
    name: 'evaluation.season past the test origin',
    args: train('season140'),
    message: /evaluation\.season: 140 steps, but there are 132 rows before the test origin; use at most 131/,
  },
  { name: 'ensemble of 1e12 members', args: train('ensemble'), message: /training\.ensemble: .*; use fewer members/ },
  { name: 'epochs 1e12', args: train('epochs'), message: /training\.epochs: a history of 1\.00e\+12 epochs .*; use fewer epochs/ },
  {
    name: 'batch of 20000 long windows of 2048 units',
    args: ['train', '-c', 'batch.yaml', '--out', 'out'],
    message: /training\.batch_size: activations of 40000 windows in flight \(batch 20000\) × 500 steps × up to 2048 units/,
  },
  // the kernels' WebAssembly memory (4 GiB on any machine), for fits under the machine's limit;
  // before this check the first gave exit 3 (RangeError from WebAssembly.Memory.grow) in its first batch
  {
    name: "a batch whose LSTM states overflow the kernels' 4 GiB",
    args: ['train', '-c', 'heap.yaml', '--out', 'out'],
    message:
      /training\.batch_size: the forward states of a batch of 5000 windows × 500 steps \(window\.lookback\) through model\.layers\[0\] \(64 units\), kept for backward: about 4\.18 GiB; use a smaller training\.batch_size/,
  },
  {
    name: "6000 LSTM units: 3.7 GiB for the machine, 5.0 GiB for the kernels' 4 GiB",
    args: ['check', '-c', 'units6000.yaml', '--max-memory', '4G'],
    message:
      /^rnnfc: error: the WebAssembly kernels \(LSTM\/GRU layers, Adam\) would need about 4\.98 GiB of their memory, which cannot grow past 4\.00 GiB on any machine\n {2}model\.layers\[0\]\.units: the backward pass of model\.layers\[0\] \(6000 units\): .*; use fewer units, a smaller training\.batch_size or fewer training\.threads\n$/,
  },
  {
    name: 'backtest refuses what the kernels cannot hold',
    args: ['backtest', '-c', 'units6000.yaml', '--max-memory', '4G'],
    message: /would need about 4\.98 GiB of their memory/,
  },
  {
    name: 'the memory limit set lower with --max-memory',
    args: ['train', '-c', 'ok.yaml', '--max-memory', '100M', '--out', 'out'],
    message:
      /^rnnfc: error: the fit would need about 25\d MiB of memory, more than its limit of 100 MiB \(set by --max-memory 100M\)\n.*\nhint: raise the limit with --max-memory SIZE \(or RNNFC_MAX_MEMORY\)/,
  },
  {
    name: 'the memory limit set lower with RNNFC_MAX_MEMORY',
    args: ['check', '-c', 'ok.yaml'],
    message: /more than its limit of 100 MiB \(set by RNNFC_MAX_MEMORY=100M\)/,
    limits: { env: { RNNFC_MAX_MEMORY: '100M' } },
  },
  {
    name: '--max-memory not a size',
    args: ['check', '-c', 'ok.yaml', '--max-memory', '12X'],
    message: /--max-memory "12X": not a size; write a number of bytes with K, M, G or T/,
  },
  {
    name: 'RNNFC_MAX_MEMORY not a size',
    args: ['train', '-c', 'ok.yaml', '--out', 'out'],
    message: /RNNFC_MAX_MEMORY="eight gigs": not a size/,
    limits: { env: { RNNFC_MAX_MEMORY: 'eight gigs' } },
  },
  {
    name: '--max-memory above the machine',
    args: ['backtest', '-c', 'ok.yaml', '--max-memory', `${2 * totalmem()}`],
    message: new RegExp(`--max-memory ${2 * totalmem()}: more than this machine's ${formatBytes(totalmem()).replace('.', '\\.')} of memory`),
  },
  {
    name: '--lookback 1e9',
    args: ['train', '-c', 'ok.yaml', '--lookback', '1000000000', '--out', 'out'],
    message: /window\.lookback: 1000000000 steps, but the data has 144 rows; use at most 143/,
  },
  {
    name: '--horizon 1e9',
    args: ['train', '-c', 'ok.yaml', '--horizon', '1000000000', '--out', 'out'],
    message: /window\.horizon: 1000000000 steps, but the data has 144 rows/,
  },
  { name: 'check refuses what train refuses', args: ['check', '-c', 'units1e9.yaml'], message: /model\.layers\[0\]\.units: 1000000000 units/ },
  { name: 'backtest refuses sizes before its first origin', args: ['backtest', '-c', 'units100k.yaml'], message: /model\.layers\[0\]\.units: 100000 units/ },
  {
    name: 'config-less train with --lookback past the data',
    args: ['train', '--data', 'airline.csv', '--time-column', 'month', '--target', 'passengers', '--lookback', '500', '--out', 'out'],
    message: /window\.lookback: 500 steps, but the data has 144 rows/,
  },

  // item 8: a diverged training
  {
    name: 'learning_rate 1e300',
    args: train('lr'),
    message: /^rnnfc: error: training diverged in epoch 1: the loss became NaN; use a smaller training\.learning_rate \(now 1e\+300\)\n$/,
    limits: TRAINING,
  },
  { name: 'learning_rate 1e300 with sgd', args: train('lrSgd'), message: /training diverged in epoch 1: the loss became (NaN|Infinity)/, limits: TRAINING },
  {
    name: 'a diverged ensemble member',
    args: train('lrEnsemble'),
    message: /ensemble member 1 of 2 \(seed 42\): training diverged in epoch 1/,
    limits: TRAINING,
  },
  { name: 'a diverged backtest', args: ['backtest', '-c', 'lr.yaml', '--origins', '1'], message: /training diverged in epoch 1/, limits: TRAINING },

  // item 10: tampered run directories
  {
    name: 'weights.bin linked to /dev/zero',
    args: [],
    tamper: (r) => link(r, 'weights.bin', '/dev/zero'),
    message: /run\/weights\.bin is a symbolic link; a run's files must be regular files/,
  },
  {
    name: 'pipeline.json linked out of the run',
    args: [],
    tamper: (r, dir) => {
      copyFileSync(join(r, 'pipeline.json'), join(dir, 'outside.json'));
      link(r, 'pipeline.json', join(dir, 'outside.json'));
    },
    message: /run\/pipeline\.json is a symbolic link/,
  },
  {
    name: 'manifest.json linked',
    args: [],
    tamper: (r) => link(r, 'manifest.json', join(ROOT, 'package.json')),
    message: /run\/manifest\.json is a symbolic link/,
  },
  {
    name: 'weights.bin a FIFO without a writer',
    args: [],
    tamper: (r) => {
      rmSync(join(r, 'weights.bin'));
      execFileSync('mkfifo', [join(r, 'weights.bin')]);
    },
    message: /run\/weights\.bin is a named pipe \(FIFO\), not a regular file/,
  },
  {
    name: 'weights.bin a directory',
    args: [],
    tamper: (r) => {
      rmSync(join(r, 'weights.bin'));
      mkdirSync(join(r, 'weights.bin'));
    },
    message: /run\/weights\.bin is a directory, not a regular file/,
  },
  {
    name: 'manifest entry ../../../../etc/hostname',
    args: [],
    tamper: (r) => editManifest(r, (m) => (m.files['../../../../etc/hostname'] = { sha256: '0'.repeat(64), bytes: 5 })),
    message: /manifest\.json lists "\.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname", which is not a file name inside the run directory/,
  },
  {
    name: 'manifest entry /etc/hostname',
    args: [],
    tamper: (r) => editManifest(r, (m) => (m.files['/etc/hostname'] = { sha256: '0'.repeat(64), bytes: 5 })),
    message: /lists "\/etc\/hostname", which is not a file name inside the run directory/,
  },
  {
    name: 'manifest entry in a subdirectory',
    args: [],
    tamper: (r) => editManifest(r, (m) => (m.files['sub/model.json'] = m.files['model.json'])),
    message: /lists "sub\/model\.json", which is not a file name/,
  },
  {
    name: 'manifest.json of 65 MiB',
    args: [],
    tamper: (r) => truncateSync(join(r, 'manifest.json'), 65 * 1024 ** 2),
    message: /manifest\.json is 68157440 bytes, more than a manifest may be/,
  },
  {
    name: 'weights.bin declared 3 GiB',
    args: [],
    tamper: (r) => editManifest(r, (m) => (m.files['weights.bin'].bytes = 3 * 1024 ** 3)),
    message: /says weights\.bin has 3221225472 bytes, more than a run file of its kind may have/,
  },
  {
    name: 'weights.bin grown to 8 GiB (sparse) with the manifest kept',
    args: [],
    tamper: (r) => truncateSync(join(r, 'weights.bin'), 8 * 1024 ** 3),
    message: /run\/weights\.bin is damaged \(checksum mismatch\)/,
  },
  {
    name: 'weights.bin longer than model.json declares, re-hashed',
    args: [],
    tamper: (r) => {
      writeFileSync(join(r, 'weights.bin'), Buffer.concat([readFileSync(join(r, 'weights.bin')), Buffer.alloc(4096)]));
      rehash(r, ['weights.bin']);
    },
    message: /run\/weights\.bin is \d+ bytes by the manifest, but its model declares \d+/,
  },
  {
    name: 'model.json with a layer of 1e9 units, re-hashed',
    args: [],
    tamper: (r) => editJson(r, 'model.json', (m) => void (m.modelTopology.config.layers[0].config.units = 1e9)),
    message: /model\.json does not fit the run's pipeline\.json: layer .* has 1000000000 units, but no weight is that wide/,
  },
  {
    name: 'model.json with a layer of 1e9 units and a declared weight of no bytes as wide, re-hashed',
    args: [],
    flags: ['--backend', 'cpu'],
    tamper: (r) =>
      editJson(r, 'model.json', (m) => {
        m.modelTopology.config.layers[0].config.units = 1e9;
        m.weightsManifest[0].weights.push({ name: 'pad', shape: [1e9, 0], dtype: 'float32' });
      }),
    message: /model\.json does not fit the run's pipeline\.json: weight (\w+)\/kernel is declared \[1,32\], but layer \1 needs \[1,4000000000\]/,
  },
  {
    // the plain engine does not run a relu LSTM: before, predict handed this topology to tfjs's loader
    name: 'model.json with a relu LSTM of 1e9 units and a declared weight of no bytes as wide, re-hashed',
    args: [],
    flags: ['--backend', 'cpu'],
    tamper: (r) =>
      editJson(r, 'model.json', (m) => {
        Object.assign(m.modelTopology.config.layers[0].config, { units: 1e9, activation: 'relu' });
        m.weightsManifest[0].weights.push({ name: 'pad', shape: [1e9, 0], dtype: 'float32' });
      }),
    message: /model\.json does not fit the run's pipeline\.json: LSTM activation relu \(needs tanh\), which rnnfc does not write/,
  },
  {
    name: 'model.json with int8 weights, re-hashed',
    args: [],
    tamper: (r) => editJson(r, 'model.json', (m) => void (m.weightsManifest[0].weights[0].dtype = 'int8')),
    message: /model\.json: weight .* must be float32/,
  },
  {
    name: 'pipeline.json null, re-hashed',
    args: [],
    tamper: (r) => editJson(r, 'pipeline.json', () => null),
    message: /pipeline\.json does not match the run format:\n {2}pipeline: must be an object/,
  },
  {
    name: 'pipeline.json without io, re-hashed',
    args: [],
    tamper: (r) => editJson(r, 'pipeline.json', (p) => void delete p.io),
    message: /io: must be an object/,
  },
  {
    name: 'pipeline.json with junk transforms, re-hashed',
    args: [],
    tamper: (r) => editJson(r, 'pipeline.json', (p) => void (p.transforms = { junk: 1 })),
    message: /pipeline\.json does not match the run format:\n {2}transforms: invalid pipeline JSON/,
  },
  {
    name: 'pipeline.json with a changed io.lookback, re-hashed',
    args: [],
    tamper: (r) => editJson(r, 'pipeline.json', (p) => void (p.io.lookback = 6)),
    message: /model\.json does not fit the run's pipeline\.json: takes windows of 12 steps, pipeline\.json has lookback 6/,
  },
  {
    name: 'metadata.json saying fewer rows than the window, re-hashed',
    args: [],
    tamper: (r) => editJson(r, 'metadata.json', (m) => void (m.data.rows = 10)),
    message: /pipeline\.json does not fit the 10 rows metadata\.json says the run was trained on: io\.lookback: 12/,
  },
  // what predict forecasts, bounded by memory whatever metadata.json says: before, these ran for ever
  {
    name: 'a recursive horizon of 1e12 with metadata.json saying 1e15 rows, re-hashed',
    args: [],
    base: RECURSIVE,
    tamper: (r) => {
      editJson(r, 'metadata.json', (m) => void (m.data.rows = 1e15));
      editJson(r, 'pipeline.json', (p) => void (p.io.horizon = 1e12));
    },
    message:
      /case-\d+\/run\/pipeline\.json: io\.horizon: forecasting 1000000000000 steps would need about 262 TiB of memory, more than its limit of .* \(half of this machine's .*\)\nhint: retrain or restore the run, or raise the limit with --max-memory/,
  },
  {
    name: 'a one-to-one horizon of 1e9 and warmup of 4e15 with metadata.json saying 1e15 rows, re-hashed',
    args: [],
    base: ONE_TO_ONE,
    tamper: (r) => {
      editJson(r, 'metadata.json', (m) => void (m.data.rows = 1e15));
      editJson(r, 'pipeline.json', (p) => void Object.assign(p.io, { horizon: 1e9, warmup: 4e15 }));
    },
    message: /case-\d+\/run\/pipeline\.json: io\.horizon: forecasting 1000000000 steps would need about 268 GiB of memory/,
  },
  {
    name: 'metadata.json dropped from the manifest',
    args: [],
    tamper: (r) => editManifest(r, (m) => delete m.files['metadata.json']),
    message: /run is incomplete: required file metadata\.json is missing/,
  },
];

/** Replaces `name` in `run` by a symbolic link to `to`. */
function link(run: string, name: string, to: string): void {
  rmSync(join(run, name));
  symlinkSync(to, join(run, name));
}

describe('hardening: sizes, training health and run directories are refused (exit 2, one message, nothing written)', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch();
    copyFileSync(join(ROOT, 'datasets/airline-passengers.csv'), join(dir, 'airline.csv'));
    for (const [name, lines] of Object.entries(CONFIGS)) writeFileSync(join(dir, `${name}.yaml`), [AIR, ...lines].join('\n') + '\n');
    // 21000 rows: 20498 training windows, enough to fill a batch of 20000
    const rows = Array.from({ length: 21000 }, (_, i) => `${i + 1},${(100 + 10 * Math.sin(i / 5)).toFixed(3)}`);
    writeFileSync(join(dir, 'long.csv'), `t,y\n${rows.join('\n')}\n`);
    writeFileSync(
      join(dir, 'heap.yaml'),
      'data: {path: long.csv, time_column: t, target: y}\nwindow: {lookback: 500, horizon: 1}\nmodel: {layers: [{units: 64}]}\ntraining: {batch_size: 5000, threads: 2}\n',
    );
    writeFileSync(
      join(dir, 'batch.yaml'),
      'data: {path: long.csv, time_column: t, target: y}\nwindow: {lookback: 500, horizon: 1}\nmodel: {layers: [{units: 2048}]}\ntraining: {batch_size: 20000}\n',
    );
    const t = rnnfc(dir, ['train', '-c', 'test/fixtures/e2e/tiny.yaml', '--epochs', '1', '--out', 'base', '--quiet']);
    expect(t.code, t.stderr).toBe(0);
    writeFileSync(join(dir, 'int.csv'), `t,y\n${rows.slice(0, 200).join('\n')}\n`);
    for (const [base, window] of [
      [RECURSIVE.run, '{lookback: 12, horizon: 6, strategy: recursive}'],
      [ONE_TO_ONE.run, '{mode: one-to-one, lookback: 12, chunk: 12, horizon: 6}'],
    ]) {
      writeFileSync(
        join(dir, `${base}.yaml`),
        `data: {path: int.csv, time_column: t, target: y}\nwindow: ${window}\nmodel: {layers: [{units: 4}]}\ntraining: {epochs: 1}\n`,
      );
      const b = rnnfc(dir, ['train', '-c', `${base}.yaml`, '--out', base, '--quiet']);
      expect(b.code, b.stderr).toBe(0);
    }
    // each run case gets its own copy of the run, tampered with before the command runs
    cases.forEach((c, i) => {
      if (!c.tamper) return;
      const home = join(dir, `case-${i}`);
      mkdirSync(home);
      cpSync(join(dir, c.base?.run ?? 'base'), join(home, 'run'), { recursive: true });
      c.tamper(join(home, 'run'), home);
      c.args = ['predict', '-m', `case-${i}/run`, '--data', c.base?.data ?? 'test/fixtures/e2e/monthly.csv', '-o', 'f.csv', ...(c.flags ?? [])];
    });
  });

  it('has a case for each reproduction of the issue and more', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  for (const c of cases) {
    it(c.name, () => {
      expectRefused(dir, c.args, c.message, c.limits);
    });
  }

  it('--max-memory raises the limit: a fit refused under half the machine passes check under more, and the flag wins over RNNFC_MAX_MEMORY', () => {
    // epochs whose history alone needs three quarters of this machine's memory (64 bytes an epoch without the gradient flow)
    const epochs = Math.floor((0.75 * totalmem() - 256 * 1024 ** 2) / 64);
    writeFileSync(join(dir, 'epochs-big.yaml'), `${AIR}\ntraining: {epochs: ${epochs}, gradient_flow: false}\n`);
    expectRefused(
      dir,
      ['check', '-c', 'epochs-big.yaml'],
      /more than its limit of .* \(half of this machine's .*\)\n {2}training\.epochs: .*\nhint: raise the limit with --max-memory/,
    );
    const more = String(Math.floor(0.9 * totalmem()));
    const ok = rnnfc(dir, ['check', '-c', 'epochs-big.yaml', '--max-memory', more]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok: airline\.csv: 144 rows/);
    const env = rnnfc(dir, ['check', '-c', 'epochs-big.yaml', '--quiet'], { RNNFC_MAX_MEMORY: more });
    expect(env.stderr).toBe('');
    expect(env.code).toBe(0);
    expectRefused(dir, ['check', '-c', 'epochs-big.yaml', '--max-memory', '1G'], /more than its limit of 1\.00 GiB \(set by --max-memory 1G\)/, {
      env: { RNNFC_MAX_MEMORY: more },
    });
    // and the other way: a fit that passes under half the machine is refused under less
    expect(rnnfc(dir, ['check', '-c', 'ok.yaml', '--quiet']).code).toBe(0);
    expectRefused(dir, ['check', '-c', 'ok.yaml', '--max-memory', '200M'], /more than its limit of 200 MiB \(set by --max-memory 200M\)/);
  });

  it('sizes at their largest accepted value still pass check', () => {
    writeFileSync(join(dir, 'edge.yaml'), `${AIR}\ntransforms: [log, {deseasonalize: 120}]\nevaluation: {season: 131}\n`);
    const r = rnnfc(dir, ['check', '-c', 'edge.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
