// The automatic ETS's parameter search (src/forecast/ets.ts fitEts): for one model and one starting
// alpha, Nelder-Mead over the bounded transform of the smoothing parameters (and, with a
// multiplicative season, the initial level and trend), each point's initial states solved by least
// squares and its likelihood from one pass over the series. In f64, operation for operation as the
// TypeScript it replaced (test/forecast/ets-kernel.test.ts keeps that as its reference and checks
// the bits), with exp and log the host's Math.exp and Math.log, so a fit is the same to the bit
// whichever computed it. Here because a process's first searches ran in V8's slower tiers: about
// 150 ms of a config-less one-origin backtest, a few tens of ms once warm.
//
// Pointers are byte offsets into the shared memory; every array is f64.

@external("env", "exp")
declare function hostExp(x: f64): f64;
@external("env", "log")
declare function hostLog(x: f64): f64;

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 3);
}
@inline function get(p: usize, i: i32): f64 {
  return load<f64>(at(p, i));
}
@inline function set(p: usize, i: i32, v: f64): void {
  store<f64>(at(p, i), v);
}

// the model: trend 0 N, 1 A, 2 Ad; season 0 N, 1 A, 2 M; error 0 A, 1 M
let Y: usize = 0;
let N: i32 = 0;
let M: i32 = 1;
let ERR: i32 = 0;
let TREND: i32 = 0;
let SEASON: i32 = 0;
// a multiplicative season's start: its indices (M values), and the searched level and trend's offset and scale
let IDX: usize = 0;
let START: f64 = 0;
let SLOPE: f64 = 0;
let SCALE: f64 = 1;
// the decoded point: alpha, beta, gamma, phi, then the initial level, trend and M seasonal states
let DEC: usize = 0;
// scratch of the least-squares solve (lsSolve's layout) and of the pass (M seasonal states)
let LS: usize = 0;
let PASS: usize = 0;

@inline function logistic(v: f64): f64 {
  return 1 / (1 + hostExp(-v));
}

// ---- least-squares initial states (ets.ts leastSquaresInitial) ----
// Scratch in LS, d + 1 values a row (D1): rows l, prev, b, base, fit, none; M season rows; A (d * d);
// r (d); the solve's d rows of d + 1; theta (d); the solve's row order (d i32, as f64 slots).
// Writes the initial level, trend and M seasonal states to init.
function lsSolve(alpha: f64, beta: f64, gamma: f64, phi: f64, init: usize): void {
  const hasB = TREND != 0;
  const hasS = SEASON == 1;
  const first = hasB ? 2 : 1;
  const d = first + (hasS ? M - 1 : 0);
  const D1 = d + 1;
  let l = LS;
  let prev = at(LS, D1);
  const b = at(LS, 2 * D1);
  const base = at(LS, 3 * D1);
  const fit = at(LS, 4 * D1);
  const none = at(LS, 5 * D1);
  const s = at(LS, 6 * D1);
  const A = at(s, M * D1);
  const r = at(A, d * d);
  const rows = at(r, d);
  const theta = at(rows, d * D1);
  const order = at(theta, d);
  memory.fill(LS, 0, <usize>(6 * D1 + M * D1 + d * d + d) << 3);
  set(l, 1, 1);
  if (hasB) set(b, 2, 1);
  if (hasS) {
    for (let j = 0; j < M - 1; j++) set(at(s, j * D1), first + j + 1, 1);
    const last = at(s, (M - 1) * D1);
    for (let j = 0; j < M - 1; j++) set(last, first + j + 1, -1);
  }
  const keepL = 1 - alpha;
  const keepB = (1 - beta) * phi;
  const keepS = 1 - gamma;
  for (let t = 0; t < N; t++) {
    const si = hasS ? at(s, (t % M) * D1) : none;
    const yt = get(Y, t);
    if (hasB) for (let i = 0; i <= d; i++) set(base, i, get(l, i) + phi * get(b, i));
    else for (let i = 0; i <= d; i++) set(base, i, get(l, i) + 0);
    for (let i = 0; i <= d; i++) set(fit, i, get(base, i) + get(si, i));
    const e0 = yt - get(fit, 0);
    for (let i = 0; i < d; i++) {
      const fi = get(fit, i + 1);
      if (fi == 0) continue;
      set(r, i, get(r, i) + fi * e0);
      const row = i * d;
      for (let j = i; j < d; j++) set(A, row + j, get(A, row + j) + fi * get(fit, j + 1));
    }
    const held = prev;
    prev = l;
    l = held;
    set(l, 0, alpha * (yt - get(si, 0)) + keepL * get(base, 0));
    for (let i = 1; i <= d; i++) set(l, i, alpha * (0 - get(si, i)) + keepL * get(base, i));
    if (hasB) for (let i = 0; i <= d; i++) set(b, i, beta * (get(l, i) - get(prev, i)) + keepB * get(b, i));
    if (hasS) {
      set(si, 0, gamma * (yt - get(base, 0)) + keepS * get(si, 0));
      for (let i = 1; i <= d; i++) set(si, i, gamma * (0 - get(base, i)) + keepS * get(si, i));
    }
  }
  solveNormal(A, r, rows, order, theta, d);
  set(init, 0, get(theta, 0));
  set(init, 1, hasB ? get(theta, 1) : 0);
  if (hasS) {
    let sum: f64 = 0;
    for (let j = 0; j < M - 1; j++) {
      set(init, 2 + j, get(theta, first + j));
      sum += get(theta, first + j);
    }
    set(init, 2 + M - 1, -sum);
  }
}

// A x = r for the upper triangle A (d x d) plus a ridge of 1e-10 of its mean diagonal, by Gaussian
// elimination with partial pivoting over the rows `rows` (d of d + 1), in the row order `order`.
function solveNormal(A: usize, r: usize, rows: usize, order: usize, x: usize, d: i32): void {
  const D1 = d + 1;
  let trace: f64 = 0;
  for (let i = 0; i < d; i++) trace += get(A, i * d + i);
  const ridge = 1e-10 * (trace / d) + 1e-300;
  for (let i = 0; i < d; i++) {
    const out = at(rows, i * D1);
    for (let j = 0; j < d; j++) set(out, j, j >= i ? get(A, i * d + j) : get(A, j * d + i));
    set(out, i, get(out, i) + ridge);
    set(out, d, get(r, i));
    store<i32>(order + (<usize>i << 2), i);
  }
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let i = c + 1; i < d; i++) if (abs<f64>(get(row(rows, order, i, D1), c)) > abs<f64>(get(row(rows, order, p, D1), c))) p = i;
    const held = load<i32>(order + (<usize>c << 2));
    store<i32>(order + (<usize>c << 2), load<i32>(order + (<usize>p << 2)));
    store<i32>(order + (<usize>p << 2), held);
    const rc = row(rows, order, c, D1);
    const pv = get(rc, c);
    const pivot = pv != 0 && pv == pv ? pv : 1e-300;
    for (let i = c + 1; i < d; i++) {
      const ri = row(rows, order, i, D1);
      const f = get(ri, c) / pivot;
      if (f != 0) for (let k = c; k <= d; k++) set(ri, k, get(ri, k) - f * get(rc, k));
    }
  }
  for (let i = d - 1; i >= 0; i--) {
    const ri = row(rows, order, i, D1);
    let s = get(ri, d);
    for (let k = i + 1; k < d; k++) s -= get(ri, k) * get(x, k);
    const dv = get(ri, i);
    set(x, i, s / (dv != 0 && dv == dv ? dv : 1e-300));
  }
}
@inline function row(rows: usize, order: usize, i: i32, D1: i32): usize {
  return at(rows, load<i32>(order + (<usize>i << 2)) * D1);
}

// ---- one point: decode (ets.ts fitEts decode) and likelihood ----
function decode(x: usize): void {
  const alpha = 1e-4 + (1 - 2e-4) * logistic(get(x, 0));
  const beta = TREND == 0 ? 0 : alpha * (1e-4 + (1 - 2e-4) * logistic(get(x, 1)));
  const gamma = SEASON == 0 ? 0 : (1 - alpha) * (1e-4 + (1 - 2e-4) * logistic(get(x, 2)));
  const phi = TREND == 2 ? 0.8 + 0.18 * logistic(get(x, 3)) : 1;
  set(DEC, 0, alpha);
  set(DEC, 1, beta);
  set(DEC, 2, gamma);
  set(DEC, 3, phi);
  if (SEASON == 2) {
    set(DEC, 4, START + get(x, 4) * SCALE);
    set(DEC, 5, SLOPE + get(x, 5) * SCALE * 0.1);
    for (let j = 0; j < M; j++) set(DEC, 6 + j, get(IDX, j));
  } else lsSolve(alpha, beta, gamma, phi, at(DEC, 4));
}

// n log(sum e^2) (+ 2 sum log f for M error) over the one-step errors of the pass from the decoded
// point's initial states (ets.ts etsPass, then the likelihood's loop); +Infinity where not finite.
function likelihood(x: usize): f64 {
  decode(x);
  const alpha = get(DEC, 0);
  const beta = get(DEC, 1);
  const gamma = get(DEC, 2);
  const phi = TREND == 2 ? get(DEC, 3) : 1;
  let l = get(DEC, 4);
  let b = TREND == 0 ? 0 : get(DEC, 5);
  if (SEASON != 0) for (let j = 0; j < M; j++) set(PASS, j, get(DEC, 6 + j));
  let sse: f64 = 0;
  let logs: f64 = 0;
  for (let t = 0; t < N; t++) {
    const yt = get(Y, t);
    const si = SEASON == 0 ? 0 : get(PASS, t % M);
    const base = l + (TREND == 0 ? 0 : phi * b);
    const f = SEASON == 2 ? base * si : base + si;
    const prev = l;
    l = alpha * (SEASON == 2 ? yt / si : yt - si) + (1 - alpha) * base;
    if (TREND != 0) b = beta * (l - prev) + (1 - beta) * phi * b;
    if (SEASON == 1) set(PASS, t % M, gamma * (yt - base) + (1 - gamma) * si);
    else if (SEASON == 2) set(PASS, t % M, gamma * (yt / base) + (1 - gamma) * si);
    if (ERR == 1) {
      if (!(f > 0)) return Infinity;
      const e = (yt - f) / f;
      sse += e * e;
      logs += hostLog(f);
    } else {
      const e = yt - f;
      sse += e * e;
    }
  }
  const v = <f64>N * hostLog(max<f64>(sse, 1e-300)) + 2 * logs;
  return isFinite<f64>(v) ? v : Infinity;
}

// ---- Nelder-Mead (ets.ts nelderMead) over the active coordinates ----
// The full point: x0 = a0 and the other five at their starts (-1, -1, 1, 0, 0), the active ones
// (ACTIVE[i] for i < NA) set from the simplex.
let NA: i32 = 0;
let ACTIVE: usize = 0;
let A0: f64 = 0;
let FULL: usize = 0;

@inline function active(i: i32): i32 {
  return load<i32>(ACTIVE + (<usize>i << 2));
}
@inline function startOf(k: i32): f64 {
  return k == 0 ? A0 : k <= 2 ? -1 : k == 3 ? 1 : 0;
}

function pushActive(k: i32): void {
  store<i32>(ACTIVE + (<usize>NA << 2), k);
  NA++;
}

// the point of the simplex v, in full (FULL)
function fill(v: usize): void {
  for (let k = 0; k < 6; k++) set(FULL, k, startOf(k));
  for (let i = 0; i < NA; i++) set(FULL, active(i), get(v, i));
}

function f(v: usize): f64 {
  fill(v);
  return likelihood(FULL);
}

/**
 * One search of fitEts: the model (error 0 A / 1 M, trend 0 N / 1 A / 2 Ad, season 0 N / 1 A / 2 M)
 * over y (n values, period m), from alpha's start a0. A multiplicative season reads its indices
 * (idx, m values) and the searched initial level and trend's start, slope and scale. Writes to out:
 * the likelihood at the best point, that point's six coordinates, then its decoded alpha, beta,
 * gamma, phi, initial level, trend and m seasonal states. scratch: etsScratchBytes(m) bytes.
 */
export function etsSearch(
  y: usize,
  n: i32,
  m: i32,
  error: i32,
  trend: i32,
  season: i32,
  a0: f64,
  iterations: i32,
  idx: usize,
  start: f64,
  slope: f64,
  scale: f64,
  scratch: usize,
  out: usize,
): void {
  Y = y;
  N = n;
  M = m;
  ERR = error;
  TREND = trend;
  SEASON = season;
  IDX = idx;
  START = start;
  SLOPE = slope;
  SCALE = scale;
  A0 = a0;
  // scratch: ACTIVE (6 i32), FULL (6), DEC (6 + m), PASS (m), the simplex (na + 1 points of na) and
  // its sorted copy, vals, the values in order and the order (na + 1 each), the centroid and three
  // trial points (na each), then LS
  ACTIVE = scratch;
  NA = 0;
  pushActive(0);
  if (trend != 0) pushActive(1);
  if (season != 0) pushActive(2);
  if (trend == 2) pushActive(3);
  if (season == 2) {
    pushActive(4);
    pushActive(5);
  }
  const na = NA;
  FULL = at(scratch, 3);
  DEC = at(FULL, 6);
  PASS = at(DEC, 6 + m);
  const pts = at(PASS, m);
  const sorted = at(pts, (na + 1) * na);
  const vals = at(sorted, (na + 1) * na);
  const sv = at(vals, na + 1);
  const ord = at(sv, na + 1);
  const c = at(ord, na + 1);
  const xr = at(c, na);
  const xe = at(xr, na);
  const xc = at(xe, na);
  LS = at(xc, na);
  for (let i = 0; i < na; i++) set(pts, i, startOf(active(i)));
  for (let p = 1; p <= na; p++) for (let i = 0; i < na; i++) set(pts, p * na + i, i == p - 1 ? get(pts, i) + 1 : get(pts, i));
  for (let p = 0; p <= na; p++) set(vals, p, f(at(pts, p * na)));
  const nn = <f64>na;
  for (let it = 0; it < iterations; it++) {
    // order by value, ties (and two infinities) by position: an insertion sort of the indices
    for (let p = 0; p <= na; p++) store<i32>(ord + (<usize>p << 2), p);
    for (let p = 1; p <= na; p++) {
      const key = load<i32>(ord + (<usize>p << 2));
      let q = p - 1;
      while (q >= 0 && before(vals, key, load<i32>(ord + (<usize>q << 2)))) {
        store<i32>(ord + (<usize>(q + 1) << 2), load<i32>(ord + (<usize>q << 2)));
        q--;
      }
      store<i32>(ord + (<usize>(q + 1) << 2), key);
    }
    for (let p = 0; p <= na; p++) {
      const from = load<i32>(ord + (<usize>p << 2));
      for (let i = 0; i < na; i++) set(sorted, p * na + i, get(pts, from * na + i));
      set(sv, p, get(vals, from));
    }
    memory.copy(vals, sv, <usize>(na + 1) << 3);
    memory.copy(pts, sorted, <usize>((na + 1) * na) << 3);
    if (abs<f64>(get(vals, na) - get(vals, 0)) <= 1e-8 * (abs<f64>(get(vals, 0)) + 1e-8)) break;
    for (let j = 0; j < na; j++) set(c, j, 0);
    for (let i = 0; i < na; i++) for (let j = 0; j < na; j++) set(c, j, get(c, j) + get(pts, i * na + j) / nn);
    const worst = at(pts, na * na);
    for (let j = 0; j < na; j++) set(xr, j, get(c, j) + -1 * (get(worst, j) - get(c, j)));
    const fr = f(xr);
    if (fr < get(vals, 0)) {
      for (let j = 0; j < na; j++) set(xe, j, get(c, j) + -2 * (get(worst, j) - get(c, j)));
      const fe = f(xe);
      if (fe < fr) {
        memory.copy(worst, xe, <usize>na << 3);
        set(vals, na, fe);
      } else {
        memory.copy(worst, xr, <usize>na << 3);
        set(vals, na, fr);
      }
    } else if (fr < get(vals, na - 1)) {
      memory.copy(worst, xr, <usize>na << 3);
      set(vals, na, fr);
    } else {
      for (let j = 0; j < na; j++) set(xc, j, get(c, j) + 0.5 * (get(worst, j) - get(c, j)));
      const fc = f(xc);
      if (fc < get(vals, na)) {
        memory.copy(worst, xc, <usize>na << 3);
        set(vals, na, fc);
      } else
        for (let p = 1; p <= na; p++) {
          for (let j = 0; j < na; j++) set(pts, p * na + j, get(pts, j) + 0.5 * (get(pts, p * na + j) - get(pts, j)));
          set(vals, p, f(at(pts, p * na)));
        }
    }
  }
  let best = 0;
  for (let p = 1; p <= na; p++) if (get(vals, p) < get(vals, best)) best = p;
  const bx = at(pts, best * na);
  // the best point in full, decoded
  fill(bx);
  set(out, 0, get(vals, best));
  for (let i = 0; i < 6; i++) set(out, 1 + i, get(FULL, i));
  decode(FULL);
  for (let i = 0; i < 6 + m; i++) set(out, 7 + i, get(DEC, i));
}

// whether point a sorts before point b: the smaller value first, equal values (or two infinities) by position
@inline function before(vals: usize, a: i32, b: i32): bool {
  const d = get(vals, a) - get(vals, b);
  if (d != 0 && d == d) return d < 0;
  return a < b;
}

/**
 * The least-squares initial states alone (ets.ts leastSquaresInitial), for a model without a
 * multiplicative season and given parameters: writes to out the level, trend and m seasonal states.
 */
export function etsInitial(y: usize, n: i32, m: i32, trend: i32, season: i32, alpha: f64, beta: f64, gamma: f64, phi: f64, scratch: usize, out: usize): void {
  Y = y;
  N = n;
  M = m;
  TREND = trend;
  SEASON = season;
  LS = scratch;
  lsSolve(alpha, beta, gamma, phi, out);
}

/** Bytes of scratch etsSearch and etsInitial need for period m (at most 6 active coordinates). */
export function etsScratchBytes(m: i32): i32 {
  const d = 2 + m;
  const D1 = d + 1;
  return (3 + 6 + (6 + m) + m + 2 * 7 * 6 + 3 * 7 + 4 * 6 + 6 * D1 + m * D1 + d * d + d + d * D1 + d + d + 8) << 3;
}
