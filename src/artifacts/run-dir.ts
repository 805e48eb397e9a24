import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ArtifactError } from '../errors.js';
import { fileKind } from '../io/file-kind.js';
import { dataPieces, type FileData } from './write-steps.js';

export const RUN_FORMAT = 'rnnfc-run';
export const RUN_FORMAT_VERSION = 1;
export const MANIFEST_NAME = 'manifest.json';

export interface ManifestEntry {
  sha256: string;
  bytes: number;
}
export interface Manifest {
  format: typeof RUN_FORMAT;
  format_version: number;
  rnnfc_version: string;
  created: string;
  files: Record<string, ManifestEntry>;
}

function toBuffer(data: string | Uint8Array): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(toBuffer(data)).digest('hex');
}

/** JSON text of manifest.json covering every file in `files` (manifest.json itself excluded). */
export function buildManifest(files: Record<string, FileData>, rnnfcVersion: string): string {
  const entries: Record<string, ManifestEntry> = {};
  for (const name of Object.keys(files).sort()) {
    if (name === MANIFEST_NAME) continue;
    const h = createHash('sha256');
    let bytes = 0;
    for (const piece of dataPieces(files[name])) {
      h.update(piece);
      bytes += piece.byteLength;
    }
    entries[name] = { sha256: h.digest('hex'), bytes };
  }
  const manifest: Manifest = {
    format: RUN_FORMAT,
    format_version: RUN_FORMAT_VERSION,
    rnnfc_version: rnnfcVersion,
    created: new Date().toISOString(),
    files: entries,
  };
  return JSON.stringify(manifest, null, 2) + '\n';
}

/** Largest manifest.json and other JSON or YAML file of a run (read whole and parsed). */
export const JSON_LIMIT = 64 * 1024 ** 2;
/** Largest weights file (a model of 512 million weights, far beyond what a fit's memory limit lets train). */
export const WEIGHTS_LIMIT = 2 * 1024 ** 3;
/** Largest report (history.csv, forecast.csv, plot.svg), checked by its checksum in pieces, never held whole. */
export const REPORT_LIMIT = 4 * 1024 ** 3;

/** What a run file is: parsed (JSON, YAML), weights (read whole, bounded by their model), or a report (only checked). */
function kindOf(name: string): 'parsed' | 'weights' | 'report' {
  if (name.endsWith('.bin')) return 'weights';
  if (name.endsWith('.json') || name.endsWith('.jsonl') || name.endsWith('.yaml')) return 'parsed';
  return 'report';
}

/**
 * Largest panel.json and metrics.json of a panel run (one lists it): panel.json holds the failed
 * series, metrics.json about 1.2 KB a series (most of a million series).
 */
export const PANEL_JSON_LIMIT = 1024 ** 3;
/** Largest series.jsonl: about 7 KB a series (half a million series), read whole as bytes (never as one string). */
export const SERIES_JSONL_LIMIT = 4 * 1024 ** 3;

function limitOf(name: string, panel: boolean): number {
  if (panel && name === 'series.jsonl') return SERIES_JSONL_LIMIT;
  if (panel && (name === 'panel.json' || name === 'metrics.json')) return PANEL_JSON_LIMIT;
  const kind = kindOf(name);
  return kind === 'weights' ? WEIGHTS_LIMIT : kind === 'parsed' ? JSON_LIMIT : REPORT_LIMIT;
}

/**
 * A name a manifest may list: one plain file name inside the run directory (letters, digits, `.`,
 * `_`, `-`; not starting with `.`), so no path leads out of it: no `..`, no `/`, no absolute path.
 */
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

/** A name as messages show it: quoted, escaped, cut to 60 characters. */
function shown(name: string): string {
  const q = JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}...` : name);
  return q.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

/**
 * Opens `name` in `dir` for reading only if it is a regular file there: a symbolic link is
 * refused by the open itself (O_NOFOLLOW), a FIFO, device or directory by fstat on what was
 * opened (O_NONBLOCK, so that opening a FIFO cannot block), before a byte is read.
 * @returns the open descriptor and the file's size; undefined when the file does not exist
 */
function openRegular(dir: string, name: string): { fd: number; size: number } | undefined {
  const file = path.join(dir, name);
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EMLINK')
      throw new ArtifactError(`${file} is a symbolic link; a run's files must be regular files inside the run directory`, 'retrain or restore the run');
    throw new ArtifactError(`cannot read ${file} (${code ?? (e as Error).message})`);
  }
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    const what = fileKind(st);
    throw new ArtifactError(
      `${file} is ${what}, not a regular file; a run's files must be regular files inside the run directory`,
      'retrain or restore the run',
    );
  }
  return { fd, size: st.size };
}

/** Reads `bytes` bytes of an open file into one buffer (fewer when the file ends early); closes it. */
function readAll(fd: number, bytes: number): Buffer {
  const buf = Buffer.allocUnsafe(bytes);
  let got = 0;
  try {
    while (got < bytes) {
      const n = fs.readSync(fd, buf, got, bytes - got, null);
      if (n === 0) break;
      got += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return got === bytes ? buf : buf.subarray(0, got);
}

/** SHA-256 of the first `bytes` bytes of an open file, read a MiB at a time; closes it. */
function hashOpen(fd: number, bytes: number): { sha256: string; bytes: number } {
  const h = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1024 ** 2);
  let got = 0;
  try {
    while (got < bytes) {
      const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, bytes - got), null);
      if (n === 0) break;
      h.update(chunk.subarray(0, n));
      got += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { sha256: h.digest('hex'), bytes: got };
}

/**
 * Reads and validates `dir`/manifest.json: the format and its version, and every entry: a plain
 * file name (FILE_NAME), a SHA-256 and a byte count within the limit of its kind.
 */
export function readManifest(dir: string): Manifest {
  const manifestPath = path.join(dir, MANIFEST_NAME);
  const notRun = () => new ArtifactError(`${dir} is not a run directory (no manifest.json)`);
  let isDir = false;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw notRun();
  const opened = openRegular(dir, MANIFEST_NAME);
  if (!opened) throw notRun();
  if (opened.size > JSON_LIMIT) {
    fs.closeSync(opened.fd);
    throw new ArtifactError(`${manifestPath} is ${opened.size} bytes, more than a manifest may be (${JSON_LIMIT}); the run directory is damaged`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readAll(opened.fd, opened.size).toString('utf8'));
  } catch {
    throw new ArtifactError(`${manifestPath} is not valid JSON; the run directory is damaged`);
  }
  if (
    !manifest ||
    typeof manifest !== 'object' ||
    manifest.format !== RUN_FORMAT ||
    !Number.isInteger(manifest.format_version) ||
    manifest.format_version < 1 ||
    !manifest.files ||
    typeof manifest.files !== 'object' ||
    Array.isArray(manifest.files)
  ) {
    throw new ArtifactError(`${manifestPath} is not an rnnfc run manifest (expected format "${RUN_FORMAT}")`);
  }
  if (manifest.format_version > RUN_FORMAT_VERSION) {
    throw new ArtifactError(`${dir} was written by a newer rnnfc (format ${manifest.format_version}); upgrade rnnfc`);
  }
  for (const [name, entry] of Object.entries(manifest.files)) {
    if (!FILE_NAME.test(name) || name === MANIFEST_NAME)
      throw new ArtifactError(
        `${manifestPath} lists ${shown(name)}, which is not a file name inside the run directory (no "..", "/" or absolute paths); the run directory was damaged or tampered with`,
        'retrain or restore the run',
      );
    const e = entry as Partial<ManifestEntry> | null;
    if (!e || typeof e !== 'object' || typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256) || !Number.isSafeInteger(e.bytes) || e.bytes! < 0)
      throw new ArtifactError(`${manifestPath}: the entry of ${name} must have a sha256 (64 hex digits) and a byte count; the run directory is damaged`);
    const limit = limitOf(name, 'panel.json' in manifest.files);
    if (e.bytes! > limit)
      throw new ArtifactError(
        `${manifestPath} says ${name} has ${e.bytes} bytes, more than a run file of its kind may have (${limit}); the run directory is damaged`,
      );
  }
  return manifest;
}

export interface ReadRunDirOptions {
  /**
   * The byte count a file must have, from the files read before it (weights files are read last,
   * so a hook can take their size from their model.json); undefined: the manifest's count, within
   * the limit of the file's kind. Throw ArtifactError to refuse the run.
   */
  expectedBytes?: (name: string, read: Readonly<Record<string, Buffer>>) => number | undefined;
}

/**
 * Read and verify a run directory, treating it as untrusted input: the manifest is validated
 * (readManifest); every file it lists must be a regular file inside the directory (no symbolic
 * link, FIFO or device) of the size the manifest gives, which is bounded by its kind (JSON_LIMIT,
 * WEIGHTS_LIMIT, REPORT_LIMIT) and by `opts.expectedBytes`, all checked before the file is read;
 * then its checksum is verified. Every name in `required` must be listed. Returns the contents of
 * the JSON, YAML and weights files by name (reports are only verified, a MiB at a time).
 */
export function readRunDir(dir: string, required: string[], opts: ReadRunDirOptions = {}): Record<string, Buffer> {
  const manifest = readManifest(dir);
  for (const name of required) {
    if (!(name in manifest.files) || !fs.lstatSync(path.join(dir, name), { throwIfNoEntry: false })) {
      throw new ArtifactError(`${dir} is incomplete: required file ${name} is missing`);
    }
  }
  const damaged = (name: string) => new ArtifactError(`${path.join(dir, name)} is damaged (checksum mismatch); retrain or restore the run`);
  // weights last, so that their size can be checked against their model.json before they are read
  const names = Object.keys(manifest.files).sort((a, b) => Number(kindOf(a) === 'weights') - Number(kindOf(b) === 'weights'));
  const out: Record<string, Buffer> = {};
  for (const name of names) {
    const entry = manifest.files[name];
    const expected = opts.expectedBytes?.(name, out);
    if (expected !== undefined && expected !== entry.bytes)
      throw new ArtifactError(
        `${path.join(dir, name)} is ${entry.bytes} bytes by the manifest, but its model declares ${expected}; retrain or restore the run`,
      );
    const opened = openRegular(dir, name);
    if (!opened) throw new ArtifactError(`${dir} is incomplete: file ${name} listed in the manifest is missing`);
    if (opened.size !== entry.bytes) {
      fs.closeSync(opened.fd);
      throw damaged(name);
    }
    // a panel's metrics.json is as long as its series are many, and predict does not read it: checked in pieces
    if (kindOf(name) === 'report' || (name === 'metrics.json' && 'panel.json' in manifest.files)) {
      if (hashOpen(opened.fd, entry.bytes).sha256 !== entry.sha256) throw damaged(name);
      continue;
    }
    const buf = readAll(opened.fd, entry.bytes);
    if (buf.byteLength !== entry.bytes || sha256(buf) !== entry.sha256) throw damaged(name);
    out[name] = buf;
  }
  return out;
}
