import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadBackend, type Tf } from '../../src/model/backend.js';
import { buildModel, type ModelSpec } from '../../src/model/build.js';
import { reusedOrthogonalCount } from '../../src/model/fused/index.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadBackend('wasm'));
});

const spec = (seed: number, units = 7): ModelSpec => ({
  cell: 'gru',
  layers: [{ units }, { units: 5 }],
  dropout: 0,
  dense: [],
  steps: 6,
  features: 2,
  outputs: 3,
  sequenceOutput: false,
  seed,
  fused: true,
});

const weightBits = (seed: number, units?: number) => {
  const m = buildModel(tf, spec(seed, units));
  const out = m.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).slice().buffer));
  const config = (m.layers[0].getConfig() as { recurrentInitializer: { className: string; config: { seed: number } } }).recurrentInitializer;
  m.dispose();
  return { out, config };
};

describe('seeded orthogonal initial weights, computed once a process (model/fused/index.ts reusedOrthogonal)', () => {
  it('a second model of the same seed and shapes gets the same bits without computing them again; another seed or shape computes its own', () => {
    const first = weightBits(9101);
    const stored = reusedOrthogonalCount();
    const second = weightBits(9101);
    // nothing new was computed for the second model
    expect(reusedOrthogonalCount()).toBe(stored);
    expect(second.out).toHaveLength(first.out.length);
    second.out.forEach((b, i) => expect(b.equals(first.out[i]), `weight ${i}`).toBe(true));
    // the recurrent kernels are orthogonal initial values, not zeros
    expect(first.out[1].some((v) => v !== 0)).toBe(true);
    const other = weightBits(9102);
    expect(reusedOrthogonalCount()).toBe(stored + 2);
    expect(other.out[1].equals(first.out[1])).toBe(false);
    weightBits(9101, 8);
    expect(reusedOrthogonalCount()).toBe(stored + 3);
  });

  it('leaves the saved config as it was: the stock Orthogonal initializer with its seed', () => {
    const { config } = weightBits(9103);
    expect(config.className).toBe('Orthogonal');
    expect(typeof config.config.seed).toBe('number');
  });
});

describe("seeded orthogonal values from the kernels' QR decomposition (kernels/orthogonal.ts)", () => {
  /** tfjs's own initializer, its QR decomposition through tensor ops on this backend. */
  const stock = (shape: number[], gain: number, seed: number) => {
    // tfjs warns that it is slow above 2,000 values
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const t = tf.initializers.orthogonal({ gain, seed }).apply(shape, 'float32');
    warn.mockRestore();
    const v = (t.dataSync() as Float32Array).slice();
    t.dispose();
    return v;
  };
  it('gives the bits of tfjs own initializer, shape by shape and seed by seed (rows fewer, as many and more than the columns)', async () => {
    const { normalShapeOf, orthogonalFrom } = await import('../../src/kernels/orthogonal.js');
    const shapes = [
      [1, 4],
      [5, 20],
      [16, 16],
      [20, 8],
      [24, 72],
      [32, 128],
      [7, 3, 9],
      [64, 192],
    ];
    for (const shape of shapes) {
      for (const [gain, seed] of [
        [1, 1],
        [1, 20261130],
        [0.5, 77],
      ]) {
        const drawn = tf.randomNormal(normalShapeOf(shape), 0, 1, 'float32', seed);
        const mine = orthogonalFrom(drawn.dataSync() as Float32Array, shape, gain);
        drawn.dispose();
        const theirs = stock(shape, gain, seed);
        expect(Buffer.from(mine.buffer).equals(Buffer.from(theirs.buffer)), `${shape} gain ${gain} seed ${seed}`).toBe(true);
      }
    }
    // and the columns (or rows) are orthonormal, to f32 rounding
    const drawn = tf.randomNormal([40, 10], 0, 1, 'float32', 5);
    const q = orthogonalFrom(drawn.dataSync() as Float32Array, [10, 40], 1);
    drawn.dispose();
    for (let a = 0; a < 10; a++) {
      for (let b = 0; b < 10; b++) {
        let dot = 0;
        for (let k = 0; k < 40; k++) dot += q[a * 40 + k] * q[b * 40 + k];
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
  });

  it("a fused layer's recurrent kernel is tfjs's orthogonal value for its seed", () => {
    const seed = 424242;
    const m = buildModel(tf, { ...spec(seed, 9), layers: [{ units: 9 }] });
    const config = (m.layers[0].getConfig() as { recurrentInitializer: { config: { seed: number; gain: number } } }).recurrentInitializer.config;
    const v = (m.getWeights()[1].dataSync() as Float32Array).slice();
    m.dispose();
    const theirs = stock([9, 27], config.gain, config.seed);
    expect(Buffer.from(v.buffer).equals(Buffer.from(theirs.buffer))).toBe(true);
  });

  it('refuses a normal draw of the wrong size', async () => {
    const { orthogonalFrom } = await import('../../src/kernels/orthogonal.js');
    expect(() => orthogonalFrom(new Float32Array(10), [3, 4], 1)).toThrow(/10 normal values for a 4x3 matrix/);
  });
});
