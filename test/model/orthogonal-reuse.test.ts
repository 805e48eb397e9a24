import { beforeAll, describe, expect, it } from 'vitest';
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
