/**
 * Bad output paths and run directories that are not rnnfc's to replace, for `rnnfc train` and
 * `rnnfc predict`: each is refused with exit 2 and one message naming the path and the reason,
 * before any work and with nothing written (test/e2e/refusal.ts).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rnnfc, scratch } from './helpers.js';
import { expectRefused, type RefusalLimits } from './refusal.js';

const CFG = 'test/fixtures/e2e/tiny.yaml';
const TRAIN = ['train', '-c', CFG, '--epochs', '1', '--quiet'];

/** A directory nobody may write into: a read-only tmpfs where this process may mount one, else a mode 555 directory (not root), else /proc/sys. */
function readOnlyPlace(): { dir: string; reason: RegExp; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'rnnfc-ro-'));
  if (process.getuid?.() === 0) {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'rnnfc-ro', dir]).status === 0)
      return { dir, reason: /is not writable \(read-only file system\)/, done: () => spawnSync('umount', [dir]) && rmSync(dir, { recursive: true }) };
    rmSync(dir, { recursive: true });
    return { dir: '/proc/sys', reason: /\/proc\/sys is not writable \(permission denied\)/, done() {} };
  }
  chmodSync(dir, 0o555);
  return { dir, reason: /is not writable \(permission denied\)/, done: () => rmSync(dir, { recursive: true }) };
}

describe('output paths and run directories: refused before any work, nothing written', () => {
  let dir: string;
  let ro: ReturnType<typeof readOnlyPlace>;
  beforeAll(() => {
    dir = scratch();
    ro = readOnlyPlace();
    const t = rnnfc(dir, [...TRAIN, '--out', 'runs/a']);
    expect(t.code, t.stderr).toBe(0);
    copyFileSync(join(dir, 'test/fixtures/e2e/monthly.csv'), join(dir, 'data.csv'));
    mkdirSync(join(dir, 'keep'));
    writeFileSync(join(dir, 'keep/notes.txt'), 'mine\n');
    symlinkSync('runs/a', join(dir, 'link'));
    cpSync(join(dir, 'runs/a'), join(dir, 'runs/extra'), { recursive: true });
    writeFileSync(join(dir, 'runs/extra/notes.txt'), 'mine\n');
    mkdirSync(join(dir, 'foreign'));
    writeFileSync(join(dir, 'foreign/manifest.json'), '{"format": "other-tool", "files": {}}\n');
    mkdirSync(join(dir, 'nojson'));
    writeFileSync(join(dir, 'nojson/manifest.json'), 'not json');
    expect(spawnSync('mkfifo', [join(dir, 'fifo')]).status).toBe(0);
    // a run being written by a live process (this test's), and a lock file rnnfc did not write
    writeFileSync(join(dir, 'runs/.busy.rnnfc-lock'), JSON.stringify({ rnnfc_lock: 1, pid: process.pid, host: hostname(), start: null, token: 't' }));
    writeFileSync(join(dir, 'runs/.junk.rnnfc-lock'), 'locked by hand\n');
    writeFileSync(
      join(dir, 'outdir-file.yaml'),
      readFileSync(join(dir, CFG), 'utf8').replace('output: {dir: runs, plot: true}', 'output: {dir: data.csv, plot: true}'),
    );
  });
  afterAll(() => ro.done());

  const cases: { name: string; args: () => string[]; message: () => RegExp; limits?: RefusalLimits }[] = [
    // train --overwrite: only an rnnfc run, proven by its manifest
    {
      name: 'overwrite a directory that is not a run (issue 15.1)',
      args: () => [...TRAIN, '--out', 'keep', '--overwrite'],
      message: () => /keep is not an rnnfc run \(no manifest\.json\); --overwrite replaces only a run directory written by rnnfc train: choose another --out/,
    },
    {
      name: 'overwrite the data file itself',
      args: () => [...TRAIN, '--data', 'data.csv', '--out', 'data.csv', '--overwrite'],
      message: () => /data\.csv is a file, not a run directory/,
    },
    { name: 'overwrite a plain file', args: () => [...TRAIN, '--out', `${CFG}`, '--overwrite'], message: () => /tiny\.yaml is a file, not a run directory/ },
    {
      name: 'overwrite a symbolic link to a run',
      args: () => [...TRAIN, '--out', 'link', '--overwrite'],
      message: () => /link is a symbolic link, not a run directory/,
    },
    {
      name: 'overwrite a run holding a file it did not write',
      args: () => [...TRAIN, '--out', 'runs/extra', '--overwrite'],
      message: () => /runs\/extra holds notes\.txt, which is not part of its run .*move it out or choose another --out/,
    },
    {
      name: "overwrite a directory with another tool's manifest",
      args: () => [...TRAIN, '--out', 'foreign', '--overwrite'],
      message: () => /foreign is not an rnnfc run \(its manifest\.json is not an rnnfc run manifest/,
    },
    {
      name: 'overwrite a directory whose manifest is not JSON',
      args: () => [...TRAIN, '--out', 'nojson', '--overwrite'],
      message: () => /nojson is not an rnnfc run \(its manifest\.json is not valid JSON\)/,
    },
    { name: 'overwrite a FIFO', args: () => [...TRAIN, '--out', 'fifo', '--overwrite'], message: () => /fifo is a named pipe \(FIFO\), not a run directory/ },
    { name: 'overwrite the working directory', args: () => [...TRAIN, '--out', '.', '--overwrite'], message: () => /--out \. names no new directory/ },
    { name: 'out names a parent', args: () => [...TRAIN, '--out', 'runs/..'], message: () => /--out runs\/\.\. names no new directory/ },
    // train without --overwrite
    {
      name: 'out is an existing run',
      args: () => [...TRAIN, '--out', 'runs/a'],
      message: () => /runs\/a already exists; pass --overwrite to replace it or choose another --out/,
    },
    {
      name: 'out is an existing directory that is not a run',
      args: () => [...TRAIN, '--out', 'keep'],
      message: () => /keep already exists and is not an rnnfc run directory; choose another --out/,
    },
    {
      name: 'out is being written by another rnnfc process',
      args: () => [...TRAIN, '--out', 'runs/busy'],
      message: () => new RegExp(`cannot write runs/busy: another rnnfc process \\(pid ${process.pid}\\) is writing it; wait for it to finish`),
    },
    {
      name: 'out has a lock file rnnfc did not write',
      args: () => [...TRAIN, '--out', 'runs/junk'],
      message: () => /its lock file runs\/\.junk\.rnnfc-lock was not written by rnnfc or is damaged/,
    },
    // train: where the run would go (issue 15.9)
    { name: 'out is empty', args: () => [...TRAIN, '--out', ''], message: () => /--out is empty: name the run directory to write/ },
    {
      name: 'out under a file',
      args: () => [...TRAIN, '--out', 'data.csv/run'],
      message: () => /cannot write data\.csv\/run: data\.csv is a file, not a directory/,
    },
    {
      name: 'out deeper under a file',
      args: () => [...TRAIN, '--out', 'data.csv/a/b/run'],
      message: () => /cannot write data\.csv\/a\/b\/run: data\.csv is a file, not a directory/,
    },
    { name: 'out on a read-only place', args: () => [...TRAIN, '--out', join(ro.dir, 'run')], message: () => ro.reason },
    { name: 'out name too long', args: () => [...TRAIN, '--out', `runs/${'x'.repeat(240)}`], message: () => /the name is longer than 200 bytes/ },
    {
      name: 'output.dir in the config is a file',
      args: () => ['train', '-c', 'outdir-file.yaml', '--epochs', '1'],
      message: () => /cannot write data\.csv\/monthly: data\.csv is a file, not a directory/,
    },
    // predict -o
    {
      name: 'predict -o in a directory that does not exist',
      args: () => ['predict', '-m', 'runs/a', '-o', '/nonexistent/f.csv'],
      message: () => /cannot write \/nonexistent\/f\.csv: directory \/nonexistent does not exist/,
    },
    {
      name: 'predict -o an existing directory',
      args: () => ['predict', '-m', 'runs/a', '-o', 'keep'],
      message: () => /cannot write keep: it is a directory; -o takes a file name/,
    },
    {
      name: 'predict -o ending in a slash',
      args: () => ['predict', '-m', 'runs/a', '-o', 'out/'],
      message: () => /cannot write out\/: -o takes a file name, not a directory/,
    },
    {
      name: 'predict -o empty',
      args: () => ['predict', '-m', 'runs/a', '-o', ''],
      message: () => /-o is empty: name the file to write, or - for standard output/,
    },
    {
      name: 'predict -o under a file',
      args: () => ['predict', '-m', 'runs/a', '-o', 'data.csv/f.csv'],
      message: () => /cannot write data\.csv\/f\.csv: data\.csv is a file, not a directory/,
    },
    { name: 'predict -o on a read-only place', args: () => ['predict', '-m', 'runs/a', '-o', join(ro.dir, 'f.csv')], message: () => ro.reason },
    {
      name: 'predict -o a FIFO nobody reads (would hang)',
      args: () => ['predict', '-m', 'runs/a', '-o', 'fifo'],
      message: () => /cannot write fifo: it is a FIFO that no process is reading/,
    },
    {
      name: 'predict -o the data it reads',
      args: () => ['predict', '-m', 'runs/a', '--data', 'data.csv', '-o', 'data.csv'],
      message: () => /cannot write data\.csv: it is the data file the forecast reads \(data\.csv\); choose another -o/,
    },
    {
      name: 'predict -o a file of the run',
      args: () => ['predict', '-m', 'runs/a', '-o', 'runs/a/forecast.csv'],
      message: () => /cannot write runs\/a\/forecast\.csv: it lies inside the run directory runs\/a, whose checksums it would break/,
    },
    {
      name: 'predict -o a new file in the run',
      args: () => ['predict', '-m', 'runs/a', '-o', 'runs/a/next.csv'],
      message: () => /it lies inside the run directory runs\/a/,
    },
    // a device reports it is full only when written, after the forecast: the model's memory is reserved by then
    {
      name: 'predict -o into a full device',
      args: () => ['predict', '-m', 'runs/a', '-o', '/dev/full'],
      message: () => /cannot write \/dev\/full: no space left on device/,
      limits: { addressSpace: 32 * 1024 ** 3 },
    },
  ];

  for (const c of cases) it(c.name, () => expectRefused(dir, c.args(), c.message(), c.limits));

  it('what the refusals left alone is intact', () => {
    expect(readFileSync(join(dir, 'keep/notes.txt'), 'utf8')).toBe('mine\n');
    expect(readFileSync(join(dir, 'data.csv'))).toEqual(readFileSync(join(dir, 'test/fixtures/e2e/monthly.csv')));
    expect(readdirSync(join(dir, 'runs')).sort()).toEqual(['.busy.rnnfc-lock', '.junk.rnnfc-lock', 'a', 'extra']);
    const p = rnnfc(dir, ['predict', '-m', 'runs/a', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
  });
});

describe('run names from the data file (issue 15.13)', () => {
  it('a data file named ..csv writes its run as runs/run, not as runs/ itself', () => {
    const dir = scratch();
    copyFileSync(join(dir, 'test/fixtures/e2e/monthly.csv'), join(dir, '..csv'));
    const r = rnnfc(dir, ['train', '--data', '..csv', '--time-column', 'month', '--target', 'value', '--epochs', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).run).toBe(join('runs', 'run'));
    expect(readdirSync(join(dir, 'runs'))).toEqual(['run']);
    expect(existsSync(join(dir, 'runs/manifest.json'))).toBe(false);
    const p = rnnfc(dir, ['predict', '-m', 'runs/run', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
  });
});
