/**
 * Parses one series from CSV text: time column detection, ordering checks, regular grid with
 * inserted missing timestamps, numeric parsing and the missing-value policy. No file system here:
 * src/io/input-file.ts reads the file and hands its text over.
 */
import { parse } from 'csv-parse/sync';
import { DataError } from '../errors.js';
import type { Frequency, Gaps, MissingPolicy, Series, TimeFormat, TimeIndex } from '../types.js';
import { excerpt, quote } from './excerpt.js';
import { formatTime, futureTimes, inferFrequency, parseTimeValue, regularize, timeParser } from './time.js';

export interface ParseSeriesOptions {
  /** The file name messages speak of (`data.csv:3: ...`). */
  source: string;
  /** null: no time column; undefined: auto-detect (first column when every value is a time). */
  timeColumn?: string | null;
  target: string;
  /** Input feature columns; default [target]. */
  features?: string[];
  missing: MissingPolicy;
  /** The field delimiter (data.delimiter); absent: detected from the header line (detectDelimiter). */
  delimiter?: Delimiter;
  /** How the time cells are written (data.time_format, e.g. `%m/%d/%Y`); absent: the spellings parseTimeValue knows. */
  timeFormat?: string;
  /**
   * When every value read must be positive: a value <= 0 is then refused naming its line and
   * column, with `reason` (`the log transform needs values > 0`) and `hint`.
   */
  positive?: { reason: string; hint?: string };
  /**
   * data.known_future: columns whose future values are known. Rows after the target's last value
   * give their values ahead (Series.known); those rows must continue the time grid.
   */
  knownFuture?: string[];
}

/** The field delimiters rnnfc reads: comma, semicolon, tab. */
export const DELIMITERS = [',', ';', '\t'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/** A delimiter as messages and config.yaml write it. */
export function delimiterText(d: Delimiter): string {
  return d === '\t' ? 'tab' : `'${d}'`;
}

/**
 * The delimiter of CSV text: the one of DELIMITERS that occurs most often in its header line
 * outside double quotes; a comma when none does (one column) or on a tie.
 */
export function detectDelimiter(text: string): Delimiter {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  // blank lines before the header are skipped, as the parser skips them
  let i = start;
  while (i < text.length && (text[i] === '\n' || text[i] === '\r')) i++;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best: Delimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

export interface Table {
  /** The field delimiter the text was read with. */
  delimiter: Delimiter;
  header: string[];
  rows: string[][];
  /** CSV line number of each data row (header = line 1). */
  lines: number[];
}

export function parseTable(source: string, text: string, maxRows?: number, delimiter: Delimiter = detectDelimiter(text)): Table {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      delimiter,
      info: true,
      trim: true,
      skip_empty_lines: true,
      ...(maxRows !== undefined ? { to: maxRows + 1 } : {}),
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new DataError(`${source}:${err.lines ?? '?'}: malformed CSV: ${csvProblem(err.message)}`);
  }
  if (records.length === 0) throw new DataError(`${source}: empty file: expected a header row and data rows`);
  const header = records[0].record;
  const seen = new Map<string, number>();
  header.forEach((h, i) => {
    if (h === '') throw new DataError(`${source}:1: column ${i + 1} has an empty name; give every column a header`);
    if (seen.has(h)) throw new DataError(`${source}:1: duplicate column name ${quote(h)}`);
    seen.set(h, i);
  });
  const data = records.slice(1);
  return { delimiter, header, rows: data.map((r) => r.record), lines: data.map((r) => r.info.lines) };
}

/** csv-parse's message, with the field value some of them end with cut to an excerpt. */
function csvProblem(message: string): string {
  const m = /^([\s\S]*?), value is "([\s\S]*)"$/.exec(message);
  const text = m ? `${m[1]}, value is ${quote(m[2])}` : message;
  return excerpt(text.replace(/\s+/g, ' ').trim(), 300);
}

/** At most this many column names are listed in a message. */
const MAX_COLUMNS_LISTED = 30;

/**
 * True when the table looks like a CSV file of a series: some column holds only numbers or time
 * values in its first rows. Only then does a message list its header as "available columns", so
 * that a path to some other file (a config's data.path of /etc/shadow) does not print its first line.
 */
function looksLikeSeries(table: Table): boolean {
  const rows = table.rows.slice(0, 50);
  if (rows.length === 0) return false;
  return table.header.some((_, j) => {
    const cells = rows.map((r) => r[j]).filter((c) => c !== undefined && !MISSING_TOKENS.has(c));
    return cells.length > 0 && cells.every((c) => NUMBER_RE.test(c) || parseTimeValue(c) !== null);
  });
}

/** `"a", "b", "c"` for a message, at most MAX_COLUMNS_LISTED of them. */
function columnList(header: string[]): string {
  const shown = header.slice(0, MAX_COLUMNS_LISTED).map((h) => quote(h));
  return shown.join(', ') + (header.length > MAX_COLUMNS_LISTED ? ` and ${header.length - MAX_COLUMNS_LISTED} more` : '');
}

/**
 * Column names and the first 50 data rows of CSV text (for the config generator).
 * `source` names the file in messages.
 */
export function parseHeader(text: string, source: string, delimiter?: Delimiter): { columns: string[]; rows: string[][]; delimiter: Delimiter } {
  const table = parseTable(source, text, 50, delimiter);
  return { columns: table.header, rows: table.rows.slice(0, 50), delimiter: table.delimiter };
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A value cell's number: refused (naming `where()`, the line and column) when it is not a number or too large to be finite. */
function finiteNumber(cell: string, where: () => string): number {
  if (!NUMBER_RE.test(cell)) throw new DataError(`${where()}: ${quote(cell)} is not a number`);
  const v = Number(cell);
  if (!Number.isFinite(v)) throw new DataError(`${where()}: ${quote(cell)} is too large for a number (it would be infinite); use a value within ±1.7e308`);
  return v;
}

/** Cells that look like a date in some spelling: digits in two or three groups split by / . or - (01/31/2000, 31.01.2000), when not a number (1.5). */
const DATE_LIKE = /^\d{1,4}[/.-]\d{1,2}([/.-]\d{1,4})?([ T]\d{1,2}:\d{2}(:\d{2})?)?$/;
export const MISSING_TOKENS = new Set(['', 'NA', 'NaN', 'nan', 'null', 'NULL']);

/**
 * The series in CSV text: the target and feature columns on a regular time grid, gaps filled or
 * refused as `missing` says. Every message starts with `source` (and the line, where there is one).
 */
export function parseSeries(text: string, opts: ParseSeriesOptions): Series {
  const table = parseTable(opts.source, text, undefined, opts.delimiter);
  if (table.rows.length === 0) throw new DataError(`${opts.source}: no data rows (only a header)`);
  const series = seriesFromTable(table, opts);
  return table.delimiter === ',' ? series : { ...series, delimiter: table.delimiter };
}

/** What a panel passes for one of its series: its name for messages, row order, the panel's frequency. */
export interface SeriesPartOptions {
  /** The series' key as messages show it (`sales.csv:17 (series "A1"): ...`). */
  series?: string;
  /** Sort the rows by time first (a panel's rows of one series may be interleaved with others'). */
  sortByTime?: boolean;
  /** The frequency to use instead of inferring one from this series' rows. */
  frequency?: Frequency;
  /** Time cells already parsed (a panel's series share their times): read and filled here. */
  timeCache?: Map<string, ReturnType<typeof parseTimeValue>>;
}

const NO_CACHE: Map<string, ReturnType<typeof parseTimeValue>> = new Map();

/** The series in a parsed table (or a panel's rows of one series); see parseSeries. */
export function seriesFromTable(table: Table, opts: ParseSeriesOptions & SeriesPartOptions): Series {
  const { source, target, missing } = opts;
  const { header } = table;
  let { rows, lines } = table;
  const tag = opts.series === undefined ? '' : ` (series ${quote(opts.series)})`;
  const src = source + tag;
  const at = (line: number) => `${source}:${line}${tag}`;
  const times_ = opts.timeCache ?? NO_CACHE;
  const parseTime = opts.timeFormat !== undefined ? timeParser(opts.timeFormat) : parseTimeValue;

  const features = opts.features?.length ? [...opts.features] : [target];
  const knownNames = opts.knownFuture ?? [];
  const used = [target, ...features.filter((f) => f !== target), ...knownNames];
  const colIndex = (name: string, role: string): number => {
    const i = header.indexOf(name);
    if (i < 0) {
      if (!looksLikeSeries(table)) {
        throw new DataError(
          `${source}: no ${role} column ${quote(name)}, and the file does not look like a CSV file of a series (no column of numbers or times)`,
          'check the data path',
        );
      }
      throw new DataError(`${source}: no ${role} column ${quote(name)}; available columns: ${columnList(header)}`);
    }
    return i;
  };
  colIndex(target, 'target');
  for (const f of features) colIndex(f, 'feature');
  for (const f of knownNames) colIndex(f, 'known-future');

  // ---- time column
  let timeColumn: string | null = null;
  if (opts.timeColumn === undefined) {
    const first = header[0];
    // with data.time_format the first column is the times it describes (cells that do not fit are reported)
    if (!used.includes(first) && opts.timeFormat !== undefined) timeColumn = first;
    else if (!used.includes(first) && rows.some((r) => r[0] !== '') && rows.every((r) => r[0] === '' || parseTime(r[0]) !== null)) {
      timeColumn = first;
    } else if (!used.includes(first) && opts.timeFormat === undefined) {
      // a first column of dates in a spelling rnnfc cannot read is an error, not row order in silence
      const dateLike = (c: string) => DATE_LIKE.test(c) && !NUMBER_RE.test(c);
      const i = rows.findIndex((r) => dateLike(r[0] ?? '') && parseTime(r[0]) === null);
      if (i >= 0 && rows.every((r) => r[0] === '' || dateLike(r[0]) || parseTime(r[0]) !== null))
        throw new DataError(
          `${at(lines[i])}: column ${quote(first)} looks like dates, but ${quote(rows[i][0])} is not a spelling rnnfc reads by itself`,
          'set data.time_format (--time-format), e.g. "%m/%d/%Y" or "%d.%m.%Y", or --time-column none to use row order',
        );
    }
  } else if (opts.timeColumn !== null) {
    colIndex(opts.timeColumn, 'time');
    if (used.includes(opts.timeColumn)) {
      throw new DataError(`${src}: column ${quote(opts.timeColumn)} cannot be both the time column and a value column`);
    }
    timeColumn = opts.timeColumn;
  }

  let format: TimeFormat = 'row';
  let offset: number | undefined;
  let times: number[];
  if (timeColumn === null) {
    times = rows.map((_, i) => i);
  } else {
    const ti = header.indexOf(timeColumn);
    times = [];
    rows.forEach((r, i) => {
      const cell = r[ti];
      if (cell === '') {
        throw new DataError(`${at(lines[i])}: column ${quote(timeColumn!)}: empty time value; fill it in or remove the row`);
      }
      const p = times_.get(cell) ?? parseTime(cell);
      if (p && opts.timeCache) opts.timeCache.set(cell, p);
      if (!p) {
        if (opts.timeFormat !== undefined)
          throw new DataError(
            `${at(lines[i])}: column ${quote(timeColumn!)}: ${quote(cell)} is not a time written as data.time_format ${quote(opts.timeFormat)}`,
          );
        throw new DataError(
          `${at(lines[i])}: column ${quote(timeColumn!)}: cannot parse ${quote(cell)} as a date`,
          'time values may be dates (2000-01-31 or 2000/01/31), months (2000-01), quarters (2000-Q1, 2000 Q1, 2000Q1), ISO date-times (2000-01-31T12:00:00Z) or integers; ' +
            'for other spellings set data.time_format (--time-format), e.g. "%m/%d/%Y" or "%d.%m.%Y %H:%M"',
        );
      }
      // one zone offset in every row is kept for the outputs; Z, or several offsets (daylight saving), are not
      if (i === 0) offset = p.offset;
      else if (offset !== p.offset) offset = undefined;
      if (i === 0) format = p.format;
      else if (p.format !== format) {
        throw new DataError(
          `${at(lines[i])}: column ${quote(timeColumn!)}: ${quote(cell)} is written as ${p.format}, but earlier rows are ${format}; use one time format`,
        );
      }
      times.push(p.t);
    });
    if (opts.sortByTime) {
      // stable: rows of one instant keep their file order, so duplicates are reported in it
      const order = times.map((_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
      const sorted = times;
      times = order.map((i) => sorted[i]);
      rows = order.map((i) => rows[i]);
      lines = order.map((i) => lines[i]);
    }
    for (let i = 1; i < times.length; i++) {
      if (times[i] === times[i - 1]) {
        throw new DataError(`${src}: duplicate timestamp ${formatTime(times[i], format, offset)} at lines ${lines[i - 1]} and ${lines[i]}; remove one of them`);
      }
      if (times[i] < times[i - 1]) {
        throw new DataError(
          `${src}: rows out of time order at lines ${lines[i - 1]} and ${lines[i]} (${formatTime(times[i - 1], format, offset)} then ${formatTime(times[i], format, offset)}); sort the file by ${quote(timeColumn!)} in increasing order`,
        );
      }
    }
  }

  // ---- data.known_future: the rows after the target's last value give the known columns' future
  const ahead: { times: number[]; lines: number[]; values: Record<string, number[]> } = { times: [], lines: [], values: {} };
  if (knownNames.length) {
    const ti = header.indexOf(target);
    let last = rows.length - 1;
    while (last >= 0 && MISSING_TOKENS.has(rows[last][ti])) last--;
    if (last < 0) throw new DataError(`${src}: column ${quote(target)} has no numeric values`);
    for (const name of knownNames) {
      const ci = header.indexOf(name);
      ahead.values[name] = rows.slice(last + 1).map((r, j) => {
        const cell = r[ci];
        const where = `${at(lines[last + 1 + j])}: column ${quote(name)}`;
        if (MISSING_TOKENS.has(cell))
          throw new DataError(
            `${where}: no value in a row after the last value of ${quote(target)}; such rows give the future of data.known_future, and need each of its columns`,
            'fill it in, or remove the rows after the last value of the target',
          );
        return finiteNumber(cell, () => where);
      });
    }
    ahead.times = times.slice(last + 1);
    ahead.lines = lines.slice(last + 1);
    rows = rows.slice(0, last + 1);
    lines = lines.slice(0, last + 1);
    times = times.slice(0, last + 1);
  }

  // ---- numeric values
  const raw: Record<string, Float64Array> = {};
  for (const name of used) {
    const ci = header.indexOf(name);
    const col = new Float64Array(rows.length);
    rows.forEach((r, i) => {
      const cell = r[ci];
      const where = () => `${at(lines[i])}: column ${quote(name)}`;
      if (MISSING_TOKENS.has(cell)) col[i] = NaN;
      else {
        const v = finiteNumber(cell, where);
        if (opts.positive && v <= 0 && !knownNames.includes(name)) {
          throw new DataError(`${where()}: ${quote(cell)} is not positive; ${opts.positive.reason}`, opts.positive.hint);
        }
        col[i] = v;
      }
    });
    raw[name] = col;
  }

  // ---- regular grid
  const frequency: Frequency = opts.frequency ?? inferFrequency(times, format);
  const grid = regularize(times, frequency, { lines, format, source: src });
  const size = grid.times.length;
  const columns: Record<string, Float64Array> = {};
  for (const name of used) {
    const col = new Float64Array(size).fill(NaN);
    grid.position.forEach((k, i) => (col[k] = raw[name][i]));
    columns[name] = col;
  }
  const lineAt: (number | undefined)[] = new Array(size).fill(undefined);
  grid.position.forEach((k, i) => (lineAt[k] = lines[i]));

  // ---- missing values
  const rowMissing = (k: number) => used.some((name) => Number.isNaN(columns[name][k]));
  for (const name of used) {
    if (columns[name].every((v) => Number.isNaN(v))) {
      throw new DataError(`${src}: column ${quote(name)} has no numeric values`);
    }
  }
  let outTimes = grid.times;
  // what the policy acts on, for check and train to report
  const runs: Gaps['runs'] = [];
  let gapRows = 0,
    absent = 0;
  for (let k = 0; k < size; k++) {
    if (!rowMissing(k)) continue;
    gapRows++;
    if (lineAt[k] === undefined) absent++;
    const when = timeColumn === null ? `row ${k + 1}` : formatTime(grid.times[k], format, offset);
    const last = runs[runs.length - 1];
    if (last && k > 0 && rowMissing(k - 1)) {
      last.to = when;
      last.rows++;
    } else runs.push({ from: when, to: when, rows: 1 });
  }
  if (missing === 'error') {
    const bad: string[] = [];
    let count = 0;
    for (let k = 0; k < size; k++) {
      if (!rowMissing(k)) continue;
      count++;
      if (bad.length < 5) {
        const line = lineAt[k];
        const when = timeColumn === null ? '' : formatTime(grid.times[k], format, offset);
        bad.push(line === undefined ? `${when} (no row)` : `line ${line}${when ? ` (${when})` : ''}`);
      }
    }
    if (count > 0) {
      throw new DataError(
        `${src}: ${count} missing value${count > 1 ? 's' : ''} at ${bad.join(', ')}${count > 5 ? ` and ${count - 5} more` : ''}; use missing: interpolate, ffill or drop`,
      );
    }
  } else if (missing === 'drop') {
    const keep: number[] = [];
    for (let k = 0; k < size; k++) if (!rowMissing(k)) keep.push(k);
    if (keep.length === 0) throw new DataError(`${src}: every row has a missing value; nothing left after missing: drop`);
    outTimes = keep.map((k) => grid.times[k]);
    for (const name of used) columns[name] = Float64Array.from(keep, (k) => columns[name][k]);
  } else {
    for (const name of used) {
      if (missing === 'interpolate') interpolate(columns[name]);
      else if (missing === 'ffill') forwardFill(columns[name]);
      else throw new DataError(`unknown missing policy "${missing as string}"; use interpolate, ffill, drop or error`);
    }
  }

  const index: TimeIndex = { format, frequency, times: outTimes, ...((format as TimeFormat) === 'datetime-z' && offset !== undefined ? { offset } : {}) };
  let known: Record<string, Float64Array> | undefined;
  if (knownNames.length) {
    // the future rows continue the grid, step by step from the last value
    const expected = ahead.times.length ? futureTimes(index, ahead.times.length) : [];
    const off = ahead.times.findIndex((t, j) => t !== expected[j]);
    if (off >= 0)
      throw new DataError(
        `${at(ahead.lines[off])}: ${timeColumn === null ? `row ${outTimes.length + off + 1}` : formatTime(ahead.times[off], format, offset)} does not continue the series' time grid ` +
          `(expected ${timeColumn === null ? 'the next row' : formatTime(expected[off], format, offset)}); the rows after the last value of ${quote(target)} give the known future step by step`,
      );
    known = {};
    for (const name of knownNames) {
      known[name] = Float64Array.from([...columns[name], ...ahead.values[name]]);
      delete columns[name];
    }
  }

  return {
    timeColumn,
    index,
    target,
    features,
    columns,
    ...(known ? { known } : {}),
    ...(gapRows > 0 ? { gaps: { policy: missing, rows: gapRows, absent, runs } } : {}),
  };
}

/**
 * One line on what data.missing did, for check and train: `filled 7 rows with missing values
 * (6 of them absent from the file) by linear interpolation
 * (data.missing interpolate); 2 runs from 2001-09-01 to 2003-05-01, the longest 6 rows
 * (2001-09-01 .. 2002-02-01)`. Null when nothing was missing.
 */
export function gapsText(gaps: Gaps | undefined): string | null {
  if (!gaps) return null;
  const how = gaps.policy === 'drop' ? 'dropped' : 'filled';
  const by = gaps.policy === 'interpolate' ? ' by linear interpolation' : gaps.policy === 'ffill' ? ' by carrying the last value forward' : '';
  const plural = (n: number) => `${n} row${n === 1 ? '' : 's'}`;
  const what =
    gaps.absent === gaps.rows ? 'absent from the file' : `with missing values${gaps.absent > 0 ? ` (${gaps.absent} of them absent from the file)` : ''}`;
  const span = (r: Gaps['runs'][number]) => (r.rows === 1 ? r.from : `${r.from} .. ${r.to}`);
  const longest = gaps.runs.reduce((a, r) => (r.rows > a.rows ? r : a), gaps.runs[0]);
  const [first, last] = [gaps.runs[0], gaps.runs[gaps.runs.length - 1]];
  const where =
    gaps.runs.length === 1
      ? `: ${span(longest)}`
      : `; ${gaps.runs.length} runs from ${first.from} to ${last.to}, the longest ${plural(longest.rows)} (${span(longest)})`;
  return `${how} ${plural(gaps.rows)} ${what}${by} (data.missing ${gaps.policy})${where}`;
}

/** Linear interpolation between neighbours; leading/trailing gaps take the nearest value. In place. */
export function interpolate(col: Float64Array): Float64Array {
  const n = col.length;
  let prev = -1;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(col[i])) continue;
    if (prev === -1) {
      for (let j = 0; j < i; j++) col[j] = col[i];
    } else if (i - prev > 1) {
      const a = col[prev];
      const b = col[i];
      for (let j = prev + 1; j < i; j++) col[j] = a + ((b - a) * (j - prev)) / (i - prev);
    }
    prev = i;
  }
  if (prev >= 0) for (let j = prev + 1; j < n; j++) col[j] = col[prev];
  return col;
}

/** Forward fill; a leading gap is filled backward from the first value. In place. */
export function forwardFill(col: Float64Array): Float64Array {
  const n = col.length;
  let first = -1;
  for (let i = 0; i < n; i++) {
    if (!Number.isNaN(col[i])) {
      first = i;
      break;
    }
  }
  if (first < 0) return col;
  for (let j = 0; j < first; j++) col[j] = col[first];
  for (let i = first + 1; i < n; i++) if (Number.isNaN(col[i])) col[i] = col[i - 1];
  return col;
}
