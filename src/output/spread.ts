/** Prediction intervals and quantiles as CSV columns. */
import { type Spread, spreadSeries } from '../forecast/intervals.js';
import { formatNumber } from './csv.js';

/**
 * The interval and quantile columns of forecast.csv and predict's output: lower_<level> and
 * upper_<level> for each level, then q<q> for each quantile (q0.1, q0.9).
 */
export function spreadColumns(e: { levels: readonly number[]; quantiles: readonly number[] }): string[] {
  return [...e.levels.flatMap((l) => [`lower_${l}`, `upper_${l}`]), ...e.quantiles.map((q) => `q${q}`)];
}

/** The cells of spreadColumns(e) for step i of a forecast (empty where the forecast has no intervals). */
export function spreadCells(s: Spread, e: { levels: readonly number[]; quantiles: readonly number[] }): (i: number) => string[] {
  const series = spreadSeries(s);
  if (series.length === 0) return () => spreadColumns(e).map(() => '');
  return (i) => series.map(([, x]) => formatNumber(x[i]));
}

/** A forecast step's interval and quantile fields for JSON output (null where a bound is not finite). */
export function spreadFields(s: Spread, i: number): Record<string, number | null> {
  const num = (v: number) => (Number.isFinite(v) ? Number(formatNumber(v)) : null);
  return Object.fromEntries(spreadSeries(s).map(([name, x]) => [name, num(x[i])]));
}
