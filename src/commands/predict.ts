import { restoreInterruptedSwap } from '../artifacts/atomic.js';
import { checkOutputFile, insideDir, sameFile, writeOutputFile } from '../artifacts/output-file.js';
import type { PipelineFile } from '../artifacts/run-format.js';
import { isPanelRun, readPanelRun, readRun, type SavedPanelRun, type SavedRun } from '../artifacts/run-reader.js';
import { DEFAULTS } from '../config/defaults.js';
import type { Config } from '../config/types.js';
import { compareKeys, keyText } from '../data/panel.js';
import { checkFutureRange, formatTime, isNumericIndex } from '../data/time.js';
import { DataError, PartialError, UsageError, UserError } from '../errors.js';
import { panelSettingsFor } from '../forecast/defaults.js';
import type { SavedModel } from '../forecast/fit.js';
import type { Spread } from '../forecast/intervals.js';
import { memberConfig, prepareNewSeries } from '../forecast/panel-fit.js';
import { calibrateFromRun, forecastFromRun } from '../forecast/predict.js';
import { inputName, readPanelInput, readSeries, STDIN } from '../io/input-file.js';
import { evaluationSeason } from '../metrics/season.js';
import type { Predictor } from '../model/predictor.js';
import { formatNumber, toCsv } from '../output/csv.js';
import { spreadCells, spreadColumns, spreadFields } from '../output/spread.js';
import { parseShard, shardOf } from '../panel/shard.js';
import { encodeStatics } from '../panel/statics.js';
import type { Frequency, Series } from '../types.js';
import { jsonSchema, logNeedsPositive, machineLimits, maxInputBytes } from './common.js';
import { testSteps, trapSignals } from './interrupt.js';

export interface PredictOptions {
  model: string;
  data?: string;
  output: string;
  format?: 'csv' | 'json';
  backend?: string;
  json?: boolean;
  quiet?: boolean;
  maxInputMb?: number;
  maxMemory?: string;
  /** A panel run: the series to forecast, by key (values joined by ' / '). */
  id?: string[];
  /** A panel run: forecast only the series of shard i of n (`i/n`). */
  shard?: string;
  /** Steps to forecast, at most the run's window.horizon (default: all of them). */
  horizon?: number;
  /** Intervals (percent) and quantiles to write; default: the run's evaluation.levels and evaluation.quantiles. */
  levels?: number[];
  quantiles?: number[];
}

/**
 * The intervals and quantiles predict writes: the flags', else the run's config's, else the
 * default levels. A run saved before intervals existed has none; asking for them is an error.
 */
function spreadWanted(opts: PredictOptions, run: SavedRun): { levels: number[]; quantiles: number[] } {
  if (!run.pipeline.io.intervals) {
    if (opts.levels?.length || opts.quantiles?.length)
      throw new UsageError(`${run.dir} was saved by an rnnfc without prediction intervals: train it again to have them, or leave out --levels and --quantiles`);
    return { levels: [], quantiles: [] };
  }
  return {
    levels: opts.levels ?? run.config.levels ?? [...DEFAULTS.evaluation.levels],
    quantiles: opts.quantiles ?? run.config.quantiles ?? [],
  };
}

/** --horizon: the steps predict writes, at most the `horizon` the run was trained for. */
function stepsWanted(opts: PredictOptions, horizon: number): number {
  if (opts.horizon === undefined) return horizon;
  if (opts.horizon > horizon)
    throw new UsageError(
      `--horizon ${opts.horizon}: the run forecasts at most ${horizon} steps (the horizon it was trained for)`,
      `train it again with --horizon ${opts.horizon}`,
    );
  return opts.horizon;
}

/** `rnnfc predict`: run directory + data -> the next horizon, as CSV or JSON. */
export async function predictCommand(opts: PredictOptions): Promise<void> {
  const output = opts.json ? '-' : opts.output;
  if (output !== '-') checkOutputFile(output);
  // a train killed in the middle of replacing this run left the previous one aside: back it goes
  restoreInterruptedSwap(opts.model);
  if (isPanelRun(opts.model)) return predictPanel(opts, output);
  if (opts.shard !== undefined) throw new UsageError(`--shard splits the series of a panel run, and ${opts.model} holds one series; leave --shard out`);
  if (opts.id?.length) throw new UsageError(`--id selects series of a panel run, and ${opts.model} holds one series; leave --id out`);
  const run = readRun(opts.model, machineLimits(opts));
  const saved = run.pipeline;
  const dataPath = historyPath(opts, run.config.dataPath, output);

  const log = run.transforms.specs.findIndex((t) => t.kind === 'log');
  const series = readSeries({
    path: dataPath,
    timeColumn: saved.time_column,
    ...(saved.time_pattern !== undefined ? { timeFormat: saved.time_pattern } : {}),
    target: saved.target,
    features: saved.features,
    ...(saved.io.known?.length ? { knownFuture: saved.io.known.map((k) => k.name) } : {}),
    missing: saved.missing,
    maxBytes: maxInputBytes(opts),
    positive: log < 0 ? undefined : logNeedsPositive(`the run's transforms[${log}]`, 'the run was trained on the log of the data; fix or remove the row'),
  });
  const source = inputName(dataPath);
  const io = saved.io;
  const n = series.columns[saved.target].length;
  // too short before any other comparison: one row has no frequency to compare
  const need = io.offset + (io.mode === 'one-to-one' ? 1 : io.lookback);
  if (n < need) throw new DataError(`${source}: too short: ${n} row${n === 1 ? '' : 's'}, but the model needs at least ${need} to forecast`);
  checkFutureRange(series.index, io.horizon, source);
  const wanted = spreadWanted(opts, run);
  const h = stepsWanted(opts, io.horizon);
  const { times: future, forecast: fc, spread } = await forecastFromRun(run, series, { source, backend: opts.backend, ...wanted });
  const times = future.slice(0, h).map((t) => formatTime(t, series.index.format, series.index.offset));
  const timeName = series.timeColumn ?? 'index';
  // integer indices and row numbers are numbers in JSON; calendar times stay strings
  const numericIndex = isNumericIndex(series.index.format);

  const cells = spreadCells(spread, wanted);
  const format = opts.json ? 'json' : (opts.format ?? (opts.output.endsWith('.json') ? 'json' : 'csv'));
  const text =
    format === 'json'
      ? JSON.stringify({
          schema: jsonSchema('predict'),
          run: opts.model,
          target: io.target,
          horizon: h,
          forecast: times.map((t, i) => ({ time: numericIndex ? Number(t) : t, forecast: Number(formatNumber(fc[i])), ...spreadFields(spread, i) })),
        }) + '\n'
      : toCsv(
          [timeName, 'forecast', ...spreadColumns(wanted)],
          times.map((t, i) => [t, formatNumber(fc[i]), ...cells(i)]),
        );
  await writeForecast(output, text, opts.quiet ? null : `${h} steps after ${formatTime(series.index.times[n - 1], series.index.format, series.index.offset)}`);
}

/** The forecast text to stdout, or atomically to `output` (saying so on stderr with `what` unless it is null). */
async function writeForecast(output: string, text: string, what: string | null): Promise<void> {
  if (output === '-') {
    process.stdout.write(text);
    return;
  }
  // Ctrl-C or SIGTERM before the rename removes the temp file: nothing written
  const trap = trapSignals();
  try {
    await writeOutputFile(output, text, { signal: trap.signal, step: testSteps(trap.signal) });
  } finally {
    trap.dispose();
  }
  if (what !== null) process.stderr.write(`wrote ${output} (${what})\n`);
}

/** The history predict reads: --data, else the data the run was trained on (unless that was standard input); checked against -o. */
function historyPath(opts: PredictOptions, trainedOn: string | undefined, output: string): string {
  const dataPath = opts.data ?? trainedOn;
  if (!dataPath) throw new UsageError('no data: pass --data FILE.csv');
  if (opts.data === undefined && dataPath === STDIN)
    throw new UsageError(
      `${opts.model} was trained on data from standard input: pass its history with --data FILE.csv (or --data - to read it from standard input)`,
    );
  if (output !== '-') checkNoClobber(output, dataPath, opts.model);
  return dataPath;
}

/** -o must not replace the data the forecast reads, nor a file in the run directory (its checksums would break). */
function checkNoClobber(output: string, dataPath: string, runDir: string): void {
  if (sameFile(output, dataPath)) throw new UsageError(`cannot write ${output}: it is the data file the forecast reads (${dataPath}); choose another -o`);
  if (insideDir(output, runDir))
    throw new UsageError(`cannot write ${output}: it lies inside the run directory ${runDir}, whose checksums it would break; choose another -o`);
}

/**
 * predict on a panel run: the next horizon of every series in the run (or those --id names) from
 * their history in the data. A series that cannot be forecast (no rows in the data, too short,
 * unknown to the run) is listed and the others are written; then exit 4 (PartialError).
 */
async function predictPanel(opts: PredictOptions, output: string): Promise<void> {
  const run = readPanelRun(opts.model, machineLimits(opts));
  const ids = run.panel.id_columns;
  if (run.keys.length === 0) throw new DataError(`${opts.model}: the panel run holds no fitted series`);
  const first = run.series(0);
  const dataPath = historyPath(opts, first.config.dataPath, output);
  const wanted = (opts.id ?? []).map((text) => {
    const key = text.split(' / ');
    if (key.length !== ids.length)
      throw new UsageError(
        `--id ${JSON.stringify(text)}: the run's keys have ${ids.length} part${ids.length === 1 ? '' : 's'} (${ids.join(', ')}), joined by ' / '`,
      );
    return key;
  });
  const saved = first.pipeline;
  const { panel } = readPanelInput({
    path: dataPath,
    timeColumn: saved.time_column,
    ...(saved.time_pattern !== undefined ? { timeFormat: saved.time_pattern } : {}),
    target: saved.target,
    features: saved.features,
    idColumns: ids,
    // a global run with static inputs reads each series' values of them (used for series new to it)
    ...(run.panel.statics ? { staticColumns: run.panel.statics.columns.map((c) => c.name) } : {}),
    // a wide run reads the same target columns from the data (its keys are the column names)
    targets: run.config.data.targets,
    missing: saved.missing,
    maxBytes: maxInputBytes(opts),
  });
  const source = inputName(dataPath);
  const inData = new Map(panel.members.map((m) => [JSON.stringify(m.key), m.series]));
  const staticsOf = new Map(panel.members.map((m) => [JSON.stringify(m.key), m.statics ?? []]));
  // each series of the run by key: its place in series.jsonl (read when it is forecast)
  const inRun = new Map(run.keys.map((key, i) => [JSON.stringify(key), i]));
  // every series of the run and of the data, or those --id names
  const asked = wanted.length ? wanted : [...run.keys, ...panel.members.map((m) => m.key)];
  const shard = opts.shard === undefined ? null : parseShard(opts.shard, '--shard');
  const keys = [...new Map(asked.map((k) => [JSON.stringify(k), k])).values()]
    .filter((k) => !shard || shardOf(k, shard.count) === shard.index)
    .sort(compareKeys);
  const global = run.panel.scope === 'global';
  const newSeries = global ? zeroShot(run, first, panel.frequency) : null;
  const done: { key: string[]; times: string[]; forecast: Float64Array; spread: Spread }[] = [];
  // the intervals asked for, by the first series (a panel's series are saved alike)
  const wantedSpread = spreadWanted(opts, first);
  const steps = stepsWanted(opts, saved.io.horizon);
  // a global run's series share their members: each is opened once
  const cache = global ? new Map<SavedModel, Predictor>() : undefined;
  const failed: { key: string[]; reason: string }[] = [];
  try {
    await forecastEach();
  } finally {
    for (const p of cache?.values() ?? []) p.dispose();
  }
  async function forecastEach(): Promise<void> {
    for (const key of keys) {
      const k = JSON.stringify(key);
      const series = inData.get(k);
      if (!series) {
        failed.push({ key, reason: inRun.has(k) ? `no rows in ${source}` : `not in the run ${opts.model}, and no rows in ${source}` });
        continue;
      }
      if (!inRun.has(k) && !newSeries) {
        failed.push({ key, reason: `not in the run ${opts.model} (a local run forecasts only the series it was fitted on)` });
        continue;
      }
      try {
        const place = inRun.get(k);
        const r = place !== undefined ? run.series(place) : newSeries!(key, series, staticsOf.get(k) ?? []);
        const log = r.transforms.specs.some((t) => t.kind === 'log');
        if (log && series.columns[series.target].some((v) => !(v > 0)))
          throw new DataError('the series was fitted on the log of its values, and the data holds a value <= 0');
        const io = r.pipeline.io;
        const n = series.columns[series.target].length;
        const need = io.offset + (io.mode === 'one-to-one' ? 1 : io.lookback);
        if (n < need) throw new DataError(`too short: ${n} row${n === 1 ? '' : 's'}, but its model needs at least ${need} to forecast`);
        checkFutureRange(series.index, io.horizon, source);
        // a series the global run was not fitted on: its intervals from the run's forecasts of its own earlier rows
        const wants = wantedSpread.levels.length + wantedSpread.quantiles.length > 0;
        if (!inRun.has(k) && wants) {
          const intervals = await calibrateFromRun(r, series, { source, backend: opts.backend, cache });
          if (intervals) r.pipeline.io.intervals = intervals;
        }
        const { times, forecast, spread } = await forecastFromRun(r, series, {
          source: `${source} (series ${keyText(key)})`,
          backend: opts.backend,
          cache,
          ...(r.pipeline.io.intervals ? wantedSpread : {}),
        });
        done.push({ key, times: times.slice(0, steps).map((t) => formatTime(t, series.index.format, series.index.offset)), forecast, spread });
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        failed.push({ key, reason: e.message });
      }
    }
  }
  const listed = failed.map((f) => `${keyText(f.key)}: ${f.reason}`);
  if (done.length === 0)
    throw new DataError(`no series could be forecast:\n  ${listed.slice(0, 10).join('\n  ')}${listed.length > 10 ? `\n  and ${listed.length - 10} more` : ''}`);
  const timeName = panel.members[0].series.timeColumn ?? 'index';
  const numericIndex = isNumericIndex(panel.members[0].series.index.format);
  const format = opts.json ? 'json' : (opts.format ?? (opts.output.endsWith('.json') ? 'json' : 'csv'));
  const text =
    format === 'json'
      ? JSON.stringify({
          schema: jsonSchema('predict'),
          run: opts.model,
          id_columns: ids,
          horizon: steps,
          series: done.map((d) => ({
            key: d.key,
            forecast: d.times.map((t, i) => ({
              time: numericIndex ? Number(t) : t,
              forecast: Number(formatNumber(d.forecast[i])),
              ...spreadFields(d.spread, i),
            })),
          })),
          failed,
        }) + '\n'
      : toCsv(
          [...ids, timeName, 'forecast', ...spreadColumns(wantedSpread)],
          done.flatMap((d) => {
            const cells = spreadCells(d.spread, wantedSpread);
            return d.times.map((t, i) => [...d.key, t, formatNumber(d.forecast[i]), ...cells(i)]);
          }),
        );
  await writeForecast(output, text, opts.quiet ? null : `${done.length} series, ${steps} steps each`);
  if (failed.length)
    throw new PartialError(
      `${failed.length} of ${keys.length} series could not be forecast (the others were written):\n  ${listed.slice(0, 20).join('\n  ')}${listed.length > 20 ? `\n  and ${listed.length - 20} more` : ''}`,
    );
}

/**
 * A global run's forecaster for series it was not fitted on (zero-shot): the settings its series
 * got (config.yaml's, or the config-less defaults chosen from the new series' rows), transforms and
 * window scale fitted on the series' rows, and the shared network.
 */
function zeroShot(run: SavedPanelRun, first: SavedRun, frequency: Frequency): (key: string[], series: Series, statics: string[]) => SavedRun {
  const io = first.pipeline.io;
  const cfg: Config = { ...run.config, evaluation: { ...run.config.evaluation, test_size: 0 } };
  // a new series is forecast by the shared network alone: choosing a mean with the pretrained
  // forecaster or a smoothing method would need validation rows the run did not hold out for it
  const settings = panelSettingsFor(cfg, frequency, {
    configless: run.panel.configless,
    lookback: io.lookback,
    damping: io.damping ?? 1,
    pretrained: 'none',
    holt: false,
    ets: false,
  });
  const encoding = run.panel.statics;
  return (key, series, statics) => {
    const s = settings(memberConfig(cfg, { key, series }), series);
    const p = prepareNewSeries(s, series, io);
    // its static inputs, encoded as the run encoded its series' (a level the run has not seen: none)
    if (encoding) p.io.statics = encodeStatics(encoding, statics);
    const last = series.index.times[series.index.times.length - 1];
    const pipeline: PipelineFile = {
      ...first.pipeline,
      last_time: formatTime(last, series.index.format, series.index.offset),
      season: evaluationSeason(s.evaluation.season, series.index.frequency),
      io: { ...p.io, ...(io.members ? { members: io.members } : {}), ...(io.damping !== undefined ? { damping: io.damping } : {}) },
      transforms: p.pipeline.toJSON(),
    };
    return { ...first, pipeline, transforms: p.pipeline };
  };
}
