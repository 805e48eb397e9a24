/**
 * Concurrent commands on one name: two trains with one --out (one wins, the other is refused
 * before training), two config-less trains without --out (two whole runs under different names),
 * ten predicts writing one file (one whole forecast), a predict while --overwrite swaps the run
 * (it reads the new run whole, never a missing one).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rnnfc, scratch } from './helpers.js';
import { dotEntries, notWhole, start } from './run-check.js';

const CFG = 'test/fixtures/e2e/tiny.yaml';

describe('concurrent trains and predicts', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch();
  });

  it('two trains with one --out: one wins, the other exits 2 before training, the winner is whole', async () => {
    for (let round = 0; round < 3; round++) {
      const out = `runs/same-${round}`;
      const args = ['train', '-c', CFG, '--epochs', '1', '--out', out];
      const [a, b] = await Promise.all([start(dir, args).done, start(dir, args).done]);
      const [win, lose] = a.code === 0 ? [a, b] : [b, a];
      expect(win.code, win.stderr).toBe(0);
      expect(lose.code, lose.stderr).toBe(2);
      expect(lose.stderr).toMatch(
        new RegExp(`^rnnfc: error: (${out} already exists; pass --overwrite|cannot write ${out}: another rnnfc process \\(pid \\d+\\) is writing it)`),
      );
      // refused before training: no epoch was run, nothing printed on stdout
      expect(lose.stderr).not.toMatch(/epoch/);
      expect(lose.stdout).toBe('');
      expect(win.stderr).toMatch(/epoch 1\/1/);
      expect(notWhole(join(dir, out))).toBeNull();
    }
    expect(dotEntries(join(dir, 'runs'))).toEqual([]);
  });

  it('two config-less trains without --out at once: both whole, under different names', async () => {
    const args = ['train', '--data', 'test/fixtures/e2e/monthly.csv', '--time-column', 'month', '--target', 'value', '--epochs', '1', '--json'];
    const rs = await Promise.all([start(dir, args).done, start(dir, args).done]);
    for (const r of rs) expect(r.code, r.stderr).toBe(0);
    const names = rs.map((r) => JSON.parse(r.stdout).run).sort();
    expect(names).toEqual([join('runs', 'monthly'), join('runs', 'monthly_2')]);
    for (const n of names) expect(notWhole(join(dir, n))).toBeNull();
    expect(dotEntries(join(dir, 'runs'))).toEqual([]);
  });

  it('ten predicts writing one file: the file is one whole forecast', async () => {
    for (const [run, seed] of [
      ['runs/p1', '1'],
      ['runs/p2', '2'],
    ]) {
      const t = rnnfc(dir, ['train', '-c', CFG, '--epochs', '1', '--seed', seed, '--out', run, '--quiet']);
      expect(t.code, t.stderr).toBe(0);
    }
    const whole = ['runs/p1', 'runs/p2'].map((m) => rnnfc(dir, ['predict', '-m', m, '-o', '-']).stdout);
    expect(whole[0]).not.toBe(whole[1]);
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => start(dir, ['predict', '-m', `runs/p${(i % 2) + 1}`, '-o', 'f.csv', '--quiet']).done));
    for (const r of rs) expect(r.code, r.stderr).toBe(0);
    expect(whole).toContain(readFileSync(join(dir, 'f.csv'), 'utf8'));
    expect(readdirSync(dir).filter((n) => n.includes('f.csv'))).toEqual(['f.csv']);
  });

  it('a predict started while --overwrite has the old run aside waits for the new run and forecasts from it', async () => {
    const run = 'runs/swap';
    expect(rnnfc(dir, ['train', '-c', CFG, '--epochs', '1', '--seed', '1', '--out', run, '--quiet']).code).toBe(0);
    const old = rnnfc(dir, ['predict', '-m', run, '-o', '-']).stdout;
    // the overwriting train, on the two-rename fallback (where the system has no atomic exchange),
    // holds still at the instant between its renames (the name absent)
    let aside: () => void = () => {};
    const reached = new Promise<void>((r) => {
      aside = r;
    });
    const t = start(
      dir,
      ['train', '-c', CFG, '--epochs', '1', '--seed', '2', '--out', run, '--overwrite', '--quiet'],
      { RNNFC_TEST_PAUSE_AT: 'old-aside', RNNFC_TEST_NO_EXCHANGE: '1' },
      (all) => {
        if (all.includes('rnnfc-test-step: old-aside')) aside();
      },
    );
    await reached;
    expect(readdirSync(join(dir, 'runs'))).not.toContain('swap');
    const p = start(dir, ['predict', '-m', run, '-o', '-']);
    await new Promise((r) => setTimeout(r, 500));
    t.child.kill('SIGINT'); // past its commit point the write completes: the new run is renamed in
    const [tr, pr] = await Promise.all([t.done, p.done]);
    expect(tr.code, tr.stderr).toBe(0); // the interrupt came after the commit point: the run is written, as asked
    expect(pr.code, pr.stderr).toBe(0);
    expect(pr.stdout).toBe(rnnfc(dir, ['predict', '-m', run, '-o', '-']).stdout);
    expect(pr.stdout).not.toBe(old);
    expect(notWhole(join(dir, run))).toBeNull();
    expect(dotEntries(join(dir, 'runs'))).toEqual([]);
  });
});
