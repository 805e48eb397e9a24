import { UsageError } from '../errors.js';
import { readHeader, readSeries } from '../io/input-file.js';
import { defaultSeason } from '../metrics/season.js';
import { configFromOptions } from './common.js';
import { autoConfigFor } from '../forecast/defaults.js';
import { transformsFlow } from '../config/render.js';

export interface InitOptions {
  data: string;
  target?: string;
  timeColumn?: string;
}

/** `rnnfc init`: prints a starter config chosen from the CSV's columns and frequency. */
export async function initCommand(opts: InitOptions): Promise<void> {
  const { columns, rows } = readHeader(opts.data);
  const numeric = columns.filter((_, j) => rows.some((r) => r[j] !== undefined && r[j] !== '' && Number.isFinite(Number(r[j]))));
  let target = opts.target;
  if (target === undefined) {
    const candidates = numeric.filter((c) => c !== opts.timeColumn);
    target = candidates[candidates.length - 1];
    if (target === undefined) throw new UsageError(`${opts.data}: no numeric column to forecast; pass --target`);
  }
  const s = readSeries({ path: opts.data, timeColumn: opts.timeColumn === 'none' ? null : opts.timeColumn, target, features: [target], missing: 'interpolate' });
  const f = s.index.frequency;
  const season = defaultSeason(f);
  const n = s.columns[target].length;
  const horizon = Math.max(1, Math.min(season > 1 ? season : 12, Math.floor(n / 10)));
  // the config-less defaults (as train and backtest choose them without a config), from the rows
  // before the test period
  const base = configFromOptions({ data: opts.data, timeColumn: opts.timeColumn, target, horizon });
  const auto = autoConfigFor(season)(base, s, n - horizon);
  const transforms = transformsFlow(auto.transforms);
  const { lookback } = auto.window;
  const timeLine = s.timeColumn === null ? 'time_column: null   # no time column: rows are in order' : `time_column: ${s.timeColumn}`;
  process.stdout.write(`# rnnfc config for ${opts.data}: ${n} rows, every ${f.step} ${f.unit}
# columns: ${columns.join(', ')}
data:
  path: ${opts.data}
  ${timeLine}
  target: ${target}
  features: [${target}]
  missing: interpolate
transforms: [${transforms}]
window: {mode: many-to-one, lookback: ${lookback}, horizon: ${horizon}${auto.window.strategy === 'recursive' ? ', strategy: recursive' : ''}, normalize: last}   # windows relative to their last value
model:
  cell: lstm
  layers: [{units: 32}]
  dropout: 0
  linear: true                # a ridge-fitted linear path; the LSTM learns what it leaves
  ridge: ${Number(auto.model.ridge.toPrecision(3))}
training:
  optimizer: adam
  learning_rate: 0.001
  batch_size: 32
  epochs: 100
  loss: mae
  clip_norm: 1.0
  early_stopping: {patience: 10}
  validation_size: ${auto.training.validation_size}
  seed: 42
evaluation: {test_size: ${horizon}, season: ${season}}
`);
}
