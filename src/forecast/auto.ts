import type { TransformSpec } from '../config/types.js';
import { Pipeline } from '../transforms/pipeline.js';

/** Sample autocorrelation at `lag` (NaN entries skipped pairwise); 0 when undefined. */
export function acf(x: ArrayLike<number>, lag: number): number {
  const n = x.length;
  if (lag < 1 || lag >= n) return 0;
  let s = 0, c = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(x[i])) { s += x[i]; c++; }
  if (c < 2) return 0;
  const mean = s / c;
  let den = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(x[i])) den += (x[i] - mean) ** 2;
  if (!(den > 0)) return 0;
  let num = 0;
  for (let i = lag; i < n; i++) {
    const a = x[i], b = x[i - lag];
    if (Number.isFinite(a) && Number.isFinite(b)) num += (a - mean) * (b - mean);
  }
  return num / den;
}

/** |t-statistic| of the mean of the lag-1 differences: large when the series trends (drifts). */
export function driftT(x: Float64Array): number {
  const d = diff(x, 1);
  const n = d.length;
  if (n < 3) return 0;
  const mean = d.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return sd > 0 ? Math.abs(mean) / (sd / Math.sqrt(n)) : mean !== 0 ? Infinity : 0;
}

function diff(x: Float64Array, lag: number): Float64Array {
  const out = new Float64Array(Math.max(0, x.length - lag));
  for (let i = lag; i < x.length; i++) out[i - lag] = x[i] - x[i - lag];
  return out;
}

/**
 * Transforms for the config-less defaults, chosen from the training data only:
 *  - `log` when every (finite) value is > 0;
 *  - `{difference: m}` when m > 1, at least 3 full seasons are present and the lag-m
 *    autocorrelation of the lag-1 differenced (log) series is > 0.3 (strong seasonality);
 *  - `difference` (lag 1) when the series left after the above still has lag-1 autocorrelation > 0.9
 *    and trends: |t| of the mean lag-1 difference (drift) > 2. A driftless random walk (e.g. gold)
 *    is left in levels: differencing it measured worse (MASE 1.78 vs 1.42 on gold);
 *  - then `{scale: standard}`.
 */
export function chooseTransforms(y: Float64Array, season: number): TransformSpec[] {
  const finite = Array.from(y).filter((v) => Number.isFinite(v));
  const out: TransformSpec[] = [];
  if (finite.length < 4) return [{ kind: 'scale', method: 'standard' }];
  let z: Float64Array = Float64Array.from(finite);
  if (finite.every((v) => v > 0)) {
    out.push({ kind: 'log' });
    z = z.map(Math.log);
  }
  const m = Math.round(season);
  if (m > 1 && z.length >= 3 * m + 1 && acf(diff(z, 1), m) > 0.3) {
    out.push({ kind: 'difference', lag: m });
    z = diff(z, m);
  }
  if (z.length > 2 && acf(z, 1) > 0.9 && driftT(z) > 2) out.push({ kind: 'difference', lag: 1 });
  out.push({ kind: 'scale', method: 'standard' });
  return out;
}

/** Solve (XᵀX + λI) W = XᵀY by Cholesky; X: [n, p] rows, Y: [n, q] rows. Returns W as p rows of q. */
function ridge(X: Float64Array[], Y: Float64Array[], lambda: number): Float64Array[] {
  const p = X[0].length, q = Y[0].length;
  const A = Array.from({ length: p }, () => new Float64Array(p));
  const B = Array.from({ length: p }, () => new Float64Array(q));
  for (let r = 0; r < X.length; r++) {
    const x = X[r], y = Y[r];
    for (let i = 0; i < p; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      const Ai = A[i];
      for (let j = i; j < p; j++) Ai[j] += xi * x[j];
      const Bi = B[i];
      for (let j = 0; j < q; j++) Bi[j] += xi * y[j];
    }
  }
  for (let i = 0; i < p; i++) {
    A[i][i] += lambda;
    for (let j = 0; j < i; j++) A[i][j] = A[j][i];
  }
  // Cholesky A = LLᵀ in place (lower triangle)
  for (let j = 0; j < p; j++) {
    let d = A[j][j];
    for (let k = 0; k < j; k++) d -= A[j][k] * A[j][k];
    const ljj = Math.sqrt(Math.max(d, 1e-12));
    A[j][j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = A[i][j];
      for (let k = 0; k < j; k++) s -= A[i][k] * A[j][k];
      A[i][j] = s / ljj;
    }
  }
  // forward then back substitution, column by column of B
  const W = Array.from({ length: p }, () => new Float64Array(q));
  const z = new Float64Array(p);
  for (let c = 0; c < q; c++) {
    for (let i = 0; i < p; i++) {
      let s = B[i][c];
      for (let k = 0; k < i; k++) s -= A[i][k] * z[k];
      z[i] = s / A[i][i];
    }
    for (let i = p - 1; i >= 0; i--) {
      let s = z[i];
      for (let k = i + 1; k < p; k++) s -= A[k][i] * W[k][c];
      W[i][c] = s / A[i][i];
    }
  }
  return W;
}

/**
 * How well `specs` suit a windowed, last-value-normalised forecaster, measured cheaply: a ridge
 * regression (a linear stand-in for the network) from each normalised window of `lookback`
 * values to the next `horizon`, refitted at 3 inner origins inside `y` (n - h - k*ceil(h/2)),
 * scored by the mean absolute error of its inverse-transformed forecasts. NaN when `y` is too
 * short for that.
 */
export function proxyError(y: Float64Array, specs: TransformSpec[], lookback: number, horizon: number): number {
  const L = lookback, h = horizon, step = Math.ceil(h / 2);
  let total = 0;
  for (let k = 0; k < 3; k++) {
    const e = y.length - h - k * step;
    if (e < 1) return NaN;
    const seen = y.subarray(0, e);
    const p = Pipeline.fit(specs, { y: seen }, e);
    const z = p.transformColumn('y', seen);
    const first = p.offset, last = e - L - h;
    if (last - first + 1 < 10) return NaN;
    const stride = Math.max(1, Math.ceil((last - first + 1) / 1500));
    const X: Float64Array[] = [], Y: Float64Array[] = [];
    for (let s = last; s >= first; s -= stride) {
      const ref = z[s + L - 1];
      const x = new Float64Array(L + 1);
      for (let i = 0; i < L; i++) x[i] = z[s + i] - ref;
      x[L] = 1;
      const t = new Float64Array(h);
      for (let i = 0; i < h; i++) t[i] = z[s + L + i] - ref;
      X.push(x);
      Y.push(t);
    }
    const W = ridge(X, Y, 1);
    const ref = z[e - 1];
    const f = new Float64Array(h);
    for (let i = 0; i < L + 1; i++) {
      const xi = i < L ? z[e - L + i] - ref : 1;
      for (let j = 0; j < h; j++) f[j] += xi * W[i][j];
    }
    for (let j = 0; j < h; j++) f[j] += ref;
    const F = p.inverseTarget('y', f, seen);
    let err = 0;
    for (let j = 0; j < h; j++) err += Math.abs(F[j] - y[e + j]);
    total += err / h;
  }
  return total / 3;
}

/**
 * Transforms for the config-less defaults (windows normalised by their last value, so no
 * differencing is needed): `log` when every value is > 0; `{deseasonalize: m}` when m > 1, at
 * least 3 full seasons are present, the season is strong (lag-m autocorrelation of the lag-1
 * differences > 0.3) and removing it helps a linear stand-in for the network at inner origins
 * (proxyError; a slowly changing season, e.g. electricity demand, is better left in the windows);
 * then `{scale: standard}`. Uses only `y`.
 */
export function chooseWindowTransforms(y: Float64Array, season: number, horizon: number, lookback: number): TransformSpec[] {
  const finite = Array.from(y).filter((v) => Number.isFinite(v));
  if (finite.length < 4) return [{ kind: 'scale', method: 'standard' }];
  const head: TransformSpec[] = finite.every((v) => v > 0) ? [{ kind: 'log' }] : [];
  const plain: TransformSpec[] = [...head, { kind: 'scale', method: 'standard' }];
  const m = Math.round(season);
  if (!(m > 1 && finite.length >= 3 * m + 1)) return plain;
  const z = head.length ? Float64Array.from(finite, Math.log) : Float64Array.from(finite);
  if (!(acf(diff(z, 1), m) > 0.3)) return plain;
  const deseasonal: TransformSpec[] = [...head, { kind: 'deseasonalize', period: m }, { kind: 'scale', method: 'standard' }];
  const a = proxyError(y, deseasonal, lookback, horizon);
  const b = proxyError(y, plain, lookback, horizon);
  return Number.isFinite(b) && !(a <= b) ? plain : deseasonal;
}
