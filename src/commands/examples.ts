/**
 * `rnnfc examples`: lists the configs and datasets rnnfc ships, and copies the ones named into a
 * folder (the current one by default) so that `rnnfc train -c NAME.yaml` runs there: NAME.yaml
 * with its data path pointing at datasets/FILE, beside datasets/FILE.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../artifacts/output-file.js';
import { suggest } from '../config/checker.js';
import { UsageError, UserError } from '../errors.js';
import { packagePath } from '../version.js';

export interface ExamplesOptions {
  out?: string;
  overwrite?: boolean;
}

/** A shipped example: its name, what its config's first comment says, the dataset it reads. */
export interface Example {
  name: string;
  description: string;
  config: string;
  dataset: string;
}

/** The shipped examples, by name (configs/NAME.yaml, each reading one file of datasets/). */
export function listExamples(root = packagePath()): Example[] {
  const dir = join(root, 'configs');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      const data = /^\s*path:\s*(\S+)/m.exec(text)?.[1] ?? '';
      const comment = /^#\s*(.*)$/m.exec(text)?.[1] ?? '';
      return { name: f.slice(0, -5), description: comment, config: join(dir, f), dataset: join(dir, data) };
    });
}

/**
 * The config text of `e` as copied: its data path rewritten to datasets/FILE (relative to the
 * config, as a config's data path is).
 */
export function copiedConfig(e: Example): string {
  const text = readFileSync(e.config, 'utf8');
  return text.replace(/^(\s*path:\s*)\S+/m, `$1datasets/${basename(e.dataset)}`);
}

export async function examplesCommand(names: string[], opts: ExamplesOptions): Promise<void> {
  const all = listExamples();
  if (names.length === 0) {
    const width = Math.max(...all.map((e) => e.name.length));
    process.stdout.write(
      `${all.map((e) => `${e.name.padEnd(width)}  ${e.description}`).join('\n')}\n\n` +
        'copy one (or all) into the current folder: rnnfc examples NAME [--out DIR], then rnnfc train -c NAME.yaml\n',
    );
    return;
  }
  const chosen = names.includes('all')
    ? all
    : names.map((n) => {
        const e = all.find((x) => x.name === n);
        if (!e) {
          const s = suggest(
            n,
            all.map((x) => x.name),
          );
          throw new UsageError(`no example named ${JSON.stringify(n)}${s ? ` (did you mean "${s}"?)` : ''}; rnnfc examples lists them`);
        }
        return e;
      });
  const out = opts.out ?? '.';
  const files = chosen.flatMap((e) => [
    { path: join(out, `${e.name}.yaml`), text: copiedConfig(e) },
    { path: join(out, 'datasets', basename(e.dataset)), text: readFileSync(e.dataset, 'utf8') },
  ]);
  // nothing is written when anything would be overwritten
  const taken = files.filter((f) => existsSync(f.path));
  if (taken.length && !opts.overwrite)
    throw new UserError(`${taken.map((f) => f.path).join(', ')} already exist${taken.length === 1 ? 's' : ''}; pass --overwrite to replace, or --out DIR`);
  for (const f of files) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileAtomic(f.path, f.text);
  }
  process.stdout.write(`${files.map((f) => `wrote ${f.path}`).join('\n')}\n` + `run one: rnnfc train -c ${join(out, `${chosen[0].name}.yaml`)}\n`);
}
