import { describe, expect, it } from 'vitest';
import { EXCERPT_MAX, excerpt, quote } from '../../src/data/excerpt.js';

describe('excerpt', () => {
  it('leaves short plain text as it is', () => {
    expect(excerpt('sales')).toBe('sales');
    expect(excerpt('')).toBe('');
    expect(excerpt('é 東京 ✓')).toBe('é 東京 ✓');
  });
  it('escapes control characters, DEL, C1, separators and bidirectional overrides', () => {
    expect(excerpt('a\nb\tc\rd')).toBe('a\\nb\\tc\\rd');
    expect(excerpt('\x1b[31mred\x1b[0m')).toBe('\\x1b[31mred\\x1b[0m');
    expect(excerpt('\x00\x7f\x85')).toBe('\\x00\\x7f\\x85');
    expect(excerpt('x\u2028y\u202ez\u2066\ufeff')).toBe('x\\u2028y\\u202ez\\u2066\\ufeff');
  });
  it('cuts long text to the limit with … and the input length', () => {
    const long = 'x'.repeat(10_000_000);
    const e = excerpt(long);
    expect(e).toBe(`${'x'.repeat(EXCERPT_MAX)}… (10000000 characters)`);
    expect(excerpt('abcdef', 3)).toBe('abc… (6 characters)');
    expect(excerpt('abc', 3)).toBe('abc');
  });
  it('counts escapes against the limit and never splits one', () => {
    expect(excerpt('ab\ncd', 3)).toBe('ab… (5 characters)');
    expect(excerpt('\n'.repeat(100)).startsWith('\\n'.repeat(30))).toBe(true);
    expect(excerpt('\n'.repeat(100)).length).toBeLessThan(EXCERPT_MAX + 30);
  });
  it('keeps astral characters whole', () => {
    expect(excerpt('😀😀😀', 6)).toBe('😀😀😀');
    expect(excerpt('😀😀😀', 4)).toBe('😀😀… (6 characters)');
    expect(excerpt('😀😀😀', 3)).toBe('😀… (6 characters)');
  });
});

describe('quote', () => {
  it('quotes as JSON does for plain text', () => {
    for (const s of ['abc', 'a b', 'y: z', 'a"b', 'back\\slash', '']) expect(quote(s)).toBe(JSON.stringify(s));
  });
  it('escapes control characters inside the quotes', () => {
    expect(quote('a\nb')).toBe('"a\\nb"');
    expect(quote('\x1b]0;title\x07')).toBe('"\\x1b]0;title\\x07"');
  });
  it('cuts a long value and says how long it was', () => {
    expect(quote('y'.repeat(1000))).toBe(`"${'y'.repeat(EXCERPT_MAX)}…" (1000 characters)`);
  });
});
