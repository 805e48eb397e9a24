import { createRequire } from 'node:module';
import type { BACKENDS } from '../config/names.js';
import { BackendError } from '../errors.js';
import type { Tf } from './tfjs.js';

/** TensorFlow.js core + layers (./tfjs.ts), or a native package's namespace, which has both. */
export type { Tf };

const require = createRequire(import.meta.url);
export type BackendName = (typeof BACKENDS)[number];

/**
 * Whether LSTM/GRU layers run on rnnfc's fused kernels on this (loaded) backend: cpu and wasm, and
 * webgpu, which trains on the GPU and runs everything else on wasm; the native backends keep their own.
 */
export function usesFusedKernels(backend: string): boolean {
  return backend === 'cpu' || backend === 'wasm' || backend === 'webgpu';
}

const NODE_PACKAGES = {
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
} as const;

/** Run an import with console.log/info/warn muted (tfjs prints hints while loading). */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { log: console.log, info: console.info, warn: console.warn };
  const noop = () => {};
  console.log = noop;
  console.info = noop;
  console.warn = noop;
  try {
    return await fn();
  } finally {
    console.log = saved.log;
    console.info = saved.info;
    console.warn = saved.warn;
  }
}

function silence(tf: Tf): void {
  // PROD silences tfjs's backend_util.warn hints ("Hi, looks like you are running TensorFlow.js in Node.js ...").
  tf.env().set('PROD', true);
}

async function tryNode(name: 'tensorflow' | 'tensorflow-gpu'): Promise<Tf | null> {
  const pkg = NODE_PACKAGES[name];
  try {
    const mod = (await quietly(() => import(pkg))) as Tf & { default?: Tf };
    const tf = (mod && typeof (mod as Tf).tensor === 'function' ? mod : mod.default) as Tf;
    if (!tf || typeof tf.tensor !== 'function') return null;
    silence(tf);
    await tf.ready();
    return tf;
  } catch {
    return null;
  }
}

/**
 * The backend loadBackend(name) would give, where that is wasm and is known without loading
 * TensorFlow.js: 'wasm' asked for, or 'auto' where neither native package is installed (resolved,
 * not loaded). Else null. A fit on it whose network is built without tfjs (model/plain-build.ts)
 * then never loads tfjs (about 0.15 s of a process); anything that needs tfjs loads it then.
 */
export function deferredWasm(name: BackendName): 'wasm' | null {
  if (name === 'wasm') return 'wasm';
  if (name !== 'auto') return null;
  for (const pkg of Object.values(NODE_PACKAGES)) {
    try {
      import.meta.resolve(pkg);
      return null;
    } catch {
      // not installed
    }
  }
  return 'wasm';
}

/**
 * Load TensorFlow.js lazily with the requested backend.
 * 'auto' (for a model too small for WebGPU, or where there is no hardware adapter: gpu/auto.ts)
 * tries tensorflow-gpu, then tensorflow, then 'wasm' (measured ~4x faster than 'cpu' for a
 * small LSTM train step: 50 vs 205 ms for LSTM(32), batch 32, 24 steps), then 'cpu'.
 */
export async function loadBackend(name: BackendName): Promise<{ tf: Tf; backend: string }> {
  if (name === 'tensorflow' || name === 'tensorflow-gpu') {
    const tf = await tryNode(name);
    if (!tf) {
      const pkg = NODE_PACKAGES[name];
      throw new BackendError(`backend "${name}" is not available: install ${pkg} (npm install ${pkg})`);
    }
    return { tf, backend: tf.getBackend() };
  }
  if (name === 'auto') {
    for (const n of ['tensorflow-gpu', 'tensorflow'] as const) {
      const tf = await tryNode(n);
      if (tf) return { tf, backend: tf.getBackend() };
    }
  }
  const { tf } = await quietly(() => import('./tfjs.js'));
  silence(tf);
  // webgpu: tfjs on wasm for all but the training steps (the caller opens the GPU: gpu/device.ts)
  if (name === 'wasm' || name === 'auto' || name === 'webgpu') {
    try {
      // a CommonJS bundle: require() spares the parse an ES module import makes (./tfjs.ts)
      await quietly(async () => require('@tensorflow/tfjs-backend-wasm'));
      const ok = await quietly(() => tf.setBackend('wasm'));
      if (!ok) throw new Error('setBackend failed');
      await tf.ready();
    } catch (err) {
      if (name === 'auto') return useCpu(tf);
      throw new BackendError(`backend "wasm" is not available: ${(err as Error).message}`);
    }
    return { tf, backend: name === 'webgpu' ? 'webgpu' : 'wasm' };
  }
  return useCpu(tf);
}

async function useCpu(tf: Tf): Promise<{ tf: Tf; backend: string }> {
  require('@tensorflow/tfjs-backend-cpu'); // registers it (./tfjs.ts loads it only when asked for)
  const ok = await quietly(() => tf.setBackend('cpu'));
  if (!ok) throw new BackendError('backend "cpu" is not available');
  await tf.ready();
  return { tf, backend: 'cpu' };
}

/** The version of tfjs-core rnnfc runs with (read from its package.json: loading it costs ~0.3 s). */
export function tfjsVersion(): string {
  return (require('@tensorflow/tfjs-core/package.json') as { version: string }).version;
}
