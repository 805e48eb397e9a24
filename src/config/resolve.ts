import { CALENDAR_FEATURES, type CalendarFeature } from '../data/calendar.js';
import { timePatternProblem } from '../data/time.js';
import { ConfigError } from '../errors.js';
import { TRANSFORM_NAMES, TRANSFORMS, transformNamed, transformOf } from '../transforms/registry.js';
import { Checker, describe, formatPath, isRecord, type Path, suggest } from './checker.js';
import { DEFAULTS } from './defaults.js';
import {
  BACKENDS,
  CELLS,
  INTERVAL_METHODS,
  LOSSES,
  MISSING_POLICIES,
  NORMALIZE_MODES,
  OPTIMIZERS,
  PLOT_BASELINES,
  SCOPES,
  STRATEGIES,
  WINDOW_MODES,
} from './names.js';
import type { Config, DataConfig, EvaluationConfig, ModelConfig, OutputConfig, TrainingConfig, TransformSpec, WindowConfig } from './types.js';

/** Command-line values that win over the config file. */
export interface ConfigOverrides {
  data?: string;
  timeColumn?: string | null;
  timeFormat?: string;
  /** One column, or several (a wide panel). */
  target?: string | string[];
  features?: string[];
  idColumns?: string[];
  staticColumns?: string[];
  calendar?: string[];
  knownFuture?: string[];
  scope?: string;
  /** window.mode */
  mode?: string;
  /** model.cell */
  cell?: string;
  pretrained?: string;
  theta?: boolean;
  holt?: boolean;
  ets?: boolean;
  damping?: number;
  levels?: number[];
  quantiles?: number[];
  intervals?: string;
  season?: number;
  plot?: boolean;
  plotBaselines?: string[];
  lookback?: number;
  horizon?: number;
  epochs?: number;
  seed?: number;
  threads?: number | 'auto';
  backend?: string;
}

export interface ResolveOptions {
  file?: string;
  lineOf?: (p: (string | number)[]) => number | undefined;
  overrides?: ConfigOverrides;
}

const OVERRIDE_FLAGS: Record<keyof ConfigOverrides, { path: Path; flag: string }> = {
  data: { path: ['data', 'path'], flag: '--data' },
  timeColumn: { path: ['data', 'time_column'], flag: '--time-column' },
  timeFormat: { path: ['data', 'time_format'], flag: '--time-format' },
  target: { path: ['data', 'target'], flag: '--target' },
  features: { path: ['data', 'features'], flag: '--features' },
  idColumns: { path: ['data', 'id_column'], flag: '--id-column' },
  staticColumns: { path: ['data', 'static_columns'], flag: '--static-column' },
  calendar: { path: ['data', 'calendar'], flag: '--calendar' },
  knownFuture: { path: ['data', 'known_future'], flag: '--known-future' },
  scope: { path: ['model', 'scope'], flag: '--scope' },
  mode: { path: ['window', 'mode'], flag: '--mode' },
  cell: { path: ['model', 'cell'], flag: '--cell' },
  pretrained: { path: ['model', 'pretrained'], flag: '--pretrained' },
  theta: { path: ['model', 'theta'], flag: '--theta' },
  holt: { path: ['model', 'holt'], flag: '--holt' },
  ets: { path: ['model', 'ets'], flag: '--ets' },
  damping: { path: ['model', 'damping'], flag: '--damping' },
  levels: { path: ['evaluation', 'levels'], flag: '--levels' },
  quantiles: { path: ['evaluation', 'quantiles'], flag: '--quantiles' },
  intervals: { path: ['evaluation', 'intervals'], flag: '--intervals' },
  season: { path: ['evaluation', 'season'], flag: '--season' },
  plot: { path: ['output', 'plot'], flag: '--no-plot' },
  plotBaselines: { path: ['output', 'plot_baselines'], flag: '--plot-baselines' },
  lookback: { path: ['window', 'lookback'], flag: '--lookback' },
  horizon: { path: ['window', 'horizon'], flag: '--horizon' },
  epochs: { path: ['training', 'epochs'], flag: '--epochs' },
  seed: { path: ['training', 'seed'], flag: '--seed' },
  threads: { path: ['training', 'threads'], flag: '--threads' },
  backend: { path: ['backend'], flag: '--backend' },
};

/** data.static_columns: one column's name or a list, each a column of a long panel that no other setting names. */
function staticColumnsOf(
  c: Checker,
  v: unknown,
  used: { target: string; features: string[]; timeColumn: string | null | undefined; idColumns: string[]; wide: boolean },
): string[] {
  if (v === undefined || v === null) return [];
  const path: Path = ['data', 'static_columns'];
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) return [];
  if (used.idColumns.length === 0 || used.wide) {
    c.problem(path, 'needs a long panel (data.id_column): static columns hold one value per series of it');
    return [];
  }
  return columnNamesOf(c, v, path, (f) =>
    f === used.timeColumn || f === used.target || used.features.includes(f) || used.idColumns.includes(f)
      ? `${JSON.stringify(f)} is also the ${f === used.timeColumn ? 'time column' : used.idColumns.includes(f) ? 'key column' : 'target or a feature'}; ` +
        'a static column holds something else about each series'
      : null,
  );
}

/** A setting's column names (`v`: one or a list, at `path`), each once and none that `clash` refuses (its reason, else null). */
function columnNamesOf(c: Checker, v: unknown, path: Path, clash: (name: string) => string | null): string[] {
  const list = Array.isArray(v) ? v : [v];
  const names = list.map((f, i) => c.str(f, Array.isArray(v) ? [...path, i] : path, ''));
  const seen = new Set<string>();
  names.forEach((f, i) => {
    if (!f) return;
    const why = seen.has(f) ? `duplicate column ${JSON.stringify(f)}` : clash(f);
    if (why) c.problem(Array.isArray(v) ? [...path, i] : path, why);
    seen.add(f);
  });
  return names;
}

/** data.calendar: one calendar feature's name or a list of them (data/calendar.ts), each once. */
function calendarOf(c: Checker, v: unknown): CalendarFeature[] {
  if (v === undefined || v === null) return [];
  const path: Path = ['data', 'calendar'];
  const list = Array.isArray(v) ? v : [v];
  const out: CalendarFeature[] = [];
  list.forEach((f, i) => {
    const at = Array.isArray(v) ? [...path, i] : path;
    if (!(typeof f === 'string' && (CALENDAR_FEATURES as readonly string[]).includes(f))) {
      const hint = typeof f === 'string' ? suggest(f, CALENDAR_FEATURES) : undefined;
      c.problem(at, `must be one of ${CALENDAR_FEATURES.join(', ')}; got ${describe(f)}${hint ? ` (did you mean "${hint}"?)` : ''}`);
      return;
    }
    const name = f as CalendarFeature;
    if (out.includes(name)) c.problem(at, `duplicate calendar feature ${JSON.stringify(name)}`);
    else out.push(name);
  });
  return out;
}

/** data.known_future: one column's name or a list, each a column that no other setting names (one series, not a panel). */
function knownFutureOf(c: Checker, v: unknown, used: { target: string; features: string[]; timeColumn: string | null | undefined; panel: boolean }): string[] {
  if (v === undefined || v === null) return [];
  const path: Path = ['data', 'known_future'];
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) return [];
  if (used.panel) {
    c.problem(path, 'is for a single series; a panel takes no known-future columns yet');
    return [];
  }
  return columnNamesOf(c, v, path, (f) =>
    f === used.timeColumn || f === used.target || used.features.includes(f)
      ? `${JSON.stringify(f)} is also ${f === used.timeColumn ? 'the time column' : f === used.target ? 'the target' : 'a feature'}; ` +
        'a known-future column is an input whose values ahead the file gives'
      : null,
  );
}

/** `a, b or c`. */
function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function defaultTransforms(): TransformSpec[] {
  return DEFAULTS.transforms.map((t) => transformOf(t).clone(t));
}

function transformsOf(c: Checker, v: unknown): TransformSpec[] {
  const path: Path = ['transforms'];
  if (v === undefined) return defaultTransforms();
  if (v === null) return [];
  if (!Array.isArray(v)) {
    c.problem(path, `must be a list such as [log, {difference: 12}, {scale: standard}], got ${describe(v)}`);
    return defaultTransforms();
  }
  const out: TransformSpec[] = [];
  v.forEach((entry, i) => {
    const p: Path = [...path, i];
    let name: string;
    let arg: unknown;
    let argPath: Path = p;
    if (typeof entry === 'string') {
      name = entry;
    } else if (isRecord(entry)) {
      const keys = Object.keys(entry);
      if (keys.length !== 1) {
        c.problem(p, `must have exactly one key (${orList(TRANSFORM_NAMES)}), got ${keys.length ? keys.join(', ') : 'none'}`);
        return;
      }
      name = keys[0];
      arg = entry[name];
      argPath = [...p, name];
      if (arg === null) arg = undefined;
    } else {
      c.problem(p, `must be ${orList(TRANSFORMS.flatMap((t) => t.forms))}; got ${describe(entry)}`);
      return;
    }
    const t = transformNamed(name);
    if (!t) {
      const s = suggest(name, TRANSFORM_NAMES);
      c.problem(argPath, `unknown transform ${describe(name)}${s ? ` (did you mean "${s}"?)` : ` (allowed: ${TRANSFORM_NAMES.join(', ')})`}`);
      return;
    }
    const spec = t.parse(arg, c, argPath);
    if (spec) out.push(spec);
  });
  return out;
}

function setIn(root: Record<string, unknown>, path: Path, value: unknown): void {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i] as string;
    const next = node[k];
    node[k] = isRecord(next) ? { ...next } : {};
    node = node[k] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/** A fresh copy of a default list of layers. */
function copyUnits(layers: readonly { readonly units: number }[]): { units: number }[] {
  return layers.map((l) => ({ units: l.units }));
}

/** training.threads: 'auto' (the default) or a positive integer. */
/** data.delimiter: ',', ';', a tab (`"\\t"` or `tab`) or `auto` (absent: detected from the file). */
function delimiterOf(c: Checker, v: unknown): { delimiter?: ',' | ';' | '\t' } {
  if (v === undefined || v === null || v === 'auto') return {};
  if (v === ',' || v === ';' || v === '\t') return { delimiter: v };
  if (v === 'tab') return { delimiter: '\t' };
  c.problem(['data', 'delimiter'], `must be ",", ";", tab or auto, got ${describe(v)}`);
  return {};
}

/** data.time_format: a pattern data/time.ts timeParser reads (absent: the spellings rnnfc detects). */
function timeFormatOf(c: Checker, v: unknown): { time_format?: string } {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'string') {
    c.problem(['data', 'time_format'], `must be a pattern such as "%m/%d/%Y", got ${describe(v)}`);
    return {};
  }
  const problem = timePatternProblem(v);
  if (problem) c.problem(['data', 'time_format'], `${JSON.stringify(v)} ${problem}`);
  return { time_format: v };
}

function threadsSetting(c: Checker, v: unknown): number | 'auto' {
  if (v === undefined || v === null) return DEFAULTS.training.threads;
  if (v === 'auto') return 'auto';
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1) return v;
  c.problem(['training', 'threads'], `must be auto or a positive integer, got ${describe(v)}`);
  return 'auto';
}

/**
 * Validate a parsed config (plus command-line overrides) and fill every default.
 * Collects every problem, then throws one ConfigError('invalid config <file>', problems).
 */
export function resolveConfig(value: unknown, opts: ResolveOptions = {}): Config {
  const file = opts.file;
  const c = new Checker(file, opts.lineOf);
  let root: Record<string, unknown> = {};
  if (value === undefined || value === null) root = {};
  else if (!isRecord(value)) c.problem([], `the config must be a mapping, got ${describe(value)}`);
  else root = { ...value };

  for (const [name, { path, flag }] of Object.entries(OVERRIDE_FLAGS) as [keyof ConfigOverrides, { path: Path; flag: string }][]) {
    const ov = opts.overrides?.[name];
    if (ov === undefined) continue;
    setIn(root, path, ov);
    c.overridden.set(formatPath(path), flag);
  }

  c.keys(root, [], ['data', 'transforms', 'window', 'model', 'training', 'evaluation', 'output', 'backend']);

  // data
  const d = c.section(
    root.data,
    ['data'],
    ['path', 'time_column', 'time_format', 'target', 'features', 'missing', 'delimiter', 'id_column', 'static_columns', 'calendar', 'known_future'],
  );
  let dataPath = '';
  if (d.path === undefined || d.path === null) c.problem(['data', 'path'], 'is required (or pass --data)', ' ');
  else dataPath = c.str(d.path, ['data', 'path'], '');
  let target = '';
  // a list of target columns is a wide panel (each column a series); a list of one is that column
  let targets: string[] | undefined;
  if (d.target === undefined || d.target === null) c.problem(['data', 'target'], 'is required (or pass --target)', ' ');
  else if (Array.isArray(d.target)) {
    if (d.target.length === 0) c.problem(['data', 'target'], 'must name a column, or a list of columns (a wide panel: each column a series), got []');
    const list = d.target.map((f, i) => c.str(f, ['data', 'target', i], ''));
    const seen = new Set<string>();
    list.forEach((f, i) => {
      if (f && seen.has(f)) c.problem(['data', 'target', i], `duplicate column ${JSON.stringify(f)}`);
      seen.add(f);
    });
    target = list[0] ?? '';
    if (list.length > 1) targets = list;
  } else target = c.str(d.target, ['data', 'target'], '');
  let timeColumn: string | null | undefined;
  if (d.time_column === null) timeColumn = null;
  else if (d.time_column !== undefined) timeColumn = c.str(d.time_column, ['data', 'time_column'], '') || undefined;
  if (targets && timeColumn)
    targets.forEach((f, i) => {
      if (f === timeColumn) c.problem(['data', 'target', i], `${JSON.stringify(f)} is also the time column; a wide panel's series are its other columns`);
    });
  let features: string[] = [target];
  if (d.features !== undefined && targets) {
    c.problem(
      ['data', 'features'],
      `a wide panel (${targets.length} target columns) forecasts each column from itself alone; leave the features out, or give one target column`,
    );
  } else if (d.features !== undefined) {
    if (!Array.isArray(d.features) || d.features.length === 0) {
      c.problem(['data', 'features'], `must be a non-empty list of column names, got ${describe(d.features)}`);
    } else {
      features = d.features.map((f, i) => c.str(f, ['data', 'features', i], ''));
      const seen = new Set<string>();
      features.forEach((f, i) => {
        if (f && seen.has(f)) c.problem(['data', 'features', i], `duplicate column ${JSON.stringify(f)}`);
        seen.add(f);
      });
    }
  }
  // id_column: one key column's name, or a list of them
  let idColumns: string[] = [];
  if (d.id_column !== undefined && d.id_column !== null) {
    const list = Array.isArray(d.id_column) ? d.id_column : [d.id_column];
    if (list.length === 0) c.problem(['data', 'id_column'], 'must name a key column, or a list of them, got []');
    idColumns = list.map((f, i) => c.str(f, Array.isArray(d.id_column) ? ['data', 'id_column', i] : ['data', 'id_column'], ''));
    const seen = new Set<string>();
    idColumns.forEach((f, i) => {
      if (f && seen.has(f)) c.problem(['data', 'id_column', i], `duplicate column ${JSON.stringify(f)}`);
      else if (f && (f === target || features.includes(f) || f === timeColumn))
        c.problem(
          ['data', 'id_column', ...(Array.isArray(d.id_column) ? [i] : [])],
          `${JSON.stringify(f)} is also the ${f === timeColumn ? 'time column' : 'target or a feature'}; a key column only names series`,
        );
      seen.add(f);
    });
  }
  if (targets && idColumns.length > 0)
    c.problem(
      ['data', 'id_column'],
      `is for a long panel (one target column, each key a series); with ${targets.length} target columns the panel is wide (each column a series, ` +
        'keyed by its name): give one target column with the key columns, or the target columns alone',
    );
  const staticColumns = staticColumnsOf(c, d.static_columns, { target, features, timeColumn, idColumns, wide: Boolean(targets) });
  const calendar = calendarOf(c, d.calendar);
  const knownFuture = knownFutureOf(c, d.known_future, { target, features, timeColumn, panel: idColumns.length > 0 || Boolean(targets) });
  const data: DataConfig = {
    path: dataPath,
    time_column: timeColumn,
    target,
    features,
    missing: c.enumOf(d.missing, ['data', 'missing'], MISSING_POLICIES, DEFAULTS.data.missing),
    ...delimiterOf(c, d.delimiter),
    ...timeFormatOf(c, d.time_format),
    id_column: idColumns,
    ...(staticColumns.length ? { static_columns: staticColumns } : {}),
    ...(calendar.length ? { calendar } : {}),
    ...(knownFuture.length ? { known_future: knownFuture } : {}),
    ...(targets ? { targets } : {}),
  };

  const transforms = transformsOf(c, root.transforms);

  // window
  const w = c.section(root.window, ['window'], ['mode', 'lookback', 'horizon', 'strategy', 'chunk', 'normalize']);
  const wd = DEFAULTS.window;
  const lookback = c.int(w.lookback, ['window', 'lookback'], 1, wd.lookback);
  const horizon = c.int(w.horizon, ['window', 'horizon'], 1, wd.horizon);
  const window: WindowConfig = {
    mode: c.enumOf(w.mode, ['window', 'mode'], WINDOW_MODES, wd.mode),
    lookback,
    horizon,
    strategy: c.enumOf(w.strategy, ['window', 'strategy'], STRATEGIES, wd.strategy),
    chunk: c.int(w.chunk, ['window', 'chunk'], 1, lookback),
    normalize: c.enumOf(w.normalize, ['window', 'normalize'], NORMALIZE_MODES, wd.normalize),
  };
  if (window.normalize === 'last' && window.mode === 'one-to-one') {
    c.problem(['window', 'normalize'], 'last applies only to mode many-to-one (one-to-one windows have no fixed last input)');
  }
  if (window.mode === 'one-to-one' && window.strategy === 'recursive') {
    c.problem(['window', 'strategy'], 'recursive applies only to mode many-to-one (one-to-one always forecasts step by step)');
  }
  if (window.mode === 'many-to-many') {
    if (window.strategy === 'recursive')
      c.problem(['window', 'strategy'], "recursive applies only to mode many-to-one (many-to-many's decoder forecasts the horizon step by step itself)");
    if (features.length !== 1 || features[0] !== target)
      c.problem(
        ['data', 'features'],
        `mode many-to-many takes the target as its only column (the decoder feeds back its own forecasts; inputs known in the future come from data.calendar), got ${JSON.stringify(features)}`,
      );
  }

  // model
  const m = c.section(
    root.model,
    ['model'],
    [
      'cell',
      'activation',
      'peephole',
      'coupled_gates',
      'layers',
      'dropout',
      'dense',
      'linear',
      'ridge',
      'scope',
      'pretrained',
      'theta',
      'holt',
      'ets',
      'damping',
    ],
  );
  const md = DEFAULTS.model;
  const model: ModelConfig = {
    cell: c.enumOf(m.cell, ['model', 'cell'], CELLS, md.cell),
    layers: c.units(m.layers, ['model', 'layers'], copyUnits(md.layers), true),
    dropout: c.num(m.dropout, ['model', 'dropout'], md.dropout, { min: 0, maxOpen: 1 }),
    dense: c.units(m.dense === null ? [] : m.dense, ['model', 'dense'], copyUnits(md.dense), false),
    linear: c.bool(m.linear, ['model', 'linear'], md.linear),
    ridge: c.num(m.ridge, ['model', 'ridge'], md.ridge, { min: 0 }),
    scope: c.enumOf(m.scope, ['model', 'scope'], SCOPES, md.scope),
    pretrained: c.str(m.pretrained, ['model', 'pretrained'], md.pretrained),
    theta: c.bool(m.theta, ['model', 'theta'], md.theta),
    holt: c.bool(m.holt, ['model', 'holt'], md.holt),
    ets: c.bool(m.ets, ['model', 'ets'], md.ets),
    damping: c.num(m.damping, ['model', 'damping'], md.damping, { min: 0, minOpen: true }),
  };
  if (m.activation !== undefined && m.activation !== null) {
    const activation = c.enumOf(m.activation, ['model', 'activation'], ['tanh', 'relu'] as const, 'tanh');
    if (model.cell !== 'rnn') c.problem(['model', 'activation'], `applies only to cell rnn (the vanilla RNN); LSTM and GRU use tanh`);
    else if (activation === 'relu') model.activation = activation;
  }
  // the LSTM's variants (one layer class, LSTMVariant): off unless asked for
  for (const key of ['peephole', 'coupled_gates'] as const) {
    if (m[key] === undefined || m[key] === null) continue;
    const on = c.bool(m[key], ['model', key], false);
    if (on && model.cell !== 'lstm') c.problem(['model', key], `is an LSTM variant: set model.cell to lstm, or leave ${key} out`);
    else if (on) model[key] = true;
  }
  if ((model.peephole || model.coupled_gates) && window.mode === 'many-to-many')
    c.problem(
      ['model', model.peephole ? 'peephole' : 'coupled_gates'],
      'LSTM variants do not take the initial state a many-to-many decoder starts from yet; use the plain lstm, or mode many-to-one',
    );
  if (model.theta && model.pretrained === 'none') {
    c.problem(['model', 'theta'], 'joins the mean of the model and the pretrained forecaster: set model.pretrained too, or leave theta out');
  }
  if (model.holt && window.mode === 'one-to-one')
    c.problem(['model', 'holt'], 'applies only to mode many-to-one (the whole horizon is forecast from the rows before it)');
  if (model.ets && window.mode === 'one-to-one')
    c.problem(['model', 'ets'], 'applies only to mode many-to-one (the whole horizon is forecast from the rows before it)');
  if (model.damping > 1) c.problem(['model', 'damping'], `must be a number in (0, 1] (1: no damping), got ${model.damping}`);
  if (model.damping < 1 && window.mode === 'one-to-one') {
    c.problem(['model', 'damping'], 'applies only to mode many-to-one (the whole horizon is forecast from the rows before it)');
  }
  if (model.pretrained === '') c.problem(['model', 'pretrained'], 'must be none, builtin or the folder `rnnfc pretrain` wrote, got ""');
  if (model.pretrained !== 'none' && window.mode === 'one-to-one') {
    c.problem(['model', 'pretrained'], 'applies only to mode many-to-one (the pretrained forecaster forecasts the horizon from the rows before it)');
  }
  if (model.scope === 'global' && data.calendar)
    c.problem(['data', 'calendar'], 'a global panel model takes no calendar inputs yet; use model.scope local, or leave data.calendar out');
  if (model.scope === 'global' && window.mode !== 'many-to-one') {
    c.problem(['model', 'scope'], 'global applies only to mode many-to-one (one network over windows of every series)');
  }
  if (model.linear && window.mode !== 'many-to-one') {
    c.problem(['model', 'linear'], 'applies only to mode many-to-one (a linear path from the whole input window to the outputs)');
  }

  // training
  const t = c.section(
    root.training,
    ['training'],
    [
      'optimizer',
      'learning_rate',
      'batch_size',
      'epochs',
      'loss',
      'clip_norm',
      'early_stopping',
      'validation_size',
      'seed',
      'threads',
      'ensemble',
      'windows_per_epoch',
      'gradient_flow',
      'teacher_forcing',
    ],
  );
  const td = DEFAULTS.training;
  let earlyStopping: TrainingConfig['early_stopping'] = { ...td.early_stopping };
  const es = t.early_stopping;
  if (es === false || es === null) earlyStopping = null;
  else if (es === undefined || es === true) earlyStopping = { ...td.early_stopping };
  else if (isRecord(es)) {
    c.keys(es, ['training', 'early_stopping'], ['patience', 'min_delta']);
    earlyStopping = {
      patience: c.int(es.patience, ['training', 'early_stopping', 'patience'], 1, td.early_stopping.patience),
      min_delta: c.num(es.min_delta, ['training', 'early_stopping', 'min_delta'], td.early_stopping.min_delta, { min: 0 }),
    };
  } else {
    c.problem(['training', 'early_stopping'], `must be false or {patience: N, min_delta: X}, got ${describe(es)}`);
  }
  const training: TrainingConfig = {
    optimizer: c.enumOf(t.optimizer, ['training', 'optimizer'], OPTIMIZERS, td.optimizer),
    learning_rate: c.num(t.learning_rate, ['training', 'learning_rate'], td.learning_rate, { min: 0, minOpen: true }),
    batch_size: c.int(t.batch_size, ['training', 'batch_size'], 1, td.batch_size),
    epochs: c.int(t.epochs, ['training', 'epochs'], 1, td.epochs),
    loss: c.enumOf(t.loss, ['training', 'loss'], LOSSES, td.loss),
    clip_norm: c.num(t.clip_norm, ['training', 'clip_norm'], td.clip_norm, { min: 0 }),
    early_stopping: earlyStopping,
    validation_size: c.int(t.validation_size, ['training', 'validation_size'], 0, horizon),
    seed: c.int(t.seed, ['training', 'seed'], null, td.seed),
    threads: threadsSetting(c, t.threads),
    ensemble: c.int(t.ensemble, ['training', 'ensemble'], 1, td.ensemble),
    windows_per_epoch: c.int(t.windows_per_epoch, ['training', 'windows_per_epoch'], 0, td.windows_per_epoch),
  };
  if (t.teacher_forcing !== undefined && t.teacher_forcing !== null) {
    const path: Path = ['training', 'teacher_forcing'];
    const v = t.teacher_forcing;
    if (window.mode !== 'many-to-many') c.problem(path, "applies only to window.mode many-to-many (the decoder's inputs)");
    else if (!Array.isArray(v) || v.length !== 2 || !v.every((p) => typeof p === 'number' && p >= 0 && p <= 1))
      c.problem(path, `must be two probabilities [first epoch, last epoch], such as [1, 0], got ${describe(v)}`);
    else training.teacher_forcing = [v[0], v[1]];
  }
  // gradient-flow diagnostics: measured unless turned off
  if (t.gradient_flow !== undefined && t.gradient_flow !== null && !c.bool(t.gradient_flow, ['training', 'gradient_flow'], true))
    training.gradient_flow = false;

  // evaluation
  const e = c.section(root.evaluation, ['evaluation'], ['test_size', 'season', 'rolling', 'levels', 'quantiles', 'intervals']);
  const evaluation: EvaluationConfig = {
    test_size: c.int(e.test_size, ['evaluation', 'test_size'], 1, horizon),
    season: c.int(e.season, ['evaluation', 'season'], 0, DEFAULTS.evaluation.season),
    rolling: c.bool(e.rolling, ['evaluation', 'rolling'], DEFAULTS.evaluation.rolling),
    levels: probabilityList(c, e.levels, ['evaluation', 'levels'], [...DEFAULTS.evaluation.levels], 100, 'percentages between 0 and 100, such as [80, 95]'),
    quantiles: probabilityList(
      c,
      e.quantiles,
      ['evaluation', 'quantiles'],
      [...DEFAULTS.evaluation.quantiles],
      1,
      'numbers between 0 and 1, such as [0.1, 0.5, 0.9]',
    ),
  };
  if (e.intervals !== undefined && e.intervals !== null) {
    const method = c.enumOf(e.intervals, ['evaluation', 'intervals'], INTERVAL_METHODS, 'conformal');
    if (method !== 'conformal') evaluation.intervals = method;
    // the quantile heads sit beside a direct many-to-one forecast (forecast/forecast.ts ModelIO heads)
    if (method === 'quantile' && (window.mode !== 'many-to-one' || window.strategy !== 'direct'))
      c.problem(
        ['evaluation', 'intervals'],
        `quantile needs window.mode many-to-one with strategy direct (the quantile heads forecast the horizon at once), not ${window.mode !== 'many-to-one' ? `mode ${window.mode}` : 'strategy recursive'}; use conformal or ensemble`,
      );
  }

  // output
  const o = c.section(root.output, ['output'], ['dir', 'plot', 'plot_baselines']);
  const baselines = o.plot_baselines === undefined || o.plot_baselines === null ? [] : Array.isArray(o.plot_baselines) ? o.plot_baselines : [o.plot_baselines];
  const output: OutputConfig = {
    dir: c.str(o.dir, ['output', 'dir'], DEFAULTS.output.dir),
    plot: c.bool(o.plot, ['output', 'plot'], DEFAULTS.output.plot),
    plot_baselines: [...new Set(baselines.map((b, i) => c.enumOf(b, ['output', 'plot_baselines', i], PLOT_BASELINES, 'naive')))],
  };

  const backend = c.enumOf(root.backend, ['backend'], BACKENDS, DEFAULTS.backend);
  // what the WebGPU training path (train/gpu-loop.ts) does not train, refused before any data is read
  if (backend === 'webgpu') {
    const off = (path: Path, what: string) => c.problem(path, `${what} does not train on backend webgpu yet; use backend wasm (or cpu) for it`);
    if (model.peephole || model.coupled_gates) off(['model', model.peephole ? 'peephole' : 'coupled_gates'], 'an LSTM variant');
    if (evaluation.intervals === 'quantile') off(['evaluation', 'intervals'], 'a network with quantile heads (intervals quantile)');
    if (window.mode === 'many-to-many') off(['window', 'mode'], 'an encoder-decoder (mode many-to-many)');
  }

  if (c.problems.length > 0) throw new ConfigError(`invalid config ${file ?? '(command line)'}`, c.problems);
  return { data, transforms, window, model, training, evaluation, output, backend };
}

/**
 * A list of distinct numbers strictly between 0 and `top` (interval levels in percent, quantiles),
 * returned in ascending order; `what` says what is expected in messages.
 */
function probabilityList(c: Checker, v: unknown, path: Path, def: number[], top: number, what: string): number[] {
  if (v === undefined) return def;
  if (!Array.isArray(v)) {
    c.problem(path, `must be a list of ${what}, got ${describe(v)}`);
    return def;
  }
  let ok = true;
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !(x > 0 && x < top)) {
      c.problem([...path, i], `must be a number between 0 and ${top} (exclusive), got ${describe(x)}`);
      ok = false;
    }
  });
  if (ok && new Set(v).size !== v.length) {
    c.problem(path, `lists a value twice: ${JSON.stringify(v)}`);
    ok = false;
  }
  return ok ? [...(v as number[])].sort((a, b) => a - b) : def;
}
