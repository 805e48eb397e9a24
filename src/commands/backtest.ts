import { checkOutputFile, writeOutputFile } from '../artifacts/output-file.js';
import { roundChoice } from '../artifacts/panel-writer.js';
import { loadPretrained } from '../artifacts/pretrained-files.js';
import { roundScores } from '../artifacts/run-writer.js';
import { type Config, isPanel } from '../config/types.js';
import { formatTime, isNumericIndex, isoFormat } from '../data/time.js';
import { UsageError } from '../errors.js';
import { type BacktestResult, backtest, defaultStep } from '../forecast/backtest.js';
import { autoConfigFor, CONFIGLESS_PRETRAINED, panelSettingsFor } from '../forecast/defaults.js';
import { backtestPanel, type PanelBacktestResult } from '../forecast/panel-backtest.js';
import { useText } from '../forecast/pretrained.js';
import { evaluationSeason } from '../metrics/season.js';
import { colourOn } from '../output/colour.js';
import { type BacktestPlotInput, backtestSpec, renderSpecSvg } from '../output/plot.js';
import { startPlotRenderer } from '../output/plot-renderer.js';
import type { Series } from '../types.js';
import {
  computeOptions,
  configFromOptions,
  type DataFlagOptions,
  defaultsOptions,
  etsFlag,
  holtFlag,
  intervalTable,
  jsonSchema,
  metricText,
  readConfiguredPanel,
  readConfiguredSeries,
  thetaFlag,
  threadsText,
  withInterrupt,
} from './common.js';
import { checkGates, enforceGates, type GateOptions, type GateResult, gatesField, gatesText } from './gates.js';

export interface BacktestCommandOptions extends Omit<DataFlagOptions, 'plot'>, GateOptions {
  origins?: number;
  step?: number;
  /** --plot: an SVG file to draw each origin's forecast against the actuals in. */
  plot?: string;
}

/** `rnnfc backtest`: rolling-origin evaluation; prints results, writes nothing but the --plot file. */
export async function backtestCommand(opts: BacktestCommandOptions): Promise<void> {
  const t0 = performance.now();
  // --season sets the season backtest scores with (below), not evaluation.season: a season the
  // frequency gives stays inferred, as the fit infers it, and is not checked as a chosen one
  const cfg = configFromOptions({ ...opts, season: undefined, plot: undefined });
  const plotFile = opts.plot;
  if (isPanel(cfg.data)) {
    if (plotFile !== undefined) throw new UsageError('backtest --plot draws one series; a panel has several (train -c writes their plots)');
    return backtestPanelCommand(cfg, opts, t0);
  }
  // a file that cannot be written is refused before anything trains
  if (plotFile !== undefined) checkOutputFile(plotFile, '--plot');
  // the plot's modules load on the other core while this one backtests
  if (plotFile !== undefined) startPlotRenderer();
  const series = readConfiguredSeries(cfg, opts);
  const H = cfg.window.horizon;
  const season = opts.season ?? evaluationSeason(cfg.evaluation.season, series.index.frequency);
  const step = opts.step ?? defaultStep(H);
  const origins = opts.origins ?? 3;
  // Without a config file, transforms and lookback are chosen at each origin from the rows
  // before it only (flags still win over the choice).
  const configFor = opts.config
    ? undefined
    : autoConfigFor(season, opts.lookback, opts.pretrained, opts.damping, thetaFlag(opts), holtFlag(opts), etsFlag(opts));
  // the pretrained forecaster the origins use, opened (or refused) before any origin trains
  const pretrained = configFor ? (opts.pretrained ?? CONFIGLESS_PRETRAINED) : cfg.model.pretrained;
  if (pretrained !== 'none') loadPretrained(pretrained);
  const quiet = Boolean(opts.quiet || opts.json);
  const r = await withInterrupt((signal) =>
    backtest(cfg, series, {
      origins,
      step,
      season,
      configFor,
      ...computeOptions(cfg, opts),
      signal,
      onOrigin: quiet
        ? undefined
        : (k, of, o, s) =>
            process.stderr.write(
              `origin ${k + 1}/${of} at ${o.origin} (train rows ${o.train_end}): MASE model ${fixed3(o.metrics.model?.mase)}, ` +
                `seasonal naive ${fixed3(o.metrics.seasonal_naive?.mase)}${o.pretrained || o.holt || o.ets ? `, forecast: ${useText(o.pretrained ?? 'model', o.theta, o.holt, o.ets)}` : ''} (${s.toFixed(1)} s)\n`,
            ),
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  if (plotFile !== undefined) await writeOutputFile(plotFile, await renderSpecSvg(backtestSpec(backtestPlotInput(cfg, series, r))));
  const gates = checkGates(r.mean, opts);
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({
        schema: jsonSchema('backtest'),
        data: cfg.data.path,
        target: cfg.data.target,
        horizon: r.horizon,
        season: r.season,
        step: r.step,
        epochs: cfg.training.epochs,
        backend: r.backend,
        threads: r.threads,
        seconds: Number(seconds.toFixed(3)),
        origins: r.origins,
        mean: r.mean,
        coverage_by_step: r.coverage_by_step,
        ...gatesField(gates),
      }) + '\n',
    );
  } else if (!opts.quiet)
    process.stdout.write(
      table(r, cfg, seconds) +
        gatesText(gates, colourOn(process.stdout))
          .map((l) => `${l}\n`)
          .join(''),
    );
  enforceGates(gates, `the mean over ${r.origins.length} origins`);
}

/** What `backtest --plot` draws of a series' backtest: the actuals and each origin's forecast, times in ISO spelling. */
export function backtestPlotInput(cfg: Config, series: Series, r: BacktestResult): BacktestPlotInput {
  const idx = series.index;
  const iso = isoFormat(idx.format);
  const times = idx.times.map((t) => formatTime(t, iso));
  return {
    title: `${cfg.data.target}: backtest, ${r.origins.length} origin${r.origins.length === 1 ? '' : 's'} ${r.step} rows apart, horizon ${r.horizon}`,
    xTitle: series.timeColumn ?? 'row',
    yTitle: cfg.data.target,
    frequency: idx.frequency,
    temporal: !isNumericIndex(idx.format),
    series: { t: times, y: Array.from(series.columns[cfg.data.target]) },
    origins: r.origins.map((o) => ({
      origin: times[o.train_end],
      t: times.slice(o.train_end, o.train_end + o.forecast.length),
      forecast: o.forecast,
      lower95: o.intervals?.lower_95,
      upper95: o.intervals?.upper_95,
    })),
  };
}

function table(r: BacktestResult, cfg: Config, seconds: number): string {
  const names = ['mae', 'rmse', 'mape', 'smape', 'mase'] as const;
  const lines = [
    `rolling-origin backtest of ${cfg.data.target}: ${r.origins.length} origins, horizon ${r.horizon}, step ${r.step}, ` +
      `MASE season ${r.season}, lookback ${r.origins.map((o) => o.lookback).join('/')}, ` +
      `backend ${r.backend}${r.threads === null ? '' : ` (${threadsText(r.threads)})`} (mean over origins)`,
  ];
  lines.push(['method'.padEnd(15), ...names.map((k) => k.toUpperCase().padStart(10))].join(''));
  for (const [m, s] of Object.entries(r.mean)) lines.push([m.padEnd(15), ...names.map((k) => metricText(s[k]).padStart(10))].join(''));
  lines.push(...intervalTable(r.mean, r.origins.every((o) => o.intervals) ? null : 'the model has none at some origins: too short a history'));
  lines.push(...stepCoverageLines(r.coverage_by_step.model));
  const uses = r.origins.filter((o) => o.pretrained !== undefined);
  if (uses.length)
    lines.push(
      `pretrained forecaster: ${uses.map((o) => useText(o.pretrained!, o.theta, o.holt, o.ets)).join(', ')} (by origin, chosen on the validation rows before each)`,
    );
  else if (r.origins.some((o) => o.holt || o.ets))
    lines.push(`forecast: ${r.origins.map((o) => useText('model', false, o.holt, o.ets)).join(', ')} (by origin)`);
  const phi = r.origins.find((o) => o.damping !== undefined)?.damping;
  if (phi !== undefined) lines.push(`trend damped: phi ${phi} (model.damping)`);
  lines.push(`${seconds.toFixed(1)} s`);
  return lines.join('\n') + '\n';
}

/** The model's coverage step by step ahead, one line per level: `coverage by step ahead, 95%: 100 100 67 ...` (percent over the origins). */
function stepCoverageLines(byLevel: Record<string, (number | null)[]> | undefined): string[] {
  if (!byLevel) return [];
  return Object.entries(byLevel).map(
    ([level, pct]) => `model coverage by step ahead, ${level}%: ${pct.map((v) => (v === null ? '-' : v.toFixed(0))).join(' ')}`,
  );
}

function fixed3(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  return x.toFixed(3);
}

/** `rnnfc backtest` on a panel: the same protocol for every series, scores per series and pooled. */
async function backtestPanelCommand(cfg: Config, opts: BacktestCommandOptions, t0: number): Promise<void> {
  const { panel } = readConfiguredPanel(cfg, opts);
  const H = cfg.window.horizon;
  const season = opts.season ?? evaluationSeason(cfg.evaluation.season, panel.frequency);
  const step = opts.step ?? defaultStep(H);
  const origins = opts.origins ?? 3;
  const scfg: Config = { ...cfg, evaluation: { ...cfg.evaluation, season } };
  const quiet = Boolean(opts.quiet || opts.json);
  const r = await withInterrupt((signal) =>
    backtestPanel(scfg, panel.members, {
      scope: cfg.model.scope,
      origins,
      step,
      configless: !opts.config,
      settingsFor: (scope) => panelSettingsFor({ ...scfg, model: { ...scfg.model, scope } }, panel.frequency, defaultsOptions({ ...opts, plot: undefined })),
      // config-less without --scope: each origin's scope is chosen from the rows before it
      choose: !opts.config && opts.scope === undefined,
      ...computeOptions(cfg, opts),
      signal,
      onOrigin: quiet ? undefined : (k, of, s) => process.stderr.write(`origin ${k + 1}/${of} over ${panel.members.length} series (${s.toFixed(1)} s)\n`),
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const gates = checkGates(r.pooled, opts);
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({
        schema: jsonSchema('backtest'),
        data: cfg.data.path,
        // a wide panel's targets, as its config lists them
        target: cfg.data.targets ?? cfg.data.target,
        id_columns: panel.idColumns,
        scope: r.choices.every((c) => c.scope === r.choices[0].scope) ? r.choices[0].scope : 'mixed',
        scopes: r.choices.map(roundChoice),
        horizon: r.horizon,
        season,
        step: r.step,
        origins,
        epochs: cfg.training.epochs,
        backend: r.backend,
        threads: r.threads,
        seconds: Number(seconds.toFixed(3)),
        series: r.series,
        failed: r.failed,
        pooled: Object.fromEntries(Object.entries(r.pooled).map(([m, v]) => [m, roundScores(v)])),
        coverage_by_step: r.coverage_by_step,
        ...gatesField(gates),
      }) + '\n',
    );
  } else if (!opts.quiet) printPanelTable(r, origins, H, step, season, seconds, gates);
  enforceGates(gates, `the origins (the mean over the series of their means over ${origins} origins)`);
}

function printPanelTable(r: PanelBacktestResult, origins: number, H: number, step: number, season: number, seconds: number, gates: GateResult[]): void {
  const names = ['mae', 'rmse', 'smape', 'mase', 'rel_mase'] as const;
  const lines = [
    `rolling-origin backtest of ${r.series.length} series (scope by origin: ${r.choices.map((c) => c.scope).join('/')}): ${origins} origins, horizon ${H}, step ${step}, MASE season ${season}` +
      `${r.failed.length ? `, ${r.failed.length} series-origins skipped` : ''} (series means over origins, pooled; REL_MASE: geometric mean of MASE relative to seasonal naive)`,
    ['method'.padEnd(15), ...names.map((k) => k.toUpperCase().padStart(10))].join(''),
  ];
  for (const [m, s] of Object.entries(r.pooled)) lines.push([m.padEnd(15), ...names.map((k) => metricText(s[k] ?? null).padStart(10))].join(''));
  lines.push(...intervalTable(r.pooled, null));
  lines.push(...stepCoverageLines(r.coverage_by_step.model));
  lines.push(...gatesText(gates, colourOn(process.stdout)));
  lines.push(`${seconds.toFixed(1)} s`);
  process.stdout.write(lines.join('\n') + '\n');
}
