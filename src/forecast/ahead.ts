/**
 * Inputs known ahead of time, row by row: the calendar inputs of data.calendar (data/calendar.ts)
 * and the known-future columns of data.known_future (their values in the rows after the target's
 * last value, Series.known), standardised as io.known says. Windows take row r's after their
 * columns at the step of row r (training-windows.ts, forecast.ts).
 */
import { type AheadRows, calendarRows } from '../data/calendar.js';
import { futureTimes } from '../data/time.js';
import { DataError } from '../errors.js';
import type { Series } from '../types.js';
import type { ModelIO } from './forecast.js';

/** The known-future columns as io.known records them: each one's mean and standard deviation over rows [0, end) (sd 1 when 0). */
export function knownScales(names: readonly string[], known: Series['known'], end: number): NonNullable<ModelIO['known']> {
  return names.map((name) => {
    const col = known?.[name];
    if (!col) throw new Error(`internal: the series holds no known-future column ${JSON.stringify(name)}`);
    const rows = Array.from(col.subarray(0, end)).filter(Number.isFinite);
    const mean = rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : 0;
    const sd = rows.length ? Math.sqrt(rows.reduce((a, b) => a + (b - mean) ** 2, 0) / rows.length) : 0;
    return { name, mean, sd: sd > 0 && Number.isFinite(sd) ? sd : 1 };
  });
}

/** How many rows after the series' last the known-future columns reach (the horizon when there are none). */
export function knownAheadRows(io: Pick<ModelIO, 'known'>, series: Pick<Series, 'index' | 'known'>, horizon: number): number {
  const n = series.index.times.length;
  let rows = horizon;
  for (const k of io.known ?? []) rows = Math.min(rows, Math.max(0, (series.known?.[k.name]?.length ?? n) - n));
  return rows;
}

/**
 * The inputs known ahead (io.calendar, io.known) of the series' rows and of up to `horizon` rows
 * after its last, as far as the known-future columns reach (knownAheadRows). Undefined when the
 * model takes none.
 */
export function aheadInputs(io: Pick<ModelIO, 'calendar' | 'known'>, series: Pick<Series, 'index' | 'known'>, horizon: number): AheadRows | undefined {
  const names = io.calendar ?? [];
  const known = io.known ?? [];
  if (!names.length && !known.length) return undefined;
  const n = series.index.times.length;
  const rows = n + knownAheadRows(io, series, horizon);
  const times = rows > n ? [...series.index.times, ...futureTimes(series.index, rows - n)] : series.index.times;
  const cal = calendarRows(names, times);
  const width = cal.width + known.length;
  const values = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    values.set(cal.values.subarray(r * cal.width, (r + 1) * cal.width), r * width);
    known.forEach((k, j) => {
      values[r * width + cal.width + j] = ((series.known?.[k.name]?.[r] ?? Number.NaN) - k.mean) / k.sd;
    });
  }
  return { width, rows, values };
}

/**
 * Throws DataError, before anything trains, unless the known-future columns (data.known_future)
 * reach `horizon` rows past the series' last: the future forecast reads them all.
 */
export function checkKnownAhead(io: Pick<ModelIO, 'known'>, series: Pick<Series, 'index' | 'known' | 'target'>, horizon: number): void {
  if (!io.known?.length) return;
  const rows = knownAheadRows(io, series, horizon);
  if (rows >= horizon) return;
  throw new DataError(
    `data.known_future: the file gives ${io.known.map((k) => k.name).join(', ')} for ${rows} row${rows === 1 ? '' : 's'} after the last value of ` +
      `${JSON.stringify(series.target)}, and forecasting the next ${horizon} needs ${horizon}`,
    `add rows after the last value (their times, the known-future columns, the target left empty), or forecast fewer steps (window.horizon)`,
  );
}
