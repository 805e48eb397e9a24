import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Node } from 'yaml';
import { excerpt } from '../data/excerpt.js';
import { ConfigError } from '../errors.js';
import { inputName, readInput } from '../io/input-file.js';

/**
 * The most alias expansions a config may make (yaml's maxAliasCount): enough for anchors that
 * share a few settings, far too few for nested anchors that expand exponentially ("billion laughs").
 */
const require = createRequire(import.meta.url);
/**
 * The yaml package, loaded when a config is first read (a CommonJS bundle: about 50 ms to load, which
 * a config-less `backtest` or `train` does not need).
 */
export function yamlPackage(): typeof Yaml {
  return require('yaml') as typeof Yaml;
}

export const MAX_ALIAS_COUNT = 100;

export type ConfigPath = (string | number)[];

export interface ParsedConfig {
  /** The plain JS value of the document (a mapping). */
  value: unknown;
  /** 1-based line of the node at `path` (the key's line for a mapping entry), or undefined. */
  lineOf(path: ConfigPath): number | undefined;
}

/** Parse YAML config text; syntax errors and a non-mapping document throw ConfigError. */
export function parseConfigText(text: string, file: string): ParsedConfig {
  const { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } = yamlPackage();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // warnings are errors too: an unknown tag such as !foo would otherwise be dropped silently
  const found = [...doc.errors, ...doc.warnings];
  if (found.length > 0) {
    const problems = found.slice(0, 10).map((e) => {
      const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
      const msg = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      const tag = e.code === 'TAG_RESOLVE_FAILED' ? ' (rnnfc configs use no YAML tags; remove it)' : '';
      return `${file}:${pos.line}:${pos.col}: ${excerpt(msg, 200)}${tag}`;
    });
    if (found.length > 10) problems.push(`and ${found.length - 10} more`);
    throw new ConfigError(`invalid YAML in ${file}`, problems);
  }
  const contents = doc.contents;
  if (contents !== null && !isMap(contents)) {
    const line = contents.range ? lineCounter.linePos(contents.range[0]).line : 1;
    throw new ConfigError(`invalid config ${file}`, [`${file}:${line}: the config must be a mapping of sections (data:, model:, ...)`]);
  }
  let value: unknown = {};
  if (contents !== null) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      const msg = (e as Error).message;
      if (/excessive alias count/i.test(msg)) {
        throw new ConfigError(`invalid YAML in ${file}`, [
          `${file}: its aliases (*name) expand to too many nodes (over ${MAX_ALIAS_COUNT} expansions); write the settings out instead of nesting anchors`,
        ]);
      }
      throw new ConfigError(`invalid YAML in ${file}`, [`${file}: ${excerpt(msg.split('\n')[0], 200)}`]);
    }
  }

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

/**
 * Read and parse a config file (`-`: standard input); an unreadable file, anything but a regular
 * file and a file over `maxBytes` (see readInput) throw ConfigError.
 */
export function loadConfigFile(file: string, maxBytes?: number): ParsedConfig {
  const { text } = readInput(file, { maxBytes, what: 'config', error: (m, h) => new ConfigError(m, [], h) });
  return parseConfigText(text, inputName(file));
}
