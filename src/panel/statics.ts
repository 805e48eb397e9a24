/**
 * Static per-series inputs of a global model (`data.static_columns`): columns of a long panel
 * that hold one value per series (a store's region, a product's category, a feeder's capacity).
 * The global network sees them at every step of every window, beside the series' own values, so
 * series that look alike in their recent values can still be told apart.
 *
 * Encoding, fitted once on the panel's fitted series:
 * - a column whose every value is a number is standardised over the series (mean 0, standard
 *   deviation 1; a column with one value for all series gives 0);
 * - any other column is a category, one input per level seen (1 for the series' level, 0 for the
 *   others); a level the run has not seen (a new series at predict time) gives no 1 at all.
 * Local models (one per series) do not use them: within one series they never change.
 */
import { quote } from '../data/excerpt.js';
import { DataError } from '../errors.js';

/** How one static column is encoded. */
export type StaticColumn = { name: string; kind: 'number'; mean: number; sd: number } | { name: string; kind: 'category'; levels: string[] };

/** The encoding of a panel's static columns, in `data.static_columns` order. */
export interface StaticEncoding {
  columns: StaticColumn[];
}

/** The most levels a category column may have: beyond that, a value per series is closer to a key than to something series share. */
export const MAX_STATIC_LEVELS = 64;

/** The most inputs static columns may add to each step, all columns together. */
export const MAX_STATIC_INPUTS = 256;

/** The inputs the encoding adds to every step of a window. */
export function staticWidth(enc: StaticEncoding): number {
  return enc.columns.reduce((a, c) => a + (c.kind === 'number' ? 1 : c.levels.length), 0);
}

/** A cell as a number, or NaN when it is not one (an empty cell is not 0). */
function numberOf(cell: string): number {
  return cell.trim() === '' ? NaN : Number(cell);
}

/**
 * Fits the encoding of `names` from each series' values (`values[i][j]`: series i's value of
 * column j). Throws a DataError for a category column with more than MAX_STATIC_LEVELS levels.
 */
export function fitStaticEncoding(names: string[], values: string[][]): StaticEncoding {
  const columns = names.map((name, j): StaticColumn => {
    const cells = values.map((v) => v[j]);
    const nums = cells.map(numberOf);
    if (cells.length > 0 && nums.every(Number.isFinite)) {
      const mean = nums.reduce((a, x) => a + x, 0) / nums.length;
      const sd = Math.sqrt(nums.reduce((a, x) => a + (x - mean) ** 2, 0) / nums.length);
      return { name, kind: 'number', mean, sd: sd > 0 ? sd : 1 };
    }
    // levels sorted by UTF-16 code units, so the encoding does not depend on the series' order
    const levels = [...new Set(cells)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (levels.length > MAX_STATIC_LEVELS)
      throw new DataError(
        `static column ${quote(name)} has ${levels.length} distinct values over the series, more than ${MAX_STATIC_LEVELS}; ` +
          'a static input is something series share (a region, a category), not a value per series',
        'leave the column out of data.static_columns, or group its values',
      );
    return { name, kind: 'category', levels };
  });
  const width = staticWidth({ columns });
  if (width > MAX_STATIC_INPUTS)
    throw new DataError(
      `the static columns ${names.map((n) => quote(n)).join(', ')} encode as ${width} inputs per step, more than ${MAX_STATIC_INPUTS}`,
      'leave some out of data.static_columns',
    );
  return { columns };
}

/**
 * A series' static inputs under `enc`. Throws a DataError (the series is reported and skipped)
 * when a number column's value is not a number.
 */
export function encodeStatics(enc: StaticEncoding, values: string[]): number[] {
  const out: number[] = [];
  enc.columns.forEach((c, j) => {
    const cell = values[j] ?? '';
    if (c.kind === 'number') {
      const x = numberOf(cell);
      if (!Number.isFinite(x)) throw new DataError(`static column ${quote(c.name)} holds numbers, but this series' value is ${quote(cell)}`);
      out.push((x - c.mean) / c.sd);
    } else for (const level of c.levels) out.push(level === cell ? 1 : 0);
  });
  return out;
}

/** The problem with a static encoding read from a run (panel.json `statics`), or null when it is sound. */
export function staticEncodingProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || !Array.isArray((v as StaticEncoding).columns) || (v as StaticEncoding).columns.length === 0)
    return 'must be {columns: [...]} with at least one column';
  if ((v as StaticEncoding).columns.length > MAX_STATIC_INPUTS) return `must have at most ${MAX_STATIC_INPUTS} columns`;
  for (const [j, c] of (v as StaticEncoding).columns.entries()) {
    const at = `columns[${j}]`;
    if (typeof c !== 'object' || c === null || typeof c.name !== 'string' || c.name === '') return `${at}.name must be a column name`;
    if (c.kind === 'number') {
      if (!(Number.isFinite(c.mean) && Number.isFinite(c.sd) && c.sd > 0)) return `${at} must have a finite mean and a positive sd`;
    } else if (c.kind === 'category') {
      const l = c.levels;
      if (!(Array.isArray(l) && l.length >= 1 && l.length <= MAX_STATIC_LEVELS && l.every((x) => typeof x === 'string') && new Set(l).size === l.length))
        return `${at}.levels must be 1 to ${MAX_STATIC_LEVELS} distinct strings`;
    } else return `${at}.kind must be number or category`;
  }
  if (staticWidth(v as StaticEncoding) > MAX_STATIC_INPUTS) return `must encode at most ${MAX_STATIC_INPUTS} inputs`;
  return null;
}

/** The encoding as one line: `region (3 levels: east, north, west), size (a number)`. */
export function staticsText(enc: StaticEncoding): string {
  return enc.columns
    .map((c) => {
      if (c.kind === 'number') return `${c.name} (a number)`;
      const shown = c.levels.slice(0, 5).join(', ') + (c.levels.length > 5 ? ', ...' : '');
      return `${c.name} (${c.levels.length} level${c.levels.length === 1 ? '' : 's'}: ${shown})`;
    })
    .join(', ');
}

/** The encoding as --json outputs give it: each column's name, kind and levels (categories). */
export function staticsFacts(enc: StaticEncoding): { name: string; kind: string; levels?: string[] }[] {
  return enc.columns.map((c) => (c.kind === 'number' ? { name: c.name, kind: c.kind } : { name: c.name, kind: c.kind, levels: [...c.levels] }));
}
