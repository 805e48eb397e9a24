import { getPool, type Task } from './pool.js';
import { freeState, gatesOf, initOf, layout, packedOf, peepholesOf, type State } from './state.js';

export interface Grads {
  dx: Float32Array; // [B,T,I]
  dW: Float32Array;
  dU: Float32Array;
  db: Float32Array;
  /** an LSTM variant's peephole weights' gradient, when it has them */
  dP?: Float32Array;
  /**
   * asked for (flow): per step t, the sum of squares of dL/dh_t over the batch and the units (the
   * gradient from the outputs plus the one carried back from step t+1)
   */
  flow?: Float64Array;
  /** the initial state's gradients [B,H], when the forward call was given one (c0: LSTM only) */
  dh0?: Float32Array;
  dc0?: Float32Array;
}

/**
 * Backward pass from the state a forward call kept. dy: [B,T,H] if returnSequences else [B,H].
 * Weight gradients are computed per slice and summed in slice order, so results depend on the
 * thread count (slightly: float rounding) but never on timing. Frees the state. `flow`: also
 * measure the gradient's flow back through time (Grads.flow). `view`: dx, dW, dU, db (and dP) as
 * views of the kernels' memory rather than copies, for a caller that copies them before its next
 * call into the kernels.
 */
export function backward(s: State, dy: Float32Array, returnSequences: boolean, flow = false, view = false): Grads {
  if (!s.block) throw new Error('fused kernels: backward after the forward state was released');
  const pool = getPool();
  const { cell, B, T, I, H, slices } = s;
  const v = s.variant;
  const G = gatesOf(cell, H, v?.coupled);
  const nPeep = v?.peep ? peepholesOf(H, v.coupled) : 0;
  const S = slices.length;
  const nMax = Math.max(...slices.map((c) => c.n));
  // per slice: dW, dU, db, dA, UT and WT (packed; no WT for fewer than 8 inputs: the kernels read W), three [n,H] buffers, the peephole weights'
  // gradient, the flow's sums of squares (T doubles), dA packed (and, for the GRU, its h columns)
  const dAp = packedOf(nMax, G) + (cell === 'gru' ? packedOf(nMax, H) : 0);
  const per = [I * G, H * G, G, nMax * G, packedOf(G, H), I >= 8 ? packedOf(G, I) : 0, nMax * H, nMax * H, nMax * H, nPeep, flow ? 2 * T : 0, dAp];
  // the gradients each slice sums its share into (dW, dU, db, dP), by index in `per`
  const summed = [0, 1, 2, 9];
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
    const fn = v ? 'lstmvBackward' : cell === 'lstm' ? 'lstmBackward' : cell === 'gru' ? 'gruBackward' : 'rnnBackward';
    pool.run(
      slices.map(({ b0, n }, i): Task => {
        const o = (rows: number) => 4 * T * b0 * rows;
        const [dW, dU, db, dA, UT, WT, s1, s2, s3, dP, pf, pAp] = at.slice(first + i * per.length, first + (i + 1) * per.length);
        const [h0, c0] = initOf(s, b0);
        const fl = flow ? pf : 0;
        if (v) {
          const args = [s.x + o(I), s.W, s.U, v.peep, T, n, I, H, s.gates + o(G), s.cs + o(H), s.tcs + o(H), s.hs + o(H), pdh + o(H), pdx + o(I)];
          return { fn, args: [...args, dW, dU, db, nPeep ? dP : 0, dA, UT, WT, s1, s2, h0, c0, v.coupled ? 1 : 0, fl, pAp] };
        }
        // the three cells' arguments: the same head, their sequences, the same gradients and scratch
        const head = [s.x + o(I), s.W, s.U, T, n, I, H];
        const grads = [pdx + o(I), dW, dU, db, dA, UT, WT];
        const args =
          cell === 'lstm'
            ? [...head, s.gates + o(G), s.cs + o(H), s.tcs + o(H), s.hs + o(H), pdh + o(H), ...grads, s1, s2, h0, c0, fl, pAp]
            : cell === 'gru'
              ? [...head, s.gates + o(G), s.hs + o(H), s.cs + o(H), pdh + o(H), ...grads, s1, s2, s3, h0, fl, pAp]
              : [...head, s.hs + o(H), pdh + o(H), ...grads, s1, h0, s.activation === 'relu' ? 1 : 0, fl, pAp];
        return { fn, args };
      }),
    );
    // reduce the slices' weight gradients into slice 0's, in slice order
    for (let i = 1; i < S; i++) for (const w of summed) if (per[w]) pool.k.addInto(at[first + w], at[first + i * per.length + w], per[w]);
    for (const { b0, n } of slices) pool.k.permute(pdx + 4 * T * b0 * I, pstage + 4 * T * b0 * I, n, T, I, 0);
    const mm = pool.f32();
    const take = (p: number, n: number) => (view ? mm.subarray(p >>> 2, (p >>> 2) + n) : mm.slice(p >>> 2, (p >>> 2) + n));
    const g: Grads = { dx: take(pstage, B * T * I), dW: take(at[first], I * G), dU: take(at[first + 1], H * G), db: take(at[first + 2], G) };
    if (nPeep) g.dP = take(at[first + 9], nPeep);
    if (flow) {
      // the slices' sums, step by step, in slice order
      g.flow = new Float64Array(T);
      for (let i = 0; i < S; i++) {
        const sums = new Float64Array(mm.buffer, at[first + i * per.length + 10], T);
        for (let t = 0; t < T; t++) g.flow[t] += sums[t];
      }
    }
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
