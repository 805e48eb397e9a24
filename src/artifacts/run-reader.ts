/** Reads a run directory into a validated SavedRun: checksums, then every JSON file against the run format. */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../config/load.js';
import { resolveConfig } from '../config/resolve.js';
import type { Config } from '../config/types.js';
import { ArtifactError } from '../errors.js';
import type { SavedModel } from '../forecast/fit.js';
import { DEFAULT_LIMITS, type FitLimits } from '../forecast/limits.js';
import { openPretrained, type PretrainedModel } from '../forecast/pretrained.js';
import type { Pipeline } from '../transforms/pipeline.js';
import { PANEL_FILE, PANEL_REQUIRED_FILES, type PanelFile, type PanelSeriesEntry, panelModelOfWeights, parsePanelFile, SERIES_FILE } from './panel-format.js';
import { readRunDir } from './run-dir.js';
import {
  checkIoAgainstMemory,
  checkIoAgainstRows,
  checkModelAgainstIo,
  declaredWeightBytes,
  memberFileNames,
  type PipelineFile,
  PRETRAINED_FILES,
  parseMetadataFile,
  parseMetricsFile,
  parsePipelineFile,
  REQUIRED_FILES,
} from './run-format.js';

/** A run directory as predict uses it, every part checked. */
export interface SavedRun {
  dir: string;
  pipeline: PipelineFile;
  /** The fitted transforms of pipeline.json. */
  transforms: Pipeline;
  /** The data path, backend, interval levels, quantiles and interval method config.yaml names, when it names them. */
  config: SavedConfigFacts;
  /** Ensemble members in order (one without an ensemble). */
  members: SavedModel[];
  /** The backend metadata.json says the run was trained on, if it says. */
  trainedOn?: string;
  /** The run's pretrained forecaster, when pipeline.json's io.pretrained uses one. */
  pretrained?: PretrainedModel;
}

/** weights.bin -> model.json, weights-2.bin -> model-2.json; undefined for other names. */
function modelOfWeights(name: string): string | undefined {
  const m = /^weights(?:-([1-9][0-9]*))?\.bin$/.exec(name);
  return m ? memberFileNames(m[1] ? Number(m[1]) : 0).model : undefined;
}

/**
 * Reads and validates the run directory `dir` as untrusted input (run-dir.ts: files confined to
 * it, sizes bounded, weights no larger than their model.json declares, checksums), then every
 * file against the run format, and the horizon it asks predict to forecast against the memory
 * `limits` allow; throws ArtifactError naming the file and the problem.
 */
export function readRun(dir: string, limits: FitLimits = DEFAULT_LIMITS): SavedRun {
  const files = readRunDir(dir, [...REQUIRED_FILES], {
    expectedBytes: (name, read) => {
      const model = modelOfWeights(name);
      return model && read[model] ? declaredWeightBytes(read[model].toString('utf8'), `${dir}/${model}`) : undefined;
    },
  });
  const { saved, pipeline } = parsePipelineFile(files['pipeline.json'].toString('utf8'), `${dir}/pipeline.json`);
  const config = parseConfigText(files['config.yaml'].toString('utf8'), `${dir}/config.yaml`).value;
  // the reports are checked too: a run is whole or refused
  const metadata = parseMetadataFile(files['metadata.json'].toString('utf8'), `${dir}/metadata.json`);
  if (files['metrics.json']) parseMetricsFile(files['metrics.json'].toString('utf8'), `${dir}/metrics.json`);
  checkIoAgainstRows(saved.io, metadata.data.rows, `${dir}/pipeline.json`);
  checkIoAgainstMemory(saved.io, pipeline.specs.length, limits, `${dir}/pipeline.json`);
  const members: SavedModel[] = [];
  for (let j = 0; j < (saved.io.members ?? 1); j++) {
    const names = memberFileNames(j);
    if (!files[names.model] || !files[names.weights])
      throw new ArtifactError(`${dir} is incomplete: ensemble member file ${names.model} or ${names.weights} is missing`);
    const modelJson = files[names.model].toString('utf8');
    checkModelAgainstIo(modelJson, saved.io, `${dir}/${names.model}`, files[names.weights].byteLength);
    members.push({ modelJson, weights: files[names.weights] });
  }
  const pretrained = saved.io.pretrained ? runPretrained(dir, files, 'pipeline.json') : undefined;
  return {
    dir,
    pipeline: saved,
    transforms: pipeline,
    ...(pretrained ? { pretrained } : {}),
    config: savedConfigFacts(config),
    members,
    trainedOn: metadata.backend,
  };
}

/** What predict reads of a run's config.yaml without resolving it. */
export interface SavedConfigFacts {
  dataPath?: string;
  backend?: string;
  levels?: number[];
  quantiles?: number[];
  /** evaluation.intervals where it is not conformal (how a new series' intervals are sized: forecast/predict.ts calibrateFromRun) */
  intervals?: 'ensemble' | 'quantile';
}

/** SavedConfigFacts of config.yaml's parsed value (a list that is not one of numbers in range is left out). */
function savedConfigFacts(config: unknown): SavedConfigFacts {
  const c = (config ?? {}) as { data?: { path?: unknown }; backend?: unknown; evaluation?: { levels?: unknown; quantiles?: unknown; intervals?: unknown } };
  const list = (v: unknown, top: number) => (Array.isArray(v) && v.every((x) => typeof x === 'number' && x > 0 && x < top) ? (v as number[]) : undefined);
  const levels = list(c.evaluation?.levels, 100);
  const quantiles = list(c.evaluation?.quantiles, 1);
  return {
    dataPath: typeof c.data?.path === 'string' ? c.data.path : undefined,
    backend: typeof c.backend === 'string' ? c.backend : undefined,
    ...(levels ? { levels } : {}),
    ...(quantiles ? { quantiles } : {}),
    ...(c.evaluation?.intervals === 'ensemble' || c.evaluation?.intervals === 'quantile' ? { intervals: c.evaluation.intervals } : {}),
  };
}

/** The run's copy of its pretrained forecaster (PRETRAINED_FILES), opened; `user` names the file that says it is used. */
function runPretrained(dir: string, files: Record<string, Buffer>, user: string): PretrainedModel {
  const { model, weights, manifest } = PRETRAINED_FILES;
  if (!files[model] || !files[weights] || !files[manifest])
    throw new ArtifactError(`${dir} is incomplete: ${user} uses a pretrained forecaster, but ${model}, ${weights} or ${manifest} is missing`);
  try {
    return openPretrained({ modelJson: files[model].toString('utf8'), weights: files[weights], manifestText: files[manifest].toString('utf8') }, dir, dir);
  } catch (e) {
    throw new ArtifactError(`${dir}: its pretrained forecaster cannot be used: ${(e as Error).message}`);
  }
}

/** A panel run as predict uses it: each fitted series as a SavedRun of its own (a global run's share their members). */
export interface SavedPanelRun {
  dir: string;
  panel: PanelFile;
  /** Each fitted series' key, in series.jsonl's order. */
  keys: string[][];
  /** Line i of series.jsonl as it is saved (merge copies it). */
  entry(i: number): PanelSeriesEntry;
  /** Fitted series i (series.jsonl's line i) as a SavedRun, made when asked for: a large panel's series are not all held at once. */
  series(i: number): SavedRun;
  /** config.yaml, resolved (the settings a new series of a global panel is prepared with). */
  config: Config;
}

/** The weights file of a member's model.json (model.json -> weights.bin, s3-model-2.json -> s3-weights-2.bin). */
const weightsOf = (model: string) => model.replace(/model(-[0-9]+)?\.json$/, 'weights$1.bin');

/** True when `dir` holds a panel run (its manifest lists panel.json). */
export function isPanelRun(dir: string): boolean {
  return existsSync(join(dir, PANEL_FILE));
}

/** Reads and validates a panel run directory as readRun does a single run's (see panel-format.ts). */
export function readPanelRun(dir: string, limits: FitLimits = DEFAULT_LIMITS): SavedPanelRun {
  const files = readRunDir(dir, [...PANEL_REQUIRED_FILES], {
    expectedBytes: (name, read) => {
      const model = panelModelOfWeights(name);
      return model && read[model] ? declaredWeightBytes(read[model].toString('utf8'), `${dir}/${model}`) : undefined;
    },
  });
  const parsed = parsePanelFile(files[PANEL_FILE].toString('utf8'), files[SERIES_FILE], `${dir}/${PANEL_FILE}`, `${dir}/${SERIES_FILE}`);
  const { panel } = parsed;
  const config = parseConfigText(files['config.yaml'].toString('utf8'), `${dir}/config.yaml`).value;
  const metadata = parseMetadataFile(files['metadata.json'].toString('utf8'), `${dir}/metadata.json`);
  // every model file a series names is there, and the pretrained forecaster opens, before any series is used
  parsed.models.forEach((names, i) => {
    for (const name of names) {
      const weights = weightsOf(name);
      if (!files[name] || !files[weights])
        throw new ArtifactError(`${dir} is incomplete: model file ${name} or ${weights} of ${SERIES_FILE} line ${i + 1} is missing`);
    }
  });
  // one pretrained forecaster serves every series that uses it
  const pretrained = parsed.usesPretrained ? runPretrained(dir, files, SERIES_FILE) : undefined;
  const models = new Map<string, SavedModel>();
  const checked = new Set<string>();
  const series = (i: number): SavedRun => {
    const { entry, pipeline } = parsed.entry(i);
    checkIoAgainstMemory(entry.pipeline.io, pipeline.specs.length, limits, `${dir}/${SERIES_FILE} line ${i + 1} pipeline`);
    const members = entry.models.map((name) => {
      let m = models.get(name);
      if (!m) {
        m = { modelJson: files[name].toString('utf8'), weights: files[weightsOf(name)] };
        models.set(name, m);
      }
      // series of one global model differ only in their scales: one check per window geometry
      const geometry = `${name} ${entry.pipeline.io.mode} ${entry.pipeline.io.lookback} ${entry.pipeline.io.outputs} ${entry.pipeline.io.features.length} ${entry.pipeline.io.statics?.length ?? 0}`;
      if (!checked.has(geometry)) {
        checkModelAgainstIo(m.modelJson, entry.pipeline.io, `${dir}/${name}`, m.weights.byteLength);
        checked.add(geometry);
      }
      return m;
    });
    return {
      dir,
      pipeline: entry.pipeline,
      transforms: pipeline,
      config: savedConfigFacts(config),
      members,
      trainedOn: metadata.backend,
      ...(entry.pipeline.io.pretrained && pretrained ? { pretrained } : {}),
    };
  };
  let resolved: Config;
  try {
    resolved = resolveConfig(config, { file: `${dir}/config.yaml` });
  } catch (e) {
    throw new ArtifactError(`${dir}/config.yaml is not a valid config: ${(e as Error).message}`, 'retrain or restore the run');
  }
  return { dir, panel, keys: parsed.keys, entry: (i) => parsed.entry(i).entry, series, config: resolved };
}
