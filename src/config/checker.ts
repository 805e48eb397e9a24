/**
 * Checking a parsed config value by value: each check returns the value (or its fallback) and
 * records a problem with the value's path and line, so that every problem is reported at once.
 */

import { excerpt, quote } from '../data/excerpt.js';

/** Where a value sits in the config: section and key names, list indices. */
export type Path = (string | number)[];

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/** The candidate closest to `word` (ignoring case, - as _), when it is close enough to suggest. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase().replace(/-/g, '_');
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const cl = c.toLowerCase();
    let dd = distance(w, cl);
    if (w.length >= 3 && (cl.startsWith(w) || w.startsWith(cl))) dd = Math.min(dd, 1);
    if (w.length >= 3 && cl.endsWith(w)) dd = Math.min(dd, 0.5);
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(Math.max(w.length, 2) / 3)));
  return bestD <= limit ? best : undefined;
}

/** A value as messages name it: a string quoted, a list, a mapping, null. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return quote(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

/** A mapping (not a list, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `training.early_stopping.patience`, `transforms[1].difference`. */
export function formatPath(path: Path): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s ? `.${excerpt(seg)}` : excerpt(seg);
  return s;
}

/** Collects the problems of one config (see resolveConfig). */
export class Checker {
  readonly problems: string[] = [];
  /** Formatted paths whose value came from a command-line override, mapped to the flag name. */
  readonly overridden = new Map<string, string>();
  constructor(
    private readonly file: string | undefined,
    private readonly lineOf?: (p: Path) => number | undefined,
  ) {}

  /** Record `path: message (file:line)`, or `--flag: message` when the value came from that flag. */
  problem(path: Path, message: string, sep = ': '): void {
    const key = formatPath(path);
    const flag = this.overridden.get(key);
    if (flag) {
      this.problems.push(`${flag}${sep}${message}`);
      return;
    }
    let line: number | undefined;
    if (this.lineOf) {
      // The line of the node itself, else of the closest ancestor that exists.
      for (let n = path.length; n > 0 && line === undefined; n--) line = this.lineOf(path.slice(0, n));
    }
    const where = line !== undefined ? ` (${this.file ? `${this.file}:` : 'line '}${line})` : '';
    this.problems.push(`${key}${sep}${message}${where}`);
  }

  /** A mapping section (null/absent = empty); reports unknown keys. */
  section(v: unknown, path: Path, allowed: readonly string[]): Record<string, unknown> {
    if (v === undefined || v === null) return {};
    if (!isRecord(v)) {
      this.problem(path, `must be a mapping, got ${describe(v)}`);
      return {};
    }
    this.keys(v, path, allowed);
    return v;
  }

  keys(v: Record<string, unknown>, path: Path, allowed: readonly string[]): void {
    for (const k of Object.keys(v)) {
      if (allowed.includes(k)) continue;
      const s = suggest(k, allowed);
      this.problem([...path, k], `unknown key${s ? ` (did you mean "${s}"?)` : ` (allowed: ${allowed.join(', ')})`}`);
    }
  }

  str(v: unknown, path: Path, def: string): string {
    if (v === undefined) return def;
    if (typeof v !== 'string' || v.trim() === '') {
      this.problem(path, `must be a non-empty string, got ${describe(v)}`);
      return def;
    }
    return v;
  }

  bool(v: unknown, path: Path, def: boolean): boolean {
    if (v === undefined) return def;
    if (typeof v !== 'boolean') {
      this.problem(path, `must be true or false, got ${describe(v)}`);
      return def;
    }
    return v;
  }

  enumOf<T extends string>(v: unknown, path: Path, allowed: readonly T[], def: T): T {
    if (v === undefined) return def;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    const s = typeof v === 'string' ? suggest(v, allowed) : undefined;
    this.problem(path, `must be one of ${allowed.join(', ')}; got ${describe(v)}${s ? ` (did you mean "${s}"?)` : ''}`);
    return def;
  }

  /** An integer >= min. */
  int(v: unknown, path: Path, min: number | null, def: number): number {
    if (v === undefined) return def;
    const ok = typeof v === 'number' && Number.isInteger(v) && (min === null || v >= min);
    if (!ok) {
      const what = min === null ? 'an integer' : min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
      this.problem(path, `must be ${what}, got ${describe(v)}`);
      return def;
    }
    return v as number;
  }

  /** A finite number with bounds: lo (inclusive unless loOpen), hi (exclusive). */
  num(v: unknown, path: Path, def: number, bounds: { min?: number; minOpen?: boolean; maxOpen?: number }): number {
    if (v === undefined) return def;
    const { min, minOpen, maxOpen } = bounds;
    let ok = typeof v === 'number' && Number.isFinite(v);
    if (ok && min !== undefined) ok = minOpen ? (v as number) > min : (v as number) >= min;
    if (ok && maxOpen !== undefined) ok = (v as number) < maxOpen;
    if (!ok) {
      let what = 'a number';
      if (min !== undefined && maxOpen !== undefined) what = `a number in ${minOpen ? '(' : '['}${min}, ${maxOpen})`;
      else if (min !== undefined) what = `a number ${minOpen ? '>' : '>='} ${min}`;
      this.problem(path, `must be ${what}, got ${describe(v)}`);
      return def;
    }
    return v as number;
  }

  units(v: unknown, path: Path, def: { units: number }[], nonEmpty: boolean): { units: number }[] {
    if (v === undefined) return def;
    if (!Array.isArray(v)) {
      this.problem(path, `must be a list of {units: N}, got ${describe(v)}`);
      return def;
    }
    if (nonEmpty && v.length === 0) {
      this.problem(path, 'must list at least one layer');
      return def;
    }
    return v.map((item, i) => {
      if (typeof item === 'number') return { units: this.int(item, [...path, i], 1, 1) };
      if (!isRecord(item)) {
        this.problem([...path, i], `must be a mapping {units: N}, got ${describe(item)}`);
        return { units: 1 };
      }
      this.keys(item, [...path, i], ['units']);
      if (item.units === undefined) {
        this.problem([...path, i, 'units'], 'is required', ' ');
        return { units: 1 };
      }
      return { units: this.int(item.units, [...path, i, 'units'], 1, 1) };
    });
  }
}
