import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rnnfc, scratch } from './helpers.js';

const F = 'test/fixtures/e2e';
const base = ['--time-column', 'month', '--target', 'value', '--epochs', '1', '--horizon', '2', '--lookback', '3'];

// each: arguments, a pattern the message must match
const cases: [string, string[], RegExp][] = [
  ['missing data file', ['train', '--data', `${F}/nope.csv`, ...base], /nope\.csv/],
  ['empty file', ['train', '--data', `${F}/empty.csv`, ...base], /empty\.csv.*empty|empty.*empty\.csv/i],
  ['wrong target column', ['train', '--data', `${F}/monthly.csv`, '--time-column', 'month', '--target', 'sales'], /sales/],
  ['wrong time column', ['train', '--data', `${F}/monthly.csv`, '--time-column', 'date', '--target', 'value'], /date/],
  ['duplicate timestamps', ['train', '--data', `${F}/dup.csv`, ...base], /dup\.csv.*(duplicate)/i],
  ['non-numeric cell', ['train', '--data', `${F}/nonnumeric.csv`, ...base], /nonnumeric\.csv.*3.*abc|abc.*nonnumeric\.csv/],
  ['unparsable date', ['train', '--data', `${F}/baddate.csv`, ...base], /not-a-date/],
  ['irregular timestamps', ['train', '--data', `${F}/irregular.csv`, ...base], /irregular\.csv.*irregular|irregular\.csv.*(line|row)/i],
  ['invalid config values', ['train', '-c', `${F}/badconfig.yaml`], /model\.cell[\s\S]*model\.layers\[0\]\.units[\s\S]*training\.epochs/],
  ['invalid YAML', ['train', '-c', `${F}/badyaml.yaml`], /badyaml\.yaml:\d+/],
  ['missing config file', ['train', '-c', `${F}/none.yaml`], /none\.yaml/],
  ['unknown backend', ['train', '-c', `${F}/tiny.yaml`, '--backend', 'metal'], /metal/],
  ['native backend not installed', ['train', '-c', `${F}/tiny.yaml`, '--backend', 'tensorflow', '--out', 'runs/native'], /@tensorflow\/tfjs-node/],
  ['missing run directory', ['predict', '-m', 'runs/none'], /runs\/none/],
  ['check finds every config problem', ['check', '-c', `${F}/badconfig.yaml`], /model\.cell[\s\S]*training\.epochs/],
];

describe('bad input: exit 2, one clear message, no stack trace, nothing written', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch();
  });
  for (const [name, args, pattern] of cases) {
    it(name, () => {
      const r = rnnfc(dir, args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.stdout).toBe('');
      expect(existsSync(join(dir, 'runs')) ? readdirSync(join(dir, 'runs')) : []).toEqual([]);
    });
  }

  it('a damaged run directory is refused with the file named, and the run is left as it was', () => {
    const t = rnnfc(dir, ['train', '-c', `${F}/tiny.yaml`, '--epochs', '1', '--out', 'damaged', '--quiet']);
    expect(t.code).toBe(0);
    const w = join(dir, 'damaged/weights.bin');
    const bytes = readFileSync(w);
    bytes[10] ^= 0xff;
    writeFileSync(w, bytes);
    const r = rnnfc(dir, ['predict', '-m', 'damaged']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/weights\.bin.*damaged/);
    expect(r.stdout).toBe('');
  });

  it('an incompatible run (newer format) is refused', () => {
    mkdirSync(join(dir, 'future'), { recursive: true });
    writeFileSync(join(dir, 'future/manifest.json'), JSON.stringify({ format: 'rnnfc-run', format_version: 99, files: {} }));
    const r = rnnfc(dir, ['predict', '-m', 'future']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/newer rnnfc/);
  });

  it('predict on data with another frequency is refused', () => {
    const t = rnnfc(dir, ['train', '-c', `${F}/tiny.yaml`, '--epochs', '1', '--out', 'ok', '--quiet']);
    expect(t.code).toBe(0);
    const daily =
      'month,value,temp\n' +
      Array.from({ length: 40 }, (_, i) => `2001-01-${String(1 + (i % 28)).padStart(2, '0')},${i + 1},1`)
        .slice(0, 28)
        .join('\n') +
      '\n';
    writeFileSync(join(dir, 'daily.csv'), daily);
    const r = rnnfc(dir, ['predict', '-m', 'ok', '--data', 'daily.csv', '-o', 'f.csv']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/frequency/);
    expect(existsSync(join(dir, 'f.csv'))).toBe(false);
  });
});

describe('help, version, check, init', () => {
  it('--help lists the commands with examples; --version prints the version', () => {
    const dir = scratch();
    const h = rnnfc(dir, ['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/train[\s\S]*predict[\s\S]*check[\s\S]*init/);
    expect(h.stdout).toMatch(/Examples:/);
    const v = rnnfc(dir, ['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const u = rnnfc(dir, ['trian']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/train/);
  });

  it('init writes a config that check accepts and train can use', () => {
    const dir = scratch();
    const i = rnnfc(dir, ['init', '--data', `${F}/monthly.csv`, '--target', 'value']);
    expect(i.code).toBe(0);
    expect(i.stdout).toMatch(/time_column: month/);
    expect(i.stdout).toMatch(/season: 12/);
    // the config-less defaults, chosen from the data: log for positive values, normalised
    // windows, the linear path
    expect(i.stdout).toMatch(/transforms: \[log, /);
    expect(i.stdout).toMatch(/normalize: last/);
    expect(i.stdout).toMatch(/linear: true/);
    writeFileSync(join(dir, 'my.yaml'), i.stdout);
    const c = rnnfc(dir, ['check', '-c', 'my.yaml', '--json']);
    expect(c.code).toBe(0);
    const res = JSON.parse(c.stdout);
    expect(res.rows).toBe(72);
    expect(res.frequency).toEqual({ unit: 'month', step: 1 });
  });

  it('init writes exactly what config-less train uses: train -c on it makes the same forecasts', () => {
    const dir = scratch();
    const flags = ['--data', `${F}/monthly.csv`, '--target', 'value', '--horizon', '6'];
    const i = rnnfc(dir, ['init', ...flags]);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stdout).toMatch(/horizon: 6/);
    writeFileSync(join(dir, 'my.yaml'), i.stdout);
    const fromInit = rnnfc(dir, ['train', '-c', 'my.yaml', '--epochs', '2', '--out', 'runs/init', '--quiet']);
    expect(fromInit.code, fromInit.stderr).toBe(0);
    const configless = rnnfc(dir, ['train', ...flags, '--epochs', '2', '--out', 'runs/flags', '--quiet']);
    expect(configless.code, configless.stderr).toBe(0);
    for (const f of ['forecast.csv', 'metrics.json'])
      expect(readFileSync(join(dir, 'runs/init', f), 'utf8')).toBe(readFileSync(join(dir, 'runs/flags', f), 'utf8'));
  });
});
