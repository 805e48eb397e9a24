import type { WindowConfig } from '../config/types.js';
import type { Predict } from '../model/predictor.js';

/** What a saved model needs to be fed: window geometry and column order. */
export interface ModelIO {
  mode: WindowConfig['mode'];
  strategy: WindowConfig['strategy'];
  lookback: number;
  horizon: number;
  /** Outputs per prediction: horizon (direct) or 1 (recursive, one-to-one). */
  outputs: number;
  /** Input columns in model order. */
  features: string[];
  target: string;
  /** First valid index of transformed columns (rows before it are NaN after differencing). */
  offset: number;
  /** one-to-one: how many rows of history run through the network before forecasting. */
  warmup: number;
}

/**
 * Forecasts `steps` values in transformed space from `origin` (the first row not seen).
 * Inputs are the transformed columns up to `origin`; predictions are fed back as the target
 * when more steps are needed than one model call gives (only possible when the target is the
 * only input, which callers check). `predict` runs the model once (see openPredictor).
 * @returns Float64Array [steps]
 */
export function forecastTransformed(
  predict: Predict,
  io: ModelIO,
  columns: Record<string, Float64Array>,
  origin: number,
  steps: number,
): Float64Array {
  const nf = io.features.length;
  // a growing copy of each input column, so fed-back predictions extend the history
  const hist = io.features.map((f) => Array.from(columns[f].subarray(0, origin)));
  const targetPos = io.features.indexOf(io.target);
  const out: number[] = [];
  while (out.length < steps) {
    let preds: number[];
    const len = hist[0].length;
    if (io.mode === 'one-to-one') {
      const start = Math.max(io.offset, len - io.warmup);
      const T = len - start;
      const x = new Float32Array(T * nf);
      for (let t = 0; t < T; t++) for (let j = 0; j < nf; j++) x[t * nf + j] = hist[j][start + t];
      const y = predict(x, 1, T, nf);
      preds = [y[y.length - 1]];
    } else {
      const L = io.lookback;
      const x = new Float32Array(L * nf);
      for (let t = 0; t < L; t++) for (let j = 0; j < nf; j++) x[t * nf + j] = hist[j][len - L + t];
      const y = predict(x, 1, L, nf);
      preds = Array.from(y);
    }
    for (const p of preds) {
      if (out.length >= steps) break;
      out.push(p);
      for (let j = 0; j < nf; j++) hist[j].push(j === targetPos ? p : NaN);
    }
  }
  return Float64Array.from(out);
}

/** True when forecasting `steps` ahead needs predictions fed back as inputs. */
export function needsFeedback(io: ModelIO, steps: number): boolean {
  return steps > io.outputs;
}
