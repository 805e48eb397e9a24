/** Ridge regression in closed form (pure, no tf): the linear path of the hybrid forecaster. */

/**
 * Solve (XᵀX + λI) W = XᵀY with the relative penalty α: λ = α · trace(XᵀX) / p, so α does not
 * depend on the scale of X. X: [n, p] rows, Y: [n, q] rows. The last column of X is usually a
 * constant 1 (an intercept, penalised like the rest). Returns W as p rows of q.
 */
export function ridge(X: Float64Array[], Y: Float64Array[], alpha: number): Float64Array[] {
  const p = X[0].length,
    q = Y[0].length;
  const G = Array.from({ length: p }, () => new Float64Array(p));
  const B = Array.from({ length: p }, () => new Float64Array(q));
  for (let r = 0; r < X.length; r++) {
    const x = X[r],
      y = Y[r];
    for (let i = 0; i < p; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      const Gi = G[i];
      for (let j = i; j < p; j++) Gi[j] += xi * x[j];
      const Bi = B[i];
      for (let j = 0; j < q; j++) Bi[j] += xi * y[j];
    }
  }
  return solveRidge(G, B, alpha);
}

/**
 * ridge's answer from Zᵀ Z, where Z's rows are X's and Y's side by side ([n, p + q]; `gram` [p, p + q]
 * row-major, the entries with j >= i read: kernels/gram.ts gramOf makes it). The same sums in the
 * same order as ridge's, so the same bits.
 */
export function ridgeFromGram(gram: Float64Array, p: number, q: number, alpha: number): Float64Array[] {
  const cols = p + q;
  const G = Array.from({ length: p }, (_, i) => {
    const row = new Float64Array(p);
    for (let j = i; j < p; j++) row[j] = gram[i * cols + j];
    return row;
  });
  const B = Array.from({ length: p }, (_, i) => gram.slice(i * cols + p, (i + 1) * cols));
  return solveRidge(G, B, alpha);
}

/** (G + λI) W = B with λ = alpha · trace(G) / p (G's upper triangle filled). */
function solveRidge(G: Float64Array[], B: Float64Array[], alpha: number): Float64Array[] {
  const p = G.length;
  let trace = 0;
  for (let i = 0; i < p; i++) trace += G[i][i];
  const unit = trace > 0 ? trace / p : 1;
  return solve(G, B, alpha * unit);
}

/** (G + λI) W = B by Cholesky; G symmetric (upper triangle filled). */
function solve(G: Float64Array[], B: Float64Array[], lambda: number): Float64Array[] {
  const p = G.length,
    q = B[0].length;
  const A = G.map((row, i) => {
    const r = new Float64Array(p);
    for (let j = i; j < p; j++) r[j] = row[j];
    for (let j = 0; j < i; j++) r[j] = G[j][i];
    r[i] += lambda;
    return r;
  });
  // Cholesky A = LLᵀ in place (lower triangle)
  for (let j = 0; j < p; j++) {
    let d = A[j][j];
    for (let k = 0; k < j; k++) d -= A[j][k] * A[j][k];
    const ljj = Math.sqrt(Math.max(d, 1e-12));
    A[j][j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = A[i][j];
      for (let k = 0; k < j; k++) s -= A[i][k] * A[j][k];
      A[i][j] = s / ljj;
    }
  }
  const W = Array.from({ length: p }, () => new Float64Array(q));
  const z = new Float64Array(p);
  for (let c = 0; c < q; c++) {
    for (let i = 0; i < p; i++) {
      let s = B[i][c];
      for (let k = 0; k < i; k++) s -= A[i][k] * z[k];
      z[i] = s / A[i][i];
    }
    for (let i = p - 1; i >= 0; i--) {
      let s = z[i];
      for (let k = i + 1; k < p; k++) s -= A[k][i] * W[k][c];
      W[i][c] = s / A[i][i];
    }
  }
  return W;
}
