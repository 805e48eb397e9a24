/** Turns a panel fit into the files of a panel run directory (see panel-format.ts). */
import { resolve as resolvePath } from 'node:path';
import { renderConfigYaml } from '../config/render.js';
import type { Config } from '../config/types.js';
import { formatTime, futureTimes } from '../data/time.js';
import type { PanelFitResult } from '../forecast/panel-fit.js';
import { STDIN } from '../io/input-file.js';
import { poolScores } from '../metrics/pooled.js';
import { csvRows, formatNumber } from '../output/csv.js';
import { spreadCells, spreadColumns } from '../output/spread.js';
import { VERSION } from '../version.js';
import { localMemberFileNames, PANEL_FILE, PANEL_FORMAT_VERSION, type PanelFile } from './panel-format.js';
import { buildManifest } from './run-dir.js';
import type { MetadataFile, MetricsFile } from './run-format.js';
import {
  gradientFlowCsvOf,
  gradientFlowField,
  historyCsvOf,
  memberFiles,
  metricsFileOf,
  pipelineFileOf,
  pretrainedFiles,
  type RunFacts,
  roundScores,
} from './run-writer.js';

/** metrics.json of a panel: pooled scores by method, then each series' scores as a single run's metrics.json holds them. */
export interface PanelMetricsFile {
  series_count: number;
  /** A shard run: which shard of how many (rnnfc merge combines them). */
  shard?: { index: number; count: number };
  failed_count: number;
  /** Per method: the mean of each score over the series, and rel_mase (geometric mean of MASE relative to seasonal naive). */
  pooled: Record<string, Record<string, number | null>>;
  /** A global model's gradient flow (a local model's is in its series' entry). */
  gradient_flow?: MetricsFile['gradient_flow'];
  series: ({ key: string[] } & ReturnType<typeof metricsFileOf>)[];
}

/**
 * The pooled scores of a panel fit (see metrics/pooled.ts), rounded as files print them. They are
 * pooled from the per-series scores as metrics.json rounds them, so that merging shard runs, which
 * have only those, gives the same pooled scores.
 */
export function pooledOf(r: PanelFitResult): Record<string, Record<string, number | null>> {
  return pooledFromFiles(r.fits.map((f) => metricsFileOf(f.series, f.result).methods));
}

/** Pooled scores from the per-series methods of metrics.json (null: not finite). */
export function pooledFromFiles(series: Record<string, Record<string, number | null>>[]): Record<string, Record<string, number | null>> {
  return Object.fromEntries(Object.entries(poolScores(series)).map(([k, v]) => [k, roundScores(v)]));
}

/** Every file of a panel run directory by name, manifest.json last. */
export async function panelRunFiles(
  cfg: Config,
  panelFacts: {
    idColumns: string[];
    timeColumn: string | null;
    configless: boolean;
    shard?: { index: number; count: number };
    /** How a config-less run chose its scope (each scope's score before the test origin). */
    scopeChoice?: { scope: string; local: number; global: number; globalSkips: number };
  },
  r: PanelFitResult,
  facts: RunFacts,
): Promise<Record<string, string | Uint8Array>> {
  const { idColumns } = panelFacts;
  const files: Record<string, string | Uint8Array> = {};
  if (r.scope === 'global') Object.assign(files, memberFiles(r.shared));
  // the pretrained forecaster the series' forecasts use (one for the panel), copied once
  const pretrained = r.fits.find((f) => f.result.pretrained)?.result.pretrained;
  if (pretrained) Object.assign(files, pretrainedFiles(pretrained.model));
  const panel: PanelFile = {
    format_version: PANEL_FORMAT_VERSION,
    scope: r.scope,
    id_columns: idColumns,
    configless: panelFacts.configless,
    ...(panelFacts.scopeChoice ? { scope_choice: roundChoice(panelFacts.scopeChoice) } : {}),
    ...(panelFacts.shard ? { shard: { index: panelFacts.shard.index, count: panelFacts.shard.count } } : {}),
    ...(r.statics ? { statics: r.statics } : {}),
    series: r.fits.map((f, i) => {
      if (r.scope === 'local')
        Object.assign(
          files,
          memberFiles(f.result.models, (j) => localMemberFileNames(i, j)),
        );
      return {
        key: f.key,
        rows: f.series.index.times.length,
        pipeline: pipelineFileOf(f.cfg, f.series, f.result),
        models: f.result.models.map((_, j) => (r.scope === 'global' ? (j === 0 ? 'model.json' : `model-${j}.json`) : localMemberFileNames(i, j).model)),
      };
    }),
    failed: r.failed.map((e) => ({ key: e.key, reason: e.reason })),
  };
  const metrics: PanelMetricsFile = {
    series_count: r.fits.length,
    failed_count: r.failed.length,
    pooled: pooledOf(r),
    ...(panelFacts.shard ? { shard: { index: panelFacts.shard.index, count: panelFacts.shard.count } } : {}),
    series: r.fits.map((f) => {
      // the shared network's gradient flow is the panel's, once, not each series'
      const { gradient_flow, ...m } = metricsFileOf(f.series, f.result);
      return { key: f.key, ...m, ...(r.scope === 'local' && gradient_flow ? { gradient_flow } : {}) };
    }),
  };
  const first = r.fits[0]?.result;
  if (r.scope === 'global' && first?.gradientFlow) metrics.gradient_flow = gradientFlowField(first.gradientFlow.report);
  const metadata: MetadataFile = {
    rnnfc_version: VERSION,
    tfjs_version: facts.tfjsVersion,
    node_version: process.version,
    backend: first?.backend ?? cfg.backend,
    threads: first?.threads ?? null,
    seed: cfg.training.seed,
    data: {
      path: cfg.data.path,
      sha256: facts.dataSha256,
      rows: Math.max(
        1,
        r.fits.reduce((a, f) => a + f.series.index.times.length, 0),
      ),
    },
    panel: { series: r.fits.length, failed: r.failed.length },
    ...(r.scope === 'global' && first ? { best_epoch: first.bestEpoch, epochs_run: first.history.length } : {}),
    timings: {
      train_seconds: Number((r.scope === 'global' ? (first?.trainSeconds ?? 0) : r.fits.reduce((a, f) => a + f.result.trainSeconds, 0)).toFixed(3)),
      total_seconds: Number(facts.totalSeconds.toFixed(3)),
    },
    created: new Date().toISOString(),
  } as MetadataFile;

  // forecast.csv: the key columns, then a single run's columns; written series by series, so that
  // a large panel holds each series' lines as one string rather than an array of cells per row
  const timeName = panelFacts.timeColumn ?? 'index';
  const chunks: string[] = [csvRows([[...idColumns, timeName, 'part', 'actual', 'forecast', ...spreadColumns(cfg.evaluation)]])];
  for (const f of r.fits) {
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
    chunks.push(csvRows(rows));
  }
  Object.assign(files, {
    [PANEL_FILE]: JSON.stringify(panel) + '\n',
    'config.yaml': renderConfigYaml({ ...cfg, data: { ...cfg.data, path: cfg.data.path === STDIN ? STDIN : resolvePath(cfg.data.path) } }),
    'metadata.json': JSON.stringify(metadata, null, 2) + '\n',
    'metrics.json': JSON.stringify(metrics, null, 1) + '\n',
    'forecast.csv': chunks.join(''),
  });
  if (r.scope === 'global' && first) {
    files['history.csv'] = historyCsvOf(first.history, first.gradientFlow);
    const flowCsv = gradientFlowCsvOf(first.history, first.gradientFlow);
    if (flowCsv) files['gradient-flow.csv'] = flowCsv;
  }
  if (cfg.output.plot) {
    // drawn from the files' own contents, as merge redraws them (panel-plots.ts)
    const { panelPlotFiles } = await import('./panel-plots.js');
    Object.assign(files, await panelPlotFiles(metrics.series, files['forecast.csv'] as string, idColumns.length, (i) => r.fits[i]?.series));
  }
  files['manifest.json'] = buildManifest(files, VERSION);
  return files;
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
