/**
 * Shared shapes of the pure core. Times are numbers: epoch milliseconds (UTC) for calendar
 * indexes, the integer itself for an integer index, the row number when there is no time column.
 */
import type { MISSING_POLICIES } from './config/names.js';

export type FrequencyUnit =
  | 'minute' | 'hour' | 'day' | 'bday' | 'week' | 'month' | 'quarter' | 'year'
  | 'integer' | 'row';

/** A regular spacing: `step` units apart (e.g. {unit:'minute', step:30}). */
export interface Frequency {
  unit: FrequencyUnit;
  step: number;
}

/** How timestamps were written, so output can write them the same way. */
export type TimeFormat =
  | 'date'          // 2000-01-31
  | 'month'         // 2000-01
  | 'quarter'       // 2000-Q1 (the quarter's first month; also read: 2000-q1)
  | 'quarter-space' // 2000 Q1
  | 'quarter-compact' // 2000Q1
  | 'date-slash'    // 2000/01/31
  | 'datetime'      // 2000-01-31T12:00:00 (no zone: treated as UTC, written without zone)
  | 'datetime-z'    // 2000-01-31T12:00:00Z or with an offset (written in UTC with Z)
  | 'integer'       // 17
  | 'row';          // no time column

export interface TimeIndex {
  format: TimeFormat;
  frequency: Frequency;
  /** One per row, strictly increasing. */
  times: number[];
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
}

export type MissingPolicy = (typeof MISSING_POLICIES)[number];
