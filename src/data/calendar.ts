/**
 * Calendar inputs (data.calendar): what a row's time says about where it falls in the day, the
 * week and the year, known for every future row as well as for the past. Each feature is a phase
 * in [0, 1) given as two inputs, sin(2π phase) and cos(2π phase), so the last hour of the day
 * lies next to the first. Times are UTC, as everywhere in rnnfc.
 * - hour_of_day: (hours + minutes / 60 + seconds / 3600) / 24
 * - day_of_week: the day (Sunday 0 .. Saturday 6) / 7
 * - month_of_year: the month (January 0 .. December 11) / 12
 */
import type { FrequencyUnit, TimeIndex } from '../types.js';
import { isNumericIndex } from './time.js';

export const CALENDAR_FEATURES = ['hour_of_day', 'day_of_week', 'month_of_year'] as const;
export type CalendarFeature = (typeof CALENDAR_FEATURES)[number];

/** The phase of time t (epoch ms, UTC) for one feature, in [0, 1). */
export function calendarPhase(name: CalendarFeature, t: number): number {
  const d = new Date(t);
  switch (name) {
    case 'hour_of_day':
      return (d.getUTCHours() + d.getUTCMinutes() / 60 + d.getUTCSeconds() / 3600 + d.getUTCMilliseconds() / 3_600_000) / 24;
    case 'day_of_week':
      return d.getUTCDay() / 7;
    case 'month_of_year':
      return d.getUTCMonth() / 12;
  }
}

/** Inputs known ahead of consecutive rows (calendar ones: sin, cos per feature; forecast/ahead.ts adds known-future columns): row r's `width` values at values[r * width ..]. */
export interface AheadRows {
  width: number;
  rows: number;
  values: Float32Array;
}

/** The calendar inputs of `names` at each of `times` (two per feature: sin, then cos of 2π phase). */
export function calendarRows(names: readonly CalendarFeature[], times: readonly number[]): AheadRows {
  const width = 2 * names.length;
  const values = new Float32Array(times.length * width);
  times.forEach((t, r) =>
    names.forEach((name, k) => {
      const a = 2 * Math.PI * calendarPhase(name, t);
      values[r * width + 2 * k] = Math.sin(a);
      values[r * width + 2 * k + 1] = Math.cos(a);
    }),
  );
  return { width, rows: times.length, values };
}

/** The grids each feature means something on: hours within a day, days within a week, months within a year. */
const FINE_ENOUGH: Record<CalendarFeature, readonly FrequencyUnit[]> = {
  hour_of_day: ['minute', 'hour'],
  day_of_week: ['minute', 'hour', 'day', 'bday'],
  month_of_year: ['minute', 'hour', 'day', 'bday', 'week', 'month', 'quarter'],
};

const FINE_WORDS: Record<CalendarFeature, string> = {
  hour_of_day: 'minutes or hours',
  day_of_week: 'minutes, hours or days',
  month_of_year: 'at most a quarter',
};

function describeStep(index: TimeIndex): string {
  const { step, unit } = index.frequency;
  return `${step} ${unit}${step === 1 ? '' : 's'}`;
}

/**
 * Why `name` cannot be an input of this series, or null: the index holds no calendar times
 * (integers or row order), the grid is coarser than the feature (hour_of_day of a daily series,
 * day_of_week of a monthly one), or the feature is the same at every row (day_of_week, 7 days apart).
 */
export function calendarProblem(name: CalendarFeature, index: TimeIndex): string | null {
  if (isNumericIndex(index.format))
    return `${name} needs calendar times, but the series is indexed by ${index.format === 'row' ? 'row order' : 'integers'}; leave data.calendar out`;
  // a feature finer than the grid's step says nothing about a row (the weekday a month starts on)
  const unit = index.frequency.unit;
  if (!FINE_ENOUGH[name].includes(unit))
    return `${name} says nothing about rows ${describeStep(index)} apart (it needs rows ${FINE_WORDS[name]} apart); leave it out`;
  const first = index.times.length ? calendarPhase(name, index.times[0]) : 0;
  if (index.times.every((t) => calendarPhase(name, t) === first))
    return `${name} is the same at every row of this series (rows ${describeStep(index)} apart), so it tells the model nothing; leave it out`;
  return null;
}

/**
 * Windows x [n, steps, f] widened to [n, steps, f + width]: step t of window i gets the inputs
 * known ahead of row starts[i] + t after its f inputs. Throws when a row lies outside `cal`.
 */
export function appendAhead(x: Float32Array, n: number, steps: number, f: number, starts: ArrayLike<number>, cal: AheadRows): Float32Array {
  const c = cal.width;
  const out = new Float32Array(n * steps * (f + c));
  for (let i = 0; i < n; i++)
    for (let t = 0; t < steps; t++) {
      const row = starts[i] + t;
      if (!(row >= 0 && row < cal.rows)) throw new Error(`inputs known ahead of row ${row} asked for, but only ${cal.rows} rows are known`);
      const at = (i * steps + t) * (f + c);
      out.set(x.subarray((i * steps + t) * f, (i * steps + t + 1) * f), at);
      out.set(cal.values.subarray(row * c, (row + 1) * c), at + f);
    }
  return out;
}
