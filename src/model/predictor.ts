import type { Tensor } from '@tensorflow/tfjs-core';
import { type BackendName, type Tf, usesFusedKernels } from './backend.js';
import { loadPlainModel } from './plain.js';

/** One forward pass: x [batch, steps, features] -> [batch, outputs] or [batch, steps, outputs], row-major. */
export type Predict = (x: Float32Array, batch: number, steps: number, features: number) => Float32Array;

/** A saved model ready to forecast with. */
export interface Predictor {
  predict: Predict;
  /** 'plain' (the project's own inference, no tfjs), or the tfjs backend that runs the model. */
  engine: string;
  dispose(): void;
}

/**
 * Whether a run is forecast without tfjs. `backend` is the backend asked for (or, in train, the one
 * training used); `trainedOn` the backend the run recorded.
 *
 * cpu and wasm train with the fused kernels, which the plain engine runs too, so it serves them.
 * A run trained on a native TensorFlow backend (tfjs-node / tfjs-node-gpu, which tfjs names
 * 'tensorflow') was forecast by train through tfjs on that backend; predict does the same under
 * 'auto' so that, where the native backend loads, it gives train's numbers exactly (and keeps the
 * user's choice of native or GPU compute). Asking for a native backend explicitly always uses it.
 */
export function plainServes(backend: string, trainedOn?: string): boolean {
  if (usesFusedKernels(backend)) return true;
  return backend === 'auto' && trainedOn !== 'tensorflow';
}

/**
 * Opens a saved model (model.json text + weights.bin bytes) for forecasting: the plain engine when
 * `plainServes` and it knows every layer, otherwise tfjs (the given `tf`, or `backend` loaded now),
 * with the fused LSTM/GRU layers on cpu and wasm.
 */
export async function openPredictor(modelJson: string, weights: Uint8Array, opts: { backend: string; trainedOn?: string; tf?: Tf }): Promise<Predictor> {
  if (plainServes(opts.backend, opts.trainedOn)) {
    const plain = loadPlainModel(modelJson, weights);
    if ('model' in plain) return { predict: plain.model.predict, engine: 'plain', dispose: () => {} };
  }
  let tf = opts.tf;
  if (!tf) {
    const { loadBackend } = await import('./backend.js');
    ({ tf } = await loadBackend(opts.backend as BackendName));
  }
  const backend = tf.getBackend();
  const { loadModelFromFiles } = await import('./build.js');
  const model = await loadModelFromFiles(tf, modelJson, weights, { fused: usesFusedKernels(backend) });
  const t = tf;
  return {
    predict: (x, batch, steps, features) => t.tidy(() => (model.predict(t.tensor3d(x, [batch, steps, features])) as Tensor).dataSync() as Float32Array),
    engine: backend,
    dispose: () => model.dispose(),
  };
}
