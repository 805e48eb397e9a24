export interface ForecastPlotInput {
  title: string;
  history: { t: string[]; y: number[] };
  test: { t: string[]; actual: number[]; forecast: number[] };
  future: { t: string[]; forecast: number[] };
  /** true: `t` values are dates/timestamps; false: `t` are integer row indexes (quantitative axis). */
  temporal: boolean;
  /** Prediction intervals drawn as shaded bands behind the lines (test and future steps), widest first. */
  bands?: { level: number; t: string[]; lower: number[]; upper: number[] }[];
}

export const MAX_HISTORY_POINTS = 500;
export const SERIES = {
  history: 'history',
  testActual: 'test actual',
  testForecast: 'test forecast',
  future: 'future forecast',
} as const;
const COLORS = ['#7f7f7f', '#1f77b4', '#ff7f0e', '#d62728'];

interface Row {
  t: string | number;
  y: number | null;
  series: string;
}

function rows(t: string[], y: number[], series: string, temporal: boolean): Row[] {
  const n = Math.min(t.length, y.length);
  const out: Row[] = [];
  for (let i = 0; i < n; i++) {
    const v = y[i];
    out.push({ t: temporal ? t[i] : Number(t[i]), y: Number.isFinite(v) ? v : null, series });
  }
  return out;
}

/** Build the vega-lite spec (exported for tests/inspection). */
export function forecastSpec(input: ForecastPlotInput): Record<string, unknown> {
  const { history, test, future, temporal } = input;
  const start = Math.max(0, history.t.length - MAX_HISTORY_POINTS);
  const values = [
    ...rows(history.t.slice(start), history.y.slice(start), SERIES.history, temporal),
    ...rows(test.t, test.actual, SERIES.testActual, temporal),
    ...rows(test.t, test.forecast, SERIES.testForecast, temporal),
    ...rows(future.t, future.forecast, SERIES.future, temporal),
  ];
  const domain = [SERIES.history, SERIES.testActual, SERIES.testForecast, SERIES.future];
  const x = temporal ? { field: 't', type: 'temporal', title: 'time' } : { field: 't', type: 'quantitative', title: 'index', axis: { format: 'd' } };
  const lines = {
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x,
      y: { field: 'y', type: 'quantitative', title: 'value', scale: { zero: false } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain, range: COLORS },
        legend: { orient: 'top' },
      },
      strokeDash: {
        field: 'series',
        type: 'nominal',
        scale: {
          domain,
          range: [
            [1, 0],
            [1, 0],
            [4, 2],
            [4, 2],
          ],
        },
        title: null,
      },
    },
  };
  const frame = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: 800, height: 300, background: 'white' };
  const bands = [...(input.bands ?? [])].sort((a, b) => b.level - a.level);
  if (bands.length === 0) return { ...frame, title: input.title, ...lines };
  // shaded bands behind the lines, the widest palest
  const areas = bands.map((b, i) => ({
    data: {
      values: b.t
        .map((t, k) => ({ t: temporal ? t : Number(t), lower: b.lower[k], upper: b.upper[k] }))
        .filter((r) => Number.isFinite(r.lower) && Number.isFinite(r.upper)),
    },
    mark: { type: 'area', color: COLORS[1], opacity: 0.12 + (0.12 * i) / Math.max(1, bands.length - 1) },
    encoding: { x, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' } },
  }));
  const title = {
    text: input.title,
    subtitle: `shaded: ${bands
      .map((b) => `${b.level}%`)
      .reverse()
      .join(' and ')} prediction intervals`,
  };
  return { ...frame, title, layer: [...areas, lines] };
}

/** Render the forecast chart to an SVG string (vega/vega-lite loaded lazily). */
export async function renderForecastSvg(input: ForecastPlotInput): Promise<string> {
  return renderSpecSvg(forecastSpec(input));
}

/** Render a vega-lite spec to an SVG string (vega/vega-lite loaded lazily). */
export async function renderSpecSvg(spec: Record<string, unknown>): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
