/** Reading a pretrained forecaster's files: the one rnnfc ships (pretrained/builtin) or a folder `rnnfc pretrain` wrote. */
import { lstatSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { openPretrained, PRETRAINED_JSON, type PretrainedModel } from '../forecast/pretrained.js';
import { packagePath } from '../version.js';
import { restoreInterruptedSwap } from './atomic.js';
import { readRunDir } from './run-dir.js';
import { declaredWeightBytes } from './run-format.js';

/** The folder of the pretrained forecaster rnnfc ships. */
export function builtinDir(): string {
  return packagePath('pretrained', 'builtin');
}

const opened = new Map<string, PretrainedModel>();

/**
 * model.pretrained opened: 'builtin' (the shipped forecaster) or a folder `rnnfc pretrain` wrote;
 * each opened once per process. The folder is read as untrusted input, as a run directory is
 * (run-dir.ts readRunDir: its manifest.json, regular files only, sizes bounded, the weights as
 * large as model.json declares, checksums), then pretrained.json is checked against the files.
 */
export function loadPretrained(spec: string): PretrainedModel {
  const dir = spec === 'builtin' ? builtinDir() : resolve(spec);
  const cached = opened.get(dir);
  if (cached) return cached;
  const where = spec === 'builtin' ? 'the built-in pretrained forecaster' : spec;
  const hint = spec === 'builtin' ? 'reinstall rnnfc' : 'name the folder `rnnfc pretrain --out` wrote, builtin, or none';
  let files: Record<string, Buffer>;
  try {
    if (spec !== 'builtin') restoreInterruptedSwap(dir);
    if (!lstatSync(join(dir, 'manifest.json'), { throwIfNoEntry: false }))
      throw new ConfigError(`model.pretrained: ${where} is not a folder \`rnnfc pretrain\` wrote (no manifest.json in ${dir})`, [], hint);
    files = readRunDir(dir, ['model.json', 'weights.bin', PRETRAINED_JSON], {
      expectedBytes: (name, read) =>
        name === 'weights.bin' && read['model.json'] ? declaredWeightBytes(read['model.json'].toString('utf8'), join(dir, 'model.json')) : undefined,
    });
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`model.pretrained: ${where} cannot be read: ${(e as Error).message}`, [], hint);
  }
  const model = openPretrained(
    { modelJson: files['model.json'].toString('utf8'), weights: files['weights.bin'], manifestText: files[PRETRAINED_JSON].toString('utf8') },
    spec,
    where,
  );
  opened.set(dir, model);
  return model;
}
