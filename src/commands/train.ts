import { resolve as resolvePath } from 'node:path';
import type { Config } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { configFromOptions, interactive, readConfiguredSeries, runBaseName, threadsText, type DataFlagOptions } from './common.js';
import { sha256File } from '../io/input-file.js';
import { formatTime, futureTimes, isNumericIndex, isoFormat, stepNumber, stepNumbers } from '../data/time.js';
import { Pipeline, differenceLag } from '../transforms/pipeline.js';
import {
  splitPoints, manyToOneStarts, oneToOneChunks, gatherManyToOne, gatherOneToOne, normalizeLast, lastNormScale,
} from '../windows/index-math.js';
import { scoreAll } from '../metrics/metrics.js';
import { evaluationSeason } from '../metrics/season.js';
import { naive, seasonalNaive, drift } from '../forecast/baselines.js';
import { forecastTransformed, needsFeedback, onlyTargetInput, testBlocks, type ModelIO } from '../forecast/forecast.js';
import { medianOf, memberFileNames } from '../forecast/ensemble.js';
import { ridge } from '../forecast/ridge.js';
import { autoConfigFor } from '../forecast/defaults.js';
import { assertWritableTarget, nextRunDir, writeDirAtomic } from '../artifacts/atomic.js';
import { buildManifest } from '../artifacts/run-dir.js';
import { toCsv, formatNumber } from '../output/csv.js';
import { renderConfigYaml } from '../config/render.js';
import { VERSION } from '../version.js';
import type { Series } from '../types.js';

export interface TrainOptions extends DataFlagOptions {
  out?: string;
  overwrite?: boolean;
}

type Scores = ReturnType<typeof scoreAll>;

/** `rnnfc train`: config -> data -> fitted pipeline -> trained model -> run directory. */
export async function trainCommand(opts: TrainOptions): Promise<void> {
  const t0 = performance.now();
  let cfg = configFromOptions(opts);
  const outDir = opts.out ?? nextRunDir(cfg.output.dir, runBaseName(cfg.data.path));
  assertWritableTarget(outDir, Boolean(opts.overwrite));

  const series = readConfiguredSeries(cfg);
  // Without a config file, the settings the config-less backtest measures: chosen from the rows
  // before the test origin (flags still win); the run's config.yaml records what was chosen.
  if (!opts.config && onlyTargetInput(cfg.data.features, cfg.data.target)) {
    const season = evaluationSeason(cfg.evaluation.season, series.index.frequency);
    const end = series.columns[cfg.data.target].length - cfg.evaluation.test_size;
    cfg = autoConfigFor(season, opts.lookback)(cfg, series, end);
  }
  const result = await trainOnSeries(cfg, series, opts);
  const files = await runFiles(cfg, series, result, t0);
  writeDirAtomic(outDir, files, { overwrite: Boolean(opts.overwrite) });
  report(opts, outDir, result);
}

/** Everything train produces before it is written. */
export interface TrainResult {
  io: ModelIO;
  pipeline: Pipeline;
  season: number;
  split: { trainEnd: number; valEnd: number; n: number };
  history: { epoch: number; loss: number; valLoss: number | null; gradNorm: number; seconds: number }[];
  /** Best epoch of the first member (the only one without an ensemble). */
  bestEpoch: number;
  memberBestEpochs: number[];
  /** Training seconds summed over the members. */
  trainSeconds: number;
  backend: string;
  /** Threads the fused LSTM/GRU kernels used; null when the model has none (rnn cells, tensorflow backends). */
  threads: number | null;
  /** Member 0 first; saved as model.json/weights.bin, then model-<j>.json/weights-<j>.bin. */
  models: { modelJson: string; weights: Buffer }[];
  /** Test actuals and forecasts; origins: the row where each forecast block starts (one unless evaluation.rolling). */
  test: { actual: Float64Array; forecast: Float64Array; origins: number[] };
  future: Float64Array;
  metrics: Record<string, Scores>;
}

function validateAgainstData(cfg: Config, series: Series): void {
  const problems: string[] = [];
  const w = cfg.window;
  if (!onlyTargetInput(cfg.data.features, cfg.data.target)) {
    if (!cfg.data.features.includes(cfg.data.target) && (w.strategy === 'recursive' || w.mode === 'one-to-one'))
      problems.push('data.features: must include the target for recursive or one-to-one forecasting');
    if (w.mode === 'one-to-one' || w.strategy === 'recursive')
      problems.push('data.features: other inputs than the target need window.mode many-to-one with strategy direct (future inputs are unknown)');
    if (w.normalize === 'last' && !cfg.data.features.includes(cfg.data.target))
      problems.push('data.features: must include the target for window.normalize last (targets are taken relative to its last input)');
    if (cfg.evaluation.test_size > w.horizon && !cfg.evaluation.rolling)
      problems.push(`evaluation.test_size: must be at most window.horizon (${w.horizon}) when there are inputs other than the target, unless evaluation.rolling`);
  }
  if (problems.length) throw new ConfigError(`config does not fit the data in ${series.target}`, problems);
}

/** Fits the pipeline and model on the training part, evaluates on the test part. */
export async function trainOnSeries(
  cfg: Config,
  series: Series,
  opts: { json?: boolean; quiet?: boolean; /** forecast the horizon after the last row (default true) */ future?: boolean },
): Promise<TrainResult> {
  validateAgainstData(cfg, series);
  const w = cfg.window;
  const target = series.columns[cfg.data.target];
  const n = target.length;
  const offset = differenceLag(cfg.transforms);
  const split = splitPoints(n, {
    lost: offset,
    span: w.mode === 'one-to-one' ? 2 : w.lookback + (w.strategy === 'recursive' ? 1 : w.horizon),
    testSize: cfg.evaluation.test_size,
    validationSize: cfg.training.validation_size,
  });
  // Everything the model sees is transformed from the rows before the test origin only, so test
  // actuals can never shape the inputs (nor make a transform fail).
  const seen: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(series.columns)) seen[k] = v.subarray(0, split.valEnd);
  // Seasonal phases come from each row's place on the time grid, not from where the file starts.
  const steps = stepNumbers(series.index);
  const pipeline = Pipeline.fit(cfg.transforms, seen, split.trainEnd, steps);
  const tcols = pipeline.transform(seen, steps);
  const features = cfg.data.features;
  const featCols = features.map((f) => tcols[f]);
  const tTarget = tcols[cfg.data.target];

  const io: ModelIO = {
    mode: w.mode,
    strategy: w.strategy,
    lookback: w.lookback,
    horizon: w.horizon,
    outputs: w.mode === 'many-to-one' && w.strategy === 'direct' ? w.horizon : 1,
    features,
    target: cfg.data.target,
    offset: pipeline.offset,
    warmup: Math.max(w.lookback, w.chunk) * 4,
  };

  // windows: training targets lie in [offset, trainEnd), validation targets in [trainEnd, valEnd)
  let data: { x: Float32Array; y: Float32Array; xShape: number[]; yShape: number[]; xVal?: Float32Array; yVal?: Float32Array; nVal?: number };
  if (w.mode === 'one-to-one') {
    const c = w.chunk;
    const tr = oneToOneChunks({ start: pipeline.offset, end: split.trainEnd, chunk: c });
    const g = gatherOneToOne(featCols, tTarget, tr, c);
    data = { x: g.x, y: g.y, xShape: [tr.length, c, features.length], yShape: [tr.length, c, 1] };
    if (split.valEnd > split.trainEnd) {
      const va = oneToOneChunks({ start: Math.max(pipeline.offset, split.valEnd - c - 1), end: split.valEnd, chunk: c });
      const gv = gatherOneToOne(featCols, tTarget, va, c);
      Object.assign(data, { xVal: gv.x, yVal: gv.y, nVal: va.length });
    }
  } else {
    const L = w.lookback, H = io.outputs;
    const tr = manyToOneStarts({ start: pipeline.offset, end: split.trainEnd, lookback: L, horizon: H });
    const g = gatherManyToOne(featCols, tTarget, tr, L, H);
    const shape = { lookback: L, features: features.length, horizon: H, targetPos: features.indexOf(cfg.data.target) };
    if (w.normalize === 'last') {
      io.normalize = 'last';
      io.normScale = lastNormScale(g.x, g.y, { ...shape, n: tr.length });
      normalizeLast(g.x, g.y, { ...shape, n: tr.length }, io.normScale);
    }
    data = { x: g.x, y: g.y, xShape: [tr.length, L, features.length], yShape: [tr.length, H] };
    if (split.valEnd > split.trainEnd) {
      const va = manyToOneStarts({ start: Math.max(pipeline.offset, split.trainEnd - L), end: split.valEnd, lookback: L, horizon: H });
      if (va.length) {
        const gv = gatherManyToOne(featCols, tTarget, va, L, H);
        if (io.normalize === 'last') normalizeLast(gv.x, gv.y, { ...shape, n: va.length }, io.normScale!);
        Object.assign(data, { xVal: gv.x, yVal: gv.y, nVal: va.length });
      }
    }
  }

  const { loadBackend, usesFusedKernels } = await import('../model/backend.js');
  const { buildModel, serializeModel, setLinearPath } = await import('../model/build.js');
  const { openPredictor } = await import('../model/predictor.js');
  const { trainModel } = await import('../train/loop.js');
  const { makeProgress } = await import('../train/progress.js');
  const { tf, backend } = await loadBackend(cfg.backend);
  // RNNFC_STOCK_LAYERS=1 keeps the stock tfjs LSTM/GRU layers on cpu and wasm too (for comparing
  // the two: bench/configs.js); the saved model is the same format either way.
  const fused = usesFusedKernels(backend) && cfg.model.cell !== 'rnn' && process.env.RNNFC_STOCK_LAYERS !== '1';
  let threads: number | null = null;
  if (fused) {
    const kernels = await import('../model/fused/kernels.js');
    threads = kernels.threadCount(cfg.training.threads);
    kernels.setThreads(threads);
  }
  const origin = split.valEnd;
  const original = target;
  const canForecastFuture =
    opts.future !== false && (!needsFeedback(io, w.horizon) || onlyTargetInput(features, cfg.data.target));
  // A rolling test forecasts each block from the actual rows before it, as predict would.
  const blocks = testBlocks(origin, n, w.horizon, cfg.evaluation.rolling);
  const allCols = canForecastFuture || blocks.length > 1 ? pipeline.transform(series.columns, steps) : null;
  const futureCols = canForecastFuture ? allCols : null;
  const testCols = blocks.length > 1 ? allCols! : tcols;
  const futureSteps = { history: steps, forecast: futureTimes(series.index, w.horizon).map((t) => stepNumber(t, series.index.frequency)) };

  // The linear path (model.linear) is a ridge regression of the training targets on the
  // flattened training windows, fixed before the network trains on what it leaves.
  const linearPath = cfg.model.linear ? fitLinearPath(data.x, data.y, data.xShape, data.yShape[1], cfg.model.ridge) : null;

  // An ensemble trains `ensemble` members with seeds seed, seed+1, ...; its forecast is their median.
  const members = cfg.training.ensemble;
  const fits: { history: TrainResult['history']; bestEpoch: number; seconds: number }[] = [];
  const testFs: Float64Array[] = [];
  const futureFs: Float64Array[] = [];
  const models: { modelJson: string; weights: Buffer }[] = [];
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  try {
    for (let j = 0; j < members; j++) {
      const seed = cfg.training.seed + j;
      const model = buildModel(tf, {
        cell: cfg.model.cell,
        layers: cfg.model.layers,
        dropout: cfg.model.dropout,
        dense: cfg.model.dense,
        steps: w.mode === 'one-to-one' ? null : w.lookback,
        linear: cfg.model.linear,
        features: features.length,
        outputs: io.outputs,
        sequenceOutput: w.mode === 'one-to-one',
        seed,
        fused,
      });
      if (linearPath) setLinearPath(tf, model, linearPath.kernel, linearPath.bias);
      const progress = makeProgress({
        epochs: cfg.training.epochs,
        tty: interactive(opts),
        quiet: Boolean(opts.quiet || opts.json),
        stream: process.stderr,
      });
      try {
        fits.push(
          await trainModel(tf, model, data, { ...cfg.training, seed }, { keepInitial: Boolean(linearPath), onEpoch: (e) => progress.onEpoch(e), shouldStop: () => interrupted }),
        );
      } finally {
        progress.done();
      }
      const saved = await serializeModel(model);
      model.dispose();
      models.push(saved);
      // Forecast from the saved model through the same path predict takes, so that predict on this
      // run repeats train's future forecast exactly. Evaluation: one multi-step forecast from the
      // test origin (or, rolling, one per block); the future: the next horizon after the last row.
      const predictor = await openPredictor(saved.modelJson, saved.weights, { backend, tf });
      try {
        testFs.push(concat(blocks.map(({ start, steps: k }) =>
          pipeline.inverseTarget(cfg.data.target, forecastTransformed(predictor.predict, io, testCols, start, k), original.subarray(0, start), {
            history: steps.slice(0, start),
            forecast: steps.slice(start, start + k),
          }))));
        if (futureCols) futureFs.push(pipeline.inverseTarget(cfg.data.target, forecastTransformed(predictor.predict, io, futureCols, n, w.horizon), original, futureSteps));
      } finally {
        predictor.dispose();
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (members > 1) io.members = members;
  const testF = medianOf(testFs);
  const future: Float64Array = futureCols ? medianOf(futureFs) : new Float64Array(0);

  const actual = original.slice(origin);
  const season = evaluationSeason(cfg.evaluation.season, series.index.frequency);
  const train = original.subarray(0, origin);
  // the baselines forecast the same blocks from the same rows; MASE scales by the training part
  const baseline = (f: (y: Float64Array, h: number) => Float64Array) => concat(blocks.map((b) => f(original.subarray(0, b.start), b.steps)));
  const metrics: Record<string, Scores> = {
    model: scoreAll(actual, testF, train, season),
    naive: scoreAll(actual, baseline(naive), train, season),
    seasonal_naive: scoreAll(actual, baseline((y, h) => seasonalNaive(y, h, season)), train, season),
    drift: scoreAll(actual, baseline(drift), train, season),
  };
  return {
    io, pipeline, season, split, history: fits[0].history, bestEpoch: fits[0].bestEpoch,
    memberBestEpochs: fits.map((f) => f.bestEpoch), trainSeconds: fits.reduce((a, f) => a + f.seconds, 0), backend, threads,
    models, test: { actual, forecast: testF, origins: blocks.map((b) => b.start) }, future, metrics,
  };
}

function concat(parts: Float64Array[]): Float64Array {
  if (parts.length === 1) return parts[0];
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

/** Ridge regression (relative penalty alpha) of y [n, outputs] on x [n, steps, features] flattened, with an intercept. */
function fitLinearPath(x: Float32Array, y: Float32Array, xShape: number[], outputs: number, alpha: number): { kernel: Float64Array[]; bias: Float64Array } {
  const n = xShape[0], p = xShape[1] * xShape[2];
  const X: Float64Array[] = [], Y: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(p + 1);
    for (let j = 0; j < p; j++) row[j] = x[i * p + j];
    row[p] = 1;
    X.push(row);
    Y.push(Float64Array.from(y.subarray(i * outputs, (i + 1) * outputs)));
  }
  const W = ridge(X, Y, alpha);
  return { kernel: W.slice(0, p), bias: W[p] };
}

function memberFiles(models: { modelJson: string; weights: Buffer }[]): Record<string, string | Uint8Array> {
  const files: Record<string, string | Uint8Array> = {};
  models.forEach((m, j) => {
    const names = memberFileNames(j);
    const json = JSON.parse(m.modelJson) as { weightsManifest: { paths: string[] }[] };
    for (const g of json.weightsManifest) g.paths = [names.weights];
    files[names.model] = j === 0 ? m.modelJson : JSON.stringify(json);
    files[names.weights] = m.weights;
  });
  return files;
}

/** An ensemble's member count and best epochs, for metadata and --json (nothing for one model). */
function membersFields(r: TrainResult): { members?: number; members_best_epoch?: number[] } {
  return r.models.length > 1 ? { members: r.models.length, members_best_epoch: r.memberBestEpochs } : {};
}

function roundScores(s: Scores): Record<string, number | null> {
  const o: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(s)) o[k] = Number.isFinite(v) ? Number(formatNumber(v as number)) : null;
  return o;
}

async function runFiles(cfg: Config, series: Series, r: TrainResult, t0: number): Promise<Record<string, string | Uint8Array>> {
  const idx = series.index;
  const target = series.columns[cfg.data.target];
  const futureAt = futureTimes(idx, r.future.length);
  const times = idx.times.map((t) => formatTime(t, idx.format));
  const fut = futureAt.map((t) => formatTime(t, idx.format));
  const origin = r.split.valEnd;
  const pipelineJson = {
    format_version: 1,
    time_column: series.timeColumn,
    time_format: idx.format,
    frequency: idx.frequency,
    last_time: times[times.length - 1],
    target: cfg.data.target,
    features: cfg.data.features,
    missing: cfg.data.missing,
    season: r.season,
    io: r.io,
    transforms: r.pipeline.toJSON(),
  };
  const metricsJson = {
    origin: times[origin],
    test_size: r.test.actual.length,
    ...(r.test.origins.length > 1 ? { rolling: true, origins: r.test.origins.map((i) => times[i]) } : {}),
    season: r.season,
    methods: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, roundScores(v)])),
  };
  const metadata = {
    rnnfc_version: VERSION,
    tfjs_version: (await import('@tensorflow/tfjs-core')).version_core,
    node_version: process.version,
    backend: r.backend,
    threads: r.threads,
    seed: cfg.training.seed,
    data: { path: cfg.data.path, sha256: sha256File(cfg.data.path), rows: target.length },
    best_epoch: r.bestEpoch,
    ...membersFields(r),
    epochs_run: r.history.length,
    timings: { train_seconds: Number(r.trainSeconds.toFixed(3)), total_seconds: Number(((performance.now() - t0) / 1000).toFixed(3)) },
    created: new Date().toISOString(),
  };
  const historyCsv = toCsv(
    ['epoch', 'loss', 'val_loss', 'grad_norm', 'seconds'],
    r.history.map((e) => [e.epoch, formatNumber(e.loss), e.valLoss === null ? null : formatNumber(e.valLoss), formatNumber(e.gradNorm), e.seconds.toFixed(3)]),
  );
  const rows: (string | number | null)[][] = [];
  for (let i = 0; i < r.test.actual.length; i++)
    rows.push([times[origin + i], 'test', formatNumber(r.test.actual[i]), formatNumber(r.test.forecast[i])]);
  for (let i = 0; i < r.future.length; i++) rows.push([fut[i], 'future', null, formatNumber(r.future[i])]);
  const forecastCsv = toCsv([series.timeColumn ?? 'index', 'part', 'actual', 'forecast'], rows);

  const files: Record<string, string | Uint8Array> = {
    ...memberFiles(r.models),
    'pipeline.json': JSON.stringify(pipelineJson, null, 2) + '\n',
    'config.yaml': renderConfigYaml({ ...cfg, data: { ...cfg.data, path: resolvePath(cfg.data.path) } }),
    'metadata.json': JSON.stringify(metadata, null, 2) + '\n',
    'metrics.json': JSON.stringify(metricsJson, null, 2) + '\n',
    'history.csv': historyCsv,
    'forecast.csv': forecastCsv,
  };
  if (cfg.output.plot) {
    const { renderForecastSvg } = await import('../output/plot.js');
    const histEnd = origin;
    // the plot parses times, so it gets them in ISO spelling
    const iso = isoFormat(idx.format);
    const ptimes = iso === idx.format ? times : idx.times.map((t) => formatTime(t, iso));
    const pfut = iso === idx.format ? fut : futureAt.map((t) => formatTime(t, iso));
    files['plot.svg'] = await renderForecastSvg({
      title: `${cfg.data.target}: ${r.io.mode} ${cfg.model.cell.toUpperCase()} forecast`,
      history: { t: ptimes.slice(0, histEnd), y: Array.from(target.subarray(0, histEnd)) },
      test: { t: ptimes.slice(origin), actual: Array.from(r.test.actual), forecast: Array.from(r.test.forecast) },
      future: { t: pfut, forecast: Array.from(r.future) },
      temporal: !isNumericIndex(idx.format),
    });
  }
  files['manifest.json'] = buildManifest(files, VERSION);
  return files;
}

function report(opts: TrainOptions, outDir: string, r: TrainResult): void {
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
  for (const [m, s] of Object.entries(r.metrics))
    lines.push([m.padEnd(15), ...names.map((k) => fmt(s[k]).padStart(10))].join(''));
  const th = r.threads === null ? '' : `, ${threadsText(r.threads)}`;
  lines.push(`wrote ${outDir} (backend ${r.backend}${th}, ${r.history.length} epochs, best ${r.bestEpoch}, ${r.trainSeconds.toFixed(1)} s)`);
  process.stdout.write(lines.join('\n') + '\n');
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(4);
}
