/**
 * The plots of a panel run: `plot.svg`, three series (the best, median and worst by the model's
 * MASE relative to seasonal naive) drawn as a single run's plot.svg draws its series, one above the
 * other; `scores.svg`, the distribution of that relative MASE over the series, a histogram on a
 * log axis with 1 (as good as seasonal naive) marked. Pure functions of their inputs: the same
 * input gives the same SVG text.
 */
import { type ForecastPlotInput, forecastSpec, renderSpecSvg } from './plot.js';

/** A series' MASE relative to seasonal naive's; null when not measurable (a MASE missing, zero or not finite), as rel_mase pools them. */
export function relativeMase(model: number | null | undefined, seasonalNaive: number | null | undefined): number | null {
  if (typeof model !== 'number' || typeof seasonalNaive !== 'number') return null;
  if (!(Number.isFinite(model) && Number.isFinite(seasonalNaive) && model > 0 && seasonalNaive > 0)) return null;
  return model / seasonalNaive;
}

export type PlotRank = 'best' | 'median' | 'worst';

/**
 * The series to draw, by index into `rel`: the lowest relative MASE, the median (the lower one of
 * an even count) and the highest, among the measurable ones; ties go to the earlier series. Fewer
 * than three when fewer are measurable (one: `best` only; two: `best` and `worst`); none when none is.
 */
export function pickPlotted(rel: (number | null)[]): { rank: PlotRank; index: number }[] {
  const ranked = rel
    .map((r, index) => ({ r, index }))
    .filter((x): x is { r: number; index: number } => x.r !== null)
    .sort((a, b) => a.r - b.r || a.index - b.index);
  const n = ranked.length;
  if (n === 0) return [];
  if (n === 1) return [{ rank: 'best', index: ranked[0].index }];
  if (n === 2)
    return [
      { rank: 'best', index: ranked[0].index },
      { rank: 'worst', index: ranked[1].index },
    ];
  return [
    { rank: 'best', index: ranked[0].index },
    { rank: 'median', index: ranked[Math.floor((n - 1) / 2)].index },
    { rank: 'worst', index: ranked[n - 1].index },
  ];
}

/** A number in a title: 4 significant digits. */
function short(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

/** One drawn series of plot.svg: its rank, key, relative MASE and what a single run's plot shows. */
export interface PanelPlotSeries extends Omit<ForecastPlotInput, 'title'> {
  /** 'first': no series' relative MASE is measurable, and this is the first series. */
  rank: PlotRank | 'first';
  key: string[];
  rel: number | null;
}

/** A key in a title: its values joined by ' / ', at most 60 characters. */
function keyTitle(key: string[]): string {
  const k = key.join(' / ');
  return k.length > 60 ? `${k.slice(0, 59)}…` : k;
}

/** The vega-lite spec of plot.svg (exported for tests): each series as forecastSpec draws it, one above the other. */
export function panelForecastSpec(series: PanelPlotSeries[], count: number): Record<string, unknown> {
  const views = series.map((s) => {
    const {
      $schema: _s,
      background: _b,
      ...view
    } = forecastSpec({
      ...s,
      title: `${s.rank}: ${keyTitle(s.key)} (${s.rel === null ? 'relative MASE not measurable' : `MASE ${short(s.rel)} × seasonal naive's`})`,
    });
    return { ...view, height: 220 };
  });
  const ranks = series.map((s) => s.rank);
  const which =
    ranks[0] === 'first'
      ? ': the first (no relative MASE is measurable)'
      : ranks.length > 0
        ? `: the ${ranks.length > 1 ? `${ranks.slice(0, -1).join(', ')} and ${ranks[ranks.length - 1]}` : ranks[0]} by MASE relative to seasonal naive`
        : '';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${count} series${which}`, anchor: 'start' },
    background: 'white',
    vconcat: views,
    // each series keeps its own scales (levels differ between series)
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

/** plot.svg of a panel run (see panelForecastSpec). */
export async function renderPanelForecastSvg(series: PanelPlotSeries[], count: number): Promise<string> {
  return renderSpecSvg(panelForecastSpec(series, count));
}

/** Nice bin widths on the log10 axis. */
const LOG_STEPS = [0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2];

export interface ScoreBins {
  /** Bin width in log10 units. */
  width: number;
  /** Bins in order: [lo, hi) in relative MASE (10^(i*width)), and how many series fall in each; they always reach across 1. */
  bins: { lo: number; hi: number; count: number }[];
  /** Series whose relative MASE is not measurable (left out of the bins). */
  unmeasured: number;
  /** Geometric mean of the measurable values (the pooled rel_mase); NaN when none. */
  geomean: number;
}

/**
 * The histogram of relative MASE values on a log axis: bins of equal width in log10, the width the
 * smallest of LOG_STEPS giving at most max(5, min(30, ceil(sqrt(n)))) bins over the range of the
 * values and 1; bin i holds the values v with i*width <= log10(v) < (i+1)*width.
 */
export function scoreBins(rel: (number | null)[]): ScoreBins {
  const values = rel.filter((r): r is number => r !== null && Number.isFinite(r) && r > 0);
  const unmeasured = rel.length - values.length;
  const logs = values.map((v) => Math.log10(v));
  const lo = Math.min(0, ...logs);
  const hi = Math.max(0, ...logs);
  const most = Math.max(5, Math.min(30, Math.ceil(Math.sqrt(values.length))));
  const width = LOG_STEPS.find((w) => (hi - lo) / w < most) ?? LOG_STEPS[LOG_STEPS.length - 1];
  // bin index of a log value; the small slack keeps exact powers (log10(1000)/0.1 = 29.999...) in their bin
  const at = (l: number) => Math.floor(l / width + 1e-9);
  const first = at(lo);
  const last = at(hi);
  const edge = (i: number) => Number((10 ** (i * width)).toPrecision(12));
  const bins = Array.from({ length: last - first + 1 }, (_, j) => ({ lo: edge(first + j), hi: edge(first + j + 1), count: 0 }));
  for (const l of logs) bins[at(l) - first].count++;
  const geomean = values.length ? 10 ** (logs.reduce((a, b) => a + b, 0) / values.length) : NaN;
  return { width, bins, unmeasured, geomean };
}

/** The vega-lite spec of scores.svg (exported for tests). */
export function scoresSpec(rel: (number | null)[]): Record<string, unknown> {
  const { bins, unmeasured, geomean } = scoreBins(rel);
  const n = rel.length - unmeasured;
  const top = Math.ceil(Math.max(1, ...bins.map((b) => b.count)) * 1.25) + 1;
  const x = {
    field: 'lo',
    type: 'quantitative',
    title: "model's MASE relative to seasonal naive's (log scale; below 1: better)",
    scale: { type: 'log', domain: [bins[0].lo, bins[bins.length - 1].hi], nice: false },
  };
  // the marked values, their labels one below the other at the top of the chart
  const marks = [
    { x: 1, label: '1: seasonal naive', color: '#d62728', row: 2 },
    ...(Number.isFinite(geomean) ? [{ x: Number(geomean.toPrecision(6)), label: `geometric mean ${short(geomean)}`, color: '#1f77b4', row: 16 }] : []),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `relative MASE of ${n} series${unmeasured ? ` (${unmeasured} not measurable, left out)` : ''}`,
      anchor: 'start',
    },
    width: 600,
    height: 260,
    background: 'white',
    layer: [
      {
        data: { values: bins },
        mark: { type: 'bar', color: '#7f7f7f', stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x,
          x2: { field: 'hi' },
          // headroom above the tallest bar for the labels of the marked values
          y: { field: 'count', type: 'quantitative', title: 'series', axis: { tickMinStep: 1, format: 'd' }, scale: { domain: [0, top] } },
          y2: { datum: 0 },
        },
      },
      {
        data: { values: marks },
        mark: { type: 'rule', strokeWidth: 1.5, strokeDash: [4, 2] },
        encoding: { x: { field: 'x', type: 'quantitative' }, color: { field: 'color', type: 'nominal', scale: null } },
      },
      // each label on the side of its rule away from 1's
      ...marks.map((m) => ({
        data: { values: [m] },
        mark: { type: 'text', align: m.x < 1 ? 'right' : 'left', dx: m.x < 1 ? -3 : 3, baseline: 'top' },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'row', type: 'quantitative', scale: null },
          text: { field: 'label' },
          color: { field: 'color', type: 'nominal', scale: null },
        },
      })),
    ],
  };
}

/** scores.svg of a panel run (see scoresSpec). */
export async function renderScoresSvg(rel: (number | null)[]): Promise<string> {
  return renderSpecSvg(scoresSpec(rel));
}
