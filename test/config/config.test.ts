import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { renderConfigYaml, transformsFlow } from '../../src/config/render.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { type Config, isPanel } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';
import { thrown } from '../thrown.js';

const FULL = `data:
  path: datasets/airline-passengers.csv
  time_column: month
  target: passengers
  features: [passengers]
  missing: interpolate
transforms: [log, {difference: 12}, {scale: standard}]
window: {mode: many-to-one, lookback: 24, horizon: 12}
model:
  cell: lstm
  layers: [{units: 64}, {units: 32}]
  dropout: 0.1
training:
  optimizer: adam
  learning_rate: 0.001
  batch_size: 32
  epochs: 200
  loss: mse
  clip_norm: 1.0
  early_stopping: {patience: 20}
  validation_size: 12
  seed: 42
evaluation: {test_size: 12, season: 12}
`;

function resolveText(text: string, file = 'my.yaml', overrides = {}): Config {
  const { value, lineOf } = parseConfigText(text, file);
  return resolveConfig(value, { file, lineOf, overrides });
}

const problemsOf = (fn: () => unknown) => thrown(fn, ConfigError).problems;

describe('model.activation (the vanilla RNN)', () => {
  const data = { path: 'x.csv', target: 'y' };
  it('is relu or tanh for cell rnn, absent when tanh, and renders only relu', () => {
    const relu = resolveConfig({ data, model: { cell: 'rnn', activation: 'relu' } });
    expect(relu.model.activation).toBe('relu');
    expect(renderConfigYaml(relu)).toMatch(/cell: rnn\n {2}activation: relu\n/);
    expect(resolveConfig(parseConfigText(renderConfigYaml(relu), 'r.yaml').value).model.activation).toBe('relu');
    const tanh = resolveConfig({ data, model: { cell: 'rnn', activation: 'tanh' } });
    expect(tanh.model.activation).toBeUndefined();
    expect(renderConfigYaml(tanh)).not.toMatch(/activation/);
  });

  it('is refused for LSTM and GRU, and anything but tanh or relu', () => {
    const problems = (model: Record<string, unknown>) => thrown(() => resolveConfig({ data, model }), ConfigError).problems.join('\n');
    expect(problems({ cell: 'gru', activation: 'relu' })).toMatch(/model.activation: applies only to cell rnn/);
    expect(problems({ cell: 'rnn', activation: 'sigmoid' })).toMatch(/model.activation/);
  });
});

describe('model.peephole and model.coupled_gates (the LSTM variants)', () => {
  const data = { path: 'x.csv', target: 'y' };
  it('are on for cell lstm when true, absent when false, and render only when on', () => {
    const both = resolveConfig({ data, model: { cell: 'lstm', peephole: true, coupled_gates: true } });
    expect([both.model.peephole, both.model.coupled_gates]).toEqual([true, true]);
    expect(renderConfigYaml(both)).toMatch(/cell: lstm\n {2}peephole: true\n {2}coupled_gates: true\n/);
    const again = resolveConfig(parseConfigText(renderConfigYaml(both), 'r.yaml').value);
    expect([again.model.peephole, again.model.coupled_gates]).toEqual([true, true]);
    const off = resolveConfig({ data, model: { cell: 'lstm', peephole: false } });
    expect('peephole' in off.model || 'coupled_gates' in off.model).toBe(false);
    expect(renderConfigYaml(off)).not.toMatch(/peephole|coupled/);
  });

  it('are refused for GRU and the vanilla RNN, and when not booleans', () => {
    const problems = (model: Record<string, unknown>) => thrown(() => resolveConfig({ data, model }), ConfigError).problems.join('\n');
    expect(problems({ cell: 'gru', peephole: true })).toMatch(/model.peephole: is an LSTM variant: set model.cell to lstm/);
    expect(problems({ cell: 'rnn', coupled_gates: true })).toMatch(/model.coupled_gates: is an LSTM variant/);
    expect(problems({ cell: 'lstm', peephole: 'yes' })).toMatch(/model.peephole/);
  });
});

describe('resolveConfig', () => {
  it('resolves the full example', () => {
    const c = resolveText(FULL);
    expect(c.data).toEqual({
      path: 'datasets/airline-passengers.csv',
      time_column: 'month',
      target: 'passengers',
      features: ['passengers'],
      missing: 'interpolate',
      id_column: [],
    });
    expect(c.transforms).toEqual([{ kind: 'log' }, { kind: 'difference', lag: 12 }, { kind: 'scale', method: 'standard' }]);
    expect(c.window).toEqual({ mode: 'many-to-one', lookback: 24, horizon: 12, strategy: 'direct', chunk: 24, normalize: 'none' });
    expect(c.model).toEqual({
      cell: 'lstm',
      layers: [{ units: 64 }, { units: 32 }],
      dropout: 0.1,
      dense: [],
      linear: false,
      ridge: 0.01,
      scope: 'local',
      pretrained: 'none',
      theta: false,
      holt: false,
      ets: false,
      damping: 1,
    });
    expect(c.training.early_stopping).toEqual({ patience: 20, min_delta: 0 });
    expect(c.training.epochs).toBe(200);
    expect(c.evaluation).toEqual({ test_size: 12, season: 12, rolling: false, levels: [80, 95], quantiles: [] });
  });

  it('fills every default', () => {
    const c = resolveText('data: {path: x.csv, target: y}\n');
    const expected: Config = {
      data: { path: 'x.csv', time_column: undefined, target: 'y', features: ['y'], missing: 'interpolate', id_column: [] },
      transforms: [{ kind: 'scale', method: 'standard' }],
      window: { mode: 'many-to-one', lookback: 24, horizon: 12, strategy: 'direct', chunk: 24, normalize: 'none' },
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
        validation_size: 12,
        seed: 42,
        threads: 'auto',
        ensemble: 1,
        windows_per_epoch: 0,
      },
      evaluation: { test_size: 12, season: 0, rolling: false, levels: [80, 95], quantiles: [] },
      output: { dir: 'runs', plot: true, plot_baselines: [] },
      backend: 'auto',
    };
    expect(c).toEqual(expected);
    expect(c.data.time_column).toBeUndefined();
  });

  it('derives chunk, validation_size and test_size from lookback and horizon', () => {
    const c = resolveText('data: {path: x.csv, target: y}\nwindow: {lookback: 7, horizon: 3}\n');
    expect(c.window.chunk).toBe(7);
    expect(c.training.validation_size).toBe(3);
    expect(c.evaluation.test_size).toBe(3);
  });

  it('handles time_column null, early_stopping false, bare transforms, dense layers', () => {
    const c = resolveText(`data: {path: x.csv, target: y, time_column: null}
transforms: [difference, scale, {scale: minmax}]
model: {dense: [{units: 16}], cell: gru}
training: {early_stopping: false}
window: {mode: one-to-one, chunk: 5}
backend: wasm
output: {dir: out, plot: false}
`);
    expect(c.data.time_column).toBeNull();
    expect(c.transforms).toEqual([
      { kind: 'difference', lag: 1 },
      { kind: 'scale', method: 'standard' },
      { kind: 'scale', method: 'minmax' },
    ]);
    expect(c.model.dense).toEqual([{ units: 16 }]);
    expect(c.model.cell).toBe('gru');
    expect(c.training.early_stopping).toBeNull();
    expect(c.window).toMatchObject({ mode: 'one-to-one', chunk: 5 });
    expect(c.backend).toBe('wasm');
    expect(c.output).toEqual({ dir: 'out', plot: false, plot_baselines: [] });
    expect(resolveText('data: {path: x.csv, target: y}\ntraining: {early_stopping: null}\n').training.early_stopping).toBeNull();
  });

  it('reads deseasonalize, window.normalize, model.linear and training.ensemble, and checks them', () => {
    const c = resolveText(`data: {path: x.csv, target: y}
transforms: [log, {deseasonalize: 12}, scale]
window: {normalize: last}
model: {linear: true, ridge: 0.5}
training: {ensemble: 5}
`);
    expect(c.transforms).toEqual([{ kind: 'log' }, { kind: 'deseasonalize', period: 12 }, { kind: 'scale', method: 'standard' }]);
    expect(c.window.normalize).toBe('last');
    expect(c.model.linear).toBe(true);
    expect(c.model.ridge).toBe(0.5);
    expect(c.training.ensemble).toBe(5);
    const p = problemsOf(() =>
      resolveText(`data: {path: x.csv, target: y}
transforms: [deseasonalize, {deseasonalize: 1}]
window: {mode: one-to-one, normalize: first}
model: {linear: 1, ridge: -1}
training: {ensemble: 0}
`),
    );
    expect(p).toEqual([
      'transforms[0]: needs the seasonal period, e.g. {deseasonalize: 12} (my.yaml:2)',
      'transforms[1].deseasonalize: must be an integer >= 2, got 1 (my.yaml:2)',
      'window.normalize: must be one of none, last; got "first" (my.yaml:3)',
      'model.linear: must be true or false, got 1 (my.yaml:4)',
      'model.ridge: must be a number >= 0, got -1 (my.yaml:4)',
      'training.ensemble: must be a positive integer, got 0 (my.yaml:5)',
    ]);
    expect(problemsOf(() => resolveText('data: {path: x.csv, target: y}\nwindow: {mode: one-to-one, normalize: last}\nmodel: {linear: true}\n'))).toEqual([
      'window.normalize: last applies only to mode many-to-one (one-to-one windows have no fixed last input) (my.yaml:2)',
      'model.linear: applies only to mode many-to-one (a linear path from the whole input window to the outputs) (my.yaml:3)',
    ]);
  });

  it('lets overrides win over the file', () => {
    const c = resolveText(FULL, 'my.yaml', {
      data: 'other.csv',
      timeColumn: null,
      target: 'z',
      features: ['a', 'z'],
      lookback: 6,
      horizon: 2,
      epochs: 5,
      seed: 7,
      backend: 'cpu',
    });
    expect(c.data).toMatchObject({ path: 'other.csv', time_column: null, target: 'z', features: ['a', 'z'] });
    expect(c.window).toMatchObject({ lookback: 6, horizon: 2 });
    expect(c.training).toMatchObject({ epochs: 5, seed: 7, validation_size: 12 });
    expect(c.backend).toBe('cpu');
  });

  it('reads training.threads as auto or a positive integer; --threads wins', () => {
    expect(resolveText('data: {path: x.csv, target: y}\ntraining: {threads: 3}\n').training.threads).toBe(3);
    expect(resolveText('data: {path: x.csv, target: y}\ntraining: {threads: auto}\n').training.threads).toBe('auto');
    expect(resolveText('data: {path: x.csv, target: y}\ntraining: {threads: 3}\n', 'my.yaml', { threads: 1 }).training.threads).toBe(1);
    for (const bad of ['0', '1.5', 'many']) expect(() => resolveText(`data: {path: x.csv, target: y}\ntraining: {threads: ${bad}}\n`)).toThrow(ConfigError);
    expect(problemsOf(() => resolveText('data: {path: x.csv, target: y}\ntraining: {threads: 0}\n'))).toEqual([
      'training.threads: must be auto or a positive integer, got 0 (my.yaml:2)',
    ]);
    const c = resolveText('data: {path: x.csv, target: y}\ntraining: {threads: 2}\n');
    expect(renderConfigYaml(c)).toContain('threads: 2');
    // model.damping: phi in (0, 1]; a flag overrides it; rendered only when it damps
    expect(resolveText('data: {path: x.csv, target: y}\nmodel: {damping: 0.9}\n').model.damping).toBe(0.9);
    expect(resolveText('data: {path: x.csv, target: y}\nmodel: {damping: 0.9}\n', 'my.yaml', { damping: 1 }).model.damping).toBe(1);
    expect(renderConfigYaml(resolveText('data: {path: x.csv, target: y}\nmodel: {damping: 0.9}\n'))).toContain('damping: 0.9');
    expect(renderConfigYaml(resolveText('data: {path: x.csv, target: y}\n'))).not.toContain('damping');
    // model.theta joins the pretrained forecaster's mean: refused without one; rendered only when on
    expect(resolveText('data: {path: x.csv, target: y}\nmodel: {pretrained: builtin, theta: true}\n').model.theta).toBe(true);
    expect(renderConfigYaml(resolveText('data: {path: x.csv, target: y}\nmodel: {pretrained: builtin, theta: true}\n'))).toContain('theta: true');
    expect(renderConfigYaml(resolveText('data: {path: x.csv, target: y}\n'))).not.toContain('theta');
    expect(problemsOf(() => resolveText('data: {path: x.csv, target: y}\nmodel: {theta: true}\n'))).toEqual([
      'model.theta: joins the mean of the model and the pretrained forecaster: set model.pretrained too, or leave theta out (my.yaml:2)',
    ]);
    // data.delimiter: absent (detected) unless given; tab by name or as a character; rendered when given
    expect(resolveText('data: {path: x.csv, target: y}\n').data.delimiter).toBeUndefined();
    expect(resolveText('data: {path: x.csv, target: y, delimiter: auto}\n').data.delimiter).toBeUndefined();
    expect(resolveText('data: {path: x.csv, target: y, delimiter: ";"}\n').data.delimiter).toBe(';');
    expect(resolveText('data: {path: x.csv, target: y, delimiter: tab}\n').data.delimiter).toBe('\t');
    expect(resolveText('data: {path: x.csv, target: y, delimiter: "\\t"}\n').data.delimiter).toBe('\t');
    expect(renderConfigYaml(resolveText('data: {path: x.csv, target: y, delimiter: tab}\n'))).toContain('delimiter: tab');
    expect(renderConfigYaml(resolveText('data: {path: x.csv, target: y}\n'))).not.toContain('delimiter');
    expect(problemsOf(() => resolveText('data: {path: x.csv, target: y, delimiter: "|"}\n'))).toEqual([
      'data.delimiter: must be ",", ";", tab or auto, got "|" (my.yaml:1)',
    ]);
    // data.time_format: checked as a pattern, overridden by --time-format, rendered when given
    expect(resolveText('data: {path: x.csv, target: y, time_format: "%d.%m.%Y"}\n').data.time_format).toBe('%d.%m.%Y');
    expect(resolveText('data: {path: x.csv, target: y}\n', 'my.yaml', { timeFormat: '%m/%d/%Y' }).data.time_format).toBe('%m/%d/%Y');
    expect(renderConfigYaml(resolveText('data: {path: x.csv, target: y, time_format: "%d.%m.%Y"}\n'))).toContain('time_format: "%d.%m.%Y"');
    expect(problemsOf(() => resolveText('data: {path: x.csv, target: y, time_format: "%d.%m"}\n'))).toEqual([
      'data.time_format: "%d.%m" needs a year (%Y, or %y for two digits) (my.yaml:1)',
    ]);
    // output.plot_baselines: names of baselines, one or a list, rendered only when some are asked for
    expect(resolveText('data: {path: x.csv, target: y}\noutput: {plot_baselines: [seasonal_naive, naive]}\n').output.plot_baselines).toEqual([
      'seasonal_naive',
      'naive',
    ]);
    expect(resolveText('data: {path: x.csv, target: y}\noutput: {plot_baselines: drift}\n').output.plot_baselines).toEqual(['drift']);
    expect(renderConfigYaml(resolveText('data: {path: x.csv, target: y}\noutput: {plot_baselines: drift}\n'))).toMatch(/plot_baselines:\n\s+- drift\n/);
    expect(renderConfigYaml(resolveText('data: {path: x.csv, target: y}\n'))).not.toContain('plot_baselines');
    expect(problemsOf(() => resolveText('data: {path: x.csv, target: y}\noutput: {plot_baselines: [naive, snaive]}\n'))).toEqual([
      'output.plot_baselines[1]: must be one of naive, seasonal_naive, drift; got "snaive" (did you mean "naive"?) (my.yaml:2)',
    ]);
    // model.holt joins the forecast with or without a pretrained forecaster; many-to-one only; rendered only when on
    expect(resolveText('data: {path: x.csv, target: y}\nmodel: {holt: true}\n').model.holt).toBe(true);
    expect(resolveText('data: {path: x.csv, target: y}\nmodel: {holt: true}\n', 'my.yaml', { holt: false }).model.holt).toBe(false);
    expect(renderConfigYaml(resolveText('data: {path: x.csv, target: y}\nmodel: {holt: true}\n'))).toContain('holt: true');
    expect(renderConfigYaml(resolveText('data: {path: x.csv, target: y}\n'))).not.toContain('holt');
    expect(problemsOf(() => resolveText('data: {path: x.csv, target: y}\nwindow: {mode: one-to-one}\nmodel: {holt: true}\n'))).toEqual([
      'model.holt: applies only to mode many-to-one (the whole horizon is forecast from the rows before it) (my.yaml:3)',
    ]);
    // model.ets alike, beside Holt's or alone; --ets overrides it
    expect(resolveText('data: {path: x.csv, target: y}\nmodel: {holt: true, ets: true}\n').model).toMatchObject({ holt: true, ets: true });
    expect(resolveText('data: {path: x.csv, target: y}\nmodel: {ets: true}\n', 'my.yaml', { ets: false }).model.ets).toBe(false);
    expect(renderConfigYaml(resolveText('data: {path: x.csv, target: y}\nmodel: {ets: true}\n'))).toContain('ets: true');
    expect(renderConfigYaml(resolveText('data: {path: x.csv, target: y}\n'))).not.toMatch(/\bets:/);
    expect(problemsOf(() => resolveText('data: {path: x.csv, target: y}\nwindow: {mode: one-to-one}\nmodel: {ets: true}\n'))).toEqual([
      'model.ets: applies only to mode many-to-one (the whole horizon is forecast from the rows before it) (my.yaml:3)',
    ]);
    expect(problemsOf(() => resolveText('data: {path: x.csv, target: y}\nmodel: {ets: yes please}\n'))[0]).toMatch(/^model\.ets: /);
    expect(problemsOf(() => resolveText('data: {path: x.csv, target: y}\nmodel: {damping: 1.5}\n'))).toEqual([
      'model.damping: must be a number in (0, 1] (1: no damping), got 1.5 (my.yaml:2)',
    ]);
    expect(problemsOf(() => resolveText('data: {path: x.csv, target: y}\nmodel: {damping: 0}\n'))).toEqual([
      'model.damping: must be a number > 0, got 0 (my.yaml:2)',
    ]);
    expect(problemsOf(() => resolveText('data: {path: x.csv, target: y}\nwindow: {mode: one-to-one}\nmodel: {damping: 0.9}\n'))).toEqual([
      'model.damping: applies only to mode many-to-one (the whole horizon is forecast from the rows before it) (my.yaml:3)',
    ]);
    expect(renderConfigYaml(resolveText('data: {path: x.csv, target: y}\n'))).toContain('threads: auto');
  });

  it('writes transforms as flow items that read back as the same specs', () => {
    const text = 'log, {deseasonalize: 12}, {scale: standard}, {difference: 1}';
    const c = resolveText(`data: {path: x.csv, target: y}\ntransforms: [${text}]\n`);
    expect(transformsFlow(c.transforms)).toBe(text);
  });

  it('works from overrides alone (no file)', () => {
    const c = resolveConfig({}, { overrides: { data: 'x.csv', target: 'y' } });
    expect(c.data.path).toBe('x.csv');
    expect(c.data.features).toEqual(['y']);
  });

  it('reads evaluation.levels and evaluation.quantiles as ascending lists strictly inside their range; the flags win', () => {
    const c = resolveConfig({ data: { path: 'x.csv', target: 'y' }, evaluation: { levels: [95, 50], quantiles: [0.9, 0.1] } });
    expect(c.evaluation.levels).toEqual([50, 95]);
    expect(c.evaluation.quantiles).toEqual([0.1, 0.9]);
    expect(resolveConfig({ data: { path: 'x.csv', target: 'y' }, evaluation: { levels: [] } }).evaluation.levels).toEqual([]);
    const p = problemsOf(() => resolveConfig({ data: { path: 'x.csv', target: 'y' }, evaluation: { levels: [80, 100, 80], quantiles: 0.5 } }));
    expect(p.some((m) => m.startsWith('evaluation.levels[1]: must be a number between 0 and 100 (exclusive), got 100'))).toBe(true);
    expect(p.some((m) => m.startsWith('evaluation.quantiles: must be a list of numbers between 0 and 1'))).toBe(true);
    const twice = problemsOf(() => resolveConfig({ data: { path: 'x.csv', target: 'y' } }, { overrides: { levels: [80, 80] } }));
    expect(twice).toEqual(['--levels: lists a value twice: [80,80]']);
    expect(resolveConfig({ data: { path: 'x.csv', target: 'y' }, evaluation: { levels: [50] } }, { overrides: { levels: [90] } }).evaluation.levels).toEqual([
      90,
    ]);
  });

  it('refuses on backend webgpu the LSTM variants, which its training path does not train, each by name', () => {
    const base = { data: { path: 'x.csv', target: 'y' }, backend: 'webgpu' };
    // the rest trains there: one-to-one windows, the vanilla RNN, dropout, every optimizer
    const rest = resolveConfig({ ...base, window: { mode: 'one-to-one' }, model: { cell: 'rnn', dropout: 0.1 }, training: { optimizer: 'sgd' } });
    expect(rest.backend).toBe('webgpu');
    expect(rest.model.dropout).toBe(0.1);
    const why = 'does not train on backend webgpu yet; use backend wasm (or cpu) for it';
    expect(problemsOf(() => resolveConfig({ ...base, model: { peephole: true } }))).toEqual([`model.peephole: an LSTM variant ${why}`]);
    expect(problemsOf(() => resolveConfig({ ...base, model: { coupled_gates: true } }))).toEqual([`model.coupled_gates: an LSTM variant ${why}`]);
    // the same setting passes on the other backends
    expect(resolveConfig({ ...base, backend: 'wasm', model: { peephole: true } }).model.peephole).toBe(true);
  });

  it('names bad overrides by their flag', () => {
    const p = problemsOf(() => resolveText(FULL, 'my.yaml', { lookback: 0, backend: 'gpu', epochs: 1.5 }));
    expect(p).toContain('--lookback: must be a positive integer, got 0');
    expect(p).toContain('--epochs: must be a positive integer, got 1.5');
    expect(p.some((s) => s.startsWith('--backend: must be one of auto, cpu, wasm, tensorflow, tensorflow-gpu, webgpu; got "gpu"'))).toBe(true);
    expect(p).toHaveLength(3);
  });

  it('collects every problem with its path and line', () => {
    const text = `data:
  path: x.csv
  target: y
  missing: fill
transforms: [log, {difference: 0}, {scale: robust}, exp]
window: {lookback: 0, horizon: -1, mode: one-to-one, strategy: recursive}
model:
  layers:
    - units: 64
    - units: 0
  dropout: 1
  layer: 3
training:
  learning_rate: 0
  batch_size: 0
  epochs: 2.5
  clip_norm: -1
  seed: 1.5
  validation_size: -1
  early_stopping: {patience: 0, min_delta: -1}
  optimiser: adam
evaluation: {test_size: 0, season: -2, rolling: 1}
backend: gpu
`;
    const p = problemsOf(() => resolveText(text));
    expect(p).toEqual([
      'data.missing: must be one of interpolate, ffill, drop, error; got "fill" (did you mean "ffill"?) (my.yaml:4)',
      'transforms[1].difference: must be a positive integer, got 0 (my.yaml:5)',
      'transforms[2].scale: must be one of minmax, standard, none; got "robust" (my.yaml:5)',
      'transforms[3]: unknown transform "exp" (allowed: log, difference, scale, deseasonalize) (my.yaml:5)',
      'window.lookback: must be a positive integer, got 0 (my.yaml:6)',
      'window.horizon: must be a positive integer, got -1 (my.yaml:6)',
      'window.strategy: recursive applies only to mode many-to-one (one-to-one always forecasts step by step) (my.yaml:6)',
      'model.layer: unknown key (did you mean "layers"?) (my.yaml:12)',
      'model.layers[1].units: must be a positive integer, got 0 (my.yaml:10)',
      'model.dropout: must be a number in [0, 1), got 1 (my.yaml:11)',
      'training.optimiser: unknown key (did you mean "optimizer"?) (my.yaml:21)',
      'training.early_stopping.patience: must be a positive integer, got 0 (my.yaml:20)',
      'training.early_stopping.min_delta: must be a number >= 0, got -1 (my.yaml:20)',
      'training.learning_rate: must be a number > 0, got 0 (my.yaml:14)',
      'training.batch_size: must be a positive integer, got 0 (my.yaml:15)',
      'training.epochs: must be a positive integer, got 2.5 (my.yaml:16)',
      'training.clip_norm: must be a number >= 0, got -1 (my.yaml:17)',
      'training.validation_size: must be a non-negative integer, got -1 (my.yaml:19)',
      'training.seed: must be an integer, got 1.5 (my.yaml:18)',
      'evaluation.test_size: must be a positive integer, got 0 (my.yaml:22)',
      'evaluation.season: must be a non-negative integer, got -2 (my.yaml:22)',
      'evaluation.rolling: must be true or false, got 1 (my.yaml:22)',
      'backend: must be one of auto, cpu, wasm, tensorflow, tensorflow-gpu, webgpu; got "gpu" (did you mean "tensorflow-gpu"?) (my.yaml:23)',
    ]);
  });

  it('throws one ConfigError whose message names the file and lists the problems', () => {
    try {
      resolveText('data: {path: x.csv, target: y}\nmodel: {cell: lstmm}\n');
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).message).toBe(
        'invalid config my.yaml\n  model.cell: must be one of lstm, gru, rnn; got "lstmm" (did you mean "lstm"?) (my.yaml:2)',
      );
    }
  });

  it('requires data.path and data.target', () => {
    const p = problemsOf(() => resolveText('window: {lookback: 3}\n'));
    expect(p).toEqual(['data.path is required (or pass --data)', 'data.target is required (or pass --target)']);
    const p2 = problemsOf(() => resolveText('data:\n  features: [a]\n'));
    expect(p2).toEqual(['data.path is required (or pass --data) (my.yaml:1)', 'data.target is required (or pass --target) (my.yaml:1)']);
  });

  it('suggests close names for unknown keys', () => {
    const p = problemsOf(() => resolveText('data: {path: x.csv, target: y, timecolumn: t}\nwindows: {lookback: 3}\nfoo: 1\n'));
    expect(p).toEqual([
      'windows: unknown key (did you mean "window"?) (my.yaml:2)',
      'foo: unknown key (allowed: data, transforms, window, model, training, evaluation, output, backend) (my.yaml:3)',
      'data.timecolumn: unknown key (did you mean "time_column"?) (my.yaml:1)',
    ]);
  });

  it('reports wrong types', () => {
    const p = problemsOf(() =>
      resolveText(`data: {path: 3, target: y, features: a}
model: {layers: 64, dense: [{units: 2, size: 3}]}
output: {plot: yes}
training: {early_stopping: 5, learning_rate: "0.1"}
window: 12
`),
    );
    expect(p).toEqual([
      'data.path: must be a non-empty string, got 3 (my.yaml:1)',
      'data.features: must be a non-empty list of column names, got "a" (my.yaml:1)',
      'window: must be a mapping, got 12 (my.yaml:5)',
      'model.layers: must be a list of {units: N}, got 64 (my.yaml:2)',
      'model.dense[0].size: unknown key (allowed: units) (my.yaml:2)',
      'training.early_stopping: must be false or {patience: N, min_delta: X}, got 5 (my.yaml:4)',
      'training.learning_rate: must be a number > 0, got "0.1" (my.yaml:4)',
      'output.plot: must be true or false, got "yes" (my.yaml:3)',
    ]);
  });
});

describe('parseConfigText / loadConfigFile', () => {
  it('reports YAML syntax errors with file:line:col', () => {
    try {
      parseConfigText('data:\n  path: x.csv\n  target: [a, b\nmodel: {}\n', 'bad.yaml');
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems;
      expect(problems.length).toBeGreaterThan(0);
      expect(problems[0]).toMatch(/^bad\.yaml:\d+:\d+: /);
      expect((e as ConfigError).message).toMatch(/^invalid YAML in bad\.yaml/);
    }
  });

  it('reports the line of a bad indentation', () => {
    try {
      parseConfigText('data:\n  path: x.csv\n target: y\n', 'bad.yaml');
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as ConfigError).problems[0]).toMatch(/^bad\.yaml:3:\d+: /);
    }
  });

  it('rejects duplicate keys and a non-mapping document', () => {
    expect(() => parseConfigText('a: 1\na: 2\n', 'dup.yaml')).toThrow(/dup\.yaml:2:\d+: /);
    expect(() => parseConfigText('- 1\n- 2\n', 'list.yaml')).toThrow(/list\.yaml:1: the config must be a mapping/);
  });

  it('treats an empty document as an empty mapping', () => {
    expect(parseConfigText('', 'e.yaml').value).toEqual({});
    expect(parseConfigText('# only a comment\n', 'e.yaml').value).toEqual({});
  });

  it('finds lines of keys and list items', () => {
    const { lineOf } = parseConfigText(FULL, 'f.yaml');
    expect(lineOf(['data'])).toBe(1);
    expect(lineOf(['data', 'target'])).toBe(4);
    expect(lineOf(['model', 'layers', 1, 'units'])).toBe(11);
    expect(lineOf(['training', 'early_stopping', 'patience'])).toBe(20);
    expect(lineOf(['model', 'nope'])).toBeUndefined();
  });

  it('loads a file and reports a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnnfc-config-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, FULL);
    const { value, lineOf } = loadConfigFile(file);
    expect(resolveConfig(value, { file, lineOf }).training.epochs).toBe(200);
    expect(() => loadConfigFile(join(dir, 'missing.yaml'))).toThrow(ConfigError);
    expect(() => loadConfigFile(join(dir, 'missing.yaml'))).toThrow(/^cannot read config .*missing\.yaml/);
  });
});

describe('renderConfigYaml', () => {
  const roundTrip = (c: Config): Config => resolveConfig(parseConfigText(renderConfigYaml(c), 'r.yaml').value, { file: 'r.yaml' });

  it('round-trips the full example', () => {
    const c = resolveText(FULL);
    expect(roundTrip(c)).toEqual(c);
    const text = renderConfigYaml(c);
    expect(text).toContain('transforms: [ log, { difference: 12 }, { scale: standard } ]');
    expect(text).toContain('time_column: month');
  });

  it('round-trips defaults, null time column and disabled early stopping', () => {
    const c1 = resolveText('data: {path: x.csv, target: y}\n');
    const r1 = roundTrip(c1);
    expect(r1).toEqual(c1);
    expect(r1.data.time_column).toBeUndefined();
    expect(renderConfigYaml(c1)).not.toContain('time_column');
    const c2 = resolveText(`data: {path: "a b.csv", target: "y: z", time_column: null, features: [a, "y: z"]}
transforms: []
training: {early_stopping: false, learning_rate: 0.5}
model: {dense: [{units: 4}, {units: 2}], cell: rnn}
window: {mode: one-to-one, chunk: 3}
`);
    const r2 = roundTrip(c2);
    expect(r2).toEqual(c2);
    expect(r2.data.time_column).toBeNull();
    expect(r2.training.early_stopping).toBeNull();
    expect(r2.transforms).toEqual([]);
  });
});

describe('wide panels: data.target as a list of columns', () => {
  it('a list of two or more columns is a wide panel: targets lists them, target and features are the first', () => {
    const c = resolveText('data: {path: x.csv, target: [north, south, "1990"]}\n');
    expect(c.data).toStrictEqual({
      path: 'x.csv',
      time_column: undefined,
      target: 'north',
      features: ['north'],
      missing: 'interpolate',
      id_column: [],
      targets: ['north', 'south', '1990'],
    });
    expect(isPanel(c.data)).toBe(true);
  });

  it('a list of one column is that column: the same config as a single target', () => {
    const one = resolveText('data: {path: x.csv, target: [y]}\n');
    expect(one).toStrictEqual(resolveText('data: {path: x.csv, target: y}\n'));
    expect(one.data).not.toHaveProperty('targets');
    expect(isPanel(one.data)).toBe(false);
    expect(isPanel(resolveText('data: {path: x.csv, target: y, id_column: id}\n').data)).toBe(true);
  });

  it('--target given several times overrides the config with a list', () => {
    const c = resolveText('data: {path: x.csv, target: y}\n', 'my.yaml', { target: ['a', 'b'] });
    expect(c.data.targets).toEqual(['a', 'b']);
    expect(c.data.target).toBe('a');
    expect(resolveText('data: {path: x.csv, target: [a, b]}\n', 'my.yaml', { target: 'y' }).data).not.toHaveProperty('targets');
  });

  it('refuses a key column, features, a repeated column, the time column and an empty list, each with its path and line', () => {
    expect(
      problemsOf(() =>
        resolveText(`data:
  path: x.csv
  time_column: month
  target: [a, b, a, month]
  features: [a]
  id_column: id
`),
      ),
    ).toEqual([
      'data.target[2]: duplicate column "a" (my.yaml:4)',
      'data.target[3]: "month" is also the time column; a wide panel\'s series are its other columns (my.yaml:4)',
      'data.features: a wide panel (4 target columns) forecasts each column from itself alone; leave the features out, or give one target column (my.yaml:5)',
      'data.id_column: is for a long panel (one target column, each key a series); with 4 target columns the panel is wide (each column a series, keyed by its name): give one target column with the key columns, or the target columns alone (my.yaml:6)',
    ]);
    expect(problemsOf(() => resolveText('data: {path: x.csv, target: []}\n'))).toEqual([
      'data.target: must name a column, or a list of columns (a wide panel: each column a series), got [] (my.yaml:1)',
    ]);
  });

  it('names the flags when the conflict comes from the command line', () => {
    const p = problemsOf(() => resolveConfig({}, { file: '(flags)', overrides: { data: 'x.csv', target: ['a', 'b'], idColumns: ['id'], features: ['a'] } }));
    expect(p).toEqual([
      '--features: a wide panel (2 target columns) forecasts each column from itself alone; leave the features out, or give one target column',
      '--id-column: is for a long panel (one target column, each key a series); with 2 target columns the panel is wide (each column a series, keyed by its name): give one target column with the key columns, or the target columns alone',
    ]);
  });

  it('renders the list (and the scope, without features) and round-trips; single targets render as they did', () => {
    const c = resolveText('data: {path: x.csv, target: [north, "1990"]}\nmodel: {scope: global}\n');
    const text = renderConfigYaml(c);
    expect(text).toMatch(/^data:\n {2}path: x\.csv\n {2}target: \[ north, "1990" \]\n {2}missing: interpolate\n/);
    expect(text).toContain('  scope: global\n');
    expect(resolveConfig(parseConfigText(text, 'r.yaml').value, { file: 'r.yaml' })).toStrictEqual(c);
    const local = renderConfigYaml(resolveText('data: {path: x.csv, target: [a, b]}\n'));
    expect(local).toContain('  scope: local\n');
    const single = renderConfigYaml(resolveText('data: {path: x.csv, target: y}\n'));
    expect(single).toMatch(/^data:\n {2}path: x\.csv\n {2}target: y\n {2}features: \[ y \]\n {2}missing: interpolate\ntransforms:/);
    expect(single).not.toContain('scope');
  });
});

describe('window.mode many-to-many and training.teacher_forcing', () => {
  const data = { path: 'x.csv', target: 'y' };
  const window = { mode: 'many-to-many', lookback: 12, horizon: 6 };

  it('resolves, with teacher forcing absent unless given, and renders what was given', () => {
    const c = resolveConfig({ data, window });
    expect(c.window.mode).toBe('many-to-many');
    expect(c.training.teacher_forcing).toBeUndefined();
    const t = resolveConfig({ data, window, training: { teacher_forcing: [0.9, 0.1] } });
    expect(t.training.teacher_forcing).toEqual([0.9, 0.1]);
    expect(resolveConfig(parseConfigText(renderConfigYaml(t), 'r.yaml').value).training.teacher_forcing).toEqual([0.9, 0.1]);
  });

  it('refuses what an encoder-decoder cannot do, naming the setting', () => {
    const problems = (over: Record<string, unknown>) => problemsOf(() => resolveConfig({ data, window, ...over })).join('\n');
    expect(problems({ window: { ...window, strategy: 'recursive' } })).toContain('window.strategy: recursive applies only to mode many-to-one');
    expect(problems({ data: { ...data, features: ['y', 'x'] } })).toContain('data.features: mode many-to-many takes the target as its only column');
    expect(problems({ model: { linear: true } })).toContain('model.linear: applies only to mode many-to-one');
    expect(problems({ model: { scope: 'global' } })).toContain('model.scope: global applies only to mode many-to-one');
    expect(problems({ model: { peephole: true } })).toContain('model.peephole: LSTM variants do not take the initial state');
    expect(problems({ evaluation: { intervals: 'quantile' } })).toContain('quantile needs window.mode many-to-one with strategy direct');
    expect(problems({ backend: 'webgpu' })).toContain('window.mode: an encoder-decoder (mode many-to-many) does not train on backend webgpu yet');
    for (const bad of [[1], [1, 2], 'linear', [0.5, '0']])
      expect(problems({ training: { teacher_forcing: bad } })).toContain('training.teacher_forcing: must be two probabilities');
    expect(problemsOf(() => resolveConfig({ data, training: { teacher_forcing: [1, 0] } })).join('\n')).toContain(
      'training.teacher_forcing: applies only to window.mode many-to-many',
    );
  });
});

describe('data.calendar', () => {
  const data = { path: 'x.csv', target: 'y' };

  it('takes one feature or a list, keeps their order, leaves the key out when not given, and renders what was given', () => {
    expect(resolveConfig({ data }).data.calendar).toBeUndefined();
    expect(resolveConfig({ data: { ...data, calendar: 'day_of_week' } }).data.calendar).toEqual(['day_of_week']);
    const c = resolveConfig({ data: { ...data, calendar: ['month_of_year', 'hour_of_day'] }, window: { mode: 'many-to-many', lookback: 4, horizon: 2 } });
    expect(c.data.calendar).toEqual(['month_of_year', 'hour_of_day']);
    expect(resolveConfig(parseConfigText(renderConfigYaml(c), 'r.yaml').value).data.calendar).toEqual(['month_of_year', 'hour_of_day']);
    expect(renderConfigYaml(c)).toContain('calendar: [ month_of_year, hour_of_day ]');
    // the flag, comma-separated, wins over the file
    expect(resolveConfig({ data: { ...data, calendar: 'day_of_week' } }, { overrides: { calendar: ['hour_of_day'] } }).data.calendar).toEqual(['hour_of_day']);
  });

  it('refuses unknown and repeated features, and a global panel model, naming the setting', () => {
    const problems = (over: Record<string, unknown>) => problemsOf(() => resolveConfig({ data: { ...data, ...over } })).join('\n');
    expect(problems({ calendar: ['month'] })).toContain(
      'data.calendar[0]: must be one of hour_of_day, day_of_week, month_of_year; got "month" (did you mean "month_of_year"?)',
    );
    expect(problems({ calendar: 7 })).toContain('data.calendar: must be one of hour_of_day, day_of_week, month_of_year; got 7');
    expect(problems({ calendar: ['day_of_week', 'day_of_week'] })).toContain('data.calendar[1]: duplicate calendar feature "day_of_week"');
    expect(problemsOf(() => resolveConfig({ data: { ...data, id_column: 'id', calendar: ['day_of_week'] }, model: { scope: 'global' } })).join('\n')).toContain(
      'data.calendar: a global panel model takes no calendar inputs yet',
    );
  });
});

describe('data.known_future', () => {
  const data = { path: 'x.csv', target: 'y' };

  it('takes one column or a list, renders it, and the flag wins over the file', () => {
    expect(resolveConfig({ data }).data.known_future).toBeUndefined();
    const c = resolveConfig({ data: { ...data, known_future: 'promo' } });
    expect(c.data.known_future).toEqual(['promo']);
    expect(resolveConfig(parseConfigText(renderConfigYaml(c), 'r.yaml').value).data.known_future).toEqual(['promo']);
    expect(resolveConfig({ data }, { overrides: { knownFuture: ['price', 'promo'] } }).data.known_future).toEqual(['price', 'promo']);
  });

  it('refuses a column another setting names, a repeated one, and panels', () => {
    const problems = (d: Record<string, unknown>) => problemsOf(() => resolveConfig({ data: { ...data, ...d } })).join('\n');
    expect(problems({ known_future: ['y'] })).toContain('data.known_future[0]: "y" is also the target');
    expect(problems({ features: ['y', 'x'], known_future: 'x' })).toContain('data.known_future: "x" is also a feature');
    expect(problems({ time_column: 't', known_future: ['t'] })).toContain('data.known_future[0]: "t" is also the time column');
    expect(problems({ known_future: ['p', 'p'] })).toContain('data.known_future[1]: duplicate column "p"');
    expect(problems({ id_column: 'id', known_future: ['p'] })).toContain(
      'data.known_future: is for a single series; a panel takes no known-future columns yet',
    );
  });
});
