import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeDirAtomic } from '../../src/artifacts/atomic.js';
import { buildManifest, readRunDir } from '../../src/artifacts/run-dir.js';
import { ArtifactError } from '../../src/errors.js';

let root: string;
let dir: string;
const files = { 'config.json': '{"a":1}', 'weights.bin': new Uint8Array([0, 1, 2, 250, 251]) };
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rnnfc-run-'));
  dir = path.join(root, 'run');
  writeDirAtomic(dir, { ...files, 'manifest.json': buildManifest(files, '0.1.0') }, { overwrite: false });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function expectArtifactError(fn: () => unknown, msg: string | RegExp) {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ArtifactError);
  if (typeof msg === 'string') expect((err as Error).message).toBe(msg);
  else expect((err as Error).message).toMatch(msg);
}
const editManifest = (f: (m: any) => void) => {
  const p = path.join(dir, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(p, 'utf8'));
  f(m);
  fs.writeFileSync(p, JSON.stringify(m));
};

describe('run directory', () => {
  it('manifest has the documented shape', () => {
    const m = JSON.parse(buildManifest(files, '0.1.0'));
    expect(m.format).toBe('rnnfc-run');
    expect(m.format_version).toBe(1);
    expect(m.rnnfc_version).toBe('0.1.0');
    expect(typeof m.created).toBe('string');
    expect(Object.keys(m.files).sort()).toEqual(['config.json', 'weights.bin']);
    expect(m.files['weights.bin'].bytes).toBe(5);
    expect(m.files['weights.bin'].sha256).toMatch(/^[0-9a-f]{64}$/);
  });
  it('round trips', () => {
    const got = readRunDir(dir, ['config.json', 'weights.bin']);
    expect(got['config.json'].toString('utf8')).toBe('{"a":1}');
    expect([...got['weights.bin']]).toEqual([0, 1, 2, 250, 251]);
  });
  it('missing dir / not a dir / no manifest', () => {
    const missing = path.join(root, 'nope');
    expectArtifactError(() => readRunDir(missing, []), `${missing} is not a run directory (no manifest.json)`);
    const file = path.join(dir, 'config.json');
    expectArtifactError(() => readRunDir(file, []), `${file} is not a run directory (no manifest.json)`);
    fs.rmSync(path.join(dir, 'manifest.json'));
    expectArtifactError(() => readRunDir(dir, []), `${dir} is not a run directory (no manifest.json)`);
  });
  it('manifest not JSON', () => {
    fs.writeFileSync(path.join(dir, 'manifest.json'), '{nope');
    expectArtifactError(() => readRunDir(dir, []), /not valid JSON/);
  });
  it('wrong format', () => {
    editManifest((m) => (m.format = 'other'));
    expectArtifactError(() => readRunDir(dir, []), /not an rnnfc run manifest/);
  });
  it('newer format version', () => {
    editManifest((m) => (m.format_version = 2));
    expectArtifactError(() => readRunDir(dir, []), `${dir} was written by a newer rnnfc (format 2); upgrade rnnfc`);
  });
  it('required file missing', () => {
    expectArtifactError(() => readRunDir(dir, ['model.json']), /required file model\.json is missing/);
    fs.rmSync(path.join(dir, 'weights.bin'));
    expectArtifactError(() => readRunDir(dir, ['weights.bin']), /required file weights\.bin is missing/);
  });
  it('edited byte → checksum message', () => {
    const p = path.join(dir, 'weights.bin');
    const b = fs.readFileSync(p);
    b[3] ^= 1;
    fs.writeFileSync(p, b);
    expectArtifactError(() => readRunDir(dir, ['weights.bin']), `${dir}/weights.bin is damaged (checksum mismatch); retrain or restore the run`);
  });
  it('truncated file → checksum message', () => {
    fs.writeFileSync(path.join(dir, 'config.json'), '{"a":');
    expectArtifactError(() => readRunDir(dir, []), /config\.json is damaged \(checksum mismatch\)/);
  });
});
