import type { Frequency } from '../types.js';

/** The seasonal period a config's evaluation.season gives: itself, or (0) the frequency's default. */
export function evaluationSeason(configured: number, freq: Frequency): number {
  return configured || defaultSeason(freq);
}

/** Seasonal period in steps for a frequency (1 = no seasonality). */
export function defaultSeason(freq: Frequency): number {
  const step = freq.step > 0 ? freq.step : 1;
  const per = (units: number): number => Math.max(1, Math.round(units / step));
  switch (freq.unit) {
    case 'minute':
      return per(1440);
    case 'hour':
      return per(24);
    case 'day':
      return per(7);
    case 'bday':
      return per(5);
    case 'week':
      return per(52);
    case 'month':
      return per(12);
    case 'quarter':
      return per(4);
    case 'year':
    case 'integer':
    case 'row':
    default:
      return 1;
  }
}
