/**
 * TensorFlow.js as rnnfc uses it: the core ops (tf.tensor, tf.io, tf.train, ...), the layers API
 * (tf.layers, tf.sequential, tf.loadLayersModel, ...), the tensor methods tfjs-layers calls
 * (./chained-ops.ts); the backends register themselves when ./backend.ts loads them (the cpu
 * backend only when a run asks for it or falls back to it: its bundle costs about 55 ms to load,
 * which a run on wasm need not pay). The @tensorflow/tfjs bundle adds webgl, the graph-model converter
 * and tf.data, which rnnfc does not use.
 *
 * The packages are CommonJS bundles, loaded with require(): an ES module import of them makes Node
 * parse each bundle for its export names first, about a quarter of a second of every process.
 */
import { createRequire } from 'node:module';
import type * as Core from '@tensorflow/tfjs-core';
import type * as Layers from '@tensorflow/tfjs-layers';
import { installChainedOps } from './chained-ops.js';

/** TensorFlow.js's core and layers APIs, as one namespace. */
export type Tf = typeof Core & typeof Layers;

const require = createRequire(import.meta.url);
const core = require('@tensorflow/tfjs-core') as typeof Core;
installChainedOps(core);

export const tf = { ...core, ...(require('@tensorflow/tfjs-layers') as typeof Layers) } as unknown as Tf;

/** Registers the cpu backend (loading its bundle; again: nothing). */
export function registerCpu(): void {
  require('@tensorflow/tfjs-backend-cpu');
}
