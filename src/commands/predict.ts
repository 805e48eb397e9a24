import { ArtifactError, DataError, UsageError, UserError } from '../errors.js';
import { readRunDir } from '../artifacts/run-dir.js';
import { writeFileAtomic } from '../artifacts/atomic.js';
import { readSeries } from '../io/input-file.js';
import { formatTime, futureTimes, isNumericIndex, stepNumber, stepNumbers } from '../data/time.js';
import { Pipeline } from '../transforms/pipeline.js';
import { forecastTransformed, needsFeedback, onlyTargetInput, type ModelIO } from '../forecast/forecast.js';
import { toCsv, formatNumber } from '../output/csv.js';
import { medianOf, memberFileNames } from '../forecast/ensemble.js';
import { parseConfigText } from '../config/load.js';
import type { Frequency, MissingPolicy, TimeFormat } from '../types.js';

export interface PredictOptions {
  model: string;
  data?: string;
  output: string;
  format?: 'csv' | 'json';
  backend?: string;
  json?: boolean;
  quiet?: boolean;
}

interface SavedPipeline {
  format_version: number;
  time_column: string | null;
  time_format: TimeFormat;
  frequency: Frequency;
  target: string;
  features: string[];
  missing: MissingPolicy;
  io: ModelIO;
  transforms: object;
}

const REQUIRED = ['model.json', 'weights.bin', 'pipeline.json', 'config.yaml'];

/** `rnnfc predict`: run directory + data -> the next horizon, as CSV or JSON. */
export async function predictCommand(opts: PredictOptions): Promise<void> {
  const files = readRunDir(opts.model, REQUIRED);
  let saved: SavedPipeline;
  try {
    saved = JSON.parse(files['pipeline.json'].toString('utf8')) as SavedPipeline;
  } catch {
    throw new ArtifactError(`${opts.model}/pipeline.json is not valid JSON; retrain or restore the run`);
  }
  if (saved.format_version !== 1) throw new ArtifactError(`${opts.model}/pipeline.json has unsupported format_version ${saved.format_version}`);
  const config = parseConfigText(files['config.yaml'].toString('utf8'), `${opts.model}/config.yaml`).value as { data?: { path?: string }; backend?: string };
  const dataPath = opts.data ?? config.data?.path;
  if (!dataPath) throw new UsageError('no data: pass --data FILE.csv');

  const series = readSeries({
    path: dataPath,
    timeColumn: saved.time_column,
    target: saved.target,
    features: saved.features,
    missing: saved.missing,
  });
  const f = series.index.frequency;
  if (f.unit !== saved.frequency.unit || f.step !== saved.frequency.step)
    throw new DataError(
      `${dataPath}: frequency ${f.step} ${f.unit} does not match the run's ${saved.frequency.step} ${saved.frequency.unit}`,
    );
  const pipeline = Pipeline.fromJSON(saved.transforms);
  const io = saved.io;
  const n = series.columns[saved.target].length;
  const need = io.offset + (io.mode === 'one-to-one' ? 1 : io.lookback);
  if (n < need) throw new DataError(`${dataPath}: ${n} rows, but the model needs at least ${need} to forecast`);
  if (needsFeedback(io, io.horizon) && !onlyTargetInput(io.features, io.target)) throw new ArtifactError('this run cannot forecast its horizon from inputs other than the target');

  const { openPredictor } = await import('../model/predictor.js');
  const steps = stepNumbers(series.index);
  const tcols = pipeline.transform(series.columns, steps);
  const future = futureTimes(series.index, io.horizon);
  const forecastSteps = { history: steps, forecast: future.map((t) => stepNumber(t, series.index.frequency)) };
  const forecasts: Float64Array[] = [];
  for (let j = 0; j < (io.members ?? 1); j++) {
    const names = memberFileNames(j);
    if (!files[names.model] || !files[names.weights]) throw new ArtifactError(`${opts.model} is incomplete: ensemble member file ${names.model} or ${names.weights} is missing`);
    let predictor;
    try {
      predictor = await openPredictor(files[names.model].toString('utf8'), files[names.weights], {
        backend: opts.backend ?? config.backend ?? 'auto',
        trainedOn: recordedBackend(files['metadata.json']),
      });
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new ArtifactError(`${opts.model}: cannot load ${names.model} (${(e as Error).message})`);
    }
    try {
      const fT = forecastTransformed(predictor.predict, io, tcols, n, io.horizon);
      forecasts.push(pipeline.inverseTarget(io.target, fT, series.columns[io.target], forecastSteps));
    } finally {
      predictor.dispose();
    }
  }
  const fc = medianOf(forecasts);
  const times = future.map((t) => formatTime(t, series.index.format));
  const timeName = series.timeColumn ?? 'index';
  // integer indices and row numbers are numbers in JSON; calendar times stay strings
  const numericIndex = isNumericIndex(series.index.format);

  const format = opts.json ? 'json' : (opts.format ?? (opts.output.endsWith('.json') ? 'json' : 'csv'));
  const output = opts.json ? '-' : opts.output;
  const text =
    format === 'json'
      ? JSON.stringify({ run: opts.model, target: io.target, horizon: io.horizon, forecast: times.map((t, i) => ({ [timeName]: numericIndex ? Number(t) : t, forecast: Number(formatNumber(fc[i])) })) }) + '\n'
      : toCsv([timeName, 'forecast'], times.map((t, i) => [t, formatNumber(fc[i])]));
  if (output === '-') process.stdout.write(text);
  else {
    writeFileAtomic(output, text);
    if (!opts.quiet) process.stderr.write(`wrote ${output} (${io.horizon} steps after ${formatTime(series.index.times[n - 1], series.index.format)})\n`);
  }
}

/** The backend metadata.json says the run was trained on, if it says. */
function recordedBackend(metadata: Buffer | undefined): string | undefined {
  if (!metadata) return undefined;
  try {
    const b = (JSON.parse(metadata.toString('utf8')) as { backend?: unknown }).backend;
    return typeof b === 'string' ? b : undefined;
  } catch {
    return undefined;
  }
}
