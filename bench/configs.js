#!/usr/bin/env node
// Training time of every shipped config (configs/*.yaml) with rnnfc's fused LSTM/GRU kernels and
// with the stock tfjs-layers LSTM/GRU (RNNFC_STOCK_LAYERS=1), both on the backend `rnnfc train`
// picks (wasm here). Each round runs `rnnfc train` once per engine, alternating, and reads the
// training loop's time (timings.train_seconds in the run's metadata.json) and the epochs it ran;
// the medians over the rounds are reported. The speedup is per epoch (stock s/epoch over fused
// s/epoch), since early stopping may end the two runs at different epochs.
// --against DIR: in place of the stock layers, another checkout's build (DIR/bin/rnnfc.js, its own
// dist), fused kernels both: how a change speeds up every config, end to end. The table then also
// gives the whole process's wall time of each (median) and its ratio.
// Usage: npm run bench:configs [-- --config airline-passengers,gold-daily] [--rounds N]
//          [--epochs N] [--threads N] [--against DIR] [--json]
// --epochs caps every config's epochs: the stock taylor-electricity run takes about 17 s an epoch
// on 2 cores (20 epochs), so a full default run lasts about 20 minutes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { flag, opt, root } from './args.js';

const all = readdirSync(join(root, 'configs'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => basename(f, '.yaml'))
  .sort();
const names = opt('config') ? opt('config').split(',') : all;
for (const n of names) if (!all.includes(n)) throw new Error(`no config configs/${n}.yaml (have: ${all.join(', ')})`);
const rounds = Number(opt('rounds', 3));
const extra = [...(opt('epochs') ? ['--epochs', opt('epochs')] : []), ...(opt('threads') ? ['--threads', opt('threads')] : [])];
const log = (s) => process.stderr.write(s + '\n');
const against = opt('against') ? resolve(opt('against')) : null;
const baseName = against ? 'base' : 'stock';

const dir = mkdtempSync(join(tmpdir(), 'rnnfc-bench-configs-'));
/**
 * One `rnnfc train` run: its training-loop seconds, epochs run, backend and kernel threads, and the
 * whole process's wall seconds. `base`: the stock layers, or with --against that checkout's build.
 */
function train(name, base) {
  const out = join(dir, `${name}-${base ? baseName : 'fused'}`);
  const env = { ...process.env };
  if (base && !against) env.RNNFC_STOCK_LAYERS = '1';
  else delete env.RNNFC_STOCK_LAYERS;
  const bin = join(base && against ? against : root, 'bin', 'rnnfc.js');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, 'train', '-c', join(root, 'configs', `${name}.yaml`), '--out', out, '--overwrite', '--quiet', ...extra], {
    encoding: 'utf8',
    cwd: root,
    env,
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${name} (${base ? baseName : 'fused'}) failed: ${(r.stderr || '').trim().split('\n').pop()}`);
  const m = JSON.parse(readFileSync(join(out, 'metadata.json'), 'utf8'));
  return { seconds: m.timings.train_seconds, epochs: m.epochs_run, backend: m.backend, threads: m.threads, wall };
}

const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = [];
try {
  for (const name of names) {
    const runs = { stock: [], fused: [] };
    for (let round = 0; round < rounds; round++) {
      log(`${name}: round ${round + 1}/${rounds}`);
      // alternate which engine goes first, so a slow stretch of a shared machine hits both
      for (const stock of round % 2 ? [false, true] : [true, false]) runs[stock ? 'stock' : 'fused'].push(train(name, stock));
    }
    const sum = (rs) => ({
      seconds: median(rs.map((r) => r.seconds)),
      epochs: median(rs.map((r) => r.epochs)),
      per_epoch: median(rs.map((r) => r.seconds / r.epochs)),
      wall: median(rs.map((r) => r.wall)),
    });
    const stock = sum(runs.stock),
      fused = sum(runs.fused);
    results.push({
      config: name,
      backend: runs.fused[0].backend,
      threads: runs.fused[0].threads,
      stock,
      fused,
      speedup_per_epoch: stock.per_epoch / fused.per_epoch,
      speedup_total: stock.seconds / fused.seconds,
      speedup_wall: stock.wall / fused.wall,
      runs: { stock: runs.stock.map((r) => r.seconds), fused: runs.fused.map((r) => r.seconds) },
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (flag('json')) {
  process.stdout.write(JSON.stringify({ rounds, extra, against, results }) + '\n');
} else {
  const b = baseName;
  const rows = [['config', `epochs ${b[0]}/f`, `${b} s`, 'fused s', `${b} s/epoch`, 'fused s/epoch', 'x per epoch', 'x total']];
  if (against) rows[0].push(`${b} wall s`, 'fused wall s', 'x wall');
  const digits = against ? 2 : 1;
  for (const r of results) {
    rows.push([
      r.config,
      `${r.stock.epochs}/${r.fused.epochs}`,
      r.stock.seconds.toFixed(2),
      r.fused.seconds.toFixed(3),
      r.stock.per_epoch.toFixed(3),
      r.fused.per_epoch.toFixed(4),
      r.speedup_per_epoch.toFixed(digits),
      r.speedup_total.toFixed(digits),
    ]);
    if (against) rows.at(-1).push(r.stock.wall.toFixed(2), r.fused.wall.toFixed(2), r.speedup_wall.toFixed(2));
  }
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  '));
  const r0 = results[0];
  if (r0)
    console.log(
      `backend ${r0.backend}, fused kernels on ${r0.threads} thread(s); medians of ${rounds} round(s)` +
        (extra.length ? `; train ${extra.join(' ')}` : '') +
        (against ? `; base: ${against}` : ''),
    );
}
