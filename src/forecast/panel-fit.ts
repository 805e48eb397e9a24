/**
 * Fitting a panel (many series): `local` fits one model per series with that series' settings;
 * `global` trains one network on the windows pooled from every series. In both, each series keeps
 * its own fitted transforms and window normalisation (windows relative to their last value,
 * divided by a scale fitted on that series' training windows), so series of different levels and
 * scales look alike to a shared network. A series that cannot be fitted (too short, too few
 * windows) is reported and skipped; the others go on.
 */
import type { Config } from '../config/types.js';
import type { PanelMember } from '../data/panel.js';
import { InterruptError, UserError } from '../errors.js';
import type { Predictor } from '../model/predictor.js';
import { encodeStatics, fitStaticEncoding, type StaticEncoding } from '../panel/statics.js';
import type { Series } from '../types.js';
import { type TrainingWindows, withStatics } from '../windows/training-windows.js';
import { truncateSeries } from './backtest.js';
import { defaultRidge } from './defaults.js';
import { evaluateFit, type FitOptions, type FitResult, type PreparedFit, prepareFit, type SavedModel, startEngine, trainMembers } from './fit.js';
import type { FitLimits } from './limits.js';

export const SCOPES = ['local', 'global'] as const;
export type Scope = (typeof SCOPES)[number];

/** A fitted series of a panel. */
export interface PanelSeriesFit {
  key: string[];
  /** The settings the series was fitted with (per series: transforms, lookback, ridge...). */
  cfg: Config;
  series: Series;
  /** Its models are the shared ones for a global panel. */
  result: FitResult;
}

/** A series that could not be fitted, and why (the UserError's message). */
export interface PanelFailure {
  key: string[];
  reason: string;
}

export interface PanelFitResult {
  scope: Scope;
  fits: PanelSeriesFit[];
  failed: PanelFailure[];
  /** Global: the shared model(s) (also each fit's result.models); local: empty. */
  shared: SavedModel[];
  /** Global with data.static_columns: how the series' static values were encoded as inputs. */
  statics?: StaticEncoding;
}

/** What happens during a panel fit, for progress displays: a series was fitted or skipped. */
export type PanelEvent = { kind: 'series'; done: number; count: number; key: string[]; error?: string };

export interface PanelFitOptions extends FitOptions {
  scope: Scope;
  /** The settings of one series: the panel's config with the series' target, adjusted to the series. */
  settings: (cfg: Config, series: Series) => Config;
  onSeries?: (e: PanelEvent) => void;
  /** The settings are the config-less defaults: a global model's ridge penalty is then chosen from the pooled windows. */
  configless?: boolean;
  /**
   * Each fitted series, as soon as it is fitted, instead of the result's `fits` (left empty): a
   * large panel is then not held as fits (train turns each into the run's text at once).
   */
  sink?: (fit: PanelSeriesFit) => void;
}

/** The panel's config for one member: the target of a wide panel's column is the column itself. */
export function memberConfig(cfg: Config, member: PanelMember): Config {
  const target = member.series.target;
  if (target === cfg.data.target) return cfg;
  return { ...cfg, data: { ...cfg.data, target, features: [target] } };
}

/** Longest stretch of series work (ms) between two turns of the event loop. */
const YIELD_MS = 20;

/**
 * A point between series where a stop is seen: every YIELD_MS a turn of the event loop (where a
 * SIGINT or SIGTERM handler runs), then InterruptError once `signal` is aborted. Without it a
 * panel's evaluation, all synchronous work, would hold a signal until every series was done.
 */
export function seriesStopPoint(signal?: AbortSignal): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last > YIELD_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = performance.now();
    }
    if (signal?.aborted) throw new InterruptError();
  };
}

/** Fits every series of a panel (see the file comment). Throws only for what stops every series; an abort of opts.signal, InterruptError. */
export async function fitPanel(cfg: Config, members: PanelMember[], opts: PanelFitOptions): Promise<PanelFitResult> {
  const failed: PanelFailure[] = [];
  const fits: PanelSeriesFit[] = [];
  let fitted = 0;
  const keep = (fit: PanelSeriesFit) => {
    fitted++;
    if (opts.sink) opts.sink(fit);
    else fits.push(fit);
  };
  const count = members.length;
  // static columns are checked before any work, over every series, as rnnfc check checks them
  // (local models do not use them; a global model encodes them over the series it fits)
  const staticNames = cfg.data.static_columns ?? [];
  if (staticNames.length)
    fitStaticEncoding(
      staticNames,
      members.map((m) => m.statics ?? []),
    );
  const engine = await startEngine(cfg, opts);
  const stopPoint = seriesStopPoint(opts.signal);
  const report = (key: string[], error?: string) => opts.onSeries?.({ kind: 'series', done: fitted + failed.length, count, key, error });
  const attempt = <T>(key: string[], f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      failed.push({ key, reason: e.message });
      report(key, e.message);
      return undefined;
    }
  };

  if (opts.scope === 'local') {
    for (const m of members) {
      await stopPoint();
      const settings = attempt(m.key, () => opts.settings(memberConfig(cfg, m), m.series));
      if (!settings) continue;
      let result: FitResult;
      try {
        const prepared = prepareFit(settings, m.series, opts.limits);
        const trained = await trainMembers(engine, settings, prepared.windows, prepared.io.outputs, opts);
        result = await evaluateFit(engine, settings, m.series, prepared, trained, opts);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        failed.push({ key: m.key, reason: e.message });
        report(m.key, e.message);
        continue;
      }
      keep({ key: m.key, cfg: settings, series: m.series, result });
      report(m.key);
    }
    return { scope: 'local', fits, failed, shared: [] };
  }

  // global: every series prepared with its own transforms and scale, on the window shape most
  // series' settings have (a series whose settings need another is too short for it)
  let settled: { m: PanelMember; settings: Config }[] = [];
  for (const m of members) {
    await stopPoint();
    const settings = attempt(m.key, () => opts.settings(memberConfig(cfg, m), m.series));
    if (settings) settled.push({ m, settings });
  }
  const shape = sharedWindow(settled.map((s) => s.settings));
  const prepared: { m: PanelMember; settings: Config; p: PreparedFit }[] = [];
  for (const { m, settings } of settled) {
    await stopPoint();
    const ok = attempt(m.key, () => {
      checkSharedWindow(settings, shape);
      const p = prepareFit(settings, m.series, opts.limits);
      // with windows_per_epoch, training draws at most EPOCHS_OF_WINDOWS epochs' worth of distinct
      // windows: each series keeps an even share (evenly spaced), the rest is let go at once
      const budget = settings.training.windows_per_epoch * EPOCHS_OF_WINDOWS;
      if (budget > 0) p.windows = thinWindows(p.windows, Math.max(1, Math.ceil(budget / members.length)));
      return { m, settings, p };
    });
    if (ok) prepared.push(ok);
  }
  settled = [];
  if (prepared.length === 0) return { scope: 'global', fits, failed, shared: [] };
  // static inputs: encoded over the series that train, then given at every step of their windows
  const statics = staticNames.length
    ? fitStaticEncoding(
        staticNames,
        prepared.map((q) => q.m.statics ?? []),
      )
    : undefined;
  const encoded = statics
    ? prepared.filter((q) =>
        attempt(q.m.key, () => {
          q.p.io.statics = encodeStatics(statics, q.m.statics ?? []);
          q.p.windows = withStatics(q.p.windows, q.p.io.statics);
          return true;
        }),
      )
    : prepared;
  const pooled = poolWindows(
    encoded.map((q) => q.p.windows),
    MAX_VALIDATION_WINDOWS,
  );
  // the pooled copy is what trains; each series' own windows are not needed any more
  for (const q of encoded) q.p.windows = EMPTY_WINDOWS;
  if (encoded !== prepared) prepared.length = 0;
  const base = encoded[0].settings;
  const { lookback, horizon } = base.window;
  // config-less: the linear path's penalty counts the pooled windows (defaults.ts defaultRidge)
  const ridge = opts.configless ? defaultRidge(pooled.xShape[0] + lookback + horizon - 1, lookback, horizon) : base.model.ridge;
  const shared: Config = { ...base, model: { ...base.model, ridge } };
  const trained = await trainMembers(engine, shared, pooled, encoded[0].p.io.outputs, opts);
  // the shared members are opened once for every series
  const { openPredictor } = await import('../model/predictor.js');
  const opened: Predictor[] = [];
  try {
    for (const s of trained.models) opened.push(await openPredictor(s.modelJson, s.weights, { backend: engine.backend, tf: engine.tf }));
    for (let i = 0; i < encoded.length; i++) {
      await stopPoint();
      const { m, settings, p } = encoded[i];
      // each series' prepared data is let go once it is evaluated (a large panel holds much of it)
      encoded[i] = RELEASED;
      keep({ key: m.key, cfg: settings, series: m.series, result: await evaluateFit(engine, settings, m.series, p, trained, opts, opened) });
      report(m.key);
    }
  } finally {
    for (const p of opened) p.dispose();
  }
  return { scope: 'global', fits, failed, shared: trained.models, ...(statics ? { statics } : {}) };
}

/** What stands in the global path's list for a series already evaluated. */
const RELEASED = undefined as unknown as { m: PanelMember; settings: Config; p: PreparedFit };

/** With training.windows_per_epoch W, a global model keeps at most W * EPOCHS_OF_WINDOWS training windows (an even share per series). */
export const EPOCHS_OF_WINDOWS = 64;

const EMPTY_WINDOWS: TrainingWindows = { x: new Float32Array(0), y: new Float32Array(0), xShape: [0, 0, 0], yShape: [0, 0] };

/** At most `keep` of a series' training windows, evenly spaced (its validation windows unchanged). */
export function thinWindows(w: TrainingWindows, keep: number): TrainingWindows {
  const n = w.xShape[0];
  if (n <= keep) return w;
  const xRow = w.x.length / n;
  const yRow = w.y.length / n;
  const x = new Float32Array(keep * xRow);
  const y = new Float32Array(keep * yRow);
  for (let i = 0; i < keep; i++) {
    // the last window (the most recent) is always kept
    const from = n - 1 - Math.floor(((keep - 1 - i) * n) / keep);
    x.set(w.x.subarray(from * xRow, (from + 1) * xRow), i * xRow);
    y.set(w.y.subarray(from * yRow, (from + 1) * yRow), i * yRow);
  }
  return { ...w, x, y, xShape: [keep, ...w.xShape.slice(1)], yShape: [keep, ...w.yShape.slice(1)] };
}

/** Validation windows a global model keeps at most (evenly spaced over the series' ones): its validation loss is computed every epoch. */
export const MAX_VALIDATION_WINDOWS = 4096;

/**
 * The window shape a global model takes for a panel: the (lookback, strategy, horizon) most of the
 * series' many-to-one settings have (on a tie, the longer lookback); undefined when none is many-to-one.
 */
export function sharedWindow(settings: Config[]): Config['window'] | undefined {
  const counts = new Map<string, { w: Config['window']; n: number }>();
  for (const s of settings) {
    const w = s.window;
    if (w.mode !== 'many-to-one') continue;
    const k = `${w.lookback} ${w.strategy} ${w.horizon}`;
    const c = counts.get(k) ?? { w, n: 0 };
    c.n++;
    counts.set(k, c);
  }
  return [...counts.values()].sort((a, b) => b.n - a.n || b.w.lookback - a.w.lookback)[0]?.w;
}

/** Throws a UserError (the series is skipped) unless `settings` have the global model's window shape. */
export function checkSharedWindow(settings: Config, shape: Config['window'] | undefined): void {
  const w = settings.window;
  if (w.mode !== 'many-to-one' || !shape) throw new UserError('a global model needs window.mode many-to-one');
  if (w.lookback !== shape.lookback || w.strategy !== shape.strategy || w.horizon !== shape.horizon)
    throw new UserError(`too short for the global model's windows (lookback ${shape.lookback}, ${shape.strategy} horizon ${shape.horizon})`);
}

/**
 * The training and validation windows of several series, one after another (they share a shape);
 * of more than `maxValidation` validation windows, that many evenly spaced ones.
 */
export function poolWindows(parts: TrainingWindows[], maxValidation = Infinity): TrainingWindows {
  const [, steps, features] = parts[0].xShape;
  const outputs = parts[0].yShape.slice(1);
  const cat = (arrays: (Float32Array | undefined)[]) => {
    const out = new Float32Array(arrays.reduce((a, x) => a + (x?.length ?? 0), 0));
    let i = 0;
    for (const x of arrays)
      if (x) {
        out.set(x, i);
        i += x.length;
      }
    return out;
  };
  const n = parts.reduce((a, p) => a + p.xShape[0], 0);
  const nVal = parts.reduce((a, p) => a + (p.nVal ?? 0), 0);
  const out: TrainingWindows = {
    x: cat(parts.map((p) => p.x)),
    y: cat(parts.map((p) => p.y)),
    xShape: [n, steps, features],
    yShape: [n, ...outputs],
  };
  if (nVal > 0) {
    out.xVal = cat(parts.map((p) => p.xVal));
    out.yVal = cat(parts.map((p) => p.yVal));
    out.nVal = nVal;
    if (nVal > maxValidation) {
      const xRow = steps * features;
      const yRow = out.yVal.length / nVal;
      const keep = Math.floor(maxValidation);
      const xv = new Float32Array(keep * xRow);
      const yv = new Float32Array(keep * yRow);
      for (let i = 0; i < keep; i++) {
        const from = Math.floor((i * nVal) / keep);
        xv.set(out.xVal.subarray(from * xRow, (from + 1) * xRow), i * xRow);
        yv.set(out.yVal.subarray(from * yRow, (from + 1) * yRow), i * yRow);
      }
      out.xVal = xv;
      out.yVal = yv;
      out.nVal = keep;
    }
  }
  return out;
}

/**
 * A series new to a global model (zero-shot): its transforms and window scale fitted on all its
 * rows, with the settings the panel's series got, checked against the shared network's windows.
 * Throws a UserError when the series is too short or its settings need other windows.
 */
export function prepareNewSeries(
  settings: Config,
  series: Series,
  shared: { lookback: number; horizon: number; strategy: string },
  limits?: FitLimits,
): PreparedFit {
  checkSharedWindow(settings, {
    ...settings.window,
    mode: 'many-to-one',
    lookback: shared.lookback,
    horizon: shared.horizon,
    strategy: shared.strategy as Config['window']['strategy'],
  });
  const all: Config = { ...settings, evaluation: { ...settings.evaluation, test_size: 0 }, training: { ...settings.training, validation_size: 0 } };
  return prepareFit(all, series, limits);
}

/** How a config-less panel's scope was chosen: each scope's pooled score on the inner holdout. */
export interface ScopeChoice {
  scope: Scope;
  /** Geometric mean over the series of MASE relative to seasonal naive, on the H rows before the test origin (NaN: not measurable). */
  local: number;
  global: number;
  /** Series the local models fit that the global one could not (too short for its windows): global is then not chosen. */
  globalSkips: number;
}

/**
 * The config-less choice between one model per series and one global network: both are fitted on
 * each series' rows before its last H before the test origin (the test rows stay unseen) and
 * scored on those H rows. Global is chosen when it fits every series local fits and its score,
 * the geometric mean of MASE relative to seasonal naive over the series both fit, is lower. A
 * panel of fewer than two series long enough for this stays local.
 */
export async function chooseScope(
  cfg: Config,
  members: PanelMember[],
  opts: Omit<PanelFitOptions, 'scope' | 'settings'> & { settingsFor: (scope: Scope) => PanelFitOptions['settings'] },
): Promise<ScopeChoice> {
  const H = cfg.window.horizon;
  const test = cfg.evaluation.test_size;
  const inner = members
    .filter((m) => m.series.index.times.length - test > H + 1)
    .map((m) => ({ key: m.key, series: truncateSeries(m.series, m.series.index.times.length - test) }));
  if (inner.length < 2) return { scope: 'local', local: NaN, global: NaN, globalSkips: 0 };
  const fit = (scope: Scope) =>
    fitPanel({ ...cfg, evaluation: { ...cfg.evaluation, test_size: H } }, inner, {
      ...opts,
      scope,
      settings: opts.settingsFor(scope),
      future: false,
      onSeries: undefined,
      onEvent: undefined,
    });
  const [local, global] = [await fit('local'), await fit('global')];
  const ratio = (r: PanelFitResult) => new Map(r.fits.map((f) => [JSON.stringify(f.key), f.result.metrics.model.mase / f.result.metrics.seasonal_naive.mase]));
  const lr = ratio(local),
    gr = ratio(global);
  const both = [...lr.keys()].filter((k) => gr.has(k) && Number.isFinite(Math.log(lr.get(k)!)) && Number.isFinite(Math.log(gr.get(k)!)));
  const gmean = (m: Map<string, number>) => (both.length ? Math.exp(both.reduce((a, k) => a + Math.log(m.get(k)!), 0) / both.length) : NaN);
  const globalSkips = [...lr.keys()].filter((k) => !gr.has(k)).length;
  const l = gmean(lr),
    g = gmean(gr);
  return { scope: globalSkips === 0 && g < l ? 'global' : 'local', local: l, global: g, globalSkips };
}
