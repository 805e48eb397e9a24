import { getPool, type Pool, type Task } from './pool.js';
import { rowWork, slicesOf } from './slices.js';
import {
  type Activation,
  type Cell,
  forwardScratchOf,
  freeState,
  gatesOf,
  type InitialState,
  initOf,
  type LstmVariant,
  layout,
  peepholesOf,
  releaseSlot,
  type Slot,
  type State,
} from './state.js';

/**
 * Runs the whole-sequence forward pass. x is batch-major [B,T,I]; W [I,G*H], U [H,G*H], b [G*H];
 * `init`: the initial state (none: zeros). Returns the output ([B,T,H] with returnSequences, else
 * [B,H]) and, when `slot` is given, keeps the state for backward in the kernels' memory (owned by
 * the slot). `activation`: the vanilla RNN's (LSTM and GRU: tanh). `variant`: an LSTM's peepholes
 * and coupled gates (lstm only; W, U and b then have 3H gate columns when coupled). `view`: the
 * output [B,T,H] as a view of the kernels' memory rather than a copy, for a caller that copies it
 * before its next call into the kernels (the fused layers, into a tensor).
 */
export function forward(
  cell: Cell,
  xBTI: Float32Array,
  W: Float32Array,
  U: Float32Array,
  b: Float32Array,
  B: number,
  T: number,
  I: number,
  H: number,
  returnSequences: boolean,
  slot: Slot | null,
  init?: InitialState,
  activation: Activation = 'tanh',
  variant?: LstmVariant,
  view = false,
): { out: Float32Array; state: State | null } {
  const pool = getPool();
  if (variant && cell !== 'lstm') throw new Error(`fused kernels: peepholes and coupled gates are LSTM variants, not ${cell}`);
  const coupled = variant?.coupled === true;
  const G = gatesOf(cell, H, coupled);
  const nPeep = variant?.peephole ? peepholesOf(H, coupled) : 0;
  if (variant?.peephole && variant.peephole.length !== nPeep) throw new Error(`fused kernels: ${variant.peephole.length} peephole weights, expected ${nPeep}`);
  const slices = slicesOf(B, pool.threads, rowWork(cell, T, I, H, coupled));
  if (init) checkInitialState(cell, init, B * H);
  if (slot) releaseSlot(slot);
  const { block, at } = layout(pool, [
    I * G,
    H * G,
    G,
    T * B * I,
    cell === 'rnn' ? 0 : T * B * G,
    cell === 'rnn' ? 0 : T * B * H,
    T * B * H,
    cell === 'lstm' ? T * B * H : 0,
    init ? B * H : 0,
    init && cell === 'lstm' ? B * H : 0,
    nPeep,
  ]);
  const [pW, pU, pb, px, pg, pc, ph, ptc, ph0, pc0, pp] = at;
  const s: State = {
    cell,
    activation,
    variant: variant ? { peep: nPeep ? pp : 0, coupled } : null,
    B,
    T,
    I,
    H,
    slices,
    block,
    W: pW,
    U: pU,
    b: pb,
    x: px,
    gates: cell === 'rnn' ? 0 : pg,
    cs: cell === 'rnn' ? 0 : pc,
    tcs: cell === 'lstm' ? ptc : 0,
    hs: ph,
    h0: init ? ph0 : 0,
    c0: init && cell === 'lstm' ? pc0 : 0,
  };
  // staging for the batch-major input and output; slice s sits at the same offset in both layouts;
  // then each slice's scratch for the packed weights
  const staging = layout(pool, [T * B * Math.max(I, returnSequences ? H : 0), ...slices.map(() => forwardScratchOf(cell, I, H, G))]);
  const stage = staging.block;
  const wsOf = (i: number) => staging.at[1 + i];
  const m = pool.f32(); // after the last allocation: the memory may have grown
  m.set(W, pW >>> 2);
  m.set(U, pU >>> 2);
  m.set(b, pb >>> 2);
  m.set(xBTI, stage >>> 2);
  if (init) {
    m.set(init.h0, ph0 >>> 2);
    if (cell === 'lstm') m.set(init.c0!, pc0 >>> 2);
  }
  if (nPeep) m.set(variant!.peephole!, pp >>> 2);
  for (const { b0, n } of slices) pool.k.permute(px + 4 * T * b0 * I, stage + 4 * T * b0 * I, n, T, I, 1);
  const fn = variant ? 'lstmvForward' : cell === 'lstm' ? 'lstmForward' : cell === 'gru' ? 'gruForward' : 'rnnForward';
  pool.run(
    slices.map(({ b0, n }, i): Task => {
      const o = (rows: number) => 4 * T * b0 * rows;
      const [h0, c0] = initOf(s, b0);
      if (variant)
        return {
          fn,
          args: [px + o(I), pW, pU, pb, nPeep ? pp : 0, T, n, I, H, pg + o(G), pc + o(H), ptc + o(H), ph + o(H), h0, c0, coupled ? 1 : 0, wsOf(i)],
        };
      const seq =
        cell === 'lstm'
          ? [pg + o(G), pc + o(H), ptc + o(H), ph + o(H), h0, c0]
          : cell === 'gru'
            ? [pg + o(G), ph + o(H), pc + o(H), h0]
            : [ph + o(H), h0, activation === 'relu' ? 1 : 0];
      return { fn, args: [px + o(I), pW, pU, pb, T, n, I, H, ...seq, wsOf(i)] };
    }),
  );
  let out: Float32Array;
  try {
    out = gatherOutput(pool, s, returnSequences, stage, view);
  } finally {
    pool.heap.free(stage);
  }
  if (slot) slot.state = s;
  else freeState(s);
  return { out, state: slot ? s : null };
}

function checkInitialState(cell: Cell, init: InitialState, size: number): void {
  const want = cell === 'lstm' ? (['h0', 'c0'] as const) : (['h0'] as const);
  for (const k of want)
    if (init[k]?.length !== size) throw new Error(`fused kernels: initial state ${k} has ${init[k]?.length ?? 'no'} values, expected ${size}`);
}

/** hs (slice-major, time-major) -> [B,T,H] (via `stage`; `view`: a view of it, not a copy) or the last step [B,H]. */
function gatherOutput(pool: Pool, s: State, returnSequences: boolean, stage: number, view: boolean): Float32Array {
  const { B, T, H, slices } = s;
  if (returnSequences) {
    for (const { b0, n } of slices) pool.k.permute(s.hs + 4 * T * b0 * H, stage + 4 * T * b0 * H, n, T, H, 0);
    const m = pool.f32();
    return view ? m.subarray(stage >>> 2, (stage >>> 2) + B * T * H) : m.slice(stage >>> 2, (stage >>> 2) + B * T * H);
  }
  const m = pool.f32();
  const out = new Float32Array(B * H);
  for (const { b0, n } of slices) {
    const last = (s.hs >>> 2) + T * b0 * H + (T - 1) * n * H;
    out.set(m.subarray(last, last + n * H), b0 * H);
  }
  return out;
}
