import { type Cell, gatesOf } from './state.js';

/** Batches are split into slices of at least this many rows, */
const MIN_SLICE_ROWS = 8;
/**
 * and of at least this much work (multiply-adds of the slice's forward pass, about 0.08 ms): waking
 * a worker thread takes 0.1-0.3 ms, more on a busy machine, so a smaller batch runs whole on the
 * calling thread. Measured end to end on two cores (`rnnfc train`, median of 5): slices of 2.4 to
 * 4 million multiply-adds on two threads beat one thread by 1.14-1.21x (an LSTM of 32 units,
 * batch 32, windows of 36 to 60), slices of 1.2 million lost 2-5% (co2-mauna-loa's GRU); twice
 * this value kept all three on one thread.
 */
const MIN_SLICE_WORK = 1 << 21;
let minSliceWork = MIN_SLICE_WORK;

/** Sets the least work per slice (multiply-adds; 0: rows alone decide); no argument: the default. */
export function setMinSliceWork(macs: number = MIN_SLICE_WORK): void {
  minSliceWork = macs;
}

/** Multiply-adds of one batch row's forward pass: the slicing's measure of work. */
export function rowWork(cell: Cell, T: number, I: number, H: number, coupled = false): number {
  return T * gatesOf(cell, H, coupled) * (I + H);
}

/**
 * Batch rows [b0, b0 + n) of each slice: one slice per thread at most, each of at least
 * MIN_SLICE_ROWS rows and `minSliceWork / work` rows (`work`: one row's, see rowWork), sizes
 * multiples of 4 where the batch allows (the kernels' register blocks are 4 rows high). Depends
 * only on B, threads and work, so the same model and thread count always slice alike.
 */
export function slicesOf(B: number, threads: number, work = 0): { b0: number; n: number }[] {
  const minRows = Math.max(MIN_SLICE_ROWS, work > 0 ? Math.ceil(minSliceWork / work) : 0);
  const S = Math.max(1, Math.min(threads, Math.floor(B / minRows)));
  const q = S === 1 ? B : Math.ceil(B / S / 4) * 4;
  const out: { b0: number; n: number }[] = [];
  for (let b0 = 0; b0 < B; b0 += q) out.push({ b0, n: Math.min(q, B - b0) });
  return out;
}
