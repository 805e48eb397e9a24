import { describe, expect, it } from 'vitest';
import { appendAhead, calendarPhase, calendarProblem, calendarRows } from '../../src/data/calendar.js';
import type { TimeIndex } from '../../src/types.js';

describe('calendar inputs (data.calendar)', () => {
  it('gives each feature its phase in the day, the week or the year, in UTC', () => {
    // Wednesday 10 March 2021, 18:30 UTC
    const t = Date.UTC(2021, 2, 10, 18, 30);
    expect(calendarPhase('hour_of_day', t)).toBe(18.5 / 24);
    expect(calendarPhase('day_of_week', t)).toBe(3 / 7);
    expect(calendarPhase('month_of_year', t)).toBe(2 / 12);
    // midnight on Sunday 1 January: every phase 0
    const start = Date.UTC(2023, 0, 1);
    for (const f of ['hour_of_day', 'day_of_week', 'month_of_year'] as const) expect(calendarPhase(f, start)).toBe(0);
  });

  it('writes (sin, cos) of 2π phase per feature, row after row', () => {
    const times = [Date.UTC(2021, 0, 1, 6), Date.UTC(2021, 0, 1, 12)];
    const cal = calendarRows(['hour_of_day', 'month_of_year'], times);
    expect([cal.width, cal.rows]).toEqual([4, 2]);
    // 06:00 is a quarter of the day: sin 1, cos 0; January: sin 0, cos 1; 12:00: sin 0, cos -1
    const want = [1, 0, 0, 1, 0, -1, 0, 1];
    Array.from(cal.values).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });

  it('refuses integer and row indexes, grids coarser than the feature, and a feature the same at every row', () => {
    const index = (unit: TimeIndex['frequency']['unit'], step: number, times: number[], format: TimeIndex['format'] = 'datetime-z'): TimeIndex => ({
      format,
      frequency: { unit, step },
      times,
    });
    const hours = [0, 1, 2, 3].map((h) => Date.UTC(2021, 0, 1, h));
    expect(calendarProblem('hour_of_day', index('hour', 1, hours))).toBeNull();
    expect(calendarProblem('hour_of_day', index('integer', 1, [1, 2, 3], 'integer'))).toContain('needs calendar times, but the series is indexed by integers');
    expect(calendarProblem('day_of_week', index('row', 1, [0, 1, 2], 'row'))).toContain('indexed by row order');
    const months = [0, 1, 2, 3].map((m) => Date.UTC(2021, m, 1));
    expect(calendarProblem('month_of_year', index('month', 1, months, 'date'))).toBeNull();
    // the weekday a month starts on says nothing about the month
    expect(calendarProblem('day_of_week', index('month', 1, months, 'date'))).toBe(
      'day_of_week says nothing about rows 1 month apart (it needs rows minutes, hours or days apart); leave it out',
    );
    expect(
      calendarProblem(
        'hour_of_day',
        index(
          'day',
          1,
          [0, 1].map((d) => Date.UTC(2021, 0, 1 + d)),
          'date',
        ),
      ),
    ).toContain('rows 1 day apart');
    // every 7 days: always the same weekday
    const weekly = [0, 7, 14].map((d) => Date.UTC(2021, 0, 4 + d));
    expect(calendarProblem('day_of_week', index('day', 7, weekly, 'date'))).toBe(
      'day_of_week is the same at every row of this series (rows 7 days apart), so it tells the model nothing; leave it out',
    );
  });

  it('puts the calendar inputs of each step’s row after its inputs', () => {
    // rows r carry (r, -r); two windows of 3 steps and 2 inputs, starting at rows 1 and 4
    const cal = { width: 2, rows: 8, values: Float32Array.from({ length: 16 }, (_, i) => (i % 2 ? -(i >> 1) : i >> 1)) };
    const x = Float32Array.from({ length: 12 }, (_, i) => 100 + i);
    const out = appendAhead(x, 2, 3, 2, [1, 4], cal);
    expect(Array.from(out)).toEqual([...[100, 101, 1, -1, 102, 103, 2, -2, 104, 105, 3, -3], ...[106, 107, 4, -4, 108, 109, 5, -5, 110, 111, 6, -6]]);
    expect(() => appendAhead(x, 2, 3, 2, [1, 6], cal)).toThrow('inputs known ahead of row 8 asked for, but only 8 rows are known');
  });
});
