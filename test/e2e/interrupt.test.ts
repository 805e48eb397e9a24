/**
 * Ctrl-C (SIGINT) and SIGTERM while train or predict writes: one message, exit 130 or 143, and
 * nothing left (no run, no temp sibling, no lock, no directory the run would have created); after
 * the commit point the write completes. The write step is reached through the test-only
 * RNNFC_TEST_PAUSE_AT (src/commands/interrupt.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rnnfc, scratch } from './helpers.js';
import { checksums, dotEntries, notWhole, start } from './run-check.js';

const TRAIN = ['train', '-c', 'test/fixtures/e2e/tiny.yaml', '--epochs', '1', '--quiet'];

/**
 * Runs rnnfc paused at write step `step` and sends `signal` there. The steps of the two-rename
 * swap (old-aside, swapped) exist only where --overwrite cannot exchange atomically: forced then.
 */
async function signalAt(cwd: string, args: string[], step: string, signal: NodeJS.Signals) {
  let sent = false;
  const renames: Record<string, string> = step === 'old-aside' || step === 'swapped' ? { RNNFC_TEST_NO_EXCHANGE: '1' } : {};
  const p = start(cwd, args, { RNNFC_TEST_PAUSE_AT: step, ...renames }, (all) => {
    if (!sent && all.includes(`rnnfc-test-step: ${step}\n`)) sent = p.child.kill(signal);
  });
  const r = await p.done;
  expect(sent, r.stderr).toBe(true);
  return r;
}

describe('SIGINT and SIGTERM in the write phase', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch();
    const t = rnnfc(dir, [...TRAIN, '--out', 'runs/keep']);
    expect(t.code, t.stderr).toBe(0);
  });

  it('Ctrl-C while the run is being written: exit 130, the message, nothing left, not even the parent directory it created', async () => {
    const r = await signalAt(dir, [...TRAIN, '--out', 'new/deeper/run'], 'written', 'SIGINT');
    expect(r.code).toBe(130);
    expect(r.stderr.replace(/^rnnfc-test-step: .*\n/gm, '')).toBe('rnnfc: interrupted; nothing was written\n');
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });

  it('SIGTERM while the run is being written: exit 143 and its message, nothing left', async () => {
    const r = await signalAt(dir, [...TRAIN, '--out', 'runs/t'], 'wrote:weights.bin', 'SIGTERM');
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/^rnnfc: terminated \(SIGTERM\); nothing was written$/m);
    expect(readdirSync(join(dir, 'runs'))).toEqual(['keep']);
  });

  it('SIGTERM once the name is reserved, before training: exit 143, nothing left', async () => {
    const r = await signalAt(dir, [...TRAIN, '--out', 'runs/t'], 'reserved', 'SIGTERM');
    expect(r.code).toBe(143);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(join(dir, 'runs'))).toEqual(['keep']);
  });

  it('Ctrl-C before the swap of --overwrite: the previous run intact', async () => {
    const before = checksums(join(dir, 'runs/keep'));
    const r = await signalAt(dir, [...TRAIN, '--out', 'runs/keep', '--overwrite'], 'written', 'SIGINT');
    expect(r.code).toBe(130);
    expect(checksums(join(dir, 'runs/keep'))).toEqual(before);
    expect(dotEntries(join(dir, 'runs'))).toEqual([]);
  });

  it('Ctrl-C after the commit point: the swap completes, the new run is whole', async () => {
    const before = checksums(join(dir, 'runs/keep'));
    const r = await signalAt(dir, [...TRAIN, '--out', 'runs/keep', '--overwrite', '--seed', '99'], 'old-aside', 'SIGINT');
    expect(r.code, r.stderr).toBe(0);
    expect(notWhole(join(dir, 'runs/keep'))).toBeNull();
    expect(checksums(join(dir, 'runs/keep'))).not.toEqual(before);
    expect(dotEntries(join(dir, 'runs'))).toEqual([]);
  });

  it('Ctrl-C and SIGKILL at the atomic exchange of --overwrite: the name holds the new run, whole, at once', async () => {
    const exchanged = (r: { stderr: string }) => r.stderr.includes('rnnfc-test-step: exchanged');
    const before = checksums(join(dir, 'runs/keep'));
    const probe = start(dir, [...TRAIN, '--out', 'runs/keep', '--overwrite', '--seed', '41'], { RNNFC_TEST_STEPS: '1' });
    const first = await probe.done;
    expect(first.code, first.stderr).toBe(0);
    if (!exchanged(first)) return; // a system without atomic exchange: the two-rename tests cover it
    expect(checksums(join(dir, 'runs/keep'))).not.toEqual(before);
    const mid = checksums(join(dir, 'runs/keep'));
    const r = await signalAt(dir, [...TRAIN, '--out', 'runs/keep', '--overwrite', '--seed', '42'], 'exchanged', 'SIGINT');
    expect(r.code, r.stderr).toBe(0);
    expect(notWhole(join(dir, 'runs/keep'))).toBeNull();
    expect(checksums(join(dir, 'runs/keep'))).not.toEqual(mid);
    expect(dotEntries(join(dir, 'runs'))).toEqual([]);
    const last = checksums(join(dir, 'runs/keep'));
    const k = await signalAt(dir, [...TRAIN, '--out', 'runs/keep', '--overwrite', '--seed', '43'], 'exchanged', 'SIGKILL');
    expect(k.signal).toBe('SIGKILL');
    // killed right after the exchange: the new run is in place, the old one waits in a temp sibling
    expect(notWhole(join(dir, 'runs/keep'))).toBeNull();
    expect(checksums(join(dir, 'runs/keep'))).not.toEqual(last);
    expect(dotEntries(join(dir, 'runs')).some((e) => e.startsWith('.keep.tmp-'))).toBe(true);
    expect(rnnfc(dir, ['predict', '-m', 'runs/keep', '-o', '-']).code).toBe(0);
    // the next train removes what the dead writer left
    expect(rnnfc(dir, [...TRAIN, '--out', 'runs/after']).code).toBe(0);
    expect(dotEntries(join(dir, 'runs'))).toEqual([]);
  });

  it('Ctrl-C while predict writes -o: exit 130, the previous file intact, no temp file', async () => {
    const w = rnnfc(dir, ['predict', '-m', 'runs/keep', '-o', 'f.csv', '--quiet']);
    expect(w.code, w.stderr).toBe(0);
    const before = readFileSync(join(dir, 'f.csv'), 'utf8');
    const other = rnnfc(dir, [...TRAIN, '--out', 'runs/other', '--seed', '5']);
    expect(other.code).toBe(0);
    const r = await signalAt(dir, ['predict', '-m', 'runs/other', '-o', 'f.csv'], 'temp-written', 'SIGINT');
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/^rnnfc: interrupted; nothing was written$/m);
    expect(readFileSync(join(dir, 'f.csv'), 'utf8')).toBe(before);
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('SIGKILL between the two renames of --overwrite (issue 15.2): predict finds the previous run back in place', async () => {
    const before = checksums(join(dir, 'runs/keep'));
    const r = await signalAt(dir, [...TRAIN, '--out', 'runs/keep', '--overwrite', '--seed', '3'], 'old-aside', 'SIGKILL');
    expect(r.signal).toBe('SIGKILL');
    expect(existsSync(join(dir, 'runs/keep'))).toBe(false);
    expect(dotEntries(join(dir, 'runs')).some((e) => e.startsWith('.keep.old-'))).toBe(true);
    const p = rnnfc(dir, ['predict', '-m', 'runs/keep', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
    expect(checksums(join(dir, 'runs/keep'))).toEqual(before);
    // the dead writer's lock and temp directory went with it
    expect(dotEntries(join(dir, 'runs'))).toEqual([]);
  });
});
