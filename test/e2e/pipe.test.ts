/**
 * A reader that goes away (`rnnfc predict RUN | head -1`): rnnfc stops quietly with exit 141
 * (128 + SIGPIPE), as a Unix tool killed by SIGPIPE, instead of an EPIPE stack trace.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, rnnfc, scratch } from './helpers.js';

/** Runs bin/rnnfc with its standard output's reader closed before it writes: exit code and stderr. */
function withReaderGone(cwd: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  // the child takes a tenth of a second to start: its first write finds the pipe closed
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('a closed pipe on standard output', () => {
  it('stops rnnfc quietly with exit 141: help, version, and a forecast written to standard output', async () => {
    const dir = scratch();
    const t = rnnfc(dir, ['train', '-c', 'test/fixtures/e2e/tiny.yaml', '--out', 'runs/a', '--quiet']);
    expect(t.code, t.stderr).toBe(0);
    for (const args of [['predict', '--help'], ['--version'], ['predict', '-m', 'runs/a']]) {
      const r = await withReaderGone(dir, args);
      expect({ args, ...r }).toEqual({ args, code: 141, stderr: '' });
    }
    // with a reader, the same forecast goes out in full and exits 0
    const p = rnnfc(dir, ['predict', '-m', 'runs/a']);
    expect(p.code).toBe(0);
    expect(p.stdout.trim().split('\n').length).toBeGreaterThan(1);
  });
});
