import { DataError } from '../errors.js';

/** Natural log of every value (NaN stays NaN). Throws DataError if any value is <= 0. */
export function logForward(name: string, x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v <= 0) {
      throw new DataError(
        `column '${name}' has a value <= 0 (${v} at row ${i}); the log transform needs positive values`,
        `remove 'log' from transforms (or shift the data so it is positive)`,
      );
    }
    out[i] = Math.log(v);
  }
  return out;
}

export function logInverse(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.exp(x[i]);
  return out;
}
