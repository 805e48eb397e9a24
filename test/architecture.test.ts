/**
 * The layering of src/ (ARCHITECTURE.md), checked on the import statements of every source file:
 * the commands are the top (nothing imports them), the pure core (data, transforms, windows,
 * metrics, pretrain, panel) imports neither TensorFlow.js nor the file system nor anything above it
 * (panel may hash with node:crypto), and the library reads nothing from `process`.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/** Every .ts file under dir, as paths relative to src/ with forward slashes. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [relative(src, join(dir, e.name)).split('\\').join('/')] : [],
  );
}

/** The module specifiers a file imports: static imports, re-exports and dynamic import() calls. */
function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const re of [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g])
    for (const m of code.matchAll(re)) out.push(m[1]);
  return out;
}

/** A relative specifier of `file` as a path relative to src/ (the .js suffix names the .ts source); others as written. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  return relative(src, resolve(src, dirname(file), spec))
    .split('\\')
    .join('/')
    .replace(/\.js$/, '.ts');
}

const PURE = ['data/', 'transforms/', 'windows/', 'metrics/', 'pretrain/', 'panel/'];
/** What the pure core may import besides itself. */
const PURE_MAY_USE = ['errors.ts', 'types.ts', 'config/types.ts', 'config/names.ts', 'config/checker.ts'];
const FORBIDDEN_IN_PURE = [/^@tensorflow\//, /^(node:)?fs(\/promises)?$/, /^(node:)?crypto$/, /^(node:)?child_process$/, /^(node:)?worker_threads$/];
/**
 * Pure-core folders that may use one of the forbidden modules: panel/ hashes series keys
 * (shard.ts) and pretrain/ the corpus and the TSDL ids (corpus.ts) with node:crypto.
 */
const PURE_EXCEPTIONS: Record<string, RegExp> = { 'panel/': /^(node:)?crypto$/, 'pretrain/': /^(node:)?crypto$/ };
/** The library: everything but the command layer and the program entry. */
const LIBRARY = ['forecast/', 'data/', 'transforms/', 'windows/', 'metrics/', 'pretrain/', 'train/', 'model/', 'kernels/', 'gpu/', 'panel/'];

/** Every layering rule `files` (path -> source text) break, one line each. */
function layeringProblems(files: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    const inCommands = file.startsWith('commands/');
    const pure = PURE.some((p) => file.startsWith(p));
    for (const spec of importsOf(text)) {
      const to = target(file, spec);
      if (!inCommands && file !== 'cli.ts' && to.startsWith('commands/')) problems.push(`${file} imports ${to}: only src/commands/ (and cli.ts) may`);
      const allowed = Object.entries(PURE_EXCEPTIONS).some(([dir, re]) => file.startsWith(dir) && re.test(to));
      if (pure && !allowed && FORBIDDEN_IN_PURE.some((re) => re.test(to)))
        problems.push(`${file} imports ${to}: the pure core takes no tf, file system or processes`);
      if (pure && spec.startsWith('.') && !PURE.some((p) => to.startsWith(p)) && !PURE_MAY_USE.includes(to))
        problems.push(`${file} imports ${to}: the pure core uses only itself and ${PURE_MAY_USE.join(', ')}`);
    }
    if (LIBRARY.some((p) => file.startsWith(p)) && /\bprocess\.(stdout|stderr|stdin|env|argv|exit|on)\b/.test(text.replace(/^\s*(\/\/|\*).*$/gm, '')))
      problems.push(`${file} uses process I/O, environment or signals: the library takes them as options from src/commands/`);
  }
  return problems;
}

describe('layering of src/', () => {
  const files = Object.fromEntries(sources(src).map((f) => [f, readFileSync(join(src, f), 'utf8')]));

  it('reads the imports of every kind of statement', () => {
    const text = `import a from '../x.js';\nimport type { B } from './b.js';\nexport { c } from "../c.js";\nimport './side.js';\nconst m = await import('../commands/train.js');\n// import z from '../ignored.js';\n`;
    expect(importsOf(text)).toEqual(['../x.js', './b.js', '../c.js', './side.js', '../commands/train.js']);
  });

  it('finds a source tree to check', () => {
    expect(Object.keys(files)).toContain('commands/train.ts');
    expect(Object.keys(files)).toContain('forecast/fit.ts');
    expect(Object.keys(files).length).toBeGreaterThan(30);
  });

  it('flags each kind of breach in a made-up tree', () => {
    expect(
      layeringProblems({
        'forecast/backtest.ts': "const { x } = await import('../commands/train.js');\nprocess.stderr.write('x');",
        'data/read.ts': "import * as fs from 'node:fs';\nimport { fit } from '../forecast/fit.js';",
        'windows/w.ts': "import type { Tensor } from '@tensorflow/tfjs-core';",
        'commands/predict.ts': "import { trainCommand } from './train.js';",
      }),
    ).toEqual([
      'forecast/backtest.ts imports commands/train.ts: only src/commands/ (and cli.ts) may',
      'forecast/backtest.ts uses process I/O, environment or signals: the library takes them as options from src/commands/',
      'data/read.ts imports node:fs: the pure core takes no tf, file system or processes',
      'data/read.ts imports forecast/fit.ts: the pure core uses only itself and errors.ts, types.ts, config/types.ts, config/names.ts, config/checker.ts',
      'windows/w.ts imports @tensorflow/tfjs-core: the pure core takes no tf, file system or processes',
    ]);
  });

  it('panel/ is pure core that may hash with node:crypto, and nothing more', () => {
    expect(
      layeringProblems({
        'panel/shard.ts': "import { createHash } from 'node:crypto';\nimport { quote } from '../data/excerpt.js';\nimport { UsageError } from '../errors.js';",
        'panel/read.ts': "import { readFileSync } from 'node:fs';\nimport { fit } from '../forecast/fit.js';\nconst e = process.env;",
        'data/hash.ts': "import { createHash } from 'node:crypto';",
      }),
    ).toEqual([
      'panel/read.ts imports node:fs: the pure core takes no tf, file system or processes',
      'panel/read.ts imports forecast/fit.ts: the pure core uses only itself and errors.ts, types.ts, config/types.ts, config/names.ts, config/checker.ts',
      'panel/read.ts uses process I/O, environment or signals: the library takes them as options from src/commands/',
      'data/hash.ts imports node:crypto: the pure core takes no tf, file system or processes',
    ]);
  });

  it('holds for the source tree', () => {
    expect(layeringProblems(files)).toEqual([]);
  });
});
