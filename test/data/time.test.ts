import { describe, expect, it } from 'vitest';
import {
  addMonths,
  addSteps,
  checkFutureRange,
  formatTime,
  futureTimes,
  inferFrequency,
  parseTimeValue,
  regularize,
  stepNumber,
  timeParser,
  timePatternProblem,
} from '../../src/data/time.js';
import { DataError } from '../../src/errors.js';
import type { TimeFormat } from '../../src/types.js';

const D = (s: string) => Date.parse(s.length === 10 ? s + 'T00:00:00Z' : s);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('parseTimeValue / formatTime', () => {
  it('parses each format', () => {
    expect(parseTimeValue('1949-01-01')).toEqual({ t: D('1949-01-01'), format: 'date' });
    expect(parseTimeValue('1949-03')).toEqual({ t: D('1949-03-01'), format: 'month' });
    expect(parseTimeValue('2000-06-05T00:30:00Z')).toEqual({ t: D('2000-06-05T00:30:00Z'), format: 'datetime-z' });
    expect(parseTimeValue('2000-06-05T00:30')).toEqual({ t: D('2000-06-05T00:30:00Z'), format: 'datetime' });
    expect(parseTimeValue('2000-06-05T01:30:00+01:00')).toEqual({ t: D('2000-06-05T00:30:00Z'), format: 'datetime-z', offset: 60 });
    expect(parseTimeValue('2000-06-05T00:30:00-02:30')?.t).toBe(D('2000-06-05T03:00:00Z'));
    expect(parseTimeValue('17')).toEqual({ t: 17, format: 'integer' });
    expect(parseTimeValue(' 3 ')).toEqual({ t: 3, format: 'integer' });
    expect(parseTimeValue('1990/07/31')).toEqual({ t: D('1990-07-31'), format: 'date-slash' });
    expect(parseTimeValue('1990/7/1')).toEqual({ t: D('1990-07-01'), format: 'date-slash' });
  });
  it('parses quarters as the first day of the quarter, in three spellings', () => {
    expect(parseTimeValue('1990-Q1')).toEqual({ t: D('1990-01-01'), format: 'quarter' });
    expect(parseTimeValue('1990-q2')).toEqual({ t: D('1990-04-01'), format: 'quarter' });
    expect(parseTimeValue('1990 Q3')).toEqual({ t: D('1990-07-01'), format: 'quarter-space' });
    expect(parseTimeValue('1990Q4')).toEqual({ t: D('1990-10-01'), format: 'quarter-compact' });
  });
  it('rejects non-times', () => {
    for (const s of ['xyz', '', '2001-02-30', '2000-13', '2000-01-01T25:00', '1.5', '01/02/2000', '2000-Q5', '2000-Q0', '2000/02/30', '2000--Q1']) {
      expect(parseTimeValue(s)).toBeNull();
    }
  });
  it('writes the same shape back', () => {
    const cases: [string, TimeFormat][] = [
      ['1949-01-01', 'date'],
      ['1949-03', 'month'],
      ['2000-06-05T00:30:00', 'datetime'],
      ['2000-06-05T00:30:00Z', 'datetime-z'],
      ['42', 'integer'],
      ['1990/07/31', 'date-slash'],
      ['1990-Q3', 'quarter'],
      ['1990 Q4', 'quarter-space'],
      ['1991Q1', 'quarter-compact'],
    ];
    for (const [s, f] of cases) expect(formatTime(parseTimeValue(s)!.t, f)).toBe(s);
    expect(formatTime(parseTimeValue('2000-06-05T01:30:00.250+01:00')!.t, 'datetime-z')).toBe('2000-06-05T00:30:00Z');
    expect(formatTime(7, 'row')).toBe('7');
  });
});

describe('inferFrequency', () => {
  const grid = (start: number, step: number, n: number) => Array.from({ length: n }, (_, i) => start + i * step);
  it('minutes and hours', () => {
    expect(inferFrequency(grid(D('2000-01-01'), 30 * MIN, 10), 'datetime-z')).toEqual({ unit: 'minute', step: 30 });
    expect(inferFrequency(grid(D('2000-01-01'), 15 * MIN, 10), 'datetime')).toEqual({ unit: 'minute', step: 15 });
    expect(inferFrequency(grid(D('2000-01-01'), HOUR, 10), 'datetime')).toEqual({ unit: 'hour', step: 1 });
    expect(inferFrequency(grid(D('2000-01-01'), 6 * HOUR, 10), 'datetime')).toEqual({ unit: 'hour', step: 6 });
  });
  it('days (including weekends) and weeks', () => {
    expect(inferFrequency(grid(D('2000-01-01'), DAY, 20), 'date')).toEqual({ unit: 'day', step: 1 });
    expect(inferFrequency(grid(D('2000-01-01'), 2 * DAY, 20), 'date')).toEqual({ unit: 'day', step: 2 });
    expect(inferFrequency(grid(D('2000-01-03'), 7 * DAY, 20), 'date')).toEqual({ unit: 'week', step: 1 });
    expect(inferFrequency(grid(D('2000-01-03'), 14 * DAY, 20), 'date')).toEqual({ unit: 'week', step: 2 });
  });
  it('business days: no weekend dates, 1-day steps with 3-day jumps', () => {
    // Mon 2000-01-03 .. Fri 2000-01-21, with Mon 2000-01-17 a holiday
    const days: number[] = [];
    for (let t = D('2000-01-03'); t <= D('2000-01-21'); t += DAY) {
      const wd = new Date(t).getUTCDay();
      if (wd !== 0 && wd !== 6 && t !== D('2000-01-17')) days.push(t);
    }
    expect(inferFrequency(days, 'date')).toEqual({ unit: 'bday', step: 1 });
  });
  it('months (any day-of-month), month ends, quarters, years', () => {
    const monthly = (y: number, m: number, day: number, n: number, every = 1) => Array.from({ length: n }, (_, i) => Date.UTC(y, m + i * every, day));
    expect(inferFrequency(monthly(1949, 0, 1, 24), 'date')).toEqual({ unit: 'month', step: 1 });
    expect(inferFrequency(monthly(1949, 0, 15, 24), 'date')).toEqual({ unit: 'month', step: 1 });
    expect(inferFrequency(monthly(1949, 0, 1, 24), 'month')).toEqual({ unit: 'month', step: 1 });
    const ends = Array.from({ length: 24 }, (_, i) => Date.UTC(2000, i + 1, 0)); // last day of each month
    expect(inferFrequency(ends, 'date')).toEqual({ unit: 'month', step: 1 });
    expect(inferFrequency(monthly(2000, 0, 1, 12, 3), 'date')).toEqual({ unit: 'quarter', step: 1 });
    expect(inferFrequency(monthly(2000, 0, 1, 12, 12), 'date')).toEqual({ unit: 'year', step: 1 });
    expect(inferFrequency(monthly(2000, 0, 1, 12, 6), 'date')).toEqual({ unit: 'month', step: 6 });
    expect(inferFrequency(monthly(2000, 0, 1, 12, 3), 'quarter-space')).toEqual({ unit: 'quarter', step: 1 });
    expect(inferFrequency([D('2000-04-01')], 'quarter')).toEqual({ unit: 'quarter', step: 1 });
    expect(inferFrequency(monthly(2000, 0, 1, 12, 12), 'quarter-compact')).toEqual({ unit: 'year', step: 1 });
  });
  it('integer uses the modal difference; row is always 1', () => {
    expect(inferFrequency([0, 5, 10, 20, 25], 'integer')).toEqual({ unit: 'integer', step: 5 });
    expect(inferFrequency([1, 2, 3, 5], 'integer')).toEqual({ unit: 'integer', step: 1 });
    expect(inferFrequency([0, 1, 2], 'row')).toEqual({ unit: 'row', step: 1 });
  });
  it('uses the modal spacing despite gaps', () => {
    const t = [0, 1, 2, 4, 5, 6, 9, 10].map((k) => D('2000-01-01') + k * HOUR);
    expect(inferFrequency(t, 'datetime')).toEqual({ unit: 'hour', step: 1 });
  });
});

describe('stepNumber', () => {
  it('numbers grid points from a fixed origin, consecutively, for every unit', () => {
    expect(stepNumber(D('1949-01-01'), { unit: 'month', step: 1 })).toBe(1949 * 12);
    expect(stepNumber(D('1949-12-31'), { unit: 'month', step: 1 }) + 1).toBe(stepNumber(D('1950-01-31'), { unit: 'month', step: 1 }));
    expect(stepNumber(D('2001-04-01'), { unit: 'quarter', step: 1 })).toBe((2001 * 12 + 3) / 3);
    expect(stepNumber(D('2001-01-01'), { unit: 'year', step: 1 })).toBe(2001);
    expect(stepNumber(D('2000-06-05T00:30:00Z'), { unit: 'minute', step: 30 })).toBe(D('2000-06-05') / (30 * MIN) + 1);
    expect(stepNumber(D('1970-01-02'), { unit: 'day', step: 1 })).toBe(1);
    expect(stepNumber(25, { unit: 'integer', step: 5 })).toBe(5);
    expect(stepNumber(7, { unit: 'row', step: 1 })).toBe(7);
  });

  it('counts business days Monday to Friday: Friday and the next Monday are one step apart', () => {
    const b = { unit: 'bday' as const, step: 1 };
    expect(stepNumber(D('1970-01-05'), b)).toBe(0); // a Monday
    expect(stepNumber(D('1970-01-09'), b)).toBe(4);
    expect(stepNumber(D('1970-01-12'), b)).toBe(5);
    expect(stepNumber(D('2006-12-29'), b) + 1).toBe(stepNumber(D('2007-01-01'), b));
    expect(stepNumber(D('1970-01-02'), b)).toBe(-1); // the Friday before the origin
    // weekday phase mod 5 is the day of the week: every Monday is phase 0
    for (const m of ['1985-01-07', '1999-03-01', '2006-12-25']) expect(((stepNumber(D(m), b) % 5) + 5) % 5).toBe(0);
  });
});

describe('calendar arithmetic', () => {
  it('month addition clamps to the month end and keeps day otherwise', () => {
    expect(addMonths(D('2000-01-31'), 1)).toBe(D('2000-02-29'));
    expect(addMonths(D('2001-01-31'), 1)).toBe(D('2001-02-28'));
    expect(addMonths(D('2000-02-29'), 1)).toBe(D('2000-03-29'));
    expect(addMonths(D('2000-01-31'), 2)).toBe(D('2000-03-31'));
    expect(addMonths(D('2000-11-15'), 3)).toBe(D('2001-02-15'));
    expect(addMonths(D('2000-03-15'), -3)).toBe(D('1999-12-15'));
    expect(addSteps(D('2000-01-31'), { unit: 'month', step: 1 }, 1)).toBe(D('2000-02-29'));
    expect(addSteps(D('2000-01-01'), { unit: 'quarter', step: 1 }, 2)).toBe(D('2000-07-01'));
    expect(addSteps(D('2000-01-01'), { unit: 'year', step: 1 }, 1)).toBe(D('2001-01-01'));
  });
  it('fixed-length and integer steps', () => {
    expect(addSteps(D('2000-01-01'), { unit: 'minute', step: 30 }, 3)).toBe(D('2000-01-01T01:30:00Z'));
    expect(addSteps(D('2000-01-01'), { unit: 'week', step: 1 }, 2)).toBe(D('2000-01-15'));
    expect(addSteps(10, { unit: 'integer', step: 5 }, 2)).toBe(20);
  });
  it('business days skip weekends', () => {
    const bday = { unit: 'bday' as const, step: 1 };
    expect(addSteps(D('2000-01-07'), bday, 1)).toBe(D('2000-01-10')); // Fri -> Mon
    expect(addSteps(D('2000-01-07'), bday, 6)).toBe(D('2000-01-17'));
    expect(addSteps(D('2000-01-10'), bday, -1)).toBe(D('2000-01-07'));
  });
  it('futureTimes over a weekend (bday)', () => {
    const index = { format: 'date' as const, frequency: { unit: 'bday' as const, step: 1 }, times: [D('2000-01-06'), D('2000-01-07')] };
    expect(futureTimes(index, 3).map((t) => formatTime(t, 'date'))).toEqual(['2000-01-10', '2000-01-11', '2000-01-12']);
  });
  it('futureTimes for months keeps month ends and day-of-month', () => {
    const month = { unit: 'month' as const, step: 1 };
    const ends = { format: 'date' as const, frequency: month, times: [D('2000-01-31'), D('2000-02-29')] };
    expect(futureTimes(ends, 2).map((t) => formatTime(t, 'date'))).toEqual(['2000-03-31', '2000-04-30']);
    const firsts = { format: 'date' as const, frequency: month, times: [D('1960-11-01'), D('1960-12-01')] };
    expect(futureTimes(firsts, 2).map((t) => formatTime(t, 'date'))).toEqual(['1961-01-01', '1961-02-01']);
    const half = { format: 'datetime-z' as const, frequency: { unit: 'minute' as const, step: 30 }, times: [D('2000-06-05T23:30:00Z')] };
    expect(futureTimes(half, 2).map((t) => formatTime(t, 'datetime-z'))).toEqual(['2000-06-06T00:00:00Z', '2000-06-06T00:30:00Z']);
    expect(futureTimes({ format: 'row', frequency: { unit: 'row', step: 1 }, times: [0, 1, 2] }, 2)).toEqual([3, 4]);
  });
});

describe('regularize', () => {
  it('fills the grid and flags missing points', () => {
    const t = [D('2000-01-01'), D('2000-02-01'), D('2000-04-01')];
    const g = regularize(t, { unit: 'month', step: 1 });
    expect(g.times).toEqual([D('2000-01-01'), D('2000-02-01'), D('2000-03-01'), D('2000-04-01')]);
    expect(g.missing).toEqual([false, false, true, false]);
    expect(g.position).toEqual([0, 1, 3]);
    expect(regularize([1, 2, 5], { unit: 'integer', step: 1 }).missing).toEqual([false, false, true, true, false]);
  });
  it('keeps bday rows as they are (holidays are not gaps)', () => {
    const t = [D('2000-01-14'), D('2000-01-18')]; // Fri, Tue (Mon holiday)
    const g = regularize(t, { unit: 'bday', step: 1 });
    expect(g.times).toEqual(t);
    expect(g.missing).toEqual([false, false]);
  });
  it('off-grid timestamps are a DataError naming the lines', () => {
    const t = [0, 30, 60, 75, 90].map((m) => D('2000-01-01') + m * MIN);
    expect(() => regularize(t, { unit: 'minute', step: 30 }, { format: 'datetime-z', source: 'x.csv' })).toThrow(DataError);
    expect(() => regularize(t, { unit: 'minute', step: 30 }, { format: 'datetime-z', source: 'x.csv' })).toThrow(
      /x\.csv: irregular timestamps at line 5 \(2000-01-01T01:15:00Z\)/,
    );
    expect(() => regularize([D('2000-01-01'), D('2000-02-01'), D('2000-02-15')], { unit: 'month', step: 1 })).toThrow(/line 4/);
  });
});

describe('grid density (regularize refuses a grid that would be mostly gaps)', () => {
  const I = { unit: 'integer', step: 1 } as const;
  it('accepts a grid with as many gaps as rows, refuses one more', () => {
    expect(regularize([1, 2, 3, 8], I).times.length).toBe(8); // 4 gaps, 4 rows
    expect(() => regularize([1, 2, 3, 9], I)).toThrow(DataError);
    // lines default to i + 2 (the header is line 1)
    expect(() => regularize([1, 2, 3, 9], I)).toThrow(
      /mostly gaps: 5 of its 9 points would have no row; the largest gap: 5 missing between line 4 \(3\) and line 5 \(9\)/,
    );
  });
  it('names up to three of the largest gaps, largest first', () => {
    const t = [0, 10, 11, 31, 32, 37, 38, 39];
    expect(() => regularize(t, I, { source: 'g.csv' })).toThrow(
      'g.csv: the regular grid of every 1 integer from 0 to 39 would be mostly gaps: 32 of its 40 points would have no row; the largest gaps: ' +
        '19 missing between line 4 (11) and line 5 (31); 9 missing between line 2 (0) and line 3 (10); 4 missing between line 6 (32) and line 7 (37); ' +
        'fix or remove the rows that cause them, or check the time column',
    );
  });
  it('refuses before allocating: a grid of 9e15 points is refused at once', () => {
    expect(() => regularize([0, 1, 9e15], I)).toThrow(/mostly gaps: 8999999999999998 of its 9000000000000001 points/);
  });
  it('still refuses a dense grid over maxPoints', () => {
    expect(() => regularize([1, 2, 3, 4, 5], I, { maxPoints: 4 })).toThrow(/5 points, over the limit of 4/);
  });
  it('counts calendar gaps in grid steps (months)', () => {
    const t = [D('2000-01-01'), D('2000-02-01'), D('2000-03-01'), D('2009-01-01')];
    expect(() => regularize(t, { unit: 'month', step: 1 }, { format: 'month' })).toThrow(/between line 4 \(2000-03\) and line 5 \(2009-01\)/);
  });
});

describe('checkFutureRange', () => {
  const idx = (format: TimeFormat, unit: 'month' | 'day' | 'integer' | 'row' | 'year', times: number[]) => ({ format, frequency: { unit, step: 1 }, times });
  it('refuses a forecast that would run past the year 9999', () => {
    const dec = D('9999-12-01');
    expect(() => checkFutureRange(idx('month', 'month', [D('9999-11-01'), dec]), 1, 'y.csv')).toThrow(
      'y.csv: the 1 steps to forecast after 9999-12 (every 1 month) go past the year 9999, which a date cannot be written in; check the time column',
    );
    expect(() => checkFutureRange(idx('month', 'month', [D('9999-08-01'), D('9999-09-01')]), 3, 'y.csv')).not.toThrow();
    expect(() => checkFutureRange(idx('month', 'month', [D('9999-08-01'), D('9999-09-01')]), 4, 'y.csv')).toThrow(DataError);
    expect(() => checkFutureRange(idx('date', 'day', [D('9999-12-30'), D('9999-12-31')]), 1, 'd.csv')).toThrow(/after 9999-12-31/);
    expect(() => checkFutureRange(idx('date', 'year', [D('2000-01-01')]), 1e9, 'd.csv')).toThrow(/go past the year 9999/);
  });
  it('refuses an integer index past the largest safe integer; rows are never refused', () => {
    expect(() => checkFutureRange(idx('integer', 'integer', [Number.MAX_SAFE_INTEGER - 1]), 2, 'i.csv')).toThrow(/largest integer time/);
    expect(() => checkFutureRange(idx('integer', 'integer', [Number.MAX_SAFE_INTEGER - 2]), 2, 'i.csv')).not.toThrow();
    expect(() => checkFutureRange(idx('row', 'row', [0, 1]), 1e9, 'r.csv')).not.toThrow();
  });
});

describe('data.time_format', () => {
  it('reads the fields it names, in UTC; a format without %d reads months, one with %H date-times', () => {
    const us = timeParser('%m/%d/%Y');
    expect(us('01/31/2000')).toEqual({ t: Date.UTC(2000, 0, 31), format: 'date' });
    expect(us('1/2/2000')).toEqual({ t: Date.UTC(2000, 0, 2), format: 'date' });
    expect(us('31/01/2000')).toBeNull();
    expect(us('02/30/2001')).toBeNull();
    expect(us('2000-01-31')).toBeNull();
    expect(timeParser('%d.%m.%Y %H:%M')('05.03.2021 14:30')).toEqual({ t: Date.UTC(2021, 2, 5, 14, 30), format: 'datetime' });
    expect(timeParser('%b %Y')('Mar 1999')).toEqual({ t: Date.UTC(1999, 2, 1), format: 'month' });
    expect(timeParser('%b %Y')('Foo 1999')).toBeNull();
    // two-digit years: 69-99 the 1900s, 00-68 the 2000s
    expect(timeParser('%d/%m/%y')('01/02/69')?.t).toBe(Date.UTC(1969, 1, 1));
    expect(timeParser('%d/%m/%y')('01/02/68')?.t).toBe(Date.UTC(2068, 1, 1));
    // literal characters, regex specials and %% are read as themselves
    expect(timeParser('%Y.%m (%d)%%')('2020.07 (04)%')?.t).toBe(Date.UTC(2020, 6, 4));
  });
  it('names what is wrong with a pattern', () => {
    expect(timePatternProblem('%m/%d/%Y')).toBeNull();
    expect(timePatternProblem('%d.%m.%y %H:%M:%S')).toBeNull();
    expect(timePatternProblem('%q/%Y')).toMatch(/%q is not a field/);
    expect(timePatternProblem('%m/%d')).toMatch(/needs a year/);
    expect(timePatternProblem('%Y/%d')).toMatch(/needs a month/);
    expect(timePatternProblem('%Y %Y %m')).toMatch(/%Y appears twice/);
    expect(timePatternProblem('%Y %m %M')).toMatch(/%M and %S need %H/);
  });
});

describe('zone offsets', () => {
  it('are read off date-times and written back with them', () => {
    expect(parseTimeValue('2000-01-01T09:00:00+05:30')).toEqual({ t: Date.UTC(2000, 0, 1, 3, 30), format: 'datetime-z', offset: 330 });
    expect(parseTimeValue('2000-01-01T09:00:00-0800')).toEqual({ t: Date.UTC(2000, 0, 1, 17), format: 'datetime-z', offset: -480 });
    expect(parseTimeValue('2000-01-01T09:00:00+00:00')).toEqual({ t: Date.UTC(2000, 0, 1, 9), format: 'datetime-z', offset: 0 });
    expect(parseTimeValue('2000-01-01T09:00:00Z')).toEqual({ t: Date.UTC(2000, 0, 1, 9), format: 'datetime-z' });
    const t = Date.UTC(2000, 0, 1, 3, 30);
    expect(formatTime(t, 'datetime-z', 330)).toBe('2000-01-01T09:00:00+05:30');
    expect(formatTime(t, 'datetime-z', -480)).toBe('1999-12-31T19:30:00-08:00');
    expect(formatTime(t, 'datetime-z', 0)).toBe('2000-01-01T03:30:00+00:00');
    expect(formatTime(t, 'datetime-z')).toBe('2000-01-01T03:30:00Z');
    // only date-times with a zone carry one
    expect(formatTime(t, 'date', 330)).toBe('2000-01-01');
  });
});
