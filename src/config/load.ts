import { readFileSync } from 'node:fs';
import type { Node } from 'yaml';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';

export type ConfigPath = (string | number)[];

export interface ParsedConfig {
  /** The plain JS value of the document (a mapping). */
  value: unknown;
  /** 1-based line of the node at `path` (the key's line for a mapping entry), or undefined. */
  lineOf(path: ConfigPath): number | undefined;
}

/** Parse YAML config text; syntax errors and a non-mapping document throw ConfigError. */
export function parseConfigText(text: string, file: string): ParsedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
      const msg = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      return `${file}:${pos.line}:${pos.col}: ${msg}`;
    });
    throw new ConfigError(`invalid YAML in ${file}`, problems);
  }
  const contents = doc.contents;
  if (contents !== null && !isMap(contents)) {
    const line = contents.range ? lineCounter.linePos(contents.range[0]).line : 1;
    throw new ConfigError(`invalid config ${file}`, [`${file}:${line}: the config must be a mapping of sections (data:, model:, ...)`]);
  }
  const value: unknown = contents === null ? {} : doc.toJS();

  const lineOf = (path: ConfigPath): number | undefined => {
    let node: unknown = doc.contents;
    let line: number | undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) return undefined;
        const key = pair.key as Node;
        line = key.range ? lineCounter.linePos(key.range[0]).line : undefined;
        node = pair.value;
      } else if (isSeq(node)) {
        if (typeof seg !== 'number') return undefined;
        const item = node.items[seg] as Node | undefined;
        if (!item) return undefined;
        line = item.range ? lineCounter.linePos(item.range[0]).line : line;
        node = item;
      } else {
        return undefined;
      }
    }
    if (path.length === 0) {
      const c = doc.contents as Node | null;
      return c?.range ? lineCounter.linePos(c.range[0]).line : undefined;
    }
    return line;
  };
  return { value, lineOf };
}

/** Read and parse a config file; an unreadable file throws ConfigError. */
export function loadConfigFile(file: string): ParsedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new ConfigError(`cannot read config ${file}: ${reason}`);
  }
  return parseConfigText(text, file);
}
