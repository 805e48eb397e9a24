import { availableParallelism } from 'node:os';
import { getPool } from './pool.js';

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

/** Stops the kernels' worker threads (later calls start them again as needed). */
export function stopThreads(): void {
  getPool().close();
}
