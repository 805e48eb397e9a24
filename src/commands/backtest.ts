import type { Config } from '../config/types.js';
import { configFromOptions, readConfiguredSeries, type DataFlagOptions } from './common.js';
import { defaultSeason } from '../metrics/season.js';
import { backtest, defaultStep, originEnds, type BacktestResult } from '../forecast/backtest.js';
import { chooseTransforms } from '../forecast/auto.js';

export interface BacktestCommandOptions extends DataFlagOptions {
  season?: number;
  origins?: number;
  step?: number;
}

/**
 * Default lookback when neither a config file nor --lookback sets one: max(2m, H, 8), capped so
 * that at least ~30 training windows remain at the earliest origin.
 */
export function defaultLookback(cfg: Config, n: number, horizon: number, season: number, step: number, origins: number): number {
  const want = Math.max(2 * season, horizon, 8);
  const ends = originEnds(n, horizon, step, origins);
  const diffOffset = cfg.transforms.reduce((s, t) => s + (t.kind === 'difference' ? t.lag : 0), 0);
  const trainEnd = ends[ends.length - 1] - cfg.training.validation_size;
  const cap = trainEnd - diffOffset - horizon - 29;
  return Math.max(1, Math.min(want, cap));
}

/** `rnnfc backtest`: rolling-origin evaluation; prints results, writes nothing. */
export async function backtestCommand(opts: BacktestCommandOptions): Promise<void> {
  const t0 = performance.now();
  let cfg = configFromOptions(opts);
  const series = readConfiguredSeries(cfg);
  const n = series.columns[cfg.data.target].length;
  const H = cfg.window.horizon;
  const season = opts.season ?? (cfg.evaluation.season || defaultSeason(series.index.frequency));
  const step = opts.step ?? defaultStep(H);
  const origins = opts.origins ?? 3;
  if (!opts.config) {
    // Transforms chosen from the data before the earliest origin only (nothing after it is read),
    // except that `log` is dropped when a later value would make it fail.
    const y = series.columns[cfg.data.target];
    const first = originEnds(n, H, step, origins).at(-1) ?? n;
    let transforms = chooseTransforms(y.subarray(0, Math.max(0, first)), season);
    if (transforms.some((t) => t.kind === 'log') && !cfg.data.features.every((f) => series.columns[f]?.every((v) => !(v <= 0)))) {
      transforms = transforms.filter((t) => t.kind !== 'log');
    }
    cfg = { ...cfg, transforms };
  }
  if (!opts.config && opts.lookback === undefined) {
    const lookback = defaultLookback(cfg, n, H, season, step, origins);
    cfg = { ...cfg, window: { ...cfg.window, lookback, chunk: lookback } };
  }
  const quiet = Boolean(opts.quiet || opts.json);
  const r = await backtest(cfg, series, { origins, step, season, quiet });
  const seconds = (performance.now() - t0) / 1000;
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({
        data: cfg.data.path,
        target: cfg.data.target,
        horizon: r.horizon,
        season: r.season,
        step: r.step,
        lookback: cfg.window.lookback,
        epochs: cfg.training.epochs,
        seconds: Number(seconds.toFixed(3)),
        origins: r.origins,
        mean: r.mean,
      }) + '\n',
    );
    return;
  }
  if (opts.quiet) return;
  process.stdout.write(table(r, cfg, seconds));
}

function table(r: BacktestResult, cfg: Config, seconds: number): string {
  const names = ['mae', 'rmse', 'smape', 'mase'] as const;
  const lines = [
    `rolling-origin backtest of ${cfg.data.target}: ${r.origins.length} origins, horizon ${r.horizon}, step ${r.step}, ` +
      `MASE season ${r.season}, lookback ${cfg.window.lookback} (mean over origins)`,
  ];
  lines.push(['method'.padEnd(15), ...names.map((k) => k.toUpperCase().padStart(10))].join(''));
  for (const [m, s] of Object.entries(r.mean)) lines.push([m.padEnd(15), ...names.map((k) => fmt(s[k]).padStart(10))].join(''));
  lines.push(`${seconds.toFixed(1)} s`);
  return lines.join('\n') + '\n';
}

function fmt(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '-';
  return Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(4);
}
