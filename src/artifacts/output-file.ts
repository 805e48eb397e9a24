/**
 * Output files written so that nothing partial is ever seen under their name: a temp sibling,
 * fsync, rename; the path checked before any work; temp siblings of dead writers removed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InterruptError, UserError } from '../errors.js';
import { fileKind } from '../io/file-kind.js';
import { parseSibling, siblingAbandoned, siblingPath } from './owner.js';
import { asUserError, checkCreatable, fsyncDir, lstatOrNull, nextTurn, statOrNull, type WriteSteps, writeAndSync } from './write-steps.js';
/** Write a file atomically: temp sibling, fsync, rename. Removes the temp file on failure. */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const tmp = siblingPath(target, 'tmp');
  try {
    writeAndSync(tmp, data);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Checks, writing nothing, that an output file can be written at `target` (`flag` names the
 * option in messages): not empty, not a directory, not a FIFO nobody reads, in an existing
 * directory this process may write. Throws UserError naming the path and the reason.
 */
export function checkOutputFile(target: string, flag = '-o'): void {
  if (target === '') throw new UserError(`${flag} is empty: name the file to write, or - for standard output`);
  if (target.endsWith('/') || target.endsWith(path.sep))
    throw new UserError(`cannot write ${target}: ${flag} takes a file name, not a directory (for example ${path.join(target, 'forecast.csv')})`);
  const st = statOrNull(target);
  if (st?.isDirectory())
    throw new UserError(`cannot write ${target}: it is a directory; ${flag} takes a file name, such as ${path.join(target, 'forecast.csv')} or forecast.csv`);
  if (st?.isFIFO()) {
    try {
      fs.closeSync(fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENXIO') throw new UserError(`cannot write ${target}: it is a FIFO that no process is reading`);
      throw asUserError(e, target);
    }
    return;
  }
  if (st?.isCharacterDevice()) return;
  if (st && !st.isFile()) throw new UserError(`cannot write ${target}: it is ${fileKind(st)}, not a regular file`);
  checkCreatable(realTarget(target), false);
}

/** The file a write to `target` replaces: a symbolic link is written through (the link stays). */
function realTarget(target: string): string {
  return lstatOrNull(target)?.isSymbolicLink() && statOrNull(target) ? fs.realpathSync(target) : target;
}

/** True when `a` and `b` name the same existing file. */
export function sameFile(a: string, b: string): boolean {
  const x = statOrNull(a);
  const y = statOrNull(b);
  return Boolean(x && y && x.dev === y.dev && x.ino === y.ino);
}

/** True when `file` (existing or not) would lie inside the existing directory `dir`. */
export function insideDir(file: string, dir: string): boolean {
  let realDir: string;
  let realParent: string;
  try {
    realDir = fs.realpathSync(dir);
    realParent = fs.realpathSync(path.dirname(realTarget(file)));
  } catch {
    return false;
  }
  const rel = path.relative(realDir, realParent);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** Removes temp siblings of `target` (`.NAME.tmp-PID-*`) whose writing process no longer runs. */
function removeAbandonedTemps(target: string): void {
  const dir = path.dirname(target);
  const name = path.basename(target);
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    const s = parseSibling(e);
    if (s && s.name === name && siblingAbandoned(s)) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  }
}

/**
 * Writes an output file for a command (checkOutputFile first): atomically for a regular file,
 * after removing temp siblings that writers killed earlier left; directly for a device or FIFO
 * (`-o /dev/stdout`). An abort before the rename removes the temp file and throws InterruptError.
 */
export async function writeOutputFile(target: string, data: string, steps: WriteSteps = {}): Promise<void> {
  const step = steps.step ?? nextTurn;
  checkOutputFile(target);
  const st = statOrNull(target);
  if (st && !st.isFile()) {
    try {
      fs.writeFileSync(target, data);
    } catch (err) {
      throw asUserError(err, target);
    }
    return;
  }
  const file = realTarget(target);
  removeAbandonedTemps(file);
  const tmp = siblingPath(file, 'tmp');
  try {
    if (steps.signal?.aborted) throw new InterruptError();
    writeAndSync(tmp, data);
    await step('temp-written');
    if (steps.signal?.aborted) throw new InterruptError();
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw asUserError(err, target);
  }
  fsyncDir(path.dirname(file));
  await step('renamed');
}
