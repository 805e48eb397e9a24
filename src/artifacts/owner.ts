/**
 * Who owns a name while rnnfc writes it: the siblings a write leaves next to its target
 * (`.NAME.tmp-PID-START-RANDOM` while writing, `.NAME.old-PID-START-RANDOM` while an old run is
 * swapped out; START, the owner's process start time, is left out where there is no /proc) and the
 * lock that reserves NAME (`.NAME.rnnfc-lock`, holding the owner's pid, host and process start
 * time). A sibling or lock is abandoned only when its owner is provably gone: same host, and the
 * pid no longer runs (or now belongs to a process started at another time).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';

export type SiblingKind = 'tmp' | 'old';

const SIBLING = /^\.(.+)\.(tmp|old)-(\d{1,10})(?:-(\d{1,20}))?-[0-9a-f]{8}$/;
const LOCK_SUFFIX = '.rnnfc-lock';
const BREAK_SUFFIX = '.rnnfc-lock-break';

/** `dir/.NAME.KIND-PID-START-RANDOM`: a fresh sibling of `target` that names its owner (its pid and start time). */
export function siblingPath(target: string, kind: SiblingKind): string {
  const start = startOfThisProcess();
  const owner = start === null ? `${process.pid}` : `${process.pid}-${start}`;
  return path.join(path.dirname(target), `.${path.basename(target)}.${kind}-${owner}-${randomBytes(4).toString('hex')}`);
}

/** A sibling's target name, kind and owner (pid, and start time when the name records one). */
export interface Sibling {
  name: string;
  kind: SiblingKind;
  pid: number;
  start: string | null;
}

/** The target name, kind and owner of a sibling's file name; null for any other name. */
export function parseSibling(entry: string): Sibling | null {
  const m = SIBLING.exec(entry);
  return m ? { name: m[1], kind: m[2] as SiblingKind, pid: Number(m[3]), start: m[4] ?? null } : null;
}

/** True when the process that made sibling `s` provably no longer runs (its pid gone, or reused by a process started at another time). */
export function siblingAbandoned(s: Sibling): boolean {
  return !processRuns(s.pid, s.start);
}

/** The target name a lock (or its breaker) file reserves; null for any other name. */
export function parseLockName(entry: string): string | null {
  for (const suffix of [LOCK_SUFFIX, BREAK_SUFFIX])
    if (entry.startsWith('.') && entry.endsWith(suffix) && entry.length > suffix.length + 1) return entry.slice(1, -suffix.length);
  return null;
}

export function lockPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}${LOCK_SUFFIX}`);
}

/** State and start time (clock ticks since boot) of a process, from /proc; null where there is no /proc. */
function procStat(pid: number): { state: string; start: string } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], start: rest[19] };
  } catch {
    return null;
  }
}

let ownStart: string | null | undefined;
function startOfThisProcess(): string | null {
  if (ownStart === undefined) ownStart = procStat(process.pid)?.start ?? null;
  return ownStart;
}

/**
 * False only when process `pid` provably no longer runs: kill(pid, 0) says no such process,
 * /proc says it is a zombie, or the pid now belongs to a process started at another time than
 * `start`. Anything unsure (another user's process, a pid outside the range) counts as running.
 */
export function processRuns(pid: number, start: string | null = null): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid >= 2 ** 31) return true;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  const stat = procStat(pid);
  if (stat && (stat.state === 'Z' || stat.state === 'X')) return false;
  if (stat && start !== null && stat.start !== start) return false;
  return true;
}

/** What a lock file records. */
export interface LockOwner {
  pid: number;
  host: string;
  start: string | null;
  token: string;
}

function readLock(file: string): LockOwner | null | 'missing' {
  let text: string;
  try {
    if (!fs.lstatSync(file).isFile()) return null;
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    return null;
  }
  try {
    const v = JSON.parse(text) as Partial<LockOwner> & { rnnfc_lock?: number };
    if (v.rnnfc_lock !== 1 || !Number.isSafeInteger(v.pid) || typeof v.host !== 'string' || typeof v.token !== 'string') return null;
    return { pid: v.pid as number, host: v.host, start: typeof v.start === 'string' ? v.start : null, token: v.token };
  } catch {
    return null;
  }
}

/** True when the lock's owner provably no longer runs (same host, pid gone or reused). */
export function abandoned(owner: LockOwner): boolean {
  return owner.host === hostname() && !processRuns(owner.pid, owner.start);
}

/**
 * Creates `file` holding `text`, atomically: the content is complete the moment the name
 * exists (written to a sibling, then hard-linked, which fails if the name exists). Where the
 * file system has no hard links, exclusive create and write. Throws EEXIST if `file` exists.
 */
function createExclusive(file: string, text: string): void {
  const tmp = siblingPath(file, 'tmp');
  fs.writeFileSync(tmp, text, { flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    fs.writeFileSync(file, text, { flag: 'wx' });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** A held lock, or who holds it (null: a lock file rnnfc cannot read, so its owner is unknown). */
export type LockResult = { held: true; token: string } | { held: false; owner: LockOwner | null; file: string };

/**
 * Reserves the name `target` for this process: creates its lock file, or takes over a lock whose
 * owner is provably gone. Errors creating the file (a read-only directory, say) are thrown as
 * they are.
 */
export function tryLock(target: string): LockResult {
  const file = lockPath(target);
  const token = randomBytes(8).toString('hex');
  const text = JSON.stringify({ rnnfc_lock: 1, pid: process.pid, host: hostname(), start: startOfThisProcess(), token }) + '\n';
  for (let attempt = 0; attempt < 8; attempt++) {
    try {
      createExclusive(file, text);
      return { held: true, token };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = readLock(file);
    if (owner === 'missing') continue; // released meanwhile
    if (owner === null || !abandoned(owner)) return { held: false, owner, file };
    breakLock(target, owner);
  }
  const owner = readLock(file);
  return { held: false, owner: owner === 'missing' ? null : owner, file };
}

/**
 * Removes the lock of `target` if it is still the abandoned one seen (same token). The check and
 * the removal happen under a second, short-lived lock, so two processes that both found the lock
 * abandoned cannot remove a lock a third one has just taken.
 */
function breakLock(target: string, seen: LockOwner): void {
  const file = lockPath(target);
  const breaker = path.join(path.dirname(file), `.${path.basename(target)}${BREAK_SUFFIX}`);
  const token = randomBytes(8).toString('hex');
  try {
    createExclusive(breaker, JSON.stringify({ rnnfc_lock: 1, pid: process.pid, host: hostname(), start: startOfThisProcess(), token }) + '\n');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // a breaker whose owner died inside its few statements: remove it and let the caller retry
    const other = readLock(breaker);
    if (other !== 'missing' && other !== null && abandoned(other)) fs.rmSync(breaker, { force: true });
    return;
  }
  try {
    const now = readLock(file);
    if (now !== 'missing' && now !== null && now.token === seen.token) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(breaker, { force: true });
  }
}

/** Releases a lock this process holds (a lock that is no longer ours is left alone). */
export function unlock(target: string, token: string): void {
  const file = lockPath(target);
  const now = readLock(file);
  if (now !== 'missing' && now !== null && now.token === token) fs.rmSync(file, { force: true });
}

/** Who holds `target`'s lock, if someone alive (or unknown) does; null when the name is free or its lock abandoned. */
export function liveLockOwner(target: string): { owner: LockOwner | null; file: string } | null {
  const file = lockPath(target);
  const owner = readLock(file);
  if (owner === 'missing') return null;
  if (owner !== null && abandoned(owner)) return null;
  return { owner, file };
}

/** The message part naming a lock's holder. */
export function describeOwner(held: { owner: LockOwner | null; file: string }): string {
  if (held.owner === null) return `its lock file ${held.file} was not written by rnnfc or is damaged (remove it if no rnnfc runs)`;
  if (held.owner.host === hostname()) return `another rnnfc process (pid ${held.owner.pid}) is writing it`;
  // this host cannot tell whether a process of another host still runs: only a person can
  return `another rnnfc process (pid ${held.owner.pid} on host ${held.owner.host}) is writing it (if it no longer runs there, remove ${held.file})`;
}
