/**
 * Writing run directories so that nothing partial is ever seen under a final name, and nothing
 * rnnfc does not own is replaced (output files: output-file.ts).
 *
 * Run directories: the name is reserved first (a lock file
 * beside it, owner.ts), the run is written to a temp sibling and renamed into place; replacing a
 * run (--overwrite, allowed only for a directory whose manifest.json proves rnnfc wrote all of
 * it) exchanges the new run and the old one in one atomic step where the system can (Linux's
 * renameat2 RENAME_EXCHANGE, exchange.ts), then deletes the old one: at every instant the name
 * holds a whole run, old or new. Elsewhere it moves the old run aside, renames the new one in and
 * then deletes the old one; between those two renames the name is absent for an instant (never
 * partial). rnnfc's readers (restoreInterruptedSwap) wait that instant out, so they always find a
 * whole run; other programs may see the name missing then. A process killed there leaves the old
 * run as `.NAME.old-PID-START-RANDOM`, and the next writer of that directory (or a reader),
 * finding the owner dead, renames it back: the interrupted swap is rolled back. Temp siblings and locks of dead owners
 * are removed by later writers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { excerpt } from '../data/excerpt.js';
import { InterruptError, UserError } from '../errors.js';
import { fileKind } from '../io/file-kind.js';
import { exchangePaths } from './exchange.js';
import { describeOwner, liveLockOwner, parseLockName, parseSibling, siblingAbandoned, siblingPath, tryLock, unlock } from './owner.js';
import { MANIFEST_NAME, RUN_FORMAT } from './run-dir.js';
import {
  asUserError,
  checkCreatable,
  type FileData,
  fsyncDir,
  lstatOrNull,
  makeDirs,
  nextTurn,
  removeEmptyDirs,
  type WriteSteps,
  writeAndSync,
} from './write-steps.js';

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_RUN_ENTRIES = 10_000;

/** The file names manifest.json of `dir` lists, or the reason `dir` is not an rnnfc run. */
function manifestNames(dir: string): Set<string> | string {
  const file = path.join(dir, MANIFEST_NAME);
  const st = lstatOrNull(file);
  if (!st) return 'no manifest.json';
  if (!st.isFile()) return `its manifest.json is ${fileKind(st)}`;
  if (st.size > MAX_MANIFEST_BYTES) return 'its manifest.json is too large to be an rnnfc manifest';
  let m: { format?: unknown; files?: unknown };
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return 'its manifest.json is not valid JSON';
  }
  if (!m || typeof m !== 'object' || m.format !== RUN_FORMAT || !m.files || typeof m.files !== 'object' || Array.isArray(m.files))
    return `its manifest.json is not an rnnfc run manifest (format "${RUN_FORMAT}")`;
  return new Set(Object.keys(m.files).map((n) => path.normalize(n)));
}

/** The first entry under `dir` that its manifest does not list (a directory counts when no listed name lies in it), or null. */
function firstUnlisted(dir: string, listed: Set<string>): string | null {
  const prefixes = new Set<string>();
  for (const n of listed) for (let d = path.dirname(n); d !== '.' && !prefixes.has(d); d = path.dirname(d)) prefixes.add(d);
  let seen = 0;
  const walk = (rel: string): string | null => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      if (++seen > MAX_RUN_ENTRIES) return `${name} (and more than ${MAX_RUN_ENTRIES} entries)`;
      const r = rel ? path.join(rel, name) : name;
      if (r === MANIFEST_NAME || listed.has(r)) continue;
      const st = fs.lstatSync(path.join(dir, r));
      if (!st.isDirectory() || !prefixes.has(r)) return r;
      const inner = walk(r);
      if (inner) return inner;
    }
    return null;
  };
  return walk('');
}

/** True when `dir` is a directory with an rnnfc run manifest (the checksums are not verified here). */
export function isRunDir(dir: string): boolean {
  return Boolean(lstatOrNull(dir)?.isDirectory()) && typeof manifestNames(dir) !== 'string';
}

const OVERWRITE_ONLY = '--overwrite replaces only a run directory written by rnnfc train';

/**
 * Refuses (UserError) to let --overwrite replace `dir` unless it provably is an rnnfc run: a real
 * directory (not a symbolic link) whose manifest.json has the run format and lists every entry
 * in it. A damaged run (checksums that no longer match) is still a run and may be replaced.
 */
export function assertOwnedRun(dir: string): void {
  const st = lstatOrNull(dir);
  if (!st) return;
  if (!st.isDirectory()) throw new UserError(`${dir} is ${fileKind(st)}, not a run directory; ${OVERWRITE_ONLY}: choose another --out`);
  const listed = manifestNames(dir);
  if (typeof listed === 'string') throw new UserError(`${dir} is not an rnnfc run (${listed}); ${OVERWRITE_ONLY}: choose another --out`);
  const extra = firstUnlisted(dir, listed);
  if (extra)
    throw new UserError(
      `${dir} holds ${extra}, which is not part of its run (not listed in its manifest.json); --overwrite would delete it: move it out or choose another --out`,
    );
}

/** The existing `dir` may be replaced only with `overwrite` and only if it is a run. */
function checkExisting(dir: string, overwrite: boolean): void {
  if (!lstatOrNull(dir)) return;
  if (overwrite) {
    assertOwnedRun(dir);
    return;
  }
  if (isRunDir(dir)) throw new UserError(`${dir} already exists; pass --overwrite to replace it or choose another --out`);
  throw new UserError(`${dir} already exists and is not an rnnfc run directory; choose another --out`);
}

const MAX_NAME_BYTES = 200;

/** `runs/a/` -> `runs/a`; the spelling messages use otherwise stays the user's. */
function cleanTarget(target: string): string {
  return target.length > 1 ? target.replace(/[\\/]+$/, '') || target : target;
}

/**
 * Checks, writing nothing, that run directory `target` may be written: a name, in a place this
 * process may create it, not existing (or, with `overwrite`, an rnnfc run), not being written by
 * another rnnfc process. Throws UserError naming the path and the reason.
 */
export function checkRunTarget(target: string, overwrite: boolean): void {
  if (target === '') throw new UserError('--out is empty: name the run directory to write, for example --out runs/my-run');
  const dir = cleanTarget(target);
  const base = path.basename(dir);
  if (base === '.' || base === '..' || base === '' || dir === path.parse(path.resolve(dir)).root)
    throw new UserError(`--out ${target} names no new directory: give a name such as runs/my-run`);
  // room for the lock and temp siblings' prefixes and suffixes within the usual 255-byte limit
  if (Buffer.byteLength(base) > MAX_NAME_BYTES)
    throw new UserError(`--out ${excerpt(base, 40)}: the name is longer than ${MAX_NAME_BYTES} bytes; choose a shorter one`);
  checkCreatable(dir, true);
  checkExisting(dir, overwrite);
  const held = liveLockOwner(dir);
  if (held) throw new UserError(`cannot write ${dir}: ${describeOwner(held)}; wait for it to finish or choose another --out`);
}

/** Throws UserError if `target` exists and overwrite is false, or would replace something not an rnnfc run. Call before expensive work. */
export function assertWritableTarget(target: string, overwrite: boolean): void {
  checkRunTarget(target, overwrite);
}

/**
 * Finishes or rolls back what dead writers of `target` left; call holding target's lock.
 * Old runs moved aside (`.NAME.old-*`) go back when `target` is missing (a swap killed between its
 * renames) and are deleted when it exists (a swap killed after); temp siblings are deleted.
 */
function recover(target: string): void {
  const dir = path.dirname(target);
  const name = path.basename(target);
  let entries: string[];
  try {
    entries = fs.readdirSync(dir).sort();
  } catch {
    return;
  }
  const dead = entries.filter((e) => {
    const s = parseSibling(e);
    return s !== null && s.name === name && siblingAbandoned(s);
  });
  const olds = dead.filter((e) => parseSibling(e)?.kind === 'old' && isRunDir(path.join(dir, e)));
  if (olds.length > 0 && !lstatOrNull(target)) {
    const back = olds.pop() as string;
    fs.renameSync(path.join(dir, back), target);
    fsyncDir(dir);
    dead.splice(dead.indexOf(back), 1);
  }
  for (const e of dead) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
}

/**
 * Cleans what dead rnnfc writers left in `dir`, except for the name `skip` (the caller's own,
 * handled under its lock): temp siblings are deleted; names with an old run moved aside or an
 * abandoned lock are recovered under their lock. Best effort: whatever fails stays for later.
 */
function sweep(dir: string, skip: string | null): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return;
  }
  const names = new Set<string>();
  for (const e of entries) {
    const s = parseSibling(e);
    if (s && s.name !== skip && siblingAbandoned(s)) {
      if (s.kind === 'old') names.add(s.name);
      else fs.rmSync(path.join(dir, e), { recursive: true, force: true });
    }
    const locked = parseLockName(e);
    if (locked !== null && locked !== skip) names.add(locked);
  }
  for (const name of names) {
    const target = path.join(dir, name);
    recoverUnderLock(target);
  }
}

/** recover(target) while holding its lock, when the lock can be had; otherwise (or on failure) it is left for a later writer. */
function recoverUnderLock(target: string): void {
  try {
    const lock = tryLock(target);
    if (!lock.held) return;
    try {
      recover(target);
    } finally {
      unlock(target, lock.token);
    }
  } catch {
    // left for a later writer
  }
}

/** Sleeps `ms` milliseconds, blocking this thread (readers wait synchronously for a swap to finish). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** How long a reader waits for a live writer's swap to put the new run in place (the two renames are instants apart). */
export const SWAP_WAIT_MS = 5000;

/**
 * Before reading run directory `dir`, so that a reader never finds the name absent because of a
 * swap: if `dir` is missing while its old run waits aside as `.NAME.old-*`, then either its
 * writer is still swapping (the name is absent for the instant between its two renames): waits up
 * to `waitMs` for the new run to appear; or the writer died between the renames: puts the old run
 * back. Does nothing otherwise, and nothing it cannot do (best effort: a reader may lack write
 * access; the reader then reports the missing run).
 */
export function restoreInterruptedSwap(dir: string, waitMs = SWAP_WAIT_MS): void {
  const target = cleanTarget(dir);
  const name = path.basename(target);
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (lstatOrNull(target)) return;
    let entries: string[];
    try {
      entries = fs.readdirSync(path.dirname(target));
    } catch {
      return;
    }
    const aside = entries.map(parseSibling).filter((s) => s !== null && s.kind === 'old' && s.name === name);
    if (aside.length === 0) return;
    if (aside.some((s) => siblingAbandoned(s!))) {
      recoverUnderLock(target);
      return;
    }
    if (Date.now() >= deadline) return;
    sleepSync(10);
  }
}

/** Test hook: lets tests simulate a failure at a given step. Not for production use. */
export const _hooks: { beforeSwap?: () => void } = {};

/**
 * A run directory name reserved by this process (its lock is held): write the run with commit
 * (once), and release when done either way; release undoes an unfinished write and frees the name.
 */
export class RunSlot {
  private tmp: string | null = null;
  private backup: string | null = null;
  private state: 'reserved' | 'committing' | 'committed' | 'released' = 'reserved';

  constructor(
    /** The run directory, spelled as the user gave it (or output.dir joined with the chosen name). */
    readonly dir: string,
    private readonly token: string,
    private readonly overwrite: boolean,
    private readonly createdDirs: string[],
  ) {}

  /** The steps of writing `files`, yielding each step's name; sets the state at the commit point. */
  private *steps(files: Record<string, FileData>): Generator<string, void> {
    const tmp = siblingPath(this.dir, 'tmp');
    fs.mkdirSync(tmp);
    this.tmp = tmp;
    const dirs = new Set([tmp]);
    for (const [name, data] of Object.entries(files)) {
      const rel = path.normalize(name);
      if (path.isAbsolute(rel) || rel === '..' || rel.startsWith(`..${path.sep}`)) throw new Error(`invalid file name in run directory: ${name}`);
      const file = path.join(tmp, rel);
      if (path.dirname(file) !== tmp) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        dirs.add(path.dirname(file));
      }
      writeAndSync(file, data);
      yield `wrote:${rel}`;
    }
    for (const d of dirs) fsyncDir(d);
    yield 'written';
    // the commit point: from here on the write completes whatever signal arrives
    this.state = 'committing';
    _hooks.beforeSwap?.();
    const parent = path.dirname(this.dir);
    if (lstatOrNull(this.dir)) {
      checkExisting(this.dir, this.overwrite); // the directory may have changed while the model trained
      if (exchangePaths(tmp, this.dir)) {
        // one atomic step: the name holds the new run, the temp sibling the old one
        this.backup = tmp;
        this.tmp = null;
        fsyncDir(parent);
        yield 'exchanged';
        fs.rmSync(tmp, { recursive: true, force: true });
        this.backup = null;
        this.state = 'committed';
        yield 'committed';
        return;
      }
      const backup = siblingPath(this.dir, 'old');
      fs.renameSync(this.dir, backup);
      this.backup = backup;
      fsyncDir(parent);
      yield 'old-aside';
      fs.renameSync(tmp, this.dir);
      this.tmp = null;
      fsyncDir(parent);
      yield 'swapped';
      fs.rmSync(backup, { recursive: true, force: true });
      this.backup = null;
    } else {
      fs.renameSync(tmp, this.dir);
      this.tmp = null;
      fsyncDir(parent);
    }
    this.state = 'committed';
    yield 'committed';
  }

  /** Writes the run (see WriteSteps), then releases the name. */
  async commit(files: Record<string, FileData>, opts: WriteSteps = {}): Promise<void> {
    const step = opts.step ?? nextTurn;
    try {
      if (opts.signal?.aborted) throw new InterruptError();
      const it = this.steps(files);
      for (let r = it.next(); !r.done; r = it.next()) {
        await step(r.value);
        if (this.state === 'reserved' && opts.signal?.aborted) throw new InterruptError();
      }
    } catch (err) {
      this.undo();
      throw asUserError(err, this.dir);
    } finally {
      this.release();
    }
  }

  /** commit without pauses or cancellation. */
  commitSync(files: Record<string, FileData>): void {
    try {
      const it = this.steps(files);
      for (let r = it.next(); !r.done; r = it.next());
    } catch (err) {
      this.undo();
      throw asUserError(err, this.dir);
    } finally {
      this.release();
    }
  }

  /** Removes what an unfinished write left: the temp directory; an old run moved aside goes back unless the new one is in place. */
  private undo(): void {
    if (this.backup) {
      if (!lstatOrNull(this.dir)) fs.renameSync(this.backup, this.dir);
      else fs.rmSync(this.backup, { recursive: true, force: true });
      this.backup = null;
    }
    if (this.tmp) {
      fs.rmSync(this.tmp, { recursive: true, force: true });
      this.tmp = null;
    }
  }

  /** Frees the name (idempotent): undoes an unfinished write, removes the lock and the directories the reservation created if nothing was written. */
  release(): void {
    if (this.state === 'released') return;
    const committed = this.state === 'committed';
    this.state = 'released';
    try {
      this.undo();
    } finally {
      unlock(this.dir, this.token);
      if (!committed) removeEmptyDirs(this.createdDirs);
    }
  }
}

function lockOrExplain(target: string): { held: true; token: string } | { held: false; why: string } {
  let r: ReturnType<typeof tryLock>;
  try {
    r = tryLock(target);
  } catch (e) {
    throw asUserError(e, target);
  }
  return r.held ? r : { held: false, why: describeOwner(r) };
}

/**
 * Reserves run directory `target` atomically (checkRunTarget, then its lock): while the slot
 * lives no other rnnfc process writes there, and whatever a dead writer left there is finished
 * or rolled back first. Creates missing parent directories (removed again by release if nothing
 * is written).
 */
export function reserveRunDir(target: string, opts: { overwrite: boolean }): RunSlot {
  checkRunTarget(target, opts.overwrite);
  const dir = cleanTarget(target);
  const created = makeDirs(path.dirname(dir), dir);
  try {
    sweep(path.dirname(dir), path.basename(dir));
    const lock = lockOrExplain(dir);
    if (!lock.held) throw new UserError(`cannot write ${dir}: ${lock.why}; wait for it to finish or choose another --out`);
    try {
      recover(dir);
      checkExisting(dir, opts.overwrite);
    } catch (e) {
      unlock(dir, lock.token);
      throw e;
    }
    return new RunSlot(dir, lock.token, opts.overwrite, created);
  } catch (e) {
    removeEmptyDirs(created);
    throw e;
  }
}

const MAX_CANDIDATES = 100_000;

/** `parent/base`, `parent/base_2`, `parent/base_3`, ... */
function* candidates(parent: string, base: string): Generator<string> {
  yield path.join(parent, base);
  for (let i = 2; i <= MAX_CANDIDATES; i++) yield path.join(parent, `${base}_${i}`);
}

/** `parent/base` if free, else `parent/base_2`, `parent/base_3`, ...: the first name that neither exists nor is being written. */
export function nextRunDir(parent: string, base: string): string {
  for (const c of candidates(parent, base)) if (!lstatOrNull(c) && !liveLockOwner(c)) return c;
  throw new UserError(`no free run name under ${parent} for ${base}: choose --out`);
}

/**
 * Checks, writing nothing, that a fresh run name under `parent` can be had and created there. Only
 * that: the name nextRunDir finds free now may be taken by another process a moment later, and the
 * reservation (reserveNextRunDir) then takes the next one, so a lock taken meanwhile is no reason
 * to refuse (it was, when two config-less trains started together).
 */
export function checkNextRunDir(parent: string, base: string): void {
  checkCreatable(nextRunDir(parent, base), true);
}

/**
 * Reserves the first free name of nextRunDir atomically: two processes never get the same one
 * (a name whose lock another process holds is skipped). Creates `parent` if missing (removed
 * again by release if nothing is written).
 */
export function reserveNextRunDir(parent: string, base: string): RunSlot {
  checkCreatable(path.join(parent, base), true);
  const created = makeDirs(parent || '.', path.join(parent, base));
  try {
    sweep(parent || '.', null);
    for (const c of candidates(parent, base)) {
      if (lstatOrNull(c)) continue;
      const lock = lockOrExplain(c);
      if (!lock.held) continue;
      try {
        recover(c);
      } catch (e) {
        unlock(c, lock.token);
        throw e;
      }
      if (lstatOrNull(c)) {
        unlock(c, lock.token);
        continue;
      }
      return new RunSlot(c, lock.token, false, created);
    }
    throw new UserError(`no free run name under ${parent} for ${base}: choose --out`);
  } catch (e) {
    removeEmptyDirs(created);
    throw e;
  }
}

/**
 * Atomically create directory `target` containing `files` (names may contain '/' for subdirs).
 * An existing target is refused unless opts.overwrite and it is an rnnfc run, which is then
 * replaced entirely (see the file comment for the crash-safe swap).
 */
export function writeDirAtomic(target: string, files: Record<string, FileData>, opts: { overwrite: boolean }): void {
  reserveRunDir(target, opts).commitSync(files);
}
