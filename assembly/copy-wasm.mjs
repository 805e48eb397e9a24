// Copies the compiled fused RNN kernels next to the compiled JS that loads them (dist/kernels/).
import { mkdirSync, copyFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dest = join(root, 'dist', 'kernels');
mkdirSync(dest, { recursive: true });
copyFileSync(join(root, 'src', 'model', 'fused', 'rnn.wasm'), join(dest, 'rnn.wasm'));
