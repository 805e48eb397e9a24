/**
 * Pretraining reproduces: a small run gives the same weights byte for byte, run after run (the
 * checksums below are what this code makes; a change that moves them is a change of the
 * pretrained model and must say so); and the shipped model (pretrained/builtin) is the one its
 * pretrained.json describes: its files' checksums, its corpus (regenerated here from the seed
 * and the repository's TSDL files) and its settings.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/artifacts/run-dir.js';
import { DataError } from '../../src/errors.js';
import { DEFAULT_PRETRAIN, PRETRAINED_JSON, type PretrainManifest, type PretrainSettings, pretrain, pretrainConfig } from '../../src/forecast/pretrain.js';
import { FEATURES, HORIZON, LOOKBACK, MIN_OBSERVED, pretrainedForecast } from '../../src/forecast/pretrained-windows.js';
import { loadPlainModel } from '../../src/model/plain.js';
import { corpusHash, syntheticCorpus, tsdlCorpus } from '../../src/pretrain/corpus.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const builtin = join(root, 'pretrained/builtin');

// enough training that the trained weights beat the starting ones (best epoch 4), so that the checksums cover training
const SMALL: PretrainSettings = {
  ...DEFAULT_PRETRAIN,
  seed: 5,
  synthetic: 40,
  epochs: 4,
  windowsPerEpoch: 512,
  batchSize: 64,
  learningRate: 0.01,
  units: 8,
  threads: 1,
};
/** sha256 of model.json and weights.bin of pretrain(syntheticCorpus(5, 40), SMALL). */
const SMALL_SHA256 = {
  model: 'af0bcf89dec379fb13e60fbb81538b24ced9dbac0f17b5f7f844dcd7096226bd',
  weights: 'bb77326bcd40bfb35f99253d51c7b69b17e50d4f7127c28a141d4001b1cdc0f4',
};

const meta = { realSource: 'none', isReal: () => false, version: 'test' };

describe('rnnfc pretrain', () => {
  it('reproduces a small run byte for byte', async () => {
    const corpus = syntheticCorpus(SMALL.seed, SMALL.synthetic);
    const a = await pretrain(corpus, SMALL, meta);
    const b = await pretrain(syntheticCorpus(SMALL.seed, SMALL.synthetic), SMALL, meta);
    expect(Buffer.compare(a.model.weights, b.model.weights)).toBe(0);
    expect(a.model.modelJson).toBe(b.model.modelJson);
    expect({ model: sha256(a.model.modelJson), weights: sha256(a.model.weights) }).toEqual(SMALL_SHA256);
    expect(a.manifest.files).toEqual({ 'model.json': SMALL_SHA256.model, 'weights.bin': SMALL_SHA256.weights });
    expect(a.manifest.corpus.sha256).toBe(corpusHash(corpus));
    expect(a.manifest.corpus.windows.training).toBeGreaterThan(0);
    expect(a.manifest.corpus.windows.validation).toBeGreaterThan(0);
    expect(a.manifest.result.epochs_run).toBe(4);
    expect(a.manifest.result.best_epoch).toBe(4);
  }, 60_000);

  it('refuses a corpus without training windows (exit 2), naming what is missing', async () => {
    const short = [{ id: 'a', season: 1, values: Float64Array.from({ length: HORIZON + MIN_OBSERVED - 1 }, (_, i) => i + 1) }];
    await expect(pretrain([], SMALL, meta)).rejects.toThrow(DataError);
    await expect(pretrain(short, SMALL, meta)).rejects.toThrow(/the corpus gives no training windows: 1 series, none of at least 21 finite values/);
  });

  it('ships the model its pretrained.json describes', () => {
    const manifest = JSON.parse(readFileSync(join(builtin, PRETRAINED_JSON), 'utf8')) as PretrainManifest;
    const modelJson = readFileSync(join(builtin, 'model.json'));
    const weights = readFileSync(join(builtin, 'weights.bin'));
    expect(manifest.files).toEqual({ 'model.json': sha256(modelJson), 'weights.bin': sha256(weights) });
    // the run-style manifest.json lists the same files with their checksums
    const files = JSON.parse(readFileSync(join(builtin, 'manifest.json'), 'utf8')).files;
    expect(Object.keys(files).sort()).toEqual(['model.json', PRETRAINED_JSON, 'weights.bin']);
    for (const [name, e] of Object.entries(files) as [string, { sha256: string }][]) expect(e.sha256, name).toBe(sha256(readFileSync(join(builtin, name))));
    expect(statSync(join(builtin, 'weights.bin')).size + modelJson.length).toBeLessThanOrEqual(10 * 1024 * 1024);
    expect(manifest.settings).toEqual(DEFAULT_PRETRAIN);
    expect(manifest.config).toEqual(JSON.parse(JSON.stringify(pretrainConfig(DEFAULT_PRETRAIN))));
    expect(manifest.window).toEqual({ lookback: LOOKBACK, horizon: HORIZON, features: [...FEATURES], min_observed: MIN_OBSERVED });
  });

  it("ships a model made from the corpus this repository regenerates (the seed's synthetic series and the TSDL pretraining part)", () => {
    const manifest = JSON.parse(readFileSync(join(builtin, PRETRAINED_JSON), 'utf8')) as PretrainManifest;
    const tsdl = join(root, 'datasets/tsdl');
    const real = tsdlCorpus({
      series: readFileSync(join(tsdl, 'series.csv'), 'utf8'),
      meta: readFileSync(join(tsdl, 'meta.csv'), 'utf8'),
      split: readFileSync(join(tsdl, 'split.csv'), 'utf8'),
    });
    const corpus = [...syntheticCorpus(DEFAULT_PRETRAIN.seed, DEFAULT_PRETRAIN.synthetic), ...real];
    expect(manifest.corpus.sha256).toBe(corpusHash(corpus));
    expect(manifest.corpus.series).toBe(corpus.length);
    expect(manifest.corpus.real.count).toBe(real.length);
  }, 60_000);

  it('forecasts with the shipped model: finite, near a steady trend', () => {
    const plain = loadPlainModel(readFileSync(join(builtin, 'model.json'), 'utf8'), readFileSync(join(builtin, 'weights.bin')));
    if (!('model' in plain)) throw new Error('the shipped model does not open');
    const y = Float64Array.from({ length: 40 }, (_, i) => 100 + 2 * i + (i % 2 ? 0.5 : -0.5));
    const f = pretrainedForecast(plain.model.predict, y, 1, 6);
    expect(f.every(Number.isFinite)).toBe(true);
    // the series climbs 2 a step with little noise: the forecast keeps climbing, about as fast
    expect(f[5]).toBeGreaterThan(y[39] + 4);
    expect(f[5]).toBeLessThan(y[39] + 20);
  });
});
