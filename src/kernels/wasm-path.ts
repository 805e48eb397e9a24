import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/**
 * The compiled kernels: beside this module when it runs from dist/kernels/ (the build copies
 * them there), where asc writes them when it runs from src/kernels/ (the tests).
 */
export function wasmPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'rnn.wasm'), join(here, '..', 'model', 'fused', 'rnn.wasm')];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`fused RNN kernels not found (looked for ${candidates.join(', ')}); run "npm run build"`);
}
