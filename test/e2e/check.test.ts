import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rnnfc, scratch } from './helpers.js';

const F = 'test/fixtures/e2e';

/** The message lines of a failed command (without the "rnnfc: error: " prefix). */
const message = (stderr: string) => stderr.replace(/^rnnfc: error: /, '').trim();

describe('check runs every rule train runs', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch();
  });

  it('a config that does not fit its data (inputs besides the target, strategy recursive) fails check as it fails train', () => {
    const check = rnnfc(dir, ['check', '-c', `${F}/recursive-inputs.yaml`]);
    const train = rnnfc(dir, ['train', '-c', `${F}/recursive-inputs.yaml`, '--out', 'runs/recursive']);
    expect(check.code, check.stderr).toBe(2);
    expect(train.code, train.stderr).toBe(2);
    expect(check.stderr).toMatch(/data\.features: other inputs than the target need window\.mode many-to-one with strategy direct/);
    expect(message(check.stderr)).toBe(message(train.stderr));
    expect(check.stdout).toBe('');
    expect(existsSync(join(dir, 'runs/recursive'))).toBe(false);
  });

  it('a series too short for the windows fails check as it fails train', () => {
    const args = ['--data', `${F}/monthly.csv`, '--time-column', 'month', '--target', 'value', '--lookback', '60', '--horizon', '12'];
    const check = rnnfc(dir, ['check', '-c', `${F}/tiny.yaml`, ...args]);
    const train = rnnfc(dir, ['train', '-c', `${F}/tiny.yaml`, ...args, '--out', 'runs/short']);
    expect(check.code, check.stderr).toBe(2);
    expect(train.code, train.stderr).toBe(2);
    expect(check.stderr).toMatch(/not enough data to train/);
    expect(message(check.stderr)).toBe(message(train.stderr));
  });

  it('a config train accepts passes check', () => {
    const check = rnnfc(dir, ['check', '-c', `${F}/tiny.yaml`, '--json']);
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, rows: 72, target: 'value' });
  });
});
