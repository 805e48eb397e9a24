import { describe, expect, it } from 'vitest';
import { csvRows, formatNumber, neutralizeFormula, toCsv } from '../../src/output/csv.js';

describe('formatNumber', () => {
  it('is stable and trimmed', () => {
    expect(formatNumber(1)).toBe('1');
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(1 / 3)).toBe('0.3333333333');
    expect(formatNumber(123456.789012345)).toBe('123456.789');
    expect(formatNumber(-2.5)).toBe('-2.5');
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(1e-12)).toBe('1e-12');
    expect(formatNumber(NaN)).toBe('');
    expect(formatNumber(Infinity)).toBe('');
  });
});

describe('toCsv', () => {
  it('quotes per RFC 4180 and blanks null/NaN', () => {
    const out = toCsv(
      ['t', 'va"l,ue'],
      [
        ['2020-01-01', 1.5],
        ['a,b', null],
        ['say "hi"', NaN],
        ['line\nbreak', 2],
      ],
    );
    expect(out).toBe('t,"va""l,ue"\n2020-01-01,1.5\n"a,b",\n"say ""hi""",\n"line\nbreak",2\n');
  });

  it('in pieces (csvRows: the header, then chunks of rows) gives the same bytes', () => {
    const rows: (string | number | null)[][] = [
      ['2020-01-01', 1.5],
      ['a,b', null],
      ['=cmd', NaN],
    ];
    expect(csvRows([['t', 'v']]) + csvRows(rows.slice(0, 1)) + csvRows(rows.slice(1)) + csvRows([])).toBe(toCsv(['t', 'v'], rows));
    expect(csvRows([])).toBe('');
    expect(toCsv(['t'], [])).toBe('t\n');
  });

  it('neutralises formula cells in the header and the rows, and keeps numbers numbers', () => {
    const out = toCsv(
      ['+cmd', 'forecast'],
      [
        ['=HYPERLINK("http://x","y")', -3.5],
        ['@SUM(A1)', '-3.5'],
        ['-2', '+1e-7'],
      ],
    );
    expect(out).toBe('\'+cmd,forecast\n"\'=HYPERLINK(""http://x"",""y"")",-3.5\n\'@SUM(A1),-3.5\n-2,+1e-7\n');
  });
});

describe('neutralizeFormula (OWASP CSV injection)', () => {
  it('prefixes a single quote to cells starting with = + - @ tab or carriage return', () => {
    expect(neutralizeFormula('=1+1')).toBe("'=1+1");
    expect(neutralizeFormula('+cmd')).toBe("'+cmd");
    expect(neutralizeFormula('-cmd|/c calc')).toBe("'-cmd|/c calc");
    expect(neutralizeFormula('@SUM(1)')).toBe("'@SUM(1)");
    expect(neutralizeFormula('\t=1')).toBe("'\t=1");
    expect(neutralizeFormula('\r=1')).toBe("'\r=1");
    expect(neutralizeFormula('-')).toBe("'-");
    expect(neutralizeFormula('+')).toBe("'+");
    expect(neutralizeFormula('-1+2')).toBe("'-1+2");
  });
  it('leaves plain numbers, times and other text as they are', () => {
    for (const s of ['-3.5', '+2', '-0', '-.5', '-1e-7', '+1E+21', '12', '2000-01-01', '1961-01', '2000-Q1', 'sales', 'a=b', ' =x', '', "'quoted"])
      expect(neutralizeFormula(s)).toBe(s);
  });
});
