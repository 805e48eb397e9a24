/** The ridge path's Gram matrix on the kernels (assembly/gram.ts), fed a block of rows at a time. */
import { getPool } from './pool.js';

/** Bytes of Z rows one call holds at most (the rows of a whole corpus never sit in the kernels' memory at once). */
const BLOCK_BYTES = 8 << 20;

/**
 * G = Zᵀ Z for the first `rows` columns of G's rows (G [rows, cols], row-major; the entries with
 * j >= i are exact, see assembly/gram.ts), where Z has n rows of `cols` values, written by
 * `fill(z, r0, count)` into z (count rows from row r0, row-major) a block of `blockRows` at a time. Each entry is
 * the sum over r = 0..n-1 of Z(r, i) Z(r, j), added in that order in f64, as the plain loop adds it.
 */
export function gramOf(
  n: number,
  cols: number,
  rows: number,
  fill: (z: Float64Array, r0: number, count: number) => void,
  blockRows = Math.floor(BLOCK_BYTES / (cols * 8)),
): Float64Array {
  const pool = getPool();
  const block = Math.max(1, Math.min(n, blockRows));
  const g = pool.heap.alloc(rows * cols * 8);
  const z = pool.heap.alloc(block * cols * 8);
  try {
    new Float64Array(pool.memory.buffer, g, rows * cols).fill(0);
    for (let r0 = 0; r0 < n; r0 += block) {
      const count = Math.min(block, n - r0);
      fill(new Float64Array(pool.memory.buffer, z, count * cols), r0, count);
      pool.k.gram(g, z, count, cols, rows);
    }
    return new Float64Array(pool.memory.buffer, g, rows * cols).slice();
  } finally {
    pool.heap.free(z);
    pool.heap.free(g);
  }
}
