/**
 * Panels end to end: train (local and global) on a long-format CSV of several series, predict
 * every series or those asked for, per-series failures (exit 4, the others written) and the bad
 * inputs of a panel (exit 2, nothing written).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { holtForecast } from '../../src/forecast/holt.js';
import { expectForecastOfParts, rnnfc, seriesEntries } from './helpers.js';
import { expectRefused } from './refusal.js';

/** Monthly rows `id,month,value` of a series of n rows starting in `start` (YYYY, MM). */
function rows(id: string, year: number, month: number, n: number, level: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const m = month - 1 + i;
    const value = level * (1 + 0.01 * i + 0.15 * Math.sin((2 * Math.PI * m) / 12));
    return `${id},${year + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')},${value.toFixed(3)}`;
  });
}
const csv = (lines: string[]) => ['id,month,value', ...lines].join('\n') + '\n';

const FLAGS = ['--id-column', 'id', '--time-column', 'month', '--target', 'value', '--horizon', '3', '--epochs', '2', '--threads', '1'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnnfc-panel-'));
  // three series with different starts, ends and levels; rows interleaved (sorted by month, then id)
  const all = [...rows('north', 2000, 1, 48, 100), ...rows('south', 2001, 4, 40, 5), ...rows('west', 2000, 7, 36, 2000)];
  all.sort((a, b) => a.split(',')[1].localeCompare(b.split(',')[1]) || a.localeCompare(b));
  writeFileSync(join(dir, 'panel.csv'), csv(all));
  writeFileSync(
    join(dir, 'one.csv'),
    csv(rows('a', 2000, 1, 30, 10))
      .replace(/^a,/gm, '')
      .replace('id,month', 'month'),
  );
  writeFileSync(join(dir, 'two.csv'), csv([...rows('north', 2000, 1, 48, 100), ...rows('west', 2000, 7, 36, 2000)]));
});

/** forecast.csv's future rows as predict prints them: key,time,forecast. */
function futureRows(run: string): string[] {
  return readFileSync(join(dir, run, 'forecast.csv'), 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l.split(',')[2] === 'future')
    .map((l) => {
      // key, time, forecast and the intervals: the columns predict writes
      const c = l.split(',');
      return [c[0], c[1], ...c.slice(4)].join(',');
    });
}

describe.each(['local', 'global'])('a %s panel run', (scope) => {
  const run = `run-${scope}`;
  beforeAll(() => {
    const r = rnnfc(dir, ['train', '--data', 'panel.csv', ...FLAGS, '--scope', scope, '--out', run, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ run, scope, series: 3, failed: [] });
    // pooled scores: seasonal naive relative to itself is 1 by definition
    expect(out.pooled.seasonal_naive.rel_mase).toBe(1);
    expect(out.pooled.model.series).toBe(3);
  });

  it('holds every series: panel.json, forecast.csv with the key column, per-series and pooled metrics', () => {
    const panel = JSON.parse(readFileSync(join(dir, run, 'panel.json'), 'utf8'));
    expect(panel.scope).toBe(scope);
    expect(panel.id_columns).toEqual(['id']);
    expect(panel.series_count).toBe(3);
    const entries = seriesEntries(join(dir, run));
    expect(entries.map((s: { key: string[] }) => s.key)).toEqual([['north'], ['south'], ['west']]);
    expect(entries.map((s: { rows: number }) => s.rows)).toEqual([48, 40, 36]);
    const lines = readFileSync(join(dir, run, 'forecast.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('id,month,part,actual,forecast,lower_80,upper_80,lower_95,upper_95');
    // each series: 3 test rows (its last 3 months) and 3 future ones
    expect(lines.filter((l) => l.startsWith('south,')).map((l) => l.split(',').slice(1, 3).join(' '))).toEqual([
      '2004-05 test',
      '2004-06 test',
      '2004-07 test',
      '2004-08 future',
      '2004-09 future',
      '2004-10 future',
    ]);
    const metrics = JSON.parse(readFileSync(join(dir, run, 'metrics.json'), 'utf8'));
    expect(metrics.series_count).toBe(3);
    expect(metrics.series.map((s: { key: string[]; origin: string }) => `${s.key[0]} ${s.origin}`)).toEqual(['north 2003-10', 'south 2004-05', 'west 2003-04']);
    const mase = metrics.series.map((s: { methods: { model: { mase: number } } }) => s.methods.model.mase);
    expect(metrics.pooled.model.mase).toBeCloseTo(mase.reduce((a: number, b: number) => a + b, 0) / 3, 3);
    // coverage step by step ahead: each series' over its 3 test rows, and the panel's over them all
    for (const level of ['80', '95']) {
      const each = metrics.series.map((s: { coverage_by_step: { model: Record<string, number[]> } }) => s.coverage_by_step.model[level]);
      for (const c of each) expect(c.every((v: number) => v === 0 || v === 100)).toBe(true);
      expect(metrics.coverage_by_step.model[level]).toEqual([0, 1, 2].map((k) => Number(((each[0][k] + each[1][k] + each[2][k]) / 3).toPrecision(10))));
    }
    const models = readFileSync(join(dir, run, 'manifest.json'), 'utf8');
    if (scope === 'global') expect(models).toMatch(/"model\.json"/);
    else for (const i of [0, 1, 2]) expect(models).toMatch(new RegExp(`"s${i}-model\\.json"`));
    // config-less, each series' forecast also holds Holt's damped trend, and the pretrained
    // forecaster where its validation rows chose it; the run then holds one copy of the network
    const ios = entries.map((s: { pipeline: { io: { holt?: unknown; pretrained?: { use: string } } } }) => s.pipeline.io);
    for (const io of ios) expect(io.holt).toEqual({ season: 12 });
    expect(ios.some((io: { pretrained?: unknown }) => io.pretrained)).toBe(true);
    expect(existsSync(join(dir, run, 'pretrained-weights.bin'))).toBe(true);
    // the gradient flow: the global network's once for the panel (and gradient-flow.csv), each local model's in its series' entry
    const verdicts = ['healthy', 'vanishing', 'exploding'];
    const perSeries = metrics.series.map((s: { gradient_flow?: { verdict: string } }) => s.gradient_flow?.verdict);
    if (scope === 'global') {
      expect(verdicts).toContain(metrics.gradient_flow.verdict);
      expect(perSeries).toEqual([undefined, undefined, undefined]);
      expect(readFileSync(join(dir, run, 'gradient-flow.csv'), 'utf8').split('\n')[0]).toBe('epoch,layer,t,grad_h_norm');
    } else {
      expect(metrics.gradient_flow).toBeUndefined();
      // (a series whose network did not train, for want of validation rows, has none)
      const trained = perSeries.filter((v: string | undefined) => v !== undefined);
      expect(trained.length).toBeGreaterThan(0);
      for (const v of trained) expect(verdicts).toContain(v);
    }
  });

  it("predict repeats train's future forecast of every series, and of those --id names", () => {
    const all = rnnfc(dir, ['predict', '-m', run, '-o', '-']);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toBe('id,month,forecast,lower_80,upper_80,lower_95,upper_95');
    expect(lines.slice(1)).toEqual(futureRows(run));
    const one = rnnfc(dir, ['predict', '-m', run, '--id', 'west', '--json']);
    expect(one.code, one.stderr).toBe(0);
    const json = JSON.parse(one.stdout);
    expect(json.series.map((s: { key: string[] }) => s.key)).toEqual([['west']]);
    expect(
      json.series[0].forecast.map((f: Record<string, string | number>) =>
        ['west', f.time, f.forecast, f.lower_80, f.upper_80, f.lower_95, f.upper_95].join(','),
      ),
    ).toEqual(futureRows(run).filter((l) => l.startsWith('west,')));
    expect(json.failed).toEqual([]);
  });

  it('forecasts the series it can and lists the others with exit 4: an unknown id, a series missing from the data', () => {
    const r = rnnfc(dir, ['predict', '-m', run, '--id', 'south', '--id', 'east', '--id', 'north', '-o', 'f.csv']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/1 of 3 series could not be forecast \(the others were written\):\n {2}"east": not in the run/);
    expect(readFileSync(join(dir, 'f.csv'), 'utf8').trim().split('\n').slice(1)).toEqual(futureRows(run).filter((l) => !l.startsWith('west,')));
    const missing = rnnfc(dir, ['predict', '-m', run, '--data', 'two.csv', '--json']);
    expect(missing.code).toBe(4);
    expect(JSON.parse(missing.stdout).failed).toEqual([{ key: ['south'], reason: 'no rows in two.csv' }]);
  });
});

describe('a global run forecasting a series it was not fitted on', () => {
  it('sizes its intervals from the run’s forecasts of the series’ own earlier rows, nested about the forecast', () => {
    writeFileSync(join(dir, 'with-east.csv'), csv([...rows('north', 2000, 1, 48, 100), ...rows('east', 2000, 1, 40, 30)]));
    const r = rnnfc(dir, ['predict', '-m', 'run-global', '--data', 'with-east.csv', '--id', 'east', '--levels', '50,90', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.series.map((s: { key: string[] }) => s.key)).toEqual([['east']]);
    const steps = out.series[0].forecast as Record<string, number>[];
    expect(steps).toHaveLength(3);
    for (const f of steps) {
      expect(f.lower_90).toBeLessThanOrEqual(f.lower_50);
      expect(f.lower_50).toBeLessThan(f.forecast);
      expect(f.upper_50).toBeGreaterThan(f.forecast);
      expect(f.upper_90).toBeGreaterThanOrEqual(f.upper_50);
    }
    // a series it was fitted on keeps the intervals train sized
    const north = rnnfc(dir, ['predict', '-m', 'run-global', '--data', 'with-east.csv', '--id', 'north']);
    expect(north.stdout.trim().split('\n').slice(1)).toEqual(futureRows('run-global').filter((l) => l.startsWith('north,')));
  });
});

describe('backtest on a panel', () => {
  it('local: each series is scored as a backtest of that series alone would score it; pooled over the series', () => {
    writeFileSync(join(dir, 'south.csv'), ['month,value', ...rows('south', 2001, 4, 40, 5).map((l) => l.slice('south,'.length))].join('\n') + '\n');
    const args = ['--time-column', 'month', '--target', 'value', '--horizon', '3', '--epochs', '2', '--threads', '1', '--origins', '2', '--json'];
    const panel = rnnfc(dir, ['backtest', '--data', 'panel.csv', '--id-column', 'id', '--scope', 'local', ...args]);
    expect(panel.code, panel.stderr).toBe(0);
    const p = JSON.parse(panel.stdout);
    expect(p).toMatchObject({ scope: 'local', horizon: 3, step: 2, origins: 2, failed: [] });
    expect(p.series.map((s: { key: string[] }) => s.key)).toEqual([['north'], ['south'], ['west']]);
    // a local panel's series get the config-less defaults a single series gets (the pretrained
    // forecaster and Holt's damped trend beside the model, chosen on the series' validation rows, and
    // below 120 rows the automatic ETS)
    const alone = rnnfc(dir, ['backtest', '--data', 'south.csv', ...args]);
    expect(alone.code, alone.stderr).toBe(0);
    const a = JSON.parse(alone.stdout);
    expect(a.origins.every((o: { holt?: boolean; ets?: boolean }) => o.holt && o.ets)).toBe(true);
    // each origin's forecast is the mean of the parts that joined it; Holt's part is Holt's damped
    // trend of the rows before the origin, and the local panel's series has the same parts
    const southY = readFileSync(join(dir, 'south.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[1]));
    for (const [k, o] of a.origins.entries()) {
      expect(Object.keys(o.parts).sort()).toEqual(['ets', 'holt', 'model', 'pretrained']);
      expectForecastOfParts(o);
      expect(o.parts.holt).toEqual(Array.from(holtForecast(southY.slice(0, o.train_end), 12, 3)));
      // the panel's origin says what it was made of, as the series' own backtest does
      expect(p.series[1].origins[k]).toEqual(o);
    }
    const south = p.series[1];
    expect(south.origins.map((o: { origin: string }) => o.origin)).toEqual(a.origins.map((o: { origin: string }) => o.origin));
    expect(south.origins.map((o: { forecast: number[] }) => o.forecast)).toEqual(a.origins.map((o: { forecast: number[] }) => o.forecast));
    expect(south.mean.model.mase).toBeCloseTo(a.mean.model.mase, 10);
    const mases = p.series.map((s: { mean: { model: { mase: number } } }) => s.mean.model.mase);
    expect(p.pooled.model.mase).toBeCloseTo(mases.reduce((x: number, y: number) => x + y, 0) / 3, 6);
    const rel = p.series.map((s: { mean: Record<string, { mase: number }> }) => Math.log(s.mean.model.mase / s.mean.seasonal_naive.mase));
    expect(p.pooled.model.rel_mase).toBeCloseTo(Math.exp(rel.reduce((x: number, y: number) => x + y, 0) / 3), 6);
    // coverage step by step ahead, pooled over the series and origins
    const origins = p.series.flatMap((s: { origins: unknown[] }) => s.origins) as { actual: number[]; intervals: Record<string, number[]> }[];
    expect(origins).toHaveLength(6);
    const want = [0, 1, 2].map(
      (k) => (100 * origins.filter((o) => o.actual[k] >= o.intervals.lower_95[k] && o.actual[k] <= o.intervals.upper_95[k]).length) / 6,
    );
    expect(p.coverage_by_step.model['95']).toEqual(want);
  });

  it('global: one network per origin; series too short for an origin are listed', () => {
    const r = rnnfc(dir, ['backtest', '--data', 'panel.csv', ...FLAGS, '--scope', 'global', '--origins', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.scope).toBe('global');
    expect(p.series).toHaveLength(3);
    for (const s of p.series) expect(s.origins).toHaveLength(2);
    expect(p.pooled.seasonal_naive.rel_mase).toBe(1);
  });
});

describe('the config-less choice of scope', () => {
  it('without --scope, train fits both scopes on the rows before the test origin and keeps the one that scores better', () => {
    const r = rnnfc(dir, ['train', '--data', 'panel.csv', ...FLAGS, '--out', 'chosen', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const { local, global } = out.scope_choice;
    expect(local).toBeGreaterThan(0);
    expect(global).toBeGreaterThan(0);
    expect(out.scope).toBe(global < local && out.scope_choice.global_skips === 0 ? 'global' : 'local');
    expect(out.scope_choice.scope).toBe(out.scope);
    const panel = JSON.parse(readFileSync(join(dir, 'chosen', 'panel.json'), 'utf8'));
    expect(panel.scope).toBe(out.scope);
    expect(panel.scope_choice).toEqual(out.scope_choice);
    expect(readFileSync(join(dir, 'chosen', 'config.yaml'), 'utf8')).toMatch(new RegExp(`scope: ${out.scope}`));
  });

  it('backtest chooses at each origin from the rows before it', () => {
    const r = rnnfc(dir, ['backtest', '--data', 'panel.csv', ...FLAGS, '--origins', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.scopes).toHaveLength(2);
    for (const c of out.scopes) expect(c.scope).toBe(c.global < c.local && c.global_skips === 0 ? 'global' : 'local');
  });
});

describe('shards', () => {
  const files = (run: string) => readdirSync(join(dir, run)).filter((f) => f !== 'metadata.json' && f !== 'manifest.json');
  it('train --shard i/3 three times, then merge: the same run as training unsharded, byte for byte', () => {
    const full = rnnfc(dir, ['train', '--data', 'panel.csv', ...FLAGS, '--scope', 'local', '--out', 'unsharded', '--quiet']);
    expect(full.code, full.stderr).toBe(0);
    const sizes: number[] = [];
    for (const i of [0, 1, 2]) {
      const r = rnnfc(dir, ['train', '--data', 'panel.csv', ...FLAGS, '--shard', `${i}/3`, '--out', `shard-${i}`, '--json']);
      expect(r.code, r.stderr).toBe(0);
      sizes.push(JSON.parse(r.stdout).series);
      // a shard holds the series whose key hashes to it (src/panel/shard.ts)
      expect(JSON.parse(readFileSync(join(dir, `shard-${i}`, 'panel.json'), 'utf8')).shard).toEqual({ index: i, count: 3 });
    }
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(3);
    const m = rnnfc(dir, ['merge', 'shard-2', 'shard-0', 'shard-1', '--out', 'merged']);
    expect(m.code, m.stderr).toBe(0);
    expect(files('merged')).toEqual(files('unsharded'));
    for (const f of files('unsharded')) expect(readFileSync(join(dir, 'merged', f)).equals(readFileSync(join(dir, 'unsharded', f))), f).toBe(true);
    const p = rnnfc(dir, ['predict', '-m', 'merged', '-o', '-']);
    expect(p.stdout).toBe(rnnfc(dir, ['predict', '-m', 'unsharded', '-o', '-']).stdout);
  });

  it('predict --shard i/n: the shards partition the forecasts', () => {
    const all = rnnfc(dir, ['predict', '-m', 'unsharded', '-o', '-']).stdout.trim().split('\n');
    const parts = [0, 1].flatMap((i) =>
      rnnfc(dir, ['predict', '-m', 'unsharded', '--shard', `${i}/2`, '-o', '-'])
        .stdout.trim()
        .split('\n')
        .slice(1),
    );
    expect(parts.sort()).toEqual(all.slice(1).sort());
  });

  it('merge refuses a missing or repeated shard, shards of another config or data, and a run that is no shard', () => {
    expectRefused(dir, ['merge', 'shard-0', 'shard-1', '--out', 'never'], /shard 2 of 3 missing; give every shard run/);
    expectRefused(dir, ['merge', 'shard-0', 'shard-0', 'shard-1', '--out', 'never'], /shard-0 and shard-0 are both shard 0 of 3/);
    expectRefused(dir, ['merge', 'unsharded', '--out', 'never'], /unsharded is not a shard run/);
    const other = rnnfc(dir, ['train', '--data', 'panel.csv', ...FLAGS, '--epochs', '3', '--shard', '1/3', '--out', 'other-config', '--quiet']);
    expect(other.code, other.stderr).toBe(0);
    expectRefused(
      dir,
      ['merge', 'shard-0', 'other-config', 'shard-2', '--out', 'never'],
      /other-config and shard-0 are shards of different runs: their config\.yaml differ/,
    );
    writeFileSync(join(dir, 'panel-more.csv'), readFileSync(join(dir, 'panel.csv'), 'utf8') + 'north,2004-01,300\n');
    const data = rnnfc(dir, ['train', '--data', 'panel-more.csv', ...FLAGS, '--shard', '1/3', '--out', 'other-data', '--quiet']);
    expect(data.code, data.stderr).toBe(0);
    expectRefused(
      dir,
      ['merge', 'shard-0', 'other-data', 'shard-2', '--out', 'never'],
      /shards of different runs: (they were trained on different data|their config\.yaml differ)/,
    );
  });

  it('--shard needs a panel, and a global model trains unsharded', () => {
    expectRefused(
      dir,
      ['train', '--data', 'one.csv', '--time-column', 'month', '--target', 'value', '--shard', '0/2', '--out', 'never'],
      /--shard splits the series of a panel/,
    );
    expectRefused(
      dir,
      ['train', '--data', 'panel.csv', ...FLAGS, '--scope', 'global', '--shard', '0/2', '--out', 'never'],
      /a global model trains on every series at once/,
    );
    expectRefused(dir, ['train', '--data', 'panel.csv', ...FLAGS, '--shard', '2/2', '--out', 'never'], /--shard/);
  });
});

describe('plots of a panel run', () => {
  const read = (path: string) => readFileSync(join(dir, path), 'utf8');
  it('plot.svg draws the best, median and worst series by relative MASE (keys in the titles), scores.svg their distribution; both in the manifest', () => {
    const metrics = JSON.parse(read('unsharded/metrics.json'));
    const ranked = metrics.series
      .map((s: { key: string[]; methods: Record<string, { mase: number }> }) => ({ key: s.key[0], rel: s.methods.model.mase / s.methods.seasonal_naive.mase }))
      .sort((a: { rel: number }, b: { rel: number }) => a.rel - b.rel);
    const plot = read('unsharded/plot.svg');
    expect(plot).toMatch(/^<svg/);
    ['best', 'median', 'worst'].forEach((rank, i) => {
      expect(plot).toContain(`${rank}: ${ranked[i].key} (MASE ${Number(ranked[i].rel.toPrecision(4))} × seasonal naive`);
    });
    const scores = read('unsharded/scores.svg');
    expect(scores).toContain('relative MASE of 3 series');
    expect(scores).toContain('1: seasonal naive');
    expect(scores).toContain(`geometric mean ${Number(metrics.pooled.model.rel_mase.toPrecision(4))}`);
    const manifest = JSON.parse(read('unsharded/manifest.json'));
    expect(Object.keys(manifest.files)).toEqual(expect.arrayContaining(['plot.svg', 'scores.svg']));
  });

  it("a global run draws its network's gradient flow, which rnnfc inspect reads as a single run's; a local panel is refused", () => {
    const svg = read('run-global/gradient-flow.svg');
    expect(svg).toMatch(/^<svg/);
    const metrics = JSON.parse(read('run-global/metrics.json'));
    expect(svg).toContain(`value (global model of 3 series): gradient flow (${metrics.gradient_flow.verdict})`);
    expect(existsSync(join(dir, 'run-local', 'gradient-flow.svg'))).toBe(false);
    const r = rnnfc(dir, ['inspect', 'run-global', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.gradient_flow).toEqual(metrics.gradient_flow);
    expect(out.epochs_run).toBe(JSON.parse(read('run-global/metadata.json')).epochs_run);
    // the last epoch's norm of dL/dh_t at each step of the window, per recurrent layer, as gradient-flow.csv holds it
    const last = read('run-global/gradient-flow.csv')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .filter((c) => c[0] === String(out.epochs_run));
    const layer = last[0][1];
    expect(out.steps[layer]).toEqual(last.filter((c) => c[1] === layer).map((c) => Number(c[3])));
    expectRefused(dir, ['inspect', 'run-local'], /run-local is a panel of local models: each series' gradient-flow verdict is in its entry of metrics\.json/);
  });

  it('merge redraws them for the whole panel from the data; without the data, plot.svg has no history and merge says so', () => {
    for (const f of ['plot.svg', 'scores.svg']) expect(read(`merged/${f}`)).toBe(read(`unsharded/${f}`));
    // each shard drew its own series only
    expect(read('shard-0/scores.svg')).not.toBe(read('unsharded/scores.svg'));
    renameSync(join(dir, 'panel.csv'), join(dir, 'panel.away'));
    let m: ReturnType<typeof rnnfc>;
    try {
      m = rnnfc(dir, ['merge', 'shard-0', 'shard-1', 'shard-2', '--out', 'merged-nodata']);
    } finally {
      renameSync(join(dir, 'panel.away'), join(dir, 'panel.csv'));
    }
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toMatch(/^note: plot\.svg shows no history: cannot read \S*panel\.csv: no such file\n$/);
    expect(read('merged-nodata/forecast.csv')).toBe(read('unsharded/forecast.csv'));
    expect(read('merged-nodata/scores.svg')).toBe(read('unsharded/scores.svg'));
    const plot = read('merged-nodata/plot.svg');
    expect(plot).not.toBe(read('unsharded/plot.svg'));
    expect(plot).toContain(read('unsharded/plot.svg').match(/best: [^<]*/)![0]);
  });

  it('output.plot false: neither file, in train nor in merge', () => {
    writeFileSync(
      join(dir, 'noplot.yaml'),
      'data: {path: panel.csv, id_column: id, time_column: month, target: value}\nwindow: {lookback: 6, horizon: 3}\ntraining: {epochs: 1, threads: 1}\noutput: {plot: false}\n',
    );
    for (const i of [0, 1]) {
      const r = rnnfc(dir, ['train', '-c', 'noplot.yaml', '--shard', `${i}/2`, '--out', `noplot-${i}`, '--quiet']);
      expect(r.code, r.stderr).toBe(0);
    }
    const m = rnnfc(dir, ['merge', 'noplot-0', 'noplot-1', '--out', 'noplot']);
    expect(m.code, m.stderr).toBe(0);
    for (const run of ['noplot-0', 'noplot']) for (const f of ['plot.svg', 'scores.svg']) expect(existsSync(join(dir, run, f)), `${run}/${f}`).toBe(false);
  });
});

describe('bad panels', () => {
  const bad = (name: string, lines: string[]) => {
    writeFileSync(join(dir, name), csv(lines));
    return name;
  };
  const good = () => [...rows('a', 2000, 1, 30, 10), ...rows('b', 2000, 1, 30, 20)];
  it.each([
    ['a duplicate (key, time)', () => bad('dup.csv', [...good(), 'b,2000-05,1']), /dup\.csv \(series "b"\): duplicate timestamp 2000-05 at lines 36 and 62/],
    ['an empty key', () => bad('empty.csv', [...good(), ',2003-01,4']), /empty\.csv:62: key column "id" is empty/],
    [
      'a series with no values',
      () => bad('novalue.csv', [...good(), 'c,2000-01,', 'c,2000-02,NA']),
      /novalue\.csv \(series "c"\): column "value" has no numeric values/,
    ],
    [
      'mixed frequencies',
      () => bad('mixed.csv', [...good(), 'c,2000-01,1', 'c,2000-03,2', 'c,2000-05,3', 'c,2000-07,4']),
      /mixed\.csv \(series "c"\): frequency 2 months, but most series of the panel are month/,
    ],
  ])('%s: exit 2 naming the series and rows, nothing written', (_, make, message) => {
    expectRefused(dir, ['train', '--data', make(), ...FLAGS, '--out', 'never'], message);
  });

  it('--id on a single-series run, and an --id of the wrong shape', () => {
    const r = rnnfc(dir, ['train', '--data', 'one.csv', '--time-column', 'month', '--target', 'value', '--horizon', '3', '--epochs', '1', '--out', 'single']);
    expect(r.code, r.stderr).toBe(0);
    expectRefused(dir, ['predict', '-m', 'single', '--id', 'a'], /--id selects series of a panel run, and single holds one series/);
    expectRefused(dir, ['predict', '-m', 'run-local', '--id', 'a / b'], /--id "a \/ b": the run's keys have 1 part \(id\), joined by ' \/ '/);
  });

  it('a tampered series.jsonl (series out of key order, re-hashed) is refused naming the file and line', () => {
    const run = join(dir, 'run-global');
    const text = readFileSync(join(run, 'series.jsonl'), 'utf8').trim().split('\n').reverse().join('\n') + '\n';
    const copy = join(dir, 'tampered');
    rnnfc(dir, ['train', '--data', 'panel.csv', ...FLAGS, '--scope', 'global', '--out', 'tampered', '--quiet']);
    const manifest = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8'));
    manifest.files['series.jsonl'] = { sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text) };
    writeFileSync(join(copy, 'series.jsonl'), text);
    writeFileSync(join(copy, 'manifest.json'), JSON.stringify(manifest));
    expectRefused(dir, ['predict', '-m', 'tampered'], /tampered\/series\.jsonl does not match the run format:\n {2}line 2 key: is out of order/);
  });
});
