import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { loadPretrained } from '../artifacts/pretrained-files.js';
import { loadConfigFile } from '../config/load.js';
import type { ConfigOverrides } from '../config/resolve.js';
import { resolveConfig } from '../config/resolve.js';
import type { Config } from '../config/types.js';
import { excerpt, quote } from '../data/excerpt.js';
import { keyText, type Panel, panelOptionsOf, WIDE_KEY_COLUMN } from '../data/panel.js';
import { checkFutureRange } from '../data/time.js';
import { ConfigError, DataError, UsageError } from '../errors.js';
import type { FitEvent, FitOptions } from '../forecast/fit.js';
import { type FitLimits, formatBytes, KERNEL_MEMORY_BYTES, limitsFor, parseSize } from '../forecast/limits.js';
import { DEFAULT_MAX_INPUT_MB, inputName, readPanelInput, readSeriesInput, STDIN } from '../io/input-file.js';
import { colourOn } from '../output/colour.js';
import { makeProgress, type Progress } from '../train/progress.js';
import type { Series } from '../types.js';
import { trapSignals } from './interrupt.js';

/** Options shared by the commands that take a config and overriding flags. */
export interface DataFlagOptions {
  config?: string;
  data?: string;
  timeColumn?: string;
  /** data.time_format. */
  timeFormat?: string;
  /** One column, or several (--target repeated: a wide panel). */
  target?: string | string[];
  features?: string;
  idColumn?: string[];
  /** data.static_columns. */
  staticColumn?: string[];
  /** data.calendar, comma-separated. */
  calendar?: string;
  /** data.known_future, comma-separated. */
  knownFuture?: string;
  scope?: string;
  /** window.mode and model.cell. */
  mode?: string;
  cell?: string;
  /** model.pretrained: none, builtin or a folder `rnnfc pretrain` wrote (relative to the current directory). */
  pretrained?: string;
  /** model.theta: on or off. */
  theta?: 'on' | 'off';
  /** model.holt: on or off. */
  holt?: 'on' | 'off';
  /** model.ets: on or off. */
  ets?: 'on' | 'off';
  /** model.damping: phi in (0, 1], 1 for none. */
  damping?: number;
  /** evaluation.levels and evaluation.quantiles. */
  levels?: number[];
  quantiles?: number[];
  /** evaluation.intervals: conformal or ensemble. */
  intervals?: string;
  /** evaluation.season (train and backtest). */
  season?: number;
  /** false: --no-plot (output.plot false); commander sets true when the flag is absent. */
  plot?: boolean;
  /** output.plot_baselines (--plot-baselines). */
  plotBaselines?: string[];
  lookback?: number;
  horizon?: number;
  epochs?: number;
  seed?: number;
  threads?: number | 'auto';
  backend?: string;
  json?: boolean;
  quiet?: boolean;
  /** Input size limit in MiB (--max-input-mb). */
  maxInputMb?: number;
  /** The memory limit of the size checks (--max-memory, e.g. 8G; see machineLimits). */
  maxMemory?: string;
}

/** --theta as a boolean; undefined when not given. */
export function thetaFlag(opts: { theta?: 'on' | 'off' }): boolean | undefined {
  return opts.theta === undefined ? undefined : opts.theta === 'on';
}

/** --holt as a boolean; undefined when not given. */
export function holtFlag(opts: { holt?: 'on' | 'off' }): boolean | undefined {
  return opts.holt === undefined ? undefined : opts.holt === 'on';
}

/** --ets as a boolean; undefined when not given. */
export function etsFlag(opts: { ets?: 'on' | 'off' }): boolean | undefined {
  return opts.ets === undefined ? undefined : opts.ets === 'on';
}

/**
 * What the flags say to the config-less defaults (forecast/defaults.ts settingsFor and
 * panelSettingsFor): whether there is a config file, and the settings flags pin.
 */
export function defaultsOptions(opts: DataFlagOptions): {
  configless: boolean;
  lookback?: number;
  pretrained?: string;
  damping?: number;
  theta?: boolean;
  holt?: boolean;
  ets?: boolean;
} {
  return {
    configless: !opts.config,
    lookback: opts.lookback,
    pretrained: opts.pretrained,
    damping: opts.damping,
    theta: thetaFlag(opts),
    holt: holtFlag(opts),
    ets: etsFlag(opts),
  };
}

/** The input size limit in bytes that --max-input-mb sets (default DEFAULT_MAX_INPUT_MB MiB). */
export function maxInputBytes(opts: { maxInputMb?: number }): number {
  return Math.floor((opts.maxInputMb ?? DEFAULT_MAX_INPUT_MB) * 1024 ** 2);
}

/** A comma-separated flag's names, trimmed, empty ones left out (`a, b,` -> [a, b]). */
function commaList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** Flags -> config overrides (`--time-column none` means no time column). */
export function overridesFrom(opts: DataFlagOptions): ConfigOverrides {
  const o: ConfigOverrides = {};
  if (opts.data !== undefined) o.data = opts.data;
  if (opts.timeColumn !== undefined) o.timeColumn = opts.timeColumn === 'none' ? null : opts.timeColumn;
  if (opts.timeFormat !== undefined) o.timeFormat = opts.timeFormat;
  if (opts.target !== undefined) o.target = Array.isArray(opts.target) && opts.target.length === 1 ? opts.target[0] : opts.target;
  if (opts.features !== undefined) o.features = commaList(opts.features);
  if (opts.idColumn !== undefined) o.idColumns = opts.idColumn;
  if (opts.staticColumn !== undefined) o.staticColumns = opts.staticColumn;
  if (opts.knownFuture !== undefined) o.knownFuture = commaList(opts.knownFuture);
  if (opts.calendar !== undefined) o.calendar = commaList(opts.calendar);
  if (opts.scope !== undefined) o.scope = opts.scope;
  if (opts.mode !== undefined) o.mode = opts.mode;
  if (opts.cell !== undefined) o.cell = opts.cell;
  if (opts.pretrained !== undefined) o.pretrained = opts.pretrained;
  if (opts.damping !== undefined) o.damping = opts.damping;
  if (opts.theta !== undefined) o.theta = opts.theta === 'on';
  if (opts.holt !== undefined) o.holt = opts.holt === 'on';
  if (opts.ets !== undefined) o.ets = opts.ets === 'on';
  if (opts.levels !== undefined) o.levels = opts.levels;
  if (opts.quantiles !== undefined) o.quantiles = opts.quantiles;
  if (opts.intervals !== undefined) o.intervals = opts.intervals;
  if (opts.season !== undefined) o.season = opts.season;
  // only --no-plot overrides: without it the config's output.plot stands
  if (opts.plot === false) o.plot = false;
  if (opts.plotBaselines !== undefined) o.plotBaselines = opts.plotBaselines;
  if (opts.lookback !== undefined) o.lookback = opts.lookback;
  if (opts.horizon !== undefined) o.horizon = opts.horizon;
  if (opts.epochs !== undefined) o.epochs = opts.epochs;
  if (opts.seed !== undefined) o.seed = opts.seed;
  if (opts.threads !== undefined) o.threads = opts.threads;
  if (opts.backend !== undefined) o.backend = opts.backend;
  return o;
}

/**
 * Reads the optional YAML file, applies flag overrides, validates everything at once. A relative
 * data.path in a config file is relative to the config file's directory (standard input's: the
 * current directory); --data is relative to the current directory.
 */
export function configFromOptions(opts: DataFlagOptions): Config {
  const overrides = overridesFrom(opts);
  if (opts.config !== undefined) {
    if (opts.config === STDIN && opts.data === STDIN) throw new UsageError('-c - and --data - cannot both read standard input; name one of the files');
    const { value, lineOf } = loadConfigFile(opts.config, maxInputBytes(opts));
    const file = inputName(opts.config);
    const cfg = resolveConfig(value, { file, lineOf, overrides });
    if (opts.data === undefined) cfg.data.path = dataPathFromConfig(cfg.data.path, opts.config, file, lineOf(['data', 'path']));
    // a pretrained forecaster's folder, like the data, is relative to the config file (a flag's to the current directory)
    const pt = cfg.model.pretrained;
    if (opts.pretrained === undefined && pt !== 'none' && pt !== 'builtin' && !isAbsolute(pt) && opts.config !== STDIN)
      cfg.model.pretrained = join(dirname(opts.config), pt);
    return cfg;
  }
  // the config-less defaults are a many-to-one model with a linear path (forecast/defaults.ts)
  if (opts.mode !== undefined && opts.mode !== 'many-to-one')
    throw new UsageError(
      `--mode ${opts.mode} needs a config file: without one, rnnfc chooses a many-to-one model with a linear path from the data; write a config (rnnfc init --data FILE > my.yaml), set window.mode: ${opts.mode} and model.linear: false in it, and run with -c my.yaml`,
    );
  // without a config file, --theta goes to the config-less defaults (thetaFlag), which pair it with
  // their pretrained forecaster
  const { theta: _theta, holt: _holt, ets: _ets, ...rest } = overrides;
  return resolveConfig({}, { file: '(flags)', overrides: rest });
}

/**
 * A config's data.path as the commands open it: relative to the config file's directory. When
 * there is no such file there but there is one relative to the current directory (the rule
 * of rnnfc 0.1.0), the config is refused with the path to write instead.
 */
export function dataPathFromConfig(path: string, configFile: string, file: string, line?: number): string {
  if (path === STDIN || isAbsolute(path) || configFile === STDIN) return path;
  const dir = dirname(configFile);
  const resolved = join(dir, path);
  if (!existsSync(resolved) && existsSync(path)) {
    const instead = relative(dir, path).split('\\').join('/');
    throw new ConfigError(`invalid config ${file}`, [
      `data.path: ${excerpt(path, 200)} is relative to the config file's directory (${excerpt(dir, 200)}), and there is no such file there; ` +
        `write ${excerpt(instead, 200)}, or an absolute path${line !== undefined ? ` (${file}:${line})` : ''}`,
    ]);
  }
  return resolved;
}

/**
 * A run name from the data file: `datasets/airline-passengers.csv` -> `airline-passengers`.
 * Sanitised to one plain directory name: characters other than letters, digits, space and
 * `._-+,@()=` become `_`, leading dots, dashes and spaces go (no hidden name, no `.` or `..`, no
 * option look-alike), at most 100 bytes; `run` when nothing is left (`..csv`); `stdin` for standard input.
 */
export function runBaseName(dataPath: string): string {
  if (dataPath === STDIN) return 'stdin';
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

/** True when a progress bar may be drawn on stderr (colour is colourOn's to say: NO_COLOR turns off colour, not the bar). */
export function interactive(opts: { json?: boolean; quiet?: boolean }): boolean {
  return Boolean(process.stderr.isTTY) && !opts.json && !opts.quiet;
}

/** Reads the series a resolved config points at (columns, time index, missing-value policy). */
export function readConfiguredSeries(cfg: Config, opts: { maxInputMb?: number } = {}): Series {
  return readConfiguredInput(cfg, opts).series;
}

/**
 * readConfiguredSeries, with the SHA-256 of the bytes the series was parsed from (for the run's
 * metadata). With a log transform, a value <= 0 is refused naming its line; a series whose
 * horizon would run past the times that can be written (the year 9999) is refused.
 */
export function readConfiguredInput(cfg: Config, opts: { maxInputMb?: number } = {}): { series: Series; sha256: string } {
  const log = cfg.transforms.findIndex((t) => t.kind === 'log');
  const read = readSeriesInput({
    path: cfg.data.path,
    timeColumn: cfg.data.time_column,
    target: cfg.data.target,
    features: cfg.data.features,
    ...(cfg.data.known_future ? { knownFuture: cfg.data.known_future } : {}),
    missing: cfg.data.missing,
    ...(cfg.data.delimiter ? { delimiter: cfg.data.delimiter } : {}),
    ...(cfg.data.time_format !== undefined ? { timeFormat: cfg.data.time_format } : {}),
    maxBytes: maxInputBytes(opts),
    positive: log < 0 ? undefined : logNeedsPositive(`transforms[${log}]`),
  });
  // a horizon longer than the data is refused by the fit's size checks, which name the setting to change
  if (cfg.window.horizon <= read.series.index.times.length) checkFutureRange(read.series.index, cfg.window.horizon, inputName(cfg.data.path));
  return read;
}

/** The parser's `positive` option for a log transform (`where` names it: transforms[0]). */
export function logNeedsPositive(where: string, hint = "remove 'log' from transforms (or shift the data so it is positive)"): { reason: string; hint: string } {
  return { reason: `the log transform (${where}) needs values > 0`, hint };
}

/**
 * Reads the panel a resolved config points at (key columns, data.id_column, or several target
 * columns, data.target a list), with the SHA-256 of its bytes. A series whose horizon would run
 * past the times that can be written is refused.
 */
export function readConfiguredPanel(cfg: Config, opts: { maxInputMb?: number } = {}): { panel: Panel; sha256: string } {
  const log = cfg.transforms.findIndex((t) => t.kind === 'log');
  const read = readPanelInput({
    ...panelOptionsOf(cfg.data, inputName(cfg.data.path)),
    path: cfg.data.path,
    maxBytes: maxInputBytes(opts),
    positive: log < 0 ? undefined : logNeedsPositive(`transforms[${log}]`),
  });
  const timeColumn = read.panel.members[0]?.series.timeColumn;
  if (cfg.data.targets && timeColumn === WIDE_KEY_COLUMN)
    throw new DataError(
      `${inputName(cfg.data.path)}: the time column is named ${JSON.stringify(WIDE_KEY_COLUMN)}, the name a wide panel's key column gets in the forecasts; rename the time column`,
    );
  for (const m of read.panel.members)
    if (cfg.window.horizon <= m.series.index.times.length)
      checkFutureRange(m.series.index, cfg.window.horizon, `${inputName(cfg.data.path)} (series ${keyText(m.key)})`);
  return read;
}

/** The environment variable that sets the memory limit when --max-memory is not given. */
export const MAX_MEMORY_ENV = 'RNNFC_MAX_MEMORY';

/**
 * The memory a fit (or predict's forecast) may use (forecast/limits.ts): `--max-memory`, else
 * RNNFC_MAX_MEMORY (an empty value counts as unset), else half of this machine's; a size as
 * parseSize reads it (512M, 8G), at most the machine's total memory. The kernels' WebAssembly
 * memory is checked too. Throws UsageError naming the flag or variable for a bad size.
 */
export function machineLimits(opts: { maxMemory?: string } = {}): FitLimits {
  const total = totalmem();
  const env = process.env[MAX_MEMORY_ENV];
  const given =
    opts.maxMemory !== undefined ? { name: '--max-memory', sep: ' ', text: opts.maxMemory } : env ? { name: MAX_MEMORY_ENV, sep: '=', text: env } : null;
  const raise = `raise the limit with --max-memory SIZE (or ${MAX_MEMORY_ENV}), e.g. 16G, up to this machine's ${formatBytes(total)}`;
  if (!given) return { ...limitsFor(total), kernelMemory: KERNEL_MEMORY_BYTES, raise };
  const shown = `${given.name}${given.sep}${excerpt(given.text, 40)}`;
  const bytes = parseSize(given.text);
  if (bytes === null)
    throw new UsageError(
      `${given.name}${given.sep}${quote(given.text, 40)}: not a size; write a number of bytes with K, M, G or T (powers of 1024), e.g. 512M or 8G`,
    );
  if (bytes > total) throw new UsageError(`${shown}: more than this machine's ${formatBytes(total)} of memory; use at most that`);
  return { memory: bytes, source: `set by ${shown}`, kernelMemory: KERNEL_MEMORY_BYTES, raise };
}

/**
 * The compute backend, layer kind and memory limit a fit gets from the command line's world: the
 * config's backend, RNNFC_STOCK_LAYERS, the machine's memory or --max-memory (machineLimits).
 */
export function computeOptions(cfg: Config, opts: { maxMemory?: string } = {}): Pick<FitOptions, 'engine' | 'layers' | 'limits' | 'pretrained'> {
  return {
    pretrained: loadPretrained,
    limits: machineLimits(opts),
    engine: async () => {
      const { deferredWasm, loadBackend } = await import('../model/backend.js');
      // auto: a model large enough to gain trains on a hardware GPU where there is one (gpu/auto.ts)
      if ((await import('../gpu/auto.js')).autoTriesWebgpu(cfg)) {
        const gpu = await (await import('../gpu/device.js')).hardwareGpu((await import('./gpu-probe.js')).probeInChild);
        if (gpu) return { ...(await loadBackend('webgpu')), gpu };
      }
      // wasm: tfjs is loaded when the fit needs it (a network the direct step trains does not: model/plain-build.ts)
      if (deferredWasm(cfg.backend)) return { backend: 'wasm' };
      const engine = await loadBackend(cfg.backend);
      // webgpu: the training steps run on the process's WebGPU device (exit 2 where there is none)
      if (cfg.backend !== 'webgpu') return engine;
      return { ...engine, gpu: await (await import('../gpu/device.js')).openGpu(process.env, (await import('./gpu-probe.js')).probeInChild) };
    },
    // RNNFC_STOCK_LAYERS=1 keeps the stock tfjs LSTM/GRU layers on cpu and wasm too (for
    // comparing the two: bench/configs.js); the saved model is the same format either way.
    layers: process.env.RNNFC_STOCK_LAYERS === '1' ? 'stock' : 'fused',
  };
}

/** Epoch progress on stderr, one display per trained network (an ensemble's members one after another; see train/progress.ts). */
export function progressPrinter(opts: { json?: boolean; quiet?: boolean }): (e: FitEvent) => void {
  let progress: Progress | null = null;
  return (e) => {
    if (e.kind === 'epoch') {
      progress ??= makeProgress({
        epochs: e.epochs,
        tty: interactive(opts),
        quiet: Boolean(opts.quiet || opts.json),
        stream: process.stderr,
        colour: colourOn(process.stderr),
      });
      progress.onEpoch(e.epoch);
    } else {
      progress?.done();
      progress = null;
    }
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

/** A metric in the summary tables: 4 significant digits, whole numbers from 1000 on, '-' when missing or not finite. */
export function metricText(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '-';
  return Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(4);
}

/**
 * The printed table of interval scores (coverage per level in percent, MSIS of the 95% interval,
 * mean pinball loss), one row per method of `metrics`; `missing` says why the model has none.
 */
export function intervalTable(metrics: Record<string, Record<string, number | null>>, missing: string | null): string[] {
  const first = Object.values(metrics)[0] ?? {};
  const cols = [...Object.keys(first).filter((k) => k.startsWith('coverage_')), 'msis', 'pinball'].filter((k) => k in first);
  if (cols.length === 0) return [];
  const head = (k: string) => (k.startsWith('coverage_') ? `COV${k.slice(9)}%` : k.toUpperCase());
  const lines = [`prediction intervals (coverage of the test actuals; MSIS of the 95% interval)${missing ? `; ${missing}` : ''}:`];
  lines.push(['method'.padEnd(15), ...cols.map((k) => head(k).padStart(10))].join(''));
  for (const [m, s] of Object.entries(metrics))
    lines.push(
      [
        m.padEnd(15),
        ...cols.map((k) =>
          (k.startsWith('coverage_') && typeof s[k] === 'number' && Number.isFinite(s[k]) ? (s[k] as number).toFixed(1) : metricText(s[k] ?? null)).padStart(
            10,
          ),
        ),
      ].join(''),
    );
  return lines;
}

/** The `schema` field every --json output starts with: `rnnfc/<command>@<version>`, so a pipeline can check the shape it reads. */
export function jsonSchema(command: string): string {
  return `rnnfc/${command}@1`;
}
