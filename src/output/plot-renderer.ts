/**
 * Where vega-lite specs become SVG: in this thread, or, once startPlotRenderer has been called, in a
 * worker thread that loads vega and vega-lite as soon as it starts. Loading them costs about a
 * quarter of a second; a command that will draw plots starts the worker first thing, so the loading
 * runs on the other core while this thread loads tfjs, reads the data and trains, instead of after.
 * Either way the same function draws each plot, and the plots of one process are drawn in one
 * place, in the order asked (vega numbers some SVG ids by a counter of its own).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

type Vl = typeof import('vega-lite');
type Vega = typeof import('vega');

/** A vega-lite spec drawn to SVG with the given modules (the worker runs this function's source too). */
async function renderWith(vl: Vl, vega: Vega, spec: Record<string, unknown>): Promise<string> {
  const compiled = vl.compile(spec as unknown as Parameters<Vl['compile']>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

// The worker: CommonJS, evaluated; loads the two modules by their resolved file URLs (an evaluated
// worker has no module of its own to resolve package names from), then draws what it is sent.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const render = ${renderWith.toString()};
const loaded = Promise.all([import(workerData.vegaLite), import(workerData.vega)]);
loaded.catch(() => {});
parentPort.on('message', async ({ id, spec }) => {
  try {
    const [vl, vega] = await loaded;
    parentPort.postMessage({ id, svg: await render(vl, vega, spec) });
  } catch (e) {
    parentPort.postMessage({ id, error: String((e && e.stack) || e) });
  }
});
`;

interface Renderer {
  worker: Worker;
  pending: Map<number, { resolve: (svg: string) => void; reject: (e: Error) => void }>;
  next: number;
}

let renderer: Renderer | null = null;

/**
 * Starts the plot worker (once a process); from then on renderSpecSvg draws there. The worker keeps
 * the process alive only while a plot is being drawn.
 */
export function startPlotRenderer(): void {
  if (renderer) return;
  const require = createRequire(import.meta.url);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { vegaLite: pathToFileURL(require.resolve('vega-lite')).href, vega: pathToFileURL(require.resolve('vega')).href },
  });
  const r: Renderer = { worker, pending: new Map(), next: 0 };
  worker.on('message', ({ id, svg, error }: { id: number; svg?: string; error?: string }) => {
    const p = r.pending.get(id);
    if (!p) return;
    r.pending.delete(id);
    if (r.pending.size === 0) worker.unref();
    if (error !== undefined) p.reject(new Error(`plot rendering failed: ${error}`));
    else p.resolve(svg as string);
  });
  worker.on('error', (e) => {
    for (const p of r.pending.values()) p.reject(e);
    r.pending.clear();
    worker.unref();
  });
  // after the listeners: adding a 'message' listener refs the worker again
  worker.unref();
  renderer = r;
}

/** Render a vega-lite spec to an SVG string (vega and vega-lite loaded when first needed, or by the plot worker). */
export async function renderSpecSvg(spec: Record<string, unknown>): Promise<string> {
  const r = renderer;
  if (!r) {
    const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
    return renderWith(vl, vega, spec);
  }
  const id = r.next++;
  return new Promise<string>((resolve, reject) => {
    r.pending.set(id, { resolve, reject });
    r.worker.ref();
    r.worker.postMessage({ id, spec });
  });
}
