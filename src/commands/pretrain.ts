import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkRunTarget } from '../artifacts/atomic.js';
import { buildManifest } from '../artifacts/run-dir.js';
import { UsageError } from '../errors.js';
import { DEFAULT_PRETRAIN, PRETRAINED_JSON, type PretrainSettings, pretrain } from '../forecast/pretrain.js';
import { type CorpusSeries, syntheticCorpus, tsdlCorpus } from '../pretrain/corpus.js';
import { packagePath, VERSION } from '../version.js';
import { jsonSchema, progressPrinter, withInterrupt } from './common.js';
import { reserveRunOutput } from './run-output.js';

export interface PretrainOptions {
  out?: string;
  overwrite?: boolean;
  seed?: number;
  synthetic?: number;
  /** The folder of the TSDL corpus (series.csv, meta.csv, split.csv), or 'none'; default: the repository's datasets/tsdl. */
  tsdl?: string;
  epochs?: number;
  /** Units of the network's recurrent layer. */
  units?: number;
  threads?: number;
  json?: boolean;
  quiet?: boolean;
}

/** The repository's copy of the TSDL corpus (not in the npm package). */
function defaultTsdl(): string {
  return packagePath('datasets', 'tsdl');
}

/** The real part of the corpus: split.csv's `pretrain` series of the TSDL folder. */
function readTsdl(dir: string): CorpusSeries[] {
  const files = ['series.csv', 'meta.csv', 'split.csv'];
  const missing = files.filter((f) => !existsSync(join(dir, f)));
  if (missing.length)
    throw new UsageError(
      `no TSDL corpus in ${dir} (missing ${missing.join(', ')})`,
      "pass --tsdl DIR (a checkout's datasets/tsdl), or --tsdl none for synthetic series only",
    );
  const [series, meta, split] = files.map((f) => readFileSync(join(dir, f), 'utf8'));
  return tsdlCorpus({ series, meta, split });
}

/** `rnnfc pretrain`: the corpus (synthetic + TSDL pretraining part) -> one global network -> model.json, weights.bin, pretrained.json (how it was made) and manifest.json (checksums). */
export async function pretrainCommand(opts: PretrainOptions): Promise<void> {
  if (opts.out === undefined) throw new UsageError('pretrain needs --out DIR, the folder to write the model to');
  checkRunTarget(opts.out, Boolean(opts.overwrite));
  const settings: PretrainSettings = {
    ...DEFAULT_PRETRAIN,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.synthetic !== undefined ? { synthetic: opts.synthetic } : {}),
    ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}),
    ...(opts.units !== undefined ? { units: opts.units } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
  };
  const tsdlDir = opts.tsdl ?? defaultTsdl();
  const real = opts.tsdl === 'none' ? [] : readTsdl(tsdlDir);
  const realIds = new Set(real.map((s) => s.id));
  const corpus = [...syntheticCorpus(settings.seed, settings.synthetic), ...real];
  const out = await reserveRunOutput({ out: opts.out, overwrite: opts.overwrite });
  const realSource = real.length ? `${opts.tsdl ?? 'datasets/tsdl'} (split.csv part pretrain)` : 'none';
  const result = await withInterrupt((signal) =>
    pretrain(corpus, settings, { realSource, isReal: (c) => realIds.has(c.id), version: VERSION }, { signal, onEvent: progressPrinter(opts) }),
  );
  const files: Record<string, string | Uint8Array> = {
    'model.json': result.model.modelJson,
    'weights.bin': result.model.weights,
    [PRETRAINED_JSON]: JSON.stringify(result.manifest, null, 2) + '\n',
  };
  // manifest.json lists every file with its checksum, as a run's does (so --overwrite may replace it)
  files['manifest.json'] = buildManifest(files, VERSION);
  await out.commit(files);
  const m = result.manifest;
  if (opts.json)
    process.stdout.write(
      JSON.stringify({
        schema: jsonSchema('pretrain'),
        out: out.dir,
        corpus: m.corpus,
        result: m.result,
        files: m.files,
      }) + '\n',
    );
  else if (!opts.quiet)
    process.stdout.write(
      `wrote ${out.dir}: ${m.corpus.series} series (${m.corpus.synthetic.count} synthetic, ${m.corpus.real.count} real), ` +
        `${m.corpus.windows.training} training windows, ${m.result.epochs_run} epochs (best ${m.result.best_epoch}), ${m.result.train_seconds} s\n`,
    );
}
