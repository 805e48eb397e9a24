import { basename } from 'node:path';
import { loadConfigFile } from '../config/load.js';
import type { ConfigOverrides } from '../config/resolve.js';
import { resolveConfig } from '../config/resolve.js';
import type { Config } from '../config/types.js';
import type { FitOptions } from '../forecast/fit.js';
import { readSeriesInput } from '../io/input-file.js';
import type { Series } from '../types.js';
import { trapSignals } from './interrupt.js';

/** Options shared by the commands that take a config and overriding flags. */
export interface DataFlagOptions {
  config?: string;
  data?: string;
  timeColumn?: string;
  target?: string;
  features?: string;
  lookback?: number;
  horizon?: number;
  epochs?: number;
  seed?: number;
  threads?: number | 'auto';
  backend?: string;
  json?: boolean;
  quiet?: boolean;
}

/** Flags -> config overrides (`--time-column none` means no time column). */
export function overridesFrom(opts: DataFlagOptions): ConfigOverrides {
  const o: ConfigOverrides = {};
  if (opts.data !== undefined) o.data = opts.data;
  if (opts.timeColumn !== undefined) o.timeColumn = opts.timeColumn === 'none' ? null : opts.timeColumn;
  if (opts.target !== undefined) o.target = opts.target;
  if (opts.features !== undefined)
    o.features = opts.features
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (opts.lookback !== undefined) o.lookback = opts.lookback;
  if (opts.horizon !== undefined) o.horizon = opts.horizon;
  if (opts.epochs !== undefined) o.epochs = opts.epochs;
  if (opts.seed !== undefined) o.seed = opts.seed;
  if (opts.threads !== undefined) o.threads = opts.threads;
  if (opts.backend !== undefined) o.backend = opts.backend;
  return o;
}

/** Reads the optional YAML file, applies flag overrides, validates everything at once. */
export function configFromOptions(opts: DataFlagOptions): Config {
  const overrides = overridesFrom(opts);
  if (opts.config) {
    const { value, lineOf } = loadConfigFile(opts.config);
    return resolveConfig(value, { file: opts.config, lineOf, overrides });
  }
  return resolveConfig({}, { file: '(flags)', overrides });
}

/**
 * A run name from the data file: `datasets/airline-passengers.csv` -> `airline-passengers`.
 * Sanitised to one plain directory name: characters other than letters, digits, space and
 * `._-+,@()=` become `_`, leading dots, dashes and spaces go (no hidden name, no `.` or `..`, no
 * option look-alike), at most 100 bytes; `run` when nothing is left (`..csv`, `-`).
 */
export function runBaseName(dataPath: string): string {
  const stem = basename(dataPath).replace(/\.[^.]*$/, '');
  let safe = '';
  for (const ch of stem.replace(/[^\p{L}\p{N} ._\-+,@()=]/gu, '_').replace(/^[. -]+/, '')) {
    if (Buffer.byteLength(safe + ch) > 100) break;
    safe += ch;
  }
  return safe.trimEnd() || 'run';
}

/** The fused kernels' thread count for summaries: `1 thread`, `2 threads`. */
export function threadsText(threads: number): string {
  return `${threads} thread${threads === 1 ? '' : 's'}`;
}

/** True when progress and colour may be drawn on stderr. */
export function interactive(opts: { json?: boolean; quiet?: boolean }): boolean {
  return Boolean(process.stderr.isTTY) && !process.env.NO_COLOR && !opts.json && !opts.quiet;
}

/** Reads the series a resolved config points at (columns, time index, missing-value policy). */
export function readConfiguredSeries(cfg: Config): Series {
  return readConfiguredInput(cfg).series;
}

/** readConfiguredSeries, with the SHA-256 of the bytes the series was parsed from (for the run's metadata). */
export function readConfiguredInput(cfg: Config): { series: Series; sha256: string } {
  return readSeriesInput({
    path: cfg.data.path,
    timeColumn: cfg.data.time_column,
    target: cfg.data.target,
    features: cfg.data.features,
    missing: cfg.data.missing,
  });
}

/** The compute backend and layer kind a fit gets from the command line's world: the config's backend, and RNNFC_STOCK_LAYERS. */
export function computeOptions(cfg: Config): Pick<FitOptions, 'engine' | 'layers'> {
  return {
    engine: async () => (await import('../model/backend.js')).loadBackend(cfg.backend),
    // RNNFC_STOCK_LAYERS=1 keeps the stock tfjs LSTM/GRU layers on cpu and wasm too (for
    // comparing the two: bench/configs.js); the saved model is the same format either way.
    layers: process.env.RNNFC_STOCK_LAYERS === '1' ? 'stock' : 'fused',
  };
}

/** Runs `work` with Ctrl-C (SIGINT) and SIGTERM turned into an abort of its signal (training stops between batches). */
export async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const trap = trapSignals();
  try {
    return await work(trap.signal);
  } finally {
    trap.dispose();
  }
}
