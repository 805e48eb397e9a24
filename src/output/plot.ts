import type { Frequency } from '../types.js';
import { renderSpecSvg } from './plot-renderer.js';

export { renderSpecSvg };

export interface ForecastPlotInput {
  title: string;
  /** Axis titles: the time column's and the target's names (default: time, value). */
  xTitle?: string;
  yTitle?: string;
  /** The data's frequency: the time axis labels say what fits it (dates and hours for sub-daily data). */
  frequency?: Frequency;
  history: { t: string[]; y: number[] };
  test: { t: string[]; actual: number[]; forecast: number[] };
  future: { t: string[]; forecast: number[] };
  /** true: `t` values are dates/timestamps; false: `t` are integer row indexes (quantitative axis). */
  temporal: boolean;
  /** Prediction intervals drawn as shaded bands behind the lines (test and future steps), widest first. */
  bands?: { level: number; t: string[]; lower: number[]; upper: number[] }[];
  /** Baselines' forecasts of the test steps (output.plot_baselines), drawn dotted beside the model's. */
  baselines?: { name: string; forecast: number[] }[];
}

export const MAX_HISTORY_POINTS = 500;
export const SERIES = {
  history: 'history',
  testActual: 'test actual',
  testForecast: 'test forecast',
  future: 'future forecast',
} as const;
const COLORS = ['#7f7f7f', '#1f77b4', '#ff7f0e', '#d62728'];
const BASELINE_COLORS = ['#2ca02c', '#9467bd', '#8c564b'];

interface Row {
  t: string | number;
  y: number | null;
  series: string;
}

/**
 * An ISO time (2000, 2000-01, 2000-01-31, 2000-01-31T12:00:00 with or without Z) as UTC epoch
 * milliseconds: the chart draws UTC, whatever the machine's time zone (a time without a zone would
 * otherwise be read as local time and drawn shifted).
 */
export function utcInstant(s: string): number {
  if (/^\d{4}$/.test(s)) return Date.UTC(Number(s), 0, 1);
  return Date.parse(/T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(s) ? `${s}Z` : s);
}

/** The time axis' label format for a frequency (d3 time format, read in UTC). */
export function timeAxisFormat(f?: Frequency): string {
  switch (f?.unit) {
    case 'minute':
    case 'hour':
      return '%Y-%m-%d %H:%M';
    case 'month':
      return '%Y-%m';
    case 'quarter':
      return '%Y-Q%q';
    case 'year':
      return '%Y';
    default:
      return '%Y-%m-%d';
  }
}

/** The x encoding of a chart over time (UTC, labels that fit the frequency) or over row numbers. */
function xEncoding(input: { temporal: boolean; xTitle?: string; frequency?: Frequency }): Record<string, unknown> {
  return input.temporal
    ? {
        field: 't',
        type: 'temporal',
        title: input.xTitle ?? 'time',
        scale: { type: 'utc' },
        axis: { format: timeAxisFormat(input.frequency), labelOverlap: true },
      }
    : { field: 't', type: 'quantitative', title: input.xTitle ?? 'index', axis: { format: 'd' } };
}

/**
 * A dashed grey rule at one x (`datum`, on the `x` encoding's field, with its `label`), the label
 * beside the rule's top: above the plot area, or just inside it.
 */
function labelledRule(x: Record<string, unknown>, datum: Record<string, unknown>, above: boolean): Record<string, unknown> {
  return {
    data: { values: [datum] },
    layer: [
      { mark: { type: 'rule', color: '#555', strokeDash: [2, 3] }, encoding: { x } },
      {
        mark: { type: 'text', align: 'left', dx: 3, ...(above ? { dy: -4, baseline: 'bottom' } : { baseline: 'top' }), color: '#555', fontSize: 10 },
        encoding: { x, y: { value: above ? 0 : 2 }, text: { field: 'label' } },
      },
    ],
  };
}

function rows(t: string[], y: number[], series: string, temporal: boolean): Row[] {
  const n = Math.min(t.length, y.length);
  const out: Row[] = [];
  for (let i = 0; i < n; i++) {
    const v = y[i];
    out.push({ t: temporal ? utcInstant(t[i]) : Number(t[i]), y: Number.isFinite(v) ? v : null, series });
  }
  return out;
}

/** Build the vega-lite spec (exported for tests/inspection). */
export function forecastSpec(input: ForecastPlotInput): Record<string, unknown> {
  const { history, test, future, temporal } = input;
  const start = Math.max(0, history.t.length - MAX_HISTORY_POINTS);
  // the actual line runs on from the history's last point, so the two join at the test origin
  const joinT = history.t.length > 0 && test.t.length > 0 ? history.t.slice(-1) : [];
  const joinY = joinT.length ? history.y.slice(-1) : [];
  const values = [
    ...rows(history.t.slice(start), history.y.slice(start), SERIES.history, temporal),
    ...rows([...joinT, ...test.t], [...joinY, ...test.actual], SERIES.testActual, temporal),
    ...rows(test.t, test.forecast, SERIES.testForecast, temporal),
    ...rows(future.t, future.forecast, SERIES.future, temporal),
    ...(input.baselines ?? []).flatMap((b) => rows(test.t, b.forecast, b.name.replace('_', ' '), temporal)),
  ];
  const extra = (input.baselines ?? []).map((b) => b.name.replace('_', ' '));
  const domain = [SERIES.history, SERIES.testActual, SERIES.testForecast, SERIES.future, ...extra];
  const x = xEncoding(input);
  const lines = {
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x,
      y: { field: 'y', type: 'quantitative', title: input.yTitle ?? 'value', scale: { zero: false } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain, range: [...COLORS, ...BASELINE_COLORS.slice(0, extra.length)] },
        legend: { orient: 'top' },
      },
      strokeDash: {
        field: 'series',
        type: 'nominal',
        scale: {
          domain,
          range: [[1, 0], [1, 0], [4, 2], [4, 2], ...extra.map(() => [1, 3])],
        },
        title: null,
      },
    },
  };
  const frame = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: 800, height: 300, background: 'white' };
  // a dashed rule at the test origin (the first test step)
  const origin = test.t.length ? [labelledRule(x, { t: temporal ? utcInstant(test.t[0]) : Number(test.t[0]), label: 'test origin' }, true)] : [];
  const notes = [
    ...(start > 0 ? [`history: the last ${MAX_HISTORY_POINTS} of ${history.t.length} points`] : []),
    ...((input.bands ?? []).length
      ? [
          `shaded: ${[...(input.bands ?? [])]
            .map((b) => b.level)
            .sort((a, b) => a - b)
            .map((l) => `${l}%`)
            .join(' and ')} prediction intervals`,
        ]
      : []),
  ];
  const title = notes.length ? { text: input.title, subtitle: notes.join('; ') } : input.title;
  const bands = [...(input.bands ?? [])].sort((a, b) => b.level - a.level);
  // shaded bands behind the lines, the widest palest
  const areas = bands.map((b, i) => ({
    data: {
      values: b.t
        .map((t, k) => ({ t: temporal ? utcInstant(t) : Number(t), lower: b.lower[k], upper: b.upper[k] }))
        .filter((r) => Number.isFinite(r.lower) && Number.isFinite(r.upper)),
    },
    mark: { type: 'area', color: COLORS[1], opacity: 0.12 + (0.12 * i) / Math.max(1, bands.length - 1) },
    encoding: { x, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' } },
  }));
  return { ...frame, title, layer: [...areas, lines, ...origin] };
}

/** Render the forecast chart to an SVG string (vega/vega-lite loaded lazily). */
export async function renderForecastSvg(input: ForecastPlotInput): Promise<string> {
  return renderSpecSvg(forecastSpec(input));
}

/** One epoch as the training view draws it (history.csv's columns). */
export interface TrainingPoint {
  epoch: number;
  loss: number;
  valLoss: number | null;
  gradNorm: number;
}

/**
 * The training view (training.svg): the training and validation loss per epoch above, the mean
 * gradient norm below, and a rule at the epoch whose weights the model kept (0: the starting
 * weights, when training never beat them on validation).
 */
export function trainingSpec(title: string, history: TrainingPoint[], kept: number): Record<string, unknown> {
  const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
  const losses = history.flatMap((h) => [
    { epoch: h.epoch, value: finite(h.loss), series: 'training loss' },
    ...(h.valLoss === null ? [] : [{ epoch: h.epoch, value: finite(h.valLoss), series: 'validation loss' }]),
  ]);
  const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { format: 'd' } };
  const rule = labelledRule(x, { epoch: kept, label: kept === 0 ? 'kept: the starting weights' : `kept: epoch ${kept}` }, false);

  const panel = (values: Record<string, unknown>[], y: string, field: string, color: Record<string, unknown>) => ({
    width: 800,
    height: 180,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: values.length < 40 },
        encoding: { x, y: { field, type: 'quantitative', title: y, scale: { zero: false } }, color },
      },
      rule,
    ],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    title: { text: title, subtitle: `${history.length} epoch${history.length === 1 ? '' : 's'}` },
    vconcat: [
      panel(losses, 'loss', 'value', { field: 'series', type: 'nominal', title: null, scale: { range: [COLORS[1], COLORS[2]] }, legend: { orient: 'top' } }),
      panel(
        history.map((h) => ({ epoch: h.epoch, grad_norm: finite(h.gradNorm) })),
        'gradient norm',
        'grad_norm',
        { value: COLORS[0] },
      ),
    ],
  };
}

/** What the gradient-flow view draws: per recurrent layer, the norm of dL/dh_t per step of the window (last epoch), and per weight group its gradient norm per epoch. */
export interface FlowPlotInput {
  title: string;
  subtitle: string;
  /** per layer: norms[t], t = 0 the window's first step */
  steps: { layer: string; norms: number[] }[];
  /** per weight group: its norm per epoch */
  groups: { group: string; norms: { epoch: number; norm: number }[] }[];
}

/**
 * The gradient-flow view (gradient-flow.svg): above, how far back through the window the training
 * signal reaches, the norm of dL/dh_t against t for each recurrent layer (log scale: a vanishing
 * gradient is a straight line falling towards the window's start); below, each weight group's
 * gradient norm per epoch (log scale).
 */
export function gradientFlowSpec(input: FlowPlotInput): Record<string, unknown> {
  const positive = (v: number) => (Number.isFinite(v) && v > 0 ? v : null);
  const steps = input.steps.flatMap((l) => l.norms.map((v, t) => ({ t, norm: positive(v), layer: l.layer })));
  const groups = input.groups.flatMap((g) => g.norms.map((n) => ({ epoch: n.epoch, norm: positive(n.norm), group: g.group })));
  const panel = (values: Record<string, unknown>[], x: Record<string, unknown>, y: string, series: string) => ({
    width: 800,
    height: 200,
    data: { values },
    mark: { type: 'line', point: values.length < 60 },
    encoding: {
      x,
      y: { field: 'norm', type: 'quantitative', title: y, scale: { type: 'log' } },
      color: { field: series, type: 'nominal', title: null, scale: { range: COLORS }, legend: { orient: 'top' } },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    title: { text: input.title, subtitle: input.subtitle },
    vconcat: [
      ...(steps.length
        ? [
            panel(
              steps,
              { field: 't', type: 'quantitative', title: 'step t of the window (the last: the forecast origin)', axis: { format: 'd' } },
              '‖dL/dh_t‖ (last epoch)',
              'layer',
            ),
          ]
        : []),
      panel(groups, { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { format: 'd' } }, 'gradient norm', 'group'),
    ],
  };
}

/** What a backtest plot draws: the series and each origin's forecast (times as ISO text, or row numbers). */
export interface BacktestPlotInput {
  title: string;
  xTitle?: string;
  yTitle?: string;
  frequency?: Frequency;
  temporal: boolean;
  series: { t: string[]; y: number[] };
  origins: { origin: string; t: string[]; forecast: number[]; lower95?: (number | null)[]; upper95?: (number | null)[] }[];
}

/**
 * The backtest plot (`backtest --plot`): the actual series (from a horizon's length before the
 * first origin, at most MAX_HISTORY_POINTS points back) and each origin's forecast in a colour of
 * its own, with its 95% interval shaded when it has one and a rule at the origin.
 */
export function backtestSpec(input: BacktestPlotInput): Record<string, unknown> {
  const { temporal } = input;
  const at = (t: string) => (temporal ? utcInstant(t) : Number(t));
  const first = input.origins.reduce((m, o) => Math.min(m, at(o.origin)), Number.POSITIVE_INFINITY);
  const firstIndex = input.series.t.findIndex((t) => at(t) >= first);
  const span = Math.max(...input.origins.map((o) => o.t.length), 1);
  const from = Math.max(0, (firstIndex < 0 ? input.series.t.length : firstIndex) - Math.max(3 * span, 24), input.series.t.length - MAX_HISTORY_POINTS);
  const names = input.origins.map((o) => `origin ${o.origin}`);
  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];
  const x = xEncoding(input);
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: ['actual', ...names], range: ['#7f7f7f', ...palette] },
    legend: { orient: 'top' },
  };
  const values = [
    ...rows(input.series.t.slice(from), input.series.y.slice(from), 'actual', temporal),
    ...input.origins.flatMap((o, i) => rows(o.t, o.forecast, names[i], temporal)),
  ];
  const bands = input.origins.flatMap((o, i) =>
    o.lower95 && o.upper95
      ? o.t.flatMap((t, k) => {
          const lo = o.lower95?.[k];
          const hi = o.upper95?.[k];
          return typeof lo === 'number' && typeof hi === 'number' && Number.isFinite(lo) && Number.isFinite(hi)
            ? [{ t: at(t), lower: lo, upper: hi, series: names[i] }]
            : [];
        })
      : [],
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 800,
    height: 300,
    background: 'white',
    title: {
      text: input.title,
      subtitle: `${input.origins.length} origin${input.origins.length === 1 ? '' : 's'}${bands.length ? '; shaded: 95% prediction intervals' : ''}`,
    },
    layer: [
      ...(bands.length
        ? [
            {
              data: { values: bands },
              mark: { type: 'area', opacity: 0.15 },
              encoding: { x, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' }, color },
            },
          ]
        : []),
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x,
          y: { field: 'y', type: 'quantitative', title: input.yTitle ?? 'value', scale: { zero: false } },
          color,
          strokeDash: { condition: { test: "datum.series === 'actual'", value: [1, 0] }, value: [4, 2] },
        },
      },
      {
        data: { values: input.origins.map((o) => ({ t: at(o.origin) })) },
        mark: { type: 'rule', color: '#999', strokeDash: [2, 3] },
        encoding: { x },
      },
    ],
  };
}
