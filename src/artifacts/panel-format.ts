/**
 * The run directory of a panel (many series): panel.json holds, per series, its key, row count,
 * fitted pipeline (as a single run's pipeline.json) and the model files it forecasts with; a
 * global run's series share model.json/weights.bin, a local run's series have their own
 * `s<i>-model.json`/`s<i>-weights.bin` (i: the series' place in panel.json). forecast.csv and
 * metrics.json hold every series, with the key columns.
 */
import { SCOPES } from '../config/names.js';
import { compareKeys } from '../data/panel.js';
import { type StaticEncoding, staticEncodingProblem, staticWidth } from '../panel/statics.js';
import type { Pipeline } from '../transforms/pipeline.js';
import { Check, checkIoAgainstRows, checkPipelineJson, memberFileNames, type PipelineFile, parseJson } from './run-format.js';

export const PANEL_FILE = 'panel.json';
export const PANEL_FORMAT_VERSION = 1;
/** The files a panel run cannot do without (its model files are checked per series). */
export const PANEL_REQUIRED_FILES = [PANEL_FILE, 'config.yaml', 'metadata.json'] as const;

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
  /** Fitted series, sorted by key. */
  series: PanelSeriesEntry[];
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

/** A validated panel.json: its content and each series' fitted transforms. */
export interface ParsedPanel {
  panel: PanelFile;
  pipelines: Pipeline[];
}

/**
 * Validates panel.json: the keys (distinct, one value per key column, sorted), each series'
 * pipeline (as parsePipelineFile checks pipeline.json) against its rows, and its model names.
 */
export function parsePanelFile(text: string, file: string): ParsedPanel {
  const json = parseJson(text, file);
  const c = new Check(file);
  const o = c.record(json, 'panel');
  c.done();
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
  if (!Array.isArray(o.series)) c.fail('series', 'must be a list');
  if (!Array.isArray(o.failed)) c.fail('failed', 'must be a list');
  c.done();
  const pipelines: Pipeline[] = [];
  const seen = new Set<string>();
  let previous: string[] | null = null;
  (o.series as unknown[]).forEach((v, i) => {
    const at = `series[${i}]`;
    const e = c.record(v, at);
    if (!keyOk(e.key)) return c.fail(`${at}.key`, `must be ${ids.length} non-empty string${ids.length === 1 ? '' : 's'}`);
    const k = JSON.stringify(e.key);
    if (seen.has(k)) c.fail(`${at}.key`, 'is listed twice');
    if (previous && compareKeys(previous, e.key) >= 0) c.fail(`${at}.key`, 'is out of order (series are sorted by key)');
    seen.add(k);
    previous = e.key;
    const rows = c.int(e.rows, `${at}.rows`, 1);
    const { saved, pipeline } = checkPipelineJson(e.pipeline, `${file} ${at}.pipeline`);
    checkIoAgainstRows(saved.io, rows, `${file} ${at}.pipeline`);
    if ((saved.io.statics?.length ?? 0) !== width)
      c.fail(`${at}.pipeline.io.statics`, width ? `must be ${width} numbers, as statics encode them` : 'must be absent without statics');
    const members = saved.io.members ?? 1;
    const expected = Array.from({ length: members }, (_, j) => (scope === 'global' ? memberFileNames(j) : localMemberFileNames(i, j)).model);
    if (!(Array.isArray(e.models) && e.models.length === members && e.models.every((m, j) => m === expected[j])))
      c.fail(`${at}.models`, `must be ${JSON.stringify(expected)}`);
    pipelines.push(pipeline);
  });
  (o.failed as unknown[]).forEach((v, i) => {
    const e = c.record(v, `failed[${i}]`);
    if (!keyOk(e.key)) c.fail(`failed[${i}].key`, `must be ${ids.length} non-empty strings`);
    c.str(e.reason, `failed[${i}].reason`);
  });
  c.done();
  return { panel: json as PanelFile, pipelines };
}
