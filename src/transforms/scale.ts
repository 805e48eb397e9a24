import { SCALE_METHODS } from '../config/names.js';
import { columnState, columnsFromJSON, fitColumns, mapColumns, type Transform } from './transform.js';

export type ScaleMethod = (typeof SCALE_METHODS)[number];

/** y = (x - shift) / scale */
export interface ScaleParams {
  shift: number;
  scale: number;
}

/** Fit on indices [0, fitEnd) ignoring NaN. A constant (or empty) range gets scale 1. */
export function fitScale(x: Float64Array, method: ScaleMethod, fitEnd: number): ScaleParams {
  if (method === 'none') return { shift: 0, scale: 1 };
  const end = Math.max(0, Math.min(fitEnd, x.length));
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < end; i++) {
    const v = x[i];
    if (Number.isNaN(v)) continue;
    count++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (count === 0) return { shift: 0, scale: 1 };
  if (method === 'minmax') {
    const range = max - min;
    return { shift: min, scale: range > 0 ? range : 1 };
  }
  const mean = sum / count;
  let ss = 0;
  for (let i = 0; i < end; i++) {
    const v = x[i];
    if (Number.isNaN(v)) continue;
    ss += (v - mean) * (v - mean);
  }
  const std = Math.sqrt(ss / count);
  return { shift: mean, scale: std > 0 ? std : 1 };
}

/** (x - shift) / scale for every value. */
export function scaleForward(x: Float64Array, p: ScaleParams): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - p.shift) / p.scale;
  return out;
}

/** x * scale + shift for every value: undoes scaleForward. */
export function scaleInverse(x: Float64Array, p: ScaleParams): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * p.scale + p.shift;
  return out;
}

/** `scale` / `{scale: method}`: shift and scale fitted per column (method defaults to standard). */
export interface ScaleSpec {
  kind: 'scale';
  method: ScaleMethod;
}

export const scaleTransform: Transform<ScaleSpec, ScaleParams> = {
  kind: 'scale',
  forms: ['scale', `{scale: ${SCALE_METHODS.join('|')}}`],
  usesSteps: false,
  parse: (arg, c, path) => ({ kind: 'scale', method: c.enumOf(arg, path, SCALE_METHODS, 'standard') }),
  fromJSON: (s) => ((SCALE_METHODS as readonly unknown[]).includes(s.method) ? { kind: 'scale', method: s.method as ScaleMethod } : undefined),
  clone: (s) => ({ kind: 'scale', method: s.method }),
  render: (s) => ({ scale: s.method }),
  describe: (s) => `scale ${s.method}`,
  differenceLag: () => 0,
  fit: (s, columns, fitEnd) => fitColumns(columns, (col) => fitScale(col, s.method, fitEnd)),
  forward: (_, col, { column, state }) => scaleForward(col, columnState(state, column, 'scale')),
  inverse: (_, z, { column, state }) => scaleInverse(z, columnState(state, column, 'scale')),
  stateToJSON: (state) => mapColumns(state, (p) => ({ shift: p.shift, scale: p.scale })),
  stateFromJSON: (_, saved) =>
    columnsFromJSON(saved, 'missing scale state', (v, column) => {
      const p = v as ScaleParams | null;
      if (!p || typeof p.shift !== 'number' || typeof p.scale !== 'number') throw new Error(`invalid pipeline JSON: bad scale params for '${column}'`);
      return { shift: p.shift, scale: p.scale };
    }),
};
