import { stateless, type Transform } from './transform.js';

/** Lag-L difference keeping the length: out[i] = x[i] - x[i-L], the first L entries NaN. */
export function differenceForward(x: Float64Array, lag: number): Float64Array {
  if (!Number.isInteger(lag) || lag < 1) throw new Error(`difference lag must be a positive integer, got ${lag}`);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = i < lag ? NaN : x[i] - x[i - lag];
  return out;
}

/**
 * Undo a lag-L difference for h future steps: `diffs` are the differenced values right after
 * the end of `history` (the undifferenced series up to the origin, at least `lag` long).
 */
export function differenceInverse(diffs: Float64Array, history: Float64Array, lag: number): Float64Array {
  const n = history.length;
  if (n < lag) throw new Error(`difference inverse needs at least ${lag} history values, got ${n}`);
  const out = new Float64Array(diffs.length);
  for (let t = 0; t < diffs.length; t++) {
    const base = t - lag >= 0 ? out[t - lag] : history[n + t - lag];
    out[t] = diffs[t] + base;
  }
  return out;
}

/** `difference` / `{difference: L}`: lag-L differences (L defaults to 1); the first L rows become NaN. */
export interface DifferenceSpec {
  kind: 'difference';
  lag: number;
}

export const differenceTransform: Transform<DifferenceSpec> = {
  kind: 'difference',
  forms: ['difference', '{difference: N}'],
  usesSteps: false,
  parse: (arg, c, path) => ({ kind: 'difference', lag: c.int(arg, path, 1, 1) }),
  fromJSON: (s) => (Number.isInteger(s.lag) && (s.lag as number) >= 1 ? { kind: 'difference', lag: s.lag as number } : undefined),
  clone: (s) => ({ kind: 'difference', lag: s.lag }),
  render: (s) => ({ difference: s.lag }),
  describe: (s) => `difference ${s.lag}`,
  differenceLag: (s) => s.lag,
  ...stateless,
  fit(s) {
    if (!Number.isInteger(s.lag) || s.lag < 1) throw new Error(`difference lag must be a positive integer, got ${s.lag}`);
    return null;
  },
  forward: (s, col) => differenceForward(col, s.lag),
  inverse: (s, z, { history }) => differenceInverse(z, history, s.lag),
};
