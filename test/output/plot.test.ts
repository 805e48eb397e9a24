import { describe, expect, it } from 'vitest';
import {
  backtestSpec,
  type ForecastPlotInput,
  forecastSpec,
  renderForecastSvg,
  renderSpecSvg,
  timeAxisFormat,
  trainingSpec,
  utcInstant,
} from '../../src/output/plot.js';

const days = (start: number, n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2020, 0, 1 + start + i)).toISOString().slice(0, 10));

describe('renderForecastSvg', () => {
  it('renders a temporal chart with all series in the legend', async () => {
    const input: ForecastPlotInput = {
      title: 'My Forecast',
      history: { t: days(0, 30), y: Array.from({ length: 30 }, (_, i) => Math.sin(i / 3)) },
      test: { t: days(30, 5), actual: [1, 2, 3, 2, 1], forecast: [1.1, 2.1, 2.9, 2.2, NaN] },
      future: { t: days(35, 3), forecast: [0.5, 0.4, 0.3] },
      temporal: true,
    };
    const svg = await renderForecastSvg(input);
    expect(svg).toContain('<svg');
    for (const s of ['My Forecast', 'history', 'test actual', 'test forecast', 'future forecast']) expect(svg).toContain(s);
  }, 30000);
  it('renders index axes and truncates long histories', async () => {
    const n = 2000;
    const idx = (a: number, k: number) => Array.from({ length: k }, (_, i) => String(a + i));
    const input: ForecastPlotInput = {
      title: 'idx',
      history: { t: idx(0, n), y: Array.from({ length: n }, (_, i) => i % 7) },
      test: { t: idx(n, 4), actual: [1, 2, 3, 4], forecast: [1, 2, 3, 4] },
      future: { t: idx(n + 4, 2), forecast: [5, 6] },
      temporal: false,
    };
    const spec = forecastSpec(input) as any;
    const [lines, origin] = spec.layer;
    const hist = lines.data.values.filter((r: any) => r.series === 'history');
    expect(hist.length).toBe(500);
    expect(hist[0].t).toBe(1500);
    expect(lines.encoding.x.type).toBe('quantitative');
    // the cut is said in the subtitle; the test origin is a rule at the first test step
    expect(spec.title).toEqual({ text: 'idx', subtitle: 'history: the last 500 of 2000 points' });
    expect(origin.data.values).toEqual([{ t: 2000, label: 'test origin' }]);
    expect(origin.layer.map((l: any) => l.mark.type)).toEqual(['rule', 'text']);
    // the actual line starts at the last history point, so history and test actuals join
    expect(lines.data.values.filter((r: any) => r.series === 'test actual').map((r: any) => [r.t, r.y])).toEqual([
      [1999, 1999 % 7],
      [2000, 1],
      [2001, 2],
      [2002, 3],
      [2003, 4],
    ]);
    const svg = await renderForecastSvg(input);
    expect(svg).toContain('<svg');
    expect(svg).toContain('future forecast');
  }, 30000);
  it('shades the intervals behind the lines, the widest palest, and names them in the subtitle', async () => {
    const input: ForecastPlotInput = {
      title: 'bands',
      history: { t: days(0, 10), y: Array.from({ length: 10 }, (_, i) => i) },
      test: { t: days(10, 2), actual: [10, 11], forecast: [10.2, 11.1] },
      future: { t: days(12, 2), forecast: [12, 13] },
      temporal: true,
      bands: [80, 95].map((level) => ({
        level,
        t: days(10, 4),
        lower: [9, 10, 11, NaN].map((v) => v - level / 100),
        upper: [11, 12, 13, 14].map((v) => v + level / 100),
      })),
    };
    const spec = forecastSpec(input) as any;
    expect(spec.title).toEqual({ text: 'bands', subtitle: 'shaded: 80% and 95% prediction intervals' });
    expect(spec.layer).toHaveLength(4);
    const [wide, narrow, lines, origin] = spec.layer;
    expect(origin.data.values[0].t).toBe(Date.UTC(2020, 0, 11));
    expect(wide.mark.type).toBe('area');
    expect(wide.mark.opacity).toBeLessThan(narrow.mark.opacity);
    // the 95% band first; a step without a finite bound is left out
    expect(wide.data.values.map((r: any) => r.upper)).toEqual([11.95, 12.95, 13.95]);
    expect(lines.mark.type).toBe('line');
    expect(lines.encoding.color.scale.domain).toContain('future forecast');
    const svg = await renderForecastSvg(input);
    expect(svg.match(/aria-roledescription="area mark container"/g)).toHaveLength(2);
    // without bands, the chart is the lines and the origin
    expect((forecastSpec({ ...input, bands: [] }) as any).layer.map((l: any) => l.mark?.type ?? 'origin')).toEqual(['line', 'origin']);
  }, 30000);

  it('draws times in UTC whatever the zone, labels them as the frequency suits, and titles the axes from the data', () => {
    expect(utcInstant('2000')).toBe(Date.UTC(2000, 0, 1));
    expect(utcInstant('2000-03')).toBe(Date.UTC(2000, 2, 1));
    expect(utcInstant('2000-03-04')).toBe(Date.UTC(2000, 2, 4));
    // a time without a zone is UTC (a browser or vega would read it as local time)
    expect(utcInstant('2000-03-04T05:30:00')).toBe(Date.UTC(2000, 2, 4, 5, 30));
    expect(utcInstant('2000-03-04T05:30:00Z')).toBe(Date.UTC(2000, 2, 4, 5, 30));
    expect(timeAxisFormat({ unit: 'minute', step: 30 })).toBe('%Y-%m-%d %H:%M');
    expect(timeAxisFormat({ unit: 'day', step: 1 })).toBe('%Y-%m-%d');
    expect(timeAxisFormat({ unit: 'month', step: 1 })).toBe('%Y-%m');
    expect(timeAxisFormat({ unit: 'year', step: 1 })).toBe('%Y');
    const spec = forecastSpec({
      title: 't',
      xTitle: 'timestamp',
      yTitle: 'demand_mw',
      frequency: { unit: 'minute', step: 30 },
      history: { t: ['2000-01-01T00:00:00', '2000-01-01T00:30:00'], y: [1, 2] },
      test: { t: ['2000-01-01T01:00:00'], actual: [3], forecast: [3] },
      future: { t: ['2000-01-01T01:30:00'], forecast: [4] },
      temporal: true,
    }) as any;
    const x = spec.layer[0].encoding.x;
    expect(x).toMatchObject({ type: 'temporal', title: 'timestamp', scale: { type: 'utc' }, axis: { format: '%Y-%m-%d %H:%M' } });
    expect(spec.layer[0].encoding.y.title).toBe('demand_mw');
    expect(spec.layer[0].data.values[0].t).toBe(Date.UTC(2000, 0, 1));
  });

  it('training.svg: the losses per epoch above, the gradient norm below, a rule at the epoch kept', async () => {
    const history = [
      { epoch: 1, loss: 0.5, valLoss: 0.6, gradNorm: 1.2 },
      { epoch: 2, loss: 0.4, valLoss: 0.55, gradNorm: 0.9 },
      { epoch: 3, loss: 0.35, valLoss: 0.58, gradNorm: Number.NaN },
    ];
    const spec = trainingSpec('y: training', history, 2) as any;
    expect(spec.title).toEqual({ text: 'y: training', subtitle: '3 epochs' });
    const [losses, norms] = spec.vconcat;
    expect(losses.layer[0].data.values.filter((v: any) => v.series === 'validation loss').map((v: any) => v.value)).toEqual([0.6, 0.55, 0.58]);
    expect(losses.layer[0].data.values.filter((v: any) => v.series === 'training loss')).toHaveLength(3);
    // a gradient norm that is not finite is a gap, not a point
    expect(norms.layer[0].data.values.map((v: any) => v.grad_norm)).toEqual([1.2, 0.9, null]);
    expect(losses.layer[1].data.values).toEqual([{ epoch: 2, label: 'kept: epoch 2' }]);
    // without validation rows there is no validation loss; epoch 0 is the starting weights
    const none = trainingSpec('t', [{ epoch: 1, loss: 1, valLoss: null, gradNorm: 1 }], 0) as any;
    expect(none.vconcat[0].layer[0].data.values.map((v: any) => v.series)).toEqual(['training loss']);
    expect(none.vconcat[0].layer[1].data.values[0].label).toBe('kept: the starting weights');
    const svg = await renderSpecSvg(spec);
    expect(svg).toContain('kept: epoch 2');
    expect(svg).toContain('gradient norm');
  }, 30000);

  it("backtest --plot: the actuals from some way before the first origin, each origin's forecast and 95% band, a rule per origin", () => {
    const n = 100;
    const t = Array.from({ length: n }, (_, i) => String(i));
    const spec = backtestSpec({
      title: 'bt',
      temporal: false,
      series: { t, y: t.map(Number) },
      origins: [
        { origin: '90', t: ['90', '91'], forecast: [90.5, 91.5], lower95: [89, null], upper95: [92, 93] },
        { origin: '80', t: ['80', '81'], forecast: [80.5, 81.5] },
      ],
    }) as any;
    const [bands, lines, rules] = spec.layer;
    const actual = lines.data.values.filter((v: any) => v.series === 'actual');
    // 24 rows of context before the first origin (at least 3 horizons), to the end
    expect(actual[0].t).toBe(56);
    expect(actual[actual.length - 1].t).toBe(99);
    expect(lines.data.values.filter((v: any) => v.series === 'origin 90').map((v: any) => v.y)).toEqual([90.5, 91.5]);
    // a band step needs both bounds
    expect(bands.data.values).toEqual([{ t: 90, lower: 89, upper: 92, series: 'origin 90' }]);
    expect(rules.data.values).toEqual([{ t: 90 }, { t: 80 }]);
    expect(spec.title).toEqual({ text: 'bt', subtitle: '2 origins; shaded: 95% prediction intervals' });
  });

  it('draws the baselines asked for beside the test forecast, dotted, in the legend', () => {
    const input: ForecastPlotInput = {
      title: 'b',
      history: { t: days(0, 5), y: [1, 2, 3, 4, 5] },
      test: { t: days(5, 2), actual: [6, 7], forecast: [6.1, 7.2] },
      future: { t: days(7, 1), forecast: [8] },
      temporal: true,
      baselines: [{ name: 'seasonal_naive', forecast: [4, 5] }],
    };
    const [lines] = (forecastSpec(input) as any).layer;
    expect(lines.data.values.filter((v: any) => v.series === 'seasonal naive').map((v: any) => [v.t, v.y])).toEqual([
      [Date.UTC(2020, 0, 6), 4],
      [Date.UTC(2020, 0, 7), 5],
    ]);
    expect(lines.encoding.color.scale.domain).toEqual(['history', 'test actual', 'test forecast', 'future forecast', 'seasonal naive']);
    expect(lines.encoding.strokeDash.scale.range.at(-1)).toEqual([1, 3]);
    expect(lines.encoding.color.scale.range).toHaveLength(5);
  });
});
