/** Bytes of a WebAssembly memory page. */
export const PAGE_BYTES = 65536;
/**
 * Pages the kernels' memory may grow to (assembly/asconfig.json's maximumMemory): 4 GiB, all a
 * 32-bit WebAssembly memory can address. An allocation past it fails, whatever the machine has.
 */
export const MAX_PAGES = 65536;

/**
 * First-fit allocator over a WebAssembly memory: byte offsets, 64-byte aligned, neighbouring free
 * blocks merged, the memory grown on demand. Only the thread that owns the Heap allocates, and only
 * while no kernel runs, so growing a shared memory never races with a worker.
 */
export class Heap {
  private readonly memory: WebAssembly.Memory;
  /** Free blocks below `top`, sorted by address. */
  private readonly holes: { at: number; size: number }[] = [];
  private readonly sizes = new Map<number, number>();
  private top: number;

  constructor(memory: WebAssembly.Memory, base: number) {
    this.memory = memory;
    this.top = align(base);
  }

  /** Bytes in use (allocated blocks only). */
  get used(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }

  alloc(bytes: number): number {
    const size = align(Math.max(bytes, 64));
    for (let i = 0; i < this.holes.length; i++) {
      const h = this.holes[i];
      if (h.size < size) continue;
      const at = h.at;
      if (h.size === size) this.holes.splice(i, 1);
      else {
        h.at += size;
        h.size -= size;
      }
      this.sizes.set(at, size);
      return at;
    }
    const at = this.top;
    this.top += size;
    const need = this.top - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / PAGE_BYTES));
    this.sizes.set(at, size);
    return at;
  }

  free(at: number): void {
    const size = this.sizes.get(at);
    if (size === undefined) throw new Error(`fused kernels: free of unknown block ${at}`);
    this.sizes.delete(at);
    let i = 0;
    while (i < this.holes.length && this.holes[i].at < at) i++;
    this.holes.splice(i, 0, { at, size });
    // merge with the next, then the previous block
    const cur = this.holes[i];
    const next = this.holes[i + 1];
    if (next && cur.at + cur.size === next.at) {
      cur.size += next.size;
      this.holes.splice(i + 1, 1);
    }
    const prev = this.holes[i - 1];
    if (prev && prev.at + prev.size === cur.at) {
      prev.size += cur.size;
      this.holes.splice(i, 1);
    }
    // a hole that reaches the top gives its space back to the bump region
    const last = this.holes[this.holes.length - 1];
    if (last && last.at + last.size === this.top) {
      this.top = last.at;
      this.holes.pop();
    }
  }
}

function align(n: number): number {
  return Math.ceil(n / 64) * 64;
}
