/**
 * `rnnfc reproduce RUN`: trains the run again from what it recorded (config.yaml, the data it
 * names, whose SHA-256 must be the one metadata.json holds, the backend and thread count it ran
 * with) and checks that forecast.csv and metrics.json come out byte for byte the same. Exit 0 when
 * they do, 1 (a failed gate) when not, saying where they first differ; 2 when the run or the data
 * cannot be used.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { restoreInterruptedSwap } from '../artifacts/atomic.js';
import { readRunDir } from '../artifacts/run-dir.js';
import { parseMetadataFile } from '../artifacts/run-format.js';
import { isPanelRun, readPanelRun, readRun } from '../artifacts/run-reader.js';
import { isPanel } from '../config/types.js';
import { DataError, GateError, UsageError } from '../errors.js';
import { configFromOptions, jsonSchema, machineLimits, readConfiguredInput, readConfiguredPanel, threadsText } from './common.js';

export interface ReproduceOptions {
  /** The data, when it is not where config.yaml says (its SHA-256 must still match). */
  data?: string;
  /** Keep the new run here instead of in a temporary folder that is removed. */
  out?: string;
  json?: boolean;
  quiet?: boolean;
  maxInputMb?: number;
  maxMemory?: string;
}

/** The files a reproduction compares. */
export const REPRODUCED_FILES = ['forecast.csv', 'metrics.json'] as const;

/** One compared file: identical, or where it first differs (1-based line, each side's line). */
export interface FileComparison {
  file: string;
  identical: boolean;
  first_difference?: { line: number; run: string | null; rerun: string | null };
}

/** Byte comparison of two texts, with the first differing line when they differ. */
export function compareTexts(file: string, a: string, b: string): FileComparison {
  if (a === b) return { file, identical: true };
  const la = a.split('\n');
  const lb = b.split('\n');
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  return { file, identical: false, first_difference: { line: i + 1, run: la[i] ?? null, rerun: lb[i] ?? null } };
}

export async function reproduceCommand(runDir: string, opts: ReproduceOptions): Promise<void> {
  restoreInterruptedSwap(runDir);
  // the run is checked whole (checksums, every file) before anything is retrained
  if (isPanelRun(runDir)) {
    // config-less, each series got settings of its own, which config.yaml cannot hold
    if (readPanelRun(runDir, machineLimits(opts)).panel.configless)
      throw new UsageError(
        `${runDir} is a panel trained without a config file: each series got settings chosen from its own rows, which config.yaml does not hold, so it cannot be retrained from what the run recorded`,
        'train the panel with a config file (its data, window, model and training settings) to have runs that reproduce',
      );
  } else readRun(runDir, machineLimits(opts));
  const files = readRunDir(runDir, ['config.yaml', 'metadata.json']);
  const metadata = parseMetadataFile(files['metadata.json'].toString('utf8'), `${runDir}/metadata.json`);
  // the reports, as checked against the manifest by readRun above
  const before = Object.fromEntries(REPRODUCED_FILES.map((f) => [f, readFileSync(join(runDir, f), 'utf8')]));
  const flags = {
    config: join(runDir, 'config.yaml'),
    ...(opts.data !== undefined ? { data: opts.data } : {}),
    backend: metadata.backend,
    ...(metadata.threads !== null ? { threads: metadata.threads } : {}),
    maxInputMb: opts.maxInputMb,
    maxMemory: opts.maxMemory,
  };
  const cfg = configFromOptions(flags);
  const { sha256 } = isPanel(cfg.data) ? readConfiguredPanel(cfg, opts) : readConfiguredInput(cfg, opts);
  if (sha256 !== metadata.data.sha256)
    throw new DataError(
      `${cfg.data.path} is not the data ${runDir} was trained on: its SHA-256 is ${sha256}, the run recorded ${metadata.data.sha256}`,
      'pass the original data with --data FILE',
    );
  const tmp = opts.out === undefined ? mkdtempSync(join(tmpdir(), 'rnnfc-reproduce-')) : null;
  const out = opts.out ?? join(tmp!, 'run');
  try {
    const { trainCommand } = await import('./train.js');
    await trainCommand({ ...flags, out, quiet: true });
    const results = REPRODUCED_FILES.map((f) => compareTexts(f, before[f], readFileSync(join(out, f), 'utf8')));
    const same = results.every((r) => r.identical);
    if (opts.json)
      process.stdout.write(
        JSON.stringify({
          schema: jsonSchema('reproduce'),
          run: runDir,
          reproduced: same,
          backend: metadata.backend,
          threads: metadata.threads,
          files: results,
        }) + '\n',
      );
    else if (!opts.quiet && same)
      process.stdout.write(
        `reproduced ${runDir}: ${REPRODUCED_FILES.join(' and ')} are byte-identical (backend ${metadata.backend}${metadata.threads !== null ? `, ${threadsText(metadata.threads)}` : ''})\n`,
      );
    if (!same)
      throw new GateError(
        `${runDir} did not reproduce:\n  ${results
          .filter((r) => !r.identical)
          .map(
            (r) =>
              `${r.file} differs from line ${r.first_difference!.line}: run ${JSON.stringify(r.first_difference!.run)}, rerun ${JSON.stringify(r.first_difference!.rerun)}`,
          )
          .join('\n  ')}${opts.out === undefined ? '' : `\n  (the rerun is in ${resolve(out)})`}`,
      );
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}
