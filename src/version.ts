import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A path inside the package: the folder that holds dist/ (or src/), configs/, datasets/, schemas/, pretrained/. */
export function packagePath(...parts: string[]): string {
  return join(fileURLToPath(new URL('..', import.meta.url)), ...parts);
}

/** The package version, read once from package.json next to dist/. */
export const VERSION: string = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
