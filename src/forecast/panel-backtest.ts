/**
 * Rolling-origin evaluation of a panel, by the protocol of backtest.ts applied to each series:
 * at origin k, every series is cut at its own end_i = n_i - H - k*step (plus the H rows scored),
 * the whole panel is refitted on what comes before (one network for a global panel, one model per
 * series for a local one) and each series' next H points are forecast in one go. Scores are per
 * series (means over the origins), then pooled over the series (metrics/pooled.ts).
 */
import type { Config } from '../config/types.js';
import type { PanelMember } from '../data/panel.js';
import { formatTime } from '../data/time.js';
import { coverageByStep, type StepCoverage } from '../metrics/interval-scores.js';
import { poolScores } from '../metrics/pooled.js';
import {
  choiceFields,
  describeTransform,
  intervalsField,
  type MethodScores,
  meanScores,
  type OriginResult,
  partsField,
  pick,
  truncateSeries,
} from './backtest.js';
import type { FitOptions } from './fit.js';
import { chooseScope, fitPanel, type PanelFitOptions, type Scope, type ScopeChoice } from './panel-fit.js';

export interface PanelBacktestOptions extends Pick<FitOptions, 'engine' | 'layers' | 'signal' | 'limits'> {
  scope: Scope;
  origins: number;
  step: number;
  /** The settings of a series cut at an origin (its last H rows are the ones scored), for a scope. */
  settingsFor: (scope: Scope) => PanelFitOptions['settings'];
  /** Choose the scope at each origin from the rows before it (chooseScope) instead of using `scope`. */
  choose?: boolean;
  configless?: boolean;
  /** Called as each origin is done: k (0-based) of `of`, the seconds it took. */
  onOrigin?: (k: number, of: number, seconds: number) => void;
}

export interface PanelSeriesBacktest {
  key: string[];
  origins: OriginResult[];
  /** Mean of each score over the origins this series was fitted at. */
  mean: Record<string, MethodScores>;
}

export interface PanelBacktestResult {
  scope: Scope;
  /** The scope of each origin, and with opts.choose the scores it was chosen by (chooseScope). */
  choices: ScopeChoice[];
  horizon: number;
  step: number;
  backend: string;
  threads: number | null;
  series: PanelSeriesBacktest[];
  /** Series (and origins) that could not be fitted, and why. */
  failed: { key: string[]; origin: number; reason: string }[];
  /** Per method: mean of the series' mean scores, and rel_mase (geometric mean of MASE relative to seasonal naive). */
  pooled: Record<string, Record<string, number>>;
  /** Coverage step by step ahead, pooled over every series and origin (metrics/interval-scores.ts coverageByStep). */
  coverage_by_step: Record<string, Record<string, (number | null)[]>>;
}

/** Runs the K origins over every series of the panel (see the file comment). */
export async function backtestPanel(cfg: Config, members: PanelMember[], opts: PanelBacktestOptions): Promise<PanelBacktestResult> {
  const H = cfg.window.horizon;
  const ocfg: Config = { ...cfg, evaluation: { ...cfg.evaluation, test_size: H } };
  const bySeries = new Map<string, PanelSeriesBacktest>(members.map((m) => [JSON.stringify(m.key), { key: m.key, origins: [], mean: {} }]));
  const failed: PanelBacktestResult['failed'] = [];
  const choices: ScopeChoice[] = [];
  let backend = '';
  let threads: number | null = null;
  const steps: StepCoverage[] = [];
  for (let k = 0; k < opts.origins; k++) {
    const t0 = performance.now();
    const parts: PanelMember[] = [];
    for (const m of members) {
      const end = m.series.index.times.length - H - k * opts.step;
      if (end < 2)
        failed.push({ key: m.key, origin: k, reason: `too short for origin ${k + 1}: ${m.series.index.times.length} rows, horizon ${H}, step ${opts.step}` });
      else parts.push({ key: m.key, series: truncateSeries(m.series, end + H) });
    }
    const choice = opts.choose ? await chooseScope(ocfg, parts, { ...opts, configless: opts.configless }) : null;
    const scope = choice?.scope ?? opts.scope;
    choices.push(choice ?? { scope, local: NaN, global: NaN, globalSkips: 0 });
    const r = await fitPanel(ocfg, parts, { ...opts, scope, settings: opts.settingsFor(scope), future: false, configless: opts.configless });
    for (const f of r.failed) failed.push({ key: f.key, origin: k, reason: f.reason });
    for (const f of r.fits) {
      ({ backend, threads } = f.result);
      steps.push(f.result.stepCoverage);
      const idx = f.series.index;
      const end = f.result.split.valEnd;
      const metrics: Record<string, MethodScores> = {};
      for (const [name, s] of Object.entries(f.result.metrics)) metrics[name] = pick(s as unknown as Record<string, number>);
      bySeries.get(JSON.stringify(f.key))!.origins.push({
        origin: formatTime(idx.times[end], idx.format, idx.offset),
        train_end: end,
        lookback: f.cfg.window.lookback,
        transforms: f.cfg.transforms.map(describeTransform),
        ...choiceFields(f.result),
        forecast: Array.from(f.result.test.forecast),
        parts: partsField(f.result.test.parts),
        actual: Array.from(f.result.test.actual),
        ...intervalsField(f.result.test.spread),
        metrics,
      });
    }
    opts.onOrigin?.(k, opts.origins, (performance.now() - t0) / 1000);
  }
  const series = [...bySeries.values()].filter((s) => s.origins.length > 0);
  for (const s of series) s.mean = meanScores(s.origins);
  const pooled = poolScores(series.map((s) => s.mean));
  return { scope: opts.scope, choices, horizon: H, step: opts.step, backend, threads, series, failed, pooled, coverage_by_step: coverageByStep(steps) };
}
