import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors.js';

function tempSibling(target: string, tag = 'tmp'): string {
  const dir = path.dirname(target);
  const name = path.basename(target);
  return path.join(dir, `.${name}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

function writeAndSync(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Write a file atomically: temp sibling, fsync, rename. Removes the temp file on failure. */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const tmp = tempSibling(target);
  try {
    writeAndSync(tmp, data);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Throws UserError if `target` exists and overwrite is false. Call before expensive work. */
export function assertWritableTarget(target: string, overwrite: boolean): void {
  if (!overwrite && fs.existsSync(target)) {
    throw new UserError(`${target} already exists; pass --overwrite to replace it or choose another --out`);
  }
}

/** Test hook: lets tests simulate a failure at a given step. Not for production use. */
export const _hooks: { beforeSwap?: () => void } = {};

/**
 * Atomically create directory `target` containing `files` (names may contain '/' for subdirs).
 * Existing target: refused unless opts.overwrite, in which case it is replaced entirely.
 */
export function writeDirAtomic(target: string, files: Record<string, string | Uint8Array>, opts: { overwrite: boolean }): void {
  assertWritableTarget(target, opts.overwrite);
  fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  const tmp = tempSibling(target);
  try {
    fs.mkdirSync(tmp);
    for (const [name, data] of Object.entries(files)) {
      const rel = path.normalize(name);
      if (path.isAbsolute(rel) || rel.startsWith('..')) throw new Error(`invalid file name in run directory: ${name}`);
      const file = path.join(tmp, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeAndSync(file, data);
    }
    _hooks.beforeSwap?.();
    if (!fs.existsSync(target)) {
      fs.renameSync(tmp, target);
      return;
    }
    const backup = tempSibling(target, 'old');
    fs.renameSync(target, backup);
    try {
      fs.renameSync(tmp, target);
    } catch (err) {
      fs.renameSync(backup, target);
      throw err;
    }
    fs.rmSync(backup, { recursive: true, force: true });
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** `parent/base` if free, else `parent/base_2`, `parent/base_3`, ... */
export function nextRunDir(parent: string, base: string): string {
  let candidate = path.join(parent, base);
  for (let i = 2; fs.existsSync(candidate); i++) candidate = path.join(parent, `${base}_${i}`);
  return candidate;
}
