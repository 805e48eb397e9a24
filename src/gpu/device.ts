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
 * caller's process.env), where that route sets EGL_PLATFORM (surfaceless) unless it is set;
 * `probe`: where it says the default backend has no adapter, that backend is not asked here. Fails
 * with a BackendError (exit 2) naming what is missing: the `webgpu` package, or any adapter.
 */
export function openGpu(env: Record<string, string | undefined>, probe?: AdapterProbe): Promise<Gpu> {
  opened ??= open(env, probe).catch((err) => {
    opened = null;
    throw err;
  });
  return opened;
}

type WebGpuModule = { create(options: string[]): GPU; globals: object };

async function loadModule(): Promise<WebGpuModule> {
  let mod: WebGpuModule;
  try {
    mod = (await import('webgpu')) as WebGpuModule;
  } catch (err) {
    throw new BackendError(
      `backend "webgpu" is not available: the optional package webgpu could not be loaded (${(err as Error).message.split('\n')[0]}); install it with npm install webgpu@0.6.2`,
    );
  }
  // GPUBufferUsage, GPUMapMode and the other constants the API's users name
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  return mod;
}

/** An instance of Dawn's default backend (Vulkan on Linux, Metal, D3D12), created once and held for the process's life. */
async function defaultInstance(): Promise<GPU> {
  const mod = await loadModule();
  // the instances live as long as the process: Dawn crashes when one is collected while its device is in use
  if (!instances[0]) instances[0] = mod.create([]);
  return instances[0];
}

async function open(env: Record<string, string | undefined>, probe?: AdapterProbe): Promise<Gpu> {
  const mod = await loadModule();
  let route: Gpu['route'] = 'default';
  // where the probe (a child process) found no adapter there, the default backend is not asked here (it would print why)
  let adapter = (await probe?.()) === 'none' ? null : await (await defaultInstance()).requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    route = 'opengles';
    // EGL without a window system: the surfaceless platform
    env.EGL_PLATFORM ??= 'surfaceless';
    if (!instances[1]) instances[1] = mod.create(['backend=opengles']);
    adapter = await instances[1].requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions);
  }
  if (!adapter)
    throw new BackendError(
      'backend "webgpu" is not available: no WebGPU adapter (a GPU with a Vulkan driver, or for a software one Mesa with libEGL: apt-get install libegl-dev libegl-mesa0 libgl1-mesa-dri)',
    );
  return deviceOn(adapter, route);
}

/** Whether an adapter is a software one: by its name (llvmpipe says it is not a fallback adapter), or by its own word. */
export function isSoftware(info: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean }): boolean {
  return SOFTWARE.test(describeAdapter(info)) || info.isFallbackAdapter === true;
}

function describeAdapter(info: { vendor?: string; architecture?: string; device?: string; description?: string }): string {
  return [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' / ');
}

async function deviceOn(adapter: GPUAdapter, route: Gpu['route']): Promise<Gpu> {
  const info = adapter.info;
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
  return { device, description: describeAdapter(info), software: isSoftware(info as GPUAdapterInfo & { isFallbackAdapter?: boolean }), route };
}

let probed: Promise<Gpu | null> | null = null;

/**
 * backend auto: the process's WebGPU device where Dawn's default backend finds a hardware adapter,
 * else null (no `webgpu` package, no adapter, or only a software one: the OpenGL ES route is not
 * tried, as on Linux it reaches a GPU only where Vulkan would too). Probed once, first by `probe`;
 * never throws for a missing GPU.
 */
export function hardwareGpu(probe: AdapterProbe): Promise<Gpu | null> {
  probed ??= (async () => {
    if ((await probe()) !== 'hardware') return null;
    const adapter = await (await defaultInstance()).requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter || isSoftware(adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean })) return null;
    opened ??= deviceOn(adapter, 'default');
    const gpu = await opened;
    return gpu.software ? null : gpu;
  })();
  return probed;
}

/** What Dawn's default backend finds: a hardware adapter, a software one, or none. */
export type AdapterKind = 'hardware' | 'software' | 'none';

/**
 * Asks what Dawn's default backend finds without asking it in this process (commands/gpu-probe.ts:
 * a child process, whose stderr keeps what Dawn and the drivers print about the adapters they pass
 * over); null where it could not tell.
 */
export type AdapterProbe = () => Promise<AdapterKind | null>;

/** What adapter Dawn's default backend finds in this process (what an AdapterProbe asks of a child process). */
export async function probeDefaultAdapter(): Promise<AdapterKind> {
  const adapter = await (await defaultInstance()).requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return 'none';
  return isSoftware(adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean }) ? 'software' : 'hardware';
}
