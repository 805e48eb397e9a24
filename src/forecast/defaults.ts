/**
 * The config-less defaults (rnnfc backtest and rnnfc train without a config file): window
 * length, validation rows, ridge penalty and transforms chosen from the rows the model may see.
 */
import type { Config } from '../config/types.js';
import { evaluationSeason } from '../metrics/season.js';
import { differenceLag } from '../transforms/pipeline.js';
import type { Series } from '../types.js';
import { chooseWindowTransforms } from './auto.js';
import { onlyTargetInput } from './forecast.js';

/**
 * Default lookback when neither a config file nor --lookback sets one: two seasons (2m) when
 * that is at most 256 steps, else one (longer windows cost too much recurrent time), and at
 * least max(H, 8); capped so that at least MIN_WINDOWS training windows remain in the `end` rows
 * the model may see (short series get shorter windows, down to 1 step).
 */
export function defaultLookback(cfg: Config, end: number, horizon: number, season: number): number {
  const want = wantedLookback(season, horizon);
  const diffOffset = differenceLag(cfg.transforms);
  const trainEnd = end - cfg.training.validation_size;
  const cap = trainEnd - diffOffset - horizon - (MIN_WINDOWS - 1);
  return Math.max(1, Math.min(want, cap));
}

/** The lookback defaultLookback starts from, before any cap: two seasons (one when 2m > 256), at least max(H, 8). */
export function wantedLookback(season: number, horizon: number): number {
  const seasons = season > 1 ? (2 * season <= 256 ? 2 * season : season) : 0;
  return Math.max(seasons, horizon, 8);
}

/**
 * Training windows the default lookback leaves at least (when the series allows). 10 rather
 * than 30 measured better on short series (with 30, a 72-row monthly series with horizon 18 got
 * a lookback of 1) and leaves long ones as they were; 6 and 15 measured worse on the R series
 * (suite 0.963 and 0.988 against 0.938).
 */
export const MIN_WINDOWS = 10;

/**
 * Validation rows for the config-less defaults: the horizon (one validation window), unless
 * holding them out leaves fewer than MIN_WINDOWS training windows of lookback 1, or (when the
 * lookback is the default) makes defaultLookback shorter than it would be without them. A short
 * series' last rows are worth more as training windows and a longer window than as one
 * validation window, whose only use is to decide whether to keep the network's correction of the
 * linear path; without validation that correction stays at zero (nothing can show it helps).
 * Measured on 16 series of R's datasets: suite 0.994 -> 0.938 (airmiles 2.87 -> 1.38 MASE,
 * uspop 1.56 -> 1.37); series long enough for their lookback keep their validation rows.
 */
export function defaultValidation(cfg: Config, end: number, horizon: number, season: number, lookback?: number): number {
  if (end - horizon - horizon < MIN_WINDOWS) return 0;
  if (lookback !== undefined) return horizon;
  const withRows = (rows: number) => defaultLookback({ ...cfg, training: { ...cfg.training, validation_size: rows } }, end, horizon, season);
  return withRows(horizon) < withRows(0) ? 0 : horizon;
}

/**
 * Default relative ridge penalty of the linear path: max(0.03 (L + 1), 10) / (training windows),
 * within [1e-4, 1]. The penalty is then worth about max(0.03 (L + 1), 10) average windows, so
 * short series (few windows per coefficient) are shrunk hard towards the last value (with the
 * windows normalised by it, a zero output is the naive forecast), long ones hardly at all. The
 * floor of 10 windows' worth: on 16 short and medium series of R's datasets the suite score went
 * from 1.13 to 1.01 (one 24-row yearly series from 9.4 to 3.3 MASE), on the six visible series
 * from 0.815 to 0.809.
 */
export function defaultRidge(trainEnd: number, lookback: number, horizon: number): number {
  const windows = Math.max(1, trainEnd - lookback - horizon + 1);
  return Math.min(1, Math.max(1e-4, Math.max(0.03 * (lookback + 1), 10) / windows));
}

/**
 * The config-less defaults, chosen per origin from the rows the model may see (`seen`, the
 * `end` rows before the origin): windows normalised by their last value; a ridge-fitted linear
 * path beside the recurrent stack (defaultRidge), which the network corrects where that helps
 * on validation; mean absolute error as the training loss; the lookback (unless given); the
 * transforms (log, deseasonalize) from the data (forecast/auto.ts chooseWindowTransforms); the
 * pretrained forecaster beside the model (model.pretrained, default CONFIGLESS_PRETRAINED; `none`
 * turns it off); the final forecast's trend damped (model.damping, default CONFIGLESS_DAMPING; 1
 * turns it off).
 */
export function autoConfigFor(
  season: number,
  lookback?: number,
  pretrained: string = CONFIGLESS_PRETRAINED,
  damping: number = CONFIGLESS_DAMPING,
  theta: boolean = CONFIGLESS_THETA,
  holt: boolean = CONFIGLESS_HOLT,
  ets?: boolean,
): (c: Config, seen: Series, end: number) => Config {
  return (c, seen, end) => {
    const base: Config = {
      ...c,
      transforms: [],
      window: { ...c.window, mode: 'many-to-one', strategy: 'direct', normalize: 'last' },
      model: { ...c.model, linear: true, pretrained, damping, theta: theta && pretrained !== 'none', holt, ets: ets ?? end < CONFIGLESS_ETS_BELOW },
      // MASE, the score, is an absolute error: training on it measured slightly better
      // (suite 0.811 vs 0.817; gold 1.79 -> 1.69, sunspots 0.63 -> 0.59, co2 0.227 -> 0.238)
      training: { ...c.training, loss: 'mae' },
    };
    const transforms = chooseWindowTransforms(seen.columns[c.data.target].subarray(0, end), season, c.window.horizon);
    // Fewer rows than one window of lookback 1 and the whole horizon needs (H + 1): a one-step
    // model (windows of 2 rows) whose forecast is fed back (strategy recursive), which needs the
    // target to be the only input (otherwise train reports the shortage).
    if (end < c.window.horizon + 1 && end >= 2 && onlyTargetInput(c.data.features, c.data.target)) {
      return {
        ...base,
        transforms,
        training: { ...base.training, validation_size: 0 },
        model: { ...base.model, ridge: defaultRidge(end, 1, 1) },
        window: { ...base.window, lookback: 1, chunk: 1, strategy: 'recursive' },
      };
    }
    base.training = { ...base.training, validation_size: defaultValidation(base, end, c.window.horizon, season, lookback) };
    const L = lookback ?? defaultLookback(base, end, c.window.horizon, season);
    const ridge = defaultRidge(end - base.training.validation_size, L, c.window.horizon);
    return { ...base, transforms, model: { ...base.model, ridge }, window: { ...base.window, lookback: L, chunk: L } };
  };
}

/**
 * The pretrained forecaster of the config-less defaults: the shipped one. Its forecast is averaged
 * with the model's unless the model alone forecasts the validation rows better (forecast/pretrained.ts).
 * Measured with `bench/accuracy.js --pretrained builtin` against `--pretrained none` (geometric
 * mean of MASE relative to Comb, three rolling origins): the TSDL tuning part (109 series, never
 * pretrained on) 1.008 -> 0.990 (monthly 1.030 -> 0.937, yearly 0.946 -> 0.938, quarterly 1.158 ->
 * 1.185, other 1.003 -> 1.010); R's short set 0.938 -> 0.939, tiny 0.798 -> 0.778, holdout 0.942
 * -> 0.931; the six shipped series 0.811 -> 0.823. Averaging always instead measured 0.981 on the
 * tuning part but 0.951 on the six shipped series (their own models are far better than the
 * pretrained network there); choosing among the model, the network alone and the mean, 1.006.
 */
export const CONFIGLESS_PRETRAINED = 'builtin';

/**
 * Whether the Theta method (forecast/theta.ts) joins the mean of the config-less defaults
 * (model.theta): no. Measured with `bench/accuracy.js --theta on` against `--theta off` (geometric
 * mean of MASE relative to Comb): the TSDL tuning part 0.990 -> 0.988, its short histories
 * (`bench/tsdl-eval.js --part tune --short`, one origin) 1.064 -> 1.048, the six shipped series
 * 0.823 -> 0.821, R's holdout set 0.931 -> 0.927, but R's short set 0.939 -> 0.972 and tiny
 * 0.778 -> 0.862. Averaged after the fact, the mean of the three forecasts measured better than
 * the mean of two on both TSDL parts (0.981 -> 0.971, 1.051 -> 1.018), so the loss is in the
 * choice: on one validation window the model alone is kept too often for short series.
 */
export const CONFIGLESS_THETA = false;

/**
 * Whether Holt's damped trend (forecast/holt.ts) joins the forecast of the config-less defaults
 * (model.holt): yes. Measured with `bench/accuracy.js --holt on` against the defaults without it
 * (geometric mean of MASE relative to Comb; one origin on the short pieces, three elsewhere):
 * the TSDL tuning part's short pieces 1.064 -> 1.007 (monthly 1.078 -> 1.013, yearly 1.027 ->
 * 0.984, quarterly 1.223 -> 1.089, other 1.044 -> 0.999), its whole series 0.990 -> 0.971,
 * R's short set 0.939 -> 0.935, tiny 0.778 -> 0.798, holdout 0.931 -> 0.934, the six shipped
 * series 0.823 -> 0.832. Without the model-alone choice on long histories (MODEL_ALONE_MIN_ROWS)
 * it measured 1.007, 0.967, 0.935, 0.798, 0.954 and 0.844; with that choice at every length 1.035,
 * 0.984, 0.935, 0.798, 0.918 and 0.825. Panels leave it off unless --holt on (not measured there).
 */
export const CONFIGLESS_HOLT = true;

/**
 * The automatic ETS (forecast/ets.ts) joins the mean of the config-less defaults' forecast
 * (model.ets) where the rows before the test origin are fewer than this (--ets on: at every length,
 * --ets off: never): where the model alone is not offered (MODEL_ALONE_MIN_ROWS) and one validation
 * window cannot tell the means apart. Measured with `bench/accuracy.js --ets off` against the
 * defaults (geometric mean of MASE relative to Comb; one origin on the short pieces, three
 * elsewhere): the TSDL tuning part's short pieces 1.007 -> 0.994 (quarterly 1.092 -> 1.043), its
 * whole series 0.971 -> 0.959, R's short set 0.934 -> 0.929, tiny 0.798 -> 0.829, holdout 0.934 ->
 * 0.933, the six shipped series 0.826 -> 0.824. Replayed (bench/ets-replay.js) at every length it
 * cost the six 0.883; in Holt's place, run for real, the short pieces 1.019.
 */
export const CONFIGLESS_ETS_BELOW = 120;

/**
 * The trend damping of the config-less defaults (model.damping; forecast/damping.ts): none (1).
 * Measured with `bench/pretrained-accuracy.js --damp 0.98,0.95,0.9` on the forecasts of the model
 * alone (local) and of its mean with the pretrained network (three rolling origins, geometric mean
 * of MASE relative to Comb), mean -> mean@0.95: the TSDL tuning part 0.981 -> 0.975, R's short set
 * 0.944 -> 0.884, but tiny 0.778 -> 0.797, holdout 0.992 -> 1.004 and five of the six shipped
 * series 0.990 -> 1.054 (co2 0.958 -> 1.290, airline 1.140 -> 1.229: long, steady trends that
 * damping cuts short); local -> local@0.95 alike (1.008 -> 0.989, 0.938 -> 0.861, 0.798 -> 0.806,
 * 0.950 -> 0.953, 0.902 -> 0.988). No rule by history length separated the series it helps from
 * those it hurts, so damping stays a setting (`--damping 0.95`), off by default.
 */
export const CONFIGLESS_DAMPING = 1;

/**
 * The settings `rnnfc train` and `rnnfc check` use for a series: the config as it is, or, without a
 * config file and with the target as the only input, the config-less defaults chosen from the rows
 * before the test origin (settings given as flags, such as `lookback`, still win).
 */
export function settingsFor(
  cfg: Config,
  series: Series,
  opts: { configless: boolean; lookback?: number; pretrained?: string; damping?: number; theta?: boolean; holt?: boolean; ets?: boolean },
): Config {
  if (!opts.configless || !onlyTargetInput(cfg.data.features, cfg.data.target)) return cfg;
  const season = evaluationSeason(cfg.evaluation.season, series.index.frequency);
  const end = series.columns[cfg.data.target].length - cfg.evaluation.test_size;
  return autoConfigFor(season, opts.lookback, opts.pretrained, opts.damping, opts.theta, opts.holt, opts.ets)(cfg, series, end);
}

/**
 * The settings of each series of a panel: settingsFor per series. A config-less global model
 * needs one window shape for every series: the lookback given, else wantedLookback (series too
 * short for it are reported by the fit and skipped).
 */
export function panelSettingsFor(
  cfg: Config,
  frequency: Series['index']['frequency'],
  opts: { configless: boolean; lookback?: number; pretrained?: string; damping?: number; theta?: boolean; holt?: boolean; ets?: boolean },
): (c: Config, s: Series) => Config {
  const lookback =
    cfg.model.scope === 'global' && opts.configless
      ? (opts.lookback ?? wantedLookback(evaluationSeason(cfg.evaluation.season, frequency), cfg.window.horizon))
      : opts.lookback;
  // each series gets the config-less defaults a single series gets (the pretrained forecaster and
  // Holt's damped trend beside the model, chosen per series on its validation rows), with flags winning
  const pick = { configless: opts.configless, lookback, pretrained: opts.pretrained, damping: opts.damping, theta: opts.theta, holt: opts.holt, ets: opts.ets };
  if (!(cfg.model.scope === 'global' && opts.configless)) return (c, s) => settingsFor(c, s, pick);
  // a global model's series get the automatic ETS only with --ets on: its search over every model
  // costs 0.1 to 0.5 s a series, many times what a series costs beside one shared network
  // (CONFIGLESS_ETS_BELOW)
  pick.ets = opts.ets ?? false;
  // a global model's epochs draw a bounded number of the pooled windows, so that training costs
  // about the same for a hundred series as for a hundred thousand
  return (c, s) => {
    const chosen = settingsFor(c, s, pick);
    return { ...chosen, training: { ...chosen.training, windows_per_epoch: chosen.training.windows_per_epoch || GLOBAL_WINDOWS_PER_EPOCH } };
  };
}

/** Windows per epoch of a config-less global model (training.windows_per_epoch). */
export const GLOBAL_WINDOWS_PER_EPOCH = 4096;
