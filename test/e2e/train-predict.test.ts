import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { etsChosen, etsForecast } from '../../src/forecast/ets.js';
import { holtForecast } from '../../src/forecast/holt.js';
import { loadBackend } from '../../src/model/backend.js';
import { openPredictor } from '../../src/model/predictor.js';
import { scaledErr } from '../numeric.js';
import { BIN, expectForecastOfParts, futureRows, rehash, rnnfc, scratch } from './helpers.js';

const CFG = 'test/fixtures/e2e/tiny.yaml';

describe('train then predict (spawns bin/rnnfc)', () => {
  let dir: string;
  let train: ReturnType<typeof rnnfc>;
  beforeAll(() => {
    dir = scratch();
    train = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/a', '--json']);
  });

  it('exits 0 and prints one JSON result with the four methods', () => {
    expect(train.stderr).not.toMatch(/error/i);
    expect(train.code).toBe(0);
    const lines = train.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const res = JSON.parse(lines[0]);
    expect(res.run).toBe('runs/a');
    expect(res.epochs_run).toBe(2);
    expect(Object.keys(res.metrics).sort()).toEqual(['drift', 'model', 'naive', 'seasonal_naive']);
    for (const m of Object.values(res.metrics) as Record<string, number>[]) expect(m.mase).toBeGreaterThan(0);
  });

  it('writes the whole run directory with a checked manifest', () => {
    const files = readdirSync(join(dir, 'runs/a')).sort();
    expect(files).toEqual(
      [
        'config.yaml',
        'forecast.csv',
        'gradient-flow.csv',
        'gradient-flow.svg',
        'history.csv',
        'manifest.json',
        'metadata.json',
        'metrics.json',
        'model.json',
        'pipeline.json',
        'plot.svg',
        'report.html',
        'training.svg',
        'weights.bin',
      ].sort(),
    );
    const manifest = JSON.parse(readFileSync(join(dir, 'runs/a/manifest.json'), 'utf8'));
    expect(Object.keys(manifest.files)).toHaveLength(13);
    const fc = readFileSync(join(dir, 'runs/a/forecast.csv'), 'utf8').trim().split('\n');
    expect(fc[0]).toBe('month,part,actual,forecast,lower_80,upper_80,lower_95,upper_95');
    // 6 test rows (last 6 months of 2005) then 6 future months of 2006
    expect(fc.slice(1, 7).map((l) => l.split(',')[0])).toEqual(['2005-07-01', '2005-08-01', '2005-09-01', '2005-10-01', '2005-11-01', '2005-12-01']);
    expect(fc.slice(7).map((l) => l.split(',')[0])).toEqual(['2006-01-01', '2006-02-01', '2006-03-01', '2006-04-01', '2006-05-01', '2006-06-01']);
    const hist = readFileSync(join(dir, 'runs/a/history.csv'), 'utf8').trim().split('\n');
    // the gradient flow: the share of batches clipped and each weight group's norm, per epoch
    expect(hist[0]).toBe(
      'epoch,loss,val_loss,grad_norm,seconds,clipped,grad_norm_lstm1_kernel,grad_norm_lstm1_recurrent_kernel,grad_norm_lstm1_bias,grad_norm_dense1_kernel,grad_norm_dense1_bias',
    );
    expect(hist).toHaveLength(3);
    // one group's norm is at most the global one (the mean over an epoch's batches of each)
    for (const row of hist.slice(1).map((l) => l.split(',').map(Number))) for (const g of row.slice(6)) expect(g).toBeLessThanOrEqual(row[3] * (1 + 1e-9));
    // dL/dh_t at each of the 12 steps of the window, per epoch
    const flow = readFileSync(join(dir, 'runs/a/gradient-flow.csv'), 'utf8').trim().split('\n');
    expect(flow[0]).toBe('epoch,layer,t,grad_h_norm');
    expect(flow.slice(1).map((l) => l.split(',').slice(0, 3).join())).toEqual([1, 2].flatMap((e) => Array.from({ length: 12 }, (_, t) => `${e},lstm1,${t}`)));
    const metrics = JSON.parse(readFileSync(join(dir, 'runs/a/metrics.json'), 'utf8'));
    expect(['healthy', 'vanishing', 'exploding']).toContain(metrics.gradient_flow.verdict);
    expect(metrics.gradient_flow.reach).toEqual([{ layer: 'lstm1', steps: expect.any(Number), of: 12 }]);
    const meta = JSON.parse(readFileSync(join(dir, 'runs/a/metadata.json'), 'utf8'));
    expect(meta.seed).toBe(7);
    expect(meta.threads).toBe(availableParallelism());
    expect(meta.data.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(join(dir, 'runs/a/plot.svg'), 'utf8')).toContain('<svg');
  });

  it('rnnfc inspect prints the gradient-flow verdict and figures of the run, and says so for a run without them', () => {
    const r = rnnfc(dir, ['inspect', 'runs/a']);
    expect(r.code, r.stderr).toBe(0);
    const metrics = JSON.parse(readFileSync(join(dir, 'runs/a/metrics.json'), 'utf8'));
    expect(r.stdout).toContain(`gradient flow: ${metrics.gradient_flow.verdict}: ${metrics.gradient_flow.reason}`);
    // steps back 0, 1, 2, 4, 8 and the window's first (11); the last epoch's norms relative to their largest
    expect(r.stdout).toMatch(/\nlayer +0 +1 +2 +4 +8 +11\nlstm1( +[0-9.e-]+){6}\n/);
    expect(r.stdout).toMatch(/\nlstm1_recurrent_kernel +[0-9.e-]+ +[0-9.e-]+\n/);
    writeFileSync(join(dir, 'test/fixtures/e2e/no-flow.yaml'), readFileSync(join(dir, CFG), 'utf8').replace('  seed: 7', '  seed: 7\n  gradient_flow: false'));
    const t = rnnfc(dir, ['train', '-c', 'test/fixtures/e2e/no-flow.yaml', '--out', 'runs/no-flow', '--quiet']);
    expect(t.code, t.stderr).toBe(0);
    expect(existsSync(join(dir, 'runs/no-flow/gradient-flow.csv'))).toBe(false);
    expect(readFileSync(join(dir, 'runs/no-flow/history.csv'), 'utf8').split('\n')[0]).toBe('epoch,loss,val_loss,grad_norm,seconds');
    const n = rnnfc(dir, ['inspect', 'runs/no-flow']);
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/runs\/no-flow has no gradient-flow record: .*training.gradient_flow: false/);
  });

  it("--threads sets the fused kernels' thread count, which the run records; a bad count is a usage error", () => {
    const r = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/t2', '--threads', '2', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).threads).toBe(2);
    expect(JSON.parse(readFileSync(join(dir, 'runs/t2/metadata.json'), 'utf8')).threads).toBe(2);
    const bad = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/t0', '--threads', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--threads must be auto or a positive integer');
  });

  it('predict prints the next horizon as CSV on stdout with continuing timestamps', () => {
    const r = rnnfc(dir, ['predict', '-m', 'runs/a', '-o', '-']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('month,forecast,lower_80,upper_80,lower_95,upper_95');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['2006-01-01', '2006-02-01', '2006-03-01', '2006-04-01', '2006-05-01', '2006-06-01']);
    // the same model on the same data forecasts exactly what train wrote as the future part
    expect(lines.slice(1)).toEqual(futureRows(dir, 'runs/a'));
  });

  it('saves a standard tfjs model: stock tfjs layers load it and agree with predict', async () => {
    const modelJson = readFileSync(join(dir, 'runs/a/model.json'), 'utf8');
    expect(modelJson).not.toMatch(/Fused/);
    const weights = readFileSync(join(dir, 'runs/a/weights.bin'));
    const { tf } = await loadBackend('cpu');
    const json = JSON.parse(modelJson);
    const stock = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: new Uint8Array(weights).buffer,
      }),
    );
    expect(stock.layers.map((l) => (l.constructor as unknown as { className: string }).className)).toEqual(['LSTM', 'Dense']);
    const plain = await openPredictor(modelJson, weights, { backend: 'auto', trainedOn: 'wasm' });
    expect(plain.engine).toBe('plain');
    const x = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
    const want = tf.tidy(() => (stock.predict(tf.tensor3d(x, [1, 12, 1])) as Tensor).dataSync());
    expect(scaledErr(plain.predict(x, 1, 12, 1), want)).toBeLessThan(1e-5);
  });

  it('predict --json and -o file write the same numbers', () => {
    const j = rnnfc(dir, ['predict', '-m', 'runs/a', '--json']);
    expect(j.code).toBe(0);
    const res = JSON.parse(j.stdout);
    expect(res.forecast).toHaveLength(6);
    const f = rnnfc(dir, ['predict', '-m', 'runs/a', '-o', 'out.csv', '--quiet']);
    expect(f.code).toBe(0);
    expect(f.stderr).toBe('');
    const lines = readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n');
    expect(Number(lines[1].split(',')[1])).toBeCloseTo(res.forecast[0].forecast, 6);
  });

  it('without --out a second run gets a fresh name and an existing --out is refused', () => {
    const a = rnnfc(dir, ['train', '-c', CFG, '--epochs', '1', '--quiet']);
    expect(a.code).toBe(0);
    const b = rnnfc(dir, ['train', '-c', CFG, '--epochs', '1', '--quiet']);
    expect(b.code).toBe(0);
    expect(existsSync(join(dir, 'runs/monthly'))).toBe(true);
    expect(existsSync(join(dir, 'runs/monthly_2'))).toBe(true);
    const before = readFileSync(join(dir, 'runs/a/weights.bin'));
    const c = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/a']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/runs\/a already exists.*--overwrite/);
    expect(readFileSync(join(dir, 'runs/a/weights.bin')).equals(before)).toBe(true);
  });

  it('is reproducible: same data, config and seed give byte-identical forecast.csv and metrics.json', () => {
    const r = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/b', '--quiet']);
    expect(r.code).toBe(0);
    for (const f of ['forecast.csv', 'metrics.json', 'weights.bin'])
      expect(readFileSync(join(dir, 'runs/b', f)).equals(readFileSync(join(dir, 'runs/a', f)))).toBe(true);
    const s = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/c', '--seed', '8', '--quiet']);
    expect(s.code).toBe(0);
    expect(readFileSync(join(dir, 'runs/c/forecast.csv')).equals(readFileSync(join(dir, 'runs/a/forecast.csv')))).toBe(false);
  });

  it('trains without a config file from flags alone', () => {
    const flags = ['train', '--data', 'test/fixtures/e2e/monthly.csv', '--time-column', 'month', '--target', 'value', '--horizon', '3', '--epochs', '1'];
    const r = rnnfc(dir, [...flags, '--out', 'runs/flags', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cfg = readFileSync(join(dir, 'runs/flags/config.yaml'), 'utf8');
    expect(cfg).toMatch(/horizon: 3/);
    // the config-less defaults, chosen from the data and recorded: log (positive values), windows
    // relative to their last value, a ridge-fitted linear path, absolute-error loss
    expect(cfg).toMatch(/transforms: \[ log,/);
    expect(cfg).toMatch(/normalize: last/);
    expect(cfg).toMatch(/linear: true/);
    expect(cfg).toMatch(/loss: mae/);
    // neither the Theta method nor trend damping unless asked: --theta on puts the Theta method in
    // the pretrained network's mean, --damping 0.95 damps the forecast's trend; pipeline.json
    // records both for predict
    expect(cfg).not.toMatch(/damping|theta/);
    // Holt's damped trend joins the config-less forecast, and on a history under 120 rows (72 here) the automatic ETS
    expect(cfg).toMatch(/holt: true/);
    expect(cfg).toMatch(/ets: true/);
    const io = JSON.parse(readFileSync(join(dir, 'runs/flags/pipeline.json'), 'utf8')).io;
    expect(io.damping).toBeUndefined();
    expect(io.pretrained.theta).toBeUndefined();
    const on = rnnfc(dir, [...flags, '--damping', '0.95', '--theta', 'on', '--out', 'runs/damped']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toMatch(/^trend damped: phi 0\.95 \(model\.damping\)$/m);
    expect(on.stdout).toMatch(/, theta [0-9.]+, holt [0-9.]+, model \+ holt [0-9.]+, mean /);
    expect(readFileSync(join(dir, 'runs/damped/config.yaml'), 'utf8')).toMatch(/theta: true/);
    expect(readFileSync(join(dir, 'runs/damped/config.yaml'), 'utf8')).toMatch(/damping: 0\.95/);
    const dio = JSON.parse(readFileSync(join(dir, 'runs/damped/pipeline.json'), 'utf8')).io;
    expect(dio.damping).toBe(0.95);
    expect(dio.pretrained).toMatchObject({ season: 12, theta: true });
    const p = rnnfc(dir, ['predict', '-m', 'runs/damped', '-o', '-']);
    expect(p.stdout.trim().split('\n').slice(1)).toEqual(futureRows(dir, 'runs/damped'));
    expect(futureRows(dir, 'runs/damped')).not.toEqual(futureRows(dir, 'runs/flags'));
    // and the recorded config reproduces the run
    const again = rnnfc(dir, ['train', '-c', 'runs/flags/config.yaml', '--out', 'runs/flags2', '--quiet']);
    expect(again.code).toBe(0);
    expect(readFileSync(join(dir, 'runs/flags2/forecast.csv'))).toEqual(readFileSync(join(dir, 'runs/flags/forecast.csv')));
  });

  /** The target column of the monthly fixture. */
  const monthlyValues = () =>
    readFileSync(join(dir, 'test/fixtures/e2e/monthly.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((r) => Number(r.split(',')[1]));
  /** `run`'s future (to 1e-8) is the mean of `own`'s (a run without the others) and `others`, and predict forecasts it again. */
  const expectFutureMean = (run: string, own: string, others: Float64Array[]) => {
    const values = (r: string) => futureRows(dir, r).map((row) => Number(row.split(',')[1]));
    const base = values(own);
    const mixed = values(run);
    for (let h = 0; h < base.length; h++) {
      const mean = (base[h] + others.reduce((s, f) => s + f[h], 0)) / (1 + others.length);
      expect(Math.abs(mixed[h] - mean) / Math.abs(mixed[h])).toBeLessThan(1e-8);
    }
    const p = rnnfc(dir, ['predict', '-m', run, '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n').slice(1)).toEqual(futureRows(dir, run));
  };

  it("--holt on: the forecast is the mean of the model's and Holt's damped trend, in train and predict", () => {
    const flags = ['train', '--data', 'test/fixtures/e2e/monthly.csv', '--time-column', 'month', '--target', 'value', '--horizon', '3', '--epochs', '1'];
    // (--ets off: the config-less ETS would join this 72-row series' forecast too)
    const off = rnnfc(dir, [...flags, '--pretrained', 'none', '--ets', 'off', '--holt', 'off', '--out', 'runs/holt-off', '--quiet']);
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'runs/holt-off/pipeline.json'), 'utf8')).io.holt).toBeUndefined();
    const on = rnnfc(dir, [...flags, '--pretrained', 'none', '--ets', 'off', '--holt', 'on', '--out', 'runs/holt-on']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toMatch(/^forecast: the mean of the model and Holt's damped trend \(model\.holt\)$/m);
    expect(readFileSync(join(dir, 'runs/holt-on/config.yaml'), 'utf8')).toMatch(/holt: true/);
    expect(JSON.parse(readFileSync(join(dir, 'runs/holt-on/pipeline.json'), 'utf8')).io.holt).toEqual({ season: 12 });
    // the model trains the same either way: the future is the mean of the model's and Holt's own
    expectFutureMean('runs/holt-on', 'runs/holt-off', [holtForecast(monthlyValues(), 12, 3)]);
  });

  it("--ets on: the automatic ETS joins the forecast's mean beside Holt's damped trend, in train, predict and backtest", () => {
    const data = ['--data', 'test/fixtures/e2e/monthly.csv', '--time-column', 'month', '--target', 'value', '--horizon', '3'];
    const flags = ['train', ...data, '--epochs', '1', '--pretrained', 'none'];
    const off = rnnfc(dir, [...flags, '--holt', 'off', '--ets', 'off', '--out', 'runs/ets-off', '--quiet']);
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'runs/ets-off/pipeline.json'), 'utf8')).io.ets).toBeUndefined();
    const on = rnnfc(dir, [...flags, '--holt', 'off', '--ets', 'on', '--out', 'runs/ets-on']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toMatch(/^forecast: the mean of the model and the automatic ETS \(model\.ets\)$/m);
    const cfg = readFileSync(join(dir, 'runs/ets-on/config.yaml'), 'utf8');
    expect(cfg).toMatch(/ets: true/);
    const io = JSON.parse(readFileSync(join(dir, 'runs/ets-on/pipeline.json'), 'utf8')).io;
    // the model and parameters ETS chose for the future, which predict reuses
    expect(io.ets).toEqual({ season: 12, choice: etsChosen(monthlyValues(), 12, 3).choice });
    expect(io.holt).toBeUndefined();
    // the model trains the same either way: the future is the mean of the model's and the ETS's own
    const y = monthlyValues();
    const ets = etsForecast(y, 12, 3);
    expectFutureMean('runs/ets-on', 'runs/ets-off', [ets]);
    // with Holt's damped trend too: the mean of the three, and predict gives the same
    const both = rnnfc(dir, [...flags, '--holt', 'on', '--ets', 'on', '--out', 'runs/ets-holt']);
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout).toMatch(/^forecast: the mean of the model, Holt's damped trend and the automatic ETS \(model\.holt, model\.ets\)$/m);
    expectFutureMean('runs/ets-holt', 'runs/ets-off', [holtForecast(y, 12, 3), ets]);
    // a pipeline.json whose kept choice names no model is refused, naming the field
    const pj = join(dir, 'runs/ets-holt/pipeline.json');
    const saved = JSON.parse(readFileSync(pj, 'utf8'));
    saved.io.ets.choice.model.trend = 'X';
    writeFileSync(pj, JSON.stringify(saved));
    rehash(join(dir, 'runs/ets-holt'), ['pipeline.json']);
    const bad = rnnfc(dir, ['predict', '-m', 'runs/ets-holt', '-o', '-']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('io.ets.choice.model.trend');
    // a backtest origin records the ETS's part, fitted to the rows before it, and that it joined
    const bt = rnnfc(dir, ['backtest', ...data, '--origins', '1', '--epochs', '1', '--pretrained', 'none', '--ets', 'on', '--json']);
    expect(bt.code, bt.stderr).toBe(0);
    const o = JSON.parse(bt.stdout).origins[0];
    expect(o.ets).toBe(true);
    expect(o.parts.ets).toEqual(Array.from(etsForecast(y.slice(0, o.train_end), 12, 3)));
    expectForecastOfParts(o);
  });

  it('without a config, a series shorter than one window of the horizon gets a one-step model; predict gives the whole horizon', () => {
    // 16 yearly rows, horizon 12: 4 rows before the test origin
    const rows = Array.from({ length: 16 }, (_, i) => `${1947 + i}-01-01,${(234 * 1.05 ** i).toFixed(3)}`);
    writeFileSync(join(dir, 'yearly16.csv'), ['year,value', ...rows].join('\n') + '\n');
    const t = rnnfc(dir, [
      'train',
      '--data',
      'yearly16.csv',
      '--time-column',
      'year',
      '--target',
      'value',
      '--horizon',
      '12',
      '--epochs',
      '1',
      '--out',
      'runs/short',
      '--quiet',
    ]);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    expect(readFileSync(join(dir, 'runs/short/config.yaml'), 'utf8')).toMatch(/strategy: recursive/);
    const p = rnnfc(dir, ['predict', '-m', 'runs/short', '--json']);
    expect(p.code).toBe(0);
    const j = JSON.parse(p.stdout);
    expect(j.forecast.map((f: { time: string }) => f.time.slice(0, 4))).toEqual(Array.from({ length: 12 }, (_, i) => String(1963 + i)));
    for (const f of j.forecast) expect(Number.isFinite(f.forecast)).toBe(true);
  });

  it('--time-format reads dates the detection cannot (01/31/2000), in train and in predict, and names the setting when a cell does not fit', () => {
    const rows = Array.from(
      { length: 40 },
      (_, i) => `${String((i % 12) + 1).padStart(2, '0')}/01/${2000 + Math.floor(i / 12)},${100 + i + 5 * Math.sin(i / 2)}`,
    );
    writeFileSync(join(dir, 'us-dates.csv'), ['date,sales', ...rows].join('\n') + '\n');
    const flags = ['--data', 'us-dates.csv', '--target', 'sales', '--horizon', '3', '--epochs', '1'];
    const bad = rnnfc(dir, ['train', ...flags, '--out', 'runs/us-bad']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /column "date" looks like dates, but "01\/01\/2000" is not a spelling rnnfc reads by itself[\s\S]*data\.time_format \(--time-format\)/,
    );
    const t = rnnfc(dir, ['train', ...flags, '--time-format', '%m/%d/%Y', '--out', 'runs/us', '--quiet']);
    expect(t.code, t.stderr).toBe(0);
    expect(readFileSync(join(dir, 'runs/us/config.yaml'), 'utf8')).toMatch(/time_format: "%m\/%d\/%Y"/);
    // monthly, written in ISO from there on; predict reads the data with the run's pattern
    expect(futureRows(dir, 'runs/us').map((r) => r.split(',')[0])).toEqual(['2003-05-01', '2003-06-01', '2003-07-01']);
    const p = rnnfc(dir, ['predict', '-m', 'runs/us', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n').slice(1)).toEqual(futureRows(dir, 'runs/us'));
    writeFileSync(join(dir, 'us-odd.csv'), ['date,sales', ...rows.slice(0, 39), '2003-04-01,140'].join('\n') + '\n');
    const odd = rnnfc(dir, ['predict', '-m', 'runs/us', '--data', 'us-odd.csv', '-o', '-']);
    expect(odd.code).toBe(2);
    expect(odd.stderr).toMatch(/us-odd\.csv:41: column "date": "2003-04-01" is not a time written as data\.time_format "%m\/%d\/%Y"/);
  });

  it("times written with a zone offset come out with it: forecast.csv, predict's CSV and JSON", () => {
    const rows = Array.from(
      { length: 40 },
      (_, i) => `${new Date(Date.UTC(2000, 0, 1 + i, 3, 30)).toISOString().slice(0, 10)}T09:00:00+05:30,${50 + i + Math.sin(i)}`,
    );
    writeFileSync(join(dir, 'ist.csv'), ['time,load', ...rows].join('\n') + '\n');
    const t = rnnfc(dir, ['train', '--data', 'ist.csv', '--target', 'load', '--horizon', '2', '--epochs', '1', '--out', 'runs/ist', '--quiet']);
    expect(t.code, t.stderr).toBe(0);
    expect(futureRows(dir, 'runs/ist').map((r) => r.split(',')[0])).toEqual(['2000-02-10T09:00:00+05:30', '2000-02-11T09:00:00+05:30']);
    const csvOut = rnnfc(dir, ['predict', '-m', 'runs/ist', '-o', '-']);
    expect(csvOut.stdout.trim().split('\n').slice(1)).toEqual(futureRows(dir, 'runs/ist'));
    const j = JSON.parse(rnnfc(dir, ['predict', '-m', 'runs/ist', '--json']).stdout);
    expect(j.forecast.map((f: { time: string }) => f.time)).toEqual(['2000-02-10T09:00:00+05:30', '2000-02-11T09:00:00+05:30']);
  });

  it('an integer time index continues as numbers in predict --json', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${101 + i},${(50 + 3 * Math.sin(i / 2) + i / 4).toFixed(3)}`);
    writeFileSync(join(dir, 'int.csv'), ['day,value', ...rows].join('\n') + '\n');
    const t = rnnfc(dir, [
      'train',
      '--data',
      'int.csv',
      '--time-column',
      'day',
      '--target',
      'value',
      '--horizon',
      '3',
      '--lookback',
      '4',
      '--epochs',
      '1',
      '--out',
      'runs/int-index',
      '--quiet',
    ]);
    expect(t.code).toBe(0);
    const p = rnnfc(dir, ['predict', '-m', 'runs/int-index', '--json']);
    expect(p.code).toBe(0);
    const j = JSON.parse(p.stdout);
    // the time key is `time`, whatever the data's column is called (schema rnnfc/predict@1)
    expect(j.schema).toBe('rnnfc/predict@1');
    expect(j.forecast.map((f: { time: unknown }) => f.time)).toEqual([141, 142, 143]);
    for (const f of j.forecast) expect(Number.isFinite(f.forecast)).toBe(true);
  });

  it('quarters written as "1990 Q1" are a quarterly series (season 4) and predict continues them in that spelling', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${1990 + Math.floor(i / 4)} Q${(i % 4) + 1},${(100 + 10 * (i % 4 === 3 ? 1 : 0) + i).toFixed(3)}`);
    writeFileSync(join(dir, 'quarters.csv'), ['quarter,value', ...rows].join('\n') + '\n');
    const t = rnnfc(dir, [
      'train',
      '--data',
      'quarters.csv',
      '--time-column',
      'quarter',
      '--target',
      'value',
      '--horizon',
      '6',
      '--epochs',
      '1',
      '--out',
      'runs/quarters',
      '--json',
    ]);
    expect(t.code).toBe(0);
    expect(readFileSync(join(dir, 'runs/quarters/metrics.json'), 'utf8')).toMatch(/"season": 4/);
    // the plot reads the quarters as dates (their first day), so its lines are drawn on a time axis
    // labelled by quarter, titled with the data's column names
    expect(readFileSync(join(dir, 'runs/quarters/plot.svg'), 'utf8')).toMatch(/quarter: 1990-Q1; value: 100; series: history/);
    const p = rnnfc(dir, ['predict', '-m', 'runs/quarters', '--json']);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.stdout).forecast.map((f: { time: string }) => f.time)).toEqual(['2000 Q1', '2000 Q2', '2000 Q3', '2000 Q4', '2001 Q1', '2001 Q2']);
  });

  it('one-to-one GRU: trains, forecasts the horizon by feeding predictions back, and predicts', () => {
    const r = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/o2o', '--json']);
    expect(r.code).toBe(0);
    // the same config in one-to-one mode with a GRU, through a config file written beside it
    // (its data.path is relative to its directory)
    writeFileSync(
      join(dir, 'test/fixtures/e2e/o2o.yaml'),
      readFileSync(join(dir, CFG), 'utf8').replace('mode: many-to-one', 'mode: one-to-one').replace('cell: lstm', 'cell: gru'),
    );
    const t = rnnfc(dir, ['train', '-c', 'test/fixtures/e2e/o2o.yaml', '--out', 'runs/o2o-gru', '--json']);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    const pipeline = JSON.parse(readFileSync(join(dir, 'runs/o2o-gru/pipeline.json'), 'utf8'));
    expect(pipeline.io.mode).toBe('one-to-one');
    expect(pipeline.io.outputs).toBe(1);
    const model = JSON.parse(readFileSync(join(dir, 'runs/o2o-gru/model.json'), 'utf8'));
    // trained on the fused kernels (the default on wasm), saved as a stock GRU, its dense head on every step
    expect(model.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name)).toEqual(['GRU', 'Dense']);
    expect(JSON.stringify(model)).not.toMatch(/Fused/);
    const p = rnnfc(dir, ['predict', '-m', 'runs/o2o-gru', '-o', '-']);
    expect(p.code).toBe(0);
    const lines = p.stdout.trim().split('\n');
    expect(lines).toHaveLength(7);
    for (const l of lines.slice(1)) expect(Number.isFinite(Number(l.split(',')[1]))).toBe(true);
    expect(lines.slice(1)).toEqual(futureRows(dir, 'runs/o2o-gru'));
  });

  it('vanilla RNN (cell rnn): trains on the fused kernels, saves stock SimpleRNN layers that plain tfjs loads, and predicts what train forecast', async () => {
    writeFileSync(join(dir, 'test/fixtures/e2e/rnn.yaml'), readFileSync(join(dir, CFG), 'utf8').replace('cell: lstm', 'cell: rnn'));
    const t = rnnfc(dir, ['train', '-c', 'test/fixtures/e2e/rnn.yaml', '--out', 'runs/rnn', '--json']);
    expect(t.code, t.stderr).toBe(0);
    const model = JSON.parse(readFileSync(join(dir, 'runs/rnn/model.json'), 'utf8'));
    const classes = model.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name);
    expect(classes).toContain('SimpleRNN');
    expect(JSON.stringify(model)).not.toMatch(/Fused/);
    const { tf } = await loadBackend('cpu');
    const weights = readFileSync(join(dir, 'runs/rnn/weights.bin'));
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: model.modelTopology, weightSpecs: model.weightsManifest[0].weights, weightData: new Uint8Array(weights).buffer }),
    );
    expect(loaded.layers.map((l) => (l.constructor as unknown as { className: string }).className)).toEqual(classes);
    // the stock layers forecast what rnnfc's own inference does
    const plain = await openPredictor(JSON.stringify(model), weights, { backend: 'auto', trainedOn: 'wasm' });
    const x = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
    const want = tf.tidy(() => (loaded.predict(tf.tensor3d(x, [1, 12, 1])) as Tensor).dataSync());
    expect(scaledErr(plain.predict(x, 1, 12, 1), want)).toBeLessThan(1e-5);
    const p = rnnfc(dir, ['predict', '-m', 'runs/rnn', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n').slice(1)).toEqual(futureRows(dir, 'runs/rnn'));
    // relu instead of tanh (model.activation): saved as the stock layer's activation, predicted alike
    writeFileSync(join(dir, 'test/fixtures/e2e/relu.yaml'), readFileSync(join(dir, CFG), 'utf8').replace('cell: lstm', 'cell: rnn\n  activation: relu'));
    const r = rnnfc(dir, ['train', '-c', 'test/fixtures/e2e/relu.yaml', '--out', 'runs/relu', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const reluModel = JSON.parse(readFileSync(join(dir, 'runs/relu/model.json'), 'utf8'));
    const simple = reluModel.modelTopology.config.layers.filter((l: { class_name: string }) => l.class_name === 'SimpleRNN');
    expect(simple.map((l: { config: { activation: string } }) => l.config.activation)).toEqual(simple.map(() => 'relu'));
    expect(readFileSync(join(dir, 'runs/relu/config.yaml'), 'utf8')).toMatch(/activation: relu/);
    const q = rnnfc(dir, ['predict', '-m', 'runs/relu', '-o', '-']);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout.trim().split('\n').slice(1)).toEqual(futureRows(dir, 'runs/relu'));
  });

  it('trains an LSTM with peepholes and coupled gates from a config, saved as LSTMVariant, and predicts what train forecast', async () => {
    writeFileSync(
      join(dir, 'test/fixtures/e2e/variant.yaml'),
      readFileSync(join(dir, CFG), 'utf8').replace('cell: lstm', 'cell: lstm\n  peephole: true\n  coupled_gates: true'),
    );
    const t = rnnfc(dir, ['train', '-c', 'test/fixtures/e2e/variant.yaml', '--out', 'runs/variant', '--quiet']);
    expect(t.code, t.stderr).toBe(0);
    const model = JSON.parse(readFileSync(join(dir, 'runs/variant/model.json'), 'utf8'));
    const variants = model.modelTopology.config.layers.filter((l: { class_name: string }) => l.class_name === 'LSTMVariant');
    expect(variants.length).toBeGreaterThan(0);
    for (const l of variants) expect(l.config).toMatchObject({ peephole: true, coupled_gates: true });
    expect(JSON.stringify(model)).not.toMatch(/Fused/);
    // three gate blocks and two peephole blocks per unit
    const units = variants[0].config.units;
    const shapes = model.weightsManifest[0].weights.filter((w: { name: string }) => w.name.startsWith(`${variants[0].config.name}/`));
    expect(shapes.map((w: { name: string; shape: number[] }) => [w.name.split('/')[1], w.shape])).toContainEqual(['peephole', [2 * units]]);
    expect(shapes.map((w: { name: string; shape: number[] }) => [w.name.split('/')[1], w.shape])).toContainEqual(['bias', [3 * units]]);
    expect(readFileSync(join(dir, 'runs/variant/config.yaml'), 'utf8')).toMatch(/peephole: true\n {2}coupled_gates: true/);
    const p = rnnfc(dir, ['predict', '-m', 'runs/variant', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n').slice(1)).toEqual(futureRows(dir, 'runs/variant'));
  });

  it('Ctrl-C stops training cleanly and leaves no partial run', async () => {
    const child = spawn(process.execPath, [BIN, 'train', '-c', CFG, '--epochs', '100000', '--out', 'runs/int'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let err = '';
    let sent = false;
    const code = await new Promise<number | null>((res) => {
      child.stderr.on('data', (d) => {
        err += d;
        if (!sent && /epoch\s+2\//.test(err)) sent = child.kill('SIGINT');
      });
      child.on('close', (c) => res(c));
    });
    expect(code).toBe(130);
    expect(err).toMatch(/interrupted/);
    expect(err).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'runs/int'))).toBe(false);
    expect(readdirSync(join(dir, 'runs')).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});

describe('hybrid settings end to end: deseasonalize, normalised windows, linear path, ensemble', () => {
  it('train writes every member, predict reproduces the future part, reruns are byte-identical', () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'hybrid.yaml'),
      `data: {path: test/fixtures/e2e/monthly.csv, time_column: month, target: value}
transforms: [log, {deseasonalize: 12}, {scale: standard}]
window: {mode: many-to-one, lookback: 12, horizon: 6, normalize: last}
model: {cell: gru, layers: [{units: 4}], linear: true, ridge: 0.01}
training: {epochs: 2, batch_size: 16, validation_size: 6, seed: 7, ensemble: 3}
evaluation: {test_size: 6, season: 12}
output: {plot: false}
`,
    );
    const a = rnnfc(dir, ['train', '-c', 'hybrid.yaml', '--out', 'runs/h1', '--json']);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const files = readdirSync(join(dir, 'runs/h1'));
    for (const f of ['model.json', 'weights.bin', 'model-1.json', 'weights-1.bin', 'model-2.json', 'weights-2.bin']) expect(files).toContain(f);
    const pipeline = JSON.parse(readFileSync(join(dir, 'runs/h1/pipeline.json'), 'utf8'));
    expect(pipeline.io).toMatchObject({ normalize: 'last', members: 3 });
    expect(pipeline.transforms.specs[1]).toEqual({ kind: 'deseasonalize', period: 12 });
    expect(JSON.parse(readFileSync(join(dir, 'runs/h1/metadata.json'), 'utf8')).members_best_epoch).toHaveLength(3);
    const r = rnnfc(dir, ['predict', '-m', 'runs/h1', '-o', '-']);
    expect(r.code).toBe(0);
    const fc = readFileSync(join(dir, 'runs/h1/forecast.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(7)
      .map((l) => Number(l.split(',')[3]));
    const pr = r.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[1]));
    expect(pr).toHaveLength(6);
    for (let i = 0; i < 6; i++) expect(pr[i]).toBeCloseTo(fc[i], 6);
    // New data that starts 5 months later (not a whole season): every row keeps its seasonal
    // phase, so the forecast is the same as from the whole file.
    const csv = readFileSync('test/fixtures/e2e/monthly.csv', 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'later.csv'), [csv[0], ...csv.slice(6)].join('\n') + '\n');
    const later = rnnfc(dir, ['predict', '-m', 'runs/h1', '--data', 'later.csv', '-o', '-']);
    expect(later.code).toBe(0);
    expect(
      later.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(',')[0]),
    ).toEqual(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(',')[0]),
    );
    const pl = later.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[1]));
    for (let i = 0; i < 6; i++) expect(pl[i]).toBeCloseTo(pr[i], 9);
    const b = rnnfc(dir, ['train', '-c', 'hybrid.yaml', '--out', 'runs/h2', '--json']);
    expect(b.code).toBe(0);
    for (const f of ['forecast.csv', 'metrics.json', 'weights-2.bin']) {
      expect(readFileSync(join(dir, 'runs/h2', f))).toEqual(readFileSync(join(dir, 'runs/h1', f)));
    }
  });
});

describe("intervals sized by the ensemble's spread (--intervals ensemble)", () => {
  it('records the ensemble method, which predict repeats; one forecast falls back to conformal and says so; a bad method is exit 2', () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'ens.yaml'),
      `data: {path: test/fixtures/e2e/monthly.csv, time_column: month, target: value}
transforms: [log, {scale: standard}]
window: {mode: many-to-one, lookback: 12, horizon: 6}
model: {cell: gru, layers: [{units: 4}], linear: true, ridge: 0.01}
training: {epochs: 2, batch_size: 16, validation_size: 6, seed: 7, ensemble: 3}
evaluation: {test_size: 6, season: 12}
output: {plot: false}
`,
    );
    const a = rnnfc(dir, ['train', '-c', 'ens.yaml', '--out', 'runs/e', '--intervals', 'ensemble', '--quiet']);
    expect(a.code, a.stderr).toBe(0);
    const iv = JSON.parse(readFileSync(join(dir, 'runs/e/pipeline.json'), 'utf8')).io.intervals;
    expect(iv.method).toBe('ensemble');
    expect(iv.spreads.median).toHaveLength(6);
    for (let k = 0; k < 6; k++) {
      expect(iv.spreads.median[k]).toBeGreaterThan(0);
      expect(iv.spreads.max[k]).toBeGreaterThanOrEqual(iv.spreads.median[k]);
    }
    expect(readFileSync(join(dir, 'runs/e/config.yaml'), 'utf8')).toMatch(/intervals: ensemble/);
    const p = rnnfc(dir, ['predict', '-m', 'runs/e', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n').slice(1)).toEqual(futureRows(dir, 'runs/e'));
    // the same members with conformal intervals: the same forecast, other widths
    const c = rnnfc(dir, ['train', '-c', 'ens.yaml', '--out', 'runs/c', '--quiet']);
    expect(c.code, c.stderr).toBe(0);
    const cols = (run: string, i: number) => futureRows(dir, run).map((l) => l.split(',')[i]);
    expect(cols('runs/e', 1)).toEqual(cols('runs/c', 1));
    expect(cols('runs/e', 5)).not.toEqual(cols('runs/c', 5));
    // one member and nothing joining it: no spread to scale by
    writeFileSync(join(dir, 'one.yaml'), readFileSync(join(dir, 'ens.yaml'), 'utf8').replace('ensemble: 3', 'ensemble: 1'));
    const one = rnnfc(dir, ['train', '-c', 'one.yaml', '--out', 'runs/one', '--intervals', 'ensemble']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('sized from the errors alone (conformal): evaluation.intervals ensemble needs two or more forecasts averaged');
    expect(JSON.parse(readFileSync(join(dir, 'runs/one/pipeline.json'), 'utf8')).io.intervals.method).toBe('conformal');
    const bad = rnnfc(dir, ['train', '-c', 'ens.yaml', '--out', 'runs/bad', '--intervals', 'spread']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("argument 'spread' is invalid");
    writeFileSync(join(dir, 'bad.yaml'), readFileSync(join(dir, 'ens.yaml'), 'utf8').replace('season: 12}', 'season: 12, intervals: spread}'));
    const badConfig = rnnfc(dir, ['train', '-c', 'bad.yaml', '--out', 'runs/bad']);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('evaluation.intervals: must be one of conformal, ensemble, quantile; got "spread" (bad.yaml:6)');
    expect(existsSync(join(dir, 'runs/bad'))).toBe(false);
  });
});

describe('intervals from quantile heads (--intervals quantile)', () => {
  it('trains heads beside the forecast, saves them in the standard model, predict repeats train; refused where there are no heads to learn', () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'q.yaml'),
      `data: {path: test/fixtures/e2e/monthly.csv, time_column: month, target: value}
transforms: [log, {scale: standard}]
window: {mode: many-to-one, lookback: 12, horizon: 6}
model: {cell: lstm, layers: [{units: 8}], linear: true, ridge: 0.01}
training: {epochs: 3, batch_size: 16, validation_size: 6, seed: 7}
evaluation: {test_size: 6, season: 12, intervals: quantile}
output: {plot: false}
`,
    );
    const a = rnnfc(dir, ['train', '-c', 'q.yaml', '--out', 'runs/q', '--quiet']);
    expect(a.code, a.stderr).toBe(0);
    const io = JSON.parse(readFileSync(join(dir, 'runs/q/pipeline.json'), 'utf8')).io;
    expect(io.heads).toEqual([0.1, 0.9]);
    expect(io.outputs).toBe(6);
    expect(io.intervals.method).toBe('quantile');
    // the output layer: the forecast's 6 steps, then 6 for each head
    const model = JSON.parse(readFileSync(join(dir, 'runs/q/model.json'), 'utf8'));
    const dense = model.modelTopology.config.layers.filter((l: { class_name: string }) => l.class_name === 'Dense');
    expect(dense.map((l: { config: { units: number } }) => l.config.units)).toEqual([18, 18]);
    const p = rnnfc(dir, ['predict', '-m', 'runs/q', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n').slice(1)).toEqual(futureRows(dir, 'runs/q'));
    // reruns give the same bytes
    expect(rnnfc(dir, ['train', '-c', 'q.yaml', '--out', 'runs/q2', '--quiet']).code).toBe(0);
    for (const f of ['forecast.csv', 'metrics.json', 'weights.bin'])
      expect(readFileSync(join(dir, 'runs/q2', f)), f).toEqual(readFileSync(join(dir, 'runs/q', f)));
    // heads need a direct many-to-one forecast, and the CPU
    for (const [extra, says] of [
      [['--backend', 'webgpu'], 'evaluation.intervals: a network with quantile heads (intervals quantile) does not train on backend webgpu yet'],
    ] as const) {
      const r = rnnfc(dir, ['check', '-c', 'q.yaml', ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(says);
    }
    writeFileSync(join(dir, 'qr.yaml'), readFileSync(join(dir, 'q.yaml'), 'utf8').replace('horizon: 6}', 'horizon: 6, strategy: recursive}'));
    const r = rnnfc(dir, ['train', '-c', 'qr.yaml', '--out', 'runs/qr']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('evaluation.intervals: quantile needs window.mode many-to-one with strategy direct');
    expect(existsSync(join(dir, 'runs/qr'))).toBe(false);
  });
});

describe('rolling evaluation: a test period of several horizons, forecast block by block from the actual data', () => {
  const dir = scratch();
  const csv = readFileSync('test/fixtures/e2e/monthly.csv', 'utf8').trim().split('\n');
  const config = (extra: string) =>
    `data: {path: test/fixtures/e2e/monthly.csv, time_column: month, target: value${extra}}
transforms: [log, difference, {scale: standard}]
window: {mode: many-to-one, lookback: 12, horizon: 6}
model: {cell: gru, layers: [{units: 4}]}
training: {epochs: 2, batch_size: 16, validation_size: 6, seed: 7}
evaluation: {test_size: 12, season: 12, rolling: true}
output: {plot: false}
`;

  it('each block is what predict forecasts from the rows before it; baselines roll the same way', () => {
    writeFileSync(join(dir, 'roll.yaml'), config(''));
    const t = rnnfc(dir, ['train', '-c', 'roll.yaml', '--out', 'runs/r']);
    expect(t.stderr).not.toMatch(/error/i);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('test metrics (12 steps in 2 rolling forecasts from the actual data, MASE season 12)');
    const metrics = JSON.parse(readFileSync(join(dir, 'runs/r/metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({ origin: '2005-01-01', test_size: 12, rolling: true, origins: ['2005-01-01', '2005-07-01'] });
    const test = readFileSync(join(dir, 'runs/r/forecast.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1, 13)
      .map((l) => l.split(','));
    expect(test.map((c) => c[0])).toEqual(csv.slice(61, 73).map((l) => l.split(',')[0]));
    // block k from predict on the file cut at its origin (rows 1..60 and 1..66 after the header)
    for (const [k, rows] of [
      [0, 60],
      [1, 66],
    ]) {
      writeFileSync(join(dir, `cut${k}.csv`), csv.slice(0, rows + 1).join('\n') + '\n');
      const p = rnnfc(dir, ['predict', '-m', 'runs/r', '--data', `cut${k}.csv`, '-o', '-']);
      expect(p.code).toBe(0);
      const pr = p.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','));
      for (let i = 0; i < 6; i++) {
        expect(pr[i][0]).toBe(test[6 * k + i][0]);
        expect(Number(pr[i][1])).toBeCloseTo(Number(test[6 * k + i][3]), 6);
      }
    }
    // naive repeats the last actual before each block: 2004-12 for the first, 2005-06 for the second
    const y = csv.slice(1).map((l) => Number(l.split(',')[1]));
    let mae = 0;
    for (let i = 0; i < 12; i++) mae += Math.abs(y[60 + i] - y[i < 6 ? 59 : 65]);
    expect(metrics.methods.naive.mae).toBeCloseTo(mae / 12, 6);
  });

  it('lets inputs other than the target cover a test period longer than the horizon; without rolling that is refused', () => {
    writeFileSync(join(dir, 'feat.yaml'), config(', features: [value, temp]'));
    const ok = rnnfc(dir, ['train', '-c', 'feat.yaml', '--out', 'runs/f', '--json']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'runs/f/metrics.json'), 'utf8')).origins).toEqual(['2005-01-01', '2005-07-01']);
    writeFileSync(join(dir, 'feat1.yaml'), config(', features: [value, temp]').replace(', rolling: true', ''));
    const bad = rnnfc(dir, ['train', '-c', 'feat1.yaml', '--out', 'runs/f1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'evaluation.test_size: must be at most window.horizon (6) when there are inputs other than the target, unless evaluation.rolling',
    );
    expect(existsSync(join(dir, 'runs/f1'))).toBe(false);
  });
});

describe('window.mode many-to-many (an encoder-decoder)', () => {
  it('trains an encoder-decoder (many-to-many), which predict and a backtest forecast as train does, byte-identical on a rerun', () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'mm.yaml'),
      `data: {path: test/fixtures/e2e/monthly.csv, time_column: month, target: value}
transforms: [log, {scale: standard}]
window: {mode: many-to-many, lookback: 12, horizon: 6}
model: {cell: gru, layers: [{units: 8}]}
training: {epochs: 4, batch_size: 16, validation_size: 6, seed: 7, teacher_forcing: [1, 0.5]}
evaluation: {test_size: 6, season: 12}
output: {plot: false}
`,
    );
    const a = rnnfc(dir, ['train', '-c', 'mm.yaml', '--out', 'runs/mm', '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout).epochs_run).toBe(4);
    const io = JSON.parse(readFileSync(join(dir, 'runs/mm/pipeline.json'), 'utf8')).io;
    expect([io.mode, io.outputs]).toEqual(['many-to-many', 6]);
    // the standard model: the input's 18 steps (12 encoder, 6 decoder) of [value, ahead], one output per decoder step
    const model = JSON.parse(readFileSync(join(dir, 'runs/mm/model.json'), 'utf8'));
    const layers = model.modelTopology.config.layers as { class_name: string; config: Record<string, unknown> }[];
    expect(layers[0].config.batch_input_shape).toEqual([null, 18, 2]);
    expect(layers.filter((l) => l.class_name === 'GRU')).toHaveLength(2);
    expect(layers.at(-1)!.config.target_shape).toEqual([6]);
    const p = rnnfc(dir, ['predict', '-m', 'runs/mm', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n').slice(1)).toEqual(futureRows(dir, 'runs/mm'));
    expect(rnnfc(dir, ['train', '-c', 'mm.yaml', '--out', 'runs/mm2', '--quiet']).code).toBe(0);
    for (const f of ['forecast.csv', 'metrics.json', 'weights.bin', 'model.json'])
      expect(readFileSync(join(dir, 'runs/mm2', f)), f).toEqual(readFileSync(join(dir, 'runs/mm', f)));
    // the flags choose it too: a many-to-one config trained as many-to-many gives the same run
    writeFileSync(
      join(dir, 'm1.yaml'),
      readFileSync(join(dir, 'mm.yaml'), 'utf8').replace('mode: many-to-many', 'mode: many-to-one').replace(', teacher_forcing: [1, 0.5]', ''),
    );
    const f = rnnfc(dir, ['train', '-c', 'm1.yaml', '--mode', 'many-to-many', '--cell', 'gru', '--out', 'runs/flags', '--quiet']);
    expect(f.code, f.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'runs/flags/pipeline.json'), 'utf8')).io.mode).toBe('many-to-many');
    const b = rnnfc(dir, ['backtest', '-c', 'mm.yaml', '--origins', '2', '--json']);
    expect(b.code, b.stderr).toBe(0);
    const bt = JSON.parse(b.stdout.trim().split('\n').pop()!);
    expect(bt.origins).toHaveLength(2);
    for (const o of bt.origins) {
      expect(o.forecast).toHaveLength(6);
      expect(o.metrics.model.mase).toBeGreaterThan(0);
    }
    // an encoder-decoder takes the target alone
    const r = rnnfc(dir, ['train', '-c', 'mm.yaml', '--features', 'value,temp', '--out', 'runs/bad']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--features: mode many-to-many takes the target as its only column');
    expect(existsSync(join(dir, 'runs/bad'))).toBe(false);
    // the config-less defaults are many-to-one: the flag alone is refused, not ignored
    const cl = rnnfc(dir, ['backtest', '--data', 'test/fixtures/e2e/monthly.csv', '--target', 'value', '--mode', 'many-to-many']);
    expect(cl.code).toBe(2);
    expect(cl.stderr).toContain('--mode many-to-many needs a config file');
  });

  it('takes known-future columns (data.known_future) from the rows after the last value, and predict and backtest read them as train does', () => {
    const dir = scratch();
    // daily sales lifted by 30 on promotion days; the promotions of the next 7 days are planned
    const rows = ['date,sales,promo'];
    let u = 17;
    for (let i = 0; i < 187; i++) {
      u = (u * 16807) % 2147483647;
      const promo = u % 5 === 0 ? 1 : 0;
      const day = new Date(Date.UTC(2023, 0, 2 + i)).toISOString().slice(0, 10);
      rows.push(`${day},${i < 180 ? (100 + 30 * promo + 5 * Math.sin(i) + 0.05 * i).toFixed(2) : ''},${promo}`);
    }
    writeFileSync(join(dir, 'promo.csv'), `${rows.join('\n')}\n`);
    writeFileSync(
      join(dir, 'kf.yaml'),
      `data: {path: promo.csv, time_column: date, target: sales, known_future: promo}
transforms: [{scale: standard}]
window: {mode: many-to-many, lookback: 14, horizon: 7}
model: {cell: gru, layers: [{units: 8}]}
training: {epochs: 40, batch_size: 16, learning_rate: 0.01, validation_size: 7, seed: 3}
evaluation: {test_size: 7}
output: {plot: false}
`,
    );
    const a = rnnfc(dir, ['train', '-c', 'kf.yaml', '--out', 'runs/kf', '--quiet']);
    expect(a.code, a.stderr).toBe(0);
    const io = JSON.parse(readFileSync(join(dir, 'runs/kf/pipeline.json'), 'utf8')).io;
    expect(io.known.map((k: { name: string }) => k.name)).toEqual(['promo']);
    const model = JSON.parse(readFileSync(join(dir, 'runs/kf/model.json'), 'utf8'));
    // [sales, ahead, promo] on 14 + 7 steps
    expect(model.modelTopology.config.layers[0].config.batch_input_shape).toEqual([null, 21, 3]);
    const future = futureRows(dir, 'runs/kf');
    expect(future).toHaveLength(7);
    // the forecast follows the planned promotions: their days forecast higher than the others
    const promos = rows.slice(181).map((r) => Number(r.split(',')[2]));
    const f = future.map((r) => Number(r.split(',')[1]));
    const mean = (xs: number[]) => xs.reduce((p, q) => p + q, 0) / xs.length;
    expect(promos).toContain(1);
    expect(promos).toContain(0);
    expect(mean(f.filter((_, i) => promos[i] === 1)) - mean(f.filter((_, i) => promos[i] === 0))).toBeGreaterThan(15);
    const p = rnnfc(dir, ['predict', '-m', 'runs/kf', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n').slice(1)).toEqual(future);
    const b = rnnfc(dir, ['backtest', '-c', 'kf.yaml', '--origins', '2', '--json']);
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout.trim().split('\n').pop()!).origins).toHaveLength(2);
    // fewer planned rows than the horizon: refused before training, and by predict, saying how many there are
    writeFileSync(join(dir, 'short.csv'), `${rows.slice(0, 185).join('\n')}\n`);
    const t = rnnfc(dir, ['train', '-c', 'kf.yaml', '--data', 'short.csv', '--out', 'runs/short']);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('data.known_future: the file gives promo for 4 rows after the last value of "sales", and forecasting the next 7 needs 7');
    expect(existsSync(join(dir, 'runs/short'))).toBe(false);
    const q = rnnfc(dir, ['predict', '-m', 'runs/kf', '--data', 'short.csv', '-o', '-']);
    expect(q.code).toBe(2);
    expect(q.stderr).toContain('for 4 rows after the last value');
  });

  it('takes calendar inputs (data.calendar), on the decoder steps for the rows they forecast, and predict repeats the forecast', () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'cal.yaml'),
      `data: {path: test/fixtures/e2e/monthly.csv, time_column: month, target: value, calendar: month_of_year}
transforms: [log, {scale: standard}]
window: {mode: many-to-many, lookback: 12, horizon: 6}
model: {cell: lstm, layers: [{units: 8}]}
training: {epochs: 3, batch_size: 16, validation_size: 6, seed: 7}
evaluation: {test_size: 6, season: 12}
output: {plot: false}
`,
    );
    const a = rnnfc(dir, ['train', '-c', 'cal.yaml', '--out', 'runs/cal', '--quiet']);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'runs/cal/pipeline.json'), 'utf8')).io.calendar).toEqual(['month_of_year']);
    // [value, ahead, sin, cos] on each of the 18 steps
    const model = JSON.parse(readFileSync(join(dir, 'runs/cal/model.json'), 'utf8'));
    expect(model.modelTopology.config.layers[0].config.batch_input_shape).toEqual([null, 18, 4]);
    expect(readFileSync(join(dir, 'runs/cal/config.yaml'), 'utf8')).toContain('calendar: [ month_of_year ]');
    const p = rnnfc(dir, ['predict', '-m', 'runs/cal', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n').slice(1)).toEqual(futureRows(dir, 'runs/cal'));
    // the flag, on a many-to-one run; an hour of a monthly series is refused with what to do
    const m = rnnfc(dir, ['train', '-c', 'cal.yaml', '--mode', 'many-to-one', '--calendar', 'month_of_year', '--out', 'runs/m1', '--quiet']);
    expect(m.code, m.stderr).toBe(0);
    const m1 = JSON.parse(readFileSync(join(dir, 'runs/m1/model.json'), 'utf8'));
    expect(m1.modelTopology.config.layers[0].config.batch_input_shape).toEqual([null, 12, 3]);
    const bad = rnnfc(dir, ['train', '-c', 'cal.yaml', '--calendar', 'hour_of_day', '--out', 'runs/bad']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('data.calendar: hour_of_day says nothing about rows 1 month apart (it needs rows minutes or hours apart); leave it out');
    expect(existsSync(join(dir, 'runs/bad'))).toBe(false);
    // a pipeline.json that lost its calendar no longer fits the model
    const pj = join(dir, 'runs/cal/pipeline.json');
    const saved = JSON.parse(readFileSync(pj, 'utf8'));
    delete saved.io.calendar;
    writeFileSync(pj, JSON.stringify(saved));
    rehash(join(dir, 'runs/cal'), ['pipeline.json']);
    const t = rnnfc(dir, ['predict', '-m', 'runs/cal', '-o', '-']);
    expect(t.code).not.toBe(0);
    expect(t.stderr).toContain('takes 4 inputs per step, pipeline.json has 1 column');
  });
});
