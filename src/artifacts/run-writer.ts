/** Turns a fit into the files of a run directory (see run-format.ts), ready to be written atomically. */
import { resolve as resolvePath } from 'node:path';
import { renderConfigYaml } from '../config/render.js';
import type { Config } from '../config/types.js';
import { formatTime, futureTimes, isNumericIndex, isoFormat } from '../data/time.js';
import type { FitResult, HistoryEntry, SavedModel, Scores } from '../forecast/fit.js';
import type { PretrainedModel } from '../forecast/pretrained.js';
import { STDIN } from '../io/input-file.js';
import { coverageByStep } from '../metrics/interval-scores.js';
import { formatNumber, toCsv } from '../output/csv.js';
import { REPORT_SOURCES, type ReportFiles, reportHtml } from '../output/report.js';
import { spreadCells, spreadColumns } from '../output/spread.js';
import type { FlowReport } from '../train/gradient-flow.js';
import type { Series } from '../types.js';
import { VERSION } from '../version.js';
import { buildManifest } from './run-dir.js';
import { type MetadataFile, type MetricsFile, memberFileNames, PIPELINE_FORMAT_VERSION, type PipelineFile, PRETRAINED_FILES } from './run-format.js';

/** Facts about the run that the fit does not know. */
export interface RunFacts {
  /** sha256 of the data file's bytes, as read. */
  dataSha256: string;
  /** Version of TensorFlow.js. */
  tfjsVersion: string;
  /** Seconds from the command's start to now. */
  totalSeconds: number;
}

/** Scores rounded as the run's files and --json print them (null for a value that is not finite). */
export function roundScores(s: Scores | Record<string, number>): Record<string, number | null> {
  const o: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(s)) o[k] = Number.isFinite(v) ? Number(formatNumber(v as number)) : null;
  return o;
}

/** coverageByStep's percents as metrics.json writes numbers. */
export function roundedCoverage(c: Record<string, Record<string, (number | null)[]>>): Record<string, Record<string, (number | null)[]>> {
  const round = (v: number | null) => (v === null ? null : Number(formatNumber(v)));
  return Object.fromEntries(Object.entries(c).map(([m, levels]) => [m, Object.fromEntries(Object.entries(levels).map(([l, pct]) => [l, pct.map(round)]))]));
}

/** An ensemble's member count and best epochs, for metadata and --json (nothing for one model). */
export function membersFields(r: FitResult): { members?: number; members_best_epoch?: number[] } {
  return r.models.length > 1 ? { members: r.models.length, members_best_epoch: r.memberBestEpochs } : {};
}

/** The model and weights files of `models` (an ensemble's members), named by `namesOf` (default: memberFileNames). */
export function memberFiles(
  models: SavedModel[],
  namesOf: (j: number) => { model: string; weights: string } = memberFileNames,
): Record<string, string | Uint8Array> {
  const files: Record<string, string | Uint8Array> = {};
  models.forEach((m, j) => {
    const names = namesOf(j);
    const json = JSON.parse(m.modelJson) as { weightsManifest: { paths: string[] }[] };
    for (const g of json.weightsManifest) g.paths = [names.weights];
    files[names.model] = names.weights === 'weights.bin' ? m.modelJson : JSON.stringify(json);
    files[names.weights] = m.weights;
  });
  return files;
}

/**
 * history.csv: one row per epoch of the first member; with the gradient's flow measured
 * (FitResult.gradientFlow), also the share of batches clipped and each weight group's gradient norm
 * (`grad_norm_lstm1_kernel`, ...).
 */
export function historyCsvOf(history: HistoryEntry[], flow?: FitResult['gradientFlow']): string {
  const groups = flow?.groups ?? [];
  const measured = history.length > 0 && history.every((e) => e.flow !== undefined) && groups.length > 0;
  return toCsv(
    ['epoch', 'loss', 'val_loss', 'grad_norm', 'seconds', ...(measured ? ['clipped', ...groups.map((g) => `grad_norm_${g.replace(/\//g, '_')}`)] : [])],
    history.map((e) => [
      e.epoch,
      formatNumber(e.loss),
      e.valLoss === null ? null : formatNumber(e.valLoss),
      formatNumber(e.gradNorm),
      e.seconds.toFixed(3),
      ...(measured ? [formatNumber(e.flow!.clipped), ...e.flow!.groupNorms.map(formatNumber)] : []),
    ]),
  );
}

/**
 * gradient-flow.csv: per epoch and recurrent layer (on the fused kernels), the norm of dL/dh_t at
 * every step t of the window (t = 0 the first), averaged over the epoch's batches; null when not
 * measured.
 */
export function gradientFlowCsvOf(history: HistoryEntry[], flow?: FitResult['gradientFlow']): string | null {
  if (!flow || flow.layers.length === 0) return null;
  const rows: (string | number)[][] = [];
  for (const e of history)
    flow.layers.forEach((layer, i) => {
      const steps = e.flow?.steps[i] ?? [];
      steps.forEach((v, t) => rows.push([e.epoch, layer, t, formatNumber(v)]));
    });
  return rows.length ? toCsv(['epoch', 'layer', 't', 'grad_h_norm'], rows) : null;
}

/** A run's copy of the pretrained forecaster its forecasts use (PRETRAINED_FILES). */
export function pretrainedFiles(m: PretrainedModel): Record<string, string | Uint8Array> {
  return { [PRETRAINED_FILES.model]: m.modelJson, [PRETRAINED_FILES.weights]: m.weights, [PRETRAINED_FILES.manifest]: m.manifestText };
}

/** metadata.json's and --json's account of the pretrained forecaster a fit used. */
export function pretrainedFields(p: NonNullable<FitResult['pretrained']>): NonNullable<MetadataFile['pretrained']> {
  return {
    source: p.model.name,
    weights_sha256: p.model.manifest.files['weights.bin'],
    use: p.use,
    validation_mae: p.validation ? roundScores(p.validation) : null,
  };
}

/** pipeline.json's content for a fitted series. */
export function pipelineFileOf(cfg: Config, series: Series, r: FitResult): PipelineFile {
  const idx = series.index;
  return {
    format_version: PIPELINE_FORMAT_VERSION,
    time_column: series.timeColumn,
    time_format: idx.format,
    ...(cfg.data.time_format !== undefined ? { time_pattern: cfg.data.time_format } : {}),
    frequency: idx.frequency,
    last_time: formatTime(idx.times[idx.times.length - 1], idx.format, idx.offset),
    target: cfg.data.target,
    features: cfg.data.features,
    missing: cfg.data.missing,
    season: r.season,
    io: r.io,
    transforms: r.pipeline.toJSON(),
  };
}

/**
 * What became of the network: trained alone (no linear path), or beside the linear path its
 * correction `kept`, left at `zero` (training never beat the zero correction on validation), or
 * `untrained` (no validation rows to judge it by, so no epoch ran).
 */
export function networkState(cfg: Config, r: Pick<FitResult, 'history' | 'bestEpoch'>): 'alone' | 'kept' | 'zero' | 'untrained' {
  if (!cfg.model.linear) return 'alone';
  if (r.history.length === 0) return 'untrained';
  return r.bestEpoch === 0 ? 'zero' : 'kept';
}

/**
 * What made the forecast, for the plot's title: the network (or the linear path with the network
 * beside it, or left at zero), and what it was averaged with.
 */
export function forecastTitle(cfg: Config, r: Pick<FitResult, 'io' | 'history' | 'bestEpoch'>): string {
  const cell = cfg.model.cell.toUpperCase();
  const network = networkState(cfg, r);
  const own = network === 'alone' ? cell : network === 'kept' ? `linear path + ${cell}` : `linear path (${cell} at zero)`;
  const others = [
    ...(r.io.pretrained?.use === 'mean' ? ['the pretrained network', ...(r.io.pretrained.theta ? ['the Theta method'] : [])] : []),
    ...(r.io.holt ? ["Holt's damped trend"] : []),
    ...(r.io.ets ? ['the automatic ETS'] : []),
  ];
  const mixed = others.length ? `, averaged with ${others.length > 1 ? `${others.slice(0, -1).join(', ')} and ${others[others.length - 1]}` : others[0]}` : '';
  return `${r.io.mode} ${own}${mixed}${r.io.damping !== undefined ? `, trend damped (phi ${r.io.damping})` : ''}`;
}

/** metrics.json's content for a fitted series. */
export function metricsFileOf(series: Series, r: FitResult): MetricsFile {
  const idx = series.index;
  const at = (i: number) => formatTime(idx.times[i], idx.format, idx.offset);
  return {
    origin: at(r.split.valEnd),
    test_size: r.test.actual.length,
    ...(r.test.origins.length > 1 ? { rolling: true as const, origins: r.test.origins.map(at) } : {}),
    season: r.season,
    methods: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, roundScores(v)])),
    coverage_by_step: roundedCoverage(coverageByStep([r.stepCoverage])),
    ...(r.gradientFlow ? { gradient_flow: gradientFlowField(r.gradientFlow.report) } : {}),
  };
}

/** metrics.json's and --json's account of the gradient's flow: the verdict and the figures behind it. */
export function gradientFlowField(f: FlowReport): NonNullable<MetricsFile['gradient_flow']> {
  return {
    verdict: f.verdict,
    reason: f.reason,
    advice: f.advice,
    reach: f.reach,
    clipped: Number(f.clipped.toFixed(4)),
    vanish_fraction: f.vanish_fraction,
  };
}

/**
 * gradient-flow.svg of a fit's first member (`what` names it in the title): through the window
 * (last epoch) and per weight group and epoch; undefined when no flow was measured or no epoch ran.
 */
export async function gradientFlowSvgOf(what: string, r: Pick<FitResult, 'history' | 'gradientFlow'>): Promise<string | undefined> {
  const gf = r.gradientFlow;
  if (!gf || r.history.length === 0) return undefined;
  const { gradientFlowSpec, renderSpecSvg } = await import('../output/plot.js');
  const last = r.history[r.history.length - 1].flow;
  return renderSpecSvg(
    gradientFlowSpec({
      title: `${what}: gradient flow (${gf.report.verdict})`,
      subtitle: gf.report.reason,
      steps: gf.layers.map((layer, i) => ({ layer, norms: last?.steps[i] ?? [] })),
      groups: gf.groups.map((group, i) => ({ group, norms: r.history.map((e) => ({ epoch: e.epoch, norm: e.flow?.groupNorms[i] ?? Number.NaN })) })),
    }),
  );
}

/** Every file of the run directory by name, manifest.json last (it lists the others' checksums). */
export async function runFiles(cfg: Config, series: Series, r: FitResult, facts: RunFacts): Promise<Record<string, string | Uint8Array>> {
  const idx = series.index;
  const target = series.columns[cfg.data.target];
  const futureAt = futureTimes(idx, r.future.length);
  const times = idx.times.map((t) => formatTime(t, idx.format, idx.offset));
  const fut = futureAt.map((t) => formatTime(t, idx.format, idx.offset));
  const origin = r.split.valEnd;
  const pipelineJson = pipelineFileOf(cfg, series, r);
  const metricsJson = metricsFileOf(series, r);
  const metadata: MetadataFile = {
    rnnfc_version: VERSION,
    tfjs_version: facts.tfjsVersion,
    node_version: process.version,
    backend: r.backend,
    ...(r.adapter ? { adapter: r.adapter } : {}),
    threads: r.threads,
    seed: cfg.training.seed,
    data: { path: cfg.data.path, sha256: facts.dataSha256, rows: target.length },
    best_epoch: r.bestEpoch,
    ...membersFields(r),
    epochs_run: r.history.length,
    timings: { train_seconds: Number(r.trainSeconds.toFixed(3)), total_seconds: Number(facts.totalSeconds.toFixed(3)) },
    created: new Date().toISOString(),
    ...(r.pretrained ? { pretrained: pretrainedFields(r.pretrained) } : {}),
  };
  const historyCsv = historyCsvOf(r.history, r.gradientFlow);
  const flowCsv = gradientFlowCsvOf(r.history, r.gradientFlow);
  const rows: (string | number | null)[][] = [];
  const testSpread = spreadCells(r.test.spread, cfg.evaluation);
  const futureSpread = spreadCells(r.futureSpread, cfg.evaluation);
  for (let i = 0; i < r.test.actual.length; i++)
    rows.push([times[origin + i], 'test', formatNumber(r.test.actual[i]), formatNumber(r.test.forecast[i]), ...testSpread(i)]);
  for (let i = 0; i < r.future.length; i++) rows.push([fut[i], 'future', null, formatNumber(r.future[i]), ...futureSpread(i)]);
  const forecastCsv = toCsv([series.timeColumn ?? 'index', 'part', 'actual', 'forecast', ...spreadColumns(cfg.evaluation)], rows);

  const files: Record<string, string | Uint8Array> = {
    ...memberFiles(r.models),
    ...(r.pretrained ? pretrainedFiles(r.pretrained.model) : {}),
    'pipeline.json': JSON.stringify(pipelineJson, null, 2) + '\n',
    // data read from standard input is recorded as '-': there is no file to find it in again
    'config.yaml': renderConfigYaml({ ...cfg, data: { ...cfg.data, path: cfg.data.path === STDIN ? STDIN : resolvePath(cfg.data.path) } }),
    'metadata.json': JSON.stringify(metadata, null, 2) + '\n',
    'metrics.json': JSON.stringify(metricsJson, null, 2) + '\n',
    'history.csv': historyCsv,
    ...(flowCsv ? { 'gradient-flow.csv': flowCsv } : {}),
    'forecast.csv': forecastCsv,
  };
  if (cfg.output.plot) {
    const { renderForecastSvg, renderSpecSvg, trainingSpec } = await import('../output/plot.js');
    // the training view: loss, validation loss and gradient norm per epoch (none when no epoch ran)
    if (r.history.length > 0) files['training.svg'] = await renderSpecSvg(trainingSpec(`${cfg.data.target}: training`, r.history, r.bestEpoch));
    const flowSvg = await gradientFlowSvgOf(cfg.data.target, r);
    if (flowSvg) files['gradient-flow.svg'] = flowSvg;
    // the plot parses times, so it gets them in ISO spelling
    const iso = isoFormat(idx.format);
    const ptimes = iso === idx.format ? times : idx.times.map((t) => formatTime(t, iso));
    const pfut = iso === idx.format ? fut : futureAt.map((t) => formatTime(t, iso));
    files['plot.svg'] = await renderForecastSvg({
      title: `${cfg.data.target}: ${forecastTitle(cfg, r)}`,
      xTitle: series.timeColumn ?? 'row',
      yTitle: cfg.data.target,
      frequency: idx.frequency,
      baselines: cfg.output.plot_baselines.map((name) => ({ name, forecast: Array.from(r.test.baselines[name]) })),
      history: { t: ptimes.slice(0, origin), y: Array.from(target.subarray(0, origin)) },
      test: { t: ptimes.slice(origin), actual: Array.from(r.test.actual), forecast: Array.from(r.test.forecast) },
      future: { t: pfut, forecast: Array.from(r.future) },
      temporal: !isNumericIndex(idx.format),
      // the test part's and the future's intervals, one band per level
      bands: r.test.spread.bands.map((b, i) => {
        const fb = r.futureSpread.bands[i];
        return {
          level: b.level,
          t: [...ptimes.slice(origin), ...(fb ? pfut : [])],
          lower: [...b.lower, ...(fb?.lower ?? [])],
          upper: [...b.upper, ...(fb?.upper ?? [])],
        };
      }),
    });
  }
  // a view of the files above, checksummed with them; `rnnfc report` makes it again elsewhere
  files[REPORT_FILE] = reportHtml(cfg.data.target, reportFilesOf(files));
  files['manifest.json'] = buildManifest(files, VERSION);
  return files;
}

/** The run's report (output/report.ts), made from the run's other files. */
export const REPORT_FILE = 'report.html';

/** The files of a run (as written, or read back) a report is made of. */
export function reportFilesOf(files: Record<string, string | Uint8Array>): ReportFiles {
  const out: ReportFiles = {};
  for (const name of REPORT_SOURCES) {
    const f = files[name];
    if (f !== undefined) out[name] = typeof f === 'string' ? f : Buffer.from(f).toString('utf8');
  }
  return out;
}
