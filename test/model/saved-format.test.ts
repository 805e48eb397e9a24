import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackend, type Tf } from '../../src/model/backend.js';
import { buildModel, loadModelFromFiles, type ModelSpec, serializeModel } from '../../src/model/build.js';
import { registerFusedLayers } from '../../src/model/fused/index.js';
import { scaledErr } from '../numeric.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadBackend('cpu'));
});

/** The shapes the project builds: many-to-one (last layer returns its final state, dense head) and one-to-one (sequences, a dense head on every step, any length). */
const shapes: [string, Partial<ModelSpec>][] = [];
for (const cell of ['lstm', 'gru'] as const) {
  shapes.push(
    [`${cell} x1 many-to-one`, { cell, layers: [{ units: 6 }], steps: 7, outputs: 3, sequenceOutput: false }],
    [
      `${cell} x2 many-to-one, dropout, dense`,
      { cell, layers: [{ units: 6 }, { units: 5 }], dropout: 0.2, dense: [{ units: 4 }], steps: 7, outputs: 3, sequenceOutput: false },
    ],
    [`${cell} x1 one-to-one`, { cell, layers: [{ units: 5 }], steps: null, outputs: 1, sequenceOutput: true }],
    [`${cell} x2 one-to-one`, { cell, layers: [{ units: 5 }, { units: 4 }], steps: null, outputs: 1, sequenceOutput: true }],
  );
}

function spec(over: Partial<ModelSpec>, fused: boolean): ModelSpec {
  return { cell: 'lstm', layers: [{ units: 4 }], dropout: 0, dense: [], steps: 7, features: 2, outputs: 1, sequenceOutput: false, seed: 11, fused, ...over };
}

/** A few epochs of training, so the weights (biases included) are no longer their initial values. */
async function trainBriefly(m: LayersModel, s: ModelSpec): Promise<void> {
  const T = s.steps ?? 7;
  const x = tf.randomNormal([24, T, s.features], 0, 1, 'float32', 5);
  const y = s.sequenceOutput ? tf.randomNormal([24, T, s.outputs], 0, 1, 'float32', 6) : tf.randomNormal([24, s.outputs], 0, 1, 'float32', 6);
  m.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
  await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, shuffle: false });
  tf.dispose([x, y]);
}

function predict(m: LayersModel, x: Tensor): Float32Array {
  return tf.tidy(() => (m.predict(x) as Tensor).dataSync() as Float32Array);
}

/** Topology with layer names taken out (their uid suffixes depend on how many layers the process made). */
function withoutNames(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNames);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => k !== 'name')
      .map(([k, x]) => [k, withoutNames(x)]),
  );
}

describe.each(shapes)('a model trained with fused layers (%s) is saved as a standard tfjs model', (_, over) => {
  let fusedModel: LayersModel;
  let saved: { modelJson: string; weights: Buffer };
  let x: Tensor;
  beforeAll(async () => {
    const s = spec(over, true);
    fusedModel = buildModel(tf, s);
    await trainBriefly(fusedModel, s);
    saved = await serializeModel(fusedModel);
    x = tf.slice(tf.randomNormal([3, 9, 2], 0, 1, 'float32', 8), [0, 0, 0], [3, s.steps ?? 9, 2]);
  });

  it('names no fused class anywhere in model.json', () => {
    expect(saved.modelJson).not.toMatch(/Fused/);
    const classes = JSON.parse(saved.modelJson).modelTopology.config.layers.map((l: { class_name: string }) => l.class_name);
    expect(classes).toContain(over.cell === 'lstm' ? 'LSTM' : 'GRU');
  });

  it('writes exactly the config and weight names/order the stock layers write', async () => {
    const stock = buildModel(tf, spec(over, false));
    const ref = await serializeModel(stock);
    const a = JSON.parse(saved.modelJson),
      b = JSON.parse(ref.modelJson);
    expect(withoutNames(a.modelTopology)).toEqual(withoutNames(b.modelTopology));
    // key order too, layer by layer
    a.modelTopology.config.layers.forEach((l: { config: object }, i: number) =>
      expect(Object.keys(l.config)).toEqual(Object.keys(b.modelTopology.config.layers[i].config)),
    );
    const specs = (j: any) =>
      j.weightsManifest[0].weights.map((w: any) => [w.name.replace(/^[^/]*_(LSTM|GRU|Dense|Dropout|TimeDistributed)\d+\//, '$1/'), w.shape, w.dtype]);
    expect(specs(a)).toEqual(specs(b));
    // every weight is named after its layer, as tfjs's loader expects
    const layerNames = a.modelTopology.config.layers.map((l: any) => l.config.name);
    for (const w of a.weightsManifest[0].weights) expect(layerNames).toContain(w.name.split('/')[0]);
    // and the fused layers start from the weights the stock layers would (same seeded initializers)
    const fresh = buildModel(tf, spec(over, true));
    expect(fresh.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(stock.getWeights().map((w) => Array.from(w.dataSync())));
    stock.dispose();
    fresh.dispose();
  });

  it("loads with stock tfjs layers only and predicts the same within 1e-5 of the outputs' scale", async () => {
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: JSON.parse(saved.modelJson).modelTopology,
        weightSpecs: JSON.parse(saved.modelJson).weightsManifest[0].weights,
        weightData: new Uint8Array(saved.weights).buffer,
      }),
    );
    const recurrent = loaded.layers.filter((l) => /LSTM|GRU/.test(l.getClassName()));
    expect(recurrent.length).toBe(over.layers!.length);
    for (const l of recurrent) expect((l.constructor as unknown as { className: string }).className).toMatch(/^(LSTM|GRU)$/);
    expect(scaledErr(predict(loaded, x), predict(fusedModel, x))).toBeLessThan(1e-5);
    loaded.dispose();
  });

  it("loads with the project's loader onto the fused layers and predicts exactly what it did before saving", async () => {
    const loaded = await loadModelFromFiles(tf, saved.modelJson, saved.weights, { fused: true });
    const recurrent = loaded.layers.filter((l) => /LSTM|GRU/.test(l.getClassName()));
    for (const l of recurrent) expect((l.constructor as unknown as { className: string }).className).toMatch(/^Fused(LSTM|GRU)$/);
    expect(Array.from(predict(loaded, x))).toEqual(Array.from(predict(fusedModel, x)));
    // and saving the loaded model again writes the same file
    expect((await serializeModel(loaded)).modelJson).toBe(saved.modelJson);
    loaded.dispose();
  });
});

describe('fused layer registration', () => {
  it("leaves tfjs's own LSTM and GRU classes registered", () => {
    registerFusedLayers(tf);
    const map = (tf.serialization.SerializationMap.getMap() as unknown as { classNameMap: Record<string, [unknown]> }).classNameMap;
    expect((map.LSTM[0] as { className: string }).className).toBe('LSTM');
    expect(map.LSTM[0]).not.toBe(map.FusedLSTM[0]);
    expect(map.GRU[0]).not.toBe(map.FusedGRU[0]);
    expect(tf.layers.lstm({ units: 2 }).constructor).toBe(map.LSTM[0]);
  });

  it('refuses settings the kernels cannot compute rather than ignoring them', () => {
    const { FusedLSTM, FusedGRU } = registerFusedLayers(tf);
    expect(() => new FusedLSTM({ units: 2, returnSequences: false, dropout: 0.2 })).toThrow(/LSTM layer .* cannot use the fused kernels: dropout > 0/);
    expect(() => new FusedGRU({ units: 2, returnSequences: false, recurrentActivation: 'hardSigmoid' })).toThrow(/recurrent activation hardSigmoid/);
    expect(() => new FusedGRU({ units: 2, returnSequences: false, goBackwards: true })).toThrow(/goBackwards set/);
  });

  it('keeps a layer the kernels cannot compute exactly on the stock class when loading', async () => {
    const m = tf.sequential();
    m.add(tf.layers.lstm({ units: 3, recurrentActivation: 'hardSigmoid', returnSequences: true, inputShape: [4, 1] }));
    m.add(tf.layers.gru({ units: 2, recurrentActivation: 'sigmoid', activation: 'relu' }));
    const { modelJson, weights } = await serializeModel(m);
    const loaded = await loadModelFromFiles(tf, modelJson, weights, { fused: true });
    expect(loaded.layers.map((l) => (l.constructor as unknown as { className: string }).className)).toEqual(['LSTM', 'GRU']);
    const x = tf.randomNormal([2, 4, 1], 0, 1, 'float32', 3);
    expect(Array.from(predict(loaded, x))).toEqual(Array.from(predict(m, x)));
  });

  it('still loads runs saved with the fused class names, on either layer kind', async () => {
    const m = buildModel(tf, spec({ cell: 'gru', layers: [{ units: 4 }] }, true));
    const { modelJson, weights } = await serializeModel(m);
    const old = modelJson.replace(/"class_name":"GRU"/g, '"class_name":"FusedGRU"');
    expect(old).toMatch(/FusedGRU/);
    const x = tf.randomNormal([2, 7, 2], 0, 1, 'float32', 4);
    for (const fused of [true, false]) {
      const loaded = await loadModelFromFiles(tf, old, weights, { fused });
      expect(scaledErr(predict(loaded, x), predict(m, x))).toBeLessThan(1e-5);
    }
  });
});
