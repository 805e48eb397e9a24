import type { Series } from '../src/types.js';

/**
 * A monthly series starting 2000-01 from its columns (the first is the target and, like the
 * others, an input).
 */
export function monthlySeries(columns: Record<string, Float64Array>): Series {
  const names = Object.keys(columns);
  const n = columns[names[0]].length;
  return {
    timeColumn: 'month',
    index: { format: 'date', frequency: { unit: 'month', step: 1 }, times: Array.from({ length: n }, (_, i) => Date.UTC(2000, i, 1)) },
    target: names[0],
    features: names,
    columns,
  };
}

/** n values of f(i), i = 0..n-1. */
export function valuesOf(n: number, f: (i: number) => number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => f(i));
}
