/**
 * rnnfc pretrain, and a run that uses a pretrained forecaster (spawns bin/rnnfc): pretraining
 * reproduces byte for byte from the command line, train copies the forecaster into the run and
 * records its choice, predict repeats train's future forecast from the run alone, and damaged or
 * misplaced forecasters are refused with exit 2.
 */
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectForecastOfParts, futureRows, rnnfc, scratch } from './helpers.js';

const CFG = 'test/fixtures/e2e/tiny.yaml';
const PT_CFG = 'test/fixtures/e2e/pt.yaml';
const SMALL = ['pretrain', '--synthetic', '60', '--tsdl', 'none', '--epochs', '2', '--threads', '1', '-q'];

describe('rnnfc pretrain and model.pretrained (spawns bin/rnnfc)', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch();
    const a = rnnfc(dir, [...SMALL, '--out', 'pt']);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    // the forecaster's folder is relative to the config file, as the data is
    const cfg = readFileSync(join(dir, CFG), 'utf8').replace('  layers: [{units: 8}]', '  layers: [{units: 8}]\n  pretrained: ../../../pt');
    writeFileSync(join(dir, PT_CFG), cfg);
  }, 120_000);

  it('writes the same weights when run again with the same settings', () => {
    expect(rnnfc(dir, [...SMALL, '--out', 'pt2']).code).toBe(0);
    for (const f of ['model.json', 'weights.bin']) expect(readFileSync(join(dir, 'pt2', f)).equals(readFileSync(join(dir, 'pt', f))), f).toBe(true);
    const m = JSON.parse(readFileSync(join(dir, 'pt/pretrained.json'), 'utf8'));
    expect(m.corpus).toMatchObject({ series: 60, synthetic: { seed: m.settings.seed, count: 60 }, real: { count: 0 } });
    expect(m.settings).toMatchObject({ synthetic: 60, epochs: 2, threads: 1 });
    // --overwrite replaces its own output; a folder it did not write is refused
    expect(rnnfc(dir, [...SMALL, '--out', 'pt2', '--overwrite']).code).toBe(0);
    const r = rnnfc(dir, [...SMALL, '--out', 'test']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/test already exists and is not an rnnfc run directory/);
    // --units sizes the recurrent layer, and the manifest records it; out of range is exit 2
    expect(rnnfc(dir, ['pretrain', '--synthetic', '20', '--tsdl', 'none', '--epochs', '1', '--threads', '1', '--units', '4', '--out', 'pt4', '-q']).code).toBe(
      0,
    );
    expect(JSON.parse(readFileSync(join(dir, 'pt4/pretrained.json'), 'utf8')).settings.units).toBe(4);
    expect(readFileSync(join(dir, 'pt4/model.json'), 'utf8')).toMatch(/"units":4[,}]/);
    const big = rnnfc(dir, ['pretrain', '--units', '2048', '--out', 'big']);
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/--units must be at most 1024/);
    // an empty corpus: exit 2, nothing written
    const empty = rnnfc(dir, ['pretrain', '--synthetic', '0', '--tsdl', 'none', '--out', 'empty']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/the corpus gives no training windows: 0 series/);
    expect(existsSync(join(dir, 'empty'))).toBe(false);
  }, 120_000);

  it('trains with it: the run holds the forecaster and says what the forecast is made of; predict repeats the future', () => {
    const t = rnnfc(dir, ['train', '-c', PT_CFG, '--out', 'runs/p', '--json']);
    expect(t.code).toBe(0);
    const res = JSON.parse(t.stdout);
    expect(['model', 'mean']).toContain(res.pretrained.use);
    expect(Object.keys(res.pretrained.validation_mae).sort()).toEqual(['mean', 'model', 'pretrained']);
    // backtest --json gives each origin's choice with the validation errors it was made by
    const bt = rnnfc(dir, ['backtest', '-c', PT_CFG, '--origins', '2', '--json']);
    expect(bt.code, bt.stderr).toBe(0);
    for (const o of JSON.parse(bt.stdout).origins) {
      const v = o.validation_mae;
      expect(Object.keys(v).sort()).toEqual(['mean', 'model', 'pretrained']);
      expect(o.pretrained).toBe(v.model < v.mean ? 'model' : 'mean');
      // and what the forecast was combined from: the model's and the network's forecasts, whichever was chosen
      expect(Object.keys(o.parts).sort()).toEqual(['model', 'pretrained']);
      expectForecastOfParts(o);
    }
    const run = join(dir, 'runs/p');
    expect(readFileSync(join(run, 'pretrained-weights.bin')).equals(readFileSync(join(dir, 'pt/weights.bin')))).toBe(true);
    expect(JSON.parse(readFileSync(join(run, 'metadata.json'), 'utf8')).pretrained).toEqual(res.pretrained);
    expect(JSON.parse(readFileSync(join(run, 'pipeline.json'), 'utf8')).io.pretrained).toEqual({ use: res.pretrained.use, season: 12 });
    const p = rnnfc(dir, ['predict', '-m', 'runs/p', '-o', '-']);
    expect(p.code).toBe(0);
    expect(p.stdout.trim().split('\n').slice(1)).toEqual(futureRows(dir, 'runs/p'));
    const text = rnnfc(dir, ['train', '-c', PT_CFG, '--out', 'runs/q']);
    expect(text.stdout).toMatch(
      /forecast: the (model alone|mean of the model and the pretrained network) \(pretrained forecaster pt; lowest validation MAE: model/,
    );
  }, 120_000);

  it('refuses a missing forecaster, and a run whose copy was changed', () => {
    const cfg = readFileSync(join(dir, PT_CFG), 'utf8').replace('pretrained: ../../../pt', 'pretrained: nowhere');
    writeFileSync(join(dir, 'test/fixtures/e2e/bad-pt.yaml'), cfg);
    const r = rnnfc(dir, ['train', '-c', 'test/fixtures/e2e/bad-pt.yaml', '--out', 'runs/bad']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/model\.pretrained: test\/fixtures\/e2e\/nowhere is not a folder `rnnfc pretrain` wrote \(no manifest\.json in /);
    // check refuses it too, with the same message (a config check passes is one train accepts)
    const c = rnnfc(dir, ['check', '-c', 'test/fixtures/e2e/bad-pt.yaml']);
    expect(c.code).toBe(2);
    expect(c.stderr).toBe(r.stderr);
    // refused before training: nothing but the message (no epoch progress)
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^rnnfc: error: model\.pretrained/);
    const b = rnnfc(dir, ['backtest', '-c', 'test/fixtures/e2e/bad-pt.yaml', '--origins', '1']);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe(r.stderr);
    expect(rnnfc(dir, ['check', '-c', PT_CFG]).code).toBe(0);
    // the forecaster's folder is untrusted input, as a run is: a weights file swapped for a link
    // to an endless device is refused before a byte is read, naming the file
    cpSync(join(dir, 'pt'), join(dir, 'pt-link'), { recursive: true });
    rmSync(join(dir, 'pt-link/weights.bin'));
    symlinkSync('/dev/zero', join(dir, 'pt-link/weights.bin'));
    const linked = rnnfc(dir, ['check', '-c', PT_CFG, '--pretrained', 'pt-link']);
    expect(linked.code).toBe(2);
    expect(linked.stderr).toMatch(/model\.pretrained: pt-link cannot be read: .*pt-link\/weights\.bin is a symbolic link/);
    const w = join(dir, 'runs/p/pretrained-weights.bin');
    const bytes = readFileSync(w);
    bytes[10] ^= 1;
    writeFileSync(w, bytes);
    const p = rnnfc(dir, ['predict', '-m', 'runs/p', '-o', '-']);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/pretrained-weights\.bin/);
  }, 120_000);
});
