/**
 * The file-system edge for inputs: reads a CSV or YAML file (or standard input, named `-`) once,
 * hashing the bytes while it reads them, and hands the text to the parsers in src/data/, which
 * never touch the file system. Only regular files are read, and only up to a size limit, so that
 * a device (/dev/zero), a named pipe without a writer or a directory is refused at once instead
 * of filling memory or waiting for ever.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { isatty } from 'node:tty';
import { excerpt } from '../data/excerpt.js';
import { type Panel, type ParsePanelOptions, parsePanel } from '../data/panel.js';
import { type ParseSeriesOptions, parseHeader, parseSeries } from '../data/parse-csv.js';
import { DataError, type UserError } from '../errors.js';
import type { Series } from '../types.js';
import { fileKind } from './file-kind.js';
import { DEFAULT_MAX_INPUT_MB } from './limits.js';

export { DEFAULT_MAX_INPUT_MB };
/** The path that names standard input. */
export const STDIN = '-';
/** How messages name standard input. */
export const STDIN_NAME = '<stdin>';

/** An input file read once: its text, and the SHA-256 and length of the same bytes. */
export interface InputFile {
  text: string;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
  bytes: number;
}

export interface ReadInputOptions {
  /** Refuse inputs larger than this many bytes (default DEFAULT_MAX_INPUT_MB MiB). */
  maxBytes?: number;
  /** What the input is, for messages: `cannot read config x.yaml` (default: no word). */
  what?: string;
  /** The error a problem becomes (default DataError). */
  error?: (message: string, hint?: string) => UserError;
}

export interface ReadSeriesOptions extends Omit<ParseSeriesOptions, 'source'> {
  /** The CSV file, or `-` for standard input; also the name messages speak of. */
  path: string;
  /** Size limit in bytes (see ReadInputOptions). */
  maxBytes?: number;
}

/** How messages name an input path: `<stdin>` for `-`, else the path with control characters escaped. */
export function inputName(path: string): string {
  return path === STDIN ? STDIN_NAME : excerpt(path, 300);
}

/** Bytes as messages show a size: `600 MiB`, `12.5 KiB`, `17 bytes`. */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 ** 2) return `${Number((bytes / 1024 ** 2).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}

const NOT_REGULAR_HINT = 'rnnfc reads regular files; to read from a pipe, pass - and send the data to standard input';

const READ_CHUNK = 1 << 20;

/** Sleeps `ms` milliseconds without spinning (for a non-blocking standard input that has no data yet). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Reads `fd` to its end: at most `maxBytes` (one byte more fails `tooLarge`), hashing each chunk
 * as it arrives, so the hash is of the very bytes returned.
 */
function readAll(fd: number, maxBytes: number, tooLarge: () => never): { buf: Buffer; sha256: string } {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, maxBytes - total + 1));
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        pause(5);
        continue;
      }
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > maxBytes) tooLarge();
    const part = chunk.subarray(0, n);
    hash.update(part);
    chunks.push(part);
  }
  return { buf: Buffer.concat(chunks, total), sha256: hash.digest('hex') };
}

/** The UTF-8 text of `buf`; text longer than a JavaScript string can hold (about 512 MiB) fails. */
function decode(buf: Buffer, fail: (reason: string, hint?: string) => never): string {
  try {
    return buf.toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG') fail(`it is ${sizeText(buf.byteLength)}, more text than rnnfc can hold`, 'split the file');
    throw e;
  }
}

/**
 * Reads a regular file (or standard input for `-`) once, with the SHA-256 and length of the bytes
 * its UTF-8 text came from. Refused at once, by the error of `opts`: a missing or unreadable file,
 * anything but a regular file (a directory, a device such as /dev/zero, a named pipe, a socket),
 * a file over the size limit, a terminal as standard input.
 */
export function readInput(path: string, opts: ReadInputOptions = {}): InputFile {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_INPUT_MB * 1024 ** 2;
  const makeError = opts.error ?? ((m: string, h?: string) => new DataError(m, h));
  const name = inputName(path);
  const subject = `${opts.what ? `${opts.what} ` : ''}${name}`;
  const fail = (reason: string, hint?: string): never => {
    throw makeError(`cannot read ${subject}: ${reason}`, hint);
  };
  const tooLarge = (size?: number): never =>
    fail(
      `${size === undefined ? 'it is larger than' : `it is ${sizeText(size)}, over`} the input size limit of ${sizeText(maxBytes)}`,
      'raise the limit with --max-input-mb if the file is right',
    );

  if (path === STDIN) {
    if (isatty(0)) fail('standard input is a terminal', 'send the data to standard input (rnnfc ... --data - < data.csv), or name the file');
    const st = fstatSync(0);
    if (st.isDirectory()) fail('standard input is a directory');
    if (st.isFile() && st.size > maxBytes) tooLarge(st.size);
    const { buf, sha256 } = readAll(0, maxBytes, () => tooLarge());
    return { text: decode(buf, fail), sha256, bytes: buf.byteLength };
  }

  let fd: number;
  try {
    // stat first: opening a named pipe without a writer would wait for one
    const st = statSync(path);
    if (!st.isFile()) {
      if (st.isDirectory()) fail('it is a directory');
      fail(`it is ${fileKind(st)}, not a regular file`, NOT_REGULAR_HINT);
    }
    // O_NONBLOCK: should the path turn into a pipe between stat and open, the open returns at once
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (!err.code || !err.syscall) throw e;
    if (err.code === 'ENOENT') fail('no such file');
    if (err.code === 'ENOTDIR') fail('a part of the path is not a directory');
    if (err.code === 'EACCES' || err.code === 'EPERM') fail('permission denied');
    if (err.code === 'ELOOP') fail('too many symbolic links');
    if (err.code === 'ENAMETOOLONG') fail('the name is too long');
    fail(err.code);
  }
  try {
    // the file opened is the one checked: a regular file, within the limit
    const st = fstatSync(fd!);
    if (!st.isFile()) fail(`it is ${fileKind(st)}, not a regular file`, NOT_REGULAR_HINT);
    if (st.size > maxBytes) tooLarge(st.size);
    const { buf, sha256 } = readAll(fd!, maxBytes, () => tooLarge());
    return { text: decode(buf, fail), sha256, bytes: buf.byteLength };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EISDIR') fail('it is a directory');
    if (err.code === 'EIO' || err.code === 'EACCES') fail(`read error (${err.code})`);
    throw e;
  } finally {
    closeSync(fd!);
  }
}

/** Reads and parses the series in a CSV file (see parseSeries); messages name the file by `path`. */
export function readSeries(opts: ReadSeriesOptions): Series {
  return readSeriesInput(opts).series;
}

/** Reads a CSV file once and parses its series; `sha256` is the hash of the very bytes parsed. */
export function readSeriesInput(opts: ReadSeriesOptions): { series: Series; sha256: string } {
  const { path, maxBytes, ...rest } = opts;
  const input = readInput(path, { maxBytes });
  return { series: parseSeries(input.text, { ...rest, source: inputName(path) }), sha256: input.sha256 };
}

/** Reads a CSV file once and parses its panel (see parsePanel); `sha256` is the hash of the very bytes parsed. */
export function readPanelInput(opts: Omit<ParsePanelOptions, 'source'> & { path: string; maxBytes?: number }): { panel: Panel; sha256: string } {
  const { path, maxBytes, ...rest } = opts;
  const input = readInput(path, { maxBytes });
  return { panel: parsePanel(input.text, { ...rest, source: inputName(path) }), sha256: input.sha256 };
}

/** Column names and the first 50 data rows of a CSV file (for the config generator). */
export function readHeader(path: string, maxBytes?: number): { columns: string[]; rows: string[][] } {
  return parseHeader(readInput(path, { maxBytes }).text, inputName(path));
}
