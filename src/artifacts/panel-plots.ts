/**
 * The plots of a panel run (plot.svg and scores.svg; src/output/panel-plot.ts), drawn from what the
 * run's files hold: metrics.json's per-series scores and forecast.csv's rows, plus the history of
 * the drawn series from the data. Train draws them from the files it writes, merge from the files
 * it combines (the same bytes) and the data file, so a merged run has the plots of the unsharded one.
 */
import { parse } from 'csv-parse/sync';
import type { Config } from '../config/types.js';
import { type Panel, panelOptionsOf, parsePanel } from '../data/panel.js';
import { formatTime, isNumericIndex, isoFormat, parseTimeValue } from '../data/time.js';
import { UserError } from '../errors.js';
import { inputName, readInput, STDIN } from '../io/input-file.js';
import type { PanelPlotSeries } from '../output/panel-plot.js';
import type { Series } from '../types.js';

/** A series' entry of a panel's metrics.json, as far as the plots read it. */
export interface PlotScores {
  key: string[];
  test_size: number;
  methods: Record<string, Record<string, number | null>>;
}

/** A time of forecast.csv in the ISO spelling the plot parses; integer indexes as they are. */
function isoTime(text: string): { t: string; numeric: boolean } {
  const p = parseTimeValue(text);
  if (!p) return { t: text, numeric: false };
  return isNumericIndex(p.format) ? { t: String(p.t), numeric: true } : { t: formatTime(p.t, isoFormat(p.format)), numeric: false };
}

/** A number cell of forecast.csv ('' is missing: NaN, which the plot leaves out). */
const cellNumber = (c: string | undefined) => (c === undefined || c === '' ? NaN : Number(c));

/** forecast.csv as the plots read it: its header line, and series i's lines (as written, newlines included). */
export interface ForecastLines {
  header: string;
  rowsOf(i: number): string;
}

/**
 * plot.svg and scores.svg of a panel run. `series`: metrics.json's series, in its order;
 * `forecast`: forecast.csv's lines, whose first `keyColumns` columns are the key (only the drawn
 * series' are parsed); `historyOf`: the series of entry i as read from the data (its rows before
 * the test period are drawn), or undefined when the data is not at hand (the plot then has no history).
 */
export async function panelPlotFiles(
  series: PlotScores[],
  forecast: ForecastLines,
  keyColumns: number,
  historyOf: (i: number) => Series | undefined,
): Promise<{ 'plot.svg': string; 'scores.svg': string }> {
  const { pickPlotted, relativeMase, renderPanelForecastSvg, renderScoresSvg } = await import('../output/panel-plot.js');
  const rel = series.map((s) => relativeMase(s.methods.model?.mase, s.methods.seasonal_naive?.mase));
  const picked: { rank: PanelPlotSeries['rank']; index: number }[] = pickPlotted(rel);
  // no measurable series: the first one, so the plot still shows a forecast
  if (picked.length === 0 && series.length > 0) picked.push({ rank: 'first', index: 0 });

  // forecast.csv's rows of the drawn series, without their key cells
  const rowsOf = new Map<number, string[][]>(
    picked.map((p) => [p.index, (parse(forecast.rowsOf(p.index), { relax_column_count: false }) as string[][]).map((r) => r.slice(keyColumns))]),
  );

  // the interval columns after the key columns: lower_<L> and upper_<L>, by level
  const header = ((parse(forecast.header) as string[][])[0] ?? []).slice(keyColumns);
  const levels = header.flatMap((name, lower) => {
    const m = /^lower_(.+)$/.exec(name);
    const upper = m ? header.indexOf(`upper_${m[1]}`) : -1;
    return m && upper >= 0 ? [{ level: Number(m[1]), lower, upper }] : [];
  });
  const drawn: PanelPlotSeries[] = picked.map(({ rank, index }) => {
    const rows = rowsOf.get(index) ?? [];
    const test = rows.filter((r) => r[1] === 'test');
    const future = rows.filter((r) => r[1] === 'future');
    const s = historyOf(index);
    const end = s ? s.index.times.length - series[index].test_size : 0;
    const format = s ? isoFormat(s.index.format) : undefined;
    const times = rows.map((r) => isoTime(r[0]));
    return {
      rank,
      key: series[index].key,
      rel: rel[index],
      history: {
        t: s && format ? s.index.times.slice(0, end).map((t) => formatTime(t, format)) : [],
        y: s ? Array.from(s.columns[s.target].subarray(0, end)) : [],
      },
      test: { t: test.map((r) => isoTime(r[0]).t), actual: test.map((r) => cellNumber(r[2])), forecast: test.map((r) => cellNumber(r[3])) },
      future: { t: future.map((r) => isoTime(r[0]).t), forecast: future.map((r) => cellNumber(r[3])) },
      temporal: times.length > 0 ? !times[0].numeric : !(s && isNumericIndex(s.index.format)),
      ...(s ? { xTitle: s.timeColumn ?? 'row', yTitle: s.target, frequency: s.index.frequency } : {}),
      // the intervals of the test and future rows, one band per level of the lower_<L>/upper_<L> columns
      bands: levels.map(({ level, lower, upper }) => ({
        level,
        t: rows.map((r) => isoTime(r[0]).t),
        lower: rows.map((r) => cellNumber(r[lower])),
        upper: rows.map((r) => cellNumber(r[upper])),
      })),
    };
  });
  return {
    'plot.svg': await renderPanelForecastSvg(drawn, series.length),
    'scores.svg': await renderScoresSvg(rel),
  };
}

/**
 * The panel a run was trained on, read again from its config's data.path as train read it: only
 * when the file's bytes are those trained on (the SHA-256 metadata.json records); else a note why not.
 */
export function trainedPanel(cfg: Config, sha256: string): { panel?: Panel; note?: string } {
  const path = cfg.data.path;
  if (path === STDIN) return { note: 'the data was read from standard input' };
  try {
    const input = readInput(path);
    if (input.sha256 !== sha256) return { note: `${inputName(path)} has changed since the shards were trained (its SHA-256 differs)` };
    const panel = parsePanel(input.text, panelOptionsOf(cfg.data, inputName(path)));
    return { panel };
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return { note: e.message.split('\n')[0] };
  }
}
