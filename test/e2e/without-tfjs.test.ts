import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, rnnfc, scratch } from './helpers.js';

// A network the direct step trains on wasm is built, trained and saved without TensorFlow.js
// (model/plain-build.ts), and forecast with the plain engine: these commands must run with every
// load of a tfjs package failing (test/fixtures/no-tfjs.cjs), and give what they give without it.
const NO_TFJS = ['--require', join(ROOT, 'test/fixtures/no-tfjs.cjs')];
const DATA = ['--data', 'test/fixtures/e2e/monthly.csv', '--time-column', 'month', '--target', 'value'];

describe('default runs without TensorFlow.js', () => {
  const dir = scratch();

  it('config-less train, predict and backtest never load it, and their outputs are those of the same commands run normally', () => {
    const a = rnnfc(dir, ['train', ...DATA, '--horizon', '6', '--out', 'runs/a', '-q'], {}, NO_TFJS);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const b = rnnfc(dir, ['train', ...DATA, '--horizon', '6', '--out', 'runs/b', '-q']);
    expect(b.code).toBe(0);
    for (const f of ['forecast.csv', 'metrics.json', 'model.json', 'weights.bin', 'pipeline.json'])
      expect(readFileSync(join(dir, 'runs/a', f)).equals(readFileSync(join(dir, 'runs/b', f))), f).toBe(true);
    const p = rnnfc(dir, ['predict', '-m', 'runs/a', '-o', '-'], {}, NO_TFJS);
    expect(p.code).toBe(0);
    expect(p.stdout.trim().split('\n')).toHaveLength(7);
    const args = ['backtest', ...DATA, '--horizon', '6', '--season', '12', '--origins', '2', '--json'];
    const c = rnnfc(dir, args, {}, NO_TFJS);
    expect(c.code).toBe(0);
    const d = rnnfc(dir, args);
    const strip = (s: string) => s.replace(/"seconds":[0-9.e+-]+/g, '');
    expect(strip(c.stdout)).toBe(strip(d.stdout));
    expect(JSON.parse(c.stdout).origins).toHaveLength(2);
  });

  it('a config whose network the plain builder makes (a Sequential LSTM) trains without it too', () => {
    const r = rnnfc(dir, ['train', '-c', 'test/fixtures/e2e/tiny.yaml', '--out', 'runs/t', '--no-plot', '-q'], {}, NO_TFJS);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'runs/t/model.json'), 'utf8')).modelTopology.class_name).toBe('Sequential');
  });

  it('the check bites: a run on the cpu backend, which loads tfjs, fails under it', () => {
    const r = rnnfc(dir, ['train', '-c', 'test/fixtures/e2e/tiny.yaml', '--backend', 'cpu', '--out', 'runs/c', '--no-plot', '-q'], {}, NO_TFJS);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/TensorFlow\.js was loaded/);
  });
});
