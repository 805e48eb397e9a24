import { describe, expect, it } from 'vitest';
import { formatNumber, toCsv } from '../../src/output/csv.js';

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
});
