/**
 * TensorFlow.js as rnnfc uses it: the core ops (tf.tensor, tf.io, tf.train, ...), the layers API
 * (tf.layers, tf.sequential, tf.loadLayersModel, ...), the tensor methods tfjs-layers calls
 * (./chained-ops.ts) and the cpu backend, registered on import; the wasm backend registers itself
 * when ./backend.ts imports it. The @tensorflow/tfjs bundle adds webgl, the graph-model converter
 * and tf.data, which rnnfc does not use.
 */
import '@tensorflow/tfjs-backend-cpu';
import './chained-ops.js';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
