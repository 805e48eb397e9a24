import type { Config } from '../config/types.js';
import { type BacktestResult, backtest, defaultStep } from '../forecast/backtest.js';
import { autoConfigFor } from '../forecast/defaults.js';
import { evaluationSeason } from '../metrics/season.js';
import { computeOptions, configFromOptions, type DataFlagOptions, metricText, readConfiguredSeries, threadsText, withInterrupt } from './common.js';

export interface BacktestCommandOptions extends DataFlagOptions {
  season?: number;
  origins?: number;
  step?: number;
}

/** `rnnfc backtest`: rolling-origin evaluation; prints results, writes nothing. */
export async function backtestCommand(opts: BacktestCommandOptions): Promise<void> {
  const t0 = performance.now();
  const cfg = configFromOptions(opts);
  const series = readConfiguredSeries(cfg, opts);
  const H = cfg.window.horizon;
  const season = opts.season ?? evaluationSeason(cfg.evaluation.season, series.index.frequency);
  const step = opts.step ?? defaultStep(H);
  const origins = opts.origins ?? 3;
  // Without a config file, transforms and lookback are chosen at each origin from the rows
  // before it only (flags still win over the choice).
  const configFor = opts.config ? undefined : autoConfigFor(season, opts.lookback);
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
                `seasonal naive ${fixed3(o.metrics.seasonal_naive?.mase)} (${s.toFixed(1)} s)\n`,
            ),
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({
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
      `MASE season ${r.season}, lookback ${r.origins.map((o) => o.lookback).join('/')}, ` +
      `backend ${r.backend}${r.threads === null ? '' : ` (${threadsText(r.threads)})`} (mean over origins)`,
  ];
  lines.push(['method'.padEnd(15), ...names.map((k) => k.toUpperCase().padStart(10))].join(''));
  for (const [m, s] of Object.entries(r.mean)) lines.push([m.padEnd(15), ...names.map((k) => metricText(s[k]).padStart(10))].join(''));
  lines.push(`${seconds.toFixed(1)} s`);
  return lines.join('\n') + '\n';
}

function fixed3(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  return x.toFixed(3);
}
