import { PanelRunBuilder, roundChoice } from '../artifacts/panel-writer.js';
import { loadPretrained } from '../artifacts/pretrained-files.js';
import { gradientFlowField, membersFields, networkState, pretrainedFields, roundScores, runFiles } from '../artifacts/run-writer.js';
import { transformsFlow } from '../config/render.js';
import { type Config, isPanel } from '../config/types.js';
import { keyText } from '../data/panel.js';
import { gapsText } from '../data/parse-csv.js';
import { formatTime, futureTimes, isNumericIndex } from '../data/time.js';
import { DataError, UsageError } from '../errors.js';
import { panelSettingsFor, settingsFor } from '../forecast/defaults.js';
import { type FitResult, fitSeries } from '../forecast/fit.js';
import { chooseScope, fitPanel, type PanelFitResult, type Scope, type ScopeChoice } from '../forecast/panel-fit.js';
import { useText } from '../forecast/pretrained.js';
import { inputName } from '../io/input-file.js';
import { tfjsVersion } from '../model/backend.js';
import { colourOn, paint } from '../output/colour.js';
import { formatNumber } from '../output/csv.js';
import { startPlotRenderer } from '../output/plot-renderer.js';
import { spreadFields } from '../output/spread.js';
import { resolveShard, shardOf } from '../panel/shard.js';
import { staticsFacts, staticsText } from '../panel/statics.js';
import type { FlowReport } from '../train/gradient-flow.js';
import type { Gaps, Series } from '../types.js';
import {
  computeOptions,
  configFromOptions,
  type DataFlagOptions,
  defaultsOptions,
  interactive,
  intervalTable,
  jsonSchema,
  metricText,
  progressPrinter,
  readConfiguredInput,
  readConfiguredPanel,
  threadsText,
  withInterrupt,
} from './common.js';
import { baselineWarnings, checkGates, enforceGates, type GateOptions, type GateResult, gatesField, gatesText } from './gates.js';
import { checkRunOutput, reserveRunOutput } from './run-output.js';

export interface TrainOptions extends DataFlagOptions, GateOptions {
  /** A panel: train only the series of shard i of n (`i/n`); default: the scheduler's array task, else every series. */
  shard?: string;
  out?: string;
  overwrite?: boolean;
}

/** `rnnfc train`: options -> config and series -> fit (forecast/fit.ts) -> run directory -> summary. */
export async function trainCommand(opts: TrainOptions): Promise<void> {
  const t0 = performance.now();
  const flagged = configFromOptions(opts);
  checkRunOutput(opts, flagged);
  // the plots' modules load on the other core while this one reads the data and trains
  if (flagged.output.plot) startPlotRenderer();
  if (isPanel(flagged.data)) return trainPanel(flagged, opts, t0);
  if (opts.shard !== undefined) throw new UsageError('--shard splits the series of a panel (data.id_column); this data is one series');

  const { series, sha256 } = readConfiguredInput(flagged, opts);
  // Without a config file, the settings the config-less backtest measures (flags still win);
  // the run's config.yaml records what was chosen.
  const cfg = settingsFor(flagged, series, defaultsOptions(opts));
  // a missing or damaged pretrained forecaster is refused before anything trains
  if (cfg.model.pretrained !== 'none') loadPretrained(cfg.model.pretrained);
  const out = await reserveRunOutput(opts, cfg);
  const result = await withInterrupt((signal) =>
    fitSeries(cfg, series, {
      ...computeOptions(cfg, opts),
      signal,
      onEvent: progressPrinter(opts),
    }),
  );
  const files = await runFiles(cfg, series, result, {
    dataSha256: sha256,
    tfjsVersion: tfjsVersion(),
    totalSeconds: (performance.now() - t0) / 1000,
  });
  await out.commit(files);
  // the gates are checked once the run is written: a failed gate keeps the run to look at
  const gates = checkGates(result.metrics, opts);
  report(opts, out.dir, result, gates, cfg, futureTimesOf(series, result.future.length), series.gaps, opts.config ? undefined : cfg);
  enforceGates(gates, 'the test part');
}

/** The instants of the `steps` rows after the last one, as --json writes times: numbers for an integer index, else text. */
function futureTimesOf(series: Series, steps: number): (string | number)[] {
  const idx = series.index;
  return futureTimes(idx, steps).map((t) =>
    isNumericIndex(idx.format) ? Number(formatTime(t, idx.format, idx.offset)) : formatTime(t, idx.format, idx.offset),
  );
}

function report(
  opts: TrainOptions,
  outDir: string,
  r: FitResult,
  gates: GateResult[],
  cfg: Config,
  futureAt: (string | number)[],
  gaps?: Gaps,
  chosen?: Config,
): void {
  const warnings = baselineWarnings(r.metrics, 'the test part');
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({
        schema: jsonSchema('train'),
        run: outDir,
        backend: r.backend,
        ...(r.adapter ? { adapter: r.adapter } : {}),
        threads: r.threads,
        epochs_run: r.history.length,
        best_epoch: r.bestEpoch,
        ...membersFields(r),
        train_seconds: Number(r.trainSeconds.toFixed(3)),
        ...(r.pretrained ? { pretrained: pretrainedFields(r.pretrained) } : {}),
        ...(r.io.holt ? { holt: true } : {}),
        ...(r.io.ets ? { ets: true } : {}),
        ...(r.io.damping !== undefined ? { damping: r.io.damping } : {}),
        ...(gaps ? { gaps } : {}),
        metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, roundScores(v)])),
        ...(r.gradientFlow ? { gradient_flow: gradientFlowField(r.gradientFlow.report) } : {}),
        // the forecast after the last row, as predict gives it
        future: futureAt.map((time, i) => ({ time, forecast: Number(formatNumber(r.future[i])), ...spreadFields(r.futureSpread, i) })),
        ...gatesField(gates),
        ...(warnings.length ? { warnings } : {}),
      }) + '\n',
    );
    return;
  }
  if (opts.quiet) return;
  const names = ['mae', 'rmse', 'mape', 'smape', 'mase'] as const;
  const k = r.test.origins.length;
  const from = k > 1 ? `in ${k} rolling forecasts from the actual data` : 'from the test origin';
  const filled = gapsText(gaps);
  const lines = filled ? [`data: ${filled}`] : [];
  lines.push(`test metrics (${r.test.actual.length} steps ${from}, MASE season ${r.season}):`);
  lines.push(['method'.padEnd(15), ...names.map((k) => k.toUpperCase().padStart(10))].join(''));
  for (const [m, s] of Object.entries(r.metrics)) lines.push([m.padEnd(15), ...names.map((k) => metricText(s[k]).padStart(10))].join(''));
  lines.push(
    ...intervalTable(r.metrics, r.io.intervals ? conformalInstead(cfg, r.io.intervals.method) : 'the model has none: its history is too short to size them'),
  );
  lines.push(...warnings.map((w) => paint(w, 'yellow', colourOn(process.stdout))));
  if (chosen) lines.push(`settings chosen from the data: ${chosenText(chosen, r)}`);
  if (r.pretrained) {
    const v = r.pretrained.validation;
    const why = v
      ? `lowest validation MAE: model ${metricText(v.model)}, pretrained ${metricText(v.pretrained)}${v.theta !== undefined ? `, theta ${metricText(v.theta)}` : ''}${v.holt !== undefined ? `, holt ${metricText(v.holt)}` : ''}${v.model_holt !== undefined ? `, model + holt ${metricText(v.model_holt)}` : ''}, mean ${metricText(v.mean)}`
      : 'no validation rows to choose by';
    lines.push(
      `forecast: ${useText(r.pretrained.use, r.io.pretrained?.theta, r.io.holt !== undefined, r.io.ets !== undefined)} (pretrained forecaster ${r.pretrained.model.name}; ${why})`,
    );
  } else if (r.io.holt || r.io.ets)
    lines.push(
      `forecast: ${useText('model', false, r.io.holt !== undefined, r.io.ets !== undefined)} (${[r.io.holt ? 'model.holt' : '', r.io.ets ? 'model.ets' : ''].filter(Boolean).join(', ')})`,
    );
  if (r.io.damping !== undefined) lines.push(`trend damped: phi ${r.io.damping} (model.damping)`);
  if (r.gradientFlow) lines.push(flowText(r.gradientFlow.report, colourOn(process.stdout)));
  const th = r.threads === null ? '' : `, ${threadsText(r.threads)}`;
  // early stopping: where it stopped and whose weights were kept
  const epochs = cfg.training.epochs;
  const ran =
    r.history.length < epochs
      ? `stopped early after ${r.history.length} of ${epochs} epochs, restored epoch ${r.bestEpoch}`
      : `${r.history.length} epochs, best ${r.bestEpoch}`;
  const on = r.adapter ? ` on ${r.adapter}` : '';
  lines.push(`wrote ${outDir} (backend ${r.backend}${on}${th}, ${ran}, ${r.trainSeconds.toFixed(1)} s)`);
  lines.push(...gatesText(gates, colourOn(process.stdout)));
  process.stdout.write(lines.join('\n') + '\n');
}

/** The gradient-flow verdict in one line (the summary's and rnnfc inspect's): the verdict, why, and what to try. */
/** What the summary says where evaluation.intervals asked for a spread-scaled method and the run could not use it (null where it did, or did not ask). */
export function conformalInstead(cfg: Pick<Config, 'evaluation'>, method: string): string | null {
  const asked = cfg.evaluation.intervals;
  if (!asked || method === asked) return null;
  const why =
    asked === 'ensemble'
      ? 'evaluation.intervals ensemble needs two or more forecasts averaged, and this forecast is one (training.ensemble of 2 or more makes several)'
      : "the network's quantile heads did not spread at some step";
  return `sized from the errors alone (${method}): ${why}`;
}

export function flowText(f: Pick<FlowReport, 'verdict' | 'reason' | 'advice'>, colour: boolean): string {
  const line = `gradient flow: ${f.verdict}: ${f.reason}${f.advice.length ? `; try ${f.advice.join(', or ')}` : ''}`;
  return f.verdict === 'healthy' ? line : paint(line, 'yellow', colour);
}

/**
 * What the config-less defaults chose, in one line (config.yaml has it all): the transforms, the
 * lookback, the ridge penalty, the validation rows and what became of the network beside the
 * linear path (trained and kept, kept at zero because the linear path alone did better on
 * validation, or not trained for want of validation rows).
 */
export function chosenText(cfg: Config, r: Pick<FitResult, 'history' | 'bestEpoch'>): string {
  const transforms = cfg.transforms.length ? transformsFlow(cfg.transforms).replace(/[{}]/g, '').replace(/: /g, ' ') : 'none';
  const cell = cfg.model.cell.toUpperCase();
  const network = {
    alone: `${cell} trained alone`,
    untrained: `${cell} not trained (no validation rows to judge it by): the linear path alone`,
    zero: `${cell} left at zero (the linear path alone did better on validation)`,
    kept: `${cell} correction kept (epoch ${r.bestEpoch})`,
  }[networkState(cfg, r)];
  return `transforms ${transforms}; lookback ${cfg.window.lookback}; ridge ${Number(cfg.model.ridge.toPrecision(3))}; ${cfg.training.validation_size} validation rows; ${network}`;
}

/** `rnnfc train` on a panel (data.id_column): every series fitted, one run directory, pooled and per-series scores. */
async function trainPanel(flagged: Config, opts: TrainOptions, t0: number): Promise<void> {
  let cfg = flagged;
  const shard = resolveShard(opts.shard, process.env);
  if (shard && cfg.model.scope === 'global')
    throw new UsageError(
      `${shard.source}: a global model trains on every series at once; train it unsharded, then shard its forecasts (rnnfc predict --shard)`,
    );
  const { panel, sha256 } = readConfiguredPanel(cfg, opts);
  const members = shard ? panel.members.filter((m) => shardOf(m.key, shard.count) === shard.index) : panel.members;
  const out = await reserveRunOutput(opts, cfg);
  const show = interactive(opts);
  // config-less and unsharded, without --scope: the scope that measures better before the test origin
  const settingsFor = (scope: Scope) => panelSettingsFor({ ...cfg, model: { ...cfg.model, scope } }, panel.frequency, defaultsOptions(opts));
  let choice: ScopeChoice | undefined;
  if (!opts.config && opts.scope === undefined && !shard) {
    if (show) process.stderr.write('choosing between local models and a global one...\n');
    choice = await withInterrupt((signal) => chooseScope(cfg, members, { ...computeOptions(cfg, opts), signal, configless: true, settingsFor }));
    cfg = { ...cfg, model: { ...cfg.model, scope: choice.scope } };
  }
  // each series becomes the run's text as soon as it is fitted (a large panel is not held as fits)
  const built = new PanelRunBuilder(cfg, cfg.model.scope, {
    idColumns: panel.idColumns,
    timeColumn: panel.members[0].series.timeColumn,
    configless: !opts.config,
    shard: shard ?? undefined,
    scopeChoice: choice,
  });
  const result = await withInterrupt((signal) =>
    fitPanel(cfg, members, {
      ...computeOptions(cfg, opts),
      signal,
      scope: cfg.model.scope,
      configless: !opts.config,
      settings: settingsFor(cfg.model.scope),
      sink: (f) => built.add(f),
      // one network's epochs are worth showing; a local panel shows its series instead
      onEvent: cfg.model.scope === 'global' ? progressPrinter(opts) : undefined,
      onSeries: show ? (e) => process.stderr.write(`\rseries ${e.done}/${e.count}${e.done === e.count ? '\n' : ''}`) : undefined,
    }),
  );
  if (built.count === 0 && result.failed.length > 0) {
    const shown = result.failed.slice(0, 5).map((f) => `${keyText(f.key)}: ${f.reason}`);
    throw new DataError(
      `${inputName(cfg.data.path)}: none of the ${result.failed.length} series could be fitted:\n  ${shown.join('\n  ')}${result.failed.length > 5 ? `\n  and ${result.failed.length - 5} more` : ''}`,
    );
  }
  const files = await built.files(result, {
    dataSha256: sha256,
    tfjsVersion: tfjsVersion(),
    totalSeconds: (performance.now() - t0) / 1000,
  });
  await out.commit(files);
  reportPanel(opts, out.dir, result, built, cfg.window.horizon, choice);
}

function reportPanel(opts: TrainOptions, outDir: string, r: PanelFitResult, built: PanelRunBuilder, horizon: number, choice?: ScopeChoice): void {
  const pooled = built.pooled();
  const gates = checkGates(pooled, opts);
  const failed = r.failed.map((f) => ({ key: f.key, reason: f.reason }));
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({
        schema: jsonSchema('train'),
        run: outDir,
        scope: r.scope,
        ...(choice ? { scope_choice: roundChoice(choice) } : {}),
        ...(r.statics ? { statics: staticsFacts(r.statics) } : {}),
        series: built.count,
        failed,
        pooled,
        ...gatesField(gates),
      }) + '\n',
    );
  } else if (!opts.quiet) printPanelSummary(r, built, pooled, choice, horizon, outDir, gates);
  enforceGates(gates, 'the test parts (the mean over the series)');
}

function printPanelSummary(
  r: PanelFitResult,
  built: PanelRunBuilder,
  pooled: Record<string, Record<string, number | null>>,
  choice: ScopeChoice | undefined,
  horizon: number,
  outDir: string,
  gates: GateResult[],
): void {
  const names = ['mae', 'rmse', 'smape', 'mase', 'rel_mase'] as const;
  const lines = [
    `${built.count} series fitted (${r.scope} model${r.scope === 'local' ? 's' : ''})${r.failed.length ? `, ${r.failed.length} skipped` : ''}`,
    ...(choice ? [choiceText(choice, horizon)] : []),
    ...(r.statics ? [`static inputs: ${staticsText(r.statics)}`] : []),
    ...panelUsesText(built.uses),
    'test metrics pooled over the series (means; REL_MASE: geometric mean of MASE relative to seasonal naive):',
    ['method'.padEnd(15), ...names.map((k) => k.toUpperCase().padStart(10))].join(''),
  ];
  for (const [m, s] of Object.entries(pooled)) lines.push([m.padEnd(15), ...names.map((k) => metricText(s[k] ?? null).padStart(10))].join(''));
  lines.push(...intervalTable(pooled, null));
  for (const f of r.failed.slice(0, 5)) lines.push(`skipped ${keyText(f.key)}: ${f.reason}`);
  if (r.failed.length > 5) lines.push(`skipped ${r.failed.length - 5} more (listed in panel.json)`);
  lines.push(`wrote ${outDir}`);
  lines.push(...gatesText(gates, colourOn(process.stdout)));
  process.stdout.write(lines.join('\n') + '\n');
}

/** What the series' forecasts were made of (counts by useText), when any was more than the model's (chosen per series on its validation rows). */
function panelUsesText(counts: ReadonlyMap<string, number>): string[] {
  if (counts.size === 1 && counts.has('the model alone')) return [];
  const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([text, n]) => `${text} for ${n} series`);
  return [`forecasts (chosen on each series' validation rows): ${parts.join('; ')}`];
}

function choiceText(c: ScopeChoice, horizon: number): string {
  if (!Number.isFinite(c.local) || !Number.isFinite(c.global)) return `scope ${c.scope}: too few series long enough to compare local models with a global one`;
  const skips = c.globalSkips ? `; the global model could not fit ${c.globalSkips} of the series` : '';
  return `scope ${c.scope}: chosen on each series' last ${horizon} rows before the test origin (relative MASE: local ${metricText(c.local)}, global ${metricText(c.global)}${skips})`;
}
