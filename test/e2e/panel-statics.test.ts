/**
 * Static per-series inputs of a global model end to end: a panel whose series rise or fall by a
 * step per row, told apart only by a static column (windows of one row, each relative to its last
 * value, look alike). With the column the global model forecasts each series' direction; without
 * it, it cannot. predict repeats train's forecasts and encodes a new series' static value as the
 * run did; bad static columns are refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePanelFile } from '../../src/artifacts/panel-format.js';
import { ArtifactError } from '../../src/errors.js';
import { thrown } from '../thrown.js';
import { rnnfc, scratch } from './helpers.js';
import { expectRefused } from './refusal.js';

/** Rows id,t,y,grp: series i rises by one a row (grp up) or falls by one (grp down), with a little seeded noise. */
function panel(ids: string[], rowsPer: number): string {
  let s = 7;
  const noise = () => {
    s = (s * 16807) % 2147483647;
    return (s / 2147483647 - 0.5) * 0.2;
  };
  const lines = ['id,t,y,grp'];
  ids.forEach((id, i) => {
    const up = i % 2 === 0;
    for (let t = 0; t < rowsPer; t++) lines.push(`${id},${t},${((up ? 50 + t : 100 - t) + noise()).toFixed(4)},${up ? 'up' : 'down'}`);
  });
  return lines.join('\n') + '\n';
}

const CONFIG = (statics: string) => `data: {path: p.csv, time_column: t, target: y, id_column: id${statics}}
transforms: []
window: {lookback: 1, horizon: 1, normalize: last}
model: {cell: lstm, layers: [{units: 4}], linear: true, ridge: 0.000001, scope: global}
training: {epochs: 3, batch_size: 32, early_stopping: false, threads: 1}
evaluation: {test_size: 8, rolling: true}
`;

let dir: string;
const mae = (run: string) => JSON.parse(readFileSync(join(dir, run, 'metrics.json'), 'utf8')).pooled.model.mae as number;
beforeAll(() => {
  dir = scratch();
  writeFileSync(join(dir, 'p.csv'), panel(['s0', 's1', 's2', 's3', 's4', 's5'], 40));
  writeFileSync(join(dir, 'with.yaml'), CONFIG(', static_columns: [grp]'));
  writeFileSync(join(dir, 'without.yaml'), CONFIG(''));
  for (const [cfg, out] of [
    ['with.yaml', 'w'],
    ['without.yaml', 'wo'],
  ]) {
    const r = rnnfc(dir, ['train', '-c', cfg, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(join(dir, `${out}.json`), r.stdout);
  }
});

describe('a global panel with a static column', () => {
  it('tells the rising series from the falling ones: test MAE near the noise with the column, near the step without it', () => {
    // one-step changes are +-1 and the noise is uniform in +-0.1: a forecast that knows the
    // direction errs by about the noise, one that does not by about the step
    expect(mae('w')).toBeLessThan(0.3);
    expect(mae('wo')).toBeGreaterThan(0.8);
  });

  it('records the encoding in panel.json and the summary, and the --json output validates against its schema', () => {
    const p = JSON.parse(readFileSync(join(dir, 'w', 'panel.json'), 'utf8'));
    expect(p.statics).toEqual({ columns: [{ name: 'grp', kind: 'category', levels: ['down', 'up'] }] });
    // s0 rises (up: [0, 1]), s1 falls (down: [1, 0])
    const lines = readFileSync(join(dir, 'w', 'series.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].pipeline.io.statics).toEqual([0, 1]);
    expect(lines[1].pipeline.io.statics).toEqual([1, 0]);
    const out = JSON.parse(readFileSync(join(dir, 'w.json'), 'utf8'));
    expect(out.statics).toEqual([{ name: 'grp', kind: 'category', levels: ['down', 'up'] }]);
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    const validate = ajv.compile(JSON.parse(readFileSync('schemas/train.schema.json', 'utf8')));
    expect(validate(out), JSON.stringify(validate.errors)).toBe(true);
    const text = rnnfc(dir, ['train', '-c', 'with.yaml', '--out', 'w2', '--quiet']);
    expect(text.code, text.stderr).toBe(0);
    const check = rnnfc(dir, ['check', '-c', 'with.yaml']);
    expect(check.stdout).toMatch(/static inputs of a global model: grp \(2 levels: down, up\)/);
  });

  it("a run's panel.json and series.jsonl are refused when a series' static inputs do not match the encoding", () => {
    const text = readFileSync(join(dir, 'w', 'panel.json'), 'utf8');
    const lines = readFileSync(join(dir, 'w', 'series.jsonl'));
    const parse = (panel: string, series: Uint8Array) => parsePanelFile(panel, series, 'panel.json', 'series.jsonl');
    expect(parse(text, lines).keys).toHaveLength(6);
    const first = JSON.parse(lines.toString('utf8').split('\n')[0]);
    first.pipeline.io.statics = [1];
    const edited = Buffer.from([JSON.stringify(first), ...lines.toString('utf8').split('\n').slice(1)].join('\n'));
    expect(thrown(() => parse(text, edited), ArtifactError).message).toMatch(
      /series\.jsonl does not match[\s\S]*line 1 pipeline\.io\.statics: must be 2 numbers/,
    );
    const p = JSON.parse(text);
    p.statics = { columns: [{ name: 'grp', kind: 'category', levels: [] }] };
    expect(thrown(() => parse(JSON.stringify(p), lines), ArtifactError).message).toMatch(/statics: columns\[0\]\.levels must be 1 to 64/);
    delete p.statics;
    expect(thrown(() => parse(JSON.stringify(p), lines), ArtifactError).message).toMatch(/line 1 pipeline\.io\.statics: must be absent without statics/);
  });

  it('series.jsonl is refused cut short, with a line more or less than panel.json counts, and a panel of the earlier format', () => {
    const text = readFileSync(join(dir, 'w', 'panel.json'), 'utf8');
    const lines = readFileSync(join(dir, 'w', 'series.jsonl'));
    const parse = (panel: string, series: Uint8Array) => parsePanelFile(panel, series, 'panel.json', 'series.jsonl');
    expect(thrown(() => parse(text, lines.subarray(0, lines.length - 1)), ArtifactError).message).toMatch(/series\.jsonl does not end in a newline/);
    const fewer = lines.subarray(0, lines.indexOf(10) + 1);
    expect(thrown(() => parse(text, fewer), ArtifactError).message).toMatch(/series\.jsonl has 1 lines, but panel\.json says series_count 6/);
    const p = JSON.parse(text);
    expect(thrown(() => parse(JSON.stringify({ ...p, format_version: 1 }), lines), ArtifactError).message).toMatch(
      /panel format 1, from an earlier rnnfc.*retrain/,
    );
    // each line parses again, to the same entry, when asked for
    const parsed = parse(text, lines);
    expect(parsed.entry(5).entry).toEqual(JSON.parse(lines.toString('utf8').split('\n')[5]));
    expect(parsed.keys[5]).toEqual(parsed.entry(5).entry.key);
  });

  it("predict repeats train's future forecasts, and forecasts a new series by its static value", () => {
    const r = rnnfc(dir, ['predict', '-m', 'w', '-o', 'f.csv', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const predicted = readFileSync(join(dir, 'f.csv'), 'utf8').trim().split('\n').slice(1);
    // forecast.csv's future rows as predict writes them: key, time, forecast and the intervals
    const future = readFileSync(join(dir, 'w', 'forecast.csv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','))
      .filter((c) => c[2] === 'future')
      .map((c) => [c[0], c[1], ...c.slice(4)].join(','));
    expect(future).toHaveLength(6);
    expect(predicted).toEqual(future);
    // two new series, steps of 2: one falling ("down"), one rising ("up"); their last values 142 and 258
    const extra = Array.from({ length: 30 }, (_, t) => [`new-down,${t},${200 - 2 * t},down`, `new-up,${t},${200 + 2 * t},up`]).flat();
    writeFileSync(join(dir, 'p2.csv'), readFileSync(join(dir, 'p.csv'), 'utf8') + extra.join('\n') + '\n');
    const z = rnnfc(dir, ['predict', '-m', 'w', '--data', 'p2.csv', '--id', 'new-down', '--id', 'new-up', '--json']);
    expect(z.code, z.stderr).toBe(0);
    const f = Object.fromEntries(
      JSON.parse(z.stdout).series.map((s: { key: string[]; forecast: { forecast: number }[] }) => [s.key[0], s.forecast[0].forecast]),
    );
    expect(Math.abs(f['new-down'] - 140)).toBeLessThan(0.5);
    expect(Math.abs(f['new-up'] - 260)).toBeLessThan(0.5);
  });

  it('refuses a static value that changes within a series, an unknown column and a key column, writing nothing', () => {
    writeFileSync(join(dir, 'bad.csv'), readFileSync(join(dir, 'p.csv'), 'utf8').replace(/^(s0,4,[^,]+),up$/m, '$1,down'));
    expectRefused(
      dir,
      ['train', '-c', 'with.yaml', '--data', 'bad.csv', '--out', 'b'],
      /bad.csv:\d+ \(series "s0"\): static column "grp" is "down" here but "up" on line 2/,
    );
    expectRefused(dir, ['train', '-c', 'with.yaml', '--static-column', 'colour', '--out', 'b'], /no static column "colour"/);
    expectRefused(dir, ['check', '-c', 'with.yaml', '--static-column', 'id'], /data.static_columns\[0\]: "id" is also the key column/);
    // a column with a value per series (65 levels): refused by check and by train, local or global
    const ids = Array.from({ length: 65 }, (_, i) => `s${i}`);
    writeFileSync(join(dir, 'many.csv'), panel(ids, 12).replace(/^(s\d+),(.*),(up|down)$/gm, '$1,$2,g-$1'));
    for (const scope of ['local', 'global'])
      for (const cmd of ['train', 'check'])
        expectRefused(
          dir,
          [cmd, '-c', 'with.yaml', '--data', 'many.csv', '--scope', scope, ...(cmd === 'train' ? ['--out', 'm'] : [])],
          /"grp" has 65 distinct values/,
        );
  });
});
