/** Reading a pretrained forecaster's files: the one rnnfc ships (pretrained/builtin) or a folder `rnnfc pretrain` wrote. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { openPretrained, PRETRAINED_JSON, type PretrainedModel } from '../forecast/pretrained.js';

/** The folder of the pretrained forecaster rnnfc ships. */
export function builtinDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'pretrained', 'builtin');
}

const opened = new Map<string, PretrainedModel>();

/** model.pretrained opened: 'builtin' (the shipped forecaster) or a folder `rnnfc pretrain` wrote; each opened once per process. */
export function loadPretrained(spec: string): PretrainedModel {
  const dir = spec === 'builtin' ? builtinDir() : resolve(spec);
  const cached = opened.get(dir);
  if (cached) return cached;
  const where = spec === 'builtin' ? 'the built-in pretrained forecaster' : spec;
  const names = ['model.json', 'weights.bin', PRETRAINED_JSON];
  const missing = names.filter((n) => !existsSync(join(dir, n)));
  if (missing.length)
    throw new ConfigError(
      `model.pretrained: ${where} has no ${missing.join(', ')} (in ${dir})`,
      [],
      spec === 'builtin' ? 'reinstall rnnfc' : 'name the folder `rnnfc pretrain --out` wrote, builtin, or none',
    );
  const model = openPretrained(
    {
      modelJson: readFileSync(join(dir, 'model.json'), 'utf8'),
      weights: readFileSync(join(dir, 'weights.bin')),
      manifestText: readFileSync(join(dir, PRETRAINED_JSON), 'utf8'),
    },
    spec,
    where,
  );
  opened.set(dir, model);
  return model;
}
