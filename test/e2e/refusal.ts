/**
 * The contract for bad input, as one assertion: exit 2, one clear message naming what and where,
 * no stack trace, nothing on stdout, nothing written or changed under the working directory, and
 * all of it within a bounded time and address space (prlimit --as), so a refusal that comes only
 * after the work (or never) fails here instead of filling the machine.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BIN } from './helpers.js';

export interface RefusalLimits {
  /** Address-space limit for the process (default 2 GiB: refusals come before any model is built; training reserves about 20 GiB). */
  addressSpace?: number;
  /** Wall-clock limit in seconds (default 30). */
  seconds?: number;
  /** Text on standard input. */
  input?: string;
  env?: Record<string, string>;
}

/** Every path under dir with its type, size and modification time: what "nothing written" compares. */
export function treeState(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const s = lstatSync(p);
      out.push(`${p.slice(dir.length)} ${s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'link' : s.size} ${s.isDirectory() ? '' : s.mtimeMs}`);
      if (s.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** Runs `rnnfc args` in `cwd` under the limits and asserts the refusal contract; returns stderr. */
export function expectRefused(cwd: string, args: string[], message: RegExp, limits: RefusalLimits = {}): string {
  const before = treeState(cwd);
  const as = limits.addressSpace ?? 2 * 1024 ** 3;
  const r = spawnSync('prlimit', [`--as=${as}`, process.execPath, BIN, ...args], {
    cwd,
    encoding: 'utf8',
    input: limits.input,
    env: { ...process.env, NO_COLOR: '1', ...limits.env },
    timeout: (limits.seconds ?? 30) * 1000,
    killSignal: 'SIGKILL',
  });
  const what = `rnnfc ${args.join(' ')}\n${r.stderr}`;
  expect(r.signal, `${what}\n(killed: past the time limit)`).toBeNull();
  expect(r.status, what).toBe(2);
  expect(r.stderr, what).toMatch(/^rnnfc: error: /);
  expect(r.stderr, what).toMatch(message);
  expect(r.stderr, what).not.toMatch(/\n\s+at /);
  expect(r.stderr.length, `${what}\n(message too long)`).toBeLessThan(2000);
  expect(r.stdout, what).toBe('');
  expect(treeState(cwd), `${what}\n(something was written)`).toEqual(before);
  return r.stderr;
}
