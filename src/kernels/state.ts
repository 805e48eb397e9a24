import { getPool, type Pool } from './pool.js';

export type Cell = 'lstm' | 'gru' | 'rnn';

/**
 * Gate columns of one cell: 4H (LSTM: i, f, c, o; with coupled input and forget gates 3H: f, c, o),
 * 3H (GRU: z, r, h) or H (vanilla RNN: its one pre-activation).
 */
export const gatesOf = (cell: Cell, H: number, coupled = false) => (cell === 'lstm' ? (coupled ? 3 : 4) : cell === 'gru' ? 3 : 1) * H;

/**
 * The LSTM's variants (assembly/lstm-variants.ts): peephole weights ([i, f, o] per unit, 3H; with
 * coupled gates [f, o], 2H; null: none) and coupled input and forget gates (i = 1 - f).
 */
export interface LstmVariant {
  peephole: Float32Array | null;
  coupled: boolean;
}

/** Peephole weights of an LSTM variant: 3H, or 2H with coupled gates. */
export const peepholesOf = (H: number, coupled: boolean) => (coupled ? 2 : 3) * H;

/** The vanilla RNN's activation (LSTM and GRU: tanh, as the kernels compute). */
export type Activation = 'tanh' | 'relu';

/**
 * What backward needs from one forward call, resident in the kernels' memory. Buffers are
 * slice-major: slice s ([b0, b0 + n) of the batch) holds its own time-major block [T, n, *]
 * starting at T * b0 rows into each buffer.
 */
export interface State {
  cell: Cell;
  /** vanilla RNN: its activation */
  activation: Activation;
  /** LSTM: a variant's kernels run (lstm-variants.ts), with its peephole weights (0: none) and gates coupled or not */
  variant: { peep: number; coupled: boolean } | null;
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
  /** the activated gates [T,B,G]; vanilla RNN: none (0) */
  gates: number;
  /** LSTM: cell states c_t; GRU: r_t * h_{t-1}; vanilla RNN: none (0) */
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
  /** set by training to measure the gradient's flow back through time (train/gradient-flow.ts) */
  flow?: FlowProbe;
}

/**
 * What the backward passes of one layer add up while a probe is set: per step t of the window,
 * the sum over passes of the batch's root-mean-square norm of dL/dh_t (one row's norm, averaged
 * in squares over the batch), and the number of passes.
 */
export interface FlowProbe {
  sums: Float64Array | null;
  passes: number;
}

/** Frees the slot's state, if any, and empties the slot. */
export function releaseSlot(slot: Slot): void {
  if (slot.state) freeState(slot.state);
  slot.state = null;
}

/** Frees a state's buffers (once: a freed state has block 0). */
export function freeState(s: State): void {
  if (s.block) getPool().heap.free(s.block);
  s.block = 0;
}

/**
 * Floats of a matrix of K rows and N columns packed into panels of 8 columns for the kernels'
 * matrix products (assembly/gemm.ts: pack, packed).
 */
export const packedOf = (K: number, N: number) => K * Math.ceil(N / 8) * 8;

/**
 * Floats of one slice's scratch for a forward call's packed weights: W [I,G] and U [H,G] (the
 * GRU packs U as two blocks of 2H and H columns, at most 8 columns more).
 */
export const forwardScratchOf = (cell: Cell, I: number, H: number, G: number) => packedOf(I, G) + packedOf(H, G) + (cell === 'gru' ? 8 * H : 0);

/** Carves consecutive float buffers out of one allocation. */
export function layout(pool: Pool, floats: number[]): { block: number; at: number[] } {
  const at: number[] = [];
  let off = 0;
  for (const n of floats) {
    at.push(off);
    off += Math.ceil((n * 4) / 64) * 64;
  }
  const block = pool.heap.alloc(off);
  return { block, at: at.map((o) => block + o) };
}

/** The kernels' h0 and c0 arguments for the slice starting at batch row b0 (0: zeros). */
export function initOf(s: State, b0: number): [number, number] {
  return [s.h0 ? s.h0 + 4 * b0 * s.H : 0, s.c0 ? s.c0 + 4 * b0 * s.H : 0];
}
