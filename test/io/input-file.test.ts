import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSeries } from '../../src/data/parse-csv.js';
import { DataError } from '../../src/errors.js';
import { inputName, readHeader, readInput, readSeries, readSeriesInput, sizeText } from '../../src/io/input-file.js';
import { thrown } from '../thrown.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnfc-io-'));
let counter = 0;
function csv(text: string | Uint8Array): string {
  const p = join(dir, `f${counter++}.csv`);
  writeFileSync(p, text);
  return p;
}

const message = (fn: () => unknown) => thrown(fn, DataError).message;

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

describe('only regular files, read once, within a size limit', () => {
  it('refuses /dev/zero at once instead of reading it', () => {
    expect(message(() => readSeries({ path: '/dev/zero', target: 'v', missing: 'error' }))).toBe(
      'cannot read /dev/zero: it is a character device, not a regular file',
    );
    expect(message(() => readHeader('/dev/zero'))).toContain('character device');
  });
  it('refuses a named pipe without opening it (opening would wait for a writer)', () => {
    const fifo = join(dir, 'data.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(message(() => readInput(fifo))).toBe(`cannot read ${fifo}: it is a named pipe (FIFO), not a regular file`);
  });
  it('follows a symbolic link to a regular file, refuses one to a device', () => {
    const target = csv('month,v\n2000-01-01,1\n2000-02-01,2\n');
    const link = join(dir, 'link.csv');
    symlinkSync(target, link);
    expect(Array.from(readSeries({ path: link, target: 'v', missing: 'error' }).columns.v)).toEqual([1, 2]);
    const dev = join(dir, 'zero.csv');
    symlinkSync('/dev/zero', dev);
    expect(message(() => readInput(dev))).toContain('character device');
  });
  it('a path through a file is named as such', () => {
    const f = csv('x');
    expect(message(() => readInput(join(f, 'inner.csv')))).toBe(`cannot read ${join(f, 'inner.csv')}: a part of the path is not a directory`);
  });
  it('refuses a file over the limit before reading it, and says how to raise it', () => {
    const p = csv('t,v\n' + '1,2\n'.repeat(1000));
    try {
      readInput(p, { maxBytes: 1024 });
      throw new Error('expected a DataError');
    } catch (e) {
      expect((e as DataError).message).toBe(`cannot read ${p}: it is 3.9 KiB, over the input size limit of 1 KiB`);
      expect((e as DataError).hint).toMatch(/--max-input-mb/);
    }
    expect(readInput(p, { maxBytes: 4004 }).bytes).toBe(4004);
    expect(() => readInput(p, { maxBytes: 4003 })).toThrow(DataError);
  });
  it('hashes a file of several read chunks as one', () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 'ab,12\n');
    const p = csv(bytes);
    const input = readInput(p);
    expect(input.bytes).toBe(bytes.byteLength);
    expect(input.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(input.text.length).toBe(bytes.byteLength);
  });
  it('messages name standard input <stdin> and escape control characters in a path', () => {
    expect(inputName('-')).toBe('<stdin>');
    expect(inputName('a\nb.csv')).toBe('a\\nb.csv');
    expect(sizeText(17)).toBe('17 bytes');
    expect(sizeText(600 * 1024 ** 2)).toBe('600 MiB');
  });
});
