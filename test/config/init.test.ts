import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONFIG_SCHEMA, type InitOptions, initCommand } from '../../src/commands/init.js';
import { parseConfigText } from '../../src/config/load.js';
import { resolveConfig } from '../../src/config/resolve.js';

/**
 * `rnnfc init` output as it was when init wrote its YAML by hand (before it rendered the
 * defaults and autoConfigFor's choices): whatever the text now looks like, it must resolve to
 * the same config (and, since the config-less defaults use it, the built-in pretrained forecaster).
 */
const HAND_WRITTEN: Record<string, [InitOptions, string]> = {
  airline: [
    { data: 'datasets/airline-passengers.csv' },
    `# rnnfc config for datasets/airline-passengers.csv: 144 rows, every 1 month
# columns: month, passengers
data:
  path: datasets/airline-passengers.csv
  time_column: month
  target: passengers
  features: [passengers]
  missing: interpolate
transforms: [log, {scale: standard}]
window: {mode: many-to-one, lookback: 24, horizon: 12, normalize: last}   # windows relative to their last value
model:
  cell: lstm
  layers: [{units: 32}]
  dropout: 0
  linear: true                # a ridge-fitted linear path; the LSTM learns what it leaves
  ridge: 0.118
training:
  optimizer: adam
  learning_rate: 0.001
  batch_size: 32
  epochs: 100
  loss: mae
  clip_norm: 1.0
  early_stopping: {patience: 10}
  validation_size: 12
  seed: 42
evaluation: {test_size: 12, season: 12}
`,
  ],
  co2: [
    { data: 'datasets/co2-mauna-loa.csv' },
    `# rnnfc config for datasets/co2-mauna-loa.csv: 468 rows, every 1 month
# columns: month, co2_ppm
data:
  path: datasets/co2-mauna-loa.csv
  time_column: month
  target: co2_ppm
  features: [co2_ppm]
  missing: interpolate
transforms: [log, {deseasonalize: 12}, {scale: standard}]
window: {mode: many-to-one, lookback: 24, horizon: 12, normalize: last}   # windows relative to their last value
model:
  cell: lstm
  layers: [{units: 32}]
  dropout: 0
  linear: true                # a ridge-fitted linear path; the LSTM learns what it leaves
  ridge: 0.0244
training:
  optimizer: adam
  learning_rate: 0.001
  batch_size: 32
  epochs: 100
  loss: mae
  clip_norm: 1.0
  early_stopping: {patience: 10}
  validation_size: 12
  seed: 42
evaluation: {test_size: 12, season: 12}
`,
  ],
  sunspots: [
    { data: 'datasets/sunspots-monthly.csv' },
    `# rnnfc config for datasets/sunspots-monthly.csv: 3177 rows, every 1 month
# columns: month, sunspots
data:
  path: datasets/sunspots-monthly.csv
  time_column: month
  target: sunspots
  features: [sunspots]
  missing: interpolate
transforms: [{scale: standard}]
window: {mode: many-to-one, lookback: 24, horizon: 12, normalize: last}   # windows relative to their last value
model:
  cell: lstm
  layers: [{units: 32}]
  dropout: 0
  linear: true                # a ridge-fitted linear path; the LSTM learns what it leaves
  ridge: 0.00321
training:
  optimizer: adam
  learning_rate: 0.001
  batch_size: 32
  epochs: 100
  loss: mae
  clip_norm: 1.0
  early_stopping: {patience: 10}
  validation_size: 12
  seed: 42
evaluation: {test_size: 12, season: 12}
`,
  ],
  none: [
    { data: 'datasets/airline-passengers.csv', timeColumn: 'none' },
    `# rnnfc config for datasets/airline-passengers.csv: 144 rows, every 1 row
# columns: month, passengers
data:
  path: datasets/airline-passengers.csv
  time_column: null   # no time column: rows are in order
  target: passengers
  features: [passengers]
  missing: interpolate
transforms: [log, {scale: standard}]
window: {mode: many-to-one, lookback: 12, horizon: 12, normalize: last}   # windows relative to their last value
model:
  cell: lstm
  layers: [{units: 32}]
  dropout: 0
  linear: true                # a ridge-fitted linear path; the LSTM learns what it leaves
  ridge: 0.103
training:
  optimizer: adam
  learning_rate: 0.001
  batch_size: 32
  epochs: 100
  loss: mae
  clip_norm: 1.0
  early_stopping: {patience: 10}
  validation_size: 12
  seed: 42
evaluation: {test_size: 12, season: 1}
`,
  ],
};

function resolveText(text: string) {
  const { value, lineOf } = parseConfigText(text, 'init.yaml');
  return resolveConfig(value, { file: 'init.yaml', lineOf });
}

async function initText(opts: InitOptions): Promise<string> {
  let text = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  await initCommand(opts);
  vi.restoreAllMocks();
  return text;
}

describe('rnnfc init', () => {
  afterEach(() => vi.restoreAllMocks());

  for (const [name, [opts, before]] of Object.entries(HAND_WRITTEN)) {
    it(`resolves to the same config as before (${name})`, async () => {
      const text = await initText(opts);
      // since then the config-less defaults also name the built-in pretrained forecaster
      const was = resolveText(before);
      const now = resolveText(text);
      // the ridge penalty is now written whole, as config-less train uses it (it was cut to 3 digits)
      // and since then Holt's damped trend (model.holt)
      expect(now).toStrictEqual({ ...was, model: { ...was.model, pretrained: 'builtin', holt: true, ridge: now.model.ridge } });
      expect(Math.abs(now.model.ridge - was.model.ridge) / was.model.ridge).toBeLessThan(0.005);
      expect(text).not.toContain('theta');
      expect(text).toContain('pretrained: builtin # mean with the pretrained network unless the model alone is better on validation; none: off');
      expect(text).not.toContain('damping');
      expect(text).toContain("holt: true # Holt's damped-trend smoothing joins the forecast's mean");
      // the header and the comments stay
      // after the line that points editors at the config's JSON Schema
      expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${CONFIG_SCHEMA}`);
      expect(text.split('\n').slice(1, 3)).toEqual(before.split('\n').slice(0, 2));
      expect(text).toContain('# windows relative to their last value');
      expect(text).toContain('# a ridge-fitted linear path; the LSTM learns what it leaves');
    });
  }
});
