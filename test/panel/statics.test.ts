import { describe, expect, it } from 'vitest';
import { renderConfigYaml } from '../../src/config/render.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { ConfigError, DataError } from '../../src/errors.js';
import {
  encodeStatics,
  fitStaticEncoding,
  MAX_STATIC_INPUTS,
  MAX_STATIC_LEVELS,
  staticEncodingProblem,
  staticsText,
  staticWidth,
} from '../../src/panel/statics.js';
import { appendStatics } from '../../src/windows/index-math.js';
import { withStatics } from '../../src/windows/training-windows.js';
import { thrown } from '../thrown.js';

describe('static inputs: encoding', () => {
  it('standardises a number column over the series (population sd) and one-hot encodes a category, levels sorted', () => {
    // sizes 1, 2, 3, 6: mean 3, sd sqrt((4 + 1 + 0 + 9) / 4) = sqrt(3.5)
    const enc = fitStaticEncoding(
      ['size', 'region'],
      [
        ['1', 'west'],
        ['2', 'east'],
        ['3', 'west'],
        ['6', 'north'],
      ],
    );
    expect(enc.columns[0]).toEqual({ name: 'size', kind: 'number', mean: 3, sd: Math.sqrt(3.5) });
    expect(enc.columns[1]).toEqual({ name: 'region', kind: 'category', levels: ['east', 'north', 'west'] });
    expect(staticWidth(enc)).toBe(4);
    expect(encodeStatics(enc, ['6', 'west'])).toEqual([3 / Math.sqrt(3.5), 0, 0, 1]);
    expect(encodeStatics(enc, ['2', 'east'])).toEqual([-1 / Math.sqrt(3.5), 1, 0, 0]);
    // a level the run has not seen: no level at all
    expect(encodeStatics(enc, ['3', 'south'])).toEqual([0, 0, 0, 0]);
    expect(staticsText(enc)).toBe('size (a number), region (3 levels: east, north, west)');
  });

  it('gives 0 for a number column with one value for every series, and reads "12a" or an empty cell as a category', () => {
    const enc = fitStaticEncoding(
      ['c', 'd'],
      [
        ['5', '12a'],
        ['5', ''],
      ],
    );
    expect(enc.columns[0]).toEqual({ name: 'c', kind: 'number', mean: 5, sd: 1 });
    expect(enc.columns[1]).toEqual({ name: 'd', kind: 'category', levels: ['', '12a'] });
    expect(encodeStatics(enc, ['5', '12a'])).toEqual([0, 0, 1]);
  });

  it('refuses a series whose value of a number column is not a number, and a category with too many levels', () => {
    const enc = fitStaticEncoding(['size'], [['1'], ['3']]);
    expect(thrown(() => encodeStatics(enc, ['big']), DataError).message).toMatch(/static column "size" holds numbers, but this series' value is "big"/);
    const ids = Array.from({ length: MAX_STATIC_LEVELS + 1 }, (_, i) => [`sku${i}`]);
    expect(thrown(() => fitStaticEncoding(['name'], ids), DataError).message).toMatch(/"name" has 65 distinct values over the series, more than 64/);
    expect(fitStaticEncoding(['name'], ids.slice(1)).columns[0]).toMatchObject({ kind: 'category' });
    // five columns of 60 levels: 300 inputs per step
    const wide = Array.from({ length: 60 }, (_, i) => Array.from({ length: 5 }, (_, j) => `v${i}-${j}`));
    const names = ['a', 'b', 'c', 'd', 'e'];
    expect(thrown(() => fitStaticEncoding(names, wide), DataError).message).toMatch(
      new RegExp(`encode as 300 inputs per step, more than ${MAX_STATIC_INPUTS}`),
    );
  });

  it('checks an encoding read from a run', () => {
    const enc = fitStaticEncoding(
      ['size', 'region'],
      [
        ['1', 'a'],
        ['2', 'b'],
      ],
    );
    expect(staticEncodingProblem(JSON.parse(JSON.stringify(enc)))).toBeNull();
    expect(staticEncodingProblem({ columns: [] })).toMatch(/at least one column/);
    expect(staticEncodingProblem({ columns: [{ name: 'x', kind: 'number', mean: 0, sd: 0 }] })).toMatch(/positive sd/);
    expect(staticEncodingProblem({ columns: [{ name: 'x', kind: 'category', levels: ['a', 'a'] }] })).toMatch(/distinct strings/);
    expect(staticEncodingProblem({ columns: [{ name: 'x', kind: 'date' }] })).toMatch(/number or category/);
    expect(staticEncodingProblem({ columns: [{ name: '', kind: 'number', mean: 0, sd: 1 }] })).toMatch(/column name/);
  });
});

describe('static inputs: windows', () => {
  it("appends a series' static inputs after each step's inputs", () => {
    // 2 windows of 2 steps and 1 input; statics [7, 8]
    const x = Float32Array.from([1, 2, 3, 4]);
    expect(Array.from(appendStatics(x, 2, 2, 1, [7, 8]))).toEqual([1, 7, 8, 2, 7, 8, 3, 7, 8, 4, 7, 8]);
    const w = withStatics(
      {
        x,
        y: Float32Array.from([5, 6]),
        xShape: [2, 2, 1],
        yShape: [2, 1],
        xVal: Float32Array.from([9, 10]),
        yVal: Float32Array.from([11]),
        nVal: 1,
        normScale: 2,
      },
      [7],
    );
    expect(w.xShape).toEqual([2, 2, 2]);
    expect(Array.from(w.x)).toEqual([1, 7, 2, 7, 3, 7, 4, 7]);
    expect(Array.from(w.xVal!)).toEqual([9, 7, 10, 7]);
    expect(Array.from(w.y)).toEqual([5, 6]);
    expect(w.normScale).toBe(2);
  });
});

describe('static inputs: config', () => {
  const data = { path: 'p.csv', target: 'units', id_column: 'sku' };
  it('reads data.static_columns (a name or a list) and --static-column, and renders them', () => {
    expect(resolveConfig({ data: { ...data, static_columns: 'region' } }).data.static_columns).toEqual(['region']);
    const c = resolveConfig({ data: { ...data, static_columns: ['region', 'size'] } });
    expect(c.data.static_columns).toEqual(['region', 'size']);
    expect(renderConfigYaml(c)).toMatch(/static_columns: \[ region, size \]/);
    expect(resolveConfig({ data }, { overrides: { staticColumns: ['size'] } }).data.static_columns).toEqual(['size']);
    // absent: none, and configs without them render as before
    expect(resolveConfig({ data }).data.static_columns).toBeUndefined();
    expect(renderConfigYaml(resolveConfig({ data }))).not.toMatch(/static_columns/);
  });

  it('refuses them without a long panel, twice, or naming a column another setting names', () => {
    const problems = (d: Record<string, unknown>) => thrown(() => resolveConfig({ data: d }), ConfigError).problems.join('\n');
    expect(problems({ path: 'p.csv', target: 'units', static_columns: ['region'] })).toMatch(/data.static_columns: needs a long panel \(data.id_column\)/);
    expect(problems({ path: 'p.csv', target: ['a', 'b'], static_columns: ['region'] })).toMatch(/needs a long panel/);
    expect(problems({ ...data, static_columns: ['region', 'region'] })).toMatch(/static_columns\[1\]: duplicate column "region"/);
    expect(problems({ ...data, static_columns: ['sku'] })).toMatch(/"sku" is also the key column/);
    expect(problems({ ...data, static_columns: ['units'] })).toMatch(/"units" is also the target or a feature/);
    expect(problems({ ...data, time_column: 'month', static_columns: ['month'] })).toMatch(/"month" is also the time column/);
  });
});
