/**
 * The file-system steps that atomic writes are made of (write and fsync, directory fsync, parent
 * checks and creation), and how a command follows a write (WriteSteps: pauses and cancellation).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors.js';
import { fileKind } from '../io/file-kind.js';
/** How a command follows a write: between steps it may pause (tests) and stop (Ctrl-C). */
export interface WriteSteps {
  /**
   * Checked between steps until the commit point (the first rename that makes the result
   * visible): once aborted, what was written is removed and InterruptError thrown. After the
   * commit point the write finishes whatever arrives.
   */
  signal?: AbortSignal;
  /** Awaited after each step with its name; by default one turn of the event loop, so that signal handlers run. */
  step?: (name: string) => Promise<void>;
}

export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A file's contents: text, bytes, or text in pieces (a panel's per-series files), written and
 * hashed piece by piece and never joined, so that a file may be longer than a string can be.
 */
export type FileData = string | Uint8Array | readonly string[];

/** Bytes of text in pieces encoded at a time: the pieces are gathered into blocks of this size. */
const BLOCK_BYTES = 1024 ** 2;

/**
 * The bytes of `data`, piece by piece (one piece unless it is text in pieces). Text in pieces is
 * encoded into one reused block of BLOCK_BYTES (a piece larger than that on its own), so that
 * writing or hashing a large file makes no garbage the size of the file: each piece yielded is
 * valid only until the next is asked for.
 */
export function* dataPieces(data: FileData): Generator<Uint8Array> {
  if (typeof data === 'string') yield Buffer.from(data, 'utf8');
  else if (data instanceof Uint8Array) yield data;
  else {
    const block = Buffer.allocUnsafe(BLOCK_BYTES);
    let used = 0;
    for (const piece of data) {
      const bytes = Buffer.byteLength(piece, 'utf8');
      if (used + bytes > BLOCK_BYTES && used > 0) {
        yield block.subarray(0, used);
        used = 0;
      }
      if (bytes > BLOCK_BYTES) yield Buffer.from(piece, 'utf8');
      else used += block.write(piece, used, 'utf8');
    }
    if (used > 0) yield block.subarray(0, used);
  }
}

export function writeAndSync(file: string, data: FileData): void {
  const fd = fs.openSync(file, 'wx');
  try {
    for (const piece of dataPieces(data)) {
      let done = 0;
      while (done < piece.byteLength) done += fs.writeSync(fd, piece, done, piece.byteLength - done);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync a directory, so renames in it survive a power cut (not possible everywhere: then skipped). */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fs.fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on directories
  } finally {
    fs.closeSync(fd);
  }
}

export function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}

export function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

const REASONS: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory',
  ENOENT: 'a directory on the path does not exist',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many levels of symbolic links',
  EISDIR: 'it is a directory',
  EMLINK: 'too many links',
};

/** A file-system error a user can fix as a UserError saying what could not be written and why; other errors as they are. */
export function asUserError(err: unknown, target: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code && code in REASONS ? new UserError(`cannot write ${target}: ${REASONS[code]}`) : err;
}

/**
 * Checks, writing nothing, that `target` can be created: the nearest existing directory above it
 * is a directory this process may write (with `createParents`, missing directories between are
 * fine; without, the parent itself must exist). Throws UserError naming the path and the reason.
 */
export function checkCreatable(target: string, createParents: boolean): void {
  const parent = path.dirname(target);
  for (let dir = parent; ; ) {
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw asUserError(e, target);
    }
    if (st) {
      if (!st.isDirectory()) throw new UserError(`cannot write ${target}: ${dir} is ${fileKind(st)}, not a directory`);
      if (dir !== parent && !createParents) throw new UserError(`cannot write ${target}: directory ${parent} does not exist`);
      try {
        fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        throw new UserError(`cannot write ${target}: ${dir} is not writable (${REASONS[code] ?? code})`);
      }
      return;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new UserError(`cannot write ${target}: no directory on its path exists`);
    dir = up;
  }
}

/** Creates the missing directories of `dir`, top down; returns those it created (to remove again if nothing is written). */
export function makeDirs(dir: string, target: string): string[] {
  const missing: string[] = [];
  for (let d = dir; !lstatOrNull(d); ) {
    missing.unshift(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  const created: string[] = [];
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
      created.push(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        removeEmptyDirs(created);
        throw asUserError(e, target);
      }
    }
  }
  return created;
}

export function removeEmptyDirs(created: string[]): void {
  for (const d of [...created].reverse()) {
    try {
      fs.rmdirSync(d);
    } catch {
      // not empty: someone else writes there now
    }
  }
}
