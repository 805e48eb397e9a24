#!/usr/bin/env node
// Runs ../shared/bench/baselines.R (R's forecast package: naive, seasonal naive, ETS, ARIMA,
// Theta, nnetar and Comb under the rolling-origin protocol) on every series of the manifest
// that bench/tsdl-eval.js wrote into DIR, one R process per series so that one series R cannot
// fit does not lose the others, and merges the results into OUT (keyed by series name, the
// format bench/accuracy.js --baselines reads). Series R fails on are listed and left out.
//
// usage: node bench/tsdl-baselines.js DIR OUT [--origins K] [--script PATH]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { opt, root } from './args.js';

const [dirArg, outArg] = process.argv.slice(2);
if (!dirArg || !outArg || dirArg.startsWith('-') || outArg.startsWith('-')) {
  process.stderr.write('usage: node bench/tsdl-baselines.js DIR OUT [--origins K] [--script PATH]\n');
  process.exit(2);
}
const dir = resolve(dirArg);
const script = resolve(opt('script', join(root, '../shared/bench/baselines.R')));
const origins = opt('origins', '3');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'tsdl-baselines-'));
const merged = {};
const failed = [];
try {
  for (const e of manifest) {
    const one = join(tmp, 'manifest.json');
    const res = join(tmp, 'out.json');
    rmSync(res, { force: true });
    writeFileSync(one, JSON.stringify([e]));
    const r = spawnSync('Rscript', [script, one, res, origins], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) {
      const why = (r.stderr || '').trim().split('\n').slice(-2).join(' | ') || `exit ${r.status}`;
      failed.push(`${e.name}: ${why}`);
      process.stdout.write(`${e.name}: failed: ${why}\n`);
      continue;
    }
    process.stdout.write(r.stdout);
    Object.assign(merged, JSON.parse(readFileSync(res, 'utf8')));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
writeFileSync(resolve(outArg), JSON.stringify(merged) + '\n');
process.stdout.write(`${Object.keys(merged).length} of ${manifest.length} series written to ${resolve(outArg)}\n`);
if (failed.length) process.stdout.write(`R failed on ${failed.length}:\n${failed.map((f) => `  ${f}\n`).join('')}`);
