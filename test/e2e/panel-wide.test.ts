/**
 * Wide panels end to end: several target columns of one CSV (`--target` repeated, or data.target
 * a list), each a series keyed by its column name under `series`. A wide panel is the long panel
 * of the same series under another shape: train, predict and backtest give the same numbers.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rnnfc, seriesEntries } from './helpers.js';
import { expectRefused } from './refusal.js';

/** Monthly values of a series: level, trend and a yearly cycle, from month index `from` for n months. */
function values(from: number, n: number, level: number): Map<number, string> {
  const out = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const m = from + i;
    out.set(m, (level * (1 + 0.01 * i + 0.15 * Math.sin((2 * Math.PI * m) / 12))).toFixed(3));
  }
  return out;
}
const month = (m: number) => `${2000 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
// three series with different starts, ends and levels (as in panel.test.ts)
const SERIES: Record<string, Map<number, string>> = { north: values(0, 48, 100), south: values(15, 40, 5), west: values(6, 36, 2000) };
const NAMES = Object.keys(SERIES);

const COMMON = ['--time-column', 'month', '--horizon', '3', '--epochs', '2', '--threads', '1'];
const WIDE = ['--data', 'wide.csv', ...NAMES.flatMap((n) => ['--target', n]), ...COMMON];
const LONG = ['--data', 'long.csv', '--id-column', 'series', '--target', 'value', ...COMMON];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnnfc-wide-'));
  const wide = ['month,' + NAMES.join(',')];
  for (let m = 0; m < 55; m++) wide.push([month(m), ...NAMES.map((n) => SERIES[n].get(m) ?? '')].join(','));
  writeFileSync(join(dir, 'wide.csv'), wide.join('\n') + '\n');
  // the same series in long format, with the key column named as a wide panel's is
  const long = ['series,month,value'];
  for (const n of NAMES) for (const [m, v] of SERIES[n]) long.push(`${n},${month(m)},${v}`);
  writeFileSync(join(dir, 'long.csv'), long.join('\n') + '\n');
});

/** forecast.csv's future rows as predict prints them: key,time,forecast. */
function futureRows(run: string): string[] {
  return readFileSync(join(dir, run, 'forecast.csv'), 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l.split(',')[2] === 'future')
    .map((l) => {
      // key, time, forecast and the intervals: the columns predict writes
      const c = l.split(',');
      return [c[0], c[1], ...c.slice(4)].join(',');
    });
}
const read = (run: string, file: string) => readFileSync(join(dir, run, file), 'utf8');

describe.each(['local', 'global'])('a wide %s panel', (scope) => {
  const run = `wide-${scope}`;
  beforeAll(() => {
    const r = rnnfc(dir, ['train', ...WIDE, '--scope', scope, '--out', run, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ run, scope, series: 3, failed: [] });
  }, 120_000);

  it('trains each column as a series keyed by its name, with the numbers of the long panel of the same series', () => {
    const panel = JSON.parse(read(run, 'panel.json'));
    expect(panel.id_columns).toEqual(['series']);
    expect(panel.series_count).toBe(3);
    const entries = seriesEntries(join(dir, run));
    expect(entries.map((s: { key: string[]; rows: number }) => `${s.key[0]} ${s.rows}`)).toEqual(['north 48', 'south 40', 'west 36']);
    // each series' target is its own column
    expect(entries.map((s: { pipeline: { target: string } }) => s.pipeline.target)).toEqual(NAMES);
    const lines = read(run, 'forecast.csv').trim().split('\n');
    expect(lines[0]).toBe('series,month,part,actual,forecast,lower_80,upper_80,lower_95,upper_95');
    // south runs from month 15 (2001-04) for 40 months: test 2004-05..07 (months 52..54, i = 37..39:
    // 5 * (1 + 0.01 i + 0.15 sin(2 pi m / 12)) = 5 * (1.37 + 0.15 sin 120°), 5 * (1.38 + 0.15 sin 150°), 5 * 1.39), future 2004-08..10
    expect(lines.filter((l) => l.startsWith('south,')).map((l) => l.split(',').slice(1, 4).join(' '))).toEqual([
      '2004-05 test 7.5',
      '2004-06 test 7.275',
      '2004-07 test 6.95',
      '2004-08 future ',
      '2004-09 future ',
      '2004-10 future ',
    ]);
    const long = rnnfc(dir, ['train', ...LONG, '--scope', scope, '--out', `long-${scope}`, '--quiet']);
    expect(long.code, long.stderr).toBe(0);
    expect(read(run, 'forecast.csv')).toBe(read(`long-${scope}`, 'forecast.csv'));
    expect(read(run, 'metrics.json')).toBe(read(`long-${scope}`, 'metrics.json'));
    expect(read(run, 'config.yaml')).toMatch(/^ {2}target: \[ north, south, west \]$/m);
  }, 120_000);

  it("predict reads the same wide CSV and repeats train's future rows; --id picks columns", () => {
    const all = rnnfc(dir, ['predict', '-m', run, '-o', '-']);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toBe('series,month,forecast,lower_80,upper_80,lower_95,upper_95');
    expect(lines.slice(1)).toEqual(futureRows(run));
    const one = rnnfc(dir, ['predict', '-m', run, '--id', 'west', '--json']);
    expect(one.code, one.stderr).toBe(0);
    const json = JSON.parse(one.stdout);
    expect(json.id_columns).toEqual(['series']);
    expect(
      json.series[0].forecast.map((f: Record<string, string | number>) =>
        ['west', f.time, f.forecast, f.lower_80, f.upper_80, f.lower_95, f.upper_95].join(','),
      ),
    ).toEqual(futureRows(run).filter((l) => l.startsWith('west,')));
  });
});

describe('wide panels from a config file, and backtest', () => {
  it('data.target as a list: the run of the long panel with the same settings; its config.yaml trains it again', () => {
    const settings = 'window: {horizon: 3, lookback: 6}\nmodel: {scope: local}\ntraining: {epochs: 2, threads: 1}\n';
    writeFileSync(join(dir, 'wide.yaml'), `data: {path: wide.csv, time_column: month, target: [north, south, west]}\n${settings}`);
    writeFileSync(join(dir, 'long.yaml'), `data: {path: long.csv, time_column: month, target: value, id_column: series}\n${settings}`);
    for (const [config, out] of [
      ['wide.yaml', 'from-config'],
      ['long.yaml', 'long-config'],
      ['from-config/config.yaml', 'again'],
    ]) {
      const r = rnnfc(dir, ['train', '-c', config, '--out', out, '--quiet']);
      expect(r.code, r.stderr).toBe(0);
    }
    const panel = JSON.parse(read('from-config', 'panel.json'));
    expect(panel.configless).toBe(false);
    expect(seriesEntries(join(dir, 'from-config')).map((s: { key: string[] }) => s.key[0])).toEqual(NAMES);
    expect(read('from-config', 'forecast.csv')).toBe(read('long-config', 'forecast.csv'));
    expect(read('again', 'forecast.csv')).toBe(read('from-config', 'forecast.csv'));
  }, 120_000);

  it('backtest scores each column as the long panel scores its series', () => {
    const args = ['--scope', 'local', '--origins', '2', '--json'];
    const wide = rnnfc(dir, ['backtest', ...WIDE, ...args]);
    expect(wide.code, wide.stderr).toBe(0);
    const w = JSON.parse(wide.stdout);
    expect(w).toMatchObject({ target: NAMES, id_columns: ['series'], scope: 'local', origins: 2, failed: [] });
    const long = JSON.parse(rnnfc(dir, ['backtest', ...LONG, ...args]).stdout);
    expect(w.series).toEqual(long.series);
    expect(w.pooled).toEqual(long.pooled);
    expect(w.series.map((s: { key: string[] }) => s.key[0])).toEqual(NAMES);
  }, 120_000);

  it('a wide panel with a key column, or a time column named series, is refused', () => {
    expectRefused(
      dir,
      ['train', ...WIDE, '--id-column', 'id', '--out', 'never'],
      /--id-column: is for a long panel \(one target column, each key a series\); with 3 target columns the panel is wide/,
    );
    writeFileSync(join(dir, 'series-time.csv'), read('.', 'wide.csv').replace(/^month,/, 'series,'));
    expectRefused(
      dir,
      ['train', '--data', 'series-time.csv', '--target', 'north', '--target', 'south', '--horizon', '3', '--out', 'never'],
      /series-time\.csv: the time column is named "series", the name a wide panel's key column gets in the forecasts; rename the time column/,
    );
  });
});
