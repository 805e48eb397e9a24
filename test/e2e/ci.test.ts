/**
 * What CI calls: the gates of train and backtest (exit 1 when the model scores worse than asked)
 * and `rnnfc reproduce` (exit 1 unless a run retrains byte for byte).
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildManifest } from '../../src/artifacts/run-dir.js';
import { compareTexts } from '../../src/commands/reproduce.js';
import { rnnfc, scratch } from './helpers.js';

const DATA = 'test/fixtures/e2e/monthly.csv';
/** The fixture series' columns. */
const SERIES = ['--data', DATA, '--time-column', 'month', '--target', 'value'];
const ARGS = ['backtest', ...SERIES, '--horizon', '6', '--season', '12', '--origins', '2', '--epochs', '2'];

describe('CI gates (spawns bin/rnnfc)', () => {
  it('train writes the run, then exits 1 when a gate fails; --json reports every gate', () => {
    const dir = scratch();
    const train = ['train', ...SERIES, '--horizon', '6', '--epochs', '2', '--lookback', '12', '--pretrained', 'none'];
    const pass = rnnfc(dir, [...train, '--out', 'a', '--max-mase', '1000', '--json']);
    expect(pass.code, pass.stderr).toBe(0);
    expect(JSON.parse(pass.stdout).gates).toEqual([{ gate: 'max-mase 1000', passed: true, mase: expect.any(Number), limit: 1000 }]);
    const fail = rnnfc(dir, [...train, '--out', 'b', '--max-mase', '0.0001', '--json']);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toMatch(/^rnnfc: gate failed:\n {2}--max-mase 0\.0001: the model's MASE \S+ on the test part is above the limit 0\.0001\n$/);
    const out = JSON.parse(fail.stdout);
    expect(out.gates[0]).toMatchObject({ gate: 'max-mase 0.0001', passed: false });
    // the run is there to look at
    expect(readdirSync(join(dir, 'b'))).toContain('forecast.csv');
    expect(out.gates[0].mase).toBeCloseTo(out.metrics.model.mase, 6);
  });

  it('backtest gates the mean over the origins against a baseline', () => {
    const dir = scratch();
    const r = rnnfc(dir, [...ARGS, '--fail-if-worse-than', 'naive', '--json']);
    const out = JSON.parse(r.stdout);
    const passed = out.mean.model.mase <= out.mean.naive.mase;
    expect(out.gates).toEqual([{ gate: 'fail-if-worse-than naive', passed, mase: out.mean.model.mase, limit: out.mean.naive.mase }]);
    expect(r.code).toBe(passed ? 0 : 1);
    const bad = rnnfc(dir, [...ARGS, '--fail-if-worse-than', 'mean']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--fail-if-worse-than <baseline>' argument 'mean' is invalid/);
  });
});

describe('rnnfc reproduce (spawns bin/rnnfc)', () => {
  const train = ['train', ...SERIES, '--horizon', '6', '--epochs', '2', '--lookback', '12'];

  it('retrains a run from what it recorded and finds forecast.csv and metrics.json byte-identical; the same bytes elsewhere do too', () => {
    const dir = scratch();
    expect(rnnfc(dir, [...train, '--out', 'a', '--threads', '1', '-q']).code).toBe(0);
    const r = rnnfc(dir, ['reproduce', 'a', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      schema: 'rnnfc/reproduce@1',
      run: 'a',
      reproduced: true,
      backend: 'wasm',
      threads: 1,
      files: [
        { file: 'forecast.csv', identical: true },
        { file: 'metrics.json', identical: true },
      ],
    });
    copyFileSync(join(dir, DATA), join(dir, 'copy.csv'));
    const moved = rnnfc(dir, ['reproduce', 'a', '--data', 'copy.csv', '--out', 'again']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toBe('reproduced a: forecast.csv and metrics.json are byte-identical (backend wasm, 1 thread)\n');
    expect(readFileSync(join(dir, 'again/forecast.csv'), 'utf8')).toBe(readFileSync(join(dir, 'a/forecast.csv'), 'utf8'));
  });

  it('exits 2 when the data is not the data trained on, and 1 saying where the files first differ', () => {
    const dir = scratch();
    expect(rnnfc(dir, [...train, '--out', 'a', '-q']).code).toBe(0);
    writeFileSync(join(dir, 'other.csv'), readFileSync(join(dir, DATA), 'utf8').replace(/\n$/, '\n\n'));
    const changed = rnnfc(dir, ['reproduce', 'a', '--data', 'other.csv']);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/other\.csv is not the data a was trained on: its SHA-256 is [0-9a-f]{64}, the run recorded [0-9a-f]{64}/);
    // a run whose forecast.csv was changed (and its manifest made to match) no longer reproduces
    const files: Record<string, Buffer> = {};
    for (const f of readdirSync(join(dir, 'a'))) files[f] = readFileSync(join(dir, 'a', f));
    const lines = files['forecast.csv'].toString('utf8').split('\n');
    lines[3] = lines[3].replace(/,test,/, ',test,-1');
    files['forecast.csv'] = Buffer.from(lines.join('\n'));
    writeFileSync(join(dir, 'a/forecast.csv'), files['forecast.csv']);
    writeFileSync(join(dir, 'a/manifest.json'), buildManifest(files, JSON.parse(files['manifest.json'].toString('utf8')).rnnfc_version));
    const r = rnnfc(dir, ['reproduce', 'a']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rnnfc: a did not reproduce:\n {2}forecast\.csv differs from line 4: run ".*,test,-1.*", rerun ".*"\n$/);
  });

  it('refuses a panel trained without a config file: its series’ own settings are not in config.yaml', () => {
    const dir = scratch();
    const rows = ['id,month,value'];
    for (const [id, level] of [
      ['a', 10],
      ['b', 50],
    ] as const)
      for (let i = 0; i < 36; i++)
        rows.push(`${id},${2000 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')},${(level * (1 + 0.01 * i + 0.1 * Math.sin(i / 2))).toFixed(3)}`);
    writeFileSync(join(dir, 'panel.csv'), `${rows.join('\n')}\n`);
    const flags = [
      '--data',
      'panel.csv',
      '--id-column',
      'id',
      '--time-column',
      'month',
      '--target',
      'value',
      '--horizon',
      '3',
      '--epochs',
      '2',
      '--scope',
      'local',
      '-q',
    ];
    expect(rnnfc(dir, ['train', ...flags, '--out', 'p']).code).toBe(0);
    const r = rnnfc(dir, ['reproduce', 'p']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/p is a panel trained without a config file/);
    // with a config file, it reproduces
    writeFileSync(
      join(dir, 'p.yaml'),
      'data: {path: panel.csv, id_column: id, time_column: month, target: value}\nwindow: {lookback: 6, horizon: 3}\nmodel: {scope: local}\ntraining: {epochs: 2}\n',
    );
    expect(rnnfc(dir, ['train', '-c', 'p.yaml', '--out', 'q', '-q']).code).toBe(0);
    const q = rnnfc(dir, ['reproduce', 'q']);
    expect(q.code, q.stderr).toBe(0);
  });

  it('compareTexts names the first differing line, or a missing one as null', () => {
    expect(compareTexts('f', 'a\nb\n', 'a\nb\n')).toEqual({ file: 'f', identical: true });
    expect(compareTexts('f', 'a\nb\nc', 'a\nB\nc')).toEqual({ file: 'f', identical: false, first_difference: { line: 2, run: 'b', rerun: 'B' } });
    expect(compareTexts('f', 'a', 'a\nb')).toEqual({ file: 'f', identical: false, first_difference: { line: 2, run: null, rerun: 'b' } });
  });
});
