import { Document, isCollection, isMap, type Node } from 'yaml';
import { DEFAULTS } from '../config/defaults.js';
import { transformYaml } from '../config/render.js';
import type { Config } from '../config/types.js';
import { excerpt } from '../data/excerpt.js';
import { parseHeader, parseSeries } from '../data/parse-csv.js';
import { UsageError } from '../errors.js';
import { settingsFor } from '../forecast/defaults.js';
import { inputName, readInput } from '../io/input-file.js';
import { evaluationSeason } from '../metrics/season.js';
import { packagePath } from '../version.js';
import { configFromOptions, maxInputBytes } from './common.js';

/** The JSON Schema of the YAML config, in the package (schemas/ ships with it). */
export const CONFIG_SCHEMA = packagePath('schemas', 'config.schema.json');

export interface InitOptions {
  data: string;
  target?: string;
  timeColumn?: string;
  /** data.time_format. */
  timeFormat?: string;
  /** window.horizon (default: train's, DEFAULTS.window.horizon). */
  horizon?: number;
  maxInputMb?: number;
}

/** `rnnfc init`: prints a starter config chosen from the CSV's columns and frequency. */
export async function initCommand(opts: InitOptions): Promise<void> {
  // read once (standard input cannot be read twice), then parsed twice
  const source = inputName(opts.data);
  const { text } = readInput(opts.data, { maxBytes: maxInputBytes(opts) });
  const { columns, rows } = parseHeader(text, source);
  const numeric = columns.filter((_, j) => rows.some((r) => r[j] !== undefined && r[j] !== '' && Number.isFinite(Number(r[j]))));
  let target = opts.target;
  if (target === undefined) {
    const candidates = numeric.filter((c) => c !== opts.timeColumn);
    target = candidates[candidates.length - 1];
    if (target === undefined) throw new UsageError(`${source}: no numeric column to forecast; pass --target`);
  }
  // exactly the settings config-less `rnnfc train` with the same flags uses (forecast/defaults.ts
  // settingsFor), so that `train -c` on this config trains the same model
  const flagged = configFromOptions({ data: opts.data, timeColumn: opts.timeColumn, timeFormat: opts.timeFormat, target, horizon: opts.horizon });
  const s = parseSeries(text, {
    source,
    timeColumn: flagged.data.time_column,
    ...(flagged.data.time_format !== undefined ? { timeFormat: flagged.data.time_format } : {}),
    target,
    features: [target],
    missing: flagged.data.missing,
  });
  const f = s.index.frequency;
  const n = s.columns[target].length;
  const chosen = settingsFor(flagged, s, { configless: true });
  const config: Config = {
    ...chosen,
    // written out: the time column found and the season the frequency gives (what train infers)
    data: { ...chosen.data, time_column: s.timeColumn },
    evaluation: { ...chosen.evaluation, season: evaluationSeason(chosen.evaluation.season, f) },
  };
  // editors that speak the YAML language server complete and check the config from the schema this rnnfc ships
  const header =
    ` yaml-language-server: $schema=${CONFIG_SCHEMA}\n` +
    ` rnnfc config for ${source}: ${n} rows, every ${f.step} ${f.unit}\n columns: ${columns.map((c) => excerpt(c)).join(', ')}`;
  process.stdout.write(starterYaml(config, header));
}

/**
 * The settings of a starter config as YAML, with `header` as its first comment lines. It shows
 * the settings one usually edits; the others (window.chunk, model.dense, training.threads and
 * ensemble, evaluation.rolling, output, backend) are left to resolve to their defaults, as are
 * window.strategy and early_stopping.min_delta when they have their default value.
 */
function starterYaml(c: Config, header: string): string {
  const { data, window: w, model: m, training: t, evaluation: e } = c;
  const es = t.early_stopping;
  const doc = new Document({
    data: {
      path: data.path,
      time_column: data.time_column,
      ...(data.time_format !== undefined && { time_format: data.time_format }),
      target: data.target,
      features: data.features,
      missing: data.missing,
      ...(data.delimiter !== undefined && { delimiter: data.delimiter === '\t' ? 'tab' : data.delimiter }),
    },
    transforms: c.transforms.map(transformYaml),
    window: {
      mode: w.mode,
      lookback: w.lookback,
      horizon: w.horizon,
      ...(w.strategy !== DEFAULTS.window.strategy && { strategy: w.strategy }),
      normalize: w.normalize,
    },
    model: {
      cell: m.cell,
      layers: m.layers,
      dropout: m.dropout,
      linear: m.linear,
      ridge: m.ridge,
      ...(m.pretrained !== 'none' && { pretrained: m.pretrained }),
      ...(m.theta && { theta: true }),
      ...(m.holt && { holt: true }),
      ...(m.ets && { ets: true }),
      ...(m.damping !== 1 && { damping: m.damping }),
    },
    training: {
      optimizer: t.optimizer,
      learning_rate: t.learning_rate,
      batch_size: t.batch_size,
      epochs: t.epochs,
      loss: t.loss,
      clip_norm: t.clip_norm,
      early_stopping: es && { patience: es.patience, ...(es.min_delta !== DEFAULTS.training.early_stopping.min_delta && { min_delta: es.min_delta }) },
      validation_size: t.validation_size,
      seed: t.seed,
    },
    evaluation: { test_size: e.test_size, season: e.season },
  });
  for (const path of [['data', 'features'], ['transforms'], ['window'], ['model', 'layers'], ['training', 'early_stopping'], ['evaluation']]) {
    const node = doc.getIn(path, true);
    if (isCollection(node)) node.flow = true;
  }
  const comment = (path: string[], text: string) => ((doc.getIn(path, true) as Node).comment = ` ${text}`);
  if (data.time_column === null) comment(['data', 'time_column'], 'no time column: rows are in order');
  if (w.normalize === 'last') comment(['window'], 'windows relative to their last value');
  if (m.linear) comment(['model', 'linear'], `a ridge-fitted linear path; the ${m.cell.toUpperCase()} learns what it leaves`);
  if (m.pretrained !== 'none') comment(['model', 'pretrained'], 'mean with the pretrained network unless the model alone is better on validation; none: off');
  if (m.theta) comment(['model', 'theta'], 'the Theta method joins that mean');
  if (m.holt) comment(['model', 'holt'], "Holt's damped-trend smoothing joins the forecast's mean");
  if (m.ets) comment(['model', 'ets'], "the automatic ETS (error, trend and season chosen by AICc) joins the forecast's mean");
  if (m.damping !== 1) comment(['model', 'damping'], "the forecast's trend damped: step h carries phi + ... + phi^h steps of it; 1: off");
  if (isMap(doc.contents)) (doc.contents.items[0].key as Node).commentBefore = header;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
