import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  _hooks,
  assertWritableTarget,
  checkRunTarget,
  nextRunDir,
  reserveNextRunDir,
  reserveRunDir,
  restoreInterruptedSwap,
  writeDirAtomic,
} from '../../src/artifacts/atomic.js';
import { checkOutputFile, writeFileAtomic, writeOutputFile } from '../../src/artifacts/output-file.js';
import { buildManifest } from '../../src/artifacts/run-dir.js';
import { InterruptError, UserError } from '../../src/errors.js';

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

/** A pid that provably no longer runs: a child that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid as number;
}
const sibling = (name: string, kind: 'tmp' | 'old', pid: number) => path.join(root, `.${name}.${kind}-${pid}-0123abcd`);

describe('--overwrite replaces only an rnnfc run', () => {
  const refused = (t: string, message: RegExp) => {
    let err: unknown;
    try {
      writeDirAtomic(t, run({ 'a.txt': 'new' }), { overwrite: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(message);
  };
  it('refuses a directory without a manifest and keeps what it holds', () => {
    const t = path.join(root, 'keep');
    fs.mkdirSync(t);
    fs.writeFileSync(path.join(t, 'notes.txt'), 'x');
    refused(t, /keep is not an rnnfc run \(no manifest\.json\); --overwrite replaces only a run directory written by rnnfc train/);
    expect(fs.readFileSync(path.join(t, 'notes.txt'), 'utf8')).toBe('x');
    expect(ls()).toEqual(['keep']);
  });
  it('refuses a plain file, a symbolic link to a run, and a manifest of another format', () => {
    const f = path.join(root, 'data.csv');
    fs.writeFileSync(f, 'a,b\n');
    refused(f, /data\.csv is a file, not a run directory/);
    writeDirAtomic(path.join(root, 'real'), run({ 'a.txt': 'old' }), { overwrite: false });
    fs.symlinkSync('real', path.join(root, 'link'));
    refused(path.join(root, 'link'), /link is a symbolic link, not a run directory/);
    const other = path.join(root, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'manifest.json'), JSON.stringify({ format: 'something-else', files: {} }));
    refused(other, /other is not an rnnfc run \(its manifest\.json is not an rnnfc run manifest/);
    expect(fs.readFileSync(f, 'utf8')).toBe('a,b\n');
    expect(fs.readFileSync(path.join(root, 'real/a.txt'), 'utf8')).toBe('old');
    expect(ls()).toEqual(['data.csv', 'link', 'other', 'real']);
  });
  it('refuses a run holding a file its manifest does not list, naming it', () => {
    const t = path.join(root, 'run');
    writeDirAtomic(t, run({ 'a.txt': 'old', 'sub/b.txt': 'b' }), { overwrite: false });
    fs.writeFileSync(path.join(t, 'sub/notes.txt'), 'mine');
    refused(t, /run holds sub\/notes\.txt, which is not part of its run/);
    expect(fs.readFileSync(path.join(t, 'sub/notes.txt'), 'utf8')).toBe('mine');
  });
  it('replaces a damaged run (checksums are not what proves ownership)', () => {
    const t = path.join(root, 'run');
    writeDirAtomic(t, run({ 'a.txt': 'old' }), { overwrite: false });
    fs.writeFileSync(path.join(t, 'a.txt'), 'tampered');
    writeDirAtomic(t, run({ 'a.txt': 'new' }), { overwrite: true });
    expect(fs.readFileSync(path.join(t, 'a.txt'), 'utf8')).toBe('new');
    expect(ls()).toEqual(['run']);
  });
  it('without --overwrite names what is there', () => {
    fs.writeFileSync(path.join(root, 'f'), 'x');
    expect(() => assertWritableTarget(path.join(root, 'f'), false)).toThrow(/f already exists and is not an rnnfc run directory; choose another --out/);
  });
});

describe('output paths checked before any work', () => {
  it('names the path and the reason', () => {
    fs.writeFileSync(path.join(root, 'file'), 'x');
    expect(() => checkRunTarget('', false)).toThrow(/--out is empty/);
    expect(() => checkRunTarget(path.join(root, 'file/run'), false)).toThrow(/cannot write .*file\/run: .*file is a file, not a directory/);
    expect(() => checkRunTarget(`${root}/a/..`, false)).toThrow(/names no new directory/);
    expect(() => checkRunTarget('/', false)).toThrow(/names no new directory/);
    expect(() => checkRunTarget(path.join(root, 'x'.repeat(201)), false)).toThrow(/longer than 200 bytes/);
    expect(() => checkOutputFile('')).toThrow(/-o is empty/);
    expect(() => checkOutputFile(root)).toThrow(/it is a directory; -o takes a file name/);
    expect(() => checkOutputFile(`${root}/out/`)).toThrow(/-o takes a file name, not a directory/);
    expect(() => checkOutputFile(path.join(root, 'missing/f.csv'))).toThrow(/directory .*missing does not exist/);
    expect(() => checkOutputFile(path.join(root, 'file/f.csv'))).toThrow(/file is a file, not a directory/);
    expect(() => checkRunTarget(path.join(root, 'new/deeper/run'), false)).not.toThrow();
    expect(() => checkOutputFile(path.join(root, 'f.csv'))).not.toThrow();
    expect(ls()).toEqual(['file']);
  });
  it('refuses a FIFO nobody reads instead of hanging on it', () => {
    const fifo = path.join(root, 'fifo');
    const r = spawnSync('mkfifo', [fifo]);
    expect(r.status).toBe(0);
    expect(() => checkOutputFile(fifo)).toThrow(/it is a FIFO that no process is reading/);
  });
});

describe('names are reserved before training', () => {
  it('two reservations never get the same directory; release frees the name', () => {
    const a = reserveNextRunDir(path.join(root, 'runs'), 'data');
    const b = reserveNextRunDir(path.join(root, 'runs'), 'data');
    expect([a.dir, b.dir]).toEqual([path.join(root, 'runs/data'), path.join(root, 'runs/data_2')]);
    expect(() => reserveRunDir(path.join(root, 'runs/data'), { overwrite: false })).toThrow(
      new RegExp(`cannot write .*runs/data: another rnnfc process \\(pid ${process.pid}\\) is writing it; wait for it to finish or choose another --out`),
    );
    b.commitSync(run({ 'b.txt': 'b' }));
    a.release();
    expect(fs.readdirSync(path.join(root, 'runs'))).toEqual(['data_2']);
    const c = reserveNextRunDir(path.join(root, 'runs'), 'data');
    expect(c.dir).toBe(path.join(root, 'runs/data'));
    c.release();
  });
  it('release removes the directories the reservation created when nothing was written', () => {
    reserveRunDir(path.join(root, 'a/b/run'), { overwrite: false }).release();
    reserveNextRunDir(path.join(root, 'c/runs'), 'x').release();
    expect(ls()).toEqual([]);
  });
  it('a lock whose owner is dead is taken over; a live or unreadable one is respected', () => {
    const t = path.join(root, 'run');
    const lock = path.join(root, '.run.rnnfc-lock');
    const owner = (pid: number) => JSON.stringify({ rnnfc_lock: 1, pid, host: os.hostname(), start: null, token: 'x' });
    fs.writeFileSync(lock, owner(deadPid()));
    writeDirAtomic(t, run({ 'a.txt': 'a' }), { overwrite: false });
    expect(ls()).toEqual(['run']);
    const child = spawn('sleep', ['30']);
    try {
      fs.writeFileSync(lock, owner(child.pid as number));
      expect(() => checkRunTarget(t, true)).toThrow(new RegExp(`another rnnfc process \\(pid ${child.pid}\\) is writing it`));
      fs.writeFileSync(lock, JSON.stringify({ rnnfc_lock: 1, pid: child.pid, host: 'elsewhere', start: null, token: 'x' }));
      // a pid on another host proves nothing here
      expect(() => checkRunTarget(t, true)).toThrow(
        new RegExp(`pid ${child.pid} on host elsewhere\\) is writing it \\(if it no longer runs there, remove .*\\.run\\.rnnfc-lock\\)`),
      );
      fs.writeFileSync(lock, 'not json');
      expect(() => checkRunTarget(t, true)).toThrow(/its lock file .*\.run\.rnnfc-lock was not written by rnnfc or is damaged/);
    } finally {
      child.kill();
    }
  });
  it('a lock of a pid now reused by another process is abandoned (start time differs)', () => {
    const child = spawn('sleep', ['30']);
    try {
      const t = path.join(root, 'run');
      fs.writeFileSync(path.join(root, '.run.rnnfc-lock'), JSON.stringify({ rnnfc_lock: 1, pid: child.pid, host: os.hostname(), start: '1', token: 'x' }));
      const stat = `/proc/${child.pid}/stat`;
      if (!fs.existsSync(stat)) return; // no /proc: the start time cannot be compared
      writeDirAtomic(t, run({ 'a.txt': 'a' }), { overwrite: false });
      expect(ls()).toEqual(['run']);
    } finally {
      child.kill();
    }
  });
});

describe('what a killed writer left is finished or rolled back by the next one', () => {
  it('an old run moved aside while the name is missing goes back (a swap killed between its renames)', () => {
    const t = path.join(root, 'run');
    writeDirAtomic(t, run({ 'a.txt': 'old' }), { overwrite: false });
    const pid = deadPid();
    fs.renameSync(t, sibling('run', 'old', pid));
    fs.mkdirSync(sibling('run', 'tmp', pid));
    fs.writeFileSync(path.join(sibling('run', 'tmp', pid), 'a.txt'), 'half');
    // a later train to the same name finds the old run back in place: without --overwrite it is refused
    expect(() => writeDirAtomic(t, run({ 'a.txt': 'new' }), { overwrite: false })).toThrow(/run already exists; pass --overwrite/);
    expect(fs.readFileSync(path.join(t, 'a.txt'), 'utf8')).toBe('old');
    expect(ls()).toEqual(['run']);
  });
  it('an old run left after the new one is in place is deleted; so are temp siblings of dead writers, in the whole directory', () => {
    const t = path.join(root, 'run');
    const pid = deadPid();
    writeDirAtomic(t, run({ 'a.txt': 'new' }), { overwrite: false });
    writeDirAtomic(sibling('run', 'old', pid), run({ 'a.txt': 'old' }), { overwrite: false });
    fs.mkdirSync(sibling('other', 'tmp', pid));
    fs.writeFileSync(sibling('f.csv', 'tmp', pid), 'x');
    writeDirAtomic(path.join(root, 'next'), run({ 'n.txt': 'n' }), { overwrite: false });
    expect(ls()).toEqual(['next', 'run']);
    expect(fs.readFileSync(path.join(t, 'a.txt'), 'utf8')).toBe('new');
  });
  it('leaves the siblings of a writer that still runs, and anything not named as an rnnfc sibling', () => {
    const child = spawn('sleep', ['30']);
    try {
      const live = sibling('run', 'tmp', child.pid as number);
      fs.mkdirSync(live);
      fs.writeFileSync(path.join(root, '.run.tmp-notes'), 'mine');
      fs.writeFileSync(path.join(root, '.run.old'), 'mine');
      reserveNextRunDir(root, 'run').release();
      expect(ls()).toEqual(['.run.old', '.run.tmp-notes', path.basename(live)].sort());
    } finally {
      child.kill();
    }
  });
  it('a writer that is still running its swap keeps the name (its lock is live)', () => {
    const t = path.join(root, 'run');
    writeDirAtomic(t, run({ 'a.txt': 'old' }), { overwrite: false });
    const slot = reserveRunDir(t, { overwrite: true });
    // the next choice of a fresh name skips it, even if the directory is momentarily absent
    fs.renameSync(t, sibling('run', 'old', process.pid));
    const next = reserveNextRunDir(root, 'run');
    expect(next.dir).toBe(path.join(root, 'run_2'));
    next.release();
    fs.renameSync(sibling('run', 'old', process.pid), t);
    slot.release();
  });
});

describe('cancellation of a write', () => {
  it('an abort before the commit point removes everything; after it the run is written whole', async () => {
    const t = path.join(root, 'runs/run');
    for (const at of ['wrote:a.txt', 'written']) {
      const ac = new AbortController();
      const slot = reserveRunDir(t, { overwrite: false });
      await expect(
        slot.commit(run({ 'a.txt': 'a' }), {
          signal: ac.signal,
          step: async (name) => {
            if (name === at) ac.abort();
          },
        }),
      ).rejects.toBeInstanceOf(InterruptError);
      expect(ls()).toEqual([]);
    }
    writeDirAtomic(t, run({ 'a.txt': 'old' }), { overwrite: false });
    const ac = new AbortController();
    const steps: string[] = [];
    await reserveRunDir(t, { overwrite: true }).commit(run({ 'a.txt': 'new' }), {
      signal: ac.signal,
      step: async (name) => {
        steps.push(name);
        if (name === 'old-aside' || name === 'exchanged') ac.abort();
      },
    });
    expect(steps.slice(-4)).toEqual(
      steps.includes('exchanged') ? ['wrote:manifest.json', 'written', 'exchanged', 'committed'] : ['written', 'old-aside', 'swapped', 'committed'],
    );
    expect(fs.readFileSync(path.join(t, 'a.txt'), 'utf8')).toBe('new');
    expect(fs.readdirSync(path.join(root, 'runs'))).toEqual(['run']);
  });
  it('writeOutputFile: an abort before the rename leaves the old file and no temp; dead temps of the same file go', async () => {
    const f = path.join(root, 'f.csv');
    fs.writeFileSync(f, 'old');
    fs.writeFileSync(sibling('f.csv', 'tmp', deadPid()), 'half');
    const ac = new AbortController();
    await expect(writeOutputFile(f, 'new', { signal: ac.signal, step: async () => ac.abort() })).rejects.toBeInstanceOf(InterruptError);
    expect(fs.readFileSync(f, 'utf8')).toBe('old');
    expect(ls()).toEqual(['f.csv']);
    await writeOutputFile(f, 'new');
    expect(fs.readFileSync(f, 'utf8')).toBe('new');
    expect(ls()).toEqual(['f.csv']);
  });
  it('writeOutputFile writes through a symbolic link (the link stays) and straight into a device', async () => {
    fs.writeFileSync(path.join(root, 'real.csv'), 'old');
    fs.symlinkSync('real.csv', path.join(root, 'link.csv'));
    await writeOutputFile(path.join(root, 'link.csv'), 'new');
    expect(fs.lstatSync(path.join(root, 'link.csv')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(root, 'real.csv'), 'utf8')).toBe('new');
    await writeOutputFile('/dev/null', 'x');
    expect(ls()).toEqual(['link.csv', 'real.csv']);
  });
});

describe('restoreInterruptedSwap (before a run is read)', () => {
  it('puts back an old run whose writer died between the renames, and nothing else', () => {
    const t = path.join(root, 'run');
    writeDirAtomic(t, run({ 'a.txt': 'old' }), { overwrite: false });
    fs.renameSync(t, sibling('run', 'old', deadPid()));
    restoreInterruptedSwap(t);
    expect(fs.readFileSync(path.join(t, 'a.txt'), 'utf8')).toBe('old');
    expect(ls()).toEqual(['run']);
    // a present run, a missing one without a backup, and a backup of a live writer are left alone
    restoreInterruptedSwap(t);
    restoreInterruptedSwap(path.join(root, 'none'));
    // a backup of a writer still swapping is left alone; the reader gives up after its wait
    fs.renameSync(t, sibling('run', 'old', process.pid));
    const before = Date.now();
    restoreInterruptedSwap(t, 200);
    expect(Date.now() - before).toBeGreaterThanOrEqual(200);
    expect(ls()).toEqual([path.basename(sibling('run', 'old', process.pid))]);
  });
  it('waits out a live writer between its two renames and then finds the new run, never the name missing', async () => {
    const t = path.join(root, 'run');
    writeDirAtomic(t, run({ 'a.txt': 'old' }), { overwrite: false });
    writeDirAtomic(path.join(root, 'staged'), run({ 'a.txt': 'new' }), { overwrite: false });
    // another process, alive, with the old run aside and the new one not yet renamed in: it
    // finishes its swap 300 ms later
    const child = spawn('sleep', ['30']);
    try {
      const aside = sibling('run', 'old', child.pid as number);
      fs.renameSync(t, aside);
      const finisher = spawn(process.execPath, [
        '-e',
        `setTimeout(() => { const fs = require('fs'); fs.renameSync(${JSON.stringify(path.join(root, 'staged'))}, ${JSON.stringify(t)}); }, 300)`,
      ]);
      const done = new Promise((r) => finisher.on('exit', r));
      const before = Date.now();
      restoreInterruptedSwap(t, 10_000);
      expect(Date.now() - before).toBeGreaterThanOrEqual(250);
      expect(fs.readFileSync(path.join(t, 'a.txt'), 'utf8')).toBe('new');
      await done;
    } finally {
      child.kill();
    }
  });
});

describe('siblings name their owner by pid and start time', () => {
  it('parses both spellings, and a sibling of a reused pid is abandoned', async () => {
    const { parseSibling, siblingAbandoned, siblingPath } = await import('../../src/artifacts/owner.js');
    const own = parseSibling(path.basename(siblingPath(path.join(root, 'run'), 'tmp')));
    expect(own).toMatchObject({ name: 'run', kind: 'tmp', pid: process.pid });
    expect(parseSibling('.run.old-123-0123abcd')).toEqual({ name: 'run', kind: 'old', pid: 123, start: null });
    expect(parseSibling('.a.b.tmp-123-4567-12345678')).toEqual({ name: 'a.b', kind: 'tmp', pid: 123, start: '4567' });
    expect(parseSibling('.run.tmp-notes')).toBeNull();
    const child = spawn('sleep', ['30']);
    try {
      if (!fs.existsSync(`/proc/${child.pid}/stat`)) return; // no /proc: start times cannot be compared
      const start = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
      expect(own?.start).not.toBeNull();
      // the live process that made it, and one whose start time the name does not record, keep it
      expect(siblingAbandoned({ name: 'run', kind: 'tmp', pid: child.pid as number, start })).toBe(false);
      expect(siblingAbandoned({ name: 'run', kind: 'tmp', pid: child.pid as number, start: null })).toBe(false);
      // the same pid started at another time: not its owner
      const reused = path.join(root, `.run.tmp-${child.pid}-1-0123abcd`);
      fs.mkdirSync(reused);
      reserveNextRunDir(root, 'other').release();
      expect(ls()).toEqual([]);
    } finally {
      child.kill();
    }
  });
});

describe('--overwrite swaps in one atomic exchange where the system can', () => {
  it('exchangePaths swaps two directories (or says it cannot, changing nothing)', async () => {
    const { exchangePaths } = await import('../../src/artifacts/exchange.js');
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    fs.mkdirSync(a);
    fs.mkdirSync(b);
    fs.writeFileSync(path.join(a, 'x'), 'A');
    fs.writeFileSync(path.join(b, 'x'), 'B');
    const ok = exchangePaths(a, b);
    // Linux with util-linux's exch or perl (every Debian and Ubuntu system) exchanges
    if (process.platform === 'linux' && spawnSync('perl', ['-e', '0']).status === 0) expect(ok).toBe(true);
    expect(fs.readFileSync(path.join(a, 'x'), 'utf8')).toBe(ok ? 'B' : 'A');
    expect(fs.readFileSync(path.join(b, 'x'), 'utf8')).toBe(ok ? 'A' : 'B');
    // a missing side: nothing changes
    expect(exchangePaths(a, path.join(root, 'none'))).toBe(false);
    expect(ls()).toEqual(['a', 'b']);
  });
  it('the write steps: one exchange (the name never missing), or the two renames when exchange is off', async () => {
    const { _exchange, exchangePaths } = await import('../../src/artifacts/exchange.js');
    const t = path.join(root, 'run');
    writeDirAtomic(t, run({ 'a.txt': 'old' }), { overwrite: false });
    const stepsOf = async () => {
      const seen: string[] = [];
      const present: boolean[] = [];
      await reserveRunDir(t, { overwrite: true }).commit(run({ 'a.txt': `v${Math.random()}` }), {
        step: async (s) => {
          seen.push(s);
          present.push(fs.existsSync(path.join(t, 'manifest.json')));
        },
      });
      return { seen: seen.filter((s) => !s.startsWith('wrote:')), present };
    };
    const probe = [path.join(root, 'p1'), path.join(root, 'p2')];
    for (const p of probe) fs.mkdirSync(p);
    const can = exchangePaths(probe[0], probe[1]);
    for (const p of probe) fs.rmdirSync(p);
    if (can) {
      const ex = await stepsOf();
      expect(ex.seen).toEqual(['written', 'exchanged', 'committed']);
      expect(ex.present.every(Boolean)).toBe(true);
    }
    _exchange.enabled = false;
    try {
      const rn = await stepsOf();
      expect(rn.seen).toEqual(['written', 'old-aside', 'swapped', 'committed']);
      expect(rn.present).toContain(false); // the instant between the renames
    } finally {
      _exchange.enabled = true;
    }
    expect(ls()).toEqual(['run']);
  });
});
