// The Gram matrix of the ridge-fitted linear path: G = Z^T Z, over the rows of Z.
//
// Z [n, cols] f64 row-major; G [rows, cols] f64 row-major (row stride cols, like Z's), rows <= cols.
// G(i, j) += sum over r of Z(r, i) * Z(r, j) for every i < rows and j >= i (a register block of four
// rows i also writes the few j < i that its first row reaches; they hold G(j, i)'s value). Z's rows
// go in chunks of RC, so that a chunk (at most RC * cols * 8 bytes) stays in the second-level
// cache while every block of G passes over it; blocks are 4 rows x 4 columns (eight f64x2
// accumulators), then single rows, then scalar columns.
//
// Every element of G is one chain over r ascending, one mul then one add in f64, whatever the
// blocks: the bits of the plain loop `g += z[r][i] * z[r][j]` for r = 0, 1, ..., n - 1.
const RC = 32;

export function gram(G: usize, Z: usize, n: i32, cols: i32, rows: i32): void {
  const ld = <usize>cols << 3;
  for (let r0 = 0; r0 < n; r0 += RC) {
    const r1 = min(n, r0 + RC);
    const z0 = Z + <usize>r0 * ld;
    let i = 0;
    for (; i + 4 <= rows; i += 4) {
      const gi = G + <usize>i * ld;
      const zi = z0 + (<usize>i << 3);
      let j = i;
      for (; j + 4 <= cols; j += 4) {
        const g = gi + (<usize>j << 3);
        let a00 = v128.load(g),
          a01 = v128.load(g, 16);
        let a10 = v128.load(g + ld),
          a11 = v128.load(g + ld, 16);
        let a20 = v128.load(g + 2 * ld),
          a21 = v128.load(g + 2 * ld, 16);
        let a30 = v128.load(g + 3 * ld),
          a31 = v128.load(g + 3 * ld, 16);
        let za = zi;
        let zb = z0 + (<usize>j << 3);
        for (let r = r0; r < r1; r++) {
          const b0 = v128.load(zb),
            b1 = v128.load(zb, 16);
          const x0 = f64x2.splat(load<f64>(za)),
            x1 = f64x2.splat(load<f64>(za, 8)),
            x2 = f64x2.splat(load<f64>(za, 16)),
            x3 = f64x2.splat(load<f64>(za, 24));
          a00 = f64x2.add(a00, f64x2.mul(x0, b0));
          a01 = f64x2.add(a01, f64x2.mul(x0, b1));
          a10 = f64x2.add(a10, f64x2.mul(x1, b0));
          a11 = f64x2.add(a11, f64x2.mul(x1, b1));
          a20 = f64x2.add(a20, f64x2.mul(x2, b0));
          a21 = f64x2.add(a21, f64x2.mul(x2, b1));
          a30 = f64x2.add(a30, f64x2.mul(x3, b0));
          a31 = f64x2.add(a31, f64x2.mul(x3, b1));
          za += ld;
          zb += ld;
        }
        v128.store(g, a00);
        v128.store(g, a01, 16);
        v128.store(g + ld, a10);
        v128.store(g + ld, a11, 16);
        v128.store(g + 2 * ld, a20);
        v128.store(g + 2 * ld, a21, 16);
        v128.store(g + 3 * ld, a30);
        v128.store(g + 3 * ld, a31, 16);
      }
      for (; j < cols; j++) for (let a = 0; a < 4; a++) scalarChain(G, z0, ld, i + a, j, r1 - r0);
    }
    for (; i < rows; i++) {
      const gi = G + <usize>i * ld;
      let j = i;
      for (; j + 4 <= cols; j += 4) {
        const g = gi + (<usize>j << 3);
        let a0 = v128.load(g),
          a1 = v128.load(g, 16);
        let za = z0 + (<usize>i << 3);
        let zb = z0 + (<usize>j << 3);
        for (let r = r0; r < r1; r++) {
          const x = f64x2.splat(load<f64>(za));
          a0 = f64x2.add(a0, f64x2.mul(x, v128.load(zb)));
          a1 = f64x2.add(a1, f64x2.mul(x, v128.load(zb, 16)));
          za += ld;
          zb += ld;
        }
        v128.store(g, a0);
        v128.store(g, a1, 16);
      }
      for (; j < cols; j++) scalarChain(G, z0, ld, i, j, r1 - r0);
    }
  }
}

// G(i, j) += Z(r, i) * Z(r, j) over the chunk's `count` rows from z0.
@inline function scalarChain(G: usize, z0: usize, ld: usize, i: i32, j: i32, count: i32): void {
  const g = G + <usize>i * ld + (<usize>j << 3);
  let s = load<f64>(g);
  let za = z0 + (<usize>i << 3);
  let zb = z0 + (<usize>j << 3);
  for (let r = 0; r < count; r++) {
    s += load<f64>(za) * load<f64>(zb);
    za += ld;
    zb += ld;
  }
  store<f64>(g, s);
}
