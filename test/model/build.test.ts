import type { Tensor } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackendError } from '../../src/errors.js';
import { loadBackend, type Tf } from '../../src/model/backend.js';
import { buildModel, LINEAR_PATH, loadModelFromFiles, type ModelSpec, serializeModel, setLinearPath } from '../../src/model/build.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadBackend('cpu'));
});

const base: ModelSpec = {
  cell: 'lstm',
  layers: [{ units: 3 }],
  dropout: 0,
  dense: [],
  steps: 5,
  features: 2,
  outputs: 4,
  sequenceOutput: false,
  seed: 7,
};

function weightsOf(m: { getWeights(): Tensor[] }): number[][] {
  return m.getWeights().map((w) => Array.from(w.dataSync()));
}

describe('loadBackend', () => {
  it('loads cpu', async () => {
    const r = await loadBackend('cpu');
    expect(r.backend).toBe('cpu');
    expect(r.tf.getBackend()).toBe('cpu');
  });
  it('reports a missing tfjs-node with an install hint', async () => {
    await expect(loadBackend('tensorflow')).rejects.toThrow(BackendError);
    await expect(loadBackend('tensorflow')).rejects.toThrow(
      'backend "tensorflow" is not available: install @tensorflow/tfjs-node (npm install @tensorflow/tfjs-node)',
    );
    await expect(loadBackend('tensorflow-gpu')).rejects.toThrow('@tensorflow/tfjs-node-gpu');
  });
  it('auto falls back to wasm and wasm works, then back to cpu', async () => {
    const r = await loadBackend('auto');
    expect(r.backend).toBe('wasm');
    expect(Array.from(r.tf.add(r.tf.tensor1d([1, 2]), 1).dataSync())).toEqual([2, 3]);
    await loadBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});

describe('buildModel', () => {
  for (const cell of ['lstm', 'gru', 'rnn'] as const) {
    for (const nLayers of [1, 2, 3]) {
      for (const sequenceOutput of [false, true]) {
        it(`${cell} x${nLayers} sequenceOutput=${sequenceOutput}`, () => {
          const m = buildModel(tf, {
            ...base,
            cell,
            layers: Array.from({ length: nLayers }, () => ({ units: 3 })),
            dropout: nLayers > 1 ? 0.2 : 0,
            dense: nLayers === 3 ? [{ units: 4 }] : [],
            outputs: sequenceOutput ? 1 : 4,
            sequenceOutput,
          });
          const x = tf.randomNormal([6, 5, 2]);
          const y = m.predict(x) as Tensor;
          expect(y.shape).toEqual(sequenceOutput ? [6, 5, 1] : [6, 4]);
          expect(m.outputs[0].shape).toEqual(sequenceOutput ? [null, 5, 1] : [null, 4]);
          tf.dispose([x, y]);
          m.dispose();
        });
      }
    }
  }

  it('accepts variable-length input when steps is null', () => {
    const m = buildModel(tf, { ...base, steps: null, sequenceOutput: true, outputs: 1 });
    expect(m.inputs[0].shape).toEqual([null, null, 2]);
    for (const steps of [3, 9]) {
      const y = m.predict(tf.zeros([2, steps, 2])) as Tensor;
      expect(y.shape).toEqual([2, steps, 1]);
    }
  });

  it('uses sigmoid recurrent activation and seeded initializers', () => {
    const m = buildModel(tf, { ...base, layers: [{ units: 3 }, { units: 3 }], cell: 'gru' });
    const cfg = m.layers[0].getConfig() as Record<string, unknown>;
    expect(cfg.recurrent_activation ?? cfg.recurrentActivation).toBe('sigmoid');
    const a = weightsOf(m);
    const b = weightsOf(buildModel(tf, { ...base, layers: [{ units: 3 }, { units: 3 }], cell: 'gru' }));
    const c = weightsOf(buildModel(tf, { ...base, layers: [{ units: 3 }, { units: 3 }], cell: 'gru', seed: 8 }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    // the two recurrent layers get different kernels (distinct seeds)
    expect(a[0].slice(0, 6)).not.toEqual(a[3].slice(0, 6));
  });

  it('seed 0 is still deterministic', () => {
    expect(weightsOf(buildModel(tf, { ...base, seed: 0 }))).toEqual(weightsOf(buildModel(tf, { ...base, seed: 0 })));
  });
});

describe('serialize round trip', () => {
  it('gives the same predictions', async () => {
    const m = buildModel(tf, { ...base, layers: [{ units: 4 }, { units: 3 }], dense: [{ units: 5 }], dropout: 0.3 });
    const { modelJson, weights } = await serializeModel(m);
    const json = JSON.parse(modelJson);
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const total = (json.weightsManifest[0].weights as { shape: number[] }[]).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    expect(weights.byteLength).toBe(total);
    const m2 = await loadModelFromFiles(tf, modelJson, Buffer.from(weights));
    const x = tf.randomNormal([3, 5, 2], 0, 1, 'float32', 3);
    const p1 = (m.predict(x) as Tensor).dataSync();
    const p2 = (m2.predict(x) as Tensor).dataSync();
    expect(Array.from(p2)).toEqual(Array.from(p1));
  });
});

describe('linear path beside the recurrent stack', () => {
  it('is fixed (not trainable), set by setLinearPath, and survives a save/load round trip', async () => {
    const m = buildModel(tf, { ...base, linear: true });
    const x = tf.randomNormal([3, 5, 2], 0, 1, 'float32', 4);
    // head and linear path start at zero
    expect(Array.from((m.predict(x) as Tensor).dataSync()).every((v) => v === 0)).toBe(true);
    expect(m.outputs[0].shape).toEqual([null, 4]);
    const lin = m.getLayer(LINEAR_PATH);
    expect(lin.trainable).toBe(false);
    expect(m.trainableWeights.some((w) => w.originalName.startsWith(LINEAR_PATH))).toBe(false);
    // 5 steps x 2 features -> 4 outputs: the model's output is x · kernel + bias
    const kernel = Array.from({ length: 10 }, (_, i) => Float64Array.from({ length: 4 }, (_, j) => (i - j) / 10));
    setLinearPath(tf, m, kernel, Float64Array.from([1, 2, 3, 4]));
    const xs = x.dataSync();
    const pred = (m.predict(x) as Tensor).dataSync();
    for (let b = 0; b < 3; b++) {
      for (let j = 0; j < 4; j++) {
        let v = j + 1;
        for (let i = 0; i < 10; i++) v += xs[b * 10 + i] * kernel[i][j];
        expect(pred[b * 4 + j]).toBeCloseTo(v, 4);
      }
    }
    const { modelJson, weights } = await serializeModel(m);
    const m2 = await loadModelFromFiles(tf, modelJson, Buffer.from(weights));
    expect(Array.from((m2.predict(x) as Tensor).dataSync())).toEqual(Array.from(pred));
  });
});

describe('serializeModel names', () => {
  it('numbers generated names within the model, so a model saves the same whatever was built before it in the process', async () => {
    const spec: ModelSpec = { ...base, linear: true, dense: [{ units: 2 }] };
    const save = async () => {
      const m = buildModel(tf, spec);
      const s = await serializeModel(m);
      m.dispose();
      return s;
    };
    const first = await save();
    // more models in between: TensorFlow.js's own counter moves on
    buildModel(tf, spec).dispose();
    buildModel(tf, { ...base, cell: 'gru' }).dispose();
    const later = await save();
    expect(later.modelJson).toBe(first.modelJson);
    expect(Buffer.compare(later.weights, first.weights)).toBe(0);
    const names = JSON.parse(later.modelJson).modelTopology.config.layers.map((l: { name: string }) => l.name);
    // every generated name ends in 1 or 2 (two dense layers): numbered within this model
    expect(names.filter((n: string) => n.startsWith('dense_Dense'))).toEqual(['dense_Dense1', 'dense_Dense2']);
    expect(names).toContain(LINEAR_PATH);
    // and the weights are named after their layers
    const weights = JSON.parse(later.modelJson).weightsManifest[0].weights.map((w: { name: string }) => w.name);
    expect(weights).toContain('dense_Dense1/kernel');
    const loaded = await loadModelFromFiles(tf, later.modelJson, later.weights);
    expect(loaded.getWeights().length).toBe(weights.length);
    loaded.dispose();
  });
});
