/**
 * The fit pipeline a run is made of: a resolved config and a series in, everything a run holds
 * out (fitted transforms, trained models, test and future forecasts, metrics). No CLI concerns:
 * nothing is read from `process` or the file system; the compute backend, the layer kind,
 * cancellation (an AbortSignal) and progress (a callback) are passed in.
 */
import { DEFAULT_TEACHER_FORCING } from '../config/defaults.js';
import type { Config } from '../config/types.js';
import type { AheadRows } from '../data/calendar.js';
import { futureTimes, stepNumber, stepNumbers } from '../data/time.js';
import type { Gpu } from '../gpu/device.js';
import { type StepCoverage, seasonalScale, stepCoverage } from '../metrics/interval-scores.js';
import { scoreAll } from '../metrics/metrics.js';
import { evaluationSeason } from '../metrics/season.js';
import type { BackendName, Tf } from '../model/backend.js';
import type { ModelSpec } from '../model/build.js';
import type { Predictor } from '../model/predictor.js';
import { type EpochFlow, type FlowReport, flowVerdict } from '../train/gradient-flow.js';
import type { EpochInfo, TrainHooks, TrainResult } from '../train/loop.js';
import { differenceLag, Pipeline } from '../transforms/pipeline.js';
import type { Series } from '../types.js';
import { splitPoints } from '../windows/index-math.js';
import { type TrainingWindows, trainingWindows } from '../windows/training-windows.js';
import { aheadInputs, checkKnownAhead, knownScales } from './ahead.js';
import { type BaselineName, baselineBand, drift, naive, seasonalNaive } from './baselines.js';
import { dampTrend } from './damping.js';
import { medianOf } from './ensemble.js';
import { etsChosen, etsForecaster } from './ets.js';
import { forecastTransformed, forecastTransformedMany, type ModelIO, needsFeedback, onlyTargetInput, testBlocks } from './forecast.js';
import { holtForecast, holtForecaster } from './holt.js';
import {
  calibrationForecasts,
  calibrationOrigins,
  calibrationStart,
  ensembleSpread,
  fitIntervals,
  HEAD_BLOCKS,
  headsSpread,
  intervalScores,
  NO_SPREAD,
  QUANTILE_HEADS,
  type Spread,
  spreadOf,
} from './intervals.js';
import { checkMemory, checkSizesAgainstRows, checkSizesAgainstSplit, DEFAULT_LIMITS, type FitLimits } from './limits.js';
import { fitLinearPath } from './linear-path.js';
import { choosePretrainedUse, combinedParts, MODEL_ALONE_MIN_ROWS, meanOfParts, type PretrainedChoice, type PretrainedModel } from './pretrained.js';
import { MIN_OBSERVED, pretrainedForecast, pretrainedForecasts } from './pretrained-windows.js';
import { checkConfigAgainstData } from './rules.js';
import { thetaForecast } from './theta.js';

/**
 * Test-period scores of one method: the point forecast's (metrics/metrics.ts) and its intervals'
 * (`coverage_<level>`, `msis`, `pinball`: forecast/intervals.ts intervalScores).
 */
export type Scores = ReturnType<typeof scoreAll> & Record<string, number>;

/**
 * A loaded TensorFlow.js and the name of the backend it runs on ('wasm', 'cpu', 'tensorflow'); webgpu:
 * also the device that trains. Without `tf` (backend 'wasm' only: model/backend.ts deferredWasm),
 * tfjs is loaded when something needs it.
 */
export interface Engine {
  tf?: Tf;
  backend: string;
  gpu?: Gpu;
}

/** What happens during a fit, for progress displays: an epoch of a member ended, or a member finished. */
export type FitEvent =
  | { kind: 'epoch'; member: number; members: number; epochs: number; epoch: EpochInfo }
  | { kind: 'member-done'; member: number; members: number };

export interface FitOptions {
  /**
   * Loads the compute backend; called once, after the config and data have passed every check.
   * Default: the backend the config names (`backend`), loaded by model/backend.ts.
   */
  engine?: () => Promise<Engine>;
  /**
   * 'fused' (default): rnnfc's fused LSTM/GRU kernels where the backend has them (cpu, wasm);
   * 'stock': the tfjs-layers LSTM/GRU layers everywhere (the saved model is the same format).
   */
  layers?: 'fused' | 'stock';
  /** Forecast the horizon after the last row (default true). */
  future?: boolean;
  /** Aborting stops training between batches with an InterruptError; nothing is returned. */
  signal?: AbortSignal;
  onEvent?: (e: FitEvent) => void;
  /** The memory the fit may use (see limits.ts); the commands pass half of the machine's. Default: DEFAULT_LIMITS. */
  limits?: FitLimits;
  /** Opens the pretrained forecaster model.pretrained names (the commands pass artifacts/pretrained-files.ts loadPretrained); needed when it is not 'none'. */
  pretrained?: (spec: string) => PretrainedModel;
  /** Train through tfjs's gradient tape even where the direct step could (train/direct.ts): rnnfc pretrain, whose shipped network the tape trained. */
  tape?: boolean;
}

/** The chronological split of a fit: training rows [0, trainEnd), validation [trainEnd, valEnd), test [valEnd, n). */
export interface Split {
  trainEnd: number;
  valEnd: number;
  n: number;
}

/** One epoch of a member's training history. */
export interface HistoryEntry {
  epoch: number;
  loss: number;
  valLoss: number | null;
  gradNorm: number;
  seconds: number;
  /** the gradient's flow in this epoch (train/gradient-flow.ts), unless training.gradient_flow is false */
  flow?: EpochFlow;
}

/** A trained model as saved: model.json text and weights.bin bytes. */
export interface SavedModel {
  modelJson: string;
  weights: Buffer;
}

/** Everything a fit produces; the run directory is written from it. */
export interface FitResult {
  io: ModelIO;
  pipeline: Pipeline;
  /** Seasonal period of MASE and seasonal naive. */
  season: number;
  split: Split;
  /** The first member's history. */
  history: HistoryEntry[];
  /** Best epoch of the first member (the only one without an ensemble). */
  bestEpoch: number;
  memberBestEpochs: number[];
  /** Training seconds summed over the members. */
  trainSeconds: number;
  backend: string;
  /** backend webgpu: the adapter that trained (its own description) */
  adapter?: string;
  /** Threads the fused LSTM/GRU kernels used; null when the model has none (rnn cells, tensorflow backends, stock layers). */
  threads: number | null;
  /** Member 0 first; saved as model.json/weights.bin, then model-<j>.json/weights-<j>.bin. */
  models: SavedModel[];
  /** Test actuals and forecasts; origins: the row where each forecast block starts (one unless evaluation.rolling). */
  /** `baselines`: the naive, seasonal-naive and drift forecasts of the same test rows (from the same origins). */
  /** `parts`: what the forecast was combined from (ForecastParts). */
  test: {
    actual: Float64Array;
    forecast: Float64Array;
    origins: number[];
    spread: Spread;
    baselines: Record<BaselineName, Float64Array>;
    parts: ForecastParts;
  };
  /** Forecast of the horizon after the last row; empty when not asked for or not possible. */
  future: Float64Array;
  /** The future forecast's intervals and quantiles (evaluation.levels, evaluation.quantiles). */
  futureSpread: Spread;
  /** Test scores of the model and of the naive, seasonal-naive and drift baselines. */
  metrics: Record<string, Scores>;
  /**
   * Per method (as metrics) and interval level (evaluation.levels): the test actuals inside the
   * interval and all of them, step by step ahead (metrics/interval-scores.ts stepCoverage; a
   * rolling test's blocks each start at step 1). Absent for a method without intervals.
   */
  stepCoverage: StepCoverage;
  /** model.pretrained: the network used, and the choice made on the validation rows (io.pretrained records the use). */
  pretrained?: { model: PretrainedModel } & PretrainedChoice;
  /**
   * The first member's gradient flow (absent when not measured, or no epoch ran): the weight groups
   * and recurrent layers of its history's flow entries, and the verdict on them.
   */
  gradientFlow?: { groups: string[]; layers: string[]; report: FlowReport };
}

/** The data side of a fit, prepared before any model exists. */
export interface PreparedFit {
  split: Split;
  pipeline: Pipeline;
  io: ModelIO;
  /** Step numbers of the rows on the time grid (seasonal phases come from them). */
  steps: number[];
  /** Transformed columns of the rows before the test origin. */
  seen: Record<string, Float64Array>;
  windows: TrainingWindows;
  /** data.calendar, data.known_future: the inputs known ahead of every row and of the horizon after the last (forecast/ahead.ts; absent: none). */
  aheadRows?: AheadRows;
}

/**
 * Every check and preparation that comes before training: the config against the data, every
 * size against the rows and the fit's memory estimate against `limits` (limits.ts), the split, the
 * transforms fitted on the training rows, the windows. `rnnfc check` runs this too, so that check
 * and train agree. Throws ConfigError or DataError before anything large is allocated.
 */
export function prepareFit(cfg: Config, series: Series, limits: FitLimits = DEFAULT_LIMITS): PreparedFit {
  checkConfigAgainstData(cfg, series);
  const w = cfg.window;
  const n = series.columns[cfg.data.target].length;
  checkSizesAgainstRows(cfg, n);
  const split = splitPoints(n, {
    lost: differenceLag(cfg.transforms),
    span: w.mode === 'one-to-one' ? 2 : w.lookback + (w.strategy === 'recursive' ? 1 : w.horizon),
    testSize: cfg.evaluation.test_size,
    validationSize: cfg.training.validation_size,
  });
  checkSizesAgainstSplit(cfg, split);
  checkMemory(cfg, { rows: n, columns: Object.keys(series.columns).length, split }, limits);
  // Everything the model sees is transformed from the rows before the test origin only, so test
  // actuals can never shape the inputs (nor make a transform fail).
  const rows: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(series.columns)) rows[k] = v.subarray(0, split.valEnd);
  // Seasonal phases come from each row's place on the time grid, not from where the file starts.
  const steps = stepNumbers(series.index);
  const pipeline = Pipeline.fit(cfg.transforms, rows, split.trainEnd, steps);
  const seen = pipeline.transform(rows, steps);
  const features = cfg.data.features;
  // inputs known ahead (data.calendar, data.known_future) of every row, and of the horizon after
  // the last as far as they reach (the future forecast's); known-future columns standardised on the training rows
  const names = cfg.data.calendar ?? [];
  const knownNames = cfg.data.known_future ?? [];
  const ahead: Pick<ModelIO, 'calendar' | 'known'> = {
    ...(names.length ? { calendar: [...names] } : {}),
    ...(knownNames.length ? { known: knownScales(knownNames, series.known, split.trainEnd) } : {}),
  };
  const aheadRows = aheadInputs(ahead, series, w.horizon);
  const io: ModelIO = {
    mode: w.mode,
    strategy: w.strategy,
    lookback: w.lookback,
    horizon: w.horizon,
    outputs: w.mode !== 'one-to-one' && w.strategy === 'direct' ? w.horizon : 1,
    features,
    target: cfg.data.target,
    offset: pipeline.offset,
    warmup: Math.max(w.lookback, w.chunk) * 4,
    ...(cfg.evaluation.intervals === 'quantile' ? { heads: [...QUANTILE_HEADS] } : {}),
    ...ahead,
  };
  const windows = trainingWindows(
    features.map((f) => seen[f]),
    seen[cfg.data.target],
    features.indexOf(cfg.data.target),
    {
      window: w,
      outputs: io.outputs,
      start: pipeline.offset,
      trainEnd: split.trainEnd,
      valEnd: split.valEnd,
      ...(aheadRows ? { aheadRows } : {}),
    },
  );
  if (windows.normScale !== undefined) {
    io.normalize = 'last';
    io.normScale = windows.normScale;
  }
  return { split, pipeline, io, steps, seen, windows, ...(aheadRows ? { aheadRows } : {}) };
}

/** The compute side of a fit: the loaded backend and whether the fused kernels run (and on how many threads). */
export interface FitEngine {
  /** tfjs, when loaded (see tfjs) */
  tf?: Tf;
  /** tfjs on the backend, loaded now if it is not yet (into `tf`) */
  tfjs(): Promise<Tf>;
  backend: string;
  fused: boolean;
  threads: number | null;
  /** backend webgpu: the device the training steps run on */
  gpu?: Gpu;
}

/** Loads the backend a fit runs on (opts.engine, else the config's) and sets the kernels' threads. */
export async function startEngine(cfg: Config, opts: FitOptions): Promise<FitEngine> {
  const { deferredWasm, loadBackend, usesFusedKernels } = await import('../model/backend.js');
  const loaded: Engine = await (opts.engine ?? (async () => (deferredWasm(cfg.backend) ? { backend: 'wasm' } : loadBackend(cfg.backend))))();
  const { backend, gpu } = loaded;
  const fused = usesFusedKernels(backend) && opts.layers !== 'stock';
  let threads: number | null = null;
  if (fused) {
    const kernels = await import('../kernels/threads.js');
    threads = kernels.threadCount(cfg.training.threads);
    kernels.setThreads(threads);
  }
  const engine: FitEngine = {
    ...(loaded.tf ? { tf: loaded.tf } : {}),
    tfjs: async () => {
      engine.tf ??= (await loadBackend(backend as BackendName)).tf;
      return engine.tf;
    },
    backend,
    fused,
    threads,
    ...(gpu ? { gpu } : {}),
  };
  return engine;
}

/** What training produced: each member's history, best epoch and seconds, and the saved models. */
export interface TrainedMembers {
  fits: { history: HistoryEntry[]; bestEpoch: number; seconds: number; groups?: string[]; flowLayers?: string[] }[];
  models: SavedModel[];
}

/**
 * Trains the config's model (an ensemble: members with seeds seed, seed+1, ...) on `data`, the
 * linear path (model.linear) first fitted by ridge regression on the training windows.
 * @param outputs outputs per window: horizon (direct) or 1
 */
export async function trainMembers(engine: FitEngine, cfg: Config, data: TrainingWindows, outputs: number, opts: FitOptions): Promise<TrainedMembers> {
  const { fused } = engine;
  const w = cfg.window;
  const { buildModel, serializeModel, setLinearPath } = await import('../model/build.js');
  const { DivergedError, trainModel } = await import('../train/loop.js');
  // The linear path (model.linear) is a ridge regression of the training targets on the
  // flattened training windows, fixed before the network trains on what it leaves.
  const linearPath = cfg.model.linear ? fitLinearPath(data.x, data.y, data.xShape, data.yShape[1], cfg.model.ridge) : null;
  // evaluation.intervals quantile: quantile heads after the point outputs, each the same targets'
  // (the linear path gives every head the point forecast's regression; the network learns the rest)
  const heads = cfg.evaluation.intervals === 'quantile' ? QUANTILE_HEADS : [];
  const blocks = 1 + heads.length;
  const tiled = (row: ArrayLike<number>) => Float64Array.from({ length: row.length * blocks }, (_, i) => row[i % row.length]);
  const members = cfg.training.ensemble;
  const fits: TrainedMembers['fits'] = [];
  const models: SavedModel[] = [];
  const shouldStop = () => Boolean(opts.signal?.aborted);
  for (let j = 0; j < members; j++) {
    const seed = cfg.training.seed + j;
    const spec: ModelSpec = {
      cell: cfg.model.cell,
      ...(cfg.model.activation ? { activation: cfg.model.activation } : {}),
      ...(cfg.model.peephole ? { peephole: true } : {}),
      ...(cfg.model.coupled_gates ? { coupledGates: true } : {}),
      layers: cfg.model.layers,
      dropout: cfg.model.dropout,
      dense: cfg.model.dense,
      steps: w.mode === 'one-to-one' ? null : data.xShape[1],
      linear: cfg.model.linear,
      ...(w.mode === 'many-to-many' ? { decoder: { lookback: w.lookback, horizon: outputs } } : {}),
      // the windows' inputs: the columns, and a global panel model's static inputs after them
      features: data.xShape[2],
      outputs: outputs * blocks,
      sequenceOutput: w.mode === 'one-to-one',
      seed,
      fused,
    };
    const onEpoch = (e: EpochInfo) => opts.onEvent?.({ kind: 'epoch', member: j, members, epochs: cfg.training.epochs, epoch: e });
    const diverged = (e: unknown) =>
      e instanceof DivergedError && members > 1 ? new DivergedError(`ensemble member ${j + 1} of ${members} (seed ${seed}): ${e.message}`) : e;
    // a network the direct step trains on the wasm backend is built, trained and saved without tfjs
    const direct =
      engine.backend === 'wasm' && fused && !engine.gpu && !opts.tape
        ? await plainMember(
            spec,
            linearPath ? { kernel: linearPath.kernel.map(tiled), bias: tiled(linearPath.bias) } : null,
            data,
            { ...cfg.training, seed },
            {
              keepInitial: Boolean(linearPath),
              onEpoch,
              shouldStop,
              ...(heads.length ? { quantileHeads: { outputs, taus: heads } } : {}),
            },
          )
        : null;
    if (direct) {
      try {
        const trained = await direct.train();
        fits.push(trained.fit);
        models.push(trained.model);
      } catch (e) {
        throw diverged(e);
      } finally {
        opts.onEvent?.({ kind: 'member-done', member: j, members });
      }
      continue;
    }
    const tf = await engine.tfjs();
    const model = buildModel(tf, spec);
    if (linearPath) setLinearPath(tf, model, linearPath.kernel.map(tiled), tiled(linearPath.bias));
    try {
      fits.push(
        await trainModel(
          tf,
          model,
          data,
          { ...cfg.training, seed },
          {
            keepInitial: Boolean(linearPath),
            onEpoch,
            shouldStop,
            gpu: engine.gpu,
            ...(opts.tape ? { tfjsLoop: true } : {}),
            ...(heads.length ? { quantileHeads: { outputs, taus: heads } } : {}),
            ...(w.mode === 'many-to-many'
              ? {
                  decoder: {
                    lookback: w.lookback,
                    horizon: outputs,
                    targetPos: cfg.data.features.indexOf(cfg.data.target),
                    teacherForcing: cfg.training.teacher_forcing ?? DEFAULT_TEACHER_FORCING,
                  },
                }
              : {}),
          },
        ),
      );
    } catch (e) {
      model.dispose();
      throw diverged(e);
    } finally {
      opts.onEvent?.({ kind: 'member-done', member: j, members });
    }
    models.push(await serializeModel(model));
    model.dispose();
  }
  return { fits, models };
}

/**
 * A member the direct step trains, built without tfjs (model/plain-build.ts): how to train it and
 * save the result, or null where the plain builder or the direct step does not take the spec (the
 * caller then builds it in tfjs). `linear`: the linear path's kernel rows and bias.
 */
async function plainMember(
  spec: ModelSpec,
  linear: { kernel: Float64Array[]; bias: Float64Array } | null,
  data: TrainingWindows,
  training: Config['training'],
  hooks: TrainHooks,
): Promise<{ train(): Promise<{ fit: TrainResult; model: SavedModel }> } | null> {
  const plain = await import('../model/plain-build.js');
  if (!plain.plainBuildable(spec)) return null;
  const { plainDirectNet, trainDirectArrays } = await import('../train/direct.js');
  const net = plain.buildPlain(spec);
  if (linear) plain.setPlainLinearPath(net, linear.kernel, linear.bias);
  const path = plain.linearPathOf(net);
  const direct = plainDirectNet(spec, path, data, training, hooks);
  if (typeof direct === 'string') return null;
  const trainable = plain.trainableOf(net);
  return {
    async train() {
      const run = await trainDirectArrays(
        trainable.map((w) => w.values),
        direct,
        data,
        training,
        hooks,
        plain.directInfoOf(net),
      );
      run.weights.forEach((values, i) => trainable[i].values.set(values));
      return { fit: run.result, model: plain.serializePlain(net) };
    },
  };
}

/**
 * Fits the pipeline and model(s) on the training part of `series`, evaluates them on the test part
 * (one multi-step forecast from the test origin, or rolling blocks) beside the naive baselines,
 * and forecasts the horizon after the last row.
 */
export async function fitSeries(cfg: Config, series: Series, opts: FitOptions): Promise<FitResult> {
  const prepared = prepareFit(cfg, series, opts.limits);
  if (opts.future !== false) checkKnownAhead(prepared.io, series, cfg.window.horizon);
  const engine = await startEngine(cfg, opts);
  const trained = await trainMembers(engine, cfg, prepared.windows, prepared.io.outputs, opts);
  return evaluateFit(engine, cfg, series, prepared, trained, opts);
}

/**
 * A fitted series' test forecast, future forecast and metrics from trained members (their own, or
 * a model shared by a panel's series), as a FitResult.
 */
export async function evaluateFit(
  engine: FitEngine,
  cfg: Config,
  series: Series,
  prepared: PreparedFit,
  trained: TrainedMembers,
  opts: Pick<FitOptions, 'future' | 'pretrained'>,
  /** The members' predictors, already open (a panel's shared model evaluates every series with them); default: opened here. */
  opened?: Predictor[],
): Promise<FitResult> {
  const { split, pipeline, io: preparedIo, steps, seen: tcols, aheadRows } = prepared;
  const io: ModelIO = { ...preparedIo };
  const w = cfg.window;
  const features = cfg.data.features;
  const original = series.columns[cfg.data.target];
  const n = original.length;
  const { tf, backend } = engine;
  const { openPredictor } = await import('../model/predictor.js');
  const origin = split.valEnd;
  const canForecastFuture = opts.future !== false && (!needsFeedback(io, w.horizon) || onlyTargetInput(features, cfg.data.target));
  // A rolling test forecasts each block from the actual rows before it, as predict would.
  const blocks = testBlocks(origin, n, w.horizon, cfg.evaluation.rolling);
  const allCols = canForecastFuture || blocks.length > 1 ? pipeline.transform(series.columns, steps) : null;
  const futureCols = canForecastFuture ? allCols : null;
  const testCols = blocks.length > 1 ? allCols! : tcols;
  const futureSteps = futureTimes(series.index, w.horizon).map((t) => stepNumber(t, series.index.frequency));
  const members = trained.models.length;
  if (members > 1) io.members = members;
  const season = evaluationSeason(cfg.evaluation.season, series.index.frequency);

  // Forecast from the saved models through the same path predict takes, so that predict on this
  // run repeats train's future forecast exactly.
  const predictors: Predictor[] = [];
  try {
    for (const [j, saved] of trained.models.entries()) predictors.push(opened?.[j] ?? (await openPredictor(saved.modelJson, saved.weights, { backend, tf })));
    // the members' forecast (their median) of `k` rows from `end`, from the transformed columns `cols` before it
    const inverse = (f: Float64Array, end: number, ahead: number[]) =>
      pipeline.inverseTarget(cfg.data.target, f, original.subarray(0, end), { history: steps.slice(0, end), forecast: ahead });
    // each member's forecast from the calibration origins, made in one batch each (prefillOwn)
    const membersSeen = new Map<string, Float64Array[]>();
    const membersAt = (cols: Record<string, Float64Array>, end: number, k: number, ahead = steps.slice(end, end + k)) =>
      (cols === tcols ? membersSeen.get(`${end} ${k}`) : undefined) ??
      predictors.map((p) => inverse(forecastTransformed(p.predict, io, cols, end, k, 0, aheadRows), end, ahead));
    const ownAt = (cols: Record<string, Float64Array>, end: number, k: number, ahead = steps.slice(end, end + k)) => medianOf(membersAt(cols, end, k, ahead));
    // in batches no larger than training's, so that the kernels never need more memory than training did
    const trainedRows = prepared.windows.xShape[0];
    const rows = trainedRows > 0 ? Math.min(cfg.training.batch_size, trainedRows) : cfg.training.batch_size;
    // evaluation.intervals quantile: the spread of the members' quantile heads (their median) from the same rows
    const headsSeen = new Map<string, Float64Array>();
    // member j's heads (io.heads) of `k` rows from `end` (`made(j, block)`: the block's forecast in
    // transformed space, of the steps `ahead` at most), each back in the data's units, as a spread
    // (headsSpread); the members' median
    const headsOf = (made: (j: number, block: number) => Float64Array, end: number, k: number, ahead = steps.slice(end, end + k)) =>
      medianOf(
        predictors.map((_, j) => {
          const [low, high] = HEAD_BLOCKS.map((block) => {
            const f = made(j, block);
            return inverse(f, end, ahead.slice(0, f.length));
          });
          return headsSpread(low, high, k);
        }),
      );
    const headsAt = (cols: Record<string, Float64Array>, end: number, k: number, ahead = steps.slice(end, end + k)) =>
      (cols === tcols ? headsSeen.get(`${end} ${k}`) : undefined) ??
      headsOf((j, block) => forecastTransformed(predictors[j].predict, io, cols, end, k, block, aheadRows), end, k, ahead);
    const prefillOwn = (origins: { end: number; k: number }[]) => {
      const each = predictors.map((p) => forecastTransformedMany(p.predict, io, tcols, origins, rows, 0, aheadRows));
      origins.forEach((o, i) =>
        membersSeen.set(
          `${o.end} ${o.k}`,
          each.map((f) => inverse(f[i], o.end, steps.slice(o.end, o.end + o.k))),
        ),
      );
      if (!io.heads) return;
      const heads = predictors.map((p) => HEAD_BLOCKS.map((block) => forecastTransformedMany(p.predict, io, tcols, origins, rows, block, aheadRows)));
      origins.forEach((o, i) =>
        headsSeen.set(
          `${o.end} ${o.k}`,
          headsOf((j, block) => heads[j][HEAD_BLOCKS.indexOf(block)][i], o.end, o.k),
        ),
      );
    };

    // model.pretrained: the pretrained network's zero-shot forecast, mixed in as the validation rows choose
    const pm = cfg.model.pretrained !== 'none' ? opts.pretrained?.(cfg.model.pretrained) : undefined;
    if (cfg.model.pretrained !== 'none' && !pm) throw new Error(`model.pretrained is ${cfg.model.pretrained}, but no pretrained forecaster was opened`);
    let pretrained: FitResult['pretrained'];
    // the pretrained network's and Theta's forecasts of `k` rows from `end`, where they were made
    let companionsAt = (_end: number, _k: number): { zero: Float64Array; theta?: Float64Array } | null => null;
    // the network's forecasts from many origins at once (the calibration origins), when it is used
    let prefillNetwork = (_origins: { end: number; k: number }[]) => {};
    // a history the network, Theta or Holt cannot read (too short, gaps): the model without them
    const finite = (f?: Float64Array | null) => f === undefined || f?.every(Number.isFinite) === true;
    // model.holt: Holt's damped trend from the same rows joins the forecast, whichever use
    const holtAt = cfg.model.holt ? (end: number, k: number) => holtForecast(original.subarray(0, end), season, k) : undefined;
    const holtSeen = new Map<string, Float64Array | undefined>();
    // the calibration origins' Holt forecasts reuse the grid's parameters between searches (holtForecaster)
    const holtCalibration = cfg.model.holt ? holtForecaster(season) : undefined;
    let calibrating = false;
    const holtOf = (end: number, k: number) => {
      if (calibrating) return holtCalibration?.(original.subarray(0, end), k);
      const key = `${end} ${k}`;
      if (!holtSeen.has(key)) holtSeen.set(key, holtAt?.(end, k));
      return holtSeen.get(key);
    };
    const holtUsable = holtAt !== undefined && blocks.every((b) => finite(holtOf(b.start, b.steps))) && (!futureCols || finite(holtOf(n, w.horizon)));
    // (the validation choice below may still leave it out: the model alone)
    let holtFor: (end: number, k: number) => Float64Array | undefined = holtUsable ? holtOf : () => undefined;
    if (holtUsable) io.holt = { season };
    // model.ets: the automatic ETS from the same rows joins the mean of whatever the choice below
    // makes (it takes no part in it); the calibration origins keep the model and parameters chosen at
    // the first of them (etsForecaster)
    const etsSeen = new Map<string, ReturnType<typeof etsChosen>>();
    const etsCalibration = cfg.model.ets ? etsForecaster(season) : undefined;
    const etsOf = (end: number, k: number): Float64Array | undefined => {
      if (!cfg.model.ets) return undefined;
      if (calibrating) return etsCalibration?.(original.subarray(0, end), k);
      const key = `${end} ${k}`;
      if (!etsSeen.has(key)) etsSeen.set(key, etsChosen(original.subarray(0, end), season, k));
      return etsSeen.get(key)?.forecast;
    };
    const etsFinite = (end: number, k: number) => {
      const f = etsOf(end, k);
      return f !== undefined && finite(f);
    };
    const etsUsable = cfg.model.ets && blocks.every((b) => etsFinite(b.start, b.steps)) && (!futureCols || etsFinite(n, w.horizon));
    // predict forecasts again with the model and parameters chosen for the future (io.ets.choice)
    const etsChoice = futureCols ? etsSeen.get(`${n} ${w.horizon}`)?.choice : undefined;
    if (etsUsable) io.ets = { season, ...(etsChoice ? { choice: etsChoice } : {}) };
    const withEts = (end: number, k: number, parts: Float64Array[]): Float64Array[] => {
      const ets = etsUsable ? etsOf(end, k) : undefined;
      return ets && finite(ets) ? [...parts, ets] : parts;
    };
    // the forecasts the run averages for `k` rows from `end`: the model's own (`own`, from the same rows) first
    let combine = (end: number, k: number, own: Float64Array, _ahead?: number[]): Float64Array[] => {
      const holt = holtFor(end, k);
      return holt && finite(holt) ? combinedParts('model', own, null, undefined, holt) : [own];
    };
    if (pm) {
      // the pretrained network's zero-shot forecast of `k` rows from `end`, from the original rows before it
      const zeroAt = (end: number, k: number, ahead = steps.slice(end, end + k)) =>
        end >= MIN_OBSERVED ? pretrainedForecast(pm.predict, original.subarray(0, end), season, k, { history: steps.slice(0, end), forecast: ahead }) : null;
      // model.theta: the Theta method's forecast from the same rows joins the mean
      const thetaAt = cfg.model.theta ? (end: number, k: number) => thetaForecast(original.subarray(0, end), season, k) : undefined;
      const nVal = split.valEnd - split.trainEnd;
      const validate = nVal > 0 && split.trainEnd >= MIN_OBSERVED;
      const holtVal = validate ? holtFor(split.trainEnd, nVal) : undefined;
      const choice = validate
        ? choosePretrainedUse(
            original.subarray(split.trainEnd, split.valEnd),
            ownAt(tcols, split.trainEnd, nVal),
            zeroAt(split.trainEnd, nVal),
            thetaAt?.(split.trainEnd, nVal),
            finite(holtVal) ? holtVal : undefined,
            split.trainEnd >= MODEL_ALONE_MIN_ROWS,
          )
        : choosePretrainedUse(null, null, null);
      if (choice.holt === false) {
        holtFor = () => undefined;
        delete io.holt;
      }
      // each origin's forecasts once: the test blocks and the future are both checked and combined
      const seen = new Map<string, { zero: Float64Array; theta?: Float64Array } | null>();
      const usable = (end: number, k: number, ahead?: number[]) => {
        const key = `${end} ${k}`;
        if (!seen.has(key)) {
          const zero = zeroAt(end, k, ahead);
          const theta = thetaAt?.(end, k);
          seen.set(key, finite(zero) && finite(theta) ? { zero: zero!, theta } : null);
        }
        return seen.get(key)!;
      };
      if (!blocks.every((b) => usable(b.start, b.steps)) || (futureCols && !usable(n, w.horizon, futureSteps))) choice.use = 'model';
      companionsAt = (end, k) => seen.get(`${end} ${k}`) ?? null;
      if (choice.use !== 'model') {
        prefillNetwork = (origins) => {
          const todo = origins.filter((o) => !seen.has(`${o.end} ${o.k}`));
          const zeros = pretrainedForecasts(pm.predict, original, season, todo, steps);
          todo.forEach((o, i) => {
            const theta = thetaAt?.(o.end, o.k);
            seen.set(`${o.end} ${o.k}`, finite(zeros[i]) && finite(theta) ? { zero: zeros[i]!, theta } : null);
          });
        };
        const alone = combine;
        combine = (end, k, own, ahead) => {
          const parts = usable(end, k, ahead);
          const holt = holtFor(end, k);
          return parts ? combinedParts(choice.use, own, parts.zero, parts.theta, finite(holt) ? holt : undefined) : alone(end, k, own);
        };
      }
      io.pretrained = { use: choice.use, season, ...(cfg.model.theta ? { theta: true as const } : {}) };
      pretrained = { model: pm, ...choice };
    }
    // model.damping: the final forecast's trend, from the rows before it
    const phi = cfg.model.damping;
    if (phi < 1) io.damping = phi;
    const damp = (end: number, f: Float64Array) => (phi < 1 ? dampTrend(f, original.subarray(0, end), phi, season) : f);
    // the run's forecast of `k` rows from `end`, from the transformed columns `cols` before it,
    // with the spread its intervals scale by (evaluation.intervals ensemble: of the forecasts it
    // averaged, the members each and what joined them; quantile: of the network's quantile heads)
    const forecastFrom = (cols: Record<string, Float64Array>, end: number, k: number, members: Float64Array[], ahead: number[]) => {
      const parts = withEts(end, k, combine(end, k, medianOf(members), ahead));
      return { forecast: damp(end, meanOfParts(parts)), spread: io.heads ? headsAt(cols, end, k, ahead) : ensembleSpread([...members, ...parts.slice(1)]) };
    };
    const forecastAt = (cols: Record<string, Float64Array>, end: number, k: number, ahead = steps.slice(end, end + k)) =>
      forecastFrom(cols, end, k, membersAt(cols, end, k, ahead), ahead);

    // Evaluation: one multi-step forecast from the test origin (or, rolling, one per block); the
    // future: the next horizon after the last row.
    const testMembers = blocks.map((b) => membersAt(testCols, b.start, b.steps));
    const testOwn = testMembers.map(medianOf);
    const tests = blocks.map((b, i) => forecastFrom(testCols, b.start, b.steps, testMembers[i], steps.slice(b.start, b.start + b.steps)));
    const testF = concat(tests.map((t) => t.forecast));
    const testEnsemble = tests.every((t) => t.spread) ? concat(tests.map((t) => t.spread!)) : null;
    // what the test forecast was combined from: a part only where every block has it
    const partOf = (f: (b: (typeof blocks)[number]) => Float64Array | undefined) => {
      const each = blocks.map(f);
      return each.every((p) => p !== undefined) ? concat(each as Float64Array[]) : undefined;
    };
    const zeroPart = partOf((b) => companionsAt(b.start, b.steps)?.zero);
    const thetaPart = partOf((b) => companionsAt(b.start, b.steps)?.theta);
    const holtPart = holtUsable ? partOf((b) => holtOf(b.start, b.steps)) : undefined;
    const etsPart = etsUsable ? partOf((b) => etsOf(b.start, b.steps)) : undefined;
    const parts: ForecastParts = {
      model: concat(testOwn),
      ...(zeroPart ? { pretrained: zeroPart } : {}),
      ...(thetaPart ? { theta: thetaPart } : {}),
      ...(holtPart ? { holt: holtPart } : {}),
      ...(etsPart ? { ets: etsPart } : {}),
    };
    const futureF = futureCols ? forecastAt(futureCols, n, w.horizon, futureSteps) : null;
    const future = futureF?.forecast ?? new Float64Array(0);
    // Intervals: sized by the errors of the same forecasts from earlier origins (intervals.ts)
    const range = { first: calibrationStart(io, pm !== undefined), end: split.valEnd, steps: Math.max(w.horizon, ...blocks.map((b) => b.steps)) };
    const calibrationAt = calibrationOrigins(original, range).map((o) => ({ end: o, k: Math.min(range.steps, range.end - o) }));
    prefillOwn(calibrationAt);
    prefillNetwork(calibrationAt);
    calibrating = true;
    const calibration = calibrationForecasts((end, k) => forecastAt(tcols, end, k), original, range);
    calibrating = false;
    const intervals = fitIntervals(calibration, original, split.valEnd, cfg.evaluation.intervals);
    if (intervals) io.intervals = intervals;
    const { levels, quantiles } = cfg.evaluation;
    const blockSteps = blocks.map((b) => b.steps);
    const testSpread = intervals ? spreadOf(intervals, testF, blockSteps, levels, quantiles, testEnsemble) : NO_SPREAD;
    const futureSpread = intervals && future.length ? spreadOf(intervals, future, [future.length], levels, quantiles, futureF?.spread) : NO_SPREAD;
    const train = original.subarray(0, origin);
    const actual = original.slice(origin);
    // the baselines forecast the same blocks from the same rows; MASE scales by the training part
    const baseline = (f: (y: Float64Array, h: number) => Float64Array) => concat(blocks.map((b) => f(original.subarray(0, b.start), b.steps)));
    const scale = seasonalScale(train, season);
    const stepCoverages: FitResult['stepCoverage'] = {};
    const scored = (f: Float64Array, makeBand: Parameters<typeof intervalScores>[2], method: string) => {
      // each level's band made once, for the step coverage and the scores alike
      const bands = new Map<number, ReturnType<typeof makeBand>>();
      const bandAt = (level: number) => {
        if (!bands.has(level)) bands.set(level, makeBand(level));
        return bands.get(level)!;
      };
      const byLevel: StepCoverage[string] = {};
      for (const l of levels) {
        const b = bandAt(l);
        if (b) byLevel[String(l)] = stepCoverage(actual, b.lower, b.upper, blockSteps);
      }
      if (Object.keys(byLevel).length) stepCoverages[method] = byLevel;
      return { ...scoreAll(actual, f, train, season), ...intervalScores(actual, f, bandAt, levels, quantiles, scale) };
    };
    // the baselines' textbook intervals, each block's from the rows before it
    const baselineScores = (name: BaselineName, f: Float64Array) =>
      scored(
        f,
        (level) => {
          const parts = blocks.map((b) =>
            baselineBand(name, original.subarray(0, b.start), f.subarray(b.start - origin, b.start - origin + b.steps), level, season),
          );
          return parts.every((p) => p !== null) ? { lower: concat(parts.map((p) => p!.lower)), upper: concat(parts.map((p) => p!.upper)) } : null;
        },
        name,
      );
    const baselines: Record<BaselineName, Float64Array> = {
      naive: baseline(naive),
      seasonal_naive: baseline((y, h) => seasonalNaive(y, h, season)),
      drift: baseline(drift),
    };
    const metrics: Record<string, Scores> = {
      model: scored(testF, (level) => (intervals ? spreadOf(intervals, testF, blockSteps, [level], [], testEnsemble).bands[0] : null), 'model'),
      naive: baselineScores('naive', baselines.naive),
      seasonal_naive: baselineScores('seasonal_naive', baselines.seasonal_naive),
      drift: baselineScores('drift', baselines.drift),
    };
    const { fits } = trained;
    return {
      io,
      pipeline,
      season,
      split,
      history: fits[0].history,
      bestEpoch: fits[0].bestEpoch,
      memberBestEpochs: fits.map((f) => f.bestEpoch),
      trainSeconds: fits.reduce((a, f) => a + f.seconds, 0),
      backend,
      ...(engine.gpu ? { adapter: engine.gpu.description } : {}),
      threads: engine.threads,
      models: trained.models,
      test: { actual, forecast: testF, origins: blocks.map((b) => b.start), spread: testSpread, baselines, parts },
      future,
      futureSpread,
      metrics,
      stepCoverage: stepCoverages,
      ...(pretrained ? { pretrained } : {}),
      ...gradientFlowOf(cfg, fits[0]),
    };
  } finally {
    if (!opened) for (const p of predictors) p.dispose();
  }
}

/**
 * The forecasts a run's forecast of the test rows is combined from, each made from the same rows
 * before each test block, in the data's units: the model's own (its members' median), and where
 * they were computed the pretrained network's zero-shot forecast, the Theta method's, Holt's damped
 * trend and the automatic ETS. What joined the forecast is in io.pretrained, io.holt and io.ets (a
 * part may have been computed and left out by the validation choice); the forecast is their mean,
 * then damped (model.damping).
 */
export interface ForecastParts {
  model: Float64Array;
  pretrained?: Float64Array;
  theta?: Float64Array;
  holt?: Float64Array;
  ets?: Float64Array;
}

/** A member's gradient flow and the verdict on it, as FitResult.gradientFlow (nothing when it was not measured). */
export function gradientFlowOf(cfg: Config, fit: TrainedMembers['fits'][number]): Pick<FitResult, 'gradientFlow'> {
  const epochs = fit.history.filter((e): e is HistoryEntry & { flow: EpochFlow } => e.flow !== undefined);
  const layers = fit.flowLayers ?? [];
  const report = flowVerdict(
    epochs.map((e) => ({ flow: e.flow, gradNorm: e.gradNorm })),
    layers,
    {
      sequenceOutput: cfg.window.mode === 'one-to-one',
      cell: cfg.model.cell,
      clipNorm: cfg.training.clip_norm,
      learningRate: cfg.training.learning_rate,
      linear: cfg.model.linear,
    },
  );
  return report ? { gradientFlow: { groups: fit.groups ?? [], layers, report } } : {};
}

/** The arrays one after another. */
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
