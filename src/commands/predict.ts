import { restoreInterruptedSwap } from '../artifacts/atomic.js';
import { checkOutputFile, insideDir, sameFile, writeOutputFile } from '../artifacts/output-file.js';
import { readRun } from '../artifacts/run-reader.js';
import { checkFutureRange, formatTime, isNumericIndex } from '../data/time.js';
import { DataError, UsageError } from '../errors.js';
import { forecastFromRun } from '../forecast/predict.js';
import { inputName, readSeries, STDIN } from '../io/input-file.js';
import { formatNumber, toCsv } from '../output/csv.js';
import { logNeedsPositive, machineLimits, maxInputBytes } from './common.js';
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
}

/** `rnnfc predict`: run directory + data -> the next horizon, as CSV or JSON. */
export async function predictCommand(opts: PredictOptions): Promise<void> {
  const output = opts.json ? '-' : opts.output;
  if (output !== '-') checkOutputFile(output);
  // a train killed in the middle of replacing this run left the previous one aside: back it goes
  restoreInterruptedSwap(opts.model);
  const run = readRun(opts.model, machineLimits(opts));
  const saved = run.pipeline;
  const dataPath = opts.data ?? run.config.dataPath;
  if (!dataPath) throw new UsageError('no data: pass --data FILE.csv');
  if (opts.data === undefined && dataPath === STDIN)
    throw new UsageError(
      `${opts.model} was trained on data from standard input: pass its history with --data FILE.csv (or --data - to read it from standard input)`,
    );
  if (output !== '-') checkNoClobber(output, dataPath, opts.model);

  const log = run.transforms.specs.findIndex((t) => t.kind === 'log');
  const series = readSeries({
    path: dataPath,
    timeColumn: saved.time_column,
    target: saved.target,
    features: saved.features,
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
  const { times: future, forecast: fc } = await forecastFromRun(run, series, { source, backend: opts.backend });
  const times = future.map((t) => formatTime(t, series.index.format));
  const timeName = series.timeColumn ?? 'index';
  // integer indices and row numbers are numbers in JSON; calendar times stay strings
  const numericIndex = isNumericIndex(series.index.format);

  const format = opts.json ? 'json' : (opts.format ?? (opts.output.endsWith('.json') ? 'json' : 'csv'));
  const text =
    format === 'json'
      ? JSON.stringify({
          run: opts.model,
          target: io.target,
          horizon: io.horizon,
          forecast: times.map((t, i) => ({ [timeName]: numericIndex ? Number(t) : t, forecast: Number(formatNumber(fc[i])) })),
        }) + '\n'
      : toCsv(
          [timeName, 'forecast'],
          times.map((t, i) => [t, formatNumber(fc[i])]),
        );
  if (output === '-') process.stdout.write(text);
  else {
    // Ctrl-C or SIGTERM before the rename removes the temp file: nothing written
    const trap = trapSignals();
    try {
      await writeOutputFile(output, text, { signal: trap.signal, step: testSteps(trap.signal) });
    } finally {
      trap.dispose();
    }
    if (!opts.quiet) process.stderr.write(`wrote ${output} (${io.horizon} steps after ${formatTime(series.index.times[n - 1], series.index.format)})\n`);
  }
}

/** -o must not replace the data the forecast reads, nor a file in the run directory (its checksums would break). */
function checkNoClobber(output: string, dataPath: string, runDir: string): void {
  if (sameFile(output, dataPath)) throw new UsageError(`cannot write ${output}: it is the data file the forecast reads (${dataPath}); choose another -o`);
  if (insideDir(output, runDir))
    throw new UsageError(`cannot write ${output}: it lies inside the run directory ${runDir}, whose checksums it would break; choose another -o`);
}
