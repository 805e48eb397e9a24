#!/usr/bin/env node
// Wall time of `rnnfc predict` as a whole process (start-up, imports, loading the run, forecasting,
// writing), the way cron or CI runs it: node bin/rnnfc.js predict -m RUN -o -
// Trains an airline-passengers run into a temporary directory first unless --run names one.
// Usage: node bench/predict.js [--runs N (default 9)] [--run DIR]
// Prints one summary line, then one JSON line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opt, root } from './args.js';

const bin = join(root, 'bin', 'rnnfc.js');
const runs = Number(opt('runs', 9));
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs must be a positive integer');
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'main.js'))) {
  console.error('dist/main.js missing: run "npm run build" first');
  process.exit(1);
}

const rnnfc = (args) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
function check(r, what) {
  if (r.status !== 0) {
    console.error(`${what} failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
}

let run = opt('run');
let tmp = null;
if (!run) {
  tmp = mkdtempSync(join(tmpdir(), 'rnnfc-bench-predict-'));
  run = join(tmp, 'airline');
  console.error(`training an airline-passengers run into ${run} ...`);
  check(rnnfc(['train', '-c', 'configs/airline-passengers.yaml', '--out', run, '--quiet']), 'rnnfc train');
}

try {
  check(rnnfc(['predict', '-m', run, '-o', '-']), 'rnnfc predict'); // warm the file cache; not timed
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = rnnfc(['predict', '-m', run, '-o', '-']);
    ms.push(performance.now() - t0);
    check(r, 'rnnfc predict');
  }
  const sorted = [...ms].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const round = (x) => Math.round(x * 10) / 10;
  console.log(`rnnfc predict wall time over ${runs} runs: median ${round(median)} ms, min ${round(sorted[0])} ms, max ${round(sorted[sorted.length - 1])} ms`);
  console.log(
    JSON.stringify({
      bench: 'predict',
      runs,
      median_ms: round(median),
      min_ms: round(sorted[0]),
      max_ms: round(sorted[sorted.length - 1]),
      samples_ms: ms.map(round),
      node: process.version,
    }),
  );
} finally {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
