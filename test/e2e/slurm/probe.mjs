#!/usr/bin/env node
// Stands in for rnnfc in the Slurm e2e test until the tasks run the real `train --shard` and
// `merge`: it runs `node bin/rnnfc.js --version`, reads the shard from the environment with the
// built resolveShard (dist/), and prints one JSON line with both and the arguments it was given;
// a shard the environment refuses prints the message and exits 2. PROBE_FAIL_SHARD=i makes the
// train of shard i fail (exit 1), as a task that breaks would.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = new URL('../../../', import.meta.url);
const version = execFileSync(process.execPath, [fileURLToPath(new URL('bin/rnnfc.js', root)), '--version'], { encoding: 'utf8' }).trim();
const { resolveShard } = await import(new URL('dist/panel/shard.js', root).href);
const argv = process.argv.slice(2);
let shard = null;
let error = null;
try {
  shard = argv[0] === 'train' ? resolveShard(undefined, process.env) : null;
} catch (e) {
  error = e.message;
}
console.log(JSON.stringify({ argv, version, shard, error, task: process.env.SLURM_ARRAY_TASK_ID ?? null }));
if (error) process.exit(2);
if (shard && process.env.PROBE_FAIL_SHARD === String(shard.index)) process.exit(1);
