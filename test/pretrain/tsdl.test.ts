/**
 * The TSDL corpus: series.csv's time labels step one period at a time, and
 * datasets/tsdl/split.csv matches its rule (bench/tsdl-split.js, datasets/tsdl/SOURCES.md),
 * recomputed here on its own: a series is `pretrain` when the first 4 bytes of sha256 of its
 * entry (the id without a `_j` column suffix), read as a big-endian integer, are below 0.7 * 2^32,
 * else `eval`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../datasets/tsdl');

function part(id: string): 'pretrain' | 'eval' {
  const entry = id.replace(/_\d+$/, '');
  const h = createHash('sha256').update(entry).digest();
  return (h[0] * 2 ** 24 + h[1] * 2 ** 16 + h[2] * 2 ** 8 + h[3]) / 2 ** 32 < 0.7 ? 'pretrain' : 'eval';
}

describe('datasets/tsdl/split.csv', () => {
  const rows = readFileSync(join(dir, 'split.csv'), 'utf8').trimEnd().split('\n');
  const split = rows.slice(1).map((l) => l.split(','));
  const ids = new Set(
    readFileSync(join(dir, 'series.csv'), 'utf8')
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => l.slice(0, l.indexOf(','))),
  );

  it('lists every series of series.csv once', () => {
    expect(rows[0]).toBe('id,part');
    expect(split.map(([id]) => id)).toEqual([...ids]);
    expect(ids.size).toBe(761);
  });

  it('assigns each series by the hash rule', () => {
    for (const [id, p] of split) expect(p, id).toBe(part(id));
    // one id by hand: sha256("tsdl001") starts with bytes worth 0.869 of 2^32, above 0.7
    expect(createHash('sha256').update('tsdl001').digest().readUInt32BE(0) / 2 ** 32).toBeGreaterThanOrEqual(0.7);
    expect(split.find(([id]) => id === 'tsdl001')![1]).toBe('eval');
  });

  it('keeps the columns of a multivariate entry together, about 70/30 over the entries', () => {
    const byEntry = new Map<string, Set<string>>();
    for (const [id, p] of split) {
      const e = id.replace(/_\d+$/, '');
      byEntry.set(e, (byEntry.get(e) ?? new Set()).add(p));
    }
    for (const [e, parts] of byEntry) expect(parts.size, e).toBe(1);
    const pretrain = [...byEntry.values()].filter((s) => s.has('pretrain')).length / byEntry.size;
    expect(pretrain).toBeGreaterThan(0.65);
    expect(pretrain).toBeLessThan(0.75);
  });
});

describe('datasets/tsdl/series.csv', () => {
  it('labels every series with consecutive months, quarters or integers (no month 13 or fifth quarter)', () => {
    const last = new Map<string, { kind: string; at: number }>();
    const problems: string[] = [];
    const lines = readFileSync(join(dir, 'series.csv'), 'utf8').split('\n');
    for (let row = 1; row < lines.length; row++) {
      if (!lines[row]) continue;
      const [id, time] = lines[row].split(',');
      const month = /^(\d{4})-(\d\d)$/.exec(time),
        quarter = /^(\d{4})-Q(\d)$/.exec(time);
      const kind = month ? 'month' : quarter ? 'quarter' : /^-?\d+$/.test(time) ? 'integer' : 'unknown';
      const at = month ? +month[1] * 12 + +month[2] - 1 : quarter ? +quarter[1] * 4 + +quarter[2] - 1 : +time;
      const prev = last.get(id);
      if (kind === 'unknown' || (month && +month[2] > 12) || (quarter && +quarter[2] > 4)) problems.push(`row ${row + 1}: ${id} ${time}`);
      else if (prev && (prev.kind !== kind || at !== prev.at + 1)) problems.push(`row ${row + 1}: ${id} ${time} does not follow the previous label`);
      last.set(id, { kind, at });
    }
    expect(last.size).toBe(761);
    expect(problems).toEqual([]);
  });
});
