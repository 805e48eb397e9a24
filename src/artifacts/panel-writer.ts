/** Turns a panel fit into the files of a panel run directory (see panel-format.ts). */
import { resolve as resolvePath } from 'node:path';
import { renderConfigYaml } from '../config/render.js';
import type { Config } from '../config/types.js';
import { formatTime, futureTimes } from '../data/time.js';
import type { FitResult } from '../forecast/fit.js';
import type { PanelFitResult, PanelSeriesFit, Scope } from '../forecast/panel-fit.js';
import { type PretrainedModel, useText } from '../forecast/pretrained.js';
import { STDIN } from '../io/input-file.js';
import { poolScores } from '../metrics/pooled.js';
import { csvRows, formatNumber } from '../output/csv.js';
import { spreadCells, spreadColumns } from '../output/spread.js';
import type { Series } from '../types.js';
import { VERSION } from '../version.js';
import { localMemberFileNames, PANEL_FILE, PANEL_FORMAT_VERSION, type PanelFile, type PanelSeriesEntry, SERIES_FILE, seriesLine } from './panel-format.js';
import type { PlotScores } from './panel-plots.js';
import { buildManifest } from './run-dir.js';
import { type MetadataFile, type MetricsFile, memberFileNames } from './run-format.js';
import {
  gradientFlowCsvOf,
  gradientFlowField,
  gradientFlowSvgOf,
  historyCsvOf,
  memberFiles,
  metricsFileOf,
  pipelineFileOf,
  pretrainedFiles,
  type RunFacts,
  roundedCoverage,
  roundScores,
} from './run-writer.js';
import type { FileData } from './write-steps.js';

/** metrics.json of a panel: pooled scores by method, then each series' scores as a single run's metrics.json holds them. */
export interface PanelMetricsFile {
  series_count: number;
  /** A shard run: which shard of how many (rnnfc merge combines them). */
  shard?: { index: number; count: number };
  failed_count: number;
  /** Per method: the mean of each score over the series, and rel_mase (geometric mean of MASE relative to seasonal naive). */
  pooled: Record<string, Record<string, number | null>>;
  /**
   * Per method and level: the percent of the test actuals inside the interval at each step ahead,
   * over every series (pooledCoverageFromFiles). Absent when no series has intervals.
   */
  coverage_by_step?: Record<string, Record<string, (number | null)[]>>;
  /** A global model's gradient flow (a local model's is in its series' entry). */
  gradient_flow?: MetricsFile['gradient_flow'];
  series: ({ key: string[] } & ReturnType<typeof metricsFileOf>)[];
}

/** `{ coverage_by_step }` when there is one, nothing otherwise. */
export function optionalCoverage(c: PanelMetricsFile['coverage_by_step']): Pick<PanelMetricsFile, 'coverage_by_step'> {
  return c ? { coverage_by_step: c } : {};
}

/** Pooled scores from the per-series methods of metrics.json (null: not finite), rounded as files print them. */
export function pooledFromFiles(series: Record<string, Record<string, number | null>>[]): Record<string, Record<string, number | null>> {
  return Object.fromEntries(Object.entries(poolScores(series)).map(([k, v]) => [k, roundScores(v)]));
}

/**
 * A panel's coverage step by step ahead from its series' (metrics.json coverage_by_step): per
 * method, level and step, the mean of the series' percents where they have one (null where none
 * has), rounded as files print numbers. A panel's series share their test blocks (test_size and
 * horizon are the panel's), so each contributes as many actuals at a step: the mean is the pooled percent.
 */
export function pooledCoverageFromFiles(series: readonly (MetricsFile['coverage_by_step'] | undefined)[]): PanelMetricsFile['coverage_by_step'] {
  const sums: Record<string, Record<string, { sum: number[]; n: number[] }>> = {};
  for (const c of series)
    for (const [method, levels] of Object.entries(c ?? {}))
      for (const [level, pct] of Object.entries(levels)) {
        sums[method] ??= {};
        sums[method][level] ??= { sum: [], n: [] };
        const s = sums[method][level];
        pct.forEach((v, k) => {
          s.sum[k] = (s.sum[k] ?? 0) + (v ?? 0);
          s.n[k] = (s.n[k] ?? 0) + (v === null ? 0 : 1);
        });
      }
  if (Object.keys(sums).length === 0) return undefined;
  return roundedCoverage(
    Object.fromEntries(
      Object.entries(sums).map(([method, levels]) => [
        method,
        Object.fromEntries(Object.entries(levels).map(([level, s]) => [level, s.n.map((n, k) => (n > 0 ? s.sum[k] / n : null))])),
      ]),
    ),
  );
}

/**
 * A series' entry of a panel's metrics.json as the file holds it: JSON.stringify(entry, null, 1)
 * indented to its place in the list (two spaces a line), as one flat string (the indenting
 * copies the parts of V8's rope into one).
 */
export function metricsEntryText(entry: object): string {
  return `  ${JSON.stringify(entry, null, 1).replace(/\n/g, '\n  ')}`;
}

/**
 * metrics.json of a panel in pieces: the same text as JSON.stringify(metrics, null, 1) with
 * `series` last, from its other fields and each series' entry as metricsEntryText makes it, so
 * that no single string holds every series.
 */
export function panelMetricsPieces(head: Omit<PanelMetricsFile, 'series'>, series: readonly string[]): string[] {
  const text = JSON.stringify({ ...head, series: [] }, null, 1);
  const tail = '"series": []\n}';
  if (series.length === 0) return [`${text}\n`];
  const pieces = [`${text.slice(0, -tail.length)}"series": [\n`];
  series.forEach((e, i) => {
    pieces.push(e);
    pieces.push(i < series.length - 1 ? ',\n' : '\n');
  });
  pieces.push(' ]\n}\n');
  return pieces;
}

/** What a panel run states about itself beyond its fits (train's facts about the panel). */
export interface PanelFacts {
  idColumns: string[];
  timeColumn: string | null;
  configless: boolean;
  shard?: { index: number; count: number };
  /** How a config-less run chose its scope (each scope's score before the test origin). */
  scopeChoice?: { scope: string; local: number; global: number; globalSkips: number };
}

/**
 * A panel run's files, built series by series as the fit makes them (PanelFitOptions.sink): each
 * fitted series becomes at once its line of series.jsonl, its entry of metrics.json and its rows
 * of forecast.csv, as text, and the fit is let go. A panel of 100,000 series so holds about 10 KB
 * of text a series rather than every fit, and no file is ever one string.
 */
export class PanelRunBuilder {
  private readonly lines: string[] = [];
  private readonly metricsEntries: string[] = [];
  /** Each series' forecast.csv rows (one string a series). */
  private readonly forecastRows: string[] = [];
  /** Each series' key, test size and scores: pooled scores and the plots are made from them. */
  private readonly scores: PlotScores[] = [];
  /** Each series' coverage step by step ahead (metrics.json coverage_by_step), pooled into the panel's. */
  private readonly coverages: MetricsFile['coverage_by_step'][] = [];
  /** Each series' history, for the plots (the data's own objects: nothing is copied). */
  private readonly history: Series[] = [];
  /** Local models' files, by name. */
  private readonly modelFiles: Record<string, FileData> = {};
  /** How many series each kind of forecast made (summary: panelUsesText). */
  readonly uses = new Map<string, number>();
  /** The first series' fit: a global run's training facts (history, epochs, backend) are in it. */
  private first?: FitResult;
  private pretrained?: PretrainedModel;
  private rows = 0;
  private trainSeconds = 0;

  constructor(
    private readonly cfg: Config,
    private readonly scope: Scope,
    private readonly facts: PanelFacts,
  ) {}

  get count(): number {
    return this.lines.length;
  }

  /** Turns one fitted series into its text (see the class comment). */
  add(f: PanelSeriesFit): void {
    const i = this.lines.length;
    const r = f.result;
    this.first ??= r;
    this.pretrained ??= r.pretrained?.model;
    this.rows += f.series.index.times.length;
    this.trainSeconds += r.trainSeconds;
    if (this.scope === 'local')
      Object.assign(
        this.modelFiles,
        memberFiles(r.models, (j) => localMemberFileNames(i, j)),
      );
    const entry: PanelSeriesEntry = {
      key: f.key,
      rows: f.series.index.times.length,
      pipeline: pipelineFileOf(f.cfg, f.series, r),
      models: r.models.map((_, j) => (this.scope === 'global' ? memberFileNames(j) : localMemberFileNames(i, j)).model),
    };
    this.lines.push(seriesLine(entry));
    // the shared network's gradient flow is the panel's, once, not each series'
    const { gradient_flow, ...m } = metricsFileOf(f.series, r);
    this.metricsEntries.push(metricsEntryText({ key: f.key, ...m, ...(this.scope === 'local' && gradient_flow ? { gradient_flow } : {}) }));
    this.scores.push({ key: f.key, test_size: m.test_size, methods: m.methods });
    this.coverages.push(m.coverage_by_step);
    this.history.push(f.series);
    this.forecastRows.push(forecastRowsOf(this.cfg, f));
    const use = useText(r.io.pretrained?.use ?? 'model', r.io.pretrained?.theta, r.io.holt !== undefined, r.io.ets !== undefined);
    this.uses.set(use, (this.uses.get(use) ?? 0) + 1);
  }

  /** Pooled scores over the series added so far, rounded as metrics.json holds them. */
  pooled(): Record<string, Record<string, number | null>> {
    return pooledFromFiles(this.scores.map((s) => s.methods));
  }

  /** Every file of the run directory by name, manifest.json last. */
  async files(r: Pick<PanelFitResult, 'failed' | 'shared' | 'statics'>, facts: RunFacts): Promise<Record<string, FileData>> {
    const { cfg, scope, first } = this;
    const { idColumns } = this.facts;
    const files: Record<string, FileData> = {};
    if (scope === 'global') Object.assign(files, memberFiles(r.shared));
    Object.assign(files, this.modelFiles);
    // the pretrained forecaster the series' forecasts use (one for the panel), copied once
    if (this.pretrained) Object.assign(files, pretrainedFiles(this.pretrained));
    const panel: PanelFile = {
      format_version: PANEL_FORMAT_VERSION,
      scope,
      id_columns: idColumns,
      configless: this.facts.configless,
      ...(this.facts.scopeChoice ? { scope_choice: roundChoice(this.facts.scopeChoice) } : {}),
      ...(this.facts.shard ? { shard: { index: this.facts.shard.index, count: this.facts.shard.count } } : {}),
      ...(r.statics ? { statics: r.statics } : {}),
      series_count: this.count,
      failed: r.failed.map((e) => ({ key: e.key, reason: e.reason })),
    };
    const metricsHead: Omit<PanelMetricsFile, 'series'> = {
      series_count: this.count,
      failed_count: r.failed.length,
      pooled: this.pooled(),
      ...optionalCoverage(pooledCoverageFromFiles(this.coverages)),
      ...(this.facts.shard ? { shard: { index: this.facts.shard.index, count: this.facts.shard.count } } : {}),
      ...(scope === 'global' && first?.gradientFlow ? { gradient_flow: gradientFlowField(first.gradientFlow.report) } : {}),
    };
    const metadata: MetadataFile = {
      rnnfc_version: VERSION,
      tfjs_version: facts.tfjsVersion,
      node_version: process.version,
      backend: first?.backend ?? cfg.backend,
      ...(first?.adapter ? { adapter: first.adapter } : {}),
      threads: first?.threads ?? null,
      seed: cfg.training.seed,
      data: { path: cfg.data.path, sha256: facts.dataSha256, rows: Math.max(1, this.rows) },
      panel: { series: this.count, failed: r.failed.length },
      ...(scope === 'global' && first ? { best_epoch: first.bestEpoch, epochs_run: first.history.length } : {}),
      timings: {
        train_seconds: Number((scope === 'global' ? (first?.trainSeconds ?? 0) : this.trainSeconds).toFixed(3)),
        total_seconds: Number(facts.totalSeconds.toFixed(3)),
      },
      created: new Date().toISOString(),
    } as MetadataFile;
    const header = forecastHeader(cfg, idColumns, this.facts.timeColumn);
    Object.assign(files, {
      [PANEL_FILE]: JSON.stringify(panel) + '\n',
      [SERIES_FILE]: this.lines,
      'config.yaml': renderConfigYaml({ ...cfg, data: { ...cfg.data, path: cfg.data.path === STDIN ? STDIN : resolvePath(cfg.data.path) } }),
      'metadata.json': JSON.stringify(metadata, null, 2) + '\n',
      'metrics.json': panelMetricsPieces(metricsHead, this.metricsEntries),
      'forecast.csv': [header, ...this.forecastRows],
    });
    if (scope === 'global' && first) {
      files['history.csv'] = historyCsvOf(first.history, first.gradientFlow);
      const flowCsv = gradientFlowCsvOf(first.history, first.gradientFlow);
      if (flowCsv) files['gradient-flow.csv'] = flowCsv;
      if (cfg.output.plot) {
        // the shared network's gradient flow, as a single run draws its own
        const flowSvg = await gradientFlowSvgOf(`${cfg.data.target} (global model of ${this.count} series)`, first);
        if (flowSvg) files['gradient-flow.svg'] = flowSvg;
      }
    }
    if (cfg.output.plot) {
      // drawn from the files' own contents, as merge redraws them (panel-plots.ts)
      const { panelPlotFiles } = await import('./panel-plots.js');
      Object.assign(files, await panelPlotFiles(this.scores, { header, rowsOf: (i) => this.forecastRows[i] }, idColumns.length, (i) => this.history[i]));
    }
    files['manifest.json'] = buildManifest(files, VERSION);
    return files;
  }
}

/** forecast.csv's header line: the key columns, then a single run's columns. */
function forecastHeader(cfg: Config, idColumns: string[], timeColumn: string | null): string {
  return csvRows([[...idColumns, timeColumn ?? 'index', 'part', 'actual', 'forecast', ...spreadColumns(cfg.evaluation)]]);
}

/** A fitted series' lines of forecast.csv: its key, then its test and future rows as a single run's. */
function forecastRowsOf(cfg: Config, f: PanelSeriesFit): string {
  const rows: (string | number | null)[][] = [];
  const idx = f.series.index;
  const at = (i: number) => formatTime(idx.times[i], idx.format, idx.offset);
  const origin = f.result.split.valEnd;
  const { actual, forecast, spread } = f.result.test;
  const testSpread = spreadCells(spread, cfg.evaluation);
  const futureSpread = spreadCells(f.result.futureSpread, cfg.evaluation);
  for (let i = 0; i < actual.length; i++) rows.push([...f.key, at(origin + i), 'test', formatNumber(actual[i]), formatNumber(forecast[i]), ...testSpread(i)]);
  const fut = futureTimes(idx, f.result.future.length);
  for (let i = 0; i < fut.length; i++)
    rows.push([...f.key, formatTime(fut[i], idx.format, idx.offset), 'future', null, formatNumber(f.result.future[i]), ...futureSpread(i)]);
  return csvRows(rows);
}

/** A scope choice's scores as panel.json holds them (null: not measurable). */
export function roundChoice(c: { scope: string; local: number; global: number; globalSkips: number }): {
  scope: string;
  local: number | null;
  global: number | null;
  global_skips: number;
} {
  const r = (x: number) => (Number.isFinite(x) ? Number(formatNumber(x)) : null);
  return { scope: c.scope, local: r(c.local), global: r(c.global), global_skips: c.globalSkips };
}
