import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { _hooks, assertWritableTarget, nextRunDir, writeDirAtomic, writeFileAtomic } from '../../src/artifacts/atomic.js';
import { buildManifest } from '../../src/artifacts/run-dir.js';
import { UserError } from '../../src/errors.js';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rnnfc-atomic-'));
});
afterEach(() => {
  _hooks.beforeSwap = undefined;
  fs.rmSync(root, { recursive: true, force: true });
});
const ls = () => fs.readdirSync(root).sort();
/** `files` with the manifest.json that makes them an rnnfc run (only runs may be overwritten). */
const run = (files: Record<string, string>) => ({ ...files, 'manifest.json': buildManifest(files, '0.1.0') });

describe('writeFileAtomic', () => {
  it('writes and replaces without leaving temp files', () => {
    const f = path.join(root, 'a.txt');
    writeFileAtomic(f, 'one');
    writeFileAtomic(f, new Uint8Array([104, 105]));
    expect(fs.readFileSync(f, 'utf8')).toBe('hi');
    expect(ls()).toEqual(['a.txt']);
  });
  it('removes the temp file when rename fails', () => {
    const f = path.join(root, 'd');
    fs.mkdirSync(f);
    fs.writeFileSync(path.join(f, 'x'), 'x'); // non-empty dir: rename file over it fails
    expect(() => writeFileAtomic(f, 'data')).toThrow();
    expect(ls()).toEqual(['d']);
  });
});

describe('writeDirAtomic', () => {
  it('creates a new directory with nested files', () => {
    const t = path.join(root, 'run');
    writeDirAtomic(t, { 'a.json': '{}', 'sub/b.bin': new Uint8Array([1, 2, 3]) }, { overwrite: false });
    expect(fs.readFileSync(path.join(t, 'a.json'), 'utf8')).toBe('{}');
    expect([...fs.readFileSync(path.join(t, 'sub/b.bin'))]).toEqual([1, 2, 3]);
    expect(ls()).toEqual(['run']);
  });
  it('refuses an existing target without overwrite', () => {
    const t = path.join(root, 'run');
    writeDirAtomic(t, run({ 'a.txt': 'old' }), { overwrite: false });
    let err: unknown;
    try {
      writeDirAtomic(t, { 'b.txt': 'new' }, { overwrite: false });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(`${t} already exists; pass --overwrite to replace it or choose another --out`);
    expect(() => assertWritableTarget(t, false)).toThrow(UserError);
    expect(() => assertWritableTarget(t, true)).not.toThrow();
    expect(() => assertWritableTarget(path.join(root, 'nope'), false)).not.toThrow();
    expect(fs.readdirSync(t).sort()).toEqual(['a.txt', 'manifest.json']);
    expect(ls()).toEqual(['run']);
  });
  it('overwrite replaces everything of the old directory', () => {
    const t = path.join(root, 'run');
    writeDirAtomic(t, run({ 'a.txt': 'old', 'stale.txt': 'x' }), { overwrite: false });
    writeDirAtomic(t, run({ 'a.txt': 'new' }), { overwrite: true });
    expect(fs.readdirSync(t).sort()).toEqual(['a.txt', 'manifest.json']);
    expect(fs.readFileSync(path.join(t, 'a.txt'), 'utf8')).toBe('new');
    expect(ls()).toEqual(['run']);
  });
  it('a failure before the swap leaves the old directory intact and no temp dirs', () => {
    const t = path.join(root, 'run');
    writeDirAtomic(t, run({ 'a.txt': 'old' }), { overwrite: false });
    _hooks.beforeSwap = () => {
      throw new Error('disk full');
    };
    expect(() => writeDirAtomic(t, { 'a.txt': 'new' }, { overwrite: true })).toThrow('disk full');
    expect(fs.readFileSync(path.join(t, 'a.txt'), 'utf8')).toBe('old');
    expect(ls()).toEqual(['run']);
  });
  it('rejects file names escaping the directory', () => {
    const t = path.join(root, 'run');
    expect(() => writeDirAtomic(t, { '../evil': 'x' }, { overwrite: false })).toThrow();
    expect(ls()).toEqual([]);
  });
});

describe('nextRunDir', () => {
  it('picks base, then base_2, base_3', () => {
    expect(nextRunDir(root, 'run')).toBe(path.join(root, 'run'));
    fs.mkdirSync(path.join(root, 'run'));
    expect(nextRunDir(root, 'run')).toBe(path.join(root, 'run_2'));
    fs.mkdirSync(path.join(root, 'run_2'));
    expect(nextRunDir(root, 'run')).toBe(path.join(root, 'run_3'));
  });
});
