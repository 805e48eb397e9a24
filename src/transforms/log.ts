import { describe as describeValue } from '../config/checker.js';
import { DataError } from '../errors.js';
import { stateless, type Transform } from './transform.js';

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

/** exp of every value: undoes logForward. */
export function logInverse(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.exp(x[i]);
  return out;
}

/** `log`: the natural log of every value (all must be positive). */
export interface LogSpec {
  kind: 'log';
}

export const logTransform: Transform<LogSpec> = {
  kind: 'log',
  forms: ['log'],
  usesSteps: false,
  parse(arg, c, path) {
    if (arg !== undefined && arg !== true) c.problem(path, `takes no argument, got ${describeValue(arg)}`);
    return { kind: 'log' };
  },
  fromJSON: () => ({ kind: 'log' }),
  clone: () => ({ kind: 'log' }),
  render: () => 'log',
  describe: () => 'log',
  differenceLag: () => 0,
  ...stateless,
  forward: (_, col, { column }) => logForward(column, col),
  inverse: (_, z) => logInverse(z),
};
