import { describe, expect, it } from 'vitest';
import { compareKeys, keyText, parsePanel } from '../../src/data/panel.js';
import { DataError } from '../../src/errors.js';
import { thrown } from '../thrown.js';

const long = (rows: string[], header = 'sku,month,units') => [header, ...rows].join('\n') + '\n';
const base = { source: 'sales.csv', target: 'units', missing: 'interpolate' as const, idColumns: ['sku'] };

describe('parsePanel, long format', () => {
  it('groups rows by key, sorts series by key and each series by time, whatever the row order', () => {
    const text = long(['b,2000-02,5', 'a,2000-03,3', 'b,2000-01,4', 'a,2000-01,1', 'a,2000-02,2', 'b,2000-03,6']);
    const p = parsePanel(text, base);
    expect(p.idColumns).toEqual(['sku']);
    expect(p.members.map((m) => m.key)).toEqual([['a'], ['b']]);
    expect(Array.from(p.members[0].series.columns.units)).toEqual([1, 2, 3]);
    expect(Array.from(p.members[1].series.columns.units)).toEqual([4, 5, 6]);
    expect(p.frequency).toEqual({ unit: 'month', step: 1 });
    expect(p.members[0].series.timeColumn).toBe('month');
  });

  it('gives each series its own timeline and missing-value policy', () => {
    // a: Jan..Apr with March missing (interpolated); b: starts in March
    const text = long(['a,2000-01,1', 'a,2000-02,2', 'a,2000-04,4', 'b,2000-03,10', 'b,2000-04,20', 'b,2000-05,30']);
    const p = parsePanel(text, base);
    expect(Array.from(p.members[0].series.columns.units)).toEqual([1, 2, 3, 4]);
    expect(p.members[1].series.index.times).toHaveLength(3);
    expect(p.members[1].series.index.times[0]).toBe(Date.UTC(2000, 2, 1));
  });

  it("records each series' filled rows, and reads semicolon and tab files (line by line or quoted)", () => {
    const rows = ['a,2000-01,1', 'a,2000-02,2', 'a,2000-04,4', 'b,2000-03,10', 'b,2000-04,20', 'b,2000-05,30'];
    const p = parsePanel(long(rows), base);
    expect(p.members[0].series.gaps).toEqual({ policy: 'interpolate', rows: 1, absent: 1, runs: [{ from: '2000-03', to: '2000-03', rows: 1 }] });
    expect(p.members[1].series.gaps).toBeUndefined();
    expect(p.delimiter).toBeUndefined();
    for (const d of [';', '\t'] as const) {
      const text = long(
        rows.map((r) => r.replaceAll(',', d)),
        ['sku', 'month', 'units'].join(d),
      );
      // unquoted: read line by line; quoted: by the CSV parser; the same series either way
      for (const t of [text, text.replace('sku', '"sku"')]) {
        const q = parsePanel(t, base);
        expect(q.delimiter).toBe(d);
        expect(q.members.map((m) => Array.from(m.series.columns.units))).toEqual(p.members.map((m) => Array.from(m.series.columns.units)));
      }
    }
  });

  it('takes several key columns; a key is the tuple of their values', () => {
    const text = long(['s1,x,2000,1', 's1,y,2000,2', 's1,x,2001,3', 's1,y,2001,4', 's2,x,2000,5', 's2,x,2001,6'], 'store,sku,year,units');
    const p = parsePanel(text, { ...base, idColumns: ['store', 'sku'], timeColumn: 'year' });
    expect(p.members.map((m) => m.key)).toEqual([
      ['s1', 'x'],
      ['s1', 'y'],
      ['s2', 'x'],
    ]);
    expect(Array.from(p.members[1].series.columns.units)).toEqual([2, 4]);
  });

  it('puts a series too short to show a frequency on the panel frequency', () => {
    const text = long(['a,2000-01-01,1', 'a,2000-02-01,2', 'a,2000-03-01,3', 'a,2000-04-01,4', 'b,2000-01-01,7', 'b,2000-03-01,8']);
    const p = parsePanel(text, base);
    expect(p.frequency).toEqual({ unit: 'month', step: 1 });
    // b's two rows are two months apart: on the monthly grid, February is missing and interpolated
    expect(Array.from(p.members[1].series.columns.units)).toEqual([7, 7.5, 8]);
  });

  it('refuses an empty key, naming the line and column', () => {
    const e = thrown(() => parsePanel(long(['a,2000-01,1', ',2000-02,2']), base), DataError);
    expect(e.message).toBe(`sales.csv:3: key column "sku" is empty; every row needs its series' key`);
  });

  it('refuses a duplicate (key, time), naming the series and both lines', () => {
    const e = thrown(() => parsePanel(long(['a,2000-01,1', 'b,2000-01,1', 'a,2000-02,2', 'a,2000-01,9']), base), DataError);
    expect(e.message).toBe('sales.csv (series "a"): duplicate timestamp 2000-01 at lines 2 and 5; remove one of them');
  });

  it('refuses mixed frequencies, naming the series that differs', () => {
    const rows = ['a,2000-01-01,1', 'a,2000-02-01,2', 'a,2000-03-01,3', 'b,2000-01-01,1', 'b,2000-02-01,2', 'b,2000-03-01,3'];
    rows.push('c,2000-01-01,1', 'c,2000-01-02,2', 'c,2000-01-03,3');
    const e = thrown(() => parsePanel(long(rows), base), DataError);
    expect(e.message).toMatch(/^sales\.csv \(series "c"\): frequency day, but most series of the panel are month; a panel has one frequency/);
  });

  it('refuses a series with no numeric values, naming it', () => {
    const e = thrown(() => parsePanel(long(['a,2000-01,1', 'a,2000-02,2', 'b,2000-01,NA', 'b,2000-02,']), base), DataError);
    expect(e.message).toBe('sales.csv (series "b"): column "units" has no numeric values');
  });

  it('names the series and line of a bad value', () => {
    const e = thrown(() => parsePanel(long(['a,2000-01,1', 'b,2000-01,x']), base), DataError);
    expect(e.message).toBe('sales.csv:3 (series "b"): column "units": "x" is not a number');
  });

  it('refuses a key column that is missing, or is also the target', () => {
    expect(thrown(() => parsePanel(long(['a,2000-01,1']), { ...base, idColumns: ['store'] }), DataError).message).toMatch(
      /^sales\.csv: no key column "store"; available columns: "sku", "month", "units"/,
    );
    expect(thrown(() => parsePanel(long(['a,2000-01,1']), { ...base, idColumns: ['units'] }), DataError).message).toMatch(
      /column "units" cannot be both a key column and the target/,
    );
  });
});

describe('parsePanel, wide format', () => {
  it('makes each target column a series running from its first to its last value', () => {
    const text = ['month,a,b', '2000-01,1,', '2000-02,2,10', '2000-03,3,20', '2000-04,,30', '2000-05,5,'].join('\n') + '\n';
    const p = parsePanel(text, { source: 'w.csv', target: 'unused', targets: ['b', 'a'], missing: 'interpolate' });
    expect(p.idColumns).toEqual(['series']);
    expect(p.members.map((m) => m.key)).toEqual([['a'], ['b']]);
    expect(Array.from(p.members[0].series.columns.a)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(p.members[1].series.columns.b)).toEqual([10, 20, 30]);
    expect(p.members[1].series.target).toBe('b');
  });
});

describe('keys', () => {
  it('compare element by element by code units, and show joined by " / "', () => {
    expect(compareKeys(['a', 'b'], ['a', 'c'])).toBeLessThan(0);
    expect(compareKeys(['B'], ['a'])).toBeLessThan(0);
    expect(compareKeys(['a'], ['a'])).toBe(0);
    expect(keyText(['s1', 'x'])).toBe('"s1 / x"');
  });
});

describe('parsePanel, the time column when none is named', () => {
  it('is the first column of dates, wherever it is, never a number column', () => {
    const text = long(['a,12,2000-01,1', 'a,13,2000-02,2', 'b,14,2000-01,3'], 'sku,price,month,units');
    expect(parsePanel(text, base).members[0].series.timeColumn).toBe('month');
  });
  it('is an integer column only when it comes first after the keys', () => {
    const text = long(['a,1,5', 'a,2,6', 'b,1,7'], 'sku,t,units');
    expect(parsePanel(text, base).members[0].series.timeColumn).toBe('t');
    const other = long(['a,5,1', 'a,6,2', 'b,7,1'], 'sku,units,t');
    expect(parsePanel(other, base).members[0].series.timeColumn).toBeNull();
  });
});

describe('parsePanel reads a long panel without quotes line by line, as csv-parse reads it', () => {
  it('gives the same panel either way', () => {
    const rows = ['b, 2000-02 ,5', 'a,2000-03,3', '', 'b,2000-01,4\r', 'a,2000-01,1', 'a,2000-02,', 'b,2000-03,6'];
    const plain = long(rows);
    // one quoted cell sends the text through csv-parse
    const quoted = long(rows.map((r) => r.replace(/^a,/, '"a",')));
    expect(parsePanel(plain, base)).toEqual(parsePanel(quoted, base));
    expect(parsePanel('\ufeff' + plain, base)).toEqual(parsePanel(quoted, base));
  });

  it('names the line of a row with too many or too few fields', () => {
    expect(thrown(() => parsePanel(long(['a,2000-01,1', 'a,2000-02,2,9']), base), DataError).message).toBe(
      'sales.csv:3: malformed CSV: 4 fields, but the header has 3',
    );
  });
});

describe('parsePanel, static columns', () => {
  const header = 'sku,month,units,region,size';
  it("reads each series' one value of every static column, and keeps them out of the time column's detection", () => {
    const text = long(['b,2000-01,4,east,2', 'a,2000-01,1,west,10', 'a,2000-02,2,west,10', 'b,2000-02,5,east,2'], header);
    for (const t of [text, text.replace('b,2000-01,4,east,2', '"b",2000-01,4,east,2')]) {
      const p = parsePanel(t, { ...base, staticColumns: ['region', 'size'] });
      expect(p.members.map((m) => m.statics)).toEqual([
        ['west', '10'],
        ['east', '2'],
      ]);
      expect(p.members[0].series.timeColumn).toBe('month');
    }
    expect(parsePanel(text, base).members[0].statics).toBeUndefined();
  });

  it('refuses a series whose static value changes or is empty, naming the series and lines, and an absent column', () => {
    const changes = long(['a,2000-01,1,west,10', 'a,2000-02,2,east,10'], header);
    expect(thrown(() => parsePanel(changes, { ...base, staticColumns: ['region'] }), DataError).message).toBe(
      'sales.csv:3 (series "a"): static column "region" is "east" here but "west" on line 2; a static column holds one value per series',
    );
    const empty = long(['a,2000-01,1,west,10', 'a,2000-02,2,west,'], header);
    expect(thrown(() => parsePanel(empty, { ...base, staticColumns: ['size'] }), DataError).message).toMatch(
      /^sales.csv:3 \(series "a"\): static column "size" is empty; every row of a series needs its value$/,
    );
    expect(thrown(() => parsePanel(empty, { ...base, staticColumns: ['colour'] }), DataError).message).toMatch(/no static column "colour"/);
  });
});
