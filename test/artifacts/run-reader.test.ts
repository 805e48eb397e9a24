import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeDirAtomic } from '../../src/artifacts/atomic.js';
import { buildManifest } from '../../src/artifacts/run-dir.js';
import { forecastMemory, modelSignature, parsePipelineFile } from '../../src/artifacts/run-format.js';
import { readRun } from '../../src/artifacts/run-reader.js';
import { runFiles } from '../../src/artifacts/run-writer.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { ArtifactError } from '../../src/errors.js';
import { fitSeries } from '../../src/forecast/fit.js';
import { BASE_BYTES } from '../../src/forecast/limits.js';
import { monthlySeries, valuesOf } from '../series.js';

const monthly = (n: number) => monthlySeries({ value: valuesOf(n, (i) => 100 + i + 10 * Math.sin((2 * Math.PI * i) / 12)) });

const config = (over: Record<string, unknown>) =>
  resolveConfig(
    {
      data: { path: 'synthetic.csv', target: 'value' },
      transforms: [{ difference: 1 }, { scale: 'standard' }],
      model: { cell: 'gru', layers: [{ units: 3 }] },
      training: { epochs: 1, batch_size: 16, seed: 1 },
      output: { plot: false },
      backend: 'cpu',
      ...over,
    },
    { file: '(test)' },
  );

/** Writes the run of a fit to a fresh directory; returns its path and files. */
async function writeRun(over: Record<string, unknown>): Promise<{ dir: string; files: Record<string, string | Uint8Array> }> {
  const cfg = config(over);
  const series = monthly(60);
  const r = await fitSeries(cfg, series, {});
  const files = await runFiles(cfg, series, r, { dataSha256: '0'.repeat(64), tfjsVersion: 'test', totalSeconds: 1 });
  const dir = join(mkdtempSync(join(tmpdir(), 'rnnfc-run-')), 'run');
  writeDirAtomic(dir, files, { overwrite: false });
  return { dir, files };
}

/** The run with one JSON file (pipeline.json unless named) edited by `edit` and the manifest re-hashed, so that only the format check can catch it. */
function tampered(run: { dir: string; files: Record<string, string | Uint8Array> }, edit: (p: Record<string, any>) => unknown, name = 'pipeline.json'): string {
  const p = JSON.parse(run.files[name] as string);
  const next = edit(p);
  const files: Record<string, string | Uint8Array> = { ...run.files, [name]: JSON.stringify(next === undefined ? p : next) };
  delete files['manifest.json'];
  const dir = join(mkdtempSync(join(tmpdir(), 'rnnfc-run-')), 'run');
  writeDirAtomic(dir, { ...files, 'manifest.json': buildManifest(files, '0.1.0') }, { overwrite: false });
  return dir;
}

/** The run with several JSON files edited (name -> edit) and the manifest re-hashed. */
function tamperedAll(run: { dir: string; files: Record<string, string | Uint8Array> }, edits: Record<string, (j: Record<string, any>) => void>): string {
  let files = run.files;
  for (const [name, edit] of Object.entries(edits)) {
    const j = JSON.parse(files[name] as string);
    edit(j);
    files = { ...files, [name]: JSON.stringify(j) };
  }
  return tampered({ dir: run.dir, files }, () => undefined);
}

function refusal(dir: string, limits?: Parameters<typeof readRun>[1]): string {
  try {
    readRun(dir, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(ArtifactError);
    return (e as Error).message;
  }
  throw new Error('readRun accepted the run');
}

describe('run directory: written by run-writer, read back by run-reader', () => {
  let direct: { dir: string; files: Record<string, string | Uint8Array> };
  beforeAll(async () => {
    direct = await writeRun({ window: { lookback: 8, horizon: 4 } });
  });

  it('reads a run as written: pipeline, transforms, members and the recorded backend', () => {
    const run = readRun(direct.dir);
    expect(run.pipeline.io).toMatchObject({ mode: 'many-to-one', lookback: 8, horizon: 4, outputs: 4, offset: 1, features: ['value'] });
    expect(run.transforms.offset).toBe(1);
    expect(run.members).toHaveLength(1);
    expect(run.members[0].modelJson).toBe(direct.files['model.json']);
    expect(run.trainedOn).toBe('cpu');
    expect(run.config).toEqual({ dataPath: expect.stringMatching(/synthetic\.csv$/), backend: 'cpu', levels: [80, 95] });
    expect(JSON.parse(readFileSync(join(direct.dir, 'metadata.json'), 'utf8'))).toMatchObject({ tfjs_version: 'test', data: { rows: 60 } });
  });

  it('refuses a pipeline.json that is null, lacks io, or has junk transforms', () => {
    expect(refusal(tampered(direct, () => null))).toMatch(/pipeline\.json does not match the run format:\n {2}pipeline: must be an object/);
    const noIo = refusal(tampered(direct, (p) => void delete p.io));
    expect(noIo).toMatch(/io: must be an object/);
    expect(noIo).toMatch(/io\.mode: must be one of many-to-one, one-to-one/);
    expect(refusal(tampered(direct, (p) => void (p.transforms = { junk: 1 })))).toMatch(/transforms: invalid pipeline JSON/);
    expect(refusal(tampered(direct, (p) => void (p.format_version = 2)))).toMatch(/pipeline\.json has unsupported format_version 2/);
  });

  it('refuses fields out of range or inconsistent with each other', () => {
    expect(refusal(tampered(direct, (p) => void (p.io.outputs = 3)))).toMatch(/io\.outputs: must be 4 for mode many-to-one, strategy direct and horizon 4/);
    expect(refusal(tampered(direct, (p) => void (p.io.offset = 0)))).toMatch(/io\.offset: must be 1, the rows the transforms lose to differencing/);
    expect(refusal(tampered(direct, (p) => void (p.io.features = ['other'])))).toMatch(/io\.features: must equal features/);
    // io.damping, the trend damping predict applies: a number in (0, 1) for a many-to-one model
    for (const bad of [1, 0, -0.5, 'x', null])
      expect(refusal(tampered(direct, (p) => void (p.io.damping = bad)))).toMatch(/io\.damping: must be a number in \(0, 1\)/);
    expect(readRun(tampered(direct, (p) => void (p.io.damping = 0.9))).pipeline.io.damping).toBe(0.9);
    expect(refusal(tampered(direct, (p) => void (p.io.pretrained = { use: 'mean', season: 12, theta: 'yes' })))).toMatch(
      /io\.pretrained\.theta: must be true or absent/,
    );
    expect(refusal(tampered(direct, (p) => void (p.frequency.step = 0)))).toMatch(/frequency\.step: must be an integer >= 1/);
    expect(refusal(tampered(direct, (p) => void (p.missing = 'guess')))).toMatch(/missing: must be one of interpolate, ffill, drop, error/);
  });

  it('refuses a metadata.json or metrics.json that does not match the format', () => {
    expect(refusal(tampered(direct, () => [], 'metadata.json'))).toMatch(/metadata\.json does not match the run format:\n {2}metadata: must be an object/);
    const meta = refusal(
      tampered(
        direct,
        (m) => {
          m.backend = 7;
          m.data.sha256 = 'x';
          delete m.timings;
        },
        'metadata.json',
      ),
    );
    expect(meta).toMatch(/backend: must be a non-empty string/);
    expect(meta).toMatch(/data\.sha256: must be 64 hex digits/);
    expect(meta).toMatch(/timings: must be an object/);
    expect(refusal(tampered(direct, (m) => void (m.methods.model.mase = 'good'), 'metrics.json'))).toMatch(/methods\.model\.mase: must be a number or null/);
    expect(refusal(tampered(direct, (m) => void (m.test_size = 0), 'metrics.json'))).toMatch(/test_size: must be an integer >= 1/);
    // what older runs lack (threads, members) may be absent
    expect(readRun(tampered(direct, (m) => void delete m.threads, 'metadata.json')).trainedOn).toBe('cpu');
  });

  it('refuses a pipeline.json whose window does not fit the model (a changed io.lookback or horizon)', () => {
    expect(refusal(tampered(direct, (p) => void (p.io.lookback = 12)))).toMatch(
      /model\.json does not fit the run's pipeline\.json: takes windows of 8 steps, pipeline\.json has lookback 12/,
    );
    const h = refusal(
      tampered(direct, (p) => {
        p.io.horizon = 6;
        p.io.outputs = 6;
      }),
    );
    expect(h).toMatch(/gives 4 outputs, pipeline\.json expects 6/);
  });
});

describe('run directory: weights and window bounded by the files that declare them', () => {
  let direct: { dir: string; files: Record<string, string | Uint8Array> };
  beforeAll(async () => {
    direct = await writeRun({ window: { lookback: 8, horizon: 4 } });
  });

  /** The run with its files changed by `edit` and the manifest re-hashed. */
  function rewritten(edit: (files: Record<string, string | Uint8Array>) => void): string {
    const files = { ...direct.files };
    delete files['manifest.json'];
    edit(files);
    const dir = join(mkdtempSync(join(tmpdir(), 'rnnfc-run-')), 'run');
    writeDirAtomic(dir, { ...files, 'manifest.json': buildManifest(files, '0.1.0') }, { overwrite: false });
    return dir;
  } /** The refusal of the run with model.json edited by `edit` (the manifest re-hashed). */
  function model(edit: (m: any) => void): string {
    return refusal(
      rewritten((f) => {
        const m = JSON.parse(f['model.json'] as string);
        edit(m);
        f['model.json'] = JSON.stringify(m);
      }),
    );
  }

  it('refuses weights of another size than model.json declares, before reading them', () => {
    const w = direct.files['weights.bin'] as Uint8Array;
    // GRU 3 * 3 * (1 + 3 + 1) = 45 weights, head 3 * 4 + 4 = 16: 61 float32
    expect(w.byteLength).toBe(61 * 4);
    const longer = rewritten((f) => void (f['weights.bin'] = new Uint8Array([...w, 0, 0, 0, 0])));
    expect(refusal(longer)).toBe(`${longer}/weights.bin is 248 bytes by the manifest, but its model declares 244; retrain or restore the run`);
    const shorter = rewritten((f) => void (f['weights.bin'] = w.subarray(0, 200)));
    expect(refusal(shorter)).toMatch(/weights\.bin is 200 bytes by the manifest, but its model declares 244/);
  });

  it('refuses a model.json whose weights manifest is malformed or not float32', () => {
    expect(model((m) => void (m.weightsManifest = {}))).toMatch(/model\.json: weightsManifest must be a list of weight groups/);
    expect(model((m) => void (m.weightsManifest[0].weights[0].shape = [-1, 9]))).toMatch(/must have a shape of sizes/);
    expect(model((m) => void (m.weightsManifest[0].weights[0].dtype = 'int32'))).toMatch(/must be float32 \(unquantized\)/);
    // a weight declared larger: the file no longer matches
    expect(model((m) => void (m.weightsManifest[0].weights[0].shape = [1000, 9]))).toMatch(
      /weights\.bin is 244 bytes by the manifest, but its model declares 36208/,
    );
    // a layer wider than any weight (a loader would build it from its initializers first)
    expect(model((m) => void (m.modelTopology.config.layers[0].config.units = 1e9))).toMatch(
      /model\.json does not fit the run's pipeline\.json: layer .* has 1000000000 units, but no weight is that wide/,
    );
  });

  it("refuses a topology whose layers would build other weights than model.json declares, for every backend's loader", () => {
    const gru = JSON.parse(direct.files['model.json'] as string).modelTopology.config.layers[0].config.name;
    // 1e9 units beside a declared weight of no bytes as wide: the width check passes, the shapes do not
    const wide = model((m) => {
      m.modelTopology.config.layers[0].config.units = 1e9;
      m.weightsManifest[0].weights.push({ name: 'pad', shape: [1e9, 0], dtype: 'float32' });
    });
    expect(wide).not.toMatch(/no weight is that wide/);
    expect(wide).toMatch(new RegExp(`weight ${gru}/kernel is declared \\[1,9\\], but layer ${gru} needs \\[1,3000000000\\]`));
    // fewer units than the weights were trained with
    expect(model((m) => void (m.modelTopology.config.layers[0].config.units = 2))).toMatch(
      new RegExp(`weight ${gru}/kernel is declared \\[1,9\\], but layer ${gru} needs \\[1,6\\]`),
    );
    // a declared weight no layer has, a weight under another name, a setting rnnfc does not write
    expect(model((m) => void m.weightsManifest[0].weights.push({ name: 'pad', shape: [0], dtype: 'float32' }))).toMatch(
      /model\.json does not fit the run's pipeline\.json: declares a weight pad, which no layer has$/,
    );
    expect(model((m) => void (m.weightsManifest[0].weights[0].name = 'other/kernel'))).toMatch(
      new RegExp(`layer ${gru} needs a weight ${gru}/kernel of shape \\[1,9\\], which is not declared`),
    );
    expect(model((m) => void (m.modelTopology.config.layers[0].config.activation = 'relu'))).toMatch(
      /GRU activation relu \(needs tanh\), which rnnfc does not write/,
    );
  });

  it('refuses a window in pipeline.json longer than the rows metadata.json says the run was trained on', async () => {
    // a one-to-one run forecasts and warms up step by step: an edited horizon or warmup would run that long
    const oneToOne = await writeRun({ window: { mode: 'one-to-one', lookback: 6, horizon: 3, chunk: 6 } });
    expect(readRun(oneToOne.dir).pipeline.io).toMatchObject({ horizon: 3, warmup: 24 });
    expect(refusal(tampered(oneToOne, (p) => void (p.io.horizon = 1e9)))).toMatch(
      /pipeline\.json does not fit the 60 rows metadata\.json says the run was trained on: io\.horizon: 1000000000$/,
    );
    expect(refusal(tampered(oneToOne, (p) => void (p.io.warmup = 241)))).toMatch(/trained on: io\.warmup: 241$/);
    expect(readRun(tampered(oneToOne, (p) => void (p.io.warmup = 240))).pipeline.io.warmup).toBe(240);
    expect(refusal(tampered(direct, (m) => void (m.data.rows = 5), 'metadata.json'))).toMatch(/trained on: io\.lookback: 8, io\.warmup: 32$/);
  });

  it('refuses a horizon whose forecast would not fit in memory, whatever metadata.json says', async () => {
    // a recursive forecast runs the model once a step: 1e12 steps with metadata.json saying 1e15 rows
    const recursive = await writeRun({ window: { lookback: 6, horizon: 3, strategy: 'recursive' } });
    const huge = tamperedAll(recursive, { 'metadata.json': (m) => void (m.data.rows = 1e15), 'pipeline.json': (p) => void (p.io.horizon = 1e12) });
    expect(refusal(huge)).toBe(
      `${huge}/pipeline.json: io.horizon: forecasting 1000000000000 steps would need about 269 TiB of memory, more than its limit of 8.00 GiB (the default limit)`,
    );
    // per step: 256 bytes, 16 for the one input column, 8 for the one member and each of the two transforms
    const io = readRun(recursive.dir).pipeline.io;
    expect(forecastMemory(io, 2)).toBe(BASE_BYTES + 3 * (256 + 16 + 8 * 3));
    expect(forecastMemory({ ...io, horizon: 1e12 }, 2)).toBe(BASE_BYTES + 1e12 * 296);
    // at the limit it passes, a byte below it is refused, with how to raise it when the limits say
    const limits = { memory: BASE_BYTES + 3 * 296, source: 'test', raise: 'raise it' };
    expect(readRun(recursive.dir, limits).pipeline.io.horizon).toBe(3);
    try {
      readRun(recursive.dir, { ...limits, memory: limits.memory - 1 });
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ArtifactError);
      expect((e as ArtifactError).hint).toBe('retrain or restore the run, or raise it');
    }
  });

  it('requires metadata.json', () => {
    const dir = rewritten((f) => void delete f['metadata.json']);
    expect(refusal(dir)).toBe(`${dir} is incomplete: required file metadata.json is missing`);
  });
});

describe('modelSignature', () => {
  it('reads the input shape and output width of each kind of model the fit builds', async () => {
    const seq = await writeRun({ window: { lookback: 8, horizon: 4 } });
    expect(modelSignature(seq.files['model.json'] as string)).toEqual({ steps: 8, features: 1, outputs: 4 });
    const linear = await writeRun({
      window: { lookback: 6, horizon: 3 },
      model: { cell: 'lstm', layers: [{ units: 3 }], linear: true, dense: [{ units: 5 }] },
    });
    expect(JSON.parse(linear.files['model.json'] as string).modelTopology.class_name).toBe('Model');
    expect(modelSignature(linear.files['model.json'] as string)).toEqual({ steps: 6, features: 1, outputs: 3 });
    const oneToOne = await writeRun({ window: { mode: 'one-to-one', lookback: 6, horizon: 3, chunk: 6 } });
    expect(modelSignature(oneToOne.files['model.json'] as string)).toEqual({ steps: null, features: 1, outputs: 1 });
    expect(readRun(oneToOne.dir).pipeline.io.mode).toBe('one-to-one');
    expect(modelSignature('{"modelTopology": {}}')).toBeNull();
    expect(modelSignature('not json')).toBeNull();
  });

  it('parsePipelineFile names the file when it is not JSON', () => {
    expect(() => parsePipelineFile('{', 'runs/x/pipeline.json')).toThrow('runs/x/pipeline.json is not valid JSON; retrain or restore the run');
  });
});
