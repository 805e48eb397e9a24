/**
 * The automatic ETS's parameter search and least-squares initial states on the kernels
 * (assembly/ets.ts): f64, the host's exp and log, the bits of the TypeScript they replaced.
 */
import { getPool } from './pool.js';

/** A model as the kernels code it: error 0 A / 1 M, trend 0 N / 1 A / 2 Ad, season 0 N / 1 A / 2 M. */
export interface EtsCode {
  error: number;
  trend: number;
  season: number;
}

/** A multiplicative season's start: its indices, and the searched initial level and trend's offset, slope and scale. */
export interface MultiplicativeStart {
  indices: ArrayLike<number>;
  start: number;
  slope: number;
  scale: number;
}

export interface EtsSearchResult {
  /** the likelihood at the best point */
  value: number;
  /** the best point: alpha, beta, gamma, phi (transformed), the level and trend offsets */
  x: number[];
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
  level: number;
  trend: number;
  /** the m seasonal states (the indices with a multiplicative season) */
  season: number[];
}

/** Runs fn with y (f64), a scratch block for period m and an output block of `outs` values in the kernels' memory. */
function withBlocks<T>(y: ArrayLike<number>, m: number, outs: number, fn: (yp: number, scratch: number, out: number) => T): T {
  const pool = getPool();
  const n = y.length;
  const yp = pool.heap.alloc(Math.max(1, n) * 8);
  const scratch = pool.heap.alloc(pool.k.etsScratchBytes(m));
  const out = pool.heap.alloc(outs * 8);
  try {
    new Float64Array(pool.memory.buffer, yp, n).set(y);
    return fn(yp, scratch, out);
  } finally {
    pool.heap.free(out);
    pool.heap.free(scratch);
    pool.heap.free(yp);
  }
}

/**
 * One Nelder-Mead search of ets.ts's fitEts: `model` over y (period m) from alpha's start a0, at
 * most `iterations` iterations; `multiplicative` for a multiplicative season.
 */
export function etsSearch(
  y: ArrayLike<number>,
  m: number,
  model: EtsCode,
  a0: number,
  iterations: number,
  multiplicative: MultiplicativeStart | null,
): EtsSearchResult {
  const pool = getPool();
  return withBlocks(y, m, 13 + m, (yp, scratch, out) => {
    let idx = 0;
    if (multiplicative) {
      idx = pool.heap.alloc(m * 8);
      new Float64Array(pool.memory.buffer, idx, m).set(multiplicative.indices);
    }
    try {
      pool.k.etsSearch(
        yp,
        y.length,
        m,
        model.error,
        model.trend,
        model.season,
        a0,
        iterations,
        idx,
        multiplicative?.start ?? 0,
        multiplicative?.slope ?? 0,
        multiplicative?.scale ?? 1,
        scratch,
        out,
      );
    } finally {
      if (idx) pool.heap.free(idx);
    }
    const o = new Float64Array(pool.memory.buffer, out, 13 + m);
    return {
      value: o[0],
      x: Array.from(o.subarray(1, 7)),
      alpha: o[7],
      beta: o[8],
      gamma: o[9],
      phi: o[10],
      level: o[11],
      trend: o[12],
      season: model.season === 0 ? [] : Array.from(o.subarray(13, 13 + m)),
    };
  });
}

/** The least-squares initial states (level, trend, m seasonal states with an additive season) for given parameters. */
export function etsInitial(
  y: ArrayLike<number>,
  m: number,
  trend: number,
  season: number,
  p: { alpha: number; beta: number; gamma: number; phi: number },
): { level: number; trend: number; season: number[] } {
  const pool = getPool();
  return withBlocks(y, m, 2 + m, (yp, scratch, out) => {
    pool.k.etsInitial(yp, y.length, m, trend, season, p.alpha, p.beta, p.gamma, p.phi, scratch, out);
    const o = new Float64Array(pool.memory.buffer, out, 2 + m);
    return { level: o[0], trend: o[1], season: season === 1 ? Array.from(o.subarray(2, 2 + m)) : [] };
  });
}
