import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_SCHEMA, initCommand } from '../../src/commands/init.js';
import {
  BACKENDS,
  CELLS,
  LOSSES,
  MISSING_POLICIES,
  NORMALIZE_MODES,
  OPTIMIZERS,
  SCALE_METHODS,
  SCOPES,
  STRATEGIES,
  WINDOW_MODES,
} from '../../src/config/names.js';
import { renderConfigYaml } from '../../src/config/render.js';
import { resolveConfig } from '../../src/config/resolve.js';

const schema = JSON.parse(readFileSync('schemas/config.schema.json', 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
const ok = (v: unknown) => {
  const r = validate(v);
  return r ? true : JSON.stringify(validate.errors);
};

describe("the YAML config's JSON Schema (schemas/config.schema.json)", () => {
  it('accepts every shipped config, a config init prints and a run config.yaml, all of which rnnfc accepts', async () => {
    expect(existsSync(CONFIG_SCHEMA)).toBe(true);
    for (const f of readdirSync('configs').filter((x) => x.endsWith('.yaml'))) expect(ok(parse(readFileSync(`configs/${f}`, 'utf8'))), f).toBe(true);
    let text = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      text += String(s);
      return true;
    });
    await initCommand({ data: 'datasets/co2-mauna-loa.csv' });
    vi.restoreAllMocks();
    expect(ok(parse(text))).toBe(true);
    const run = renderConfigYaml(
      resolveConfig({ data: { path: 'x.csv', target: 'y', delimiter: 'tab' }, model: { holt: true, damping: 0.9 }, training: { early_stopping: false } }),
    );
    expect(ok(parse(run))).toBe(true);
  });

  it('refuses what rnnfc refuses: unknown keys, wrong types, values outside the names', () => {
    const base = { data: { path: 'x.csv', target: 'y' } };
    expect(ok(base)).toBe(true);
    for (const bad of [
      { ...base, modle: {} },
      { data: { path: 'x.csv' } },
      { ...base, window: { lookback: 0 } },
      { ...base, model: { cell: 'transformer' } },
      { ...base, model: { layers: [{ units: 8, extra: 1 }] } },
      { ...base, transforms: ['log', { scale: 'zscore' }] },
      { ...base, transforms: [{ difference: 1, log: true }] },
      { ...base, training: { threads: 'many' } },
      { ...base, data: { ...base.data, delimiter: '|' } },
    ]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
      expect(() => resolveConfig(bad)).toThrow();
    }
  });

  it("lists the same names as rnnfc's own checks", () => {
    const p = schema.properties;
    expect(p.data.properties.missing.enum).toEqual([...MISSING_POLICIES]);
    expect(p.window.properties.mode.enum).toEqual([...WINDOW_MODES]);
    expect(p.window.properties.strategy.enum).toEqual([...STRATEGIES]);
    expect(p.window.properties.normalize.enum).toEqual([...NORMALIZE_MODES]);
    expect(p.model.properties.cell.enum).toEqual([...CELLS]);
    expect(p.model.properties.scope.enum).toEqual([...SCOPES]);
    expect(p.training.properties.optimizer.enum).toEqual([...OPTIMIZERS]);
    expect(p.training.properties.loss.enum).toEqual([...LOSSES]);
    expect(p.backend.enum).toEqual([...BACKENDS]);
    expect(schema.properties.transforms.items.oneOf[1].properties.scale.enum).toEqual([...SCALE_METHODS]);
    // every key the schema names, rnnfc accepts (an unknown key would be refused with "unknown key")
    const cfg = { data: { path: 'x.csv', target: 'y' } } as Record<string, unknown>;
    for (const section of ['window', 'model', 'training', 'evaluation', 'output'])
      for (const key of Object.keys(p[section].properties)) {
        const problems = (() => {
          try {
            resolveConfig({ ...cfg, [section]: { [key]: '?' } });
            return '';
          } catch (e) {
            return String((e as { problems?: string[] }).problems ?? e);
          }
        })();
        expect(problems, `${section}.${key}`).not.toMatch(/unknown key/);
      }
  });
});
