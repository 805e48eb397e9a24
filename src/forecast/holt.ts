/**
 * Holt's damped-trend exponential smoothing (Gardner and McKenzie 1985) on the seasonally adjusted
 * series: a statistical forecaster rnnfc averages with its own model (model.holt). On short
 * business series it is among the strongest single methods (it carries a trend on, but less of it
 * the further it looks), which is where a recurrent network fitted to one series is weakest.
 *
 *   level  l_t = alpha y_t + (1 - alpha)(l_{t-1} + phi b_{t-1})
 *   trend  b_t = beta (l_t - l_{t-1}) + (1 - beta) phi b_{t-1}
 *   f(h)   = l_n + (phi + phi^2 + ... + phi^h) b_n
 *
 * The one-step errors are affine in the initial state (l_0, b_0), so for each (alpha, beta, phi) of a
 * grid the initial state that minimises their squares is a 2 x 2 linear solve; the grid is searched
 * coarse to fine (fitHolt) and the point with the least sum of squares found is kept. A series with m >= 2 and at least 2m + 1 values is adjusted by
 * classical decomposition (multiplicative when every value is positive, else additive) and the
 * forecast reseasonalised. Only the last FIT_WINDOW values (or 3m, if more) are read, so a long
 * series costs no more than a moderate one.
 */
import { dampedSteps } from './damping.js';
import { classicalIndices } from './theta.js';

/** The most recent values the method reads (at least 3 seasons of them). */
export const FIT_WINDOW = 500;
/** The grid: alpha = i/20 (i = 1..19), beta = alpha j/20 (j = 1..10), phi. */
export const PHIS = [0.8, 0.85, 0.9, 0.95, 0.98] as const;

/** Smoothing parameters, the initial and last level and trend, and the sum of squared one-step errors. */
export interface HoltFit {
  alpha: number;
  beta: number;
  phi: number;
  initial: { level: number; trend: number };
  level: number;
  trend: number;
  sse: number;
}

/**
 * The damped-trend recursion over x for given parameters, with the least-squares initial state:
 * each state is tracked as s + s_l l_0 + s_b b_0, the errors' squares summed as a quadratic form.
 */
export function holtFitFor(x: ArrayLike<number>, alpha: number, beta: number, phi: number): HoltFit {
  return holtPass(x, alpha, beta, phi, Number.POSITIVE_INFINITY)!;
}

/** leastSquares' answer, one object reused by every call (the grid walk calls it often). */
const LEAST = { l0: 0, b0: 0, sse: 0 };

/**
 * The initial state with the least sum of squares of the quadratic form the sums make, and that
 * sum, in LEAST (overwritten by the next call).
 */
function leastSquares(s00: number, s0l: number, s0b: number, sll: number, slb: number, sbb: number): typeof LEAST {
  const det = sll * sbb - slb * slb;
  let l0: number, b0: number;
  if (det > 1e-12 * sll * sbb) {
    l0 = (s0l * sbb - s0b * slb) / det;
    b0 = (s0b * sll - s0l * slb) / det;
  } else {
    l0 = sll > 0 ? s0l / sll : 0;
    b0 = 0;
  }
  LEAST.l0 = l0;
  LEAST.b0 = b0;
  LEAST.sse = s00 - 2 * l0 * s0l - 2 * b0 * s0b + l0 * l0 * sll + 2 * l0 * b0 * slb + b0 * b0 * sbb;
  return LEAST;
}

/**
 * The coarse grid fitHolt searches first: alpha = i/20 and beta = alpha j/20 for these i and j,
 * with every phi (140 points of the 950).
 */
const COARSE_I = [1, 4, 7, 10, 13, 16, 19];
const COARSE_J = [1, 4, 7, 10];
/** How far (in steps of i and j) the fine search looks around the coarse grid's best point. */
const FINE_REACH = 2;

/** Steps between the checks of holtPass's bound. */
const BOUND_EVERY = 8;

/**
 * holtFitFor, given up (null) once the errors so far, at their best initial state, sum to more
 * than `bound`: adding errors can only raise that least sum, so the whole series' would be higher
 * still. The margin covers rounding (1e-9 of the squared errors of the zero state, whose
 * cancellation is the formula's error), so a point given up could not have beaten `bound`.
 */
function holtPass(x: ArrayLike<number>, alpha: number, beta: number, phi: number, bound: number): HoltFit | null {
  let l = 0,
    ll = 1,
    lb = 0,
    b = 0,
    bl = 0,
    bb = 1;
  // sums of e^2, e f_l, e f_b, f_l^2, f_l f_b, f_b^2 (e: error with a zero initial state)
  let s00 = 0,
    s0l = 0,
    s0b = 0,
    sll = 0,
    slb = 0,
    sbb = 0;
  for (let t = 0; t < x.length; t++) {
    const f = l + phi * b,
      fl = ll + phi * bl,
      fb = lb + phi * bb;
    const e = x[t] - f;
    s00 += e * e;
    s0l += e * fl;
    s0b += e * fb;
    sll += fl * fl;
    slb += fl * fb;
    sbb += fb * fb;
    const nl = alpha * x[t] + (1 - alpha) * f,
      nll = (1 - alpha) * fl,
      nlb = (1 - alpha) * fb;
    b = beta * (nl - l) + (1 - beta) * phi * b;
    bl = beta * (nll - ll) + (1 - beta) * phi * bl;
    bb = beta * (nlb - lb) + (1 - beta) * phi * bb;
    l = nl;
    ll = nll;
    lb = nlb;
    if (
      t % BOUND_EVERY === BOUND_EVERY - 1 &&
      bound < Number.POSITIVE_INFINITY &&
      leastSquares(s00, s0l, s0b, sll, slb, sbb).sse > bound + 1e-9 * (Math.abs(bound) + s00)
    )
      return null;
  }
  // minimise s00 - 2 l0 s0l - 2 b0 s0b + l0^2 sll + 2 l0 b0 slb + b0^2 sbb
  const { l0, b0, sse } = leastSquares(s00, s0l, s0b, sll, slb, sbb);
  return { alpha, beta, phi, initial: { level: l0, trend: b0 }, level: l + ll * l0 + lb * b0, trend: b + bl * l0 + bb * b0, sse };
}

/**
 * The grid point with the least sum of squared one-step errors among those searched, coarse to
 * fine: the coarse grid (COARSE_I x COARSE_J x PHIS), then every point within FINE_REACH steps of
 * i and j of its best, with every phi; the first in grid order among equals. The sum of squares is
 * smooth in the parameters, so this finds the whole grid's best on most series (96% of the
 * origins of a 327-origin tuning set) at a quarter of the cost, and a point close to it on the
 * rest. A point is given up as soon as its errors so far exceed the best whole sum found
 * (holtPass), which does not change the point kept.
 */
export function fitHolt(x: ArrayLike<number>): HoltFit {
  let best: HoltFit | null = null;
  let bestI = 0;
  let bestJ = 0;
  let bestKey = 0;
  const at = (i: number, j: number, p: number) => {
    const fit = holtPass(x, i / 20, ((i / 20) * j) / 20, PHIS[p], best ? best.sse : Number.POSITIVE_INFINITY);
    const key = ((i - 1) * 10 + (j - 1)) * PHIS.length + p;
    if (fit && (!best || fit.sse < best.sse || (fit.sse === best.sse && key < bestKey))) {
      best = fit;
      bestI = i;
      bestJ = j;
      bestKey = key;
    }
  };
  for (const i of COARSE_I) for (const j of COARSE_J) for (let p = 0; p < PHIS.length; p++) at(i, j, p);
  const ci = bestI;
  const cj = bestJ;
  for (let i = Math.max(1, ci - FINE_REACH); i <= Math.min(19, ci + FINE_REACH); i++)
    for (let j = Math.max(1, cj - FINE_REACH); j <= Math.min(10, cj + FINE_REACH); j++)
      if (!COARSE_I.includes(i) || !COARSE_J.includes(j)) for (let p = 0; p < PHIS.length; p++) at(i, j, p);
  return best!;
}

/**
 * The method's forecast of `horizon` values after `y` (every value finite), seasonal period
 * `season` (1: none). Fewer than 3 values: the last value repeated.
 */
export function holtForecast(y: ArrayLike<number>, season: number, horizon: number): Float64Array {
  return holtRun(y, season, horizon, null).forecast;
}

/** Origins a holtForecaster reuses the grid's parameters for after searching it (the initial state is always refitted). */
export const HOLT_REFIT_EVERY = 25;

/**
 * Holt forecasts from successive origins of one series (each call's `y` the rows before its
 * origin), for the many origins prediction intervals are calibrated on: the grid is searched at
 * the first origin and again every HOLT_REFIT_EVERY calls (or when an origin comes before the
 * last), and between, the parameters found at the latest search (from rows before the origin, so
 * nothing after an origin shapes its forecast) are kept, with the initial state refitted. Each
 * forecast then costs one pass over the rows instead of one per grid point.
 */
export function holtForecaster(season: number, every = HOLT_REFIT_EVERY): (y: ArrayLike<number>, horizon: number) => Float64Array {
  let params: Pick<HoltFit, 'alpha' | 'beta' | 'phi'> | null = null;
  let since = 0;
  let last = -1;
  return (y, horizon) => {
    if (params && (since >= every || y.length < last)) params = null;
    const r = holtRun(y, season, horizon, params);
    if (!params) {
      params = r.fit ? { alpha: r.fit.alpha, beta: r.fit.beta, phi: r.fit.phi } : null;
      since = 0;
    }
    since++;
    last = y.length;
    return r.forecast;
  };
}

/** holtForecast, with the grid's parameters given (`params`) or searched (null); `fit` is absent for fewer than 3 values. */
function holtRun(
  y: ArrayLike<number>,
  season: number,
  horizon: number,
  params: Pick<HoltFit, 'alpha' | 'beta' | 'phi'> | null,
): { forecast: Float64Array; fit?: HoltFit } {
  const out = new Float64Array(horizon);
  if (y.length === 0) return { forecast: out.fill(Number.NaN) };
  if (y.length < 3) return { forecast: out.fill(y[y.length - 1]) };
  const m = Math.round(season);
  const w = Array.prototype.slice.call(y, Math.max(0, y.length - Math.max(FIT_WINDOW, 3 * m))) as number[];
  const n = w.length;
  const multiplicative = w.every((v) => v > 0);
  const index = m >= 2 && n >= 2 * m + 1 ? classicalIndices(w, m, multiplicative) : null;
  const x = index ? w.map((v, i) => (multiplicative ? v / index[i % m] : v - index[i % m])) : w;
  const fit = params ? holtFitFor(x, params.alpha, params.beta, params.phi) : fitHolt(x);
  const steps = dampedSteps(fit.phi, horizon);
  for (let h = 1; h <= horizon; h++) {
    const f = fit.level + steps[h - 1] * fit.trend;
    const p = (n - 1 + h) % m;
    out[h - 1] = index ? (multiplicative ? f * index[p] : f + index[p]) : f;
  }
  return { forecast: out, fit };
}
