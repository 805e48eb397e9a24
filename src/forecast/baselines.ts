function nonEmpty(train: ArrayLike<number>): void {
  if (train.length === 0) throw new Error('baseline forecast needs at least one training value');
}

/** Repeat the last value h times. */
export function naive(train: ArrayLike<number>, h: number): Float64Array {
  nonEmpty(train);
  return new Float64Array(h).fill(train[train.length - 1]);
}

/** Repeat the last season: f[k] = y[n - m + (k mod m)]; m <= 1 (or m > n) falls back to naive. */
export function seasonalNaive(train: ArrayLike<number>, h: number, m: number): Float64Array {
  nonEmpty(train);
  const n = train.length;
  if (m <= 1 || m > n) return naive(train, h);
  const out = new Float64Array(h);
  for (let k = 0; k < h; k++) out[k] = train[n - m + (k % m)];
  return out;
}

/** Random walk with drift: last + k * (last - first) / (n - 1), k = 1..h (naive when n = 1). */
export function drift(train: ArrayLike<number>, h: number): Float64Array {
  nonEmpty(train);
  const n = train.length;
  const last = train[n - 1];
  const slope = n > 1 ? (last - train[0]) / (n - 1) : 0;
  const out = new Float64Array(h);
  for (let k = 0; k < h; k++) out[k] = last + (k + 1) * slope;
  return out;
}
