/** Inputs known ahead (data.calendar, data.known_future), row by row, and the check that they reach the horizon. */
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { aheadInputs, checkKnownAhead, knownAheadRows, knownScales } from '../../src/forecast/ahead.js';
import type { TimeIndex } from '../../src/types.js';
import { thrown } from '../thrown.js';

// four daily rows from Monday 4 January 2021, and a known column given two rows further
const index: TimeIndex = { format: 'date', frequency: { unit: 'day', step: 1 }, times: [0, 1, 2, 3].map((d) => Date.UTC(2021, 0, 4 + d)) };
const known = { promo: Float64Array.from([1, 3, 1, 3, 5, 7]) };
const series = { index, known, target: 'sales' };

describe('inputs known ahead', () => {
  it('standardises each known-future column by its training rows', () => {
    // rows [0, 4): mean 2, population sd 1
    expect(knownScales(['promo'], known, 4)).toEqual([{ name: 'promo', mean: 2, sd: 1 }]);
    // a constant column keeps sd 1
    expect(knownScales(['promo'], { promo: Float64Array.from([4, 4, 4]) }, 3)).toEqual([{ name: 'promo', mean: 4, sd: 1 }]);
  });

  it('puts each row’s calendar inputs first, then its known values, for the rows and as far ahead as the known columns reach', () => {
    const io = { calendar: ['day_of_week' as const], known: [{ name: 'promo', mean: 2, sd: 1 }] };
    expect(knownAheadRows(io, series, 5)).toBe(2);
    const a = aheadInputs(io, series, 5)!;
    expect([a.width, a.rows]).toEqual([3, 6]);
    for (let r = 0; r < 6; r++) {
      // Monday is day 1 of the week (Sunday 0)
      const angle = (2 * Math.PI * ((1 + r) % 7)) / 7;
      expect(a.values[r * 3]).toBeCloseTo(Math.sin(angle), 6);
      expect(a.values[r * 3 + 1]).toBeCloseTo(Math.cos(angle), 6);
      expect(a.values[r * 3 + 2]).toBe(known.promo[r] - 2);
    }
    // calendar inputs alone reach the whole horizon
    expect(aheadInputs({ calendar: ['day_of_week'] }, { index }, 5)!.rows).toBe(9);
    expect(aheadInputs({}, series, 5)).toBeUndefined();
  });

  it('refuses a future forecast the known columns do not reach, saying how far they do', () => {
    const io = { known: [{ name: 'promo', mean: 2, sd: 1 }] };
    expect(() => checkKnownAhead(io, series, 2)).not.toThrow();
    const e = thrown(() => checkKnownAhead(io, series, 3), DataError);
    expect(e.message).toBe('data.known_future: the file gives promo for 2 rows after the last value of "sales", and forecasting the next 3 needs 3');
  });
});
