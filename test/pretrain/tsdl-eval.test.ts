/**
 * bench/tsdl-eval.js: the evaluation set holds evaluation-part series only, in the accuracy
 * benchmark's format, under the protocol its header states (horizons and seasons by category,
 * at most 500 values, no gaps, enough rows for three origins).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const out = mkdtempSync(join(tmpdir(), 'rnnfc-tsdl-eval-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Entry {
  name: string;
  file: string;
  target: string;
  m: number;
  h: number;
  category: string;
}

describe('bench/tsdl-eval.js', () => {
  const r = spawnSync(process.execPath, [join(root, 'bench/tsdl-eval.js'), out], { encoding: 'utf8' });
  const manifest: Entry[] = r.status === 0 ? JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) : [];
  const part = new Map(
    readFileSync(join(root, 'datasets/tsdl/split.csv'), 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',') as [string, string]),
  );

  it('writes 245 series of the evaluation part and reports the 5 it skips', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(manifest.length).toBe(245);
    expect(manifest.every((e) => part.get(e.name) === 'eval')).toBe(true);
    const evalIds = [...part].filter(([, p]) => p === 'eval').map(([id]) => id);
    const skipped = evalIds.filter((id) => !manifest.some((e) => e.name === id));
    expect(skipped).toEqual(['tsdl015_1', 'tsdl015_2', 'tsdl171', 'tsdl458', 'tsdl496']);
    for (const id of skipped) expect(r.stdout).toContain(`  ${id} (`);
  });

  it('gives each category its horizon and season', () => {
    const protocol: Record<string, [number, number]> = { yearly: [6, 1], quarterly: [8, 4], monthly: [18, 12], other: [8, 1] };
    for (const e of manifest) {
      expect([e.h, e.m], e.name).toEqual(protocol[e.category]);
      expect(e.file).toBe(`${e.name}.csv`);
      expect(e.target).toBe('value');
    }
    const count = (c: string) => manifest.filter((e) => e.category === c).length;
    expect([count('yearly'), count('quarterly'), count('monthly'), count('other')]).toEqual([65, 27, 81, 72]);
    // yearly: a year in the time column (tsdl022 starts in 1852); a row index makes it `other`
    expect(manifest.find((e) => e.name === 'tsdl022')?.category).toBe('yearly');
    expect(manifest.find((e) => e.name === 'tsdl093')?.category).toBe('other');
  });

  it('writes complete series of at most 500 values with enough rows before the earliest origin', () => {
    for (const e of manifest) {
      const lines = readFileSync(join(out, e.file), 'utf8').trimEnd().split('\n');
      expect(lines[0]).toBe('time,value');
      const y = lines.slice(1).map((l) => Number(l.split(',')[1]));
      expect(y.every(Number.isFinite), e.name).toBe(true);
      expect(y.length).toBeLessThanOrEqual(500);
      expect(y.length - e.h - 2 * Math.ceil(e.h / 2), e.name).toBeGreaterThanOrEqual(Math.max(e.h + 3, 2 * e.m));
    }
  });

  it('keeps the last 500 values of a long series, fills interior gaps linearly and drops trailing ones', () => {
    const rows = readFileSync(join(root, 'datasets/tsdl/series.csv'), 'utf8').split('\n');
    const source = (id: string) => rows.filter((l) => l.startsWith(`${id},`)).map((l) => l.split(',').slice(1) as [string, string]);
    const copy = (id: string) =>
      readFileSync(join(out, `${id}.csv`), 'utf8')
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',') as [string, string]);
    // tsdl408: 1067 values, 33 missing among the last 500 (rows 336-341 of them a run of six)
    const src = source('tsdl408').slice(-500);
    const got = copy('tsdl408');
    expect(got.map(([t]) => t)).toEqual(src.map(([t]) => t));
    for (let i = 0; i < 500; i++) if (src[i][1] !== '') expect(got[i][1]).toBe(src[i][1]);
    expect(src.slice(335, 343).map(([, v]) => v === '')).toEqual([false, true, true, true, true, true, true, false]);
    const [a, b] = [Number(src[335][1]), Number(src[342][1])];
    for (let k = 1; k <= 6; k++) expect(Number(got[335 + k][1])).toBeCloseTo(a + ((b - a) * k) / 7, 6);
    // tsdl571: 65 values, the last missing (dropped) and the 60th missing (the mean of its neighbours)
    const s571 = source('tsdl571'),
      c571 = copy('tsdl571');
    expect(s571.length).toBe(65);
    expect(c571.length).toBe(64);
    expect(Number(c571[59][1])).toBeCloseTo((Number(s571[58][1]) + Number(s571[60][1])) / 2, 9);
  });
});
