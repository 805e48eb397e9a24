/**
 * bench/pretrained-replay.js: other pretrained networks replayed into saved backtests. On a
 * hand-made saved backtest whose network part is the shipped network's own forecast (from the rows
 * before the origin, a gap in them filled as rnnfc fills it), replaying the shipped network gives the
 * saved part and the product back, and each score is the MASE ratio to Comb computed by hand; an
 * origin without the network's part keeps its forecast in every way.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPretrained } from '../../src/artifacts/pretrained-files.js';
import { interpolate } from '../../src/data/parse-csv.js';
import { pretrainedForecast } from '../../src/forecast/pretrained-windows.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'rnnfc-pretrained-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 40 positive values with a trend and a wiggle; row 10 is empty in the file
const y = Array.from({ length: 40 }, (_, t) => 100 + 2 * t + 5 * Math.sin(t));
const cells = y.map((v, t) => (t === 10 ? '' : String(v)));
writeFileSync(join(dir, 's.csv'), `t,value\n${cells.map((c, t) => `${t},${c}`).join('\n')}\n`);
const manifest = [{ name: 's', file: 's.csv', target: 'value', h: 4, m: 1, category: 'yearly' }];
const end = 30;
const actual = y.slice(end, end + 4);
const filled = interpolate(Float64Array.from(cells, (c) => (c === '' ? Number.NaN : Number(c))));
const zero = Array.from(pretrainedForecast(loadPretrained('builtin').predict, filled.subarray(0, end), 1, 4));
const model = actual.map((v) => v + 3);
const holt = actual.map((v) => v - 1);
const product = model.map((v, i) => (v + zero[i] + holt[i]) / 3);
const mae = (f: number[]) => f.reduce((s, v, i) => s + Math.abs(v - actual[i]), 0) / f.length;
const comb = actual.map((v) => v + 2); // MAE 2

function replay(parts: Record<string, number[]>, use: string): Map<string, number> {
  const forecast = use === 'mean' ? product : model.map((v, i) => (v + holt[i]) / 2);
  // the series' MASE scale is 1: metrics.model's mae and mase are equal
  const saved = {
    s: { origins: [{ train_end: end, actual, forecast, parts, pretrained: use, holt: true, metrics: { model: { mae: mae(forecast), mase: mae(forecast) } } }] },
  };
  const files = { saved: join(dir, 'saved.json'), base: join(dir, 'base.json'), man: join(dir, 'manifest.json') };
  writeFileSync(files.saved, JSON.stringify(saved));
  writeFileSync(files.base, JSON.stringify({ s: { origins: [{ train_end: end, forecasts: { comb } }] } }));
  writeFileSync(files.man, JSON.stringify(manifest));
  const r = spawnSync(
    process.execPath,
    [join(root, 'bench/pretrained-replay.js'), '--manifest', files.man, '--baselines', files.base, '--saved', files.saved, '--pretrained', 'builtin'],
    { encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  // each row: the way, then its score and series count for all and for yearly
  const rows = new Map<string, number>();
  for (const line of r.stdout.trim().split('\n').slice(2)) {
    const m = line.match(/^(.+?)\s+(\d+\.\d+) \(1\)/);
    if (m) rows.set(m[1], Number(m[2]));
  }
  return rows;
}

describe('bench/pretrained-replay.js', () => {
  it('gives the saved network part and the product back when the shipped network is replayed', () => {
    const rows = replay({ model, pretrained: zero, holt }, 'mean');
    const ratio = (f: number[]) => Number((mae(f) / 2).toFixed(3));
    expect(rows.get('product')).toBe(ratio(product));
    expect(rows.get('saved network')).toBe(ratio(zero));
    expect(rows.get('builtin alone')).toBe(ratio(zero));
    expect(rows.get('builtin in product')).toBe(ratio(product));
  });

  it('puts the network in the product only where the validation choice used it', () => {
    const rows = replay({ model, pretrained: zero, holt }, 'model');
    const chosen = model.map((v, i) => (v + holt[i]) / 2);
    expect(rows.get('builtin in product')).toBe(Number((mae(chosen) / 2).toFixed(3)));
    expect(rows.get('builtin alone')).toBe(Number((mae(zero) / 2).toFixed(3)));
  });

  it('keeps the forecast in every way at an origin without the network part', () => {
    const rows = replay({ model, holt }, 'model');
    const kept = Number((mae(model.map((v, i) => (v + holt[i]) / 2)) / 2).toFixed(3));
    expect([rows.get('product'), rows.get('builtin alone'), rows.get('builtin in product')]).toEqual([kept, kept, kept]);
  });
});
