import { describe, expect, it } from 'vitest';
import { panelPlotFiles } from '../../src/artifacts/panel-plots.js';
import { panelForecastSpec, pickPlotted, relativeMase, renderScoresSvg, scoreBins, scoresSpec } from '../../src/output/panel-plot.js';
import type { Series } from '../../src/types.js';

describe('relativeMase', () => {
  it('is the ratio when both are finite and positive, else null (as rel_mase pools them)', () => {
    expect(relativeMase(0.5, 2)).toBe(0.25);
    for (const [a, b] of [
      [0, 1],
      [1, 0],
      [null, 1],
      [1, undefined],
      [Number.NaN, 1],
      [1, Number.POSITIVE_INFINITY],
      [-1, 2],
    ])
      expect(relativeMase(a, b)).toBeNull();
  });
});

describe('pickPlotted', () => {
  it('picks the lowest, the (lower) median and the highest measurable value; ties to the earlier series', () => {
    // measurable, sorted: 0.5 (3), 0.8 (0), 0.8 (4), 1.2 (1), 2 (5); median: the third of five
    expect(pickPlotted([0.8, 1.2, null, 0.5, 0.8, 2])).toEqual([
      { rank: 'best', index: 3 },
      { rank: 'median', index: 4 },
      { rank: 'worst', index: 5 },
    ]);
    // four values: the lower of the two middle ones (index 1 of 0..3 in order)
    expect(pickPlotted([4, 3, 2, 1])).toEqual([
      { rank: 'best', index: 3 },
      { rank: 'median', index: 2 },
      { rank: 'worst', index: 0 },
    ]);
    expect(pickPlotted([1, 1, 1])).toEqual([
      { rank: 'best', index: 0 },
      { rank: 'median', index: 1 },
      { rank: 'worst', index: 2 },
    ]);
  });

  it('draws fewer when fewer are measurable', () => {
    expect(pickPlotted([null, 2, 1])).toEqual([
      { rank: 'best', index: 2 },
      { rank: 'worst', index: 1 },
    ]);
    expect(pickPlotted([null, 0.7])).toEqual([{ rank: 'best', index: 1 }]);
    expect(pickPlotted([null, null])).toEqual([]);
  });
});

describe('scoreBins', () => {
  it('bins log10 values in equal widths reaching across 1, by hand', () => {
    // logs: -1, -0.5, 0.30103; range [-1, 0.30103] over at most 5 bins: 0.2 gives 6.5, 0.25 gives 5.2, 0.5 gives 2.6 bins
    const b = scoreBins([0.1, Math.sqrt(0.1), 2, null]);
    expect(b.width).toBe(0.5);
    expect(b.bins).toEqual([
      { lo: 0.1, hi: 0.316227766017, count: 1 },
      { lo: 0.316227766017, hi: 1, count: 1 },
      { lo: 1, hi: 3.16227766017, count: 1 },
    ]);
    expect(b.unmeasured).toBe(1);
    // geometric mean: 10^((-1 - 0.5 + 0.30103) / 3)
    expect(b.geomean).toBeCloseTo(10 ** (-1.19897 / 3), 5);
  });

  it('puts exact powers of ten in the bin they start, and values all below 1 still reach 1', () => {
    const b = scoreBins([0.001, 0.01]);
    // range [-3, 0]: 1 gives 3 bins (< 5)
    expect(b.width).toBe(1);
    expect(b.bins.map((x) => [x.lo, x.count])).toEqual([
      [0.001, 1],
      [0.01, 1],
      [0.1, 0],
      [1, 0],
    ]);
    const many = scoreBins(Array.from({ length: 400 }, (_, i) => 0.5 + i / 400));
    // 400 values: up to 20 bins; log10 range [log10 0.5, log10 1.4975] = 0.4764: 0.025 gives 19.06 bins
    expect(many.width).toBe(0.025);
    expect(many.bins.reduce((a, x) => a + x.count, 0)).toBe(400);
    // nothing measurable: one empty bin of the smallest width from 1
    expect(scoreBins([]).bins).toEqual([{ lo: 1, hi: 1.02329299228, count: 0 }]);
  });

  it('the spec draws the bins on a log axis with 1 and the geometric mean marked', () => {
    const spec = scoresSpec([0.5, 2, null]) as { title: { text: string }; layer: { data: { values: { x?: number; label?: string }[] } }[] };
    expect(spec.title.text).toBe('relative MASE of 2 series (1 not measurable, left out)');
    const rules = spec.layer[1].data.values;
    expect(rules.map((r) => [r.x, r.label])).toEqual([
      [1, '1: seasonal naive'],
      [1, 'geometric mean 1'],
    ]);
    expect(JSON.stringify(spec.layer[0])).toContain('"type":"log"');
  });

  it('renders to SVG', async () => {
    const svg = await renderScoresSvg([0.3, 0.9, 1.1, 4]);
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('1: seasonal naive');
  }, 30_000);
});

describe('plot.svg of a panel', () => {
  const monthly = (n: number, level: number): Series => {
    const times = Array.from({ length: n }, (_, i) => Date.UTC(2000, i, 1));
    return {
      index: { times, frequency: { unit: 'month', step: 1 }, format: 'month' },
      columns: { value: Float64Array.from(times, (_, i) => level + i) },
      target: 'value',
      features: ['value'],
      timeColumn: 'month',
    };
  };
  const scores = (key: string, model: number, naive: number) => ({
    key: [key],
    test_size: 2,
    methods: { model: { mase: model }, seasonal_naive: { mase: naive } },
  });
  // forecast.csv of 4 series: a key column, month, part, actual, forecast
  const csv = ['id,month,part,actual,forecast'];
  for (const k of ['a', 'b', 'c', 'd']) csv.push(`${k},2000-11,test,11,10.5`, `${k},2000-12,test,12,12.5`, `${k},2001-01,future,,13`);
  const series = [scores('a', 1, 1), scores('b', 0.5, 1), scores('c', 3, 1), scores('d', 0, 1)];
  /** forecast.csv's lines as the plots take them: the header, then series i's three lines. */
  const lines = (rows: string[]) => ({ header: `${rows[0]}\n`, rowsOf: (i: number) => `${rows.slice(1 + 3 * i, 4 + 3 * i).join('\n')}\n` });

  it('draws the best, median and worst series with their keys, history before the test rows', async () => {
    const files = await panelPlotFiles(series, lines(csv), 1, () => monthly(12, 100));
    expect(files['plot.svg']).toContain('best: b (MASE 0.5 × seasonal naive');
    expect(files['plot.svg']).toContain('median: a (MASE 1 × seasonal naive');
    expect(files['plot.svg']).toContain('worst: c (MASE 3 × seasonal naive');
    expect(files['plot.svg']).not.toContain(': d (');
    expect(files['plot.svg']).toContain('4 series: the best, median and worst');
    expect(files['scores.svg']).toContain('relative MASE of 3 series (1 not measurable, left out)');
    const without = await panelPlotFiles(series, lines(csv), 1, () => undefined);
    expect(without['plot.svg']).not.toBe(files['plot.svg']);
    expect(without['scores.svg']).toBe(files['scores.svg']);
    expect(files['plot.svg']).not.toContain('area mark container');
    // forecast.csv with interval columns: each drawn series gets its bands
    const banded = csv.map((l, i) => (i === 0 ? `${l},lower_80,upper_80` : `${l},${Number(l.split(',').at(-1)) - 1},${Number(l.split(',').at(-1)) + 1}`));
    const withBands = await panelPlotFiles(series, lines(banded), 1, () => monthly(12, 100));
    expect(withBands['plot.svg'].match(/aria-roledescription="area mark container"/g)).toHaveLength(3);
    expect(withBands['plot.svg']).toContain('shaded: 80% prediction intervals');
  }, 30_000);

  it('the spec: the history up to the test origin, then test actuals, forecasts and the future, per series', () => {
    const spec = panelForecastSpec(
      [
        {
          rank: 'best',
          key: ['x', 'y'],
          rel: 0.25,
          history: { t: ['2000-01', '2000-02'], y: [1, 2] },
          test: { t: ['2000-03'], actual: [3], forecast: [2.5] },
          future: { t: ['2000-04'], forecast: [4] },
          temporal: true,
        },
      ],
      7,
    ) as { vconcat: { title: string; layer: { data: { values: { t: number; y: number; series: string }[] } }[] }[] };
    expect(spec.vconcat).toHaveLength(1);
    expect((spec as unknown as { title: { text: string } }).title.text).toBe('7 series: the best by MASE relative to seasonal naive');
    expect((panelForecastSpec([], 0) as { title: { text: string } }).title.text).toBe('0 series');
    expect(spec.vconcat[0].title).toBe("best: x / y (MASE 0.25 × seasonal naive's)");
    // times as UTC instants; the actual line starts at the last history point
    const month = (m: number) => Date.UTC(2000, m - 1, 1);
    expect(spec.vconcat[0].layer[0].data.values.map((v) => `${v.series} ${v.t} ${v.y}`)).toEqual([
      `history ${month(1)} 1`,
      `history ${month(2)} 2`,
      `test actual ${month(2)} 2`,
      `test actual ${month(3)} 3`,
      `test forecast ${month(3)} 2.5`,
      `future forecast ${month(4)} 4`,
    ]);
  });
});
