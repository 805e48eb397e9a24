import { availableParallelism } from 'node:os';
import { getPool, type Pool, type Task } from './pool.js';

export type Cell = 'lstm' | 'gru';

/** A training.threads setting as a count: 'auto' is the machine's cores. */
export function threadCount(setting: number | 'auto'): number {
  return setting === 'auto' ? Math.max(1, availableParallelism()) : setting;
}

/** Threads the fused kernels split each batch over (the calling thread included); default 1. */
export function setThreads(n: number): void {
  getPool().setThreads(n);
}

export function getThreads(): number {
  return getPool().threads;
}

/** Bytes of the kernels' memory held by forward states and calls in progress. */
export function bytesInUse(): number {
  return getPool().heap.used;
}

/** Stops the kernels' worker threads (later calls start them again as needed). */
export function stopThreads(): void {
  getPool().close();
}

const gatesOf = (cell: Cell, H: number) => (cell === 'lstm' ? 4 : 3) * H;

/** Batches are split into slices of at least this many rows, */
const MIN_SLICE_ROWS = 8;
/**
 * and of at least this much work (multiply-adds of the slice's forward pass, about 0.15 ms):
 * waking a worker thread takes 0.1-0.3 ms, more on a busy machine, so a smaller batch runs whole
 * on the calling thread.
 */
const MIN_SLICE_WORK = 1 << 22;
let minSliceWork = MIN_SLICE_WORK;

/** Sets the least work per slice (multiply-adds; 0: rows alone decide); no argument: the default. */
export function setMinSliceWork(macs: number = MIN_SLICE_WORK): void {
  minSliceWork = macs;
}

/** Multiply-adds of one batch row's forward pass: the slicing's measure of work. */
export function rowWork(cell: Cell, T: number, I: number, H: number): number {
  return T * gatesOf(cell, H) * (I + H);
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

/**
 * What backward needs from one forward call, resident in the kernels' memory. Buffers are
 * slice-major: slice s ([b0, b0 + n) of the batch) holds its own time-major block [T, n, *]
 * starting at T * b0 rows into each buffer.
 */
export interface State {
  cell: Cell;
  B: number;
  T: number;
  I: number;
  H: number;
  slices: { b0: number; n: number }[];
  /** allocation holding everything below (byte offset); 0 once freed */
  block: number;
  W: number;
  U: number;
  b: number;
  x: number;
  gates: number;
  /** LSTM: cell states c_t; GRU: r_t * h_{t-1} */
  cs: number;
  /** LSTM: tanh(c_t), kept so that backward need not recompute it; GRU: none (0) */
  tcs: number;
  hs: number;
  /** the initial state [B,H] (batch-major, so slice s's rows start at b0 * H); 0: zeros */
  h0: number;
  /** LSTM: the initial cell state [B,H], given with h0; otherwise 0 */
  c0: number;
}

/** An initial state for forward: h0 [B,H] and, for LSTM, c0 [B,H] (batch-major). */
export interface InitialState {
  h0: Float32Array;
  c0?: Float32Array;
}

/** Owner of at most one live State (one per layer): a new forward frees the previous one. */
export interface Slot {
  state: State | null;
}

export function releaseSlot(slot: Slot): void {
  if (slot.state) freeState(slot.state);
  slot.state = null;
}

function freeState(s: State): void {
  if (s.block) getPool().heap.free(s.block);
  s.block = 0;
}

/** Carves consecutive float buffers out of one allocation. */
function layout(pool: Pool, floats: number[]): { block: number; at: number[] } {
  const at: number[] = [];
  let off = 0;
  for (const n of floats) {
    at.push(off);
    off += Math.ceil((n * 4) / 64) * 64;
  }
  const block = pool.heap.alloc(off);
  return { block, at: at.map((o) => block + o) };
}

/**
 * Runs the whole-sequence forward pass. x is batch-major [B,T,I]; W [I,G*H], U [H,G*H], b [G*H];
 * `init`: the initial state (none: zeros). Returns the output ([B,T,H] with returnSequences, else
 * [B,H]) and, when `slot` is given, keeps the state for backward in the kernels' memory (owned by
 * the slot).
 */
export function forward(cell: Cell, xBTI: Float32Array, W: Float32Array, U: Float32Array, b: Float32Array,
  B: number, T: number, I: number, H: number, returnSequences: boolean, slot: Slot | null,
  init?: InitialState): { out: Float32Array; state: State | null } {
  const pool = getPool();
  const G = gatesOf(cell, H);
  const slices = slicesOf(B, pool.threads, rowWork(cell, T, I, H));
  if (init) checkInitialState(cell, init, B * H);
  if (slot) releaseSlot(slot);
  const { block, at } = layout(pool, [I * G, H * G, G, T * B * I, T * B * G, T * B * H, T * B * H,
    cell === 'lstm' ? T * B * H : 0, init ? B * H : 0, init && cell === 'lstm' ? B * H : 0]);
  const [pW, pU, pb, px, pg, pc, ph, ptc, ph0, pc0] = at;
  const s: State = {
    cell, B, T, I, H, slices, block, W: pW, U: pU, b: pb, x: px, gates: pg, cs: pc, tcs: cell === 'lstm' ? ptc : 0, hs: ph,
    h0: init ? ph0 : 0, c0: init && cell === 'lstm' ? pc0 : 0,
  };
  // staging for the batch-major input and output; slice s sits at the same offset in both layouts
  const stage = pool.heap.alloc(4 * T * B * Math.max(I, returnSequences ? H : 0));
  const m = pool.f32(); // after the last allocation: the memory may have grown
  m.set(W, pW >>> 2);
  m.set(U, pU >>> 2);
  m.set(b, pb >>> 2);
  m.set(xBTI, stage >>> 2);
  if (init) {
    m.set(init.h0, ph0 >>> 2);
    if (cell === 'lstm') m.set(init.c0!, pc0 >>> 2);
  }
  for (const { b0, n } of slices) pool.k.permute(px + 4 * T * b0 * I, stage + 4 * T * b0 * I, n, T, I, 1);
  const fn = cell === 'lstm' ? 'lstmForward' : 'gruForward';
  pool.run(slices.map(({ b0, n }): Task => {
    const o = (rows: number) => 4 * T * b0 * rows;
    const [h0, c0] = initOf(s, b0);
    const seq = cell === 'lstm' ? [pg + o(G), pc + o(H), ptc + o(H), ph + o(H), h0, c0] : [pg + o(G), ph + o(H), pc + o(H), h0];
    return { fn, args: [px + o(I), pW, pU, pb, T, n, I, H, ...seq] };
  }));
  let out: Float32Array;
  try {
    out = gatherOutput(pool, s, returnSequences, stage);
  } finally {
    pool.heap.free(stage);
  }
  if (slot) slot.state = s;
  else freeState(s);
  return { out, state: slot ? s : null };
}

function checkInitialState(cell: Cell, init: InitialState, size: number): void {
  const want = cell === 'lstm' ? ['h0', 'c0'] as const : ['h0'] as const;
  for (const k of want)
    if (init[k]?.length !== size) throw new Error(`fused kernels: initial state ${k} has ${init[k]?.length ?? 'no'} values, expected ${size}`);
}

/** The kernels' h0 and c0 arguments for the slice starting at batch row b0 (0: zeros). */
function initOf(s: State, b0: number): [number, number] {
  return [s.h0 ? s.h0 + 4 * b0 * s.H : 0, s.c0 ? s.c0 + 4 * b0 * s.H : 0];
}

/** hs (slice-major, time-major) -> [B,T,H] (via `stage`) or the last step [B,H]. */
function gatherOutput(pool: Pool, s: State, returnSequences: boolean, stage: number): Float32Array {
  const { B, T, H, slices } = s;
  if (returnSequences) {
    for (const { b0, n } of slices) pool.k.permute(s.hs + 4 * T * b0 * H, stage + 4 * T * b0 * H, n, T, H, 0);
    return pool.f32().slice(stage >>> 2, (stage >>> 2) + B * T * H);
  }
  const m = pool.f32();
  const out = new Float32Array(B * H);
  for (const { b0, n } of slices) {
    const last = (s.hs >>> 2) + T * b0 * H + (T - 1) * n * H;
    out.set(m.subarray(last, last + n * H), b0 * H);
  }
  return out;
}

export interface Grads {
  dx: Float32Array; // [B,T,I]
  dW: Float32Array;
  dU: Float32Array;
  db: Float32Array;
  /** the initial state's gradients [B,H], when the forward call was given one (c0: LSTM only) */
  dh0?: Float32Array;
  dc0?: Float32Array;
}

/**
 * Backward pass from the state a forward call kept. dy: [B,T,H] if returnSequences else [B,H].
 * Weight gradients are computed per slice and summed in slice order, so results depend on the
 * thread count (slightly: float rounding) but never on timing. Frees the state.
 */
export function backward(s: State, dy: Float32Array, returnSequences: boolean): Grads {
  if (!s.block) throw new Error('fused kernels: backward after the forward state was released');
  const pool = getPool();
  const { cell, B, T, I, H, slices } = s;
  const G = gatesOf(cell, H);
  const S = slices.length;
  const nMax = Math.max(...slices.map((c) => c.n));
  // per slice: dW, dU, db, dA, UT, WT, three [n,H] buffers
  const per = [I * G, H * G, G, nMax * G, G * H, G * I, nMax * H, nMax * H, nMax * H];
  const sizes = [T * B * H, T * B * I, T * B * Math.max(I, returnSequences ? H : 0)];
  for (let i = 0; i < S; i++) sizes.push(...per);
  const { block, at } = layout(pool, sizes);
  try {
    const [pdh, pdx, pstage] = at;
    const first = 3; // index in `at` of slice 0's buffers
    const m = pool.f32();
    const dh0 = pdh >>> 2;
    if (returnSequences) {
      // dy goes through the dx staging buffer (at least as large) into the time-major dhs
      m.set(dy, pstage >>> 2);
      for (const { b0, n } of slices) pool.k.permute(pdh + 4 * T * b0 * H, pstage + 4 * T * b0 * H, n, T, H, 1);
    } else {
      for (const { b0, n } of slices) {
        const base = dh0 + T * b0 * H;
        m.fill(0, base, base + (T - 1) * n * H);
        m.set(dy.subarray(b0 * H, (b0 + n) * H), base + (T - 1) * n * H);
      }
    }
    const fn = cell === 'lstm' ? 'lstmBackward' : 'gruBackward';
    pool.run(slices.map(({ b0, n }, i): Task => {
      const o = (rows: number) => 4 * T * b0 * rows;
      const [dW, dU, db, dA, UT, WT, s1, s2, s3] = at.slice(first + i * per.length, first + (i + 1) * per.length);
      const [h0, c0] = initOf(s, b0);
      const args = cell === 'lstm'
        ? [s.x + o(I), s.W, s.U, T, n, I, H, s.gates + o(G), s.cs + o(H), s.tcs + o(H), s.hs + o(H), pdh + o(H),
          pdx + o(I), dW, dU, db, dA, UT, WT, s1, s2, h0, c0]
        : [s.x + o(I), s.W, s.U, T, n, I, H, s.gates + o(G), s.hs + o(H), s.cs + o(H), pdh + o(H),
          pdx + o(I), dW, dU, db, dA, UT, WT, s1, s2, s3, h0];
      return { fn, args };
    }));
    // reduce the slices' weight gradients into slice 0's, in slice order
    for (let i = 1; i < S; i++)
      for (let w = 0; w < 3; w++) pool.k.addInto(at[first + w], at[first + i * per.length + w], per[w]);
    for (const { b0, n } of slices) pool.k.permute(pdx + 4 * T * b0 * I, pstage + 4 * T * b0 * I, n, T, I, 0);
    const mm = pool.f32();
    const take = (p: number, n: number) => mm.slice(p >>> 2, (p >>> 2) + n);
    const g: Grads = { dx: take(pstage, B * T * I), dW: take(at[first], I * G), dU: take(at[first + 1], H * G), db: take(at[first + 2], G) };
    if (s.h0) {
      // each slice's backward leaves the gradients wrt its rows of h0 (c0) in its carried dh (dc)
      // buffer, the 7th (8th) of its scratch buffers
      const gather = (which: number) => {
        const out = new Float32Array(B * H);
        slices.forEach(({ b0, n }, i) => {
          const p = at[first + i * per.length + which] >>> 2;
          out.set(mm.subarray(p, p + n * H), b0 * H);
        });
        return out;
      };
      g.dh0 = gather(6);
      if (cell === 'lstm') g.dc0 = gather(7);
    }
    return g;
  } finally {
    pool.heap.free(block);
    freeState(s);
  }
}
