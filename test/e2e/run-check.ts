/** Helpers for the concurrency and crash tests: start rnnfc without waiting, and tell a whole run from a partial one. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BIN } from './helpers.js';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `rnnfc args` in `cwd`; `done` resolves when it has exited (and been reaped); `onStderr` sees stderr as it comes. */
export function start(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
  onStderr?: (all: string) => void,
): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
    onStderr?.(stderr);
  });
  const done = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every file under `dir` (relative name -> sha256), or null if `dir` does not exist. */
export function checksums(dir: string): Record<string, string> | null {
  if (!existsSync(dir)) return null;
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (lstatSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = sha(readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** Why `dir` is not one whole run (its manifest lists exactly the files there, each with its checksum), or null when it is. */
export function notWhole(dir: string): string | null {
  const sums = checksums(dir);
  if (!sums) return `${dir} is missing`;
  if (!sums['manifest.json']) return `${dir} has no manifest.json`;
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { files: Record<string, { sha256: string }> };
  const listed = Object.keys(manifest.files).sort();
  const present = Object.keys(sums)
    .filter((f) => f !== 'manifest.json')
    .sort();
  if (JSON.stringify(listed) !== JSON.stringify(present)) return `${dir} holds ${present.join(',')} but its manifest lists ${listed.join(',')}`;
  for (const f of listed) if (sums[f] !== manifest.files[f].sha256) return `${dir}/${f} does not match its checksum`;
  return null;
}

/** Names in `dir` that start with a dot (the temp siblings, backups and locks rnnfc writes). */
export function dotEntries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('.')) : [];
}
