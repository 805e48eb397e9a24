/**
 * Rolling-origin evaluation (bench/ACCURACY.md): for origin k = 0..K-1, end = n - H - k*step;
 * everything (transforms, model, early stopping) is refitted on rows [0, end) only, and the next
 * H points are forecast in one go from `end`. Rows after end + H are cut off before anything runs.
 */

import type { Config } from '../config/types.js';
import { formatTime } from '../data/time.js';
import { DataError } from '../errors.js';
import { coverageByStep, type StepCoverage } from '../metrics/interval-scores.js';
import { evaluationSeason } from '../metrics/season.js';
import { transformOf } from '../transforms/registry.js';
import type { Series } from '../types.js';
import { type FitOptions, type FitResult, type ForecastParts, fitSeries } from './fit.js';
import { type Spread, spreadSeries } from './intervals.js';
import type { PretrainedUse } from './pretrained.js';

export interface BacktestOptions extends Pick<FitOptions, 'engine' | 'layers' | 'signal' | 'limits' | 'pretrained'> {
  origins: number;
  step: number;
  season: number;
  /** Called as each origin is done: k (0-based) of `of`, its result, the seconds it took. */
  onOrigin?: (k: number, of: number, result: OriginResult, seconds: number) => void;
  /**
   * Settings chosen per origin from the rows the model may see ([0, end) only), e.g. the
   * config-less defaults' transforms and lookback. Default: `cfg` unchanged.
   */
  configFor?: (cfg: Config, seen: Series, end: number) => Config;
}

/**
 * A method's scores at an origin: the point forecast's five, and its intervals' (coverage_<level>,
 * msis, pinball: forecast/intervals.ts intervalScores). A type alias, not an interface, so that it
 * also reads as a Record<string, number | null> (metrics/pooled.ts).
 */
export type MethodScores = {
  mae: number | null;
  rmse: number | null;
  /** Not finite (null) when an actual is zero. */
  mape: number | null;
  smape: number | null;
  mase: number | null;
  [interval: `coverage_${number}`]: number | null;
  msis?: number | null;
  pinball?: number | null;
};

export interface OriginResult {
  /** Time of the first forecast point (the row at index train_end), written like the input. */
  origin: string;
  /** Number of rows the model may see: y[0..train_end). */
  train_end: number;
  /** The window lookback and transforms used at this origin. */
  lookback: number;
  transforms: string[];
  /** model.pretrained: what the forecast was made of at this origin (the model's alone, or its mean with the pretrained network's). */
  pretrained?: PretrainedUse;
  /** model.pretrained: the validation rows' mean absolute errors the choice was made by (null: no validation rows). */
  validation_mae?: Record<string, number> | null;
  /** model.theta: the Theta method was part of the mean at this origin. */
  theta?: boolean;
  /** model.holt: Holt's damped trend joined the forecast at this origin. */
  holt?: boolean;
  /** model.ets: the automatic ETS joined the forecast at this origin. */
  ets?: boolean;
  /** model.damping: the phi the forecast's trend was damped by at this origin (absent: undamped). */
  damping?: number;
  forecast: number[];
  /**
   * What the forecast was combined from (ForecastParts, forecast/fit.ts): the model's own forecast
   * and, where they were computed, the pretrained network's, the Theta method's, Holt's damped
   * trend's and the automatic ETS's, each of the same rows from the same origin. The forecast is the
   * mean of the parts that joined it (`pretrained`: mean, `theta`, `holt`, `ets`), damped by
   * `damping` when present.
   */
  parts: { model: number[]; pretrained?: number[]; theta?: number[]; holt?: number[]; ets?: number[] };
  actual: number[];
  /** The forecast's intervals and quantiles (lower_80, upper_80, ..., q0.1, ...); absent when the model has none. */
  intervals?: Record<string, (number | null)[]>;
  metrics: Record<string, MethodScores>;
}

export interface BacktestResult {
  /** Compute backend, and the fused kernels' thread count (null when they were not used). */
  backend: string;
  threads: number | null;
  horizon: number;
  season: number;
  step: number;
  origins: OriginResult[];
  mean: Record<string, MethodScores>;
  /**
   * Per method and interval level: the percent of the origins' actuals at each step ahead (1, 2, ...)
   * that fell inside the interval (coverageByStep); absent for a method without intervals.
   */
  coverage_by_step: Record<string, Record<string, (number | null)[]>>;
}

const METRICS = ['mae', 'rmse', 'mape', 'smape', 'mase'] as const;
/** The scores of a method's intervals that backtests keep besides METRICS. */
const isIntervalScore = (k: string) => k.startsWith('coverage_') || k === 'msis' || k === 'pinball';

/** end (exclusive training bound) of each origin k = 0..K-1: n - H - k*step. */
export function originEnds(n: number, horizon: number, step: number, origins: number): number[] {
  if (!Number.isInteger(origins) || origins < 1) throw new DataError(`origins must be a positive integer, got ${origins}`);
  if (!Number.isInteger(step) || step < 1) throw new DataError(`step must be a positive integer, got ${step}`);
  const ends: number[] = [];
  for (let k = 0; k < origins; k++) {
    const end = n - horizon - k * step;
    if (end < 2) {
      throw new DataError(
        `not enough data for ${origins} origins: ${n} rows, horizon ${horizon}, step ${step} puts origin ${k} at row ${end}`,
        'use fewer --origins, a smaller --step or --horizon, or a longer series',
      );
    }
    ends.push(end);
  }
  return ends;
}

/** The default step between origins: ceil(H/2). */
export function defaultStep(horizon: number): number {
  return Math.max(1, Math.ceil(horizon / 2));
}

/** The first `rows` rows of a series (every column and the time index). */
export function truncateSeries(series: Series, rows: number): Series {
  const columns: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(series.columns)) columns[k] = v.slice(0, rows);
  return {
    ...series,
    index: { ...series.index, times: series.index.times.slice(0, rows) },
    columns,
  };
}

function clean(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** A method's scores as backtest results hold them: the five point scores and the interval scores, null where not finite. */
export function pick(s: Record<string, number>): MethodScores {
  const out: MethodScores = { mae: clean(s.mae), rmse: clean(s.rmse), mape: clean(s.mape), smape: clean(s.smape), mase: clean(s.mase) };
  for (const [k, v] of Object.entries(s)) if (isIntervalScore(k)) (out as Record<string, number | null>)[k] = clean(v);
  return out;
}

/** A forecast's intervals and quantiles as backtest results hold them, by column name (absent: none). */
export function intervalsField(spread: Spread): { intervals?: Record<string, (number | null)[]> } {
  const series = spreadSeries(spread);
  return series.length ? { intervals: Object.fromEntries(series.map(([name, x]) => [name, Array.from(x, clean)])) } : {};
}

/** What an origin's forecast was made of (OriginResult's pretrained, validation_mae, theta, holt, ets and damping). */
export function choiceFields(r: FitResult): Pick<OriginResult, 'pretrained' | 'validation_mae' | 'theta' | 'holt' | 'ets' | 'damping'> {
  return {
    ...(r.pretrained ? { pretrained: r.pretrained.use, validation_mae: r.pretrained.validation } : {}),
    ...(r.io.pretrained?.theta ? { theta: true } : {}),
    ...(r.io.holt ? { holt: true } : {}),
    ...(r.io.ets ? { ets: true } : {}),
    ...(r.io.damping !== undefined ? { damping: r.io.damping } : {}),
  };
}

/** A fit's ForecastParts as an origin's `parts` (plain arrays, in the same order). */
export function partsField(parts: ForecastParts): OriginResult['parts'] {
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, Array.from(v as Float64Array)])) as OriginResult['parts'];
}

/** Runs the K origins one after another (each a full refit via fitSeries). */
export async function backtest(cfg: Config, series: Series, opts: BacktestOptions): Promise<BacktestResult> {
  const H = cfg.window.horizon;
  const target = series.columns[cfg.data.target];
  if (!target) throw new DataError(`no target column "${cfg.data.target}" in the series`);
  const n = target.length;
  const ends = originEnds(n, H, opts.step, opts.origins);
  // a season the frequency gives stays 0 (as the fit infers the same), so only a chosen one is
  // checked against the rows before each origin (forecast/limits.ts)
  const inferred = opts.season === evaluationSeason(cfg.evaluation.season, series.index.frequency) ? cfg.evaluation.season : opts.season;
  const ocfg: Config = {
    ...cfg,
    window: { ...cfg.window, horizon: H },
    evaluation: { ...cfg.evaluation, test_size: H, season: inferred },
  };
  const results: OriginResult[] = [];
  const steps: StepCoverage[] = [];
  let backend = '';
  let threads: number | null = null;
  for (let k = 0; k < ends.length; k++) {
    const end = ends[k];
    const t0 = performance.now();
    const part = truncateSeries(series, end + H);
    const kcfg = opts.configFor ? opts.configFor(ocfg, truncateSeries(series, end), end) : ocfg;
    const r = await fitSeries(kcfg, part, {
      engine: opts.engine,
      layers: opts.layers,
      signal: opts.signal,
      limits: opts.limits,
      pretrained: opts.pretrained,
      future: false,
    });
    if (r.split.valEnd !== end) throw new Error(`internal: origin ${k} split at ${r.split.valEnd}, expected ${end}`);
    ({ backend, threads } = r);
    steps.push(r.stepCoverage);
    const metrics: Record<string, MethodScores> = {};
    for (const [m, s] of Object.entries(r.metrics)) metrics[m] = pick(s as unknown as Record<string, number>);
    const origin = formatTime(series.index.times[end], series.index.format, series.index.offset);
    const result: OriginResult = {
      origin,
      train_end: end,
      lookback: kcfg.window.lookback,
      transforms: kcfg.transforms.map(describeTransform),
      ...choiceFields(r),
      forecast: Array.from(r.test.forecast),
      parts: partsField(r.test.parts),
      actual: Array.from(r.test.actual),
      ...intervalsField(r.test.spread),
      metrics,
    };
    results.push(result);
    opts.onOrigin?.(k, ends.length, result, (performance.now() - t0) / 1000);
  }
  return {
    backend,
    threads,
    horizon: H,
    season: opts.season,
    step: opts.step,
    origins: results,
    mean: meanScores(results),
    coverage_by_step: coverageByStep(steps),
  };
}

/** Mean of each metric over the origins, per method (null when any origin has no finite value). */
export function meanScores(results: OriginResult[]): Record<string, MethodScores> {
  const out: Record<string, MethodScores> = {};
  if (!results.length) return out;
  for (const m of Object.keys(results[0].metrics)) {
    const s = {} as MethodScores;
    for (const k of [...METRICS, ...Object.keys(results[0].metrics[m]).filter(isIntervalScore)] as (keyof MethodScores)[]) {
      let sum = 0;
      let ok = true;
      for (const r of results) {
        const v = r.metrics[m]?.[k];
        if (v === null || v === undefined) ok = false;
        else sum += v;
      }
      s[k] = ok ? sum / results.length : null;
    }
    out[m] = s;
  }
  return out;
}

/** A transform as backtest results list it (`log`, `deseasonalize(12)`). */
export function describeTransform(t: Config['transforms'][number]): string {
  return transformOf(t).describe(t);
}
