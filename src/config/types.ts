import type { CalendarFeature } from '../data/calendar.js';
import type { TransformSpec } from '../transforms/registry.js';
import type { MissingPolicy } from '../types.js';
import type { BACKENDS, CELLS, LOSSES, NORMALIZE_MODES, OPTIMIZERS, SCOPES, STRATEGIES, WINDOW_MODES } from './names.js';

/** One transform step, {kind, ...its fields}: the union of the registered transforms' specs (transforms/registry.ts). */
export type { TransformSpec };

export interface DataConfig {
  path: string;
  /** null: no time column, rows are in order; undefined (absent): auto-detect. */
  time_column?: string | null;
  target: string;
  /** Input columns; default [target]. */
  features: string[];
  missing: MissingPolicy;
  /** How time cells are written (`%m/%d/%Y`; data/time.ts timeParser); absent: the spellings rnnfc detects. */
  time_format?: string;
  /** The field delimiter: ',', ';' or a tab; absent: detected from the header line. */
  delimiter?: ',' | ';' | '\t';
  /** Key columns of a panel in long format (each distinct key a series); empty: one series. */
  id_column: string[];
  /**
   * Static columns of a long panel: one value per series (a region, a category, a size), given to
   * a global model as inputs beside the series' values (panel/statics.ts). Absent: none.
   */
  static_columns?: string[];
  /**
   * Calendar inputs from the time index (data/calendar.ts), known for the future rows too: each a
   * (sin, cos) pair after the columns at every step, and on a many-to-many decoder's steps the
   * values of the row it forecasts. Absent: none.
   */
  calendar?: CalendarFeature[];
  /**
   * Columns whose future values are known (planned promotions, prices, a weather forecast): the
   * rows after the target's last value give them for the horizon. Standardised on the training
   * rows and put after the columns at every step as the calendar inputs are. Absent: none.
   */
  known_future?: string[];
  /**
   * A wide panel (`target: [a, b, ...]`): the target columns, two or more, each a series keyed by
   * its column name (key column `series`); `target` is then the first. Absent otherwise.
   */
  targets?: string[];
}

/** True when the config names a panel: key columns (long format) or several target columns (wide). */
export function isPanel(data: DataConfig): boolean {
  return data.id_column.length > 0 || (data.targets?.length ?? 0) > 0;
}

export interface WindowConfig {
  mode: (typeof WINDOW_MODES)[number];
  lookback: number;
  horizon: number;
  /**
   * many-to-one only: 'direct' (one vector of horizon outputs) or 'recursive' (one-step model fed
   * back). Mode many-to-many (an encoder over the lookback, a decoder that emits the horizon step
   * by step, model/build.ts) is always 'direct': one call forecasts the horizon.
   */
  strategy: (typeof STRATEGIES)[number];
  /** one-to-one only: BPTT chunk length. */
  chunk: number;
  /**
   * many-to-one only: 'last' subtracts each window's last input value (per column) from its
   * inputs and targets, and divides them by one scale fitted on the training windows, so the
   * network sees shapes relative to the current level; 'none' feeds the values as they are.
   */
  normalize: (typeof NORMALIZE_MODES)[number];
}

export interface ModelConfig {
  cell: (typeof CELLS)[number];
  /** cell rnn only: the vanilla RNN's activation, tanh (absent) or relu. */
  activation?: 'tanh' | 'relu';
  /** cell lstm only: peephole connections, the gates also see the cell state (absent: off). */
  peephole?: true;
  /** cell lstm only: coupled input and forget gates, i = 1 - f (absent: off). */
  coupled_gates?: true;
  layers: { units: number }[];
  dropout: number;
  /** Hidden dense layers between the recurrent stack and the output layer. */
  dense: { units: number }[];
  /**
   * many-to-one only: add a linear path from the flattened input window to the outputs (an
   * autoregressive "highway" beside the recurrent stack, as in LSTNet), fitted by ridge
   * regression on the training windows before the network trains on what it leaves.
   */
  linear: boolean;
  /** Relative ridge penalty of the linear path: lambda = ridge * trace(XᵀX) / columns. */
  ridge: number;
  /** A panel's series: one model each ('local'), or one network trained on them all ('global'). */
  scope: (typeof SCOPES)[number];
  /**
   * A pretrained forecaster to use beside the model ('none', 'builtin' for the one rnnfc ships, or
   * the folder `rnnfc pretrain` wrote): the forecast is the mean of the model's and its zero-shot
   * one, unless the model alone does better on the validation rows. One series with the target as
   * its only input.
   */
  pretrained: string;
  /**
   * With model.pretrained: the Theta method's forecast (forecast/theta.ts) joins the mean of the
   * model's and the pretrained network's.
   */
  theta: boolean;
  /**
   * Holt's damped-trend exponential smoothing (forecast/holt.ts) joins the forecast: the mean of the
   * model's and its, or, with model.pretrained's mean, of all of them. Mode many-to-one.
   */
  holt: boolean;
  /**
   * The automatic ETS (forecast/ets.ts: error, trend and season chosen by AICc) joins the forecast's
   * mean, whatever else joins it: one more member beside the model's forecast (and the pretrained
   * network's, Theta's and Holt's where they join), taking no part in the validation choice. Mode
   * many-to-one.
   */
  ets: boolean;
  /**
   * Damping of the trend the final forecast extrapolates (forecast/damping.ts): 1, none; phi in
   * (0, 1): step h of the forecast carries phi + phi^2 + ... + phi^h steps of its trend instead of
   * h, as a damped-trend ETS forecast does. Many-to-one models with the target as the only input.
   */
  damping: number;
}

export interface TrainingConfig {
  optimizer: (typeof OPTIMIZERS)[number];
  learning_rate: number;
  batch_size: number;
  epochs: number;
  loss: (typeof LOSSES)[number];
  /** Global-norm gradient clipping; 0 disables. */
  clip_norm: number;
  /** false: no gradient-flow diagnostics (train/gradient-flow.ts); absent: measured. */
  gradient_flow?: false;
  early_stopping: { patience: number; min_delta: number } | null;
  validation_size: number;
  seed: number;
  /**
   * Threads the fused LSTM/GRU kernels split each batch over; 'auto' = the machine's cores.
   * Results are reproducible for a given thread count (and differ slightly between counts).
   */
  threads: number | 'auto';
  /** Members trained with seeds seed, seed+1, ...; the forecast is their median. */
  ensemble: number;
  /**
   * Training windows each epoch trains on, drawn afresh from the shuffled windows every epoch; 0:
   * all of them. Bounds an epoch's cost when the windows are many (a global model over a large panel).
   */
  windows_per_epoch: number;
  /**
   * window.mode many-to-many only: the probability that a decoder step is fed the actual previous
   * value rather than the decoder's own forecast of it (teacher forcing), at the first epoch and
   * at the last, linear between (scheduled sampling). Absent: [1, 0] (DEFAULT_TEACHER_FORCING).
   */
  teacher_forcing?: [number, number];
}

export interface EvaluationConfig {
  /** Test points at the end of the series; default = horizon. */
  test_size: number;
  /** Seasonal period for MASE and seasonal naive; 0 = infer from the frequency. */
  season: number;
  /**
   * false: one forecast of test_size steps from the test origin (beyond the horizon, forecasts
   * are fed back). true: the model, fitted once before the test period, forecasts it in blocks of
   * `horizon` steps, each from the actual rows before the block, as predict would run on new data.
   */
  rolling: boolean;
  /** Prediction intervals written and scored, in percent, ascending (default [80, 95]; [] for none). */
  levels: number[];
  /** Forecast quantiles written and scored (0 < q < 1), ascending (default none). */
  quantiles: number[];
  /**
   * How the intervals are sized (forecast/intervals.ts): absent, 'conformal', from the errors of
   * the run's forecasts from earlier origins; 'ensemble', from those errors relative to the spread
   * of the forecasts the run averaged at each origin, so that an interval widens where they disagree;
   * 'quantile', relative to the spread of quantile heads the network learns beside its forecast
   * (pinball loss; many-to-one, direct).
   */
  intervals?: 'ensemble' | 'quantile';
}

export interface OutputConfig {
  /** Parent folder of new runs. */
  dir: string;
  plot: boolean;
  /** Baselines plot.svg draws beside the test forecast (naive, seasonal_naive, drift); default none. */
  plot_baselines: ('naive' | 'seasonal_naive' | 'drift')[];
}

export interface Config {
  data: DataConfig;
  transforms: TransformSpec[];
  window: WindowConfig;
  model: ModelConfig;
  training: TrainingConfig;
  evaluation: EvaluationConfig;
  output: OutputConfig;
  backend: (typeof BACKENDS)[number];
}
