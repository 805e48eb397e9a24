import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  lstmForward(x: number, W: number, U: number, b: number, T: number, B: number, I: number, H: number,
    gates: number, cs: number, hs: number): void;
  lstmBackward(x: number, W: number, U: number, T: number, B: number, I: number, H: number,
    gates: number, cs: number, hs: number, dhs: number, dx: number, dW: number, dU: number, db: number,
    dA: number, UT: number, hT: number, xT: number, WT: number, dhNext: number, dcNext: number): void;
  gruForward(x: number, W: number, U: number, b: number, T: number, B: number, I: number, H: number,
    gates: number, hs: number, rh: number): void;
  gruBackward(x: number, W: number, U: number, T: number, B: number, I: number, H: number,
    gates: number, hs: number, rh: number, dhs: number, dx: number, dW: number, dU: number, db: number,
    dA: number, UT: number, hT: number, xT: number, WT: number, dhNext: number, drh: number, dhp: number): void;
}

function locateWasm(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, 'rnn.wasm'),
    // running from src/ (tests) before/after a build: fall back to the other tree
    join(here, '..', '..', '..', 'src', 'model', 'fused', 'rnn.wasm'),
    join(here, '..', '..', '..', 'dist', 'model', 'fused', 'rnn.wasm'),
  ];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`fused RNN kernels not found (looked for ${candidates.join(', ')}); run "npm run build"`);
}

let wasm: Exports | null = null;
function kernels(): Exports {
  if (!wasm) {
    const mod = new WebAssembly.Module(readFileSync(locateWasm()));
    wasm = new WebAssembly.Instance(mod, { env: { abort: () => { throw new Error('wasm abort'); } } })
      .exports as unknown as Exports;
  }
  return wasm;
}

/** Bump allocator over the wasm memory; every call lays its buffers out from heapBase. */
class Arena {
  private off: number;
  private readonly k: Exports;
  constructor(k: Exports) {
    this.k = k;
    this.off = k.heapBase();
  }
  alloc(floats: number): number {
    const p = this.off;
    this.off += ((floats * 4 + 15) & ~15) + 16;
    return p;
  }
  ready(): Float32Array {
    const need = this.off - this.k.memory.buffer.byteLength;
    if (need > 0) this.k.memory.grow(Math.ceil(need / 65536));
    return new Float32Array(this.k.memory.buffer);
  }
}

export type Cell = 'lstm' | 'gru';

export interface ForwardState {
  cell: Cell;
  T: number;
  B: number;
  I: number;
  H: number;
  /** time-major copies of what backward needs */
  x: Float32Array;
  gates: Float32Array;
  /** LSTM: cell states c_t; GRU: r_t * h_{t-1} */
  cs: Float32Array;
  hs: Float32Array;
}

/** x given batch-major [B,T,I]; returns time-major state. */
export function forward(cell: Cell, xBTI: Float32Array, W: Float32Array, U: Float32Array, b: Float32Array,
  B: number, T: number, I: number, H: number): ForwardState {
  const k = kernels();
  const G = (cell === 'lstm' ? 4 : 3) * H;
  const a = new Arena(k);
  const px = a.alloc(T * B * I), pW = a.alloc(I * G), pU = a.alloc(H * G), pb = a.alloc(G);
  const pg = a.alloc(T * B * G), ph = a.alloc(T * B * H);
  const pc = a.alloc(T * B * H); // LSTM: cell states; GRU: r * h_prev
  const m = a.ready();
  const x = new Float32Array(T * B * I);
  for (let bb = 0; bb < B; bb++)
    for (let t = 0; t < T; t++) {
      const src = (bb * T + t) * I, dst = (t * B + bb) * I;
      for (let i = 0; i < I; i++) x[dst + i] = xBTI[src + i];
    }
  m.set(x, px >> 2);
  m.set(W, pW >> 2);
  m.set(U, pU >> 2);
  m.set(b, pb >> 2);
  if (cell === 'lstm') k.lstmForward(px, pW, pU, pb, T, B, I, H, pg, pc, ph);
  else k.gruForward(px, pW, pU, pb, T, B, I, H, pg, ph, pc);
  const mm = new Float32Array(k.memory.buffer);
  return {
    cell, T, B, I, H, x,
    gates: mm.slice(pg >> 2, (pg >> 2) + T * B * G),
    cs: mm.slice(pc >> 2, (pc >> 2) + T * B * H),
    hs: mm.slice(ph >> 2, (ph >> 2) + T * B * H),
  };
}

/** Output in batch-major layout: [B,T,H] (sequences) or [B,H] (last step). */
export function outputOf(s: ForwardState, returnSequences: boolean): Float32Array {
  const { T, B, H, hs } = s;
  if (!returnSequences) return hs.slice((T - 1) * B * H, T * B * H);
  const out = new Float32Array(B * T * H);
  for (let t = 0; t < T; t++)
    for (let bb = 0; bb < B; bb++) out.set(hs.subarray((t * B + bb) * H, (t * B + bb + 1) * H), (bb * T + t) * H);
  return out;
}

export interface Grads {
  dx: Float32Array; // [B,T,I]
  dW: Float32Array;
  dU: Float32Array;
  db: Float32Array;
}

/** dy: [B,T,H] if returnSequences else [B,H]. */
export function backward(s: ForwardState, W: Float32Array, U: Float32Array, dy: Float32Array,
  returnSequences: boolean): Grads {
  const k = kernels();
  const { cell, T, B, I, H } = s;
  const G = (cell === 'lstm' ? 4 : 3) * H;
  const a = new Arena(k);
  const px = a.alloc(T * B * I), pW = a.alloc(I * G), pU = a.alloc(H * G);
  const pg = a.alloc(T * B * G), ph = a.alloc(T * B * H);
  const pc = a.alloc(T * B * H);
  const pdh = a.alloc(T * B * H), pdx = a.alloc(T * B * I), pdW = a.alloc(I * G), pdU = a.alloc(H * G);
  const pdb = a.alloc(G), pN = a.alloc(B * H), pN2 = a.alloc(B * H), pdhp = a.alloc(B * H);
  const pdA = a.alloc(T * B * G), pUT = a.alloc(G * H), phT = a.alloc(H * T * B), pxT = a.alloc(I * T * B),
    pWT = a.alloc(G * I);
  const m = a.ready();
  m.set(s.x, px >> 2);
  m.set(W, pW >> 2);
  m.set(U, pU >> 2);
  m.set(s.gates, pg >> 2);
  m.set(s.hs, ph >> 2);
  m.set(s.cs, pc >> 2);
  const dh0 = pdh >> 2;
  if (returnSequences) {
    for (let t = 0; t < T; t++)
      for (let bb = 0; bb < B; bb++)
        m.set(dy.subarray((bb * T + t) * H, (bb * T + t + 1) * H), dh0 + (t * B + bb) * H);
  } else {
    m.fill(0, dh0, dh0 + (T - 1) * B * H);
    m.set(dy, dh0 + (T - 1) * B * H);
  }
  if (cell === 'lstm')
    k.lstmBackward(px, pW, pU, T, B, I, H, pg, pc, ph, pdh, pdx, pdW, pdU, pdb, pdA, pUT, phT, pxT, pWT, pN, pN2);
  else k.gruBackward(px, pW, pU, T, B, I, H, pg, ph, pc, pdh, pdx, pdW, pdU, pdb, pdA, pUT, phT, pxT, pWT, pN, pN2, pdhp);
  const dx = new Float32Array(B * T * I);
  for (let t = 0; t < T; t++)
    for (let bb = 0; bb < B; bb++) {
      const src = (pdx >> 2) + (t * B + bb) * I, dst = (bb * T + t) * I;
      for (let i = 0; i < I; i++) dx[dst + i] = m[src + i];
    }
  return {
    dx,
    dW: m.slice(pdW >> 2, (pdW >> 2) + I * G),
    dU: m.slice(pdU >> 2, (pdU >> 2) + H * G),
    db: m.slice(pdb >> 2, (pdb >> 2) + G),
  };
}
