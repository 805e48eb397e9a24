import { membersFields, roundScores, runFiles } from '../artifacts/run-writer.js';
import { settingsFor } from '../forecast/defaults.js';
import { type FitEvent, type FitResult, fitSeries } from '../forecast/fit.js';
import { makeProgress, type Progress } from '../train/progress.js';
import { computeOptions, configFromOptions, type DataFlagOptions, interactive, metricText, readConfiguredInput, threadsText, withInterrupt } from './common.js';
import { checkRunOutput, reserveRunOutput } from './run-output.js';

export interface TrainOptions extends DataFlagOptions {
  out?: string;
  overwrite?: boolean;
}

/** `rnnfc train`: options -> config and series -> fit (forecast/fit.ts) -> run directory -> summary. */
export async function trainCommand(opts: TrainOptions): Promise<void> {
  const t0 = performance.now();
  const flagged = configFromOptions(opts);
  checkRunOutput(opts, flagged);

  const { series, sha256 } = readConfiguredInput(flagged, opts);
  // Without a config file, the settings the config-less backtest measures (flags still win);
  // the run's config.yaml records what was chosen.
  const cfg = settingsFor(flagged, series, { configless: !opts.config, lookback: opts.lookback });
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
    tfjsVersion: (await import('@tensorflow/tfjs-core')).version_core,
    totalSeconds: (performance.now() - t0) / 1000,
  });
  await out.commit(files);
  report(opts, out.dir, result);
}

/** Epoch progress on stderr, one display per ensemble member (see train/progress.ts). */
function progressPrinter(opts: TrainOptions): (e: FitEvent) => void {
  let progress: Progress | null = null;
  return (e) => {
    if (e.kind === 'epoch') {
      progress ??= makeProgress({ epochs: e.epochs, tty: interactive(opts), quiet: Boolean(opts.quiet || opts.json), stream: process.stderr });
      progress.onEpoch(e.epoch);
    } else {
      progress?.done();
      progress = null;
    }
  };
}

function report(opts: TrainOptions, outDir: string, r: FitResult): void {
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({
        run: outDir,
        backend: r.backend,
        threads: r.threads,
        epochs_run: r.history.length,
        best_epoch: r.bestEpoch,
        ...membersFields(r),
        train_seconds: Number(r.trainSeconds.toFixed(3)),
        metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, roundScores(v)])),
      }) + '\n',
    );
    return;
  }
  if (opts.quiet) return;
  const names = ['mae', 'rmse', 'mape', 'smape', 'mase'] as const;
  const k = r.test.origins.length;
  const from = k > 1 ? `in ${k} rolling forecasts from the actual data` : 'from the test origin';
  const lines = [`test metrics (${r.test.actual.length} steps ${from}, MASE season ${r.season}):`];
  lines.push(['method'.padEnd(15), ...names.map((k) => k.toUpperCase().padStart(10))].join(''));
  for (const [m, s] of Object.entries(r.metrics)) lines.push([m.padEnd(15), ...names.map((k) => metricText(s[k]).padStart(10))].join(''));
  const th = r.threads === null ? '' : `, ${threadsText(r.threads)}`;
  lines.push(`wrote ${outDir} (backend ${r.backend}${th}, ${r.history.length} epochs, best ${r.bestEpoch}, ${r.trainSeconds.toFixed(1)} s)`);
  process.stdout.write(lines.join('\n') + '\n');
}
