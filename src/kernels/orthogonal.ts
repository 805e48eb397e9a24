/**
 * tfjs's seeded orthogonal initializer (tf.initializers.orthogonal) with its QR decomposition on the
 * kernels (assembly/householder.ts): the same values, bit for bit, as tfjs computes on its wasm
 * backend, in well under a millisecond where tfjs's few dozen tensor ops per column take 30-200 ms
 * a layer, once a process.
 */
import { getPool } from './pool.js';

/** A shape as the initializer flattens it: rows are the product of all but the last dimension. */
function matrixOf(shape: number[]): { rows: number; cols: number } {
  return { rows: shape.slice(0, -1).reduce((a, b) => a * b, 1), cols: shape[shape.length - 1] };
}

/** The shape of the standard normal matrix tfjs draws for `shape`: [max(rows, cols), min(rows, cols)]. */
export function normalShapeOf(shape: number[]): [number, number] {
  const { rows, cols } = matrixOf(shape);
  return [Math.max(rows, cols), Math.min(rows, cols)];
}

/**
 * The initializer's values for `shape` (at least 2-D; rows are the product of all but the last
 * dimension), from `normal`: the normalShapeOf(shape) standard normal matrix that
 * tfjs draws from the seed (tf.randomNormal(..., seed)), row-major. As tfjs: Q of its QR
 * decomposition (the first min(rows, cols) columns), each column times the sign of R's diagonal
 * entry, transposed when rows < cols, times `gain`, all in f32.
 */
export function orthogonalFrom(normal: Float32Array, shape: number[], gain: number): Float32Array {
  const { rows, cols } = matrixOf(shape);
  const [m, n] = normalShapeOf(shape);
  if (normal.length !== m * n) throw new Error(`orthogonal initializer: ${normal.length} normal values for a ${m}x${n} matrix`);
  const pool = getPool();
  const r = pool.heap.alloc(m * n * 4);
  const q = pool.heap.alloc(m * m * 4);
  const w = pool.heap.alloc(m * 4);
  const t = pool.heap.alloc(n * 4);
  try {
    new Float32Array(pool.memory.buffer, r, m * n).set(normal);
    pool.k.householderQr(r, q, w, t, m, n);
    const R = new Float32Array(pool.memory.buffer, r, m * n);
    const Q = new Float32Array(pool.memory.buffer, q, m * m);
    const g = Math.fround(gain);
    const out = new Float32Array(m * n);
    for (let c = 0; c < n; c++) {
      const d = R[c * n + c];
      const sign = d > 0 ? 1 : d < 0 ? -1 : 0;
      for (let i = 0; i < m; i++) {
        // [m, n] as it is, or transposed to [n, m] when the rows are fewer than the columns
        const at = rows < cols ? c * m + i : i * n + c;
        out[at] = Math.fround(g * Math.fround(Q[i * m + c] * sign));
      }
    }
    return out;
  } finally {
    pool.heap.free(t);
    pool.heap.free(w);
    pool.heap.free(q);
    pool.heap.free(r);
  }
}
