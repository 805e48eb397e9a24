/**
 * Shared shapes of the pure core. Times are numbers: epoch milliseconds (UTC) for calendar
 * indexes, the integer itself for an integer index, the row number when there is no time column.
 */
import type { MISSING_POLICIES } from './config/names.js';

/** Every unit a time index can step in. */
export const FREQUENCY_UNITS = ['minute', 'hour', 'day', 'bday', 'week', 'month', 'quarter', 'year', 'integer', 'row'] as const;
export type FrequencyUnit = (typeof FREQUENCY_UNITS)[number];

/** A regular spacing: `step` units apart (e.g. {unit:'minute', step:30}). */
export interface Frequency {
  unit: FrequencyUnit;
  step: number;
}

/**
 * How timestamps were written, so output can write them the same way:
 * - date: 2000-01-31; month: 2000-01; date-slash: 2000/01/31
 * - quarter: 2000-Q1 (the quarter's first month; also read: 2000-q1); quarter-space: 2000 Q1; quarter-compact: 2000Q1
 * - datetime: 2000-01-31T12:00:00 (no zone: treated as UTC, written without zone)
 * - datetime-z: 2000-01-31T12:00:00Z or with an offset (written in UTC with Z)
 * - integer: 17; row: no time column
 */
export const TIME_FORMATS = ['date', 'month', 'quarter', 'quarter-space', 'quarter-compact', 'date-slash', 'datetime', 'datetime-z', 'integer', 'row'] as const;
export type TimeFormat = (typeof TIME_FORMATS)[number];

export interface TimeIndex {
  format: TimeFormat;
  frequency: Frequency;
  /** One per row, strictly increasing. */
  times: number[];
  /**
   * 'datetime-z' only: the zone offset every input time was written with, in minutes east of UTC
   * (+05:30 is 330), so outputs write times with it; absent: written in UTC with Z (times written
   * with Z, or with several offsets).
   */
  offset?: number;
}

/** A regular series after missing-value handling: every column has times.length values, no NaN. */
export interface Series {
  timeColumn: string | null;
  index: TimeIndex;
  target: string;
  /** Input feature column names (may include the target). */
  features: string[];
  /** Every used column (target and features) by name. */
  columns: Record<string, Float64Array>;
  /**
   * data.known_future: the columns whose future values the file gives (in rows after the target's
   * last value), each the data rows' values followed by those future rows'. Absent: none.
   */
  known?: Record<string, Float64Array>;
  /** What the missing-value policy did (absent when no row lacked a value). */
  gaps?: Gaps;
  /** The file's field delimiter when it is not a comma (';' or a tab). */
  delimiter?: ';' | '\t';
}

/**
 * Rows of the regular time grid that lacked a value in a used column, and what data.missing did
 * with them: filled (interpolate, ffill) or dropped (drop). `absent`: of them, the timestamps the
 * file has no row for at all. `runs`: consecutive stretches, in time order, as written times.
 */
export interface Gaps {
  policy: MissingPolicy;
  rows: number;
  absent: number;
  runs: { from: string; to: string; rows: number }[];
}

export type MissingPolicy = (typeof MISSING_POLICIES)[number];
