/// <reference types="@webgpu/types" />
import { BackendError } from '../errors.js';

/** A WebGPU device, and what it runs on. */
export interface Gpu {
  device: GPUDevice;
  /** the adapter's own words: device and driver (`llvmpipe ... / OpenGL ES 3.2 Mesa 22.3.6`) */
  description: string;
  /** a software rasterizer (llvmpipe, lavapipe, SwiftShader, WARP) or an adapter that says it is a fallback */
  software: boolean;
  /** how Dawn reached it: its default backend (Vulkan, Metal, D3D12) or OpenGL ES */
  route: 'default' | 'opengles';
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|softpipe|microsoft basic render|warp/i;

let opened: Promise<Gpu> | null = null;
const instances: GPU[] = [];

/**
 * The process's WebGPU device (opened once). Dawn's default backend first (Vulkan on Linux, where a
 * GPU's driver lives); where it finds no adapter, OpenGL ES through EGL without a display, which
 * reaches Mesa's llvmpipe on a machine without a GPU. `env`: the process's environment (the
 * caller's process.env), where that route sets EGL_PLATFORM (surfaceless) unless it is set. Fails
 * with a BackendError (exit 2) naming what is missing: the `webgpu` package, or any adapter.
 */
export function openGpu(env: Record<string, string | undefined>): Promise<Gpu> {
  opened ??= open(env).catch((err) => {
    opened = null;
    throw err;
  });
  return opened;
}

async function open(env: Record<string, string | undefined>): Promise<Gpu> {
  let mod: { create(options: string[]): GPU; globals: object };
  try {
    mod = (await import('webgpu')) as typeof mod;
  } catch (err) {
    throw new BackendError(
      `backend "webgpu" is not available: the optional package webgpu could not be loaded (${(err as Error).message.split('\n')[0]}); install it with npm install webgpu@0.6.2`,
    );
  }
  // GPUBufferUsage, GPUMapMode and the other constants the API's users name
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  let route: Gpu['route'] = 'default';
  // the instances live as long as the process: Dawn crashes when one is collected while its device is in use
  instances.push(mod.create([]));
  let adapter = await instances[0].requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    route = 'opengles';
    // EGL without a window system: the surfaceless platform
    env.EGL_PLATFORM ??= 'surfaceless';
    instances.push(mod.create(['backend=opengles']));
    adapter = await instances[1].requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions);
  }
  if (!adapter)
    throw new BackendError(
      'backend "webgpu" is not available: no WebGPU adapter (a GPU with a Vulkan driver, or for a software one Mesa with libEGL: apt-get install libegl-dev libegl-mesa0 libgl1-mesa-dri)',
    );
  const info = adapter.info;
  const description = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' / ');
  const L = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBuffersPerShaderStage: L.maxStorageBuffersPerShaderStage,
      maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
      maxBufferSize: L.maxBufferSize,
      maxComputeInvocationsPerWorkgroup: L.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: L.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupStorageSize: L.maxComputeWorkgroupStorageSize,
    },
  });
  const software = SOFTWARE.test(description) || (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return { device, description, software, route };
}
