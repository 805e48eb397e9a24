import type { MissingPolicy } from '../types.js';

export type TransformSpec =
  | { kind: 'log' }
  | { kind: 'difference'; lag: number }
  | { kind: 'scale'; method: 'minmax' | 'standard' | 'none' };

export interface DataConfig {
  path: string;
  /** null: no time column, rows are in order; undefined (absent): auto-detect. */
  time_column?: string | null;
  target: string;
  /** Input columns; default [target]. */
  features: string[];
  missing: MissingPolicy;
}

export interface WindowConfig {
  mode: 'many-to-one' | 'one-to-one';
  lookback: number;
  horizon: number;
  /** many-to-one only: 'direct' (one vector of horizon outputs) or 'recursive' (one-step model fed back). */
  strategy: 'direct' | 'recursive';
  /** one-to-one only: BPTT chunk length. */
  chunk: number;
}

export interface ModelConfig {
  cell: 'lstm' | 'gru' | 'rnn';
  layers: { units: number }[];
  dropout: number;
  /** Hidden dense layers between the recurrent stack and the output layer. */
  dense: { units: number }[];
}

export interface TrainingConfig {
  optimizer: 'adam' | 'rmsprop' | 'sgd';
  learning_rate: number;
  batch_size: number;
  epochs: number;
  loss: 'mse' | 'mae' | 'huber';
  /** Global-norm gradient clipping; 0 disables. */
  clip_norm: number;
  early_stopping: { patience: number; min_delta: number } | null;
  validation_size: number;
  seed: number;
  /**
   * Threads the fused LSTM/GRU kernels split each batch over; 'auto' = the machine's cores.
   * Results are reproducible for a given thread count (and differ slightly between counts).
   */
  threads: number | 'auto';
}

export interface EvaluationConfig {
  /** Test points at the end of the series; default = horizon. */
  test_size: number;
  /** Seasonal period for MASE and seasonal naive; 0 = infer from the frequency. */
  season: number;
}

export interface OutputConfig {
  /** Parent folder of new runs. */
  dir: string;
  plot: boolean;
}

export interface Config {
  data: DataConfig;
  transforms: TransformSpec[];
  window: WindowConfig;
  model: ModelConfig;
  training: TrainingConfig;
  evaluation: EvaluationConfig;
  output: OutputConfig;
  backend: 'auto' | 'cpu' | 'wasm' | 'tensorflow' | 'tensorflow-gpu';
}
