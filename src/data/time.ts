/**
 * Time values: parsing, formatting, frequency inference, calendar arithmetic and
 * regular-grid checks. Pure functions; times are epoch ms (UTC) for calendar formats,
 * the integer itself for 'integer', the row number for 'row'.
 */
import { DataError } from '../errors.js';
import type { Frequency, TimeFormat, TimeIndex } from '../types.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

const RE_INT = /^[+-]?\d+$/;
const RE_MONTH = /^(\d{4})-(\d{2})$/;
const RE_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const RE_DATE_SLASH = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/;
/** Year and quarter: 2000-Q1, 2000 Q1 or 2000Q1 (q in either case). */
const RE_QUARTER = /^(\d{4})([- ]?)[Qq]([1-4])$/;
const QUARTER_FORMAT: Record<string, TimeFormat> = { '-': 'quarter', ' ': 'quarter-space', '': 'quarter-compact' };
const RE_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|z|[+-]\d{2}:?\d{2})?$/;

function daysInMonth(y: number, m0: number): number {
  return new Date(Date.UTC(y, m0 + 1, 0)).getUTCDate();
}

/** Builds a UTC time, or null when a field is out of range (e.g. 2001-02-30). */
function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo - 1)) return null;
  if (h > 23 || mi > 59 || s > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

/** Parses one time cell; null when it is not a recognised time. `offset`: a date-time's explicit zone offset in minutes east of UTC (absent for Z). */
export function parseTimeValue(s: string): { t: number; format: TimeFormat; offset?: number } | null {
  const v = s.trim();
  if (RE_INT.test(v)) {
    const t = Number(v);
    return Number.isSafeInteger(t) ? { t, format: 'integer' } : null;
  }
  let m = RE_MONTH.exec(v);
  if (m) {
    const t = utc(+m[1], +m[2], 1);
    return t === null ? null : { t, format: 'month' };
  }
  m = RE_DATE.exec(v);
  if (m) {
    const t = utc(+m[1], +m[2], +m[3]);
    return t === null ? null : { t, format: 'date' };
  }
  m = RE_QUARTER.exec(v);
  if (m) return { t: utc(+m[1], 3 * +m[3] - 2, 1)!, format: QUARTER_FORMAT[m[2]] };
  m = RE_DATE_SLASH.exec(v);
  if (m) {
    const t = utc(+m[1], +m[2], +m[3]);
    return t === null ? null : { t, format: 'date-slash' };
  }
  m = RE_DATETIME.exec(v);
  if (m) {
    const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
    let t = utc(+m[1], +m[2], +m[3], +m[4], +m[5], m[6] ? +m[6] : 0, ms);
    if (t === null) return null;
    const zone = m[8];
    if (!zone) return { t, format: 'datetime' };
    if (zone === 'Z' || zone === 'z') return { t, format: 'datetime-z' };
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    if (+z[2] > 23 || +z[3] > 59) return null;
    const offset = (z[1] === '+' ? 1 : -1) * (+z[2] * 60 + +z[3]);
    t -= offset * MINUTE_MS;
    return { t, format: 'datetime-z', offset };
  }
  return null;
}

/** True for indexes that are plain numbers (an integer column, or row order), not calendar times. */
export function isNumericIndex(format: TimeFormat): format is 'integer' | 'row' {
  return format === 'integer' || format === 'row';
}

/**
 * Writes a time in the shape it was read (no ms); 'datetime-z' in UTC with Z, or, given `offset`
 * (minutes east of UTC), as the local time at that offset with it (2000-01-01T09:00:00+05:30).
 */
export function formatTime(t: number, format: TimeFormat, offset?: number): string {
  if (isNumericIndex(format)) return String(t);
  if (format === 'datetime-z' && offset !== undefined) {
    const local = new Date(t + offset * MINUTE_MS).toISOString().slice(0, 19);
    const a = Math.abs(offset);
    return `${local}${offset < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
  }
  const iso = new Date(t).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ (years 0..9999)
  switch (format) {
    case 'month':
      return iso.slice(0, 7);
    case 'date':
      return iso.slice(0, 10);
    case 'date-slash':
      return iso.slice(0, 10).replaceAll('-', '/');
    case 'quarter':
    case 'quarter-space':
    case 'quarter-compact': {
      const sep = format === 'quarter' ? '-' : format === 'quarter-space' ? ' ' : '';
      return `${iso.slice(0, 4)}${sep}Q${Math.floor(new Date(t).getUTCMonth() / 3) + 1}`;
    }
    case 'datetime':
      return iso.slice(0, 19);
    case 'datetime-z':
      return iso.slice(0, 19) + 'Z';
  }
}

function isQuarter(format: TimeFormat): boolean {
  return format === 'quarter' || format === 'quarter-space' || format === 'quarter-compact';
}

/** The ISO spelling of a format's times (quarters as their first month, slashed dates with dashes), for tools that parse only ISO. */
export function isoFormat(format: TimeFormat): TimeFormat {
  if (isQuarter(format)) return 'month';
  return format === 'date-slash' ? 'date' : format;
}

/** Human text for a frequency, e.g. "30 minutes", "1 month". */
export function describeFrequency(f: Frequency): string {
  const name = f.unit === 'bday' ? 'business day' : f.unit;
  return `${f.step} ${name}${f.step === 1 ? '' : 's'}`;
}

function modal(values: number[]): number {
  const counts = new Map<number, number>();
  let best = values[0];
  let bestCount = 0;
  for (const v of values) {
    const c = (counts.get(v) ?? 0) + 1;
    counts.set(v, c);
    // ties: the smaller spacing wins
    if (c > bestCount || (c === bestCount && v < best)) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

function isLastDay(t: number): boolean {
  const d = new Date(t);
  return d.getUTCDate() === daysInMonth(d.getUTCFullYear(), d.getUTCMonth());
}

function monthNumber(t: number): number {
  const d = new Date(t);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** Whole calendar months from a to b when b is a's day-of-month (clamped) and time of day; else null. */
function calendarMonthsBetween(a: number, b: number): number | null {
  const md = monthNumber(b) - monthNumber(a);
  if (md === 0) return null;
  if (addMonths(a, md) === b) return md;
  // month-end series: 31st, 28th/29th, 30th, ... are all "last day"
  if (isLastDay(a) && isLastDay(b) && timeOfDay(a) === timeOfDay(b)) return md;
  return null;
}

function isWeekend(t: number): boolean {
  const wd = new Date(t).getUTCDay();
  return wd === 0 || wd === 6;
}

function monthsPerStep(f: Frequency): number {
  if (f.unit === 'month') return f.step;
  if (f.unit === 'quarter') return 3 * f.step;
  if (f.unit === 'year') return 12 * f.step;
  return 0;
}

function msPerStep(f: Frequency): number {
  switch (f.unit) {
    case 'minute':
      return f.step * MINUTE_MS;
    case 'hour':
      return f.step * HOUR_MS;
    case 'day':
      return f.step * DAY_MS;
    case 'week':
      return f.step * WEEK_MS;
    default:
      return 0;
  }
}

/**
 * The regular spacing of sorted times, from the most common (modal) difference.
 * Calendar months/quarters/years are recognised by calendar arithmetic, business days by
 * the absence of Saturday/Sunday timestamps with 1-day modal spacing.
 */
export function inferFrequency(times: number[], format: TimeFormat): Frequency {
  if (format === 'row') return { unit: 'row', step: 1 };
  const diffs: number[] = [];
  for (let i = 1; i < times.length; i++) diffs.push(times[i] - times[i - 1]);
  if (format === 'integer') {
    return { unit: 'integer', step: diffs.length ? Math.max(1, modal(diffs)) : 1 };
  }
  const quarterly = isQuarter(format);
  if (diffs.length === 0) {
    return format === 'month' ? { unit: 'month', step: 1 } : quarterly ? { unit: 'quarter', step: 1 } : { unit: 'day', step: 1 };
  }
  if (format === 'month' || quarterly) {
    return monthlyFrequency(modal(diffs.map((_, i) => monthNumber(times[i + 1]) - monthNumber(times[i]))));
  }
  // calendar months: most consecutive pairs are whole months apart
  const months: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const md = calendarMonthsBetween(times[i - 1], times[i]);
    if (md !== null && md > 0) months.push(md);
  }
  const d = modal(diffs);
  if (months.length * 2 > diffs.length && d >= 28 * DAY_MS) return monthlyFrequency(modal(months));
  if (d <= 0) throw new DataError('cannot infer the frequency: timestamps are not increasing');
  if (d % DAY_MS === 0) {
    if (d === DAY_MS && !times.some(isWeekend) && times[times.length - 1] - times[0] >= WEEK_MS) {
      return { unit: 'bday', step: 1 };
    }
    if (d % WEEK_MS === 0) return { unit: 'week', step: d / WEEK_MS };
    return { unit: 'day', step: d / DAY_MS };
  }
  if (d % HOUR_MS === 0) return { unit: 'hour', step: d / HOUR_MS };
  if (d % MINUTE_MS === 0) return { unit: 'minute', step: d / MINUTE_MS };
  throw new DataError(`cannot infer the frequency: the most common spacing is ${d / 1000} s, not a whole number of minutes`);
}

function monthlyFrequency(md: number): Frequency {
  if (md <= 0) md = 1;
  if (md % 12 === 0) return { unit: 'year', step: md / 12 };
  if (md === 3) return { unit: 'quarter', step: 1 };
  return { unit: 'month', step: md };
}

/**
 * Adds calendar months keeping the day of month, clamped to the month's last day
 * (Jan 31 + 1 month = Feb 28/29; Feb 29 + 1 month = Mar 29). Time of day is kept.
 */
export function addMonths(t: number, n: number): number {
  const d = new Date(t);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + n;
  const y = Math.floor(total / 12);
  const m0 = total - y * 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(y, m0));
  const out = new Date(t);
  out.setUTCFullYear(y, m0, day);
  return out.getTime();
}

function addBusinessDays(t: number, k: number): number {
  let cur = t;
  const dir = k >= 0 ? 1 : -1;
  let left = Math.abs(k);
  // whole weeks first
  const weeks = Math.floor(left / 5);
  if (weeks > 0 && !isWeekend(cur)) {
    cur += dir * weeks * WEEK_MS;
    left -= weeks * 5;
  }
  while (left > 0) {
    cur += dir * DAY_MS;
    if (!isWeekend(cur)) left--;
  }
  return cur;
}

/** t moved k steps of freq (k may be negative). Months by calendar (see addMonths); bday skips weekends. */
export function addSteps(t: number, freq: Frequency, k: number): number {
  switch (freq.unit) {
    case 'integer':
    case 'row':
      return t + k * freq.step;
    case 'bday':
      return addBusinessDays(t, k * freq.step);
    case 'month':
    case 'quarter':
    case 'year':
      return addMonths(t, k * monthsPerStep(freq));
    default:
      return t + k * msPerStep(freq);
  }
}

/**
 * The position of time t on its frequency's grid counted from a fixed origin (1970-01-01 for
 * calendar times, 0 for integer indices): consecutive steps give consecutive numbers, so
 * `stepNumber(t, f) mod m` is the seasonal phase of t whatever row a file starts at. Business
 * days count Monday to Friday (holidays keep their number); row order has no origin and
 * returns t, the row number, itself.
 */
export function stepNumber(t: number, freq: Frequency): number {
  switch (freq.unit) {
    case 'row':
      return t;
    case 'integer':
      return Math.floor(t / freq.step);
    case 'bday': {
      // days since Monday 1970-01-05, five numbers per week
      const d = Math.floor(t / DAY_MS) - 4;
      const w = Math.floor(d / 7);
      return Math.floor((5 * w + Math.min(d - 7 * w, 5)) / freq.step);
    }
    case 'month':
    case 'quarter':
    case 'year':
      return Math.floor(monthNumber(t) / monthsPerStep(freq));
    default:
      return Math.floor(t / msPerStep(freq));
  }
}

/** stepNumber of every time of an index. */
export function stepNumbers(index: TimeIndex): number[] {
  return index.times.map((t) => stepNumber(t, index.frequency));
}

/**
 * The h times after the last one. Monthly units are anchored at the first time, so a
 * month-end series (Jan 31, Feb 29, Mar 31, ...) continues at month ends.
 */
export function futureTimes(index: TimeIndex, h: number): number[] {
  const { times, frequency } = index;
  if (times.length === 0) throw new DataError('cannot extend an empty time index');
  const first = times[0];
  const last = times[times.length - 1];
  const out: number[] = [];
  const mps = monthsPerStep(frequency);
  for (let i = 1; i <= h; i++) {
    if (mps > 0) {
      const k0 = Math.round((monthNumber(last) - monthNumber(first)) / mps);
      if (isLastDay(first) && isLastDay(last)) out.push(monthEndAt(first, (k0 + i) * mps));
      else if (addSteps(first, frequency, k0) === last) out.push(addSteps(first, frequency, k0 + i));
      else out.push(addSteps(last, frequency, i));
    } else {
      out.push(addSteps(last, frequency, i));
    }
  }
  return out;
}

export interface RegularizeOptions {
  /** CSV line number of each time (default: i + 2, header on line 1). */
  lines?: number[];
  format?: TimeFormat;
  /** File name for error messages. */
  source?: string;
  /** Refuse grids larger than this many points (default 10 million). */
  maxPoints?: number;
}

export interface RegularGrid {
  /** The full regular grid from the first to the last time. */
  times: number[];
  /** missing[i]: grid point i had no row. */
  missing: boolean[];
  /** For each input time, its grid position. */
  position: number[];
}

/**
 * The full regular grid from first to last of sorted times, flagging the missing points.
 * Off-grid times are a DataError naming their lines. 'bday' and 'row' series are
 * row-ordered: holidays are not gaps, so the grid is the input times.
 */
export function regularize(times: number[], freq: Frequency, opts: RegularizeOptions = {}): RegularGrid {
  const n = times.length;
  const lineOf = (i: number) => (opts.lines ? opts.lines[i] : i + 2);
  const where = opts.source ? `${opts.source}: ` : '';
  const fmt = (t: number) => (opts.format ? formatTime(t, opts.format) : String(t));
  if (n === 0) return { times: [], missing: [], position: [] };
  if (freq.unit === 'bday' || freq.unit === 'row') {
    if (freq.unit === 'bday') {
      const bad = times.map((t, i) => (isWeekend(t) ? i : -1)).filter((i) => i >= 0);
      if (bad.length) {
        throw new DataError(`${where}business-day series has weekend timestamps at lines ${bad.slice(0, 5).map(lineOf).join(', ')}`);
      }
    }
    return { times: times.slice(), missing: new Array(n).fill(false), position: times.map((_, i) => i) };
  }
  const t0 = times[0];
  const position: number[] = [];
  const bad: number[] = [];
  const mps = monthsPerStep(freq);
  const stepSize = freq.unit === 'integer' ? freq.step : msPerStep(freq);
  const monthEnd = mps > 0 && isLastDay(t0);
  for (let i = 0; i < n; i++) {
    const t = times[i];
    let k: number;
    let ok: boolean;
    if (mps > 0) {
      const md = monthNumber(t) - monthNumber(t0);
      k = Math.round(md / mps);
      ok = md % mps === 0 && (addMonths(t0, md) === t || (monthEnd && isLastDay(t) && timeOfDay(t) === timeOfDay(t0)));
    } else {
      k = Math.round((t - t0) / stepSize);
      ok = (t - t0) % stepSize === 0;
    }
    if (!ok) bad.push(i);
    position.push(k);
  }
  if (bad.length) {
    const shown = bad.slice(0, 5).map((i) => `${lineOf(i)} (${fmt(times[i])})`);
    const more = bad.length > 5 ? ` and ${bad.length - 5} more` : '';
    throw new DataError(
      `${where}irregular timestamps at line${bad.length > 1 ? 's' : ''} ${shown.join(', ')}${more}: ` +
        `not on the grid of every ${describeFrequency(freq)} from ${fmt(t0)}; fix or remove these rows`,
    );
  }
  const size = position[n - 1] + 1;
  const gaps = size - n;
  const max = opts.maxPoints ?? 10_000_000;
  if (gaps > n || size > max) {
    // mostly gaps (or too large): refused before the grid is built, naming the rows around the largest gaps
    const jumps = Array.from({ length: n - 1 }, (_, i) => i)
      .filter((i) => position[i + 1] - position[i] > 1)
      .sort((a, b) => position[b + 1] - position[b] - (position[a + 1] - position[a]) || a - b)
      .slice(0, 3)
      .map((i) => `${position[i + 1] - position[i] - 1} missing between line ${lineOf(i)} (${fmt(times[i])}) and line ${lineOf(i + 1)} (${fmt(times[i + 1])})`);
    const what = gaps > n ? `mostly gaps: ${gaps} of its ${size} points would have no row` : `${size} points, over the limit of ${max}`;
    throw new DataError(
      `${where}the regular grid of every ${describeFrequency(freq)} from ${fmt(t0)} to ${fmt(times[n - 1])} would be ${what}` +
        `${jumps.length ? `; the largest gap${jumps.length > 1 ? 's' : ''}: ${jumps.join('; ')}` : ''}; fix or remove the rows that cause ${jumps.length > 1 ? 'them' : 'it'}, or check the time column`,
    );
  }
  const grid: number[] = new Array(size);
  const missing: boolean[] = new Array(size).fill(true);
  for (let k = 0; k < size; k++) {
    grid[k] = monthEnd ? monthEndAt(t0, k * mps) : addSteps(t0, freq, k);
  }
  for (let i = 0; i < n; i++) {
    missing[position[i]] = false;
    grid[position[i]] = times[i];
  }
  return { times: grid, missing, position };
}

/** The latest time a calendar index can hold: 9999-12-31T23:59:59.999Z (later years cannot be written as dates). */
export const MAX_CALENDAR_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Refuses an index whose `h` steps after its last time cannot be written: past the year 9999
 * for calendar times, past the largest safe integer for an integer index. `source` names the
 * file in the message.
 */
export function checkFutureRange(index: TimeIndex, h: number, source: string): void {
  const { times, frequency, format } = index;
  if (times.length === 0 || frequency.unit === 'row' || h < 1) return;
  const last = times[times.length - 1];
  const end = addSteps(last, frequency, h);
  const lastText = formatTime(last, format);
  if (format === 'integer') {
    if (!Number.isSafeInteger(end)) {
      throw new DataError(
        `${source}: the ${h} steps to forecast after ${lastText} go past the largest integer time ${Number.MAX_SAFE_INTEGER}; renumber the time column`,
      );
    }
    return;
  }
  if (!(end <= MAX_CALENDAR_TIME)) {
    throw new DataError(
      `${source}: the ${h} steps to forecast after ${lastText} (every ${describeFrequency(frequency)}) go past the year 9999, which a date cannot be written in; check the time column`,
    );
  }
}

function monthEndAt(t0: number, months: number): number {
  const d = new Date(addMonths(t0, months));
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), daysInMonth(d.getUTCFullYear(), d.getUTCMonth())) + timeOfDay(t0);
}

function timeOfDay(t: number): number {
  return ((t % DAY_MS) + DAY_MS) % DAY_MS;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** The fields data.time_format may use, and what each reads. */
const PATTERN_FIELDS: Record<string, string> = {
  Y: '(\\d{4})',
  y: '(\\d{2})',
  m: '(\\d{1,2})',
  b: '([A-Za-z]{3})',
  d: '(\\d{1,2})',
  H: '(\\d{1,2})',
  M: '(\\d{2})',
  S: '(\\d{2})',
};

/**
 * What is wrong with a data.time_format pattern (null: nothing): it needs a year (%Y or %y) and a
 * month (%m or %b), may have a day (%d) and a time of day (%H, %M, %S), each at most once, and
 * reads any other character as itself (%% a percent sign).
 */
export function timePatternProblem(pattern: string): string | null {
  const fields = [...pattern.matchAll(/%(.)/g)].map((m) => m[1]).filter((f) => f !== '%');
  const unknown = fields.find((f) => !(f in PATTERN_FIELDS));
  if (unknown !== undefined) return `%${unknown} is not a field rnnfc reads (use %Y %y %m %b %d %H %M %S, %% for a percent sign)`;
  const twice = fields.find((f, i) => fields.indexOf(f) !== i);
  if (twice !== undefined) return `%${twice} appears twice`;
  if (!fields.includes('Y') && !fields.includes('y')) return 'needs a year (%Y, or %y for two digits)';
  if (!fields.includes('m') && !fields.includes('b')) return 'needs a month (%m, or %b for Jan..Dec)';
  if (fields.includes('Y') && fields.includes('y')) return 'has both %Y and %y';
  if (fields.includes('m') && fields.includes('b')) return 'has both %m and %b';
  if ((fields.includes('M') || fields.includes('S')) && !fields.includes('H')) return '%M and %S need %H';
  return null;
}

/**
 * A parser of time cells written as data.time_format says (`%m/%d/%Y`, `%d.%m.%Y %H:%M`, `%b %Y`),
 * for spellings the automatic detection cannot tell apart. Times are UTC; a format without %d reads
 * months (format 'month'), one with %H date-times ('datetime'), otherwise dates ('date'): outputs
 * write them in that ISO spelling. Two-digit years are 1969-2068, as C's strptime reads them.
 */
export function timeParser(pattern: string): (s: string) => { t: number; format: TimeFormat; offset?: number } | null {
  const order: string[] = [];
  let source = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '%' && i + 1 < pattern.length) {
      const f = pattern[++i];
      if (f === '%') source += '%';
      else {
        order.push(f);
        source += PATTERN_FIELDS[f];
      }
    } else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  const re = new RegExp(`${source}$`);
  const format: TimeFormat = order.includes('H') ? 'datetime' : order.includes('d') ? 'date' : 'month';
  return (s) => {
    const m = re.exec(s.trim());
    if (!m) return null;
    const v: Record<string, string> = {};
    order.forEach((f, k) => {
      v[f] = m[k + 1];
    });
    const year = v.Y !== undefined ? +v.Y : +v.y + (+v.y < 69 ? 2000 : 1900);
    const month = v.m !== undefined ? +v.m : MONTH_NAMES.indexOf(v.b.toLowerCase()) + 1;
    if (month < 1) return null;
    const t = utc(year, month, v.d !== undefined ? +v.d : 1, v.H !== undefined ? +v.H : 0, v.M !== undefined ? +v.M : 0, v.S !== undefined ? +v.S : 0);
    return t === null ? null : { t, format };
  };
}
