import { describe, expect, it } from 'vitest';
import { type ForecastPlotInput, forecastSpec, renderForecastSvg } from '../../src/output/plot.js';

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
    const hist = spec.data.values.filter((r: any) => r.series === 'history');
    expect(hist.length).toBe(500);
    expect(hist[0].t).toBe(1500);
    expect(spec.encoding.x.type).toBe('quantitative');
    const svg = await renderForecastSvg(input);
    expect(svg).toContain('<svg');
    expect(svg).toContain('future forecast');
  }, 30000);
});
