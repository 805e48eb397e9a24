import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSeries } from '../../src/data/parse-csv.js';
import { DataError } from '../../src/errors.js';
import { readHeader, readInput, readSeries, readSeriesInput } from '../../src/io/input-file.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnfc-io-'));
let counter = 0;
function csv(text: string | Uint8Array): string {
  const p = join(dir, `f${counter++}.csv`);
  writeFileSync(p, text);
  return p;
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return (e as Error).message;
  }
  throw new Error('expected a DataError');
}

describe('reading an input file', () => {
  it('missing file', () => {
    expect(message(() => readSeries({ path: join(dir, 'nope.csv'), target: 'v', missing: 'error' }))).toBe(
      `cannot read ${join(dir, 'nope.csv')}: no such file`,
    );
    expect(message(() => readInput(join(dir, 'nope.csv')))).toBe(`cannot read ${join(dir, 'nope.csv')}: no such file`);
    expect(message(() => readHeader(join(dir, 'nope.csv')))).toBe(`cannot read ${join(dir, 'nope.csv')}: no such file`);
    expect(message(() => readSeriesInput({ path: join(dir, 'nope.csv'), target: 'v', missing: 'error' }))).toBe(
      `cannot read ${join(dir, 'nope.csv')}: no such file`,
    );
  });
  it('a directory', () => {
    expect(message(() => readSeries({ path: dir, target: 'v', missing: 'error' }))).toBe(`cannot read ${dir}: it is a directory`);
  });
  it('the parser names the file by its path', () => {
    const p = csv('month,v\n2000-01-01,1\n2000-02-01,2\n2000-03-01,abc\n');
    expect(message(() => readSeries({ path: p, target: 'v', missing: 'interpolate' }))).toBe(`${p}:4: column "v": "abc" is not a number`);
  });
  it('reads a shipped dataset as the parser reads its text', () => {
    const path = 'datasets/airline-passengers.csv';
    const s = readSeries({ path, target: 'passengers', missing: 'error' });
    expect(s).toEqual(parseSeries(readFileSync(path, 'utf8'), { source: path, target: 'passengers', missing: 'error' }));
    expect(readHeader(path).columns).toEqual(['month', 'passengers']);
  });
});

describe('hashing', () => {
  it('hashes a file (the SHA-256 test vector of "abc")', () => {
    const p = csv('abc');
    expect(readInput(p).sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('readSeriesInput parses the series and hashes the bytes it parsed', () => {
    const text = 'month,v\n2000-01-01,1\n2000-02-01,2\n2000-03-01,4\n';
    const p = csv(text);
    const { series, sha256 } = readSeriesInput({ path: p, target: 'v', missing: 'error' });
    expect(Array.from(series.columns.v)).toEqual([1, 2, 4]);
    expect(sha256).toBe(createHash('sha256').update(text).digest('hex'));
  });
  it('readInput hashes the bytes its text came from', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('t,v\n1,2\n'), 0xc3, 0xa9, 0x0a]);
    const p = csv(bytes);
    const input = readInput(p);
    expect(input.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(input.bytes).toBe(bytes.byteLength);
    expect(input.text).toBe(readFileSync(p, 'utf8'));
  });
});
