/**
 * Crash harness: SIGKILLs `rnnfc train` and `rnnfc predict` at seeded random moments, in the
 * training (forecasting) phase and at each step of the write phase, with and without
 * --overwrite, and checks after every kill that nothing partial is under a final name, that the
 * previous run or forecast is intact (checksums), and that what the killed process left is gone
 * once the next one has started its write. Write steps are reached exactly through the test-only
 * RNNFC_TEST_PAUSE_AT (src/commands/interrupt.ts); the training phase at random offsets measured
 * from a first timed run. Tiny data, one epoch: the whole harness takes well under a minute.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/train/rng.js';
import { rnnfc, scratch } from './helpers.js';
import { checksums, dotEntries, type Finished, notWhole, start } from './run-check.js';

const TRAIN_KILLS = 32;
const PREDICT_KILLS = 24;

/** The harness's moments are random but the same on every run. */
const rng = mulberry32;

const markers = (stderr: string) => [...stderr.matchAll(/^rnnfc-test-step: (.+)$/gm)].map((m) => m[1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs rnnfc and SIGKILLs it at the write step `step` (where RNNFC_TEST_PAUSE_AT holds it), or
 * `ms` after the marker `after` (null: after the start). `killed` is false when the process
 * finished first.
 */
async function killAt(cwd: string, args: string[], env: Record<string, string>, at: { step: string } | { after: string | null; ms: number }) {
  const target = 'step' in at ? at.step : at.after;
  let reached: () => void = () => {};
  const mark = new Promise<void>((r) => {
    reached = r;
  });
  if (target === null) reached();
  const p = start(cwd, args, { RNNFC_TEST_STEPS: '1', ...env }, (all) => {
    if (target !== null && markers(all).includes(target)) reached();
  });
  await Promise.race([mark, p.done]);
  if ('ms' in at) await Promise.race([sleep(at.ms), p.done]);
  p.child.kill('SIGKILL');
  const r: Finished = await p.done;
  return { r, killed: r.signal === 'SIGKILL', pid: p.child.pid as number, seen: markers(r.stderr) };
}

/** The pids named by the dot entries of `dir` (temp siblings, old runs, locks). */
function ownersOf(dir: string): number[] {
  return dotEntries(dir).map((e) => {
    const m = /\.(?:tmp|old)-(\d+)(?:-\d+)?-[0-9a-f]{8}$/.exec(e);
    if (m) return Number(m[1]);
    if (e.endsWith('.rnnfc-lock')) return JSON.parse(readFileSync(join(dir, e), 'utf8')).pid as number;
    throw new Error(`unexpected entry ${e} in ${dir}`);
  });
}

// the two harnesses run side by side (their processes are what takes the time)
describe.concurrent('crash harness: SIGKILL at random moments', () => {
  it('train: nothing partial under a final name, the previous run intact, leftovers gone after the next run', async () => {
    const dir = scratch();
    const runs = join(dir, 'runs');
    writeFileSync(
      join(dir, 'crash.yaml'),
      readFileSync(join(dir, 'test/fixtures/e2e/tiny.yaml'), 'utf8')
        .replace('plot: true', 'plot: false')
        .replace('path: monthly.csv', 'path: test/fixtures/e2e/monthly.csv'),
    );
    const base = ['train', '-c', 'crash.yaml', '--epochs', '1', '--backend', 'cpu', '--quiet'];

    // the first, timed run: the previous run that --overwrite kills must leave intact
    let reservedAt = 0;
    let firstWrite = 0;
    const first = start(dir, [...base, '--out', 'runs/keep'], { RNNFC_TEST_STEPS: '1' }, (all) => {
      const m = markers(all);
      if (!reservedAt && m.includes('reserved')) reservedAt = performance.now();
      if (!firstWrite && m.some((s) => s.startsWith('wrote:'))) firstWrite = performance.now();
    });
    expect((await first.done).code).toBe(0);
    const trainMs = Math.max(50, firstWrite - reservedAt);
    let keep = checksums(join(runs, 'keep'));
    expect(notWhole(join(runs, 'keep'))).toBeNull();

    // the schedule: per mode, kills in training at random offsets and at write steps drawn at
    // random (each mode's commit, and for --overwrite both sides of the swap, always among them)
    const rand = rng(15);
    const files = [
      'model.json',
      'weights.bin',
      'pipeline.json',
      'config.yaml',
      'metadata.json',
      'metrics.json',
      'history.csv',
      'forecast.csv',
      'manifest.json',
    ];
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    // --overwrite swaps in one atomic exchange where the system can ('overwrite'), else by two
    // renames ('renames', the fallback, forced with RNNFC_TEST_NO_EXCHANGE)
    const MODES = ['overwrite', 'renames', 'fresh', 'auto'] as const;
    const schedule: { mode: (typeof MODES)[number]; step: string | null }[] = [];
    for (const mode of MODES) {
      const must =
        mode === 'overwrite'
          ? ['exchanged', 'exchanged', 'committed']
          : mode === 'renames'
            ? ['old-aside', 'old-aside', 'swapped', 'committed']
            : ['written', 'committed'];
      const steps: (string | null)[] = [null, null, ...must];
      while (steps.length < TRAIN_KILLS / MODES.length) steps.push(`wrote:${pick(files)}`);
      for (const step of steps) schedule.push({ mode, step });
    }
    for (let i = schedule.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [schedule[i], schedule[j]] = [schedule[j], schedule[i]];
    }
    const stats = { training: 0, write: 0, overwrite: 0, renames: 0, fresh: 0, auto: 0, swapGap: 0, rolledBack: 0, replaced: 0, checks: 0 };
    const byStep: Record<string, number> = {};
    let completed = 0;
    let gapBefore = false;
    for (let i = 0, kills = 0; kills < TRAIN_KILLS && i < 2 * TRAIN_KILLS; i++) {
      const { mode, step } = schedule[i % schedule.length];
      const inTraining = step === null;
      const swap = mode === 'overwrite' || mode === 'renames';
      const args = swap ? [...base, '--out', 'runs/keep', '--overwrite'] : mode === 'fresh' ? [...base, '--out', `runs/fresh-${i}`] : base;
      const k = await killAt(
        dir,
        args,
        { ...(mode === 'renames' ? { RNNFC_TEST_NO_EXCHANGE: '1' } : {}), ...(inTraining ? {} : { RNNFC_TEST_PAUSE_AT: step as string }) },
        inTraining ? { after: 'reserved', ms: rand() * trainMs * 0.8 } : { step: step as string },
      );
      expect(k.killed || k.r.code === 0, k.r.stderr).toBe(true);
      expect(k.seen).toContain('reserved'); // so the leftovers of the previous kill must be gone now
      const wrote = k.seen.some((s) => s.startsWith('wrote:'));
      const last = k.seen[k.seen.length - 1];
      if (k.killed) {
        kills++;
        stats[wrote ? 'write' : 'training']++;
        stats[mode]++;
        byStep[wrote ? last : 'training'] = (byStep[wrote ? last : 'training'] ?? 0) + 1;
      } else completed++;

      // nothing partial under any final name
      for (const name of readdirSync(runs).filter((n) => !n.startsWith('.'))) expect(notWhole(join(runs, name)), `kill ${i} at ${last}`).toBeNull();
      // only the killed process's leftovers: the next run removed the earlier ones
      for (const pid of ownersOf(runs)) expect(pid, `kill ${i}: ${dotEntries(runs).join(' ')}`).toBe(k.pid);
      if (!k.killed) expect(dotEntries(runs)).toEqual([]);
      // runs/keep: the previous run, or (--overwrite killed after its swap) the new one; missing
      // only when killed between the swap's two renames, the previous run then waiting aside
      const now = checksums(join(runs, 'keep'));
      const done = mode === 'overwrite' ? ['exchanged', 'committed'] : ['swapped', 'committed'];
      if (now === null) {
        // only the two-rename fallback ever leaves the name missing
        expect(mode).toBe('renames');
        expect(last).toBe('old-aside');
        const aside = dotEntries(runs).filter((e) => e.startsWith('.keep.old-'));
        expect(aside).toHaveLength(1);
        expect(checksums(join(runs, aside[0]))).toEqual(keep);
        if (gapBefore) stats.rolledBack++;
        stats.swapGap++;
      } else if (JSON.stringify(now) === JSON.stringify(keep)) {
        if (swap) expect(done).not.toContain(last);
        if (gapBefore) stats.rolledBack++;
      } else {
        expect(swap).toBe(true);
        expect(done).toContain(last);
        // a swap, not a fresh write: the previous run was back in place when this train committed
        expect(k.seen).toContain(mode === 'overwrite' ? 'exchanged' : 'old-aside');
        if (gapBefore) stats.rolledBack++;
        keep = now;
        stats.replaced++;
      }
      gapBefore = now === null;
      if (mode === 'fresh') {
        const out = join(runs, `fresh-${i}`);
        if (last === 'committed') expect(notWhole(out)).toBeNull();
        else expect(checksums(out)).toBeNull();
      }
      stats.checks++;
    }
    // the next run finishes or rolls back what the last kill left, and leaves nothing behind
    const fin = rnnfc(dir, [...base, '--out', 'runs/keep', '--overwrite'], { RNNFC_TEST_STEPS: '1' });
    expect(fin.code, fin.stderr).toBe(0);
    expect(fin.stderr).toMatch(/exchanged/);
    expect(dotEntries(runs)).toEqual([]);
    for (const name of readdirSync(runs)) expect(notWhole(join(runs, name))).toBeNull();
    const p = rnnfc(dir, ['predict', '-m', 'runs/keep', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
    if (gapBefore) stats.rolledBack++;

    console.log(
      `train crash harness: ${stats.training + stats.write} kills (${stats.training} training, ${stats.write} write phase; ${stats.overwrite} --overwrite by exchange, ${stats.renames} by two renames, ${stats.fresh} --out, ${stats.auto} no --out), by step ${JSON.stringify(byStep)}; ${stats.swapGap} between the swap's renames (rolled back by the next run), ${stats.replaced} after the swap; invariants held after all ${stats.checks} runs (${completed} finished before their kill)`,
    );
    expect(stats.training + stats.write).toBe(TRAIN_KILLS);
    expect(stats.training).toBeGreaterThanOrEqual(5);
    expect(stats.write).toBeGreaterThanOrEqual(10);
    expect(stats.swapGap).toBeGreaterThanOrEqual(1);
    expect(stats.rolledBack).toBe(stats.swapGap);
  });

  it('predict -o: the file is the previous or the new forecast, whole; no temp file after the next write', async () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'crash.yaml'),
      readFileSync(join(dir, 'test/fixtures/e2e/tiny.yaml'), 'utf8')
        .replace('plot: true', 'plot: false')
        .replace('path: monthly.csv', 'path: test/fixtures/e2e/monthly.csv'),
    );
    const forecasts: string[] = [];
    for (const [run, seed] of [
      ['runs/p1', '1'],
      ['runs/p2', '2'],
    ]) {
      const t = rnnfc(dir, ['train', '-c', 'crash.yaml', '--epochs', '1', '--backend', 'cpu', '--seed', seed, '--out', run, '--quiet']);
      expect(t.code, t.stderr).toBe(0);
      forecasts.push(rnnfc(dir, ['predict', '-m', run, '-o', '-']).stdout);
    }
    expect(forecasts[0]).not.toBe(forecasts[1]);
    const t0 = performance.now();
    let written = 0;
    const first = start(dir, ['predict', '-m', 'runs/p1', '-o', 'f.csv'], { RNNFC_TEST_STEPS: '1' }, (all) => {
      if (!written && markers(all).includes('temp-written')) written = performance.now();
    });
    expect((await first.done).code).toBe(0);
    const predictMs = Math.max(50, written - t0);
    let current = 0;
    expect(readFileSync(join(dir, 'f.csv'), 'utf8')).toBe(forecasts[current]);

    const rand = rng(16);
    const stats = { forecasting: 0, write: 0, beforeRename: 0, afterRename: 0, checks: 0 };
    let pending: number[] = [];
    let completed = 0;
    for (let i = 0, kills = 0; kills < PREDICT_KILLS && i < 2 * PREDICT_KILLS; i++) {
      const next = 1 - current;
      const args = ['predict', '-m', `runs/p${next + 1}`, '-o', 'f.csv'];
      const inForecast = rand() < 0.4;
      const step = rand() < 0.7 ? 'temp-written' : 'renamed';
      const k = await killAt(dir, args, inForecast ? {} : { RNNFC_TEST_PAUSE_AT: step }, inForecast ? { after: null, ms: rand() * predictMs * 0.8 } : { step });
      expect(k.killed || k.r.code === 0, k.r.stderr).toBe(true);
      const last = k.seen[k.seen.length - 1];
      const wrote = k.seen.includes('temp-written');
      if (k.killed) {
        kills++;
        stats[wrote ? 'write' : 'forecasting']++;
        if (last === 'temp-written') stats.beforeRename++;
        if (last === 'renamed') stats.afterRename++;
      } else completed++;
      const text = readFileSync(join(dir, 'f.csv'), 'utf8');
      if (last === 'renamed' || !k.killed) {
        expect(text).toBe(forecasts[next]);
        current = next;
      } else if (last === 'temp-written') {
        // a kill that lands between the rename and its marker leaves the new forecast without
        // the marker: either whole forecast is right, never anything else
        expect([forecasts[current], forecasts[next]]).toContain(text);
        if (text === forecasts[next]) current = next;
      } else expect(text).toBe(forecasts[current]);
      // the write removed the temp files that earlier killed writes left
      pending = wrote ? [k.pid] : [...pending, k.pid];
      const temps = readdirSync(dir).filter((n) => n.startsWith('.f.csv.tmp-'));
      for (const t of temps) expect(pending).toContain(Number(/tmp-(\d+)-/.exec(t)?.[1]));
      if (!k.killed) expect(temps).toEqual([]);
      if (k.killed && last === 'temp-written') expect(temps.some((t) => t.includes(`tmp-${k.pid}-`))).toBe(true);
      stats.checks++;
    }
    const fin = rnnfc(dir, ['predict', '-m', 'runs/p1', '-o', 'f.csv']);
    expect(fin.code, fin.stderr).toBe(0);
    expect(readFileSync(join(dir, 'f.csv'), 'utf8')).toBe(forecasts[0]);
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);

    console.log(
      `predict crash harness: ${stats.forecasting + stats.write} kills (${stats.forecasting} forecasting, ${stats.write} write phase: ${stats.beforeRename} before the rename, ${stats.afterRename} after); invariants held after all ${stats.checks} runs (${completed} finished before their kill)`,
    );
    expect(stats.forecasting + stats.write).toBe(PREDICT_KILLS);
    expect(stats.forecasting).toBeGreaterThanOrEqual(5);
    expect(stats.beforeRename).toBeGreaterThanOrEqual(5);
  });
});
