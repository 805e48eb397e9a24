import type { Config } from '../config/types.js';
import { gatesOf } from '../kernels/state.js';

/**
 * backend auto: the training work of one recurrent step of one layer (forward and backward over a
 * batch, in FLOPs) from which WebGPU is tried on a hardware adapter.
 *
 * Not measured on a GPU yet (bench/gpu.sh measures it). The reasoning: the CPU kernels run at
 * 40-60 GFLOP/s; on the GPU each step of each layer costs about five dispatches (the split
 * recurrent product and the elementwise step, forward and backward), of the order of 10-20 µs each
 * through Dawn whatever their size. At 20 MFLOP a step costs the CPU about 0.4 ms, several times
 * that overhead, so the GPU gains even if its arithmetic were free of cost; the reference shape
 * (2x64 LSTM, window 48, batch 64: 9.4 MFLOP per step and layer) stays on the CPU.
 */
export const AUTO_WEBGPU_STEP_FLOPS = 2e7;

/**
 * The mean training work of one recurrent step of one layer of the config's model, forward and
 * backward (three times the forward's 2·G·H·(I + H) per sample, G the gate blocks), over a batch;
 * the first layer's inputs counted as one feature, so an undercount where there are more.
 */
export function stepWork(cfg: Config): number {
  const { model, training } = cfg;
  let inputs = 1;
  let total = 0;
  for (const { units } of model.layers) {
    total += 3 * 2 * gatesOf(model.cell, units, model.coupled_gates) * (inputs + units) * training.batch_size;
    inputs = units;
  }
  return model.layers.length ? total / model.layers.length : 0;
}

/**
 * Whether backend auto tries WebGPU for this config: a model the WebGPU path trains (not an LSTM
 * variant) whose steps are large enough to gain (AUTO_WEBGPU_STEP_FLOPS). Whether it then trains
 * there depends on a hardware adapter (gpu/device.ts hardwareGpu).
 */
export function autoTriesWebgpu(cfg: Config): boolean {
  if (cfg.backend !== 'auto' || cfg.model.peephole || cfg.model.coupled_gates) return false;
  return stepWork(cfg) >= AUTO_WEBGPU_STEP_FLOPS;
}
