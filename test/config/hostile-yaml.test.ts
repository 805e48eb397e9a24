import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataPathFromConfig } from '../../src/commands/common.js';
import { loadConfigFile, MAX_ALIAS_COUNT, parseConfigText } from '../../src/config/load.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { ConfigError } from '../../src/errors.js';
import { thrown } from '../thrown.js';

const problemsOf = (fn: () => unknown) => thrown(fn, ConfigError).problems;

/** Nested anchors: `levels` levels of 9 aliases each, 9^levels nodes when expanded. */
function aliasBomb(levels: number): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return lines.join('\n') + '\n';
}

describe('YAML alias expansion is limited', () => {
  it('refuses nested anchors (billion laughs) naming the file (9^10 nodes: it would never finish expanding)', () => {
    expect(problemsOf(() => parseConfigText(aliasBomb(9), 'bomb.yaml'))).toEqual([
      `bomb.yaml: its aliases (*name) expand to too many nodes (over ${MAX_ALIAS_COUNT} expansions); write the settings out instead of nesting anchors`,
    ]);
    expect(() => parseConfigText(aliasBomb(9), 'bomb.yaml')).toThrow(/^invalid YAML in bomb\.yaml/);
  });
  it('accepts a few aliases that share a setting', () => {
    const { value } = parseConfigText('data: {path: x.csv, target: &t y, features: [*t]}\nmodel: {layers: &l [{units: 4}]}\n', 'ok.yaml');
    expect(resolveConfig(value, { file: 'ok.yaml' }).data.features).toEqual(['y']);
  });
  it('refuses an alias to an anchor that is not there, naming the file', () => {
    expect(problemsOf(() => parseConfigText('data:\n  target: *nope\n', 'a.yaml'))).toEqual([
      'a.yaml: Unresolved alias (the anchor must be set before the alias): nope',
    ]);
  });
});

describe('YAML tags', () => {
  it('an unknown tag is an error naming file:line:column, not dropped', () => {
    expect(problemsOf(() => parseConfigText('data:\n  path: x.csv\n  target: !foo y\n', 't.yaml'))).toEqual([
      't.yaml:3:11: Unresolved tag: !foo (rnnfc configs use no YAML tags; remove it)',
    ]);
    expect(problemsOf(() => parseConfigText('model: !!python/object:os.system {}\n', 'p.yaml'))[0]).toMatch(/^p\.yaml:1:8: Unresolved tag: /);
  });
  it('a long tag is cut in the message', () => {
    const [p] = problemsOf(() => parseConfigText(`a: !${'t'.repeat(100_000)} 1\n`, 'l.yaml'));
    expect(p.length).toBeLessThan(300);
    expect(p).toContain('characters)');
  });
  it('the core tags still work', () => {
    expect(parseConfigText('a: !!str 3\nb: !!int "4"\n', 'c.yaml').value).toEqual({ a: '3', b: 4 });
  });
});

describe('echoed config values and keys are cut', () => {
  it('a 1 MB value and a 1 MB key give short messages', () => {
    const big = 'v'.repeat(1_000_000);
    const { value, lineOf } = parseConfigText(`data: {path: x.csv, target: y, missing: ${big}}\nmodel: {${'k'.repeat(1_000_000)}: 1}\n`, 'big.yaml');
    const problems = problemsOf(() => resolveConfig(value, { file: 'big.yaml', lineOf }));
    expect(problems).toHaveLength(2);
    for (const p of problems) expect(p.length).toBeLessThan(300);
    expect(problems[0]).toContain(`got "${'v'.repeat(60)}…" (1000000 characters)`);
    expect(problems[1]).toMatch(/^model\.k{60}… \(1000000 characters\): unknown key/);
  });
});

describe('loadConfigFile reads regular files only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnfc-yaml-'));
  it('refuses /dev/zero, a FIFO and a directory at once', () => {
    expect(() => loadConfigFile('/dev/zero')).toThrow('cannot read config /dev/zero: it is a character device, not a regular file');
    const fifo = join(dir, 'c.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => loadConfigFile(fifo)).toThrow(`cannot read config ${fifo}: it is a named pipe (FIFO), not a regular file`);
    expect(() => loadConfigFile(dir)).toThrow(ConfigError);
    expect(() => loadConfigFile(dir)).toThrow(`cannot read config ${dir}: it is a directory`);
  });
  it('refuses a config over the size limit', () => {
    const f = join(dir, 'big.yaml');
    writeFileSync(f, `# ${'x'.repeat(2000)}\n`);
    expect(() => loadConfigFile(f, 1000)).toThrow(/it is 2 KiB, over the input size limit of 1000 bytes/);
    expect(loadConfigFile(f, 3000).value).toEqual({});
  });
});

describe('data.path in a config file is relative to the config file', () => {
  const root = mkdtempSync(join(tmpdir(), 'rnnfc-paths-'));
  mkdirSync(join(root, 'configs'));
  mkdirSync(join(root, 'datasets'));
  writeFileSync(join(root, 'datasets/a.csv'), 't,v\n');
  writeFileSync(join(root, 'configs/b.csv'), 't,v\n');
  const cwd = process.cwd();
  const inRoot = <T>(fn: () => T): T => {
    process.chdir(root);
    try {
      return fn();
    } finally {
      process.chdir(cwd);
    }
  };
  it('joins a relative path to the config directory', () => {
    expect(inRoot(() => dataPathFromConfig('../datasets/a.csv', 'configs/c.yaml', 'configs/c.yaml'))).toBe('datasets/a.csv');
    expect(inRoot(() => dataPathFromConfig('b.csv', 'configs/c.yaml', 'configs/c.yaml'))).toBe('configs/b.csv');
    expect(inRoot(() => dataPathFromConfig('a.csv', 'c.yaml', 'c.yaml'))).toBe('a.csv');
    expect(dataPathFromConfig('x.csv', join(root, 'configs/c.yaml'), 'c.yaml')).toBe(join(root, 'configs/x.csv'));
  });
  it('keeps absolute paths, standard input, and paths in a config read from standard input', () => {
    expect(dataPathFromConfig('/data/a.csv', 'configs/c.yaml', 'configs/c.yaml')).toBe('/data/a.csv');
    expect(dataPathFromConfig('-', 'configs/c.yaml', 'configs/c.yaml')).toBe('-');
    expect(dataPathFromConfig('datasets/a.csv', '-', '<stdin>')).toBe('datasets/a.csv');
  });
  it('refuses a path written relative to the current directory (the old rule), saying what to write', () => {
    expect(inRoot(() => problemsOf(() => dataPathFromConfig('datasets/a.csv', 'configs/c.yaml', 'configs/c.yaml', 3)))).toEqual([
      "data.path: datasets/a.csv is relative to the config file's directory (configs), and there is no such file there; write ../datasets/a.csv, or an absolute path (configs/c.yaml:3)",
    ]);
  });
  it('leaves a path that exists nowhere to the reader (which says: no such file)', () => {
    expect(inRoot(() => dataPathFromConfig('none.csv', 'configs/c.yaml', 'configs/c.yaml'))).toBe('configs/none.csv');
  });
});
