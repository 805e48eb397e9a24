import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeDirAtomic } from '../../src/artifacts/atomic.js';
import { buildManifest, JSON_LIMIT, readManifest, readRunDir, WEIGHTS_LIMIT } from '../../src/artifacts/run-dir.js';
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

describe('run directory as untrusted input: confinement', () => {
  const p = (name: string) => path.join(dir, name);
  /** Replaces the manifest's files with `entries` (sha256 and bytes of real content, or as given). */
  const listing = (entries: Record<string, unknown>) => editManifest((m) => (m.files = entries));
  const entry = (data: string) => JSON.parse(buildManifest({ x: data }, '0')).files.x;

  it('refuses names that lead out of the directory or into a subdirectory, before reading anything', () => {
    for (const name of [
      '../outside.json',
      '../../../etc/hostname',
      '/etc/hostname',
      'sub/file.json',
      '.',
      '..',
      '.hidden',
      'a\\b',
      '',
      'manifest.json',
      'x'.repeat(101),
    ]) {
      listing({ [name]: entry('{}') });
      expectArtifactError(() => readRunDir(dir, []), /lists ".*", which is not a file name inside the run directory \(no "\.\.", "\/" or absolute paths\)/);
    }
    // a control character is shown escaped, and a long name cut
    listing({ [`a\u0007${'b'.repeat(100)}`]: entry('{}') });
    expectArtifactError(() => readRunDir(dir, []), /lists "a\\u0007b{58}\.\.\."/);
  });

  it('refuses a symbolic link at once, even to a file inside the directory or to /dev/zero', () => {
    fs.rmSync(p('weights.bin'));
    fs.symlinkSync('/dev/zero', p('weights.bin'));
    expectArtifactError(
      () => readRunDir(dir, ['weights.bin']),
      `${dir}/weights.bin is a symbolic link; a run's files must be regular files inside the run directory`,
    );
    fs.rmSync(p('weights.bin'));
    fs.writeFileSync(p('other.bin'), new Uint8Array([0, 1, 2, 250, 251]));
    fs.symlinkSync('other.bin', p('weights.bin'));
    expectArtifactError(() => readRunDir(dir, []), /weights\.bin is a symbolic link/);
    // the manifest itself
    fs.renameSync(p('manifest.json'), p('real.json'));
    fs.symlinkSync('real.json', p('manifest.json'));
    expectArtifactError(() => readRunDir(dir, []), /manifest\.json is a symbolic link/);
  });

  it('refuses a FIFO without waiting for a writer, and a directory', () => {
    fs.rmSync(p('weights.bin'));
    execFileSync('mkfifo', [p('weights.bin')]);
    expectArtifactError(
      () => readRunDir(dir, []),
      `${dir}/weights.bin is a named pipe (FIFO), not a regular file; a run's files must be regular files inside the run directory`,
    );
    fs.rmSync(p('weights.bin'));
    fs.mkdirSync(p('weights.bin'));
    expectArtifactError(() => readRunDir(dir, []), /weights\.bin is a directory, not a regular file/);
  });

  it('bounds sizes: by kind in the manifest, by the file itself, and by what another file declares', () => {
    editManifest((m) => (m.files['config.json'].bytes = JSON_LIMIT + 1));
    expectArtifactError(() => readRunDir(dir, []), /says config\.json has 67108865 bytes, more than a run file of its kind may have \(67108864\)/);
    editManifest((m) => (m.files['config.json'].bytes = 7));
    editManifest((m) => (m.files['weights.bin'].bytes = WEIGHTS_LIMIT + 1));
    expectArtifactError(() => readRunDir(dir, []), /says weights\.bin has 2147483649 bytes/);
  });

  it('checks the size of a file against its manifest entry before reading it', () => {
    // a file much larger than listed (sparse, so it costs no disk) is refused without being read
    fs.truncateSync(p('weights.bin'), 64 * 1024 ** 3);
    expectArtifactError(() => readRunDir(dir, []), `${dir}/weights.bin is damaged (checksum mismatch); retrain or restore the run`);
  });

  it('asks expectedBytes for each file after the files before it, weights last', () => {
    const asked: [string, string[]][] = [];
    const got = readRunDir(dir, [], {
      expectedBytes: (name, read) => {
        asked.push([name, Object.keys(read)]);
        return undefined;
      },
    });
    expect(asked).toEqual([
      ['config.json', []],
      ['weights.bin', ['config.json']],
    ]);
    expect(Object.keys(got).sort()).toEqual(['config.json', 'weights.bin']);
    expectArtifactError(
      () => readRunDir(dir, [], { expectedBytes: (name) => (name === 'weights.bin' ? 8 : undefined) }),
      `${dir}/weights.bin is 5 bytes by the manifest, but its model declares 8; retrain or restore the run`,
    );
  });

  it('verifies reports without returning them, and refuses a damaged one', () => {
    const more = { ...files, 'history.csv': 'epoch,loss\n1,0.5\n' };
    fs.writeFileSync(p('history.csv'), more['history.csv']);
    fs.writeFileSync(p('manifest.json'), buildManifest(more, '0.1.0'));
    expect(Object.keys(readRunDir(dir, [])).sort()).toEqual(['config.json', 'weights.bin']);
    fs.writeFileSync(p('history.csv'), 'epoch,loss\n1,0.6\n');
    expectArtifactError(() => readRunDir(dir, []), /history\.csv is damaged \(checksum mismatch\)/);
  });

  it('validates every manifest entry and the format version', () => {
    editManifest((m) => (m.files['config.json'] = { sha256: 'x', bytes: 7 }));
    expectArtifactError(() => readRunDir(dir, []), /the entry of config\.json must have a sha256 \(64 hex digits\) and a byte count/);
    editManifest((m) => (m.files['config.json'] = { sha256: '0'.repeat(64), bytes: -1 }));
    expectArtifactError(() => readRunDir(dir, []), /the entry of config\.json must have/);
    editManifest((m) => (m.files = []));
    expectArtifactError(() => readManifest(dir), /not an rnnfc run manifest/);
    editManifest((m) => {
      m.files = {};
      m.format_version = 0.5;
    });
    expectArtifactError(() => readManifest(dir), /not an rnnfc run manifest/);
  });
});
