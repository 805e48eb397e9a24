import type { SCALE_METHODS } from '../config/names.js';

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

export function scaleForward(x: Float64Array, p: ScaleParams): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - p.shift) / p.scale;
  return out;
}

export function scaleInverse(x: Float64Array, p: ScaleParams): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * p.scale + p.shift;
  return out;
}
