import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { delimiterText, detectDelimiter, gapsText, type ParseSeriesOptions, parseHeader, parseSeries } from '../../src/data/parse-csv.js';
import { formatTime } from '../../src/data/time.js';
import { DataError } from '../../src/errors.js';
import type { MissingPolicy } from '../../src/types.js';

// Each CSV text gets a file name of its own, as it would have on disk: messages start with it.
const texts = new Map<string, string>();
function csv(text: string): string {
  const name = `f${texts.size}.csv`;
  texts.set(name, text);
  return name;
}
type Read = Omit<ParseSeriesOptions, 'source'> & { path: string };
/** parseSeries on the text registered under `path`, named by it. */
function readSeries({ path, ...opts }: Read) {
  return parseSeries(texts.get(path)!, { ...opts, source: path });
}
const arr = (a: Float64Array) => Array.from(a);
const dates = (s: { index: { times: number[]; format: any } }) => s.index.times.map((t) => formatTime(t, s.index.format));

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    const m = (e as Error).message;
    expect(m).not.toContain('\n');
    return m;
  }
  throw new Error('expected a DataError');
}

// Feb value empty, Mar row absent, May x empty
const GAPS = csv('month,value,x\n2000-01-01,1,10\n2000-02-01,,20\n2000-04-01,4,40\n2000-05-01,5,\n');

describe('gap insertion and missing policies', () => {
  const read = (missing: MissingPolicy, features?: string[]) => readSeries({ path: GAPS, target: 'value', features, missing });
  it('interpolate', () => {
    const s = read('interpolate', ['value', 'x']);
    expect(s.timeColumn).toBe('month');
    expect(s.index.frequency).toEqual({ unit: 'month', step: 1 });
    expect(dates(s)).toEqual(['2000-01-01', '2000-02-01', '2000-03-01', '2000-04-01', '2000-05-01']);
    expect(arr(s.columns.value)).toEqual([1, 2, 3, 4, 5]);
    expect(arr(s.columns.x)).toEqual([10, 20, 30, 40, 40]);
    expect(s.columns.value).toBeInstanceOf(Float64Array);
  });
  it('ffill', () => {
    const s = read('ffill', ['x']);
    expect(s.features).toEqual(['x']);
    expect(Object.keys(s.columns).sort()).toEqual(['value', 'x']);
    expect(arr(s.columns.value)).toEqual([1, 1, 1, 4, 5]);
    expect(arr(s.columns.x)).toEqual([10, 20, 20, 40, 40]);
  });
  it('drop keeps times of remaining rows', () => {
    const both = read('drop', ['x']);
    expect(dates(both)).toEqual(['2000-01-01', '2000-04-01']);
    expect(arr(both.columns.value)).toEqual([1, 4]);
    expect(arr(both.columns.x)).toEqual([10, 40]);
    const only = read('drop');
    expect(only.features).toEqual(['value']);
    expect(Object.keys(only.columns)).toEqual(['value']);
    expect(dates(only)).toEqual(['2000-01-01', '2000-04-01', '2000-05-01']);
    expect(arr(only.columns.value)).toEqual([1, 4, 5]);
  });
  it('error names lines and inserted timestamps', () => {
    const m = message(() => read('error'));
    expect(m).toContain('line 3 (2000-02-01)');
    expect(m).toContain('2000-03-01 (no row)');
    expect(m).toContain('missing: interpolate');
  });
  it('records what the policy did, and says it in one line', () => {
    // Feb and Mar (Feb empty, Mar absent) are one run; May's x is another
    const s = read('interpolate', ['value', 'x']);
    expect(s.gaps).toEqual({
      policy: 'interpolate',
      rows: 3,
      absent: 1,
      runs: [
        { from: '2000-02-01', to: '2000-03-01', rows: 2 },
        { from: '2000-05-01', to: '2000-05-01', rows: 1 },
      ],
    });
    expect(gapsText(s.gaps)).toBe(
      'filled 3 rows with missing values (1 of them absent from the file) by linear interpolation (data.missing interpolate); 2 runs from 2000-02-01 to 2000-05-01, the longest 2 rows (2000-02-01 .. 2000-03-01)',
    );
    // only the target read: May is whole
    const only = read('drop');
    expect(only.gaps?.rows).toBe(2);
    expect(gapsText(only.gaps)).toBe('dropped 2 rows with missing values (1 of them absent from the file) (data.missing drop): 2000-02-01 .. 2000-03-01');
    const absent = readSeries({ path: csv('t,v\n1,1\n2,2\n4,4\n'), target: 'v', missing: 'ffill' });
    expect(gapsText(absent.gaps)).toBe('filled 1 row absent from the file by carrying the last value forward (data.missing ffill): 3');
    // nothing missing: nothing to say
    const whole = readSeries({ path: csv('t,v\n1,1\n2,2\n3,3\n'), target: 'v', missing: 'interpolate' });
    expect(whole.gaps).toBeUndefined();
    expect(gapsText(whole.gaps)).toBeNull();
  });
  it('leading gaps are filled from the first value', () => {
    const p = csv('t,v\n1,\n2,\n3,6\n4,8\n6,12\n');
    expect(arr(readSeries({ path: p, target: 'v', missing: 'interpolate' }).columns.v)).toEqual([6, 6, 6, 8, 10, 12]);
    expect(arr(readSeries({ path: p, target: 'v', missing: 'ffill' }).columns.v)).toEqual([6, 6, 6, 8, 8, 12]);
  });
});

describe('dates rnnfc cannot read by itself', () => {
  it('a first column of them is an error naming data.time_format, not row order in silence; with the format they read', () => {
    const us = csv('date,sales\n01/31/2000,1\n02/29/2000,2\n03/31/2000,3\n');
    expect(message(() => readSeries({ path: us, target: 'sales', missing: 'interpolate' }))).toBe(
      `${us}:2: column "date" looks like dates, but "01/31/2000" is not a spelling rnnfc reads by itself`,
    );
    const s = readSeries({ path: us, target: 'sales', missing: 'interpolate', timeFormat: '%m/%d/%Y' });
    expect(s.timeColumn).toBe('date');
    expect(dates(s)).toEqual(['2000-01-31', '2000-02-29', '2000-03-31']);
    // a first column of decimal numbers is not dates: row order, as before
    expect(readSeries({ path: csv('x,y\n1.5,1\n2.25,2\n'), target: 'y', missing: 'interpolate' }).timeColumn).toBeNull();
    // a cell the format does not fit names the format
    expect(message(() => readSeries({ path: us, target: 'sales', missing: 'interpolate', timeFormat: '%d/%m/%Y' }))).toBe(
      `${us}:2: column "date": "01/31/2000" is not a time written as data.time_format "%d/%m/%Y"`,
    );
  });
});

describe('zone offsets', () => {
  it('one offset in every row is kept for the outputs; several (daylight saving) leave them in UTC', () => {
    const one = readSeries({
      path: csv('t,v\n2000-01-01T09:00:00+05:30,1\n2000-01-02T09:00:00+05:30,2\n2000-01-03T09:00:00+05:30,3\n'),
      target: 'v',
      missing: 'interpolate',
    });
    expect(one.index.offset).toBe(330);
    expect(one.index.times[0]).toBe(Date.UTC(2000, 0, 1, 3, 30));
    const dst = readSeries({
      path: csv('t,v\n2000-03-26T01:00:00+01:00,1\n2000-03-26T03:00:00+02:00,2\n2000-03-26T04:00:00+02:00,3\n'),
      target: 'v',
      missing: 'interpolate',
    });
    expect(dst.index.offset).toBeUndefined();
    expect(dst.index.format).toBe('datetime-z');
    const z = readSeries({ path: csv('t,v\n2000-01-01T09:00:00Z,1\n2000-01-02T09:00:00Z,2\n'), target: 'v', missing: 'interpolate' });
    expect(z.index.offset).toBeUndefined();
    // messages write times as the file does
    expect(
      message(() => readSeries({ path: csv('t,v\n2000-01-01T09:00:00+05:30,1\n2000-01-01T09:00:00+05:30,2\n'), target: 'v', missing: 'interpolate' })),
    ).toMatch(/duplicate timestamp 2000-01-01T09:00:00\+05:30/);
  });
});

describe('delimiters', () => {
  it('detects a comma, semicolon or tab from the header line, outside quotes', () => {
    expect(detectDelimiter('a,b\n1,2\n')).toBe(',');
    expect(detectDelimiter('\uFEFFdate;sales\n2000-01;1,5\n')).toBe(';');
    expect(detectDelimiter('date\tsales\n')).toBe('\t');
    // quoted names do not count, blank lines before the header are skipped; one column: a comma
    expect(detectDelimiter('"a;b;c",d,e\n')).toBe(',');
    expect(detectDelimiter('\n\nx;y\n')).toBe(';');
    expect(detectDelimiter('value\n1\n')).toBe(',');
    expect(delimiterText('\t')).toBe('tab');
    expect(delimiterText(';')).toBe("';'");
  });
  it('reads semicolon and tab files, and records the delimiter on the series', () => {
    const semi = readSeries({ path: csv('month;value\n2000-01-01;1.5\n2000-02-01;2\n2000-03-01;3\n'), target: 'value', missing: 'interpolate' });
    expect(arr(semi.columns.value)).toEqual([1.5, 2, 3]);
    expect(semi.timeColumn).toBe('month');
    expect(semi.delimiter).toBe(';');
    const tab = readSeries({ path: csv('month\tvalue\n2000-01-01\t4\n2000-02-01\t5\n'), target: 'value', missing: 'interpolate' });
    expect(arr(tab.columns.value)).toEqual([4, 5]);
    expect(tab.delimiter).toBe('\t');
    expect(readSeries({ path: csv('t,v\n1,2\n'), target: 'v', missing: 'interpolate' }).delimiter).toBeUndefined();
    // data.delimiter given: used as it is, where detection would take the semicolons
    const odd = csv('name;x,v;w\nA;1,5\nB;2,6\n');
    const given = readSeries({ path: odd, target: 'v;w', timeColumn: null, missing: 'interpolate', delimiter: ',' });
    expect(arr(given.columns['v;w'])).toEqual([5, 6]);
    // (detected, the header has three fields and the rows two)
    expect(message(() => readSeries({ path: odd, target: 'v;w', timeColumn: null, missing: 'interpolate' }))).toMatch(/^f\d+\.csv:2: malformed CSV/);
  });
});

describe('time column', () => {
  it('null means row index', () => {
    const p = csv('a,b\n2000-01-01,1\n2000-01-02,2\n');
    const s = readSeries({ path: p, timeColumn: null, target: 'b', missing: 'error' });
    expect(s.timeColumn).toBeNull();
    expect(s.index).toEqual({ format: 'row', frequency: { unit: 'row', step: 1 }, times: [0, 1] });
  });
  it('auto-detect uses the first column only when every value is a time', () => {
    const p = csv('label,v\nfoo,1\nbar,2\n');
    expect(readSeries({ path: p, target: 'v', missing: 'error' }).index.format).toBe('row');
    const q = csv('v\n1\n2\n3\n');
    const s = readSeries({ path: q, target: 'v', missing: 'error' });
    expect(s.timeColumn).toBeNull();
    expect(arr(s.columns.v)).toEqual([1, 2, 3]);
  });
  it('explicit time column, zoned datetimes', () => {
    const p = csv('v,ts\n1,2000-01-01T01:00:00+01:00\n2,2000-01-01T00:30:00Z\n');
    const s = readSeries({ path: p, timeColumn: 'ts', target: 'v', missing: 'error' });
    expect(s.index.format).toBe('datetime-z');
    expect(s.index.frequency).toEqual({ unit: 'minute', step: 30 });
    expect(dates(s)).toEqual(['2000-01-01T00:00:00Z', '2000-01-01T00:30:00Z']);
  });
});

describe('errors', () => {
  it('empty file and header only', () => {
    const e = csv('');
    expect(message(() => readSeries({ path: e, target: 'v', missing: 'error' }))).toContain('empty file');
    const h = csv('month,v\n');
    expect(message(() => readSeries({ path: h, target: 'v', missing: 'error' }))).toContain('no data rows');
  });
  it('malformed CSV names path:line', () => {
    const p = csv('a,b\n1,2\n3\n');
    expect(message(() => readSeries({ path: p, target: 'b', missing: 'error' }))).toContain(`${p}:3: malformed CSV`);
  });
  it('unknown column lists the available columns', () => {
    const m = message(() => readSeries({ path: GAPS, target: 'nope', missing: 'error' }));
    expect(m).toContain('"nope"');
    expect(m).toContain('available columns: "month", "value", "x"');
    expect(message(() => readSeries({ path: GAPS, target: 'value', features: ['y'], missing: 'error' }))).toContain('"y"');
    expect(message(() => readSeries({ path: GAPS, timeColumn: 'when', target: 'value', missing: 'error' }))).toContain('"when"');
  });
  it('unparsable date', () => {
    const p = csv('month,v\n2000-01-01,1\nxyz,2\n');
    expect(message(() => readSeries({ path: p, timeColumn: 'month', target: 'v', missing: 'error' }))).toBe(
      `${p}:3: column "month": cannot parse "xyz" as a date`,
    );
  });
  it('duplicate timestamps name both lines', () => {
    const p = csv('month,v\n2000-01-01,1\n2000-02-01,2\n2000-02-01,3\n');
    const m = message(() => readSeries({ path: p, target: 'v', missing: 'error' }));
    expect(m).toContain('duplicate timestamp 2000-02-01 at lines 3 and 4');
  });
  it('unsorted rows', () => {
    const p = csv('month,v\n2000-02-01,1\n2000-01-01,2\n');
    const m = message(() => readSeries({ path: p, target: 'v', missing: 'error' }));
    expect(m).toContain('out of time order at lines 2 and 3');
    expect(m).toContain('sort');
  });
  it('irregular timestamp', () => {
    const p = csv('ts,v\n2000-01-01T00:00:00Z,1\n2000-01-01T00:30:00Z,2\n2000-01-01T01:00:00Z,3\n2000-01-01T01:10:00Z,4\n2000-01-01T01:30:00Z,5\n');
    const m = message(() => readSeries({ path: p, target: 'v', missing: 'interpolate' }));
    expect(m).toContain(`${p}: irregular timestamps at line 5 (2000-01-01T01:10:00Z)`);
  });
  it('non-numeric cell names line and column', () => {
    const p = csv('month,v\n2000-01-01,1\n2000-02-01,2\n2000-03-01,abc\n');
    expect(message(() => readSeries({ path: p, target: 'v', missing: 'interpolate' }))).toBe(`${p}:4: column "v": "abc" is not a number`);
  });
});

describe('shipped datasets', () => {
  const read = (file: string, target: string, missing: MissingPolicy = 'error', features?: string[]) =>
    parseSeries(readFileSync(`datasets/${file}`, 'utf8'), { source: `datasets/${file}`, target, features, missing });
  const noNaN = (a: Float64Array) => a.every((v) => !Number.isNaN(v));
  it('airline: monthly, 144 rows', () => {
    const s = read('airline-passengers.csv', 'passengers');
    expect(s.index.times.length).toBe(144);
    expect(s.index.frequency).toEqual({ unit: 'month', step: 1 });
    expect(s.index.format).toBe('date');
    expect(dates(s)[143]).toBe('1960-12-01');
    expect(s.columns.passengers[0]).toBe(112);
  });
  it('co2 and sunspots: monthly', () => {
    const c = read('co2-mauna-loa.csv', 'co2_ppm');
    expect(c.index.times.length).toBe(468);
    expect(c.index.frequency).toEqual({ unit: 'month', step: 1 });
    const s = read('sunspots-monthly.csv', 'sunspots');
    expect(s.index.times.length).toBe(3177);
    expect(s.index.frequency).toEqual({ unit: 'month', step: 1 });
  });
  it('taylor: 30-minute', () => {
    const s = read('taylor-electricity.csv', 'demand_mw');
    expect(s.index.times.length).toBe(4032);
    expect(s.index.frequency).toEqual({ unit: 'minute', step: 30 });
    expect(s.index.format).toBe('datetime-z');
    expect(dates(s)[1]).toBe('2000-06-05T00:30:00Z');
  });
  it('ttrc: business days with all feature columns', () => {
    const s = read('ttrc-stock-ohlcv.csv', 'Close', 'error', ['Open', 'High', 'Low', 'Close', 'Volume']);
    expect(s.index.times.length).toBe(5550);
    expect(s.index.frequency).toEqual({ unit: 'bday', step: 1 });
    expect(Object.keys(s.columns).sort()).toEqual(['Close', 'High', 'Low', 'Open', 'Volume']);
    expect(s.columns.Close[0]).toBe(3.08);
  });
  it('gold: integer index, 34 gaps', () => {
    const s = read('gold-daily.csv', 'price_usd', 'interpolate');
    expect(s.timeColumn).toBe('day');
    expect(s.index.times.length).toBe(1108);
    expect(s.index.frequency).toEqual({ unit: 'integer', step: 1 });
    expect(noNaN(s.columns.price_usd)).toBe(true);
    expect(message(() => read('gold-daily.csv', 'price_usd', 'error'))).toContain('34 missing values');
    expect(read('gold-daily.csv', 'price_usd', 'drop').index.times.length).toBe(1108 - 34);
  });
});

describe('parseHeader', () => {
  it('reads the header and first 50 rows', () => {
    const ttrc = 'datasets/ttrc-stock-ohlcv.csv';
    const h = parseHeader(readFileSync(ttrc, 'utf8'), ttrc);
    expect(h.columns).toEqual(['Date', 'Open', 'High', 'Low', 'Close', 'Volume']);
    expect(h.rows.length).toBe(50);
    expect(h.rows[0]).toEqual(['1985-01-02', '3.18', '3.18', '3.08', '3.08', '1870906']);
    expect(parseHeader(texts.get(GAPS)!, GAPS).rows.length).toBe(4);
  });
  it('names the source in its messages', () => {
    expect(message(() => parseHeader('a,a\n1,2\n', 'dup.csv'))).toBe('dup.csv:1: duplicate column name "a"');
  });
});

describe('hostile cells and headers', () => {
  it('a non-finite number (1e999) is refused naming line and column', () => {
    const p = csv('month,v,w\n2000-01-01,1,2\n2000-02-01,2,1e999\n');
    expect(message(() => readSeries({ path: p, target: 'v', features: ['v', 'w'], missing: 'error' }))).toBe(
      `${p}:3: column "w": "1e999" is too large for a number (it would be infinite); use a value within ±1.7e308`,
    );
    const q = csv('month,v\n2000-01-01,-1e400\n2000-02-01,2\n');
    expect(message(() => readSeries({ path: q, target: 'v', missing: 'error' }))).toContain(`${q}:2: column "v": "-1e400" is too large`);
    // underflow is a number: 0
    const u = csv('month,v\n2000-01-01,1e-999\n2000-02-01,2\n');
    expect(arr(readSeries({ path: u, target: 'v', missing: 'error' }).columns.v)).toEqual([0, 2]);
  });

  it('a 10 MB cell gives a short message', () => {
    const p = csv(`month,v\n2000-01-01,1\n2000-02-01,${'x'.repeat(10_000_000)}\n`);
    const m = message(() => readSeries({ path: p, target: 'v', missing: 'error' }));
    expect(m).toBe(`${p}:3: column "v": "${'x'.repeat(60)}…" (10000000 characters) is not a number`);
  });

  it('control characters in a cell are escaped, not sent to the terminal', () => {
    const p = csv('month,v\n2000-01-01,1\n2000-02-01,"\x1b[2J\x1b]0;owned\x07"\n');
    const m = message(() => readSeries({ path: p, target: 'v', missing: 'error' }));
    expect(m).toBe(`${p}:3: column "v": "\\x1b[2J\\x1b]0;owned\\x07" is not a number`);
    expect([...m].some((ch) => ch.charCodeAt(0) < 0x20)).toBe(false);
    const d = csv('month,v\n2000-01-01,1\n"2000\n02",2\n');
    expect(message(() => readSeries({ path: d, timeColumn: 'month', target: 'v', missing: 'error' }))).toContain('cannot parse "2000\\n02" as a date');
  });

  it('long and odd column names are cut in the list of available columns, and at most 30 are listed', () => {
    const names = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const p = csv(`month,${'n'.repeat(500)},${names.join(',')}\n2000-01-01,1${',1'.repeat(40)}\n`);
    const m = message(() => readSeries({ path: p, target: 'v', missing: 'error' }));
    expect(m).toContain(`available columns: "month", "${'n'.repeat(60)}…" (500 characters), "c0", "c1"`);
    expect(m).toContain('"c27" and 12 more');
    expect(m).not.toContain('"c28"');
  });

  it('the first line of a file that is not a CSV of a series is never shown (a config pointing at /etc/shadow)', () => {
    const p = csv('root:$6$salt$SECRETHASH:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n');
    const m = message(() => readSeries({ path: p, target: 'passengers', missing: 'error' }));
    expect(m).toBe(`${p}: no target column "passengers", and the file does not look like a CSV file of a series (no column of numbers or times)`);
    expect(m).not.toContain('SECRET');
    const only = csv('secret-header-line\n');
    expect(message(() => readSeries({ path: only, target: 'v', missing: 'error' }))).not.toContain('secret');
  });

  it('a duplicate column name is quoted and cut', () => {
    const p = csv(`t,${'d'.repeat(100)},${'d'.repeat(100)}\n1,2,3\n`);
    expect(message(() => readSeries({ path: p, target: 'v', missing: 'error' }))).toBe(`${p}:1: duplicate column name "${'d'.repeat(60)}…" (100 characters)`);
  });

  it("csv-parse's echoed field value is cut", () => {
    const p = csv(`a,b\n${'q'.repeat(1000)} "z",2\n`);
    const m = message(() => readSeries({ path: p, target: 'b', missing: 'error' }));
    expect(m).toBe(`${p}:2: malformed CSV: Invalid Opening Quote: a quote is found on field 0 at line 2, value is "${'q'.repeat(60)}…" (1001 characters)`);
    expect(m.length).toBeLessThan(250);
  });

  it('positive: a value <= 0 is refused with its line and column, missing cells are not checked', () => {
    const positive = { reason: 'the log transform (transforms[0]) needs values > 0', hint: 'remove log' };
    const p = csv('month,v,w\n2000-01-01,1,2\n2000-02-01,,3\n2000-03-01,2,0\n');
    try {
      readSeries({ path: p, target: 'v', features: ['v', 'w'], missing: 'interpolate', positive });
      throw new Error('expected a DataError');
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).message).toBe(`${p}:4: column "w": "0" is not positive; the log transform (transforms[0]) needs values > 0`);
      expect((e as DataError).hint).toBe('remove log');
    }
    const ok = csv('month,v\n2000-01-01,1\n2000-02-01,\n2000-03-01,2\n');
    expect(arr(readSeries({ path: ok, target: 'v', missing: 'interpolate', positive }).columns.v)).toEqual([1, 1.5, 2]);
    // without the option, zero and negative values are read
    expect(arr(readSeries({ path: p, target: 'w', missing: 'error' }).columns.w)).toEqual([2, 3, 0]);
  });
});

describe('sparse time grids', () => {
  it('an integer index 1..144 and one row at 9999999 is refused naming the rows, before the grid is built', () => {
    const rows = Array.from({ length: 144 }, (_, i) => `${i + 1},5`);
    const p = csv(`t,v\n${rows.join('\n')}\n9999999,5\n`);
    expect(message(() => readSeries({ path: p, target: 'v', missing: 'interpolate' }))).toBe(
      `${p}: the regular grid of every 1 integer from 1 to 9999999 would be mostly gaps: 9999854 of its 9999999 points would have no row; ` +
        'the largest gap: 9999854 missing between line 145 (144) and line 146 (9999999); fix or remove the rows that cause it, or check the time column',
    );
  });
  it('daily data with one 9999-12-31 row is refused naming that row', () => {
    const days = Array.from({ length: 60 }, (_, i) => formatTime(Date.UTC(2000, 0, 1 + i), 'date'));
    const p = csv(`date,v\n${days.map((d) => `${d},1`).join('\n')}\n9999-12-31,2\n`);
    const m = message(() => readSeries({ path: p, target: 'v', missing: 'interpolate' }));
    expect(m).toContain('would be mostly gaps');
    expect(m).toContain('between line 61 (2000-02-29) and line 62 (9999-12-31)');
  });
});

describe('known-future columns (data.known_future)', () => {
  const text = 'month,sales,promo\n2020-01,10,0\n2020-02,,1\n2020-03,12,0\n2020-04,,1\n2020-05,,0\n';

  it('reads the rows after the target’s last value as the known columns’ future, and the rows before as the series', () => {
    const s = readSeries({ path: csv(text), target: 'sales', knownFuture: ['promo'], missing: 'interpolate' });
    expect(dates(s)).toEqual(['2020-01', '2020-02', '2020-03']);
    // a gap inside the data is filled as data.missing says; the known column is not an input column
    expect(arr(s.columns.sales)).toEqual([10, 11, 12]);
    expect(Object.keys(s.columns)).toEqual(['sales']);
    expect(arr(s.known!.promo)).toEqual([0, 1, 0, 1, 0]);
    // without known-future columns, trailing rows are the series' (and data.missing fills them)
    expect(dates(readSeries({ path: csv(text), target: 'sales', missing: 'interpolate' }))).toHaveLength(5);
    // a log transform's positivity is the target's and the features', not a known column's
    expect(arr(readSeries({ path: csv(text), target: 'sales', knownFuture: ['promo'], missing: 'ffill', positive: { reason: 'log' } }).known!.promo)).toEqual([
      0, 1, 0, 1, 0,
    ]);
  });

  it('refuses a future row without a known value, or one off the time grid, naming the line', () => {
    expect(
      message(() =>
        readSeries({
          path: csv('month,sales,promo\n2020-01,10,0\n2020-02,11,1\n2020-03,,\n'),
          target: 'sales',
          knownFuture: ['promo'],
          missing: 'interpolate',
        }),
      ),
    ).toMatch(/f\d+\.csv:4: column "promo": no value in a row after the last value of "sales"; such rows give the future of data\.known_future/);
    expect(
      message(() =>
        readSeries({
          path: csv('month,sales,promo\n2020-01,10,0\n2020-02,11,1\n2020-04,,1\n'),
          target: 'sales',
          knownFuture: ['promo'],
          missing: 'interpolate',
        }),
      ),
    ).toMatch(/f\d+\.csv:4: 2020-04 does not continue the series' time grid \(expected 2020-03\)/);
    expect(message(() => readSeries({ path: csv(text), target: 'sales', knownFuture: ['price'], missing: 'interpolate' }))).toContain(
      'no known-future column "price"',
    );
  });
});
