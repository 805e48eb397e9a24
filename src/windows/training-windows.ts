/**
 * The training and validation batches of a fit: windows cut from the transformed columns, as
 * typed arrays (no tf). Targets of training windows lie in [start, trainEnd), those of
 * validation windows in [trainEnd, valEnd).
 */
import type { WindowConfig } from '../config/types.js';
import { type AheadRows, appendAhead } from '../data/calendar.js';
import {
  appendStatics,
  encoderDecoderWindows,
  gatherManyToOne,
  gatherOneToOne,
  lastNormScale,
  manyToOneStarts,
  normalizeLast,
  oneToOneChunks,
} from './index-math.js';

/** Training windows and, when the split leaves some, validation windows. */
export interface TrainingWindows {
  /** [n, steps, features] row-major (many-to-many: [n, lookback + horizon, features + 1], encoderDecoderWindows). */
  x: Float32Array;
  /** [n, outputs] (many-to-one) or [n, chunk, 1] (one-to-one), row-major. */
  y: Float32Array;
  /** [n, steps, features] */
  xShape: number[];
  /** [n, outputs] or [n, chunk, 1] */
  yShape: number[];
  /** Validation inputs [nVal, steps, features]; absent when there are no validation windows. */
  xVal?: Float32Array;
  /** Validation targets, shaped as y. */
  yVal?: Float32Array;
  nVal?: number;
  /** The scale of per-window normalisation (window.normalize last), fitted on the training windows. */
  normScale?: number;
}

/** What windowing needs to know: the window config, the first valid row and the split. */
export interface WindowPlan {
  window: Pick<WindowConfig, 'mode' | 'lookback' | 'chunk' | 'normalize'>;
  /** Outputs per window: horizon (direct) or 1 (recursive). */
  outputs: number;
  /** First valid row of the transformed columns (rows lost to differencing). */
  start: number;
  /**
   * data.calendar, data.known_future: the inputs known ahead of every row (forecast/ahead.ts), put
   * after the columns at each step: a step forecasting a row (one-to-one, a many-to-many decoder
   * step, after its own input) gets that row's, any other step its own row's. Absent: none.
   */
  aheadRows?: AheadRows;
  trainEnd: number;
  valEnd: number;
}

/**
 * Cuts the windows a model trains and validates on.
 * @param columns transformed input columns in model order, each [rows]
 * @param target the transformed target column [rows]
 * @param targetPos the target's position among `columns` (-1 when it is not an input)
 */
export function trainingWindows(columns: Float64Array[], target: Float64Array, targetPos: number, plan: WindowPlan): TrainingWindows {
  const { window: w, start, trainEnd, valEnd } = plan;
  const f = columns.length;
  if (w.mode === 'one-to-one') {
    const c = w.chunk;
    const tr = oneToOneChunks({ start, end: trainEnd, chunk: c });
    const g = gatherOneToOne(columns, target, tr, c);
    const out: TrainingWindows = { x: g.x, y: g.y, xShape: [tr.length, c, f], yShape: [tr.length, c, 1] };
    let va: number[] = [];
    if (valEnd > trainEnd) {
      va = oneToOneChunks({ start: Math.max(start, valEnd - c - 1), end: valEnd, chunk: c });
      const gv = gatherOneToOne(columns, target, va, c);
      out.xVal = gv.x;
      out.yVal = gv.y;
      out.nVal = va.length;
    }
    // a one-to-one step forecasts the next row: it gets that row's inputs known ahead
    const next = (starts: number[]) => starts.map((c) => c + 1);
    return plan.aheadRows ? withAhead(out, next(tr), next(va), plan.aheadRows) : out;
  }
  const L = w.lookback,
    H = plan.outputs;
  const tr = manyToOneStarts({ start, end: trainEnd, lookback: L, horizon: H });
  const g = gatherManyToOne(columns, target, tr, L, H);
  const shape = { lookback: L, features: f, horizon: H, targetPos };
  const out: TrainingWindows = { x: g.x, y: g.y, xShape: [tr.length, L, f], yShape: [tr.length, H] };
  if (w.normalize === 'last') {
    out.normScale = lastNormScale(g.x, g.y, { ...shape, n: tr.length });
    normalizeLast(g.x, g.y, { ...shape, n: tr.length }, out.normScale);
  }
  let va: number[] = [];
  if (valEnd > trainEnd) {
    va = manyToOneStarts({ start: Math.max(start, trainEnd - L), end: valEnd, lookback: L, horizon: H });
    if (va.length) {
      const gv = gatherManyToOne(columns, target, va, L, H);
      if (out.normScale !== undefined) normalizeLast(gv.x, gv.y, { ...shape, n: va.length }, out.normScale);
      out.xVal = gv.x;
      out.yVal = gv.y;
      out.nVal = va.length;
    }
  }
  const made = w.mode === 'many-to-many' ? asEncoderDecoder(out, shape) : out;
  return plan.aheadRows ? withAhead(made, tr, va, plan.aheadRows) : made;
}

/** `w` with the inputs known ahead of each step's row after its inputs: window i of x starts at row starts[i], of xVal at valStarts[i]. */
function withAhead(w: TrainingWindows, starts: number[], valStarts: number[], cal: AheadRows): TrainingWindows {
  const [n, steps, f] = w.xShape;
  const out: TrainingWindows = { ...w, x: appendAhead(w.x, n, steps, f, starts, cal), xShape: [n, steps, f + cal.width] };
  if (w.xVal && w.nVal) out.xVal = appendAhead(w.xVal, w.nVal, steps, f, valStarts, cal);
  return out;
}

/** Many-to-one windows as many-to-many ones (encoderDecoderWindows), the decoder fed the actual previous values. */
function asEncoderDecoder(w: TrainingWindows, shape: { lookback: number; features: number; horizon: number; targetPos: number }): TrainingWindows {
  const n = w.xShape[0];
  const out: TrainingWindows = {
    ...w,
    x: encoderDecoderWindows(w.x, w.y, { ...shape, n }),
    xShape: [n, shape.lookback + shape.horizon, shape.features + 1],
  };
  if (w.xVal && w.yVal && w.nVal) out.xVal = encoderDecoderWindows(w.xVal, w.yVal, { ...shape, n: w.nVal });
  return out;
}

/** `w` with a series' static inputs after each step's inputs (training and validation windows alike). */
export function withStatics(w: TrainingWindows, statics: readonly number[]): TrainingWindows {
  if (statics.length === 0) return w;
  const [n, steps, f] = w.xShape;
  const out: TrainingWindows = { ...w, x: appendStatics(w.x, n, steps, f, statics), xShape: [n, steps, f + statics.length] };
  if (w.xVal && w.nVal) out.xVal = appendStatics(w.xVal, w.nVal, steps, f, statics);
  return out;
}
