import { seasonalScale } from './interval-scores.js';

type Arr = ArrayLike<number>;

function check(actual: Arr, forecast: Arr): void {
  if (actual.length !== forecast.length) {
    throw new Error(`actual and forecast lengths differ (${actual.length} vs ${forecast.length})`);
  }
}

/** Mean absolute error (NaN when empty). */
export function mae(actual: Arr, forecast: Arr): number {
  check(actual, forecast);
  if (actual.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += Math.abs(actual[i] - forecast[i]);
  return s / actual.length;
}

/** Root mean squared error (NaN when empty). */
export function rmse(actual: Arr, forecast: Arr): number {
  check(actual, forecast);
  if (actual.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += (actual[i] - forecast[i]) ** 2;
  return Math.sqrt(s / actual.length);
}

/** Mean absolute percentage error in percent; zero actuals skipped (NaN if none left). */
export function mape(actual: Arr, forecast: Arr): number {
  check(actual, forecast);
  let s = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === 0) continue;
    s += Math.abs((actual[i] - forecast[i]) / actual[i]);
    n++;
  }
  return n === 0 ? NaN : (100 * s) / n;
}

/** Symmetric MAPE in percent: mean of 200|y-f|/(|y|+|f|), with 0/0 counted as 0. */
export function smape(actual: Arr, forecast: Arr): number {
  check(actual, forecast);
  if (actual.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]) + Math.abs(forecast[i]);
    if (d === 0) continue;
    s += (200 * Math.abs(actual[i] - forecast[i])) / d;
  }
  return s / actual.length;
}

/**
 * Mean absolute scaled error: mae / mean over the training values of |y[t] - y[t-m]|
 * (m < 1 treated as 1). Scale 0 gives Infinity (or NaN when the error is also 0);
 * a training series not longer than m gives NaN.
 */
export function mase(actual: Arr, forecast: Arr, train: Arr, m: number): number {
  return mae(actual, forecast) / seasonalScale(train, m);
}

export interface Scores {
  mae: number;
  rmse: number;
  mape: number;
  smape: number;
  mase: number;
}

export function scoreAll(actual: Arr, forecast: Arr, train: Arr, m: number): Scores {
  return {
    mae: mae(actual, forecast),
    rmse: rmse(actual, forecast),
    mape: mape(actual, forecast),
    smape: smape(actual, forecast),
    mase: mase(actual, forecast, train, m),
  };
}
