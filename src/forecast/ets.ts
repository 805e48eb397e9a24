/**
 * Automatic exponential smoothing: the ETS family (Hyndman, Koehler, Snyder and Grose 2002) with
 * the model chosen by AICc: a member of the forecast's mean with model.ets (the config-less
 * defaults: on histories under 120 rows, forecast/defaults.ts CONFIGLESS_ETS_BELOW).
 *
 *   error A or M, trend N, A or Ad (damped), season N, A or M (period m)
 *   fitted  f_t = (l + phi b) + s            (season A; times s for season M)
 *   level   l_t = alpha (y_t - s) + (1 - alpha)(l + phi b)        (y_t / s for season M)
 *   trend   b_t = beta (l_t - l) + (1 - beta) phi b
 *   season  s_t = gamma (y_t - (l + phi b)) + (1 - gamma) s      (y_t / (l + phi b) for season M)
 *
 * The point forecasts of the two error types follow the same recursion; the error type sets the
 * likelihood the parameters are fitted by and the model is chosen by: n log(sum e^2) with e = y - f
 * (A), plus 2 sum log f with e = (y - f) / f (M). The smoothing parameters (and phi) are searched by
 * Nelder-Mead over a bounded transform, over the coordinates the model has (searching all four,
 * the unused ones included, took about three times as long on a 500-value monthly series, and ETS
 * alone scored 0.987 against Comb on the TSDL tuning part's short pieces that way, 0.990 this way);
 * for a model without a multiplicative season the one-step
 * errors are affine in the initial states (level, trend and m - 1 seasonal states, the last making
 * them sum to zero), so for each parameter point the initial states are the least-squares solve (as
 * forecast/holt.ts does for its level and trend). A multiplicative season starts from classical
 * indices of the first four seasons, and the initial level and trend join the search. The search
 * runs on the kernels (assembly/ets.ts, in f64 with the host's exp and log: the bits of the
 * TypeScript it replaced, which test/forecast/ets-reference.ts keeps), where a process's first
 * searches are not slowed by V8's warm-up (about 150 ms of a config-less one-origin backtest).
 *
 * Which models are tried: no additive error with a multiplicative season (infinite variance); M
 * error or season only for positive series; a season only for 2 <= m <= MAX_SEASON and at least 2m + 2 values
 * (a longer season, with at least 2m + 1 values, is taken out by classical indices, multiplicative for
 * a positive series, the seasonless models fitted to what is left, and put back into the forecast); a
 * trend only from 6 values; a model only when the series has more than its parameters and initial
 * states plus 4 values (as R's forecast::ets); and for horizons longer than DAMPED_ONLY_ABOVE steps,
 * no undamped trend: on the TSDL tuning part's short pieces the undamped trends chosen by AICc
 * cost monthly series (18 steps) 1.109 against Comb where damped-only scored 0.978 (a throwaway
 * version of this code; this one scores 0.974 there, `bench/ets-replay.js`).
 */
import { type EtsSearchResult, etsInitial, etsSearch } from '../kernels/ets.js';
import { classicalIndices } from './theta.js';

export type EtsError = 'A' | 'M';
export type EtsTrend = 'N' | 'A' | 'Ad';
export type EtsSeason = 'N' | 'A' | 'M';
export interface EtsModel {
  error: EtsError;
  trend: EtsTrend;
  season: EtsSeason;
}
export interface EtsParams {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}
export interface EtsInitial {
  level: number;
  trend: number;
  /** the seasonal states of the m steps before the first value, by phase (t mod m); [] without a season */
  season: number[];
}
/** A fitted model: its parameters, initial and final states, and AICc. */
export interface EtsFit {
  model: EtsModel;
  params: EtsParams;
  initial: EtsInitial;
  final: { level: number; trend: number; season: number[]; n: number };
  aicc: number;
}

/** Horizons above this many steps are offered no undamped trend (see the header). */
export const DAMPED_ONLY_ABOVE = 8;
/**
 * The longest period a seasonal model is tried for: its initial states cost O(n m^2) a parameter
 * point (a period of 336 took minutes a fit), so longer seasons get seasonless models only.
 */
export const MAX_SEASON = 24;
/** Nelder-Mead's iterations per start. */
const ITERATIONS = 300;

/** The recursion over y from `initial`: the one-step fitted values and the final state. */
export function etsPass(y: ArrayLike<number>, m: number, model: EtsModel, p: EtsParams, initial: EtsInitial): { fitted: Float64Array; final: EtsFit['final'] } {
  let l = initial.level;
  let b = model.trend === 'N' ? 0 : initial.trend;
  const s = initial.season.slice();
  const fitted = new Float64Array(y.length);
  const phi = model.trend === 'Ad' ? p.phi : 1;
  for (let t = 0; t < y.length; t++) {
    const si = model.season === 'N' ? 0 : s[t % m];
    const base = l + (model.trend === 'N' ? 0 : phi * b);
    fitted[t] = model.season === 'M' ? base * si : base + si;
    const prev = l;
    l = p.alpha * (model.season === 'M' ? y[t] / si : y[t] - si) + (1 - p.alpha) * base;
    if (model.trend !== 'N') b = p.beta * (l - prev) + (1 - p.beta) * phi * b;
    if (model.season === 'A') s[t % m] = p.gamma * (y[t] - base) + (1 - p.gamma) * si;
    else if (model.season === 'M') s[t % m] = p.gamma * (y[t] / base) + (1 - p.gamma) * si;
  }
  return { fitted, final: { level: l, trend: b, season: s, n: y.length } };
}

/** The model's point forecasts of `horizon` steps after its final state. */
export function etsForecastFrom(fit: Pick<EtsFit, 'model' | 'params' | 'final'>, m: number, horizon: number): Float64Array {
  const { model, params, final } = fit;
  const out = new Float64Array(horizon);
  let steps = 0;
  for (let h = 1; h <= horizon; h++) {
    steps += model.trend === 'Ad' ? params.phi ** h : 1;
    const base = final.level + (model.trend === 'N' ? 0 : steps * final.trend);
    const si = model.season === 'N' ? 0 : final.season[(final.n + h - 1) % m];
    out[h - 1] = model.season === 'M' ? base * si : base + si;
  }
  return out;
}

/**
 * The initial states with the least sum of squared one-step errors for a model without a
 * multiplicative season, given its parameters: each state is tracked as an affine function of
 * theta = [level, trend (with a trend), seasonal states 0..m-2 (with a season; the last is minus
 * their sum)], and the normal equations are solved (with a ridge of 1e-10 of their mean diagonal).
 * On the kernels (assembly/ets.ts), as the search's every point is.
 */
export function leastSquaresInitial(y: ArrayLike<number>, m: number, model: EtsModel, p: EtsParams): EtsInitial {
  if (model.season === 'M') throw new Error('a multiplicative season is not affine in its initial states');
  const phi = model.trend === 'Ad' ? p.phi : 1;
  return etsInitial(y, m, TREND_CODE[model.trend], SEASON_CODE[model.season], { ...p, phi });
}

const TREND_CODE: Record<EtsTrend, number> = { N: 0, A: 1, Ad: 2 };
const SEASON_CODE: Record<EtsSeason, number> = { N: 0, A: 1, M: 2 };

/** Parameters and initial states counted by AICc (and by the minimum-length rule), the variance included. */
export function etsParameterCount(model: EtsModel, m: number): number {
  const smoothing = 1 + (model.trend !== 'N' ? 1 : 0) + (model.trend === 'Ad' ? 1 : 0) + (model.season !== 'N' ? 1 : 0);
  const states = 1 + (model.trend !== 'N' ? 1 : 0) + (model.season !== 'N' ? m - 1 : 0);
  return smoothing + states + 1;
}

/**
 * A multiplicative season's start for fitEts: classical indices of the first four seasons, and the
 * offset (the mean of the first max(m, 4) adjusted values), slope and scale (mean absolute adjusted
 * value) that its searched initial level and trend are measured from.
 */
export function multiplicativeStart(y: ArrayLike<number>, m: number): { indices: number[]; start: number; slope: number; scale: number } {
  const n = y.length;
  const positive = Array.prototype.every.call(y, (v: number) => v > 0);
  const indices = Array.from(classicalIndices(Array.prototype.slice.call(y, 0, Math.min(n, 4 * m)), m, positive));
  const adjusted = Array.from(y, (v, t) => v / indices[t % m]);
  const span = Math.min(n - 1, 2 * Math.max(m, 2) - 1);
  const start = adjusted.slice(0, Math.max(m, 4)).reduce((a, v) => a + v, 0) / Math.min(n, Math.max(m, 4));
  const slope = span > 0 ? (adjusted[span] - adjusted[0]) / span : 0;
  const scale = Math.max(1e-12, adjusted.reduce((a, v) => a + Math.abs(v), 0) / n);
  return { indices, start, slope, scale };
}

/** Fits one model to y by its likelihood (see the header); null when no point of the search forecasts in range. */
export function fitEts(y: ArrayLike<number>, m: number, model: EtsModel): EtsFit | null {
  const n = y.length;
  const seasonM = model.season === 'M';
  const multiplicative = seasonM ? multiplicativeStart(y, m) : null;
  // the search (Nelder-Mead from two starts of alpha, -1 and 1, over the coordinates the model has:
  // alpha; beta with a trend; gamma with a season; phi when damped; the initial level and trend with
  // a multiplicative season) on the kernels, kernels/ets.ts
  const code = { error: model.error === 'M' ? 1 : 0, trend: TREND_CODE[model.trend], season: SEASON_CODE[model.season] };
  let best: EtsSearchResult | null = null;
  for (const a0 of [-1, 1]) {
    const r = etsSearch(y, m, code, a0, ITERATIONS, multiplicative);
    if (!best || r.value < best.value) best = r;
  }
  if (!best || !Number.isFinite(best.value)) return null;
  const p: EtsParams = { alpha: best.alpha, beta: best.beta, gamma: best.gamma, phi: best.phi };
  const init: EtsInitial = { level: best.level, trend: best.trend, season: multiplicative ? multiplicative.indices : best.season };
  const k = etsParameterCount(model, m);
  const aicc = best.value + 2 * k + (n - k - 1 > 0 ? (2 * k * (k + 1)) / (n - k - 1) : Number.POSITIVE_INFINITY);
  return { model, params: p, initial: init, final: etsPass(y, m, model, p, init).final, aicc };
}

/** The models autoEts tries for n values of period m, positive or not, forecast `horizon` steps (see the header). */
export function etsCandidates(n: number, m: number, positive: boolean, horizon: number): EtsModel[] {
  const seasons: EtsSeason[] = m >= 2 && m <= MAX_SEASON && n >= 2 * m + 2 ? ['N', 'A', ...(positive ? (['M'] as const) : [])] : ['N'];
  const trends: EtsTrend[] = n >= 6 ? (horizon > DAMPED_ONLY_ABOVE ? ['N', 'Ad'] : ['N', 'A', 'Ad']) : ['N'];
  const errors: EtsError[] = positive ? ['A', 'M'] : ['A'];
  const out: EtsModel[] = [];
  for (const error of errors)
    for (const trend of trends)
      for (const season of seasons) {
        if (error === 'A' && season === 'M') continue;
        const model = { error, trend, season };
        if (n > etsParameterCount(model, m) - 1 + 4) out.push(model);
      }
  return out;
}

/**
 * The ETS model with the least AICc among etsCandidates, fitted to y (every value finite), and its
 * forecast of `horizon` steps; a series too short for any candidate gets simple exponential
 * smoothing's (ANN's) when it has 3 values, else its last value repeated.
 */
export function autoEts(y: ArrayLike<number>, season: number, horizon: number): { forecast: Float64Array; fit: EtsFit | null; index?: Float64Array } {
  const n = y.length;
  const m = Math.max(1, Math.round(season));
  if (n === 0) return { forecast: new Float64Array(horizon).fill(Number.NaN), fit: null };
  const positive = Array.prototype.every.call(y, (v: number) => v > 0);
  if (m > MAX_SEASON && n >= 2 * m + 1) {
    // a long season: the seasonless models on the series adjusted by classical indices (as forecast/holt.ts adjusts), reseasonalised
    const long = seasonTakenOut(y, m);
    const r = autoEts(long.adjusted, 1, horizon);
    return { forecast: long.putBack(r.forecast), fit: r.fit, index: long.index };
  }
  let best: EtsFit | null = null;
  for (const model of etsCandidates(n, m, positive, horizon)) {
    const fit = fitEts(y, m, model);
    if (fit && (!best || fit.aicc < best.aicc)) best = fit;
  }
  if (!best && n >= 3) best = fitEts(y, m, { error: 'A', trend: 'N', season: 'N' });
  if (!best) return { forecast: new Float64Array(horizon).fill(y[n - 1]), fit: null };
  return { forecast: etsForecastFrom(best, m, horizon), fit: best };
}

/** The most recent values the product's ETS reads (at least 3 seasons of them), as forecast/holt.ts's FIT_WINDOW. */
export const ETS_WINDOW = 500;

/**
 * What a run keeps of an automatic ETS fit to forecast again from other rows (pipeline.json's
 * io.ets.choice): the model, its parameters, and whether a long season was taken out first.
 */
export interface EtsChoice {
  model: EtsModel;
  params: EtsParams;
  adjusted?: true;
}

/** autoEts from the last ETS_WINDOW values of y (at least 3 seasons' worth): its forecast and fit, and what it chose (null: too short for any model). */
export function etsChosen(y: ArrayLike<number>, season: number, horizon: number): { forecast: Float64Array; fit: EtsFit | null; choice: EtsChoice | null } {
  const r = autoEts(recent(y, season), season, horizon);
  const choice: EtsChoice | null = r.fit ? { model: r.fit.model, params: r.fit.params, ...(r.index ? { adjusted: true as const } : {}) } : null;
  return { forecast: r.forecast, fit: r.fit, choice };
}

/** autoEts's forecast from the last ETS_WINDOW values of y (at least 3 seasons' worth). */
export function etsForecast(y: ArrayLike<number>, season: number, horizon: number): Float64Array {
  return etsChosen(y, season, horizon).forecast;
}

/**
 * The forecast of a chosen model with its parameters from the last ETS_WINDOW values of y: the
 * initial states by least squares, a long season taken out again by classical indices (as autoEts
 * does); from the rows the choice was made on, etsChosen's forecast to the bit. Null for a
 * multiplicative season, whose initial states were searched with the parameters, not solved for.
 */
export function etsForecastWith(choice: EtsChoice, all: ArrayLike<number>, season: number, horizon: number): Float64Array | null {
  if (choice.model.season === 'M') return null;
  const y = recent(all, season);
  const long = choice.adjusted ? seasonTakenOut(y, Math.max(1, Math.round(season))) : null;
  const x = long ? long.adjusted : y;
  const m = long ? 1 : Math.max(1, Math.round(season));
  const initial = leastSquaresInitial(x, m, choice.model, choice.params);
  const f = etsForecastFrom({ ...choice, final: etsPass(x, m, choice.model, choice.params, initial).final }, m, horizon);
  return long ? long.putBack(f) : f;
}

/**
 * A long season taken out of y by classical indices (multiplicative for a positive series, as
 * forecast/holt.ts takes it out): the indices, the adjusted series, and a forecast of the steps
 * after y's last put back into the season.
 */
function seasonTakenOut(y: ArrayLike<number>, m: number): { index: Float64Array; adjusted: Float64Array; putBack: (f: Float64Array) => Float64Array } {
  const n = y.length;
  const positive = Array.prototype.every.call(y, (v: number) => v > 0);
  const index = classicalIndices(y, m, positive);
  const adjusted = Float64Array.from(y, (v, t) => (positive ? v / index[t % m] : v - index[t % m]));
  const putBack = (f: Float64Array) => f.map((v, h) => (positive ? v * index[(n + h) % m] : v + index[(n + h) % m]));
  return { index, adjusted, putBack };
}

/** The last ETS_WINDOW values of y (or 3 seasons, if more). */
function recent(y: ArrayLike<number>, season: number): ArrayLike<number> {
  const from = recentStart(y.length, season);
  return from === 0 ? y : (Array.prototype.slice.call(y, from) as number[]);
}

/** Where recent's values start in n values. */
function recentStart(n: number, season: number): number {
  return Math.max(0, n - Math.max(ETS_WINDOW, 3 * Math.max(1, Math.round(season))));
}

/**
 * Origins an etsForecaster reuses the chosen model and its parameters for after choosing them: all
 * of them. A search over every model costs 10 to 100 times one pass (Holt's grid, 25 origins a search,
 * costs less), and the calibration origins only size the intervals.
 */
export const ETS_REFIT_EVERY = Number.POSITIVE_INFINITY;

/**
 * ETS forecasts from successive origins of one series (each call's `y` the rows before its origin),
 * for the many origins prediction intervals are calibrated on, as holtForecaster does for Holt's:
 * the model is chosen and fitted (etsForecast) at the first origin, and again every `every` calls
 * or when an origin comes before the last; between, that model and its parameters are kept and
 * only the initial states are refitted (by least squares over the last ETS_WINDOW rows; a
 * multiplicative season keeps its fitted ones, and its pass starts where the fit's rows started), so
 * a forecast costs a pass or two over the rows instead of a search over every model.
 */
export function etsForecaster(season: number, every = ETS_REFIT_EVERY): (y: ArrayLike<number>, horizon: number) => Float64Array {
  const m = Math.max(1, Math.round(season));
  let chosen: { fit: EtsFit; choice: EtsChoice } | null = null;
  let start = 0;
  let since = 0;
  let last = -1;
  return (all, horizon) => {
    if (chosen && (since >= every || all.length < last)) chosen = null;
    let out: Float64Array;
    if (chosen) {
      const { fit, choice } = chosen;
      out =
        etsForecastWith(choice, all, season, horizon) ??
        etsForecastFrom({ ...fit, final: etsPass(Array.prototype.slice.call(all, start), m, fit.model, fit.params, fit.initial).final }, m, horizon);
    } else {
      const r = etsChosen(all, season, horizon);
      out = r.forecast;
      chosen = r.fit && r.choice ? { fit: r.fit, choice: r.choice } : null;
      start = recentStart(all.length, season);
      since = 0;
    }
    since++;
    last = all.length;
    return out;
  };
}
