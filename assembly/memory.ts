// Pointers, and moving and summing rows of f32 in the linear memory.

export function heapBase(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}

@inline export function P(base: usize, idx: i32): usize {
  return base + (<usize>idx << 2);
}

export function fillRows(out: usize, bias: usize, rows: i32, n: i32): void {
  for (let r = 0; r < rows; r++) memory.copy(P(out, r * n), bias, <usize>n << 2);
}

// dst[0..n) += sum of the rows of src[rows, n], row by row
export function addRows(dst: usize, src: usize, rows: i32, n: i32): void {
  for (let r = 0; r < rows; r++) {
    const s = P(src, r * n);
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(P(dst, j), f32x4.add(v128.load(P(dst, j)), v128.load(P(s, j))));
    for (; j < n; j++) store<f32>(P(dst, j), load<f32>(P(dst, j)) + load<f32>(P(s, j)));
  }
}

// dst[0..n) += src[0..n)  (the JS side reduces per-slice weight gradients with this, in slice order)
export function addInto(dst: usize, src: usize, n: i32): void {
  addRows(dst, src, 1, n);
}

// Layout change for one batch slice: time-major tm [T, n, row] <-> batch-major bm [n, T, row]
// (toTime != 0: bm -> tm). The JS side copies whole batches in and out with one call each.
export function permute(tm: usize, bm: usize, n: i32, T: i32, row: i32, toTime: i32): void {
  for (let r = 0; r < n; r++)
    for (let t = 0; t < T; t++) {
      const pt = P(tm, (t * n + r) * row), pb = P(bm, (r * T + t) * row);
      if (toTime) copyRow(pt, pb, row);
      else copyRow(pb, pt, row);
    }
}

@inline function copyRow(dst: usize, src: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(P(dst, j), v128.load(P(src, j)));
  for (; j < n; j++) store<f32>(P(dst, j), load<f32>(P(src, j)));
}
