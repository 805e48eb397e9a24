/**
 * The names a config (and the command line) may use for each choice. The config types derive
 * their unions from these lists, config validation and the CLI check against them, and their
 * order is the order messages and help list them in.
 */

/** data.missing: what to do with empty or non-numeric cells. */
export const MISSING_POLICIES = ['interpolate', 'ffill', 'drop', 'error'] as const;
/** window.mode. */
export const WINDOW_MODES = ['many-to-one', 'one-to-one', 'many-to-many'] as const;
/** window.strategy (many-to-one only). */
export const STRATEGIES = ['direct', 'recursive'] as const;
/** window.normalize (many-to-one only). */
export const NORMALIZE_MODES = ['none', 'last'] as const;
/** model.scope: one network per series, or one trained on every series of a panel. */
export const SCOPES = ['local', 'global'] as const;
/** model.cell. */
export const CELLS = ['lstm', 'gru', 'rnn'] as const;
/** training.optimizer. */
export const OPTIMIZERS = ['adam', 'rmsprop', 'sgd'] as const;
/** training.loss. */
export const LOSSES = ['mse', 'mae', 'huber'] as const;
/** The method of a scale transform. */
export const SCALE_METHODS = ['minmax', 'standard', 'none'] as const;
/** backend (and --backend). */
export const BACKENDS = ['auto', 'cpu', 'wasm', 'tensorflow', 'tensorflow-gpu', 'webgpu'] as const;

/** The baselines plot.svg can draw beside the forecast (output.plot_baselines). */
export const PLOT_BASELINES = ['naive', 'seasonal_naive', 'drift'] as const;

/**
 * How a run's intervals are sized (evaluation.intervals): from its past errors alone, or from them
 * relative to its ensemble's spread, or to the spread of quantile heads its network learns.
 */
export const INTERVAL_METHODS = ['conformal', 'ensemble', 'quantile'] as const;
