import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import type { OriginResult } from '../../src/forecast/backtest.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/rnnfc.js');

/** A scratch working directory holding a copy of the e2e fixtures under test/fixtures/e2e. */
export function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rnnfc-e2e-'));
  mkdirSync(join(dir, 'test/fixtures'), { recursive: true });
  cpSync(join(ROOT, 'test/fixtures/e2e'), join(dir, 'test/fixtures/e2e'), { recursive: true });
  return dir;
}

/** Runs bin/rnnfc in `cwd` (with `nodeArgs` for node itself); never throws. */
export function rnnfc(cwd: string, args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A run's forecast.csv future rows as predict prints them: `time,forecast`. */
export function futureRows(dir: string, run: string): string[] {
  return readFileSync(join(dir, run, 'forecast.csv'), 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l.split(',')[1] === 'future')
    .map((l) => {
      // time, forecast and the intervals: the columns predict writes
      const c = l.split(',');
      return [c[0], ...c.slice(3)].join(',');
    });
}

/** The entries of a panel run's series.jsonl (one JSON line per fitted series), parsed. */
export function seriesEntries(run: string): any[] {
  return readFileSync(join(run, 'series.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

/** A backtest --json origin: its forecast, what it was combined from, and which parts joined. */
export type OriginParts = Pick<OriginResult, 'forecast' | 'parts' | 'pretrained' | 'theta' | 'holt' | 'ets' | 'damping'>;

/**
 * The parts that joined an undamped origin's forecast (the model's; the pretrained network's, and
 * Theta's with it, when the mean was chosen; Holt's or the ETS's when it joined), each as long as the forecast,
 * and the forecast their mean to rounding.
 */
export function expectForecastOfParts(o: OriginParts): void {
  expect(o.damping).toBeUndefined();
  const joined = [
    o.parts.model,
    ...(o.pretrained === 'mean' ? [o.parts.pretrained, ...(o.theta ? [o.parts.theta] : [])] : []),
    ...(o.holt ? [o.parts.holt] : []),
    ...(o.ets ? [o.parts.ets] : []),
  ];
  for (const p of joined) expect(p?.length).toBe(o.forecast.length);
  o.forecast.forEach((f, i) => {
    const mean = joined.reduce((s, p) => s + p![i], 0) / joined.length;
    expect(Math.abs(f - mean)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(f)));
  });
}

/** SHA-256 entries of a run's files after an edit, so that only the new checks can catch it. */
export function rehash(run: string, names: string[]): void {
  const p = join(run, 'manifest.json');
  const m = JSON.parse(readFileSync(p, 'utf8'));
  for (const name of names) {
    const buf = readFileSync(join(run, name));
    m.files[name] = { sha256: createHash('sha256').update(buf).digest('hex'), bytes: buf.byteLength };
  }
  writeFileSync(p, JSON.stringify(m));
}
