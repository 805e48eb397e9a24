import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rnnfc, scratch } from './helpers.js';
import { expectRefused } from './refusal.js';

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

/** Monthly rows `id,month,value` of a series of n rows from January 2000. */
function rows(id: string, n: number, level: number): string[] {
  return Array.from(
    { length: n },
    (_, m) =>
      `${id},${2000 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')},${(level * (1 + 0.01 * m + 0.15 * Math.sin((2 * Math.PI * m) / 12))).toFixed(3)}`,
  );
}

describe('check on a panel runs the per-series rules train runs', () => {
  let dir: string;
  const panelFlags = ['--data', 'panel.csv', '--id-column', 'id', '--time-column', 'month', '--target', 'value', '--horizon', '3'];
  beforeAll(() => {
    dir = scratch();
    // "tiny" has 5 rows: too short for any window of horizon 3 with a test period of 3
    writeFileSync(join(dir, 'panel.csv'), ['id,month,value', ...rows('north', 48, 100), ...rows('south', 40, 5), ...rows('tiny', 5, 7)].join('\n') + '\n');
  });

  it('lists the series train would skip, with the reasons train gives (exit 0)', () => {
    const config = 'window: {lookback: 12, horizon: 3}\nmodel: {scope: local}\ntraining: {epochs: 1, threads: 1}\n';
    writeFileSync(join(dir, 'panel.yaml'), `data: {path: panel.csv, id_column: id, time_column: month, target: value}\n${config}`);
    const check = rnnfc(dir, ['check', '-c', 'panel.yaml', '--json']);
    expect(check.code, check.stderr).toBe(0);
    const c = JSON.parse(check.stdout);
    expect(c).toMatchObject({ ok: true, series: 3, id_columns: ['id'], rows: { min: 5, max: 48 }, target: 'value', scope: 'local' });
    expect(c.scopes).toHaveLength(1);
    expect(c.scopes[0].fitted).toBe(2);
    expect(c.scopes[0].skipped.map((s: { key: string[] }) => s.key)).toEqual([['tiny']]);
    const train = rnnfc(dir, ['train', '-c', 'panel.yaml', '--out', 'runs/panel', '--quiet']);
    expect(train.code, train.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'runs/panel/panel.json'), 'utf8')).failed).toEqual(c.scopes[0].skipped);
    const text = rnnfc(dir, ['check', '-c', 'panel.yaml']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /^ok: .*panel\.csv: 3 series \(key id; target value\), 5 to 48 rows, every 1 month\nlocal models: 2 of 3 series can be fitted; 1 would be skipped:\n {2}"tiny": /,
    );
  });

  it('config-less without --scope: the local models decide, the global model is shown beside them', () => {
    const check = rnnfc(dir, ['check', ...panelFlags, '--json']);
    expect(check.code, check.stderr).toBe(0);
    const c = JSON.parse(check.stdout);
    expect(c.scope).toBe('chosen by train');
    expect(c.scopes.map((s: { scope: string }) => s.scope)).toEqual(['local', 'global']);
    for (const s of c.scopes) expect(s.fitted + s.skipped.length).toBe(3);
    const global = rnnfc(dir, ['check', ...panelFlags, '--scope', 'global', '--json']);
    expect(JSON.parse(global.stdout).scopes).toEqual([c.scopes[1]]);
  });

  it('exit 2 with the message train gives when no series can be fitted, and for a bad panel', () => {
    writeFileSync(join(dir, 'long.yaml'), 'data: {path: panel.csv, id_column: id, time_column: month, target: value}\nwindow: {lookback: 60, horizon: 3}\n');
    const check = rnnfc(dir, ['check', '-c', 'long.yaml']);
    const train = rnnfc(dir, ['train', '-c', 'long.yaml', '--out', 'runs/never']);
    expect(check.code, check.stderr).toBe(2);
    expect(train.code, train.stderr).toBe(2);
    expect(check.stderr).toMatch(/panel\.csv: none of the 3 series could be fitted:\n {2}"north": /);
    expect(message(check.stderr)).toBe(message(train.stderr));
    expect(check.stdout).toBe('');
    writeFileSync(
      join(dir, 'mixed.csv'),
      ['id,month,value', ...rows('a', 30, 1), 'b,2000-01,1', 'b,2000-03,2', 'b,2000-05,3', 'b,2000-07,4'].join('\n') + '\n',
    );
    expectRefused(
      dir,
      ['check', ...panelFlags, '--data', 'mixed.csv'],
      /mixed\.csv \(series "b"\): frequency 2 months, but most series of the panel are month/,
    );
  });

  it('a wide panel: one series per target column', () => {
    writeFileSync(
      join(dir, 'wide.csv'),
      ['month,a,b', ...rows('x', 30, 1).map((r, i) => `${r.split(',')[1]},${r.split(',')[2]},${i < 2 ? '' : i}`)].join('\n') + '\n',
    );
    const check = rnnfc(dir, ['check', '--data', 'wide.csv', '--target', 'a', '--target', 'b', '--horizon', '3', '--scope', 'local']);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/wide\.csv: 2 series \(one per target column\), 28 to 30 rows, every 1 month\nlocal models: 2 of 2 series can be fitted\n$/);
  });
});
