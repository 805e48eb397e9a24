// The QR decomposition behind seeded orthogonal initial weights, in f32, operation for operation as
// tfjs's linalg.qr computes it on the wasm backend (Householder reflections; each reduction one
// chain in ascending order, one mul then one add per term), so its bits are tfjs's: a recurrent
// layer's initial weights are the same whether tfjs's ops or this kernel computed them. tfjs runs
// it as a few dozen tensor ops per column (tens to hundreds of milliseconds a layer); this is one
// call of well under a millisecond's arithmetic.
//
// R [m, n] f32 row-major, m >= n: the matrix, overwritten with the reflections' R.
// Q [m, m] f32 row-major: written with the product of the reflections (the identity to begin with).
// W [m] and T [n] f32: scratch (the reflection's vector, a row of w^T R).
//
// Reflection j, with x = R[j.., j], s = -1 if R[j][j] > 0 else 1, u = R[j][j] - s |x|:
// w = [1, x[1..] / u], tau = -(s u) / |x|, then R[j..] -= (tau w) (w^T R[j..]) and
// Q[.., j..] -= (Q[.., j..] w) (tau w)^T; |x| is sqrt of the sum of squares, each square rounded.

export function householderQr(R: usize, Q: usize, W: usize, T: usize, m: i32, n: i32): void {
  for (let i = 0; i < m * m; i++) store<f32>(Q + (<usize>i << 2), 0);
  for (let i = 0; i < m; i++) store<f32>(Q + (<usize>(i * m + i) << 2), 1);
  const iters = min(m, n);
  for (let j = 0; j < iters; j++) {
    const len = m - j;
    let s2: f32 = 0;
    for (let i = j; i < m; i++) {
      const v = abs<f32>(load<f32>(R + (<usize>(i * n + j) << 2)));
      s2 = s2 + v * v;
    }
    const norm = sqrt<f32>(s2);
    const rjj = load<f32>(R + (<usize>(j * n + j) << 2));
    const s: f32 = rjj > 0 ? -1 : 1;
    const u = rjj - s * norm;
    store<f32>(W, 1);
    for (let i = 1; i < len; i++) store<f32>(W + (<usize>i << 2), load<f32>(R + (<usize>((j + i) * n + j) << 2)) / u);
    const tau = -((s * u) / norm);
    // T = w^T R[j..]
    for (let c = 0; c < n; c++) {
      let acc: f32 = 0;
      for (let i = 0; i < len; i++) acc = acc + load<f32>(W + (<usize>i << 2)) * load<f32>(R + (<usize>((j + i) * n + c) << 2));
      store<f32>(T + (<usize>c << 2), acc);
    }
    // R[j..] -= (tau w) T
    for (let i = 0; i < len; i++) {
      const tw = tau * load<f32>(W + (<usize>i << 2));
      const row = R + (<usize>((j + i) * n) << 2);
      for (let c = 0; c < n; c++) {
        const at = row + (<usize>c << 2);
        store<f32>(at, load<f32>(at) - tw * load<f32>(T + (<usize>c << 2)));
      }
    }
    // Q[.., j..] -= (Q[.., j..] w) (tau w)^T
    for (let r = 0; r < m; r++) {
      const row = Q + (<usize>(r * m + j) << 2);
      let acc: f32 = 0;
      for (let i = 0; i < len; i++) acc = acc + load<f32>(row + (<usize>i << 2)) * load<f32>(W + (<usize>i << 2));
      for (let i = 0; i < len; i++) {
        const at = row + (<usize>i << 2);
        store<f32>(at, load<f32>(at) - acc * (tau * load<f32>(W + (<usize>i << 2))));
      }
    }
  }
}
