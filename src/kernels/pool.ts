import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Heap, MAX_PAGES } from './heap.js';
import { wasmPath } from './wasm-path.js';

/** The kernels' exports (see assembly/index.ts); pointers are byte offsets into the shared memory. */
export interface Exports {
  heapBase(): number;
  lstmForward(...args: number[]): void;
  lstmBackward(...args: number[]): void;
  lstmvForward(...args: number[]): void;
  lstmvBackward(...args: number[]): void;
  gruForward(...args: number[]): void;
  gruBackward(...args: number[]): void;
  rnnForward(...args: number[]): void;
  rnnBackward(...args: number[]): void;
  addInto(dst: number, src: number, n: number): void;
  permute(tm: number, bm: number, n: number, T: number, row: number, toTime: number): void;
  adamStep(
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    s: number,
    b1: number,
    omb1: number,
    b2: number,
    omb2: number,
    omab1: number,
    omab2: number,
    eps: number,
    negLr: number,
  ): void;
  sumSquares(x: number, n: number): number;
  /** the matrix product over packed panels and the packing (assembly/gemm.ts), for tests */
  gemm(C: number, A: number, Bp: number, M: number, K: number, N: number, sai: number, sak: number, ldc: number, kstride: number): void;
  pack(Bp: number, Bm: number, K: number, N: number, ldb: number): void;
  packT(Bp: number, S: number, K: number, N: number, lds: number): void;
  /** the ridge path's Gram matrix G += Z^T Z over Z's n rows, f64 (assembly/gram.ts) */
  gram(G: number, Z: number, n: number, cols: number, rows: number): void;
  /** the QR decomposition of seeded orthogonal initial weights, f32, as tfjs's wasm backend computes it (assembly/householder.ts) */
  householderQr(R: number, Q: number, W: number, T: number, m: number, n: number): void;
  /** the automatic ETS's search and least-squares initial states, f64 (assembly/ets.ts) */
  etsSearch(...args: number[]): void;
  etsInitial(...args: number[]): void;
  etsScratchBytes(m: number): number;
  /** the machine's WebAssembly SIMD ceiling, for the benches (assembly/peak.ts): a value that depends on every chain */
  simdPeak(iters: number): number;
}

export type KernelName = 'lstmForward' | 'lstmBackward' | 'lstmvForward' | 'lstmvBackward' | 'gruForward' | 'gruBackward' | 'rnnForward' | 'rnnBackward';
const NAMES: KernelName[] = ['lstmForward', 'lstmBackward', 'lstmvForward', 'lstmvBackward', 'gruForward', 'gruBackward', 'rnnForward', 'rnnBackward'];

/** One kernel call on one batch slice. */
export interface Task {
  fn: KernelName;
  args: number[];
}

// Control block of one worker (Int32 slots): posted sequence number, finished sequence number,
// kernel index (-1: quit), status of the last call (0 ok, 1 failed), argument count, whether the
// worker has its instance (0 not yet, 1 yes, -1 it failed), arguments.
const SEQ = 0,
  DONE = 1,
  OP = 2,
  STATUS = 3,
  NARGS = 4,
  READY = 5,
  ARGS = 6,
  CTRL_INTS = 40;

// Runs as CommonJS in each worker: its own instance of the kernels over the shared memory, blocked
// in Atomics.wait until the main thread posts a call.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl, names } = workerData;
const c = new Int32Array(ctrl);
let k = null, err = null;
try { k = new WebAssembly.Instance(module, { env: { memory, exp: Math.exp, log: Math.log } }).exports; } catch (e) { err = e; }
Atomics.store(c, ${READY}, err ? -1 : 1);
let seen = 0;
for (;;) {
  Atomics.wait(c, ${SEQ}, seen);
  seen = Atomics.load(c, ${SEQ});
  const op = c[${OP}];
  if (op < 0) break;
  let status = 0;
  try {
    if (err) throw err;
    const args = Array.from(c.subarray(${ARGS}, ${ARGS} + c[${NARGS}]), (v) => v >>> 0);
    k[names[op]](...args);
  } catch (e) { status = 1; }
  c[${STATUS}] = status;
  Atomics.store(c, ${DONE}, seen);
  Atomics.notify(c, ${DONE});
}
`;

interface Helper {
  worker: Worker;
  ctrl: Int32Array;
  seq: number;
}

/**
 * The kernels' shared memory, the main thread's instance, its heap, and `threads - 1` worker
 * threads with their own instances over the same memory. With one thread no worker exists.
 */
export class Pool {
  readonly memory: WebAssembly.Memory;
  readonly k: Exports;
  readonly heap: Heap;
  private readonly module: WebAssembly.Module;
  private helpers: Helper[] = [];
  private wanted = 1;

  constructor() {
    this.module = new WebAssembly.Module(readFileSync(wasmPath()));
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    this.k = new WebAssembly.Instance(this.module, { env: { memory: this.memory, exp: Math.exp, log: Math.log } }).exports as unknown as Exports;
    this.heap = new Heap(this.memory, this.k.heapBase());
  }

  get threads(): number {
    return this.wanted;
  }

  /** Threads used from the next call on (the calling thread included). */
  setThreads(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new Error(`threads must be a positive integer, got ${n}`);
    this.wanted = n;
    if (this.helpers.length > n - 1) this.stopHelpers(n - 1);
  }

  /** Worker threads that have started (have their instance of the kernels). */
  get startedHelpers(): number {
    return this.helpers.filter((h) => Atomics.load(h.ctrl, READY) === 1).length;
  }

  /** Float view of the whole memory (made afresh: the memory may have grown). */
  f32(): Float32Array {
    return new Float32Array(this.memory.buffer);
  }

  /**
   * Runs tasks[0] here and tasks[1..] on the workers, and returns when all have finished. Workers
   * start on the first call that needs them and come up while this thread goes on (50-100 ms); a
   * task whose worker has not started yet (or could not) runs here too, after tasks[0]: each task
   * is one slice, computed alike on any thread, so results never depend on which ran where.
   */
  run(tasks: Task[]): void {
    if (tasks.length > this.wanted) throw new Error(`${tasks.length} tasks for ${this.wanted} threads`);
    while (this.helpers.length < tasks.length - 1) this.helpers.push(this.spawn());
    const posted: number[] = [];
    const here: Task[] = [tasks[0]];
    for (let i = 1; i < tasks.length; i++) {
      const h = this.helpers[i - 1];
      const t = tasks[i];
      if (Atomics.load(h.ctrl, READY) !== 1) {
        here.push(t);
        continue;
      }
      posted.push(i);
      h.ctrl[OP] = NAMES.indexOf(t.fn);
      h.ctrl[NARGS] = t.args.length;
      for (let a = 0; a < t.args.length; a++) h.ctrl[ARGS + a] = t.args[a] | 0;
      Atomics.store(h.ctrl, SEQ, ++h.seq);
      Atomics.notify(h.ctrl, SEQ);
    }
    let failure: unknown = null;
    try {
      for (const t of here) (this.k[t.fn] as (...a: number[]) => void)(...t.args);
    } catch (e) {
      failure = e;
    }
    for (const i of posted) {
      const h = this.helpers[i - 1];
      while (Atomics.load(h.ctrl, DONE) !== h.seq) Atomics.wait(h.ctrl, DONE, h.seq - 1, 1000);
      if (h.ctrl[STATUS] !== 0 && !failure) failure = new Error(`fused kernel ${tasks[i].fn} failed in a worker thread`);
    }
    if (failure) throw failure;
  }

  /** Stops every worker thread (they are also unref'd, so a forgotten pool never holds the process open). */
  close(): void {
    this.stopHelpers(0);
  }

  private spawn(): Helper {
    const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_INTS * 4));
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: this.module, memory: this.memory, ctrl: ctrl.buffer, names: NAMES },
    });
    worker.unref();
    return { worker, ctrl, seq: 0 };
  }

  private stopHelpers(keep: number): void {
    for (const h of this.helpers.splice(keep)) {
      h.ctrl[OP] = -1;
      Atomics.store(h.ctrl, SEQ, ++h.seq);
      Atomics.notify(h.ctrl, SEQ);
      void h.worker.terminate();
    }
  }
}

let pool: Pool | null = null;

/** The process-wide pool, made on first use. */
export function getPool(): Pool {
  if (!pool) pool = new Pool();
  return pool;
}

/** Bytes of the kernels' memory held by forward states and calls in progress. */
export function bytesInUse(): number {
  return getPool().heap.used;
}
