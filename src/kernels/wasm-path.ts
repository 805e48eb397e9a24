import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The compiled kernels (`npm run build` writes them to dist/kernels/rnn.wasm): beside this module
 * when it runs from dist/kernels/, under it when it runs from dist/bundle.js (the command's one
 * file), in the build tree when it runs from src/kernels/ (the tests).
 */
export function wasmPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'rnn.wasm'), join(here, 'kernels', 'rnn.wasm'), join(here, '..', '..', 'dist', 'kernels', 'rnn.wasm')];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`fused RNN kernels not found (looked for ${candidates.join(', ')}); run "npm run build"`);
}
