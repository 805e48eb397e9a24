import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ArtifactError } from '../errors.js';

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
export function buildManifest(files: Record<string, string | Uint8Array>, rnnfcVersion: string): string {
  const entries: Record<string, ManifestEntry> = {};
  for (const name of Object.keys(files).sort()) {
    if (name === MANIFEST_NAME) continue;
    const buf = toBuffer(files[name]);
    entries[name] = { sha256: sha256(buf), bytes: buf.byteLength };
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

/**
 * Read and verify a run directory. Every file listed in the manifest is checksum-verified;
 * every name in `required` must be listed. Returns contents of all listed files by name.
 */
export function readRunDir(dir: string, required: string[]): Record<string, Buffer> {
  const manifestPath = path.join(dir, MANIFEST_NAME);
  let isDir = false;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir || !fs.existsSync(manifestPath)) {
    throw new ArtifactError(`${dir} is not a run directory (no manifest.json)`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  } catch {
    throw new ArtifactError(`${manifestPath} is not valid JSON; the run directory is damaged`);
  }
  if (
    !manifest ||
    typeof manifest !== 'object' ||
    manifest.format !== RUN_FORMAT ||
    typeof manifest.format_version !== 'number' ||
    !manifest.files ||
    typeof manifest.files !== 'object'
  ) {
    throw new ArtifactError(`${manifestPath} is not an rnnfc run manifest (expected format "${RUN_FORMAT}")`);
  }
  if (manifest.format_version > RUN_FORMAT_VERSION) {
    throw new ArtifactError(`${dir} was written by a newer rnnfc (format ${manifest.format_version}); upgrade rnnfc`);
  }
  for (const name of required) {
    if (!(name in manifest.files) || !fs.existsSync(path.join(dir, name))) {
      throw new ArtifactError(`${dir} is incomplete: required file ${name} is missing`);
    }
  }
  const out: Record<string, Buffer> = {};
  for (const [name, entry] of Object.entries(manifest.files)) {
    const file = path.join(dir, name);
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch {
      throw new ArtifactError(`${dir} is incomplete: file ${name} listed in the manifest is missing`);
    }
    if (!entry || buf.byteLength !== entry.bytes || sha256(buf) !== entry.sha256) {
      throw new ArtifactError(`${path.join(dir, name)} is damaged (checksum mismatch); retrain or restore the run`);
    }
    out[name] = buf;
  }
  return out;
}
