import type { Rng } from '../pretrain/rng.js';

export { mulberry32, type Rng } from '../pretrain/rng.js';

/** Fisher–Yates shuffle, in place, driven by rng. */
export function shuffleInPlace<T>(indices: T[] | Int32Array | Uint32Array, rng: Rng): typeof indices {
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = indices[i];
    indices[i] = indices[j];
    indices[j] = t;
  }
  return indices;
}
