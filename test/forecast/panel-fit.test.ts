import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import type { Config } from '../../src/config/types.js';
import type { PanelMember } from '../../src/data/panel.js';
import { InterruptError } from '../../src/errors.js';
import { settingsFor } from '../../src/forecast/defaults.js';
import { prepareFit } from '../../src/forecast/fit.js';
import { fitPanel, memberConfig, poolWindows, seriesStopPoint, thinWindows } from '../../src/forecast/panel-fit.js';
import { monthlySeries, valuesOf } from '../series.js';

const wave = (n: number, level: number, phase = 0) => valuesOf(n, (i) => level * (1 + 0.002 * i + 0.1 * Math.sin((2 * Math.PI * (i + phase)) / 12)));
const member = (key: string, values: Float64Array): PanelMember => ({ key: [key], series: monthlySeries({ value: values }) });

const config = (over: Record<string, unknown> = {}): Config =>
  resolveConfig(
    {
      data: { path: 'panel.csv', target: 'value', id_column: 'id' },
      transforms: ['log', { scale: 'standard' }],
      window: { lookback: 12, horizon: 6, normalize: 'last' },
      model: { cell: 'lstm', layers: [{ units: 4 }], linear: true, ridge: 0.01 },
      training: { epochs: 3, batch_size: 16, seed: 3, validation_size: 6, early_stopping: false, threads: 1 },
      backend: 'cpu',
      ...over,
    },
    { file: '(test)' },
  );

const asIs = (c: Config) => c;

describe('poolWindows', () => {
  it('puts the series windows one after another, training and validation apart', () => {
    const cfg = config();
    const a = prepareFit(cfg, monthlySeries({ value: wave(60, 100) })).windows;
    const b = prepareFit(cfg, monthlySeries({ value: wave(48, 5) })).windows;
    const p = poolWindows([a, b]);
    expect(p.xShape).toEqual([a.xShape[0] + b.xShape[0], 12, 1]);
    expect(p.yShape).toEqual([a.yShape[0] + b.yShape[0], 6]);
    expect(Array.from(p.x.subarray(0, a.x.length))).toEqual(Array.from(a.x));
    expect(Array.from(p.x.subarray(a.x.length))).toEqual(Array.from(b.x));
    expect(p.nVal).toBe((a.nVal ?? 0) + (b.nVal ?? 0));
    expect(Array.from(p.yVal!.subarray(a.yVal!.length))).toEqual(Array.from(b.yVal!));
  });
});

describe('thinWindows', () => {
  it('keeps that many windows evenly spaced, the most recent among them, and the validation windows', () => {
    // 10 windows of one step and one feature, window i holding i
    const w = {
      x: Float32Array.from({ length: 10 }, (_, i) => i),
      y: Float32Array.from({ length: 20 }, (_, i) => Math.floor(i / 2)),
      xShape: [10, 1, 1],
      yShape: [10, 2],
      nVal: 1,
      xVal: new Float32Array([99]),
      yVal: new Float32Array([99, 99]),
    };
    const t = thinWindows(w, 4);
    // from = 9 - floor((3 - i) * 10 / 4): 2, 4, 7, 9
    expect(Array.from(t.x)).toEqual([2, 4, 7, 9]);
    expect(Array.from(t.y)).toEqual([2, 2, 4, 4, 7, 7, 9, 9]);
    expect(t.xShape).toEqual([4, 1, 1]);
    expect(t.yShape).toEqual([4, 2]);
    expect(t.xVal).toBe(w.xVal);
    expect(thinWindows(w, 10)).toBe(w);
  });
});

describe('fitPanel', () => {
  it('global: one network shared by every series, each with its own transforms, so a series 1000 times larger gets a forecast 1000 times larger', async () => {
    const a = wave(72, 2);
    const big = a.map((v) => 1000 * v);
    const r = await fitPanel(config(), [member('a', a), member('big', big), member('c', wave(72, 50, 3))], { scope: 'global', settings: asIs });
    expect(r.failed).toEqual([]);
    expect(r.shared).toHaveLength(1);
    expect(r.fits.map((f) => f.key)).toEqual([['a'], ['big'], ['c']]);
    for (const f of r.fits) expect(f.result.models).toBe(r.shared);
    const [fa, fbig] = r.fits.map((f) => f.result);
    // log then standard scaling makes the two series identical to the model: forecasts scale exactly
    for (let i = 0; i < 6; i++) {
      expect(fbig.future[i] / fa.future[i]).toBeCloseTo(1000, 6);
      expect(fbig.test.forecast[i] / fa.test.forecast[i]).toBeCloseTo(1000, 6);
    }
    // the scale-free scores agree too
    expect(fbig.metrics.model.mase).toBeCloseTo(fa.metrics.model.mase, 6);
  });

  it('local: one model per series, each as fitSeries would fit it alone', async () => {
    const r = await fitPanel(config(), [member('a', wave(72, 2)), member('b', wave(60, 9))], { scope: 'local', settings: asIs });
    expect(r.shared).toEqual([]);
    expect(r.fits[0].result.models).not.toBe(r.fits[1].result.models);
    const { fitSeries } = await import('../../src/forecast/fit.js');
    const alone = await fitSeries(config(), monthlySeries({ value: wave(60, 9) }), {});
    expect(Array.from(r.fits[1].result.future)).toEqual(Array.from(alone.future));
  });

  it('skips a series that cannot be fitted, saying why, and fits the others', async () => {
    const events: string[] = [];
    const r = await fitPanel(config(), [member('a', wave(72, 2)), member('short', wave(20, 2)), member('c', wave(72, 4))], {
      scope: 'global',
      settings: asIs,
      onSeries: (e) => events.push(`${e.done}/${e.count} ${e.key[0]}${e.error ? ' failed' : ''}`),
    });
    expect(r.fits.map((f) => f.key[0])).toEqual(['a', 'c']);
    expect(r.failed).toEqual([{ key: ['short'], reason: expect.stringMatching(/not enough data to train: 20 rows/) }]);
    expect(events).toEqual(['1/3 short failed', '2/3 a', '3/3 c']);
  });

  it('global: a series whose config-less settings need other windows is skipped as too short for the shared ones', async () => {
    const cfg = config({ transforms: [] });
    // config-less settings: a 10-row series gets one-step windows (strategy recursive), unlike the others
    const settings = (c: Config, s: PanelMember['series']) => settingsFor(c, s, { configless: true, lookback: 12, pretrained: 'none' });
    // 'a-tiny' comes first in key order: the shape is the one most series have, not the first one's
    const r = await fitPanel(cfg, [member('a-tiny', wave(10, 2)), member('b', wave(72, 2)), member('c', wave(72, 3))], {
      scope: 'global',
      settings,
      configless: true,
    });
    expect(r.fits.map((f) => f.key[0])).toEqual(['b', 'c']);
    expect(r.failed[0].key).toEqual(['a-tiny']);
    expect(r.failed[0].reason).toMatch(/too short for the global model's windows \(lookback 12, direct horizon 6\)/);
  });

  it("uses a wide panel member's column as its target", () => {
    const cfg = config();
    const m: PanelMember = { key: ['b'], series: { ...monthlySeries({ b: wave(60, 2) }) } };
    expect(memberConfig(cfg, m).data).toMatchObject({ target: 'b', features: ['b'] });
  });
});

describe('a stop signal while a panel is fitted', () => {
  it.each(['global', 'local'] as const)(
    '%s: a signal delivered by the event loop (as SIGTERM is) stops it between series with InterruptError',
    async (scope) => {
      const members = Array.from({ length: 40 }, (_, i) => member(`s${i}`, wave(48, 10 + i, i)));
      const ac = new AbortController();
      let seen = 0;
      const run = fitPanel(config({ training: { epochs: 1, batch_size: 16, seed: 3, validation_size: 6, early_stopping: false, threads: 1 } }), members, {
        scope,
        settings: asIs,
        signal: ac.signal,
        // the abort comes as a macrotask, as a signal handler's does: only a turn of the event loop lets it in.
        // Each series is made to take 4 ms, so that turns come whatever the machine's speed (a global
        // model's evaluation of one short series can take well under a millisecond)
        onSeries: () => {
          const until = performance.now() + 4;
          while (performance.now() < until);
          if (++seen === 3) setTimeout(() => ac.abort(), 0);
        },
      });
      await expect(run).rejects.toBeInstanceOf(InterruptError);
      // it stopped well before the last series (a turn comes every 20 ms of series work)
      expect(seen).toBeGreaterThanOrEqual(3);
      expect(seen).toBeLessThan(40);
    },
  );

  it('seriesStopPoint turns the loop only every 20 ms, and throws once aborted', async () => {
    const ac = new AbortController();
    const stop = seriesStopPoint(ac.signal);
    await stop();
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    // no 20 ms have passed: no turn of the event loop
    await stop();
    expect(turned).toBe(false);
    await new Promise((r) => setTimeout(r, 25));
    turned = false;
    setImmediate(() => {
      turned = true;
    });
    await stop();
    expect(turned).toBe(true);
    ac.abort();
    await expect(stop()).rejects.toBeInstanceOf(InterruptError);
  });
});
