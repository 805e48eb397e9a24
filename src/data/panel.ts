/**
 * Panels: many series in one CSV text. Long format: key columns (`data.id_column`) say which
 * series a row belongs to, each series has its own timeline (starts and ends may differ) on one
 * frequency. Wide format: several target columns on one time column, each column a series whose
 * timeline runs from its first to its last value. A single series is a panel of one.
 */
import type { DataConfig } from '../config/types.js';
import { DataError } from '../errors.js';
import type { Frequency, Series } from '../types.js';
import { quote } from './excerpt.js';
import { type Delimiter, detectDelimiter, MISSING_TOKENS, type ParseSeriesOptions, parseTable, seriesFromTable, type Table } from './parse-csv.js';
import { parseTimeValue, timeParser } from './time.js';

/** One series of a panel and its key (one value per key column). */
export interface PanelMember {
  key: string[];
  series: Series;
  /** Its values of the panel's static columns (data.static_columns), in their order; absent without any. */
  statics?: string[];
}

export interface Panel {
  /** The key columns (long format), or ['series'] for a wide panel, whose keys are its column names. */
  idColumns: string[];
  /** Sorted by key (element by element, by UTF-16 code units): the order does not depend on row order. */
  members: PanelMember[];
  frequency: Frequency;
  /** The file's field delimiter when it is not a comma. */
  delimiter?: ';' | '\t';
}

export interface ParsePanelOptions extends Omit<ParseSeriesOptions, 'features'> {
  /** Long format: the key columns. */
  idColumns?: string[];
  /** Wide format: the target columns, each a series (`target` is then ignored). */
  targets?: string[];
  /** Long format: input columns besides the target; default [target]. */
  features?: string[];
  /** Long format: columns holding one value per series (data.static_columns), read into each member's `statics`. */
  staticColumns?: string[];
}

/** The parser's options a config's data section gives (`source` names the file in messages). */
export function panelOptionsOf(data: DataConfig, source: string): ParsePanelOptions {
  return {
    source,
    timeColumn: data.time_column,
    target: data.target,
    features: data.features,
    idColumns: data.id_column,
    ...(data.static_columns?.length ? { staticColumns: data.static_columns } : {}),
    targets: data.targets,
    missing: data.missing,
    ...(data.delimiter ? { delimiter: data.delimiter } : {}),
    ...(data.time_format !== undefined ? { timeFormat: data.time_format } : {}),
  };
}

/** The column name a wide panel's keys are written under. */
export const WIDE_KEY_COLUMN = 'series';

/** A key as messages show it: the values joined by ` / `, quoted. */
export function keyText(key: string[]): string {
  return quote(key.join(' / '));
}

/** Element-by-element comparison of two keys, by UTF-16 code units (locale-independent). */
export function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length - b.length;
}

/**
 * Every series of a panel in CSV text, each checked and regularised as parseSeries does one (the
 * missing-value policy applies per series), with messages naming the series and the lines. Refuses
 * a panel whose series are on different frequencies or time formats, and empty key values.
 */
export function parsePanel(text: string, opts: ParsePanelOptions): Panel {
  const { source } = opts;
  // a long panel without quotes is read line by line (see LineRows); anything else by csv-parse
  const delimiter = opts.delimiter ?? detectDelimiter(text);
  const fast = !opts.targets?.length && !text.includes('"') ? lineRows(text, source, delimiter) : null;
  const table = fast ? fast.sample : parseTable(source, text, undefined, delimiter);
  if (table.rows.length === 0) throw new DataError(`${source}: no data rows (only a header)`);
  const { header } = table;
  const column = (name: string, role: string): number => {
    const i = header.indexOf(name);
    if (i < 0)
      throw new DataError(
        `${source}: no ${role} column ${quote(name)}; available columns: ${header
          .slice(0, 30)
          .map((h) => quote(h))
          .join(', ')}`,
      );
    return i;
  };
  const timeColumn = opts.timeColumn === undefined ? detectTimeColumn(table, opts) : opts.timeColumn;
  if (timeColumn !== null) column(timeColumn, 'time');
  const parts: { key: string[]; table: () => Table; series?: Series; statics?: string[] }[] = [];
  const statics = opts.targets?.length ? [] : (opts.staticColumns ?? []);
  const staticIdx = statics.map((name) => column(name, 'static'));

  if (opts.targets && opts.targets.length > 0) {
    const seen = new Set<string>();
    for (const t of opts.targets) {
      if (seen.has(t)) throw new DataError(`${source}: target column ${quote(t)} is listed twice`);
      seen.add(t);
      const j = column(t, 'target');
      if (t === timeColumn) throw new DataError(`${source}: column ${quote(t)} cannot be both the time column and a series`);
      // each column's series runs from its first to its last value
      const present = (r: string[]) => !MISSING_TOKENS.has(r[j] ?? '');
      const first = table.rows.findIndex(present);
      if (first < 0) throw new DataError(`${source} (series ${quote(t)}): column ${quote(t)} has no numeric values`);
      let last = table.rows.length - 1;
      while (!present(table.rows[last])) last--;
      const part: Table = { delimiter, header, rows: table.rows.slice(first, last + 1), lines: table.lines.slice(first, last + 1) };
      parts.push({ key: [t], table: () => part });
    }
  } else {
    const ids = opts.idColumns ?? [];
    if (ids.length === 0) throw new DataError(`${source}: a panel needs key columns (data.id_column) or several target columns`);
    const idx = ids.map((c) => column(c, 'key'));
    const valueColumns = [opts.target, ...(opts.features ?? [])];
    for (const c of ids) {
      if (c === timeColumn || valueColumns.includes(c))
        throw new DataError(`${source}: column ${quote(c)} cannot be both a key column and the ${c === timeColumn ? 'time' : 'target or a feature'} column`);
    }
    const emptyKey = (line: number, j: number) => new DataError(`${source}:${line}: key column ${quote(ids[j])} is empty; every row needs its series' key`);
    if (fast) parts.push(...fast.groups(idx, emptyKey));
    else {
      const groups = new Map<string, { key: string[]; rows: number[] }>();
      table.rows.forEach((r, i) => {
        const key = idx.map((j) => r[j] ?? '');
        const empty = key.indexOf('');
        if (empty >= 0) throw emptyKey(table.lines[i], empty);
        const k = JSON.stringify(key);
        const g = groups.get(k);
        if (g) g.rows.push(i);
        else groups.set(k, { key, rows: [i] });
      });
      for (const g of groups.values()) {
        const part: Table = { delimiter, header, rows: g.rows.map((i) => table.rows[i]), lines: g.rows.map((i) => table.lines[i]) };
        parts.push({ key: g.key, table: () => part });
      }
    }
  }
  parts.sort((a, b) => compareKeys(a.key, b.key));

  // the series of a panel mostly share their times: each distinct time cell is parsed once
  const timeCache = new Map<string, ReturnType<typeof parseTimeValue>>();
  const parse = (p: (typeof parts)[number], frequency?: Frequency, table = p.table()) =>
    seriesFromTable(table, {
      ...opts,
      timeColumn,
      target: opts.targets?.length ? p.key[0] : opts.target,
      features: opts.targets?.length ? undefined : opts.features,
      series: p.key.join(' / '),
      sortByTime: true,
      frequency,
      timeCache,
    });
  for (const p of parts) {
    const table = p.table();
    if (statics.length) p.statics = staticValues(table, staticIdx, statics, source, p.key);
    p.series = parse(p, undefined, table);
  }
  // One frequency and time format for the panel: the most common among series long enough to show
  // one (3 rows or more); a shorter series is put on it, a longer one that differs is refused.
  const shown = (f: Frequency) => `${f.step === 1 ? '' : `${f.step} `}${f.unit}${f.step === 1 ? '' : 's'}`;
  const counts = new Map<string, { f: Frequency; n: number }>();
  for (const p of parts) {
    if (p.series!.index.times.length < 3) continue;
    const k = JSON.stringify(p.series!.index.frequency);
    const c = counts.get(k) ?? { f: p.series!.index.frequency, n: 0 };
    c.n++;
    counts.set(k, c);
  }
  const frequency = [...counts.values()].sort((a, b) => b.n - a.n)[0]?.f ?? parts[0].series!.index.frequency;
  const format = parts[0].series!.index.format;
  for (const p of parts) {
    const s = p.series!;
    if (s.index.format !== format)
      throw new DataError(
        `${source} (series ${keyText(p.key)}): times are written as ${s.index.format}, but series ${keyText(parts[0].key)}'s as ${format}; use one time format for the panel`,
      );
    const f = s.index.frequency;
    if (f.unit === frequency.unit && f.step === frequency.step) continue;
    if (s.index.times.length < 3) p.series = parse(p, frequency);
    else
      throw new DataError(
        `${source} (series ${keyText(p.key)}): frequency ${shown(f)}, but most series of the panel are ${shown(frequency)}; a panel has one frequency (forecast the others in a panel of their own)`,
      );
  }
  return {
    idColumns: opts.targets?.length ? [WIDE_KEY_COLUMN] : [...(opts.idColumns ?? [])],
    members: parts.map((p) => ({ key: p.key, series: p.series!, ...(p.statics ? { statics: p.statics } : {}) })),
    frequency,
    ...(delimiter !== ',' ? { delimiter } : {}),
  };
}

/**
 * A series' values of the static columns at `idx` (named `names`): every row of the series holds
 * the same value, and none is empty; else a DataError naming the series and the lines.
 */
function staticValues(table: Table, idx: number[], names: string[], source: string, key: string[]): string[] {
  return idx.map((j, c) => {
    const first = table.rows[0]?.[j] ?? '';
    table.rows.forEach((r, i) => {
      const v = r[j] ?? '';
      if (v === '')
        throw new DataError(
          `${source}:${table.lines[i]} (series ${keyText(key)}): static column ${quote(names[c])} is empty; every row of a series needs its value`,
        );
      if (v !== first)
        throw new DataError(
          `${source}:${table.lines[i]} (series ${keyText(key)}): static column ${quote(names[c])} is ${quote(v)} here but ${quote(first)} on line ${table.lines[0]}; ` +
            'a static column holds one value per series',
        );
    });
    return first;
  });
}

/**
 * The time column when none is named: the first column besides the key and value columns whose
 * every value is a date or time; else the first column besides the keys, when its values are all
 * integers (an integer index). Any other column of integers may be a number column.
 */
function detectTimeColumn(table: Table, opts: ParsePanelOptions): string | null {
  const used = [...(opts.idColumns ?? []), ...(opts.targets ?? [opts.target]), ...(opts.features ?? []), ...(opts.staticColumns ?? [])];
  const formats = (j: number) => {
    const cells = table.rows.map((r) => r[j] ?? '').filter((c) => c !== '');
    const parse = opts.timeFormat !== undefined ? timeParser(opts.timeFormat) : parseTimeValue;
    const parsed = cells.map((c) => parse(c)?.format ?? null);
    return cells.length > 0 && parsed.every((f) => f !== null) ? new Set(parsed) : null;
  };
  const free = table.header.map((name, j) => ({ name, j })).filter((c) => !used.includes(c.name));
  const dated = free.find((c) => {
    const f = formats(c.j);
    return f !== null && !f.has('integer');
  });
  if (dated) return dated.name;
  const first = table.header.findIndex((name) => !(opts.idColumns ?? []).includes(name));
  return first >= 0 && !used.includes(table.header[first]) && formats(first) !== null ? table.header[first] : null;
}

/** Rows a long panel's detection looks at (the time column when none is named). */
const SAMPLE_ROWS = 1000;

/**
 * A CSV text without quotes, read line by line: its header, its first rows as a Table (for
 * detection and checks), and its rows grouped by key, each group's Table made only when asked
 * for. Holds the text, one offset and line number per row and the keys, never every row's cells
 * at once, so a panel of millions of rows parses in a fraction of the memory a whole table takes.
 * Fields are split at the delimiter and trimmed; empty lines are skipped; a row with another number of
 * fields than the header is malformed (as csv-parse would say).
 */
function lineRows(text: string, source: string, delimiter: Delimiter) {
  const body = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const starts: number[] = [];
  const lines: number[] = [];
  let headerLine = '';
  let line = 0;
  for (let at = body; at < text.length; ) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    line++;
    const stop = end > at && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (stop > at) {
      if (headerLine === '' && starts.length === 0 && lines.length === 0) {
        headerLine = text.slice(at, stop);
        lines.push(line);
      } else {
        starts.push(at);
        lines.push(line);
      }
    }
    at = end + 1;
  }
  if (headerLine === '') throw new DataError(`${source}: empty file: expected a header row and data rows`);
  const header = parseTable(source, headerLine, undefined, delimiter).header;
  const rowLines = lines.slice(1);
  const cells = (i: number): string[] => {
    let end = text.indexOf('\n', starts[i]);
    if (end < 0) end = text.length;
    if (end > starts[i] && text.charCodeAt(end - 1) === 13) end--;
    const r = text.slice(starts[i], end).split(delimiter);
    if (r.length !== header.length)
      throw new DataError(`${source}:${rowLines[i]}: malformed CSV: ${r.length} field${r.length === 1 ? '' : 's'}, but the header has ${header.length}`);
    for (let j = 0; j < r.length; j++) r[j] = r[j].trim();
    return r;
  };
  const count = Math.min(starts.length, SAMPLE_ROWS);
  const sample: Table = { delimiter, header, rows: Array.from({ length: count }, (_, i) => cells(i)), lines: rowLines.slice(0, count) };
  return {
    sample,
    /** The rows grouped by the values of key columns `idx`; `emptyKey(line, j)` is thrown for an empty key cell. */
    groups(idx: number[], emptyKey: (line: number, j: number) => Error): { key: string[]; table: () => Table }[] {
      const groups = new Map<string, { key: string[]; rows: number[] }>();
      for (let i = 0; i < starts.length; i++) {
        const r = cells(i);
        const key = idx.map((j) => r[j]);
        const empty = key.indexOf('');
        if (empty >= 0) throw emptyKey(rowLines[i], empty);
        const k = key.length === 1 ? key[0] : JSON.stringify(key);
        const g = groups.get(k);
        if (g) g.rows.push(i);
        else groups.set(k, { key, rows: [i] });
      }
      return [...groups.values()].map((g) => ({
        key: g.key,
        table: () => ({ delimiter, header, rows: g.rows.map(cells), lines: g.rows.map((i) => rowLines[i]) }),
      }));
    },
  };
}
