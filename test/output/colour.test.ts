import { describe, expect, it } from 'vitest';
import { colourOn, paint } from '../../src/output/colour.js';

describe('colour', () => {
  it('is on for a TTY, off with NO_COLOR, on with FORCE_COLOR even without a TTY', () => {
    expect(colourOn({ isTTY: true }, {})).toBe(true);
    expect(colourOn({ isTTY: false }, {})).toBe(false);
    expect(colourOn({}, {})).toBe(false);
    expect(colourOn({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    // an empty NO_COLOR does not count (no-color.org)
    expect(colourOn({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colourOn({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourOn({ isTTY: true }, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(colourOn({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(true);
    expect(colourOn({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourOn({ isTTY: false }, { FORCE_COLOR: 'false' })).toBe(false);
  });
  it('wraps text in the colour and a reset, or leaves it', () => {
    expect(paint('warn', 'yellow', true)).toBe('\x1b[33mwarn\x1b[0m');
    expect(paint('ok', 'green', true)).toBe('\x1b[32mok\x1b[0m');
    expect(paint('warn', 'yellow', false)).toBe('warn');
  });
});
