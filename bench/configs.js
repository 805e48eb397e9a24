#!/usr/bin/env node
// Training time of every shipped config (configs/*.yaml) with rnnfc's fused LSTM/GRU kernels and
// with the stock tfjs-layers LSTM/GRU (RNNFC_STOCK_LAYERS=1), both on the backend `rnnfc train`
// picks (wasm here). Each round runs `rnnfc train` once per engine, alternating, and reads the
// training loop's time (timings.train_seconds in the run's metadata.json) and the epochs it ran;
// the medians over the rounds are reported. The speedup is per epoch (stock s/epoch over fused
// s/epoch), since early stopping may end the two runs at different epochs.
// Usage: npm run bench:configs [-- --config airline-passengers,gold-daily] [--rounds N]
//          [--epochs N] [--threads N] [--json]
// --epochs caps every config's epochs: the stock taylor-electricity run takes about 17 s an epoch
// on 2 cores (20 epochs), so a full default run lasts about 20 minutes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
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

const dir = mkdtempSync(join(tmpdir(), 'rnnfc-bench-configs-'));
/** One `rnnfc train` run: its training-loop seconds, epochs run, backend and kernel threads. */
function train(name, stock) {
  const out = join(dir, `${name}-${stock ? 'stock' : 'fused'}`);
  const env = { ...process.env };
  if (stock) env.RNNFC_STOCK_LAYERS = '1';
  else delete env.RNNFC_STOCK_LAYERS;
  const r = spawnSync(
    process.execPath,
    [join(root, 'bin', 'rnnfc.js'), 'train', '-c', join(root, 'configs', `${name}.yaml`), '--out', out, '--overwrite', '--quiet', ...extra],
    { encoding: 'utf8', cwd: root, env },
  );
  if (r.status !== 0) throw new Error(`${name} (${stock ? 'stock' : 'fused'}) failed: ${(r.stderr || '').trim().split('\n').pop()}`);
  const m = JSON.parse(readFileSync(join(out, 'metadata.json'), 'utf8'));
  return { seconds: m.timings.train_seconds, epochs: m.epochs_run, backend: m.backend, threads: m.threads };
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
      runs: { stock: runs.stock.map((r) => r.seconds), fused: runs.fused.map((r) => r.seconds) },
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (flag('json')) {
  process.stdout.write(JSON.stringify({ rounds, extra, results }) + '\n');
} else {
  const rows = [['config', 'epochs s/f', 'stock s', 'fused s', 'stock s/epoch', 'fused s/epoch', 'x per epoch', 'x total']];
  for (const r of results)
    rows.push([
      r.config,
      `${r.stock.epochs}/${r.fused.epochs}`,
      r.stock.seconds.toFixed(2),
      r.fused.seconds.toFixed(3),
      r.stock.per_epoch.toFixed(3),
      r.fused.per_epoch.toFixed(4),
      r.speedup_per_epoch.toFixed(1),
      r.speedup_total.toFixed(1),
    ]);
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  '));
  const r0 = results[0];
  if (r0)
    console.log(
      `backend ${r0.backend}, fused kernels on ${r0.threads} thread(s); medians of ${rounds} round(s)` + (extra.length ? `; train ${extra.join(' ')}` : ''),
    );
}
