/**
 * TensorFlow.js's seeded random draws, without loading it: the values tf.randomUniform and
 * tf.randomNormal give for a seed (tfjs-core 4.x, `UniformRandom` and `MPRandGauss`), from the same
 * generator (seedrandom's Alea, seeded with the seed's decimal text) and the same arithmetic, each
 * value stored as float32 as tfjs's buffer stores it. A network built without tfjs
 * (./plain-build.ts) draws its initial weights with these, to the bit.
 */
import { createRequire } from 'node:module';

type Alea = (seed: string) => () => number;
const require = createRequire(import.meta.url);
let alea: Alea | null = null;

function generator(seed: number): () => number {
  alea ??= (require('seedrandom') as { alea: Alea }).alea;
  return alea(seed.toString());
}

/** tf.randomUniform([n], min, max, 'float32', seed) as a flat array: min + (max - min) * u for each draw u. */
export function seededUniform(n: number, min: number, max: number, seed: number): Float32Array {
  const random = generator(seed);
  const range = max - min;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = min + range * random();
  return out;
}

/**
 * tf.randomNormal([n], 0, 1, 'float32', seed) as a flat array: the Marsaglia polar method, two
 * values per accepted pair of draws, the second kept for the next value.
 */
export function seededNormal(n: number, seed: number): Float32Array {
  const random = generator(seed);
  const out = new Float32Array(n);
  let next = Number.NaN;
  for (let i = 0; i < n; i++) {
    if (!Number.isNaN(next)) {
      out[i] = next;
      next = Number.NaN;
      continue;
    }
    let v1: number;
    let v2: number;
    let s: number;
    do {
      v1 = 2 * random() - 1;
      v2 = 2 * random() - 1;
      s = v1 * v1 + v2 * v2;
    } while (s >= 1 || s === 0);
    const mul = Math.sqrt((-2.0 * Math.log(s)) / s);
    out[i] = 0 + 1 * v1 * mul;
    next = 0 + 1 * v2 * mul;
  }
  return out;
}
