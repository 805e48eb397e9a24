import { describe, expect, it } from 'vitest';
import { runBaseName } from '../../src/commands/common.js';

describe('runBaseName: one plain directory name from the data file', () => {
  it('keeps ordinary names as they were', () => {
    expect(runBaseName('datasets/airline-passengers.csv')).toBe('airline-passengers');
    expect(runBaseName('/data/co2 (mauna loa).v2.csv')).toBe('co2 (mauna loa).v2');
    expect(runBaseName('données_2024.csv')).toBe('données_2024');
    expect(runBaseName('noext')).toBe('noext');
  });
  it('never names the runs directory itself, a hidden or option-like name', () => {
    expect(runBaseName('..csv')).toBe('run');
    expect(runBaseName('...csv')).toBe('run');
    expect(runBaseName('.csv')).toBe('run');
    expect(runBaseName('./-')).toBe('run');
    // '-' alone is standard input
    expect(runBaseName('-')).toBe('stdin');
    expect(runBaseName('.hidden.csv')).toBe('hidden');
    expect(runBaseName('--rm -rf.csv')).toBe('rm -rf');
    expect(runBaseName('x/..')).toBe('run');
  });
  it('replaces control and shell characters and bounds the length', () => {
    expect(runBaseName('a\nb\tc$(d)`e`;f|g*?.csv')).toBe('a_b_c_(d)_e__f_g__');
    expect(runBaseName('a:b\\c.csv')).toBe('a_b_c');
    expect(Buffer.byteLength(runBaseName(`${'é'.repeat(300)}.csv`))).toBe(100);
    expect(runBaseName(`${'x'.repeat(500)}.csv`)).toHaveLength(100);
  });
});
