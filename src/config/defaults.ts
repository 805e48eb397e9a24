import type { Config } from './types.js';

/** T with every nested property and array read-only. */
export type DeepReadonly<T> = T extends (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/**
 * The value of every setting a config may leave out; resolveConfig fills them from here (copying
 * the lists and mappings). Settings whose default follows from another one are not here:
 * data.features defaults to [target], window.chunk to the lookback, training.validation_size and
 * evaluation.test_size to the horizon. data.path and data.target have no default, and an absent
 * data.time_column means the time column is detected.
 */
export const DEFAULTS = {
  data: { missing: 'interpolate', id_column: [] },
  transforms: [{ kind: 'scale', method: 'standard' }],
  window: { mode: 'many-to-one', lookback: 24, horizon: 12, strategy: 'direct', normalize: 'none' },
  model: {
    cell: 'lstm',
    layers: [{ units: 32 }],
    dropout: 0,
    dense: [],
    linear: false,
    ridge: 0.01,
    scope: 'local',
    pretrained: 'none',
    theta: false,
    holt: false,
    ets: false,
    damping: 1,
  },
  training: {
    optimizer: 'adam',
    learning_rate: 0.001,
    batch_size: 32,
    epochs: 100,
    loss: 'mse',
    clip_norm: 1.0,
    early_stopping: { patience: 10, min_delta: 0 },
    seed: 42,
    threads: 'auto',
    ensemble: 1,
    windows_per_epoch: 0,
  },
  evaluation: { season: 0, rolling: false, levels: [80, 95], quantiles: [] },
  output: { dir: 'runs', plot: true, plot_baselines: [] },
  backend: 'auto',
} as const satisfies DeepReadonly<{
  data: Pick<Config['data'], 'missing' | 'id_column'>;
  transforms: Config['transforms'];
  window: Omit<Config['window'], 'chunk'>;
  model: Config['model'];
  training: Omit<Config['training'], 'validation_size' | 'early_stopping'> & { early_stopping: NonNullable<Config['training']['early_stopping']> };
  evaluation: Omit<Config['evaluation'], 'test_size'>;
  output: Config['output'];
  backend: Config['backend'];
}>;

/**
 * training.teacher_forcing when a many-to-many config leaves it out: the decoder is fed the actual
 * previous values at first, and by the last epoch its own forecasts, as it will be when it forecasts.
 */
export const DEFAULT_TEACHER_FORCING: readonly [number, number] = [1, 0];
