/**
 * The automatic ETS's search as TypeScript (what src/forecast/ets.ts ran before the search moved to
 * the kernels, assembly/ets.ts): the reference the kernels' bits are checked against.
 */
import { type EtsFit, type EtsInitial, type EtsModel, type EtsParams, etsParameterCount, etsPass, multiplicativeStart } from '../../src/forecast/ets.js';

const ITERATIONS = 300;

export function referenceLeastSquaresInitial(y: ArrayLike<number>, m: number, model: EtsModel, p: EtsParams): EtsInitial {
  if (model.season === 'M') throw new Error('a multiplicative season is not affine in its initial states');
  const hasB = model.trend !== 'N';
  const hasS = model.season === 'A';
  const first = hasB ? 2 : 1;
  const d = first + (hasS ? m - 1 : 0);
  const phi = model.trend === 'Ad' ? p.phi : 1;
  // an affine state: [constant, coefficient of theta_0, ...], in arrays kept between calls
  // (a fit calls this once a search point: hundreds of times)
  const sp = lsSpace(d, m);
  let l = sp.l.fill(0);
  l[1] = 1;
  let prev = sp.prev.fill(0);
  const b = sp.b.fill(0);
  if (hasB) b[2] = 1;
  const s: Float64Array[] = [];
  if (hasS) {
    for (let j = 0; j < m - 1; j++) {
      const v = sp.s[j].fill(0);
      v[first + j + 1] = 1;
      s.push(v);
    }
    const last = sp.s[m - 1].fill(0);
    for (let j = 0; j < m - 1; j++) last[first + j + 1] = -1;
    s.push(last);
  }
  // the normal equations' upper triangle, row-major
  const A = sp.A.fill(0);
  const r = sp.r.fill(0);
  const base = sp.base;
  const fit = sp.fit;
  const none = sp.none;
  const { alpha, beta, gamma } = p;
  const keepL = 1 - alpha;
  const keepB = (1 - beta) * phi;
  const keepS = 1 - gamma;
  for (let t = 0; t < y.length; t++) {
    const si = hasS ? s[t % m] : none;
    const yt = y[t];
    if (hasB) for (let i = 0; i <= d; i++) base[i] = l[i] + phi * b[i];
    else for (let i = 0; i <= d; i++) base[i] = l[i] + 0;
    for (let i = 0; i <= d; i++) fit[i] = base[i] + si[i];
    // the error y - fit[0] - fit[1..] . theta
    const e0 = yt - fit[0];
    for (let i = 0; i < d; i++) {
      const fi = fit[i + 1];
      if (fi === 0) continue;
      r[i] += fi * e0;
      const row = i * d;
      for (let j = i; j < d; j++) A[row + j] += fi * fit[j + 1];
    }
    // the level, trend and season updates, each in place (the old level kept in prev for the trend)
    const held = prev;
    prev = l;
    l = held;
    l[0] = alpha * (yt - si[0]) + keepL * base[0];
    for (let i = 1; i <= d; i++) l[i] = alpha * (0 - si[i]) + keepL * base[i];
    if (hasB) for (let i = 0; i <= d; i++) b[i] = beta * (l[i] - prev[i]) + keepB * b[i];
    if (hasS) {
      si[0] = gamma * (yt - base[0]) + keepS * si[0];
      for (let i = 1; i <= d; i++) si[i] = gamma * (0 - base[i]) + keepS * si[i];
    }
  }
  const theta = solveNormal(A, r, sp.M);
  const season: number[] = [];
  if (hasS) {
    let sum = 0;
    for (let j = 0; j < m - 1; j++) {
      season.push(theta[first + j]);
      sum += theta[first + j];
    }
    season.push(-sum);
  }
  return { level: theta[0], trend: hasB ? theta[1] : 0, season };
}

/** The arrays leastSquaresInitial works in, one set per (d, m), reused call after call. */
interface LsSpace {
  l: Float64Array;
  prev: Float64Array;
  b: Float64Array;
  s: Float64Array[];
  A: Float64Array;
  r: Float64Array;
  base: Float64Array;
  fit: Float64Array;
  none: Float64Array;
  M: Float64Array[];
}
const lsSpaces = new Map<string, LsSpace>();
function lsSpace(d: number, m: number): LsSpace {
  const key = `${d} ${m}`;
  let sp = lsSpaces.get(key);
  if (!sp) {
    const row = () => new Float64Array(d + 1);
    sp = {
      l: row(),
      prev: row(),
      b: row(),
      s: Array.from({ length: m }, row),
      A: new Float64Array(d * d),
      r: new Float64Array(d),
      base: row(),
      fit: row(),
      none: row(),
      M: Array.from({ length: d }, row),
    };
    lsSpaces.set(key, sp);
  }
  return sp;
}

/**
 * A x = r for symmetric positive semi-definite A (its upper triangle, row-major, d x d), with a
 * ridge of 1e-10 of its mean diagonal (Gaussian elimination, partial pivoting), in the rows `M`
 * (d of d + 1 values, overwritten).
 */
function solveNormal(A: Float64Array, r: Float64Array, M: Float64Array[]): Float64Array {
  const d = r.length;
  let trace = 0;
  for (let i = 0; i < d; i++) trace += A[i * d + i];
  const ridge = 1e-10 * (trace / d) + 1e-300;
  for (let i = 0; i < d; i++) {
    const out = M[i];
    for (let j = 0; j < d; j++) out[j] = j >= i ? A[i * d + j] : A[j * d + i];
    out[i] += ridge;
    out[d] = r[i];
  }
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let i = c + 1; i < d; i++) if (Math.abs(M[i][c]) > Math.abs(M[p][c])) p = i;
    const held = M[c];
    M[c] = M[p];
    M[p] = held;
    const pivot = M[c][c] || 1e-300;
    for (let i = c + 1; i < d; i++) {
      const f = M[i][c] / pivot;
      if (f !== 0) for (let k = c; k <= d; k++) M[i][k] -= f * M[c][k];
    }
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = M[i][d];
    for (let k = i + 1; k < d; k++) s -= M[i][k] * x[k];
    x[i] = s / (M[i][i] || 1e-300);
  }
  return x;
}

/** Minimises f from x0 by Nelder-Mead (reflection 1, expansion 2, contraction and shrink 1/2). */
function nelderMead(f: (x: number[]) => number, x0: number[], step: number, iterations: number): { x: number[]; value: number } {
  const n = x0.length;
  let pts = [x0.slice(), ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + step : v)))];
  let vals = pts.map(f);
  for (let it = 0; it < iterations; it++) {
    const order = vals.map((_, i) => i).sort((a, b) => vals[a] - vals[b] || a - b);
    pts = order.map((i) => pts[i]);
    vals = order.map((i) => vals[i]);
    if (Math.abs(vals[n] - vals[0]) <= 1e-8 * (Math.abs(vals[0]) + 1e-8)) break;
    const c = new Array(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[j] += pts[i][j] / n;
    const at = (k: number) => c.map((v, j) => v + k * (pts[n][j] - v));
    const xr = at(-1);
    const fr = f(xr);
    if (fr < vals[0]) {
      const xe = at(-2);
      const fe = f(xe);
      [pts[n], vals[n]] = fe < fr ? [xe, fe] : [xr, fr];
    } else if (fr < vals[n - 1]) [pts[n], vals[n]] = [xr, fr];
    else {
      const xc = at(0.5);
      const fc = f(xc);
      if (fc < vals[n]) [pts[n], vals[n]] = [xc, fc];
      else
        for (let i = 1; i <= n; i++) {
          pts[i] = pts[i].map((v, j) => pts[0][j] + 0.5 * (v - pts[0][j]));
          vals[i] = f(pts[i]);
        }
    }
  }
  let best = 0;
  for (let i = 1; i <= n; i++) if (vals[i] < vals[best]) best = i;
  return { x: pts[best], value: vals[best] };
}

const logistic = (v: number) => 1 / (1 + Math.exp(-v));

/** Fits one model to y by its likelihood (see the header); null when no point of the search forecasts in range. */
export function referenceFitEts(y: ArrayLike<number>, m: number, model: EtsModel): EtsFit | null {
  const n = y.length;
  const seasonM = model.season === 'M';
  const { indices, start, slope, scale } = seasonM ? multiplicativeStart(y, m) : { indices: [], start: 0, slope: 0, scale: 1 };
  const decode = (x: number[]): { p: EtsParams; init: EtsInitial } => {
    const alpha = 1e-4 + (1 - 2e-4) * logistic(x[0]);
    const p: EtsParams = {
      alpha,
      beta: model.trend === 'N' ? 0 : alpha * (1e-4 + (1 - 2e-4) * logistic(x[1])),
      gamma: model.season === 'N' ? 0 : (1 - alpha) * (1e-4 + (1 - 2e-4) * logistic(x[2])),
      phi: model.trend === 'Ad' ? 0.8 + 0.18 * logistic(x[3]) : 1,
    };
    const init = seasonM ? { level: start + x[4] * scale, trend: slope + x[5] * scale * 0.1, season: indices } : referenceLeastSquaresInitial(y, m, model, p);
    return { p, init };
  };
  const likelihood = (x: number[]) => {
    const { p, init } = decode(x);
    const { fitted } = etsPass(y, m, model, p, init);
    let sse = 0;
    let logs = 0;
    for (let t = 0; t < n; t++) {
      const f = fitted[t];
      if (model.error === 'M') {
        if (!(f > 0)) return Number.POSITIVE_INFINITY;
        const e = (y[t] - f) / f;
        sse += e * e;
        logs += Math.log(f);
      } else sse += (y[t] - f) ** 2;
    }
    const v = n * Math.log(Math.max(sse, 1e-300)) + 2 * logs;
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  // the search runs over the coordinates the model has (alpha; beta with a trend; gamma with a
  // season; phi when damped; the initial level and trend with a multiplicative season), the others
  // held at their starting values, which the model does not read
  const active = [
    0,
    ...(model.trend !== 'N' ? [1] : []),
    ...(model.season !== 'N' ? [2] : []),
    ...(model.trend === 'Ad' ? [3] : []),
    ...(seasonM ? [4, 5] : []),
  ];
  const start0 = [0, -1, -1, 1, 0, 0];
  const full = (a0: number, v: number[]) => {
    const x = start0.slice();
    x[0] = a0;
    active.forEach((k, i) => {
      x[k] = v[i];
    });
    return x;
  };
  let best: { x: number[]; value: number } | null = null;
  for (const a0 of [-1, 1]) {
    const r = nelderMead(
      (v) => likelihood(full(a0, v)),
      active.map((k) => (k === 0 ? a0 : start0[k])),
      1,
      ITERATIONS,
    );
    const x = full(a0, r.x);
    if (!best || r.value < best.value) best = { x, value: r.value };
  }
  if (!best || !Number.isFinite(best.value)) return null;
  const { p, init } = decode(best.x);
  const k = etsParameterCount(model, m);
  const aicc = best.value + 2 * k + (n - k - 1 > 0 ? (2 * k * (k + 1)) / (n - k - 1) : Number.POSITIVE_INFINITY);
  return { model, params: p, initial: init, final: etsPass(y, m, model, p, init).final, aicc };
}
