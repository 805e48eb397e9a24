/**
 * The run directory's format: the one definition of what `rnnfc train` writes and what predict
 * reads, with the checks a file must pass before anything is computed from it.
 *
 * A run directory holds (every file listed with its checksum in manifest.json, see run-dir.ts):
 * - model.json, weights.bin: the trained tfjs layers model (ensemble members j >= 1:
 *   model-<j>.json, weights-<j>.bin);
 * - pipeline.json: how to feed the model (PipelineFile below);
 * - config.yaml: the resolved config, replayable with `rnnfc train -c`;
 * - pretrained-model.json, pretrained-weights.bin, pretrained.json: the pretrained forecaster
 *   the forecast uses (model.pretrained; io.pretrained says how), when it uses one;
 * - metadata.json, metrics.json, history.csv, forecast.csv and plot.svg: reports.
 */

import { MISSING_POLICIES, NORMALIZE_MODES, STRATEGIES, WINDOW_MODES } from '../config/names.js';
import { CALENDAR_FEATURES } from '../data/calendar.js';
import { excerpt } from '../data/excerpt.js';
import { timePatternProblem } from '../data/time.js';
import { ArtifactError } from '../errors.js';
import { aheadWidth, type ModelIO } from '../forecast/forecast.js';
import { BASE_BYTES, type FitLimits, formatBytes } from '../forecast/limits.js';
import { PRETRAINED_JSON } from '../forecast/pretrained.js';
import { topologyWeightProblem } from '../model/plain.js';
import { MAX_STATIC_INPUTS } from '../panel/statics.js';
import { Pipeline, type PipelineJSON } from '../transforms/pipeline.js';
import type { Frequency, MissingPolicy, TimeFormat } from '../types.js';
import { FREQUENCY_UNITS, TIME_FORMATS } from '../types.js';

/** Version of pipeline.json's layout; readers refuse others. */
export const PIPELINE_FORMAT_VERSION = 1;

/** The files predict cannot do without (metadata.json: the rows the run was trained on bound its window). */
export const REQUIRED_FILES = ['model.json', 'weights.bin', 'pipeline.json', 'config.yaml', 'metadata.json'] as const;

/** pipeline.json: the data side of a run (columns, time index, fitted transforms, window geometry). */
export interface PipelineFile {
  format_version: typeof PIPELINE_FORMAT_VERSION;
  time_column: string | null;
  time_format: TimeFormat;
  /** data.time_format: how the input writes its times (predict reads new data with it); absent: detected. */
  time_pattern?: string;
  frequency: Frequency;
  /** The last time of the training data, written like the input. */
  last_time: string;
  target: string;
  features: string[];
  missing: MissingPolicy;
  season: number;
  io: ModelIO;
  transforms: PipelineJSON;
}

/** metrics.json: test scores of the model and the baselines. */
export interface MetricsFile {
  /** Time of the first test row. */
  origin: string;
  test_size: number;
  /** Present for a rolling test: the time each forecast block starts at. */
  rolling?: true;
  origins?: string[];
  season: number;
  methods: Record<string, Record<string, number | null>>;
  /**
   * Per method and interval level ("95"): the percent of the test actuals inside the interval at
   * each step ahead (a rolling test's blocks pooled; metrics/interval-scores.ts coverageByStep).
   * Absent in runs saved before it existed.
   */
  coverage_by_step?: Record<string, Record<string, (number | null)[]>>;
  /** The training's gradient flow (train/gradient-flow.ts), when measured. */
  gradient_flow?: {
    verdict: 'vanishing' | 'exploding' | 'healthy';
    reason: string;
    advice: string[];
    /** per recurrent layer: steps back from the last over which dL/dh_t stays above vanish_fraction of its largest value, of `of` */
    reach: { layer: string; steps: number; of: number }[];
    /** share of batches on which clipping engaged */
    clipped: number;
    vanish_fraction: number;
  };
}

/** metadata.json: how the run came about (versions, backend, data fingerprint, timings). */
export interface MetadataFile {
  rnnfc_version: string;
  tfjs_version: string;
  node_version: string;
  backend: string;
  /** backend webgpu: the adapter that trained */
  adapter?: string;
  threads: number | null;
  seed: number;
  data: { path: string; sha256: string; rows: number };
  /** Absent for a panel of local models. */
  best_epoch: number;
  /** A panel's series: fitted and failed. */
  panel?: { series: number; failed: number };
  members?: number;
  members_best_epoch?: number[];
  epochs_run: number;
  timings: { train_seconds: number; total_seconds: number };
  created: string;
  /**
   * model.pretrained: the network (its source and weights' checksum; the run holds it as
   * PRETRAINED_FILES), what the forecast was made of, and the mean absolute errors on the
   * validation rows that chose it (null: no validation rows, so the mean).
   */
  pretrained?: { source: string; weights_sha256: string; use: string; validation_mae: Record<string, number | null> | null };
}

/** A run's copy of its pretrained forecaster (model.pretrained), so that predict needs nothing else. */
export const PRETRAINED_FILES = { model: 'pretrained-model.json', weights: 'pretrained-weights.bin', manifest: PRETRAINED_JSON } as const;

/** File names of ensemble member j: model.json/weights.bin for 0, model-<j>.json/weights-<j>.bin after. */
export function memberFileNames(j: number): { model: string; weights: string } {
  return j === 0 ? { model: 'model.json', weights: 'weights.bin' } : { model: `model-${j}.json`, weights: `weights-${j}.bin` };
}

/** Collects what is wrong with a JSON value, by path, for one ArtifactError. */
export class Check {
  readonly problems: string[] = [];
  constructor(private readonly file: string) {}
  fail(path: string, what: string): void {
    this.problems.push(`${path}: ${what}`);
  }
  record(v: unknown, path: string): Record<string, unknown> {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    this.fail(path, 'must be an object');
    return {};
  }
  str(v: unknown, path: string): string {
    if (typeof v === 'string' && v !== '') return v;
    this.fail(path, 'must be a non-empty string');
    return '';
  }
  int(v: unknown, path: string, min: number): number {
    if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
    this.fail(path, `must be an integer >= ${min}`);
    return min;
  }
  oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    this.fail(path, `must be one of ${allowed.join(', ')}`);
    return allowed[0];
  }
  num(v: unknown, path: string, min: number): number {
    if (typeof v === 'number' && Number.isFinite(v) && v >= min) return v;
    this.fail(path, `must be a number >= ${min}`);
    return min;
  }
  names(v: unknown, path: string): string[] {
    if (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s !== '') && new Set(v).size === v.length) return v as string[];
    this.fail(path, 'must be a non-empty list of distinct column names');
    return [];
  }
  done(): void {
    if (this.problems.length)
      throw new ArtifactError(`${this.file} does not match the run format:\n  ${this.problems.join('\n  ')}`, 'retrain or restore the run');
  }
}

/** JSON.parse, or the ArtifactError that names the file. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ArtifactError(`${file} is not valid JSON; retrain or restore the run`);
  }
}

/** Validates metrics.json (the test scores); `file` names it in messages. */
export function parseMetricsFile(text: string, file: string): MetricsFile {
  const json = parseJson(text, file);
  const c = new Check(file);
  const o = c.record(json, 'metrics');
  c.done();
  c.str(o.origin, 'origin');
  c.int(o.test_size, 'test_size', 1);
  c.int(o.season, 'season', 1);
  if (o.rolling !== undefined && o.rolling !== true) c.fail('rolling', 'must be true when present');
  if (o.origins !== undefined && !(Array.isArray(o.origins) && o.origins.every((t) => typeof t === 'string'))) c.fail('origins', 'must be a list of times');
  for (const [method, scores] of Object.entries(c.record(o.methods, 'methods')))
    for (const [name, v] of Object.entries(c.record(scores, `methods.${method}`)))
      if (v !== null && !(typeof v === 'number' && Number.isFinite(v))) c.fail(`methods.${method}.${name}`, 'must be a number or null');
  if (o.coverage_by_step !== undefined)
    for (const [method, levels] of Object.entries(c.record(o.coverage_by_step, 'coverage_by_step')))
      for (const [level, pct] of Object.entries(c.record(levels, `coverage_by_step.${method}`)))
        if (!(Array.isArray(pct) && pct.every((v) => v === null || (typeof v === 'number' && v >= 0 && v <= 100))))
          c.fail(`coverage_by_step.${method}.${level}`, 'must be a list of percents (or null)');
  c.done();
  return json as MetricsFile;
}

/** Validates metadata.json (versions, backend, data fingerprint, epochs, timings); `file` names it in messages. */
export function parseMetadataFile(text: string, file: string): MetadataFile {
  const json = parseJson(text, file);
  const c = new Check(file);
  const o = c.record(json, 'metadata');
  c.done();
  for (const k of ['rnnfc_version', 'tfjs_version', 'node_version', 'backend', 'created']) c.str(o[k], k);
  if (o.threads !== undefined && o.threads !== null) c.int(o.threads, 'threads', 1);
  if (o.adapter !== undefined) c.str(o.adapter, 'adapter');
  if (!Number.isInteger(o.seed)) c.fail('seed', 'must be an integer');
  const d = c.record(o.data, 'data');
  c.str(d.path, 'data.path');
  if (typeof d.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(d.sha256)) c.fail('data.sha256', 'must be 64 hex digits');
  c.int(d.rows, 'data.rows', 1);
  // a panel's local models have no single best epoch
  if (o.panel === undefined || o.best_epoch !== undefined) c.int(o.best_epoch, 'best_epoch', 0);
  if (o.panel === undefined || o.epochs_run !== undefined) c.int(o.epochs_run, 'epochs_run', 0);
  if (o.panel !== undefined) {
    const p = c.record(o.panel, 'panel');
    c.int(p.series, 'panel.series', 0);
    c.int(p.failed, 'panel.failed', 0);
  }
  if (o.members !== undefined) c.int(o.members, 'members', 2);
  if (o.members_best_epoch !== undefined && !(Array.isArray(o.members_best_epoch) && o.members_best_epoch.every((e) => Number.isInteger(e) && e >= 0)))
    c.fail('members_best_epoch', 'must be a list of epochs');
  const t = c.record(o.timings, 'timings');
  c.num(t.train_seconds, 'timings.train_seconds', 0);
  c.num(t.total_seconds, 'timings.total_seconds', 0);
  c.done();
  return json as MetadataFile;
}

/**
 * Parses and validates pipeline.json: every field's type and range, the fitted transforms, and
 * that the window geometry agrees with itself (outputs, offset, columns). `file` names it in messages.
 * @returns the file's content and its transforms, ready to use
 */
export function parsePipelineFile(text: string, file: string): { saved: PipelineFile; pipeline: Pipeline } {
  return checkPipelineJson(parseJson(text, file), file);
}

/** parsePipelineFile's checks on a parsed value (a panel keeps one per series); `file` names it in messages. */
export function checkPipelineJson(json: unknown, file: string): { saved: PipelineFile; pipeline: Pipeline } {
  const c = new Check(file);
  const o = c.record(json, 'pipeline');
  c.done();
  if (o.format_version !== PIPELINE_FORMAT_VERSION) throw new ArtifactError(`${file} has unsupported format_version ${String(o.format_version)}`);
  if (o.time_column !== null) c.str(o.time_column, 'time_column');
  c.oneOf(o.time_format, 'time_format', TIME_FORMATS);
  if (o.time_pattern !== undefined && (typeof o.time_pattern !== 'string' || timePatternProblem(o.time_pattern) !== null))
    c.fail('time_pattern', 'must be a time format pattern such as "%m/%d/%Y"');
  const f = c.record(o.frequency, 'frequency');
  c.oneOf(f.unit, 'frequency.unit', FREQUENCY_UNITS);
  c.int(f.step, 'frequency.step', 1);
  c.str(o.last_time, 'last_time');
  const target = c.str(o.target, 'target');
  const features = c.names(o.features, 'features');
  c.oneOf(o.missing, 'missing', MISSING_POLICIES);
  c.int(o.season, 'season', 1);
  const io = c.record(o.io, 'io');
  const mode = c.oneOf(io.mode, 'io.mode', WINDOW_MODES);
  const strategy = c.oneOf(io.strategy, 'io.strategy', STRATEGIES);
  c.int(io.lookback, 'io.lookback', 1);
  const horizon = c.int(io.horizon, 'io.horizon', 1);
  const outputs = mode !== 'one-to-one' && strategy === 'direct' ? horizon : 1;
  if (io.outputs !== outputs) c.fail('io.outputs', `must be ${outputs} for mode ${mode}, strategy ${strategy} and horizon ${horizon}`);
  const ioFeatures = c.names(io.features, 'io.features');
  if (ioFeatures.join('\0') !== features.join('\0')) c.fail('io.features', 'must equal features');
  if (io.target !== target) c.fail('io.target', 'must equal target');
  if (!ioFeatures.includes(target) && (mode === 'one-to-one' || strategy === 'recursive' || io.normalize === 'last'))
    c.fail('io.features', 'must include the target for this mode');
  if (mode === 'many-to-many' && (ioFeatures.length !== 1 || ioFeatures[0] !== target || strategy !== 'direct'))
    c.fail('io.mode', 'many-to-many needs the target as the only input and strategy direct');
  const offset = c.int(io.offset, 'io.offset', 0);
  c.int(io.warmup, 'io.warmup', 1);
  if (io.normalize !== undefined) c.oneOf(io.normalize, 'io.normalize', NORMALIZE_MODES);
  if (io.normalize === 'last' && !(typeof io.normScale === 'number' && Number.isFinite(io.normScale) && io.normScale > 0))
    c.fail('io.normScale', 'must be a positive number with normalize last');
  if (io.members !== undefined) c.int(io.members, 'io.members', 2);
  if (io.heads !== undefined) {
    const h = io.heads;
    if (!(Array.isArray(h) && h.length >= 1 && h.length <= 8 && h.every((v) => typeof v === 'number' && v > 0 && v < 1)))
      c.fail('io.heads', 'must be a list of 1 to 8 quantiles between 0 and 1');
    if (mode !== 'many-to-one' || strategy !== 'direct') c.fail('io.heads', 'are for mode many-to-one, strategy direct only');
  }
  if (io.calendar !== undefined) {
    const cal = io.calendar;
    if (!Array.isArray(cal) || cal.length === 0 || !cal.every((f) => (CALENDAR_FEATURES as readonly unknown[]).includes(f)) || new Set(cal).size !== cal.length)
      c.fail('io.calendar', `must be a list of distinct calendar features: ${CALENDAR_FEATURES.join(', ')}`);
  }
  if (io.known !== undefined) {
    const kn = io.known;
    const entry = (k: unknown): k is { name: string; mean: number; sd: number } => {
      if (typeof k !== 'object' || k === null || Array.isArray(k)) return false;
      const { name, mean, sd } = k as Record<string, unknown>;
      return typeof name === 'string' && name !== '' && Number.isFinite(mean) && typeof sd === 'number' && sd > 0 && Number.isFinite(sd);
    };
    if (!(Array.isArray(kn) && kn.length > 0 && kn.every(entry)))
      c.fail('io.known', 'must be a list of {name, mean, sd} (sd > 0), one per known-future column');
    else if (new Set(kn.map((k) => k.name)).size !== kn.length || kn.some((k) => k.name === target || ioFeatures.includes(k.name)))
      c.fail('io.known', 'must name distinct columns other than the target and the features');
  }
  if (io.statics !== undefined) {
    const st = io.statics;
    if (!(Array.isArray(st) && st.length >= 1 && st.length <= MAX_STATIC_INPUTS && st.every((v) => typeof v === 'number' && Number.isFinite(v))))
      c.fail('io.statics', `must be a list of 1 to ${MAX_STATIC_INPUTS} finite numbers`);
    if (mode !== 'many-to-one') c.fail('io.statics', 'needs mode many-to-one');
  }
  if (io.pretrained !== undefined) {
    const pt = c.record(io.pretrained, 'io.pretrained');
    c.oneOf(pt.use, 'io.pretrained.use', ['model', 'mean'] as const);
    c.int(pt.season, 'io.pretrained.season', 1);
    if (pt.theta !== undefined && pt.theta !== true) c.fail('io.pretrained.theta', 'must be true or absent');
    if (mode === 'one-to-one' || ioFeatures.length !== 1 || ioFeatures[0] !== target)
      c.fail('io.pretrained', 'needs mode many-to-one or many-to-many with the target as the only input');
  }
  if (io.holt !== undefined) {
    c.int(c.record(io.holt, 'io.holt').season, 'io.holt.season', 1);
    if (mode === 'one-to-one') c.fail('io.holt', 'needs mode many-to-one or many-to-many');
  }
  if (io.ets !== undefined) {
    const ets = c.record(io.ets, 'io.ets');
    c.int(ets.season, 'io.ets.season', 1);
    if (mode === 'one-to-one') c.fail('io.ets', 'needs mode many-to-one or many-to-many');
    if (ets.choice !== undefined) {
      const choice = c.record(ets.choice, 'io.ets.choice');
      const model = c.record(choice.model, 'io.ets.choice.model');
      c.oneOf(model.error, 'io.ets.choice.model.error', ['A', 'M'] as const);
      c.oneOf(model.trend, 'io.ets.choice.model.trend', ['N', 'A', 'Ad'] as const);
      c.oneOf(model.season, 'io.ets.choice.model.season', ['N', 'A', 'M'] as const);
      const params = c.record(choice.params, 'io.ets.choice.params');
      for (const k of ['alpha', 'beta', 'gamma', 'phi'] as const) c.num(params[k], `io.ets.choice.params.${k}`, 0);
      if (choice.adjusted !== undefined && choice.adjusted !== true) c.fail('io.ets.choice.adjusted', 'must be true or absent');
    }
  }
  if (io.damping !== undefined) {
    if (!(typeof io.damping === 'number' && io.damping > 0 && io.damping < 1)) c.fail('io.damping', 'must be a number in (0, 1)');
    if (mode === 'one-to-one') c.fail('io.damping', 'needs mode many-to-one or many-to-many');
  }
  let pipeline: Pipeline | null = null;
  try {
    pipeline = Pipeline.fromJSON(o.transforms);
  } catch (e) {
    c.fail('transforms', (e as Error).message);
  }
  if (pipeline && pipeline.offset !== offset) c.fail('io.offset', `must be ${pipeline.offset}, the rows the transforms lose to differencing`);
  c.done();
  return { saved: json as PipelineFile, pipeline: pipeline! };
}

/** What a saved model takes and gives, read from its model.json topology alone. */
export interface ModelSignature {
  /** Input time steps; null when any length is accepted (one-to-one). */
  steps: number | null;
  features: number;
  /** Outputs per prediction (per time step for a sequence output). */
  outputs: number;
}

interface LayerJson {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[][][];
}

/** Reads the input shape and output width of a tfjs layers model from its topology; null when it cannot tell. */
export function modelSignature(modelJson: string): ModelSignature | null {
  try {
    const topo = (JSON.parse(modelJson) as { modelTopology?: { class_name?: string; config?: unknown } }).modelTopology;
    const cfg = topo?.config as { layers?: LayerJson[]; output_layers?: unknown[][] } | LayerJson[] | undefined;
    const layers = Array.isArray(cfg) ? cfg : cfg?.layers;
    if (!Array.isArray(layers) || layers.length === 0) return null;
    const shape = layers[0].config.batch_input_shape as (number | null)[] | undefined;
    if (!Array.isArray(shape) || shape.length !== 3 || typeof shape[2] !== 'number') return null;
    const byName = new Map(layers.map((l) => [l.name ?? (l.config.name as string), l]));
    const sequential = Array.isArray(cfg) || topo?.class_name === 'Sequential';
    // The width of a layer's output: its units (a Reshape's last size), else (Add, Dropout, ...) that of its first input.
    const width = (i: number, l: LayerJson | undefined, depth: number): number | null => {
      if (!l || depth > layers.length) return null;
      if (typeof l.config.units === 'number') return l.config.units;
      const target = l.config.target_shape;
      if (l.class_name === 'Reshape' && Array.isArray(target) && typeof target.at(-1) === 'number') return target.at(-1) as number;
      const inner = (l.config.layer as { config?: { units?: unknown } } | undefined)?.config?.units;
      if (typeof inner === 'number') return inner;
      if (sequential) return i > 0 ? width(i - 1, layers[i - 1], depth + 1) : null;
      const from = l.inbound_nodes?.[0]?.[0]?.[0];
      const prev = typeof from === 'string' ? byName.get(from) : undefined;
      return width(prev ? layers.indexOf(prev) : -1, prev, depth + 1);
    };
    let outputs: number | null;
    if (sequential) outputs = width(layers.length - 1, layers[layers.length - 1], 0);
    else {
      const outName = (cfg as { output_layers?: unknown[][] }).output_layers?.[0]?.[0];
      const out = typeof outName === 'string' ? byName.get(outName) : undefined;
      outputs = width(out ? layers.indexOf(out) : -1, out, 0);
    }
    if (outputs === null) return null;
    return { steps: typeof shape[1] === 'number' ? shape[1] : null, features: shape[2], outputs };
  } catch {
    return null;
  }
}

/** Bytes of one value of each dtype a weights file may hold; rnnfc writes float32 only. */
const DTYPE_BYTES: Record<string, number> = { float32: 4 };

/** The weights model.json's weightsManifest declares, in file order; throws ArtifactError naming `file` when it is malformed. */
export function declaredWeights(modelJson: string, file: string): { name: string; shape: number[] }[] {
  const bad = (what: string) => new ArtifactError(`${file}: ${what}; retrain or restore the run`);
  let json: unknown;
  try {
    json = JSON.parse(modelJson);
  } catch {
    throw new ArtifactError(`${file} is not valid JSON; retrain or restore the run`);
  }
  const groups = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(groups)) throw bad('weightsManifest must be a list of weight groups');
  const out: { name: string; shape: number[] }[] = [];
  for (const g of groups) {
    const weights = (g as { weights?: unknown } | null)?.weights;
    if (!Array.isArray(weights)) throw bad('every weightsManifest group must list its weights');
    for (const w of weights as { name?: unknown; shape?: unknown; dtype?: unknown; quantization?: unknown }[]) {
      if (!w || typeof w.name !== 'string') throw bad('every weight must have a name');
      if (!Array.isArray(w.shape) || !w.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`weight ${w.name} must have a shape of sizes`);
      if (typeof w.dtype !== 'string' || !(w.dtype in DTYPE_BYTES) || w.quantization !== undefined)
        throw bad(`weight ${w.name} must be float32 (unquantized), as rnnfc writes it`);
      out.push({ name: w.name, shape: w.shape as number[] });
    }
  }
  return out;
}

/** The byte size of the weights file model.json's weightsManifest declares (4 bytes a float32). */
export function declaredWeightBytes(modelJson: string, file: string): number {
  return declaredWeights(modelJson, file).reduce((a, w) => a + 4 * w.shape.reduce((p, d) => p * d, 1), 0);
}

/** Every `units` the topology gives a layer (directly, or in the layer a wrapper holds), with the layer's name. */
function topologyUnits(modelJson: string): { layer: string; units: unknown }[] {
  const topo = (JSON.parse(modelJson) as { modelTopology?: { config?: unknown } }).modelTopology;
  const cfg = topo?.config as { layers?: LayerJson[] } | LayerJson[] | undefined;
  const layers = Array.isArray(cfg) ? cfg : Array.isArray(cfg?.layers) ? cfg.layers : [];
  const out: { layer: string; units: unknown }[] = [];
  for (const l of layers) {
    const c = (l?.config ?? {}) as Record<string, unknown>;
    const name = String(l?.name ?? c.name ?? '?');
    if (c.units !== undefined) out.push({ layer: name, units: c.units });
    const inner = (c.layer as { config?: { units?: unknown } } | undefined)?.config?.units;
    if (inner !== undefined) out.push({ layer: name, units: inner });
  }
  return out;
}

/**
 * Throws ArtifactError unless the model in `modelJson` takes and gives what pipeline.json's io
 * says, and (given `weightsBytes`, the size of its weights file) its weights are what its
 * weightsManifest declares, with no layer wider than the weights allow (a layer of u units has a
 * weight with a dimension of at least u) and every layer's weights declared with the shapes its
 * units and inputs give them (model/plain.ts topologyWeightProblem), so that a topology cannot
 * make a loader build layers larger than the weights file.
 */
export function checkModelAgainstIo(modelJson: string, io: ModelIO, file: string, weightsBytes?: number): void {
  const problems: string[] = [];
  if (weightsBytes !== undefined) {
    const weights = declaredWeights(modelJson, file);
    const declared = weights.reduce((a, w) => a + 4 * w.shape.reduce((p, d) => p * d, 1), 0);
    if (declared !== weightsBytes) problems.push(`declares ${declared} bytes of weights, the weights file has ${weightsBytes}`);
    const widest = weights.reduce((a, w) => Math.max(a, ...w.shape), 0);
    for (const { layer, units } of topologyUnits(modelJson))
      if (!(Number.isSafeInteger(units) && (units as number) >= 1 && (units as number) <= widest))
        problems.push(`layer ${layer} has ${String(units).slice(0, 20)} units, but no weight is that wide`);
    // every layer's weights as its units and inputs make them, declared with those shapes and no
    // others, before any loader (tfjs on a native backend included) builds a layer
    const topology = topologyWeightProblem(modelJson);
    if (topology) problems.push(excerpt(topology, 300));
  }
  const sig = modelSignature(modelJson);
  if (sig) {
    // (a topology this reader does not know: loading the model will judge it)
    // (an encoder-decoder's steps have one more input: how far ahead a decoder step is)
    const inputs = io.features.length + (io.statics?.length ?? 0) + (io.mode === 'many-to-many' ? 1 : 0) + aheadWidth(io);
    if (sig.features !== inputs)
      problems.push(
        `takes ${sig.features} inputs per step, pipeline.json has ${io.features.length} column${io.features.length === 1 ? '' : 's'}` +
          `${io.statics ? ` and ${io.statics.length} static inputs` : ''}${aheadWidth(io) ? ` and ${aheadWidth(io)} inputs known ahead` : ''}`,
      );
    if (io.mode === 'many-to-one' && sig.steps !== io.lookback)
      problems.push(`takes windows of ${sig.steps ?? 'any'} steps, pipeline.json has lookback ${io.lookback}`);
    if (io.mode === 'many-to-many' && sig.steps !== io.lookback + io.outputs)
      problems.push(`takes windows of ${sig.steps ?? 'any'} steps, pipeline.json has lookback ${io.lookback} and horizon ${io.outputs}`);
    const outputs = io.outputs * (1 + (io.heads?.length ?? 0));
    if (sig.outputs !== outputs) problems.push(`gives ${sig.outputs} outputs, pipeline.json expects ${outputs}`);
  }
  if (problems.length) throw new ArtifactError(`${file} does not fit the run's pipeline.json: ${problems.join('; ')}`, 'retrain or restore the run');
}

/**
 * Throws ArtifactError unless the window of pipeline.json fits in the `rows` the run was trained
 * on (metadata.json): a fit refuses a lookback, horizon, offset or chunk as long as its data
 * (forecast/limits.ts), so larger ones come from an edited file, and would make predict forecast
 * or warm up for that many steps.
 */
export function checkIoAgainstRows(io: ModelIO, rows: number, file: string): void {
  const problems: string[] = [];
  if (io.lookback >= rows) problems.push(`io.lookback: ${io.lookback}`);
  if (io.horizon >= rows) problems.push(`io.horizon: ${io.horizon}`);
  if (io.offset >= rows) problems.push(`io.offset: ${io.offset}`);
  if (io.warmup > 4 * rows) problems.push(`io.warmup: ${io.warmup}`);
  if (problems.length)
    throw new ArtifactError(
      `${file} does not fit the ${rows} rows metadata.json says the run was trained on: ${problems.join(', ')}`,
      'retrain or restore the run',
    );
}

/**
 * An estimate of the memory predict holds to forecast io.horizon steps, in bytes: BASE_BYTES,
 * and per step 256 bytes (its time and its row of the output, as text or JSON), 16 bytes for each
 * input column (the history the forecast extends with what it feeds back) and 8 bytes for each
 * ensemble member and each transform (the members' forecasts, the inverse transforms). The
 * history predict reads is bounded by the input size limit; this is what the run asks for.
 */
export function forecastMemory(io: ModelIO, transforms: number): number {
  return BASE_BYTES + io.horizon * (256 + 16 * io.features.length + 8 * ((io.members ?? 1) + transforms));
}

/**
 * Throws ArtifactError naming `file` (pipeline.json) and io.horizon unless forecasting the
 * horizon fits in `limits.memory`. A fit refuses a horizon as long as its data, so a longer one
 * needs an edited metadata.json too; this bound holds whatever the run's files say, before
 * predict reads its data or forecasts a step.
 */
export function checkIoAgainstMemory(io: ModelIO, transforms: number, limits: FitLimits, file: string): void {
  const bytes = forecastMemory(io, transforms);
  if (bytes > limits.memory)
    throw new ArtifactError(
      `${file}: io.horizon: forecasting ${io.horizon} steps would need about ${formatBytes(bytes)} of memory, more than its limit of ${formatBytes(limits.memory)} (${limits.source})`,
      `retrain or restore the run${limits.raise ? `, or ${limits.raise}` : ''}`,
    );
}
