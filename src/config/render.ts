import { transformOf } from '../transforms/registry.js';
import { yamlPackage } from './load.js';
import { type Config, isPanel, type TransformSpec } from './types.js';

/** A transform as a config entry: `log`, `{difference: 12}`. */
export function transformYaml(t: TransformSpec): string | Record<string, string | number> {
  return transformOf(t).render(t);
}

/** Transforms as a YAML flow list's items: `log, {deseasonalize: 12}, {scale: standard}`. */
export function transformsFlow(specs: readonly TransformSpec[]): string {
  return specs
    .map((t) => {
      const o = transformYaml(t);
      return typeof o === 'string'
        ? o
        : Object.entries(o as Record<string, unknown>)
            .map(([k, v]) => `{${k}: ${v}}`)
            .join('');
    })
    .join(', ');
}

/** The resolved config as user-facing YAML; resolveConfig(parse(render(c))) deep-equals c. */
export function renderConfigYaml(config: Config): string {
  const data: Record<string, unknown> = { path: config.data.path };
  // An absent time_column means auto-detect, so it is left out; null is written as null.
  if (config.data.time_column !== undefined) data.time_column = config.data.time_column;
  if (config.data.time_format !== undefined) data.time_format = config.data.time_format;
  const wide = config.data.targets ?? [];
  // a wide panel lists its target columns; each is forecast from itself (no features)
  if (wide.length > 0) data.target = [...wide];
  else {
    data.target = config.data.target;
    data.features = [...config.data.features];
  }
  data.missing = config.data.missing;
  // absent: detected from the file, as before the setting existed
  if (config.data.delimiter !== undefined) data.delimiter = config.data.delimiter === '\t' ? 'tab' : config.data.delimiter;
  if (config.data.id_column.length > 0) data.id_column = config.data.id_column.length === 1 ? config.data.id_column[0] : [...config.data.id_column];
  if (config.data.static_columns?.length) data.static_columns = [...config.data.static_columns];
  if (config.data.calendar?.length) data.calendar = [...config.data.calendar];
  if (config.data.known_future?.length) data.known_future = [...config.data.known_future];
  const doc = {
    data,
    transforms: config.transforms.map(transformYaml),
    window: { ...config.window },
    model: {
      cell: config.model.cell,
      ...(config.model.activation ? { activation: config.model.activation } : {}),
      ...(config.model.peephole ? { peephole: true } : {}),
      ...(config.model.coupled_gates ? { coupled_gates: true } : {}),
      layers: config.model.layers.map((l) => ({ units: l.units })),
      dropout: config.model.dropout,
      dense: config.model.dense.map((l) => ({ units: l.units })),
      linear: config.model.linear,
      ridge: config.model.ridge,
      // a panel's scope; single series leave it out, as their runs always did
      ...(isPanel(config.data) || config.model.scope !== 'local' ? { scope: config.model.scope } : {}),
      // configs without a pretrained forecaster leave it out, as their runs always did
      ...(config.model.pretrained !== 'none' ? { pretrained: config.model.pretrained } : {}),
      ...(config.model.theta ? { theta: true } : {}),
      ...(config.model.holt ? { holt: true } : {}),
      ...(config.model.ets ? { ets: true } : {}),
      // undamped configs leave it out, as their runs always did
      ...(config.model.damping !== 1 ? { damping: config.model.damping } : {}),
    },
    training: {
      ...withoutDefault(config.training, 'windows_per_epoch', 0),
      early_stopping: config.training.early_stopping === null ? false : { ...config.training.early_stopping },
    },
    // quantiles only when asked for
    evaluation: config.evaluation.quantiles.length ? { ...config.evaluation } : withoutDefault(config.evaluation, 'quantiles', config.evaluation.quantiles),
    // configs without baselines to plot leave the key out, as their runs always did
    output: {
      dir: config.output.dir,
      plot: config.output.plot,
      ...(config.output.plot_baselines.length ? { plot_baselines: [...config.output.plot_baselines] } : {}),
    },
    backend: config.backend,
  };
  const { Document, isCollection } = yamlPackage();
  const yamlDoc = new Document(doc);
  // Short entries read best inline: `- {difference: 12}`, `layers: [{units: 64}]`.
  for (const path of [
    ['transforms'],
    ['data', 'target'],
    ['data', 'features'],
    ['data', 'id_column'],
    ['data', 'static_columns'],
    ['data', 'calendar'],
    ['data', 'known_future'],
    ['model', 'layers'],
    ['model', 'dense'],
    ['evaluation', 'levels'],
    ['evaluation', 'quantiles'],
  ]) {
    const node = yamlDoc.getIn(path, true);
    if (isCollection(node)) node.flow = true;
  }
  return yamlDoc.toString({ lineWidth: 0 });
}

/** `o` without `key` when it holds `def` (a setting added later stays out of configs that do not use it). */
function withoutDefault<T extends object, K extends keyof T>(o: T, key: K, def: T[K]): Omit<T, K> | T {
  if (o[key] !== def) return o;
  const { [key]: _, ...rest } = o;
  return rest;
}
