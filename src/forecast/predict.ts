/** Forecasting from a saved run: the data side of `rnnfc predict`, without files or printing. */

import { memberFileNames } from '../artifacts/run-format.js';
import type { SavedRun } from '../artifacts/run-reader.js';
import { futureTimes, stepNumber, stepNumbers } from '../data/time.js';
import { ArtifactError, DataError, UserError } from '../errors.js';
import type { Predictor } from '../model/predictor.js';
import type { Series } from '../types.js';
import { aheadInputs, checkKnownAhead } from './ahead.js';
import { truncateSeries } from './backtest.js';
import { dampTrend } from './damping.js';
import { medianOf } from './ensemble.js';
import { etsForecast, etsForecastWith } from './ets.js';
import type { SavedModel } from './fit.js';
import { forecastTransformed, needsFeedback, onlyTargetInput } from './forecast.js';
import { holtForecast } from './holt.js';
import {
  calibrationForecasts,
  calibrationOrigins,
  calibrationStart,
  ensembleSpread,
  fitIntervals,
  HEAD_BLOCKS,
  headsSpread,
  type IntervalModel,
  NO_SPREAD,
  type Spread,
  spreadOf,
} from './intervals.js';
import { combinedParts, meanOfParts } from './pretrained.js';
import { MIN_OBSERVED, pretrainedForecast } from './pretrained-windows.js';
import { thetaForecast } from './theta.js';

/**
 * The run's forecast of the `io.horizon` steps after the last row of `series` (in the original
 * units; the median of an ensemble's members). `source` names the data in messages; `backend` is
 * the backend asked for (default: the run's config, else auto).
 * @returns the future instants (as time numbers), the forecast [horizon] and its intervals and quantiles
 */
export async function forecastFromRun(
  run: SavedRun,
  series: Series,
  opts: {
    source: string;
    backend?: string;
    /** Predictors kept open across calls, by member (a panel's series share a global model's); the caller disposes them. */
    cache?: Map<SavedModel, Predictor>;
    /** The intervals (percent) and quantiles to give; none when the run has no interval model (saved before intervals existed). */
    levels?: readonly number[];
    quantiles?: readonly number[];
  },
): Promise<{ times: number[]; forecast: Float64Array; spread: Spread }> {
  const { times, forecast, ensemble } = await pointForecastFromRun(run, series, opts);
  const iv = run.pipeline.io.intervals;
  const spread = iv ? spreadOf(iv, forecast, [forecast.length], opts.levels ?? [], opts.quantiles ?? [], ensemble) : NO_SPREAD;
  return { times, forecast, spread };
}

/**
 * Sizes intervals for a series the run was not fitted on (a global panel run forecasting a new
 * series zero-shot): the run's forecast of the series from earlier origins (calibrationForecasts:
 * up to 100, each with at least half of the rows behind it), each made as predict makes it from
 * the rows before the origin, against the rows that followed. Null when the series is too short.
 */
export async function calibrateFromRun(
  run: SavedRun,
  series: Series,
  opts: { source: string; backend?: string; cache?: Map<SavedModel, Predictor> },
): Promise<IntervalModel | null> {
  const io = run.pipeline.io;
  const y = series.columns[io.target];
  const n = y.length;
  const range = { first: calibrationStart(io, io.pretrained !== undefined), end: n, steps: io.horizon };
  // each origin's forecast, made as predict makes it from the rows before the origin
  const forecasts = new Map<number, { forecast: Float64Array; ensemble: Float64Array | null }>();
  for (const o of calibrationOrigins(y, range)) forecasts.set(o, await pointForecastFromRun(run, truncateSeries(series, o), opts));
  const calibration = calibrationForecasts(
    (o, k) => {
      const f = forecasts.get(o)!;
      return { forecast: f.forecast.subarray(0, k), spread: f.ensemble?.subarray(0, k) };
    },
    y,
    range,
  );
  return fitIntervals(calibration, y, n, run.config.intervals);
}

/** forecastFromRun's point forecast, and the spread of the forecasts it averaged (ensembleSpread; null for one). */
async function pointForecastFromRun(
  run: SavedRun,
  series: Series,
  opts: { source: string; backend?: string; cache?: Map<SavedModel, Predictor> },
): Promise<{ times: number[]; forecast: Float64Array; ensemble: Float64Array | null }> {
  const saved = run.pipeline;
  const f = series.index.frequency;
  if (f.unit !== saved.frequency.unit || f.step !== saved.frequency.step)
    throw new DataError(`${opts.source}: frequency ${f.step} ${f.unit} does not match the run's ${saved.frequency.step} ${saved.frequency.unit}`);
  const pipeline = run.transforms;
  const io = saved.io;
  const n = series.columns[saved.target].length;
  const need = io.offset + (io.mode === 'one-to-one' ? 1 : io.lookback);
  if (n < need) throw new DataError(`${opts.source}: ${n} rows, but the model needs at least ${need} to forecast`);
  if (needsFeedback(io, io.horizon) && !onlyTargetInput(io.features, io.target))
    throw new ArtifactError('this run cannot forecast its horizon from inputs other than the target');

  const { openPredictor } = await import('../model/predictor.js');
  const steps = stepNumbers(series.index);
  const tcols = pipeline.transform(series.columns, steps);
  const future = futureTimes(series.index, io.horizon);
  // data.calendar, data.known_future: the inputs known ahead of every row and of the horizon after the last
  checkKnownAhead(io, series, io.horizon);
  const aheadRows = aheadInputs(io, series, io.horizon);
  const forecastSteps = { history: steps, forecast: future.map((t) => stepNumber(t, series.index.frequency)) };
  const forecasts: Float64Array[] = [];
  // evaluation.intervals quantile: each member's quantile heads as a spread (headsSpread)
  const headSpreads: Float64Array[] = [];
  for (const [j, member] of run.members.entries()) {
    let predictor: Predictor;
    const cached = opts.cache?.get(member);
    try {
      predictor =
        cached ??
        (await openPredictor(member.modelJson, member.weights, {
          backend: opts.backend ?? run.config.backend ?? 'auto',
          trainedOn: run.trainedOn,
        }));
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new ArtifactError(`${run.dir}: cannot load ${memberFileNames(j).model} (${(e as Error).message})`);
    }
    if (opts.cache && !cached) opts.cache.set(member, predictor);
    try {
      const fT = forecastTransformed(predictor.predict, io, tcols, n, io.horizon, 0, aheadRows);
      forecasts.push(pipeline.inverseTarget(io.target, fT, series.columns[io.target], forecastSteps));
      if (io.heads) {
        const [low, high] = HEAD_BLOCKS.map((block) => {
          const f = forecastTransformed(predictor.predict, io, tcols, n, io.horizon, block, aheadRows);
          return pipeline.inverseTarget(io.target, f, series.columns[io.target], { history: steps, forecast: forecastSteps.forecast.slice(0, f.length) });
        });
        headSpreads.push(headsSpread(low, high, io.horizon));
      }
    } finally {
      if (!opts.cache) predictor.dispose();
    }
  }
  const own = medianOf(forecasts);
  // model.damping, after everything else, as train did
  const damped = (f: Float64Array) => (io.damping !== undefined ? dampTrend(f, series.columns[io.target], io.damping, saved.season) : f);
  const pt = io.pretrained;
  const y = series.columns[io.target];
  // model.holt: Holt's damped trend joins the forecast (the model's alone when it cannot read the rows, as in train)
  const holtF = io.holt ? holtForecast(y, io.holt.season, io.horizon) : undefined;
  const holt = holtF?.every(Number.isFinite) ? holtF : undefined;
  // model.ets: the automatic ETS joins the mean of whatever else does (as in train, not when it cannot read the rows)
  const etsF = io.ets
    ? ((io.ets.choice && etsForecastWith(io.ets.choice, y, io.ets.season, io.horizon)) ?? etsForecast(y, io.ets.season, io.horizon))
    : undefined;
  const withEts = (parts: Float64Array[]) => (etsF?.every(Number.isFinite) ? [...parts, etsF] : parts);
  const network = run.pretrained;
  if (pt && !network) throw new ArtifactError(`${run.dir}: pipeline.json uses a pretrained forecaster the run does not hold`);
  // the forecast averages `parts`, the model's (the members' median) first; their spread counts each member
  const made = (parts: Float64Array[]) => ({
    times: future,
    forecast: damped(meanOfParts(parts)),
    ensemble: io.heads ? medianOf(headSpreads) : ensembleSpread([...forecasts, ...parts.slice(1)]),
  });
  if (!pt || !network || pt.use === 'model') return made(withEts(combinedParts('model', own, null, undefined, holt)));
  if (n < MIN_OBSERVED || !y.every(Number.isFinite))
    throw new DataError(`${opts.source}: the run's pretrained forecaster needs at least ${MIN_OBSERVED} rows without missing values`);
  const zero = pretrainedForecast(network.predict, y, pt.season, io.horizon, forecastSteps);
  const theta = pt.theta ? thetaForecast(y, pt.season, io.horizon) : undefined;
  return made(withEts(combinedParts(pt.use, own, zero, theta, holt)));
}
