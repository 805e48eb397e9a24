/**
 * Additive seasonal indices by classical decomposition (apply after `log` for a multiplicative
 * season): a centred moving average of length m (2 x m when m is even) estimates the trend,
 * the index of phase p is the mean of (x - trend) over the rows with i mod m = p, and the
 * indices are shifted to sum to zero. The phase of a row is its step number (its position on the
 * time grid counted from a fixed origin, see stepNumber in data/time.ts) mod m, so a file that
 * starts at another point of the season still lines up with the fitted indices; without step
 * numbers the phase is the row number.
 */

import { columnState, columnsFromJSON, fitColumns, mapColumns, type Transform } from './transform.js';

/** Phase in [0, m) of row i: steps[i] mod m, or i mod m without step numbers. */
function phaseOf(steps: ArrayLike<number> | undefined, i: number, m: number): number {
  const s = steps ? steps[i] : i;
  return ((s % m) + m) % m;
}

/**
 * The centred moving average of length m (2 x m when m is even: the two end rows weigh a half) at
 * row i, from rows [i - floor(m/2), i + floor(m/2)]; NaN when one of them is not finite.
 */
export function centredMovingAverage(x: ArrayLike<number>, i: number, m: number): number {
  const half = Math.floor(m / 2);
  const even = m % 2 === 0;
  let s = 0;
  for (let j = -half; j <= half; j++) {
    const v = x[i + j];
    if (!Number.isFinite(v)) return Number.NaN;
    s += even && (j === -half || j === half) ? 0.5 * v : v;
  }
  return s / m;
}

/**
 * Fit m seasonal indices (index p for phase p) on rows [0, fitEnd) (NaN ignored). Too few rows for
 * the moving average: phase means about the overall mean.
 */
export function fitSeasonalIndex(x: Float64Array, period: number, fitEnd: number, steps?: ArrayLike<number>): number[] {
  const m = period;
  if (!Number.isInteger(m) || m < 2) throw new Error(`deseasonalize period must be an integer >= 2, got ${m}`);
  const end = Math.max(0, Math.min(fitEnd, x.length));
  const half = Math.floor(m / 2);
  const sum = new Float64Array(m);
  const count = new Float64Array(m);
  // centred moving average at i needs rows [i - half, i + half]
  for (let i = half; i + half < end; i++) {
    const trend = centredMovingAverage(x, i, m);
    if (!Number.isFinite(trend) || !Number.isFinite(x[i])) continue;
    const p = phaseOf(steps, i, m);
    sum[p] += x[i] - trend;
    count[p]++;
  }
  if (count.some((c) => c === 0)) {
    // not enough rows for every phase: plain phase means about the overall mean
    sum.fill(0);
    count.fill(0);
    let total = 0,
      n = 0;
    for (let i = 0; i < end; i++)
      if (Number.isFinite(x[i])) {
        total += x[i];
        n++;
      }
    const mean = n ? total / n : 0;
    for (let i = 0; i < end; i++) {
      if (!Number.isFinite(x[i])) continue;
      const p = phaseOf(steps, i, m);
      sum[p] += x[i] - mean;
      count[p]++;
    }
  }
  const idx = Array.from(sum, (s, p) => (count[p] ? s / count[p] : 0));
  const mean = idx.reduce((a, b) => a + b, 0) / m;
  return idx.map((v) => v - mean);
}

/** x[i] minus the index of row i's phase (steps: the rows' step numbers; default: row numbers). */
export function deseasonalizeForward(x: Float64Array, index: readonly number[], steps?: ArrayLike<number>): Float64Array {
  const m = index.length;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] - index[phaseOf(steps, i, m)];
  return out;
}

/** Undo deseasonalizeForward for values whose step numbers are `steps`. */
export function deseasonalizeInverse(z: Float64Array, index: readonly number[], steps: ArrayLike<number>): Float64Array {
  const m = index.length;
  const out = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) out[i] = z[i] + index[phaseOf(steps, i, m)];
  return out;
}

/** `{deseasonalize: m}`: subtract seasonal indices of period m (>= 2), fitted per column. */
export interface DeseasonalizeSpec {
  kind: 'deseasonalize';
  period: number;
}

export const deseasonalizeTransform: Transform<DeseasonalizeSpec, number[]> = {
  kind: 'deseasonalize',
  forms: ['{deseasonalize: M}'],
  usesSteps: true,
  parse(arg, c, path) {
    if (arg === undefined) {
      c.problem(path, 'needs the seasonal period, e.g. {deseasonalize: 12}');
      return undefined;
    }
    return { kind: 'deseasonalize', period: c.int(arg, path, 2, 2) };
  },
  fromJSON: (s) => (Number.isInteger(s.period) && (s.period as number) >= 2 ? { kind: 'deseasonalize', period: s.period as number } : undefined),
  clone: (s) => ({ kind: 'deseasonalize', period: s.period }),
  render: (s) => ({ deseasonalize: s.period }),
  describe: (s) => `deseasonalize ${s.period}`,
  differenceLag: () => 0,
  fit: (s, columns, fitEnd, steps) => fitColumns(columns, (col) => fitSeasonalIndex(col, s.period, fitEnd, steps)),
  forward: (_, col, { column, state, steps }) => deseasonalizeForward(col, columnState(state, column, 'seasonal indices'), steps),
  inverse: (_, z, { column, state, steps }) => deseasonalizeInverse(z, columnState(state, column, 'seasonal indices'), steps),
  stateToJSON: (state) => mapColumns(state, (index) => [...index]),
  stateFromJSON: (s, saved) =>
    columnsFromJSON(saved, 'missing seasonal indices', (v, column) => {
      if (!Array.isArray(v) || v.length !== s.period || !v.every((e) => typeof e === 'number' && Number.isFinite(e))) {
        throw new Error(`invalid pipeline JSON: bad seasonal indices for '${column}'`);
      }
      return [...v] as number[];
    }),
};
