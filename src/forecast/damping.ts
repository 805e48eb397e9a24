/**
 * Damping the trend a forecast extrapolates (model.damping). Trends fitted to a short history and
 * carried on for a whole horizon are the commonest way a forecast goes far wrong: a growth rate
 * compounds in log space, a slope in a window runs on past the turn. Damped-trend exponential
 * smoothing forecasts step h with phi + phi^2 + ... + phi^h steps of its trend instead of h; this
 * does the same to any forecast: the least-squares slope b of the forecast over its horizon
 * (relative to the history's last value, in logs when the history and the forecast are all
 * positive, so that growth rates are damped rather than amounts) is taken out and a damped one put
 * back, b (phi + ... + phi^h) at step h. The forecast's level and the shape about its slope (a
 * season, say) are kept; phi = 1 changes nothing.
 */
import { fitSeasonalIndex } from '../transforms/deseasonalize.js';

/** phi + phi^2 + ... + phi^h for h = 1..steps. */
export function dampedSteps(phi: number, steps: number): Float64Array {
  const out = new Float64Array(steps);
  let term = 1,
    sum = 0;
  for (let h = 0; h < steps; h++) {
    term *= phi;
    sum += term;
    out[h] = sum;
  }
  return out;
}

/** The least-squares slope of y against its index 0, 1, ..., n - 1 (n >= 2). */
export function leastSquaresSlope(y: ArrayLike<number>): number {
  const n = y.length;
  const mt = (n - 1) / 2;
  let my = 0;
  for (let t = 0; t < n; t++) my += y[t];
  my /= n;
  let sxy = 0,
    sxx = 0;
  for (let t = 0; t < n; t++) {
    sxy += (t - mt) * (y[t] - my);
    sxx += (t - mt) ** 2;
  }
  return sxy / sxx;
}

/** Rows of history the seasonal indices are fitted on, at most (seasons' worth). */
const INDEX_SEASONS = 6;

/**
 * `forecast` (the steps after `history`, original units) with its trend damped by `phi` in (0, 1].
 * With a season (m >= 2) and at least two seasons of history, the slope is measured on the
 * forecast less the seasonal indices of the history's last seasons (classical decomposition,
 * transforms/deseasonalize.ts), so that a seasonal swing within the horizon is not taken for a
 * trend. Returns the forecast itself when there is nothing to damp: phi 1, fewer than two steps, no
 * history, or a value that is not finite.
 */
export function dampTrend(forecast: Float64Array, history: ArrayLike<number>, phi: number, season = 1): Float64Array {
  const H = forecast.length;
  const n = history.length;
  if (phi >= 1 || H < 2 || n === 0) return forecast;
  const last = history[n - 1];
  if (!Number.isFinite(last) || !forecast.every(Number.isFinite)) return forecast;
  let logs = last > 0 && forecast.every((v) => v > 0);
  for (let i = 0; logs && i < n; i++) if (!(history[i] > 0)) logs = false;
  const rel = (v: number) => (logs ? Math.log(v / last) : v - last);
  const u = Float64Array.from(forecast, rel);
  // the forecast less the season, row n - 1 + h having phase (n - 1 + h) mod m
  const m = Math.round(season);
  const d = Float64Array.from(u);
  if (m >= 2 && n >= 2 * m) {
    const from = Math.max(0, n - INDEX_SEASONS * m);
    const hist = new Float64Array(n - from);
    const rows = new Float64Array(n - from);
    for (let i = from; i < n; i++) {
      hist[i - from] = rel(history[i]);
      rows[i - from] = i;
    }
    const index = fitSeasonalIndex(hist, m, hist.length, rows);
    for (let h = 1; h <= H; h++) d[h - 1] -= index[(n - 1 + h) % m];
  }
  const b = leastSquaresSlope(d);
  const damped = dampedSteps(phi, H);
  return Float64Array.from(u, (x, i) => {
    const v = x - b * (i + 1 - damped[i]);
    return logs ? last * Math.exp(v) : last + v;
  });
}
