/**
 * The file-system edge for input data: reads a CSV file (and hashes its bytes) and hands the text
 * to the parsers in src/data/, which never touch the file system.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type ParseSeriesOptions, parseHeader, parseSeries } from '../data/parse-csv.js';
import { DataError } from '../errors.js';
import type { Series } from '../types.js';

/** An input file read once: its text, and the SHA-256 and length of the same bytes. */
export interface InputFile {
  text: string;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
  bytes: number;
}

export interface ReadSeriesOptions extends Omit<ParseSeriesOptions, 'source'> {
  /** The CSV file; also the name messages speak of. */
  path: string;
}

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new DataError(`cannot read ${path}: no such file`);
    if (err.code === 'EISDIR') throw new DataError(`cannot read ${path}: it is a directory`);
    if (err.code === 'EACCES') throw new DataError(`cannot read ${path}: permission denied`);
    throw new DataError(`cannot read ${path}: ${err.message}`);
  }
}

/** Reads a file once: its UTF-8 text, with the hash and length of the bytes that text came from. */
export function readInput(path: string): InputFile {
  const buf = readBytes(path);
  return { text: buf.toString('utf8'), sha256: createHash('sha256').update(buf).digest('hex'), bytes: buf.byteLength };
}

/** Reads and parses the series in a CSV file (see parseSeries); messages name the file by `path`. */
export function readSeries(opts: ReadSeriesOptions): Series {
  const { path, ...rest } = opts;
  return parseSeries(readBytes(path).toString('utf8'), { ...rest, source: path });
}

/** Reads a CSV file once and parses its series; `sha256` is the hash of the very bytes parsed. */
export function readSeriesInput(opts: ReadSeriesOptions): { series: Series; sha256: string } {
  const { path, ...rest } = opts;
  const input = readInput(path);
  return { series: parseSeries(input.text, { ...rest, source: path }), sha256: input.sha256 };
}

/** Column names and the first 50 data rows of a CSV file (for the config generator). */
export function readHeader(path: string): { columns: string[]; rows: string[][] } {
  return parseHeader(readBytes(path).toString('utf8'), path);
}
