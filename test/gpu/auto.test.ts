import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { AUTO_WEBGPU_STEP_FLOPS, autoTriesWebgpu, stepWork } from '../../src/gpu/auto.js';
import { isSoftware } from '../../src/gpu/device.js';

const cfgOf = (model: Record<string, unknown>, batch: number, backend = 'auto') =>
  resolveConfig({ data: { path: 'x.csv', target: 'y' }, model, training: { batch_size: batch }, backend });

describe('backend auto and WebGPU', () => {
  it('counts the work of a recurrent step as 3 x 2·G·H·(I + H) per sample over the batch, averaged over the layers', () => {
    // the reference shape: 2x64 LSTM, batch 64; layer 1 sees one feature, layer 2 the 64 units
    const ref = cfgOf({ cell: 'lstm', layers: [{ units: 64 }, { units: 64 }] }, 64);
    const layer1 = 3 * 2 * 256 * (1 + 64) * 64;
    const layer2 = 3 * 2 * 256 * (64 + 64) * 64;
    expect(layer1).toBe(6_389_760);
    expect(stepWork(ref)).toBe((layer1 + layer2) / 2);
    expect(stepWork(ref)).toBe(9_486_336);
    // GRU: three gate blocks; vanilla RNN: one
    expect(stepWork(cfgOf({ cell: 'gru', layers: [{ units: 10 }] }, 4))).toBe(3 * 2 * 30 * 11 * 4);
    expect(stepWork(cfgOf({ cell: 'rnn', layers: [{ units: 10 }] }, 4))).toBe(3 * 2 * 10 * 11 * 4);
  });

  it('tries WebGPU for large models only, on backend auto only, and not for what the GPU path does not train', () => {
    const large = { cell: 'lstm', layers: [{ units: 256 }, { units: 256 }] };
    expect(stepWork(cfgOf(large, 256))).toBeGreaterThan(AUTO_WEBGPU_STEP_FLOPS);
    expect(autoTriesWebgpu(cfgOf(large, 256))).toBe(true);
    expect(autoTriesWebgpu(cfgOf({ cell: 'lstm', layers: [{ units: 64 }, { units: 64 }] }, 64))).toBe(false);
    expect(autoTriesWebgpu(cfgOf(large, 256, 'wasm'))).toBe(false);
    expect(autoTriesWebgpu(cfgOf({ ...large, peephole: true }, 256))).toBe(false);
    expect(autoTriesWebgpu(cfgOf({ ...large, coupled_gates: true }, 256))).toBe(false);
    // the defaults' model is far below the line
    expect(autoTriesWebgpu(resolveConfig({ data: { path: 'x.csv', target: 'y' } }))).toBe(false);
  });

  it('takes llvmpipe, lavapipe, SwiftShader and fallback adapters for software, a GPU for hardware', () => {
    expect(isSoftware({ vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: 'OpenGL ES 3.2 Mesa 22.3.6' })).toBe(true);
    expect(isSoftware({ vendor: 'mesa', architecture: '', description: 'lavapipe' })).toBe(true);
    expect(isSoftware({ vendor: 'google', device: 'SwiftShader Device (Subzero)' })).toBe(true);
    expect(isSoftware({ vendor: 'x', device: 'y', isFallbackAdapter: true })).toBe(true);
    expect(isSoftware({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA: 560.35.03' })).toBe(false);
    expect(isSoftware({ vendor: 'amd', architecture: 'rdna-3', device: 'AMD Radeon RX 7900 XTX' })).toBe(false);
  });
});
