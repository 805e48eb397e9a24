/**
 * Pretraining: one global network trained on the windows (pretrained-windows.ts) of every corpus series, with
 * rnnfc's own training loop and fused kernels, and the manifest that says how to make it again.
 * No CLI concerns: the corpus and the backend are passed in.
 */
import { createHash } from 'node:crypto';
import { DataError } from '../errors.js';
import { PRETRAINED_JSON } from './pretrained.js';

export { PRETRAINED_JSON };

import { resolveConfig } from '../config/resolve.js';
import type { Config } from '../config/types.js';
import { type CorpusSeries, corpusHash } from '../pretrain/corpus.js';
import type { TrainingWindows } from '../windows/training-windows.js';
import { type FitOptions, type SavedModel, startEngine, trainMembers } from './fit.js';
import { poolWindows } from './panel-fit.js';
import { FEATURES, HORIZON, LOOKBACK, MIN_OBSERVED, seriesWindows, transformSeries } from './pretrained-windows.js';

/** What a pretraining run is made of, all recorded in its manifest. */
export interface PretrainSettings {
  /** Seed of the synthetic series and of training. */
  seed: number;
  /** Synthetic series (series 0..synthetic-1 of the seed). */
  synthetic: number;
  /** Windows kept per synthetic and per real series (evenly spaced, the last always kept). */
  windowsPerSynthetic: number;
  windowsPerReal: number;
  /** Every validationEvery-th series (by position in the corpus) validates instead of training. */
  validationEvery: number;
  cell: 'lstm' | 'gru';
  units: number;
  epochs: number;
  windowsPerEpoch: number;
  batchSize: number;
  learningRate: number;
  patience: number;
  /** Relative ridge penalty of the linear path. */
  ridge: number;
  threads: number;
}

const sha256 = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The settings the shipped model was made with (`rnnfc pretrain` without options). */
export const DEFAULT_PRETRAIN: PretrainSettings = {
  seed: 20261130,
  synthetic: 6000,
  windowsPerSynthetic: 24,
  windowsPerReal: 96,
  validationEvery: 20,
  cell: 'lstm',
  units: 64,
  epochs: 150,
  windowsPerEpoch: 8192,
  batchSize: 128,
  learningRate: 0.002,
  patience: 15,
  ridge: 1e-3,
  threads: 2,
};

/** The horizon the config-less transform choice is made for, by season: the M-competition ones. */
export function horizonForSeason(season: number): number {
  return season === 12 ? 18 : season === 4 ? 8 : season === 1 ? 6 : 8;
}

/** The resolved training config of a pretraining run (the network's shape and the training loop's settings). */
export function pretrainConfig(s: PretrainSettings): Config {
  return resolveConfig({
    data: { path: 'corpus', target: FEATURES[0], features: [...FEATURES] },
    transforms: [],
    window: { mode: 'many-to-one', lookback: LOOKBACK, horizon: HORIZON, strategy: 'direct', normalize: 'none' },
    model: { cell: s.cell, layers: [{ units: s.units }], linear: true, ridge: s.ridge },
    training: {
      learning_rate: s.learningRate,
      batch_size: s.batchSize,
      epochs: s.epochs,
      loss: 'mae',
      early_stopping: { patience: s.patience, min_delta: 0 },
      validation_size: HORIZON,
      seed: s.seed,
      threads: s.threads,
      windows_per_epoch: s.windowsPerEpoch,
    },
  });
}

/**
 * The training and validation windows of a corpus (see PretrainSettings): each usable series'
 * windows, pooled in corpus order (panel-fit.ts poolWindows), every validationEvery-th series'
 * as validation windows.
 */
export function corpusWindows(corpus: CorpusSeries[], s: PretrainSettings, isReal: (c: CorpusSeries) => boolean): TrainingWindows {
  const f = FEATURES.length;
  const parts: TrainingWindows[] = [];
  corpus.forEach((c, i) => {
    if (c.values.length < MIN_OBSERVED + HORIZON || !c.values.every(Number.isFinite)) return;
    const { z } = transformSeries(c.values, c.season, horizonForSeason(c.season));
    if (!z.every(Number.isFinite)) return;
    const { x, y, count } = seriesWindows(z, c.season, isReal(c) ? s.windowsPerReal : s.windowsPerSynthetic);
    const validates = i % s.validationEvery === s.validationEvery - 1;
    parts.push(
      validates
        ? { x: new Float32Array(0), y: new Float32Array(0), xShape: [0, LOOKBACK, f], yShape: [0, HORIZON], xVal: x, yVal: y, nVal: count }
        : { x, y, xShape: [count, LOOKBACK, f], yShape: [count, HORIZON] },
    );
  });
  if (parts.length === 0) return { x: new Float32Array(0), y: new Float32Array(0), xShape: [0, LOOKBACK, f], yShape: [0, HORIZON] };
  return poolWindows(parts);
}

/** What `rnnfc pretrain` writes beside the model (pretrained.json): how it was made and how to check it. */
export interface PretrainManifest {
  format: 'rnnfc-pretrained';
  format_version: 1;
  rnnfc_version: string;
  /** What the network reads and forecasts (forecast/pretrained-windows.ts). */
  window: { lookback: number; horizon: number; features: string[]; min_observed: number };
  corpus: {
    sha256: string;
    series: number;
    synthetic: { seed: number; count: number };
    /** The real series: their source and how many. */
    real: { source: string; count: number };
    windows: { training: number; validation: number };
  };
  settings: PretrainSettings;
  /** The training config as rnnfc resolved it. */
  config: Config;
  result: { best_epoch: number; epochs_run: number; best_validation_loss: number | null; train_seconds: number; backend: string; threads: number | null };
  /** SHA-256 of model.json and weights.bin as written. */
  files: { 'model.json': string; 'weights.bin': string };
}

export interface PretrainResult {
  model: SavedModel;
  manifest: PretrainManifest;
}

/**
 * Trains the pretrained forecaster on `corpus` (its real series named by `realSource`, the rest
 * synthetic) and returns the model and its manifest.
 */
export async function pretrain(
  corpus: CorpusSeries[],
  s: PretrainSettings,
  meta: { realSource: string; isReal: (c: CorpusSeries) => boolean; version: string },
  opts: Pick<FitOptions, 'engine' | 'signal' | 'onEvent'> = {},
): Promise<PretrainResult> {
  const cfg = pretrainConfig(s);
  const data = corpusWindows(corpus, s, meta.isReal);
  if (data.xShape[0] === 0)
    throw new DataError(
      `the corpus gives no training windows: ${corpus.length} series, none of at least ${MIN_OBSERVED + HORIZON} finite values outside the validation series`,
      'add series (--synthetic N, or the TSDL corpus with --tsdl DIR)',
    );
  const engine = await startEngine(cfg, opts);
  // through tfjs's gradient tape, as the shipped network was trained, so that it reproduces byte for
  // byte (the direct step gives other bits: a network trained by it is a new network to measure)
  const trained = await trainMembers(engine, cfg, data, HORIZON, { ...opts, tape: true });
  const model = trained.models[0];
  const fit = trained.fits[0];
  const realCount = corpus.filter(meta.isReal).length;
  const best = fit.history.find((h) => h.epoch === fit.bestEpoch);
  return {
    model,
    manifest: {
      format: 'rnnfc-pretrained',
      format_version: 1,
      rnnfc_version: meta.version,
      window: { lookback: LOOKBACK, horizon: HORIZON, features: [...FEATURES], min_observed: MIN_OBSERVED },
      corpus: {
        sha256: corpusHash(corpus),
        series: corpus.length,
        synthetic: { seed: s.seed, count: corpus.length - realCount },
        real: { source: meta.realSource, count: realCount },
        windows: { training: data.xShape[0], validation: data.nVal ?? 0 },
      },
      settings: s,
      config: cfg,
      result: {
        best_epoch: fit.bestEpoch,
        epochs_run: fit.history.length,
        best_validation_loss: best?.valLoss ?? null,
        train_seconds: Math.round(fit.seconds * 10) / 10,
        backend: engine.backend,
        threads: engine.threads,
      },
      files: { 'model.json': sha256(model.modelJson), 'weights.bin': sha256(model.weights) },
    },
  };
}
