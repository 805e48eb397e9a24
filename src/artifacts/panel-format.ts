/**
 * The run directory of a panel (many series): panel.json holds what the panel shares (scope, key
 * columns, static encoding, the series that failed); series.jsonl holds, one JSON line per fitted
 * series in key order, its key, row count, fitted pipeline (as a single run's pipeline.json) and
 * the model files it forecasts with. One line per series keeps every piece of the run far below
 * the longest string JavaScript can hold, however many series there are, and lets predict parse a
 * series only when it forecasts it. A global run's series share model.json/weights.bin, a local
 * run's series have their own `s<i>-model.json`/`s<i>-weights.bin` (i: the series' line, from 0).
 * forecast.csv and metrics.json hold every series, with the key columns.
 */
import { SCOPES } from '../config/names.js';
import { compareKeys } from '../data/panel.js';
import { ArtifactError } from '../errors.js';
import { type StaticEncoding, staticEncodingProblem, staticWidth } from '../panel/statics.js';
import type { Pipeline } from '../transforms/pipeline.js';
import { Check, checkIoAgainstRows, checkPipelineJson, memberFileNames, type PipelineFile, parseJson } from './run-format.js';

export const PANEL_FILE = 'panel.json';
export const SERIES_FILE = 'series.jsonl';
export const PANEL_FORMAT_VERSION = 2;
/** The files a panel run cannot do without (its model files are checked per series). */
export const PANEL_REQUIRED_FILES = [PANEL_FILE, SERIES_FILE, 'config.yaml', 'metadata.json'] as const;

export interface PanelSeriesEntry {
  key: string[];
  /** Rows of the series the run was fitted on (bounds its window geometry, as metadata.json's rows do a single run's). */
  rows: number;
  pipeline: PipelineFile;
  /** The model.json files of its members, in order (weights: the matching .bin). */
  models: string[];
}

export interface PanelFile {
  format_version: typeof PANEL_FORMAT_VERSION;
  scope: (typeof SCOPES)[number];
  /** Key column names, in key order. */
  id_columns: string[];
  /** The series' settings were the config-less defaults, chosen per series (else config.yaml's, as they are). */
  configless: boolean;
  /** A config-less run's choice of scope: the pooled relative MASE of each on the rows before the test origin. */
  scope_choice?: { scope: string; local: number | null; global: number | null; global_skips: number };
  /** A shard run (train --shard): the series whose key hashes to shard `index` of `count` (src/panel/shard.ts). */
  shard?: { index: number; count: number };
  /**
   * A global model's static inputs (data.static_columns): their encoding (panel/statics.ts), for
   * series the run has not seen; each fitted series' encoded values are in its pipeline's io.statics.
   */
  statics?: StaticEncoding;
  /** Fitted series: the lines of series.jsonl, sorted by key. */
  series_count: number;
  /** Series that could not be fitted, and why. */
  failed: { key: string[]; reason: string }[];
}

/** Model and weights file names of member j of a local panel's series i. */
export function localMemberFileNames(i: number, j: number): { model: string; weights: string } {
  const m = memberFileNames(j);
  return { model: `s${i}-${m.model}`, weights: `s${i}-${m.weights}` };
}

/** The model.json a weights file belongs to (weights.bin, weights-2.bin, s3-weights.bin, s3-weights-2.bin). */
export function panelModelOfWeights(name: string): string | undefined {
  const m = /^(s(?:0|[1-9][0-9]*)-)?weights(?:-([1-9][0-9]*))?\.bin$/.exec(name);
  return m ? `${m[1] ?? ''}${memberFileNames(m[2] ? Number(m[2]) : 0).model}` : undefined;
}

/**
 * series.jsonl's line of a fitted series (newline included), as one flat string: V8 makes a long
 * JSON.stringify result a rope of parts, and a panel holds a line per series until it is written;
 * joining with the newline copies the parts into one.
 */
export function seriesLine(entry: PanelSeriesEntry): string {
  return [JSON.stringify(entry), ''].join('\n');
}

/** A validated panel run's panel.json and series.jsonl: the shared part, each series' key, and each series' entry when asked for. */
export interface ParsedPanel {
  panel: PanelFile;
  /** Each fitted series' key, in series.jsonl's order. */
  keys: string[][];
  /** Each fitted series' model files (model.json names), in that order. */
  models: string[][];
  /** Some series' pipeline uses the pretrained forecaster. */
  usesPretrained: boolean;
  /** Entry i of series.jsonl with its fitted transforms, parsed again from its line (they were checked when the run was read). */
  entry(i: number): { entry: PanelSeriesEntry; pipeline: Pipeline };
}

/** The lines of series.jsonl (each ends in a newline; a last line without one is refused). */
function jsonLines(buf: Uint8Array, file: string): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let from = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, from)) {
    lines.push(buf.subarray(from, i));
    from = i + 1;
  }
  if (from < buf.byteLength) throw new ArtifactError(`${file} does not end in a newline (it was cut short); retrain or restore the run`);
  return lines;
}

/**
 * Validates panel.json and series.jsonl: the keys (distinct, one value per key column, sorted),
 * each series' pipeline (as parsePipelineFile checks pipeline.json) against its rows, and its model
 * names. Each line is checked and let go: the entries are parsed again when asked for.
 */
export function parsePanelFile(text: string, seriesBytes: Uint8Array, file: string, seriesFile: string): ParsedPanel {
  const json = parseJson(text, file);
  const c = new Check(file);
  const o = c.record(json, 'panel');
  c.done();
  if (o.format_version === 1) throw new ArtifactError(`${file} is in panel format 1, from an earlier rnnfc, which this one no longer reads; retrain the panel`);
  if (o.format_version !== PANEL_FORMAT_VERSION) c.fail('format_version', `must be ${PANEL_FORMAT_VERSION}`);
  const scope = c.oneOf(o.scope, 'scope', SCOPES);
  const ids = c.names(o.id_columns, 'id_columns');
  if (typeof o.configless !== 'boolean') c.fail('configless', 'must be true or false');
  if (o.shard !== undefined) {
    const sh = c.record(o.shard, 'shard');
    const count = c.int(sh.count, 'shard.count', 1);
    const index = c.int(sh.index, 'shard.index', 0);
    if (index >= count) c.fail('shard.index', `must be below shard.count (${count})`);
  }
  let width = 0;
  if (o.statics !== undefined) {
    const problem = scope === 'global' ? staticEncodingProblem(o.statics) : 'belong to a global run only';
    if (problem) c.fail('statics', problem);
    else width = staticWidth(o.statics as StaticEncoding);
  }
  const keyOk = (k: unknown): k is string[] => Array.isArray(k) && k.length === ids.length && k.every((v) => typeof v === 'string' && v !== '');
  const count = c.int(o.series_count, 'series_count', 0);
  if (!Array.isArray(o.failed)) c.fail('failed', 'must be a list');
  c.done();
  (o.failed as unknown[]).forEach((v, i) => {
    const e = c.record(v, `failed[${i}]`);
    if (!keyOk(e.key)) c.fail(`failed[${i}].key`, `must be ${ids.length} non-empty strings`);
    c.str(e.reason, `failed[${i}].reason`);
  });
  c.done();

  const lines = jsonLines(seriesBytes, seriesFile);
  if (lines.length !== count)
    throw new ArtifactError(`${seriesFile} has ${lines.length} lines, but ${file} says series_count ${count}; retrain or restore the run`);
  const decoder = new TextDecoder('utf-8', { fatal: false });
  /** Line i, parsed and checked (`lc` collects its problems). */
  const check = (i: number, lc: Check): { entry: PanelSeriesEntry; pipeline: Pipeline } | undefined => {
    const at = `line ${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(decoder.decode(lines[i]));
    } catch {
      lc.fail(at, 'is not valid JSON');
      return undefined;
    }
    const e = lc.record(v, at);
    if (!keyOk(e.key)) {
      lc.fail(`${at} key`, `must be ${ids.length} non-empty string${ids.length === 1 ? '' : 's'}`);
      return undefined;
    }
    const rows = lc.int(e.rows, `${at} rows`, 1);
    const { saved, pipeline } = checkPipelineJson(e.pipeline, `${seriesFile} ${at} pipeline`);
    checkIoAgainstRows(saved.io, rows, `${seriesFile} ${at} pipeline`);
    if ((saved.io.statics?.length ?? 0) !== width)
      lc.fail(`${at} pipeline.io.statics`, width ? `must be ${width} numbers, as statics encode them` : 'must be absent without statics');
    const members = saved.io.members ?? 1;
    const expected = Array.from({ length: members }, (_, j) => (scope === 'global' ? memberFileNames(j) : localMemberFileNames(i, j)).model);
    if (!(Array.isArray(e.models) && e.models.length === members && e.models.every((m, j) => m === expected[j])))
      lc.fail(`${at} models`, `must be ${JSON.stringify(expected)}`);
    return { entry: e as unknown as PanelSeriesEntry, pipeline };
  };
  const lc = new Check(seriesFile);
  const keys: string[][] = [];
  const models: string[][] = [];
  let usesPretrained = false;
  let previous: string[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    const got = check(i, lc);
    lc.done();
    const key = got!.entry.key;
    // sorted and distinct: each key after the one before it
    if (previous && compareKeys(previous, key) >= 0)
      lc.fail(`line ${i + 1} key`, compareKeys(previous, key) === 0 ? 'is listed twice' : 'is out of order (series are sorted by key)');
    lc.done();
    keys.push(key);
    models.push(got!.entry.models);
    usesPretrained ||= Boolean(got!.entry.pipeline.io.pretrained);
    previous = key;
  }
  return {
    panel: json as PanelFile,
    keys,
    models,
    usesPretrained,
    entry: (i) => {
      const again = new Check(seriesFile);
      const got = check(i, again);
      again.done();
      return got!;
    },
  };
}
