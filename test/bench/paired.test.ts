/**
 * bench/paired.js: the paired comparison of two saved accuracy runs. On hand-made series whose
 * MASE relative to Comb is known, the suite scores and their ratio are the geometric means the
 * header states; identical runs compare as exactly 1 with no spread; origins one run lacks and
 * series without a baseline are left out.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'rnnfc-paired-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// one origin per series: actual [10, 10], Comb forecasting [12, 12] (MAE 2), the series' MASE scale 1
const actual = [10, 10];
/** A saved backtest whose forecast misses every actual value by `miss` (MASE = miss). */
const run = (miss: number, ends = [20]) => ({
  origins: ends.map((train_end) => ({ train_end, actual, forecast: actual.map((v) => v + miss), metrics: { model: { mae: miss, mase: miss } } })),
});
const base = (ends = [20]) => ({ origins: ends.map((train_end) => ({ train_end, forecasts: { comb: [12, 12] } })) });

function paired(a: unknown, b: unknown, baselines: unknown, manifest?: unknown): string[] {
  const files = { a: join(dir, 'a.json'), b: join(dir, 'b.json'), base: join(dir, 'base.json'), man: join(dir, 'man.json') };
  writeFileSync(files.a, JSON.stringify(a));
  writeFileSync(files.b, JSON.stringify(b));
  writeFileSync(files.base, JSON.stringify(baselines));
  const args = [join(root, 'bench/paired.js'), '--saved', files.a, '--against', files.b, '--baselines', files.base];
  if (manifest) {
    writeFileSync(files.man, JSON.stringify(manifest));
    args.push('--manifest', files.man);
  }
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.trim().split('\n');
}
/** The numbers of a table row: series, then value, low, high for --saved, --against and the ratio. */
const numbers = (line: string) => (line.match(/\d+(\.\d+)?/g) ?? []).map(Number);

describe('bench/paired.js', () => {
  it('scores each run and their ratio as geometric means over the series (Comb MASE 2)', () => {
    // series s1: MASE 1 then 2 (relative 0.5 then 1); s2: 4 then 2 (2 then 1); s3 has no baseline
    const lines = paired({ s1: run(1), s2: run(4), s3: run(1) }, { s1: run(2), s2: run(2), s3: run(2) }, { s1: base(), s2: base() });
    const all = numbers(lines.find((l) => l.startsWith('all'))!);
    expect(all[0]).toBe(2);
    // --saved: sqrt(0.5 x 2) = 1; --against: sqrt(1 x 1) = 1; ratio: sqrt(2 x 0.5) = 1, its draws 2, 1 or 0.5
    expect(all.slice(1, 4)).toEqual([1, 0.5, 2]);
    expect(all[4]).toBe(1);
    expect(all[7]).toBe(1);
    expect(all[8]).toBeGreaterThanOrEqual(0.5);
    expect(all[9]).toBeLessThanOrEqual(2);
  });

  it('compares identical runs as exactly 1, and categories apart', () => {
    const a = { s1: run(1), s2: run(3), s3: run(2) };
    const lines = paired(a, a, { s1: base(), s2: base(), s3: base() }, [
      { name: 's1', category: 'yearly' },
      { name: 's2', category: 'yearly' },
      { name: 's3', category: 'monthly' },
    ]);
    const ratio = (l: string) => numbers(l).slice(7, 10);
    expect(ratio(lines.find((l) => l.startsWith('all'))!)).toEqual([1, 1, 1]);
    const yearly = numbers(lines.find((l) => l.startsWith('yearly'))!);
    expect(yearly[0]).toBe(2);
    // sqrt(0.5 x 1.5)
    expect(yearly[1]).toBeCloseTo(Math.sqrt(0.75), 3);
    expect(numbers(lines.find((l) => l.startsWith('monthly'))!).slice(0, 2)).toEqual([1, 1]);
  });

  it('scores each series at the origins both runs have', () => {
    // --against lacks origin 30: s1 is scored at origin 20 alone in both runs
    const lines = paired({ s1: run(2, [20, 30]) }, { s1: run(4, [20]) }, { s1: base([20, 30]) });
    const all = numbers(lines.find((l) => l.startsWith('all'))!);
    expect(all[0]).toBe(1);
    expect([all[1], all[4], all[7]]).toEqual([1, 2, 2]);
  });
});
