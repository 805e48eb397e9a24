/**
 * forecast/ets.ts: the recursion against hand-computed values, the least-squares initial states
 * recovering a noiseless model's own, the models tried by length, sign and horizon, and the
 * automatic choice forecasting series whose future is known.
 */
import { describe, expect, it } from 'vitest';
import {
  autoEts,
  ETS_WINDOW,
  type EtsModel,
  etsCandidates,
  etsChosen,
  etsForecast,
  etsForecaster,
  etsForecastFrom,
  etsForecastWith,
  etsParameterCount,
  etsPass,
  fitEts,
  leastSquaresInitial,
} from '../../src/forecast/ets.js';
import { classicalIndices } from '../../src/forecast/theta.js';

const ANN: EtsModel = { error: 'A', trend: 'N', season: 'N' };

describe('forecast/ets.ts', () => {
  it('runs the recursion as written: simple exponential smoothing by hand', () => {
    // alpha 0.5 from level 10: fitted 10, then l = 0.5 y + 0.5 l
    const { fitted, final } = etsPass([12, 8, 11], 1, ANN, { alpha: 0.5, beta: 0, gamma: 0, phi: 1 }, { level: 10, trend: 0, season: [] });
    expect(Array.from(fitted)).toEqual([10, 11, 9.5]);
    expect(final.level).toBe(10.25);
    expect(Array.from(etsForecastFrom({ model: ANN, params: { alpha: 0.5, beta: 0, gamma: 0, phi: 1 }, final }, 1, 2))).toEqual([10.25, 10.25]);
  });

  it('runs a damped additive trend and an additive season by hand, and forecasts them', () => {
    const model: EtsModel = { error: 'A', trend: 'Ad', season: 'A' };
    const p = { alpha: 0.5, beta: 0.5, gamma: 0.5, phi: 0.5 };
    // l0 10, b0 2, seasons [1, -1]: f1 = 10 + 1 + 1 = 12 (y 13); l1 = 0.5 (13 - 1) + 0.5 * 11 = 11.5,
    // b1 = 0.5 (11.5 - 10) + 0.5 * 0.5 * 2 = 1.25, s0 = 0.5 (13 - 11) + 0.5 * 1 = 1.5
    const { fitted, final } = etsPass([13], 2, model, p, { level: 10, trend: 2, season: [1, -1] });
    expect(Array.from(fitted)).toEqual([12]);
    expect(final.level).toBe(11.5);
    expect(final.trend).toBe(1.25);
    expect(final.season).toEqual([1.5, -1]);
    // h = 1: 11.5 + 0.5 * 1.25 + s1 (-1); h = 2: 11.5 + 0.75 * 1.25 + s0 (1.5)
    expect(Array.from(etsForecastFrom({ model, params: p, final }, 2, 2))).toEqual([11.5 + 0.625 - 1, 11.5 + 0.9375 + 1.5]);
  });

  it('finds a noiseless series initial states by least squares, given its parameters', () => {
    const model: EtsModel = { error: 'A', trend: 'A', season: 'A' };
    const p = { alpha: 0.3, beta: 0.1, gamma: 0.2, phi: 1 };
    const initial = { level: 50, trend: 1.5, season: [4, -2, 1, -3] };
    // a series the model itself makes: each value its one-step forecast plus a small known shock
    const y: number[] = [];
    let state = { level: initial.level, trend: initial.trend, season: initial.season.slice(), n: 0 };
    for (let t = 0; t < 24; t++) {
      const f = etsForecastFrom({ model, params: p, final: state }, 4, 1)[0];
      const v = f + Math.sin(t * 1.3);
      y.push(v);
      state = etsPass(y, 4, model, p, initial).final;
    }
    const got = leastSquaresInitial(y, 4, model, p);
    // the shocks are the errors of the true initial states; least squares can only do as well or better
    const sse = (init: typeof initial) => etsPass(y, 4, model, p, init).fitted.reduce((s, f, t) => s + (y[t] - f) ** 2, 0);
    expect(sse(got)).toBeLessThanOrEqual(sse(initial) + 1e-9);
    expect(got.season.reduce((a, v) => a + v, 0)).toBeCloseTo(0, 9);
    // and each coordinate moved either way makes the errors larger
    for (const dl of [-0.01, 0.01]) expect(sse({ ...got, level: got.level + dl })).toBeGreaterThan(sse(got));
    for (const db of [-0.01, 0.01]) expect(sse({ ...got, trend: got.trend + db })).toBeGreaterThan(sse(got));
    // without shocks it is the true one
    const clean: number[] = [];
    for (let t = 0; t < 24; t++) {
      clean.push(etsForecastFrom({ model, params: p, final: etsPass(clean, 4, model, p, initial).final }, 4, 1)[0]);
    }
    const exact = leastSquaresInitial(clean, 4, model, p);
    expect(exact.level).toBeCloseTo(50, 6);
    expect(exact.trend).toBeCloseTo(1.5, 6);
    exact.season.forEach((v, j) => expect(v).toBeCloseTo(initial.season[j], 6));
  });

  it('tries the models the series allows: sign, length, period and horizon', () => {
    const names = (ms: EtsModel[]) => ms.map((x) => `${x.error}${x.trend}${x.season}`).sort();
    // positive, long, seasonal, short horizon: the 15 models without an additive error and a multiplicative season
    expect(names(etsCandidates(60, 4, true, 8))).toEqual(
      ['AAA', 'AAN', 'AAdA', 'AAdN', 'ANA', 'ANN', 'MAA', 'MAM', 'MAN', 'MAdA', 'MAdM', 'MAdN', 'MNA', 'MNM', 'MNN'].sort(),
    );
    // not positive: additive errors and seasons only
    expect(names(etsCandidates(60, 4, false, 8)).every((n) => n.startsWith('A') && !n.endsWith('M'))).toBe(true);
    // a horizon over DAMPED_ONLY_ABOVE: no undamped trend
    expect(names(etsCandidates(60, 12, true, 18)).some((n) => n.slice(1, -1) === 'A')).toBe(false);
    // too short for a season (fewer than 2m + 2 values), and for models with more than n - 5 parameters and states
    expect(names(etsCandidates(20, 12, true, 6)).every((n) => n.endsWith('N'))).toBe(true);
    for (const x of etsCandidates(9, 1, true, 6)) expect(etsParameterCount(x, 1) - 1 + 4).toBeLessThan(9);
    expect(names(etsCandidates(7, 1, true, 6))).toEqual(['ANN', 'MNN']);
    // a period beyond MAX_SEASON (half-hourly data's week): seasonless models only
    expect(names(etsCandidates(4000, 336, true, 48)).every((n) => n.endsWith('N'))).toBe(true);
    expect(names(etsCandidates(4000, 24, true, 48)).some((n) => n.endsWith('A'))).toBe(true);
  });

  it('forecasts a noisy line with a trend and a seasonal pattern with its season', () => {
    const line = Array.from({ length: 40 }, (_, t) => 20 + 2 * t + 0.3 * Math.sin(t * 2.1));
    const a = autoEts(line, 1, 6);
    expect(a.fit?.model.trend).not.toBe('N');
    a.forecast.forEach((f, h) => expect(Math.abs(f - (20 + 2 * (40 + h)))).toBeLessThan(2.5));
    const pattern = [10, 14, 8, 12];
    const seasonal = Array.from({ length: 48 }, (_, t) => 100 + pattern[t % 4] + 0.2 * Math.cos(t * 1.7));
    const s = autoEts(seasonal, 4, 8);
    expect(s.fit?.model.season).not.toBe('N');
    s.forecast.forEach((f, h) => expect(Math.abs(f - (100 + pattern[(48 + h) % 4]))).toBeLessThan(1));
  });

  it('scores a fit by AICc from its likelihood: n log(SSE) (+ 2 sum log f for M errors) + 2k + 2k(k+1)/(n-k-1)', () => {
    const y = Array.from({ length: 30 }, (_, t) => 50 + 0.5 * t + 3 * Math.sin(t * 0.9));
    for (const model of [ANN, { error: 'M', trend: 'Ad', season: 'N' } as EtsModel]) {
      const fit = fitEts(y, 1, model)!;
      const { fitted } = etsPass(y, 1, model, fit.params, fit.initial);
      let sse = 0;
      let logs = 0;
      fitted.forEach((f, t) => {
        const e = model.error === 'M' ? (y[t] - f) / f : y[t] - f;
        sse += e * e;
        if (model.error === 'M') logs += Math.log(f);
      });
      const k = etsParameterCount(model, 1);
      expect(k).toBe(model.trend === 'Ad' ? 6 : 3);
      expect(fit.aicc).toBeCloseTo(30 * Math.log(sse) + 2 * logs + 2 * k + (2 * k * (k + 1)) / (30 - k - 1), 8);
    }
  });

  it('gives the same bits run after run, and falls back on short series', () => {
    const y = Array.from({ length: 30 }, (_, t) => 5 + Math.sin(t) + 0.1 * t);
    expect(Array.from(autoEts(y, 1, 4).forecast)).toEqual(Array.from(autoEts(y, 1, 4).forecast));
    // 2 values: the last repeated; 4 values: simple exponential smoothing
    expect(Array.from(autoEts([3, 4], 1, 2).forecast)).toEqual([4, 4]);
    const four = autoEts([3, 4, 5, 4], 1, 2);
    expect(four.fit?.model).toEqual(ANN);
    expect(fitEts([3, 4, 5, 4], 1, ANN)?.aicc).toBe(four.fit?.aicc);
  });

  it('takes a season longer than MAX_SEASON out by classical indices and puts it back into the forecast', () => {
    // period 48, positive: multiplicative indices; 5 periods of a daily-like shape on a slow trend
    const m = 48;
    const shape = (t: number) => 1 + 0.3 * Math.sin((2 * Math.PI * (t % m)) / m) + 0.1 * Math.cos((6 * Math.PI * (t % m)) / m);
    const y = Array.from({ length: 5 * m }, (_, t) => (200 + 0.1 * t) * shape(t) + 0.5 * Math.sin(t * 2.3));
    const r = autoEts(y, m, m);
    const index = classicalIndices(y, m, true);
    expect(Array.from(r.index!)).toEqual(Array.from(index));
    // the seasonless choice on the adjusted series, times the index of each step's phase
    const adjusted = y.map((v, t) => v / index[t % m]);
    const plain = autoEts(adjusted, 1, m);
    expect(r.fit).toEqual(plain.fit);
    expect(Array.from(r.forecast)).toEqual(Array.from(plain.forecast, (f, h) => f * index[(y.length + h) % m]));
    // and it forecasts the season: within 2% of the noiseless continuation at every step
    r.forecast.forEach((f, h) => {
      const t = y.length + h;
      expect(Math.abs(f / ((200 + 0.1 * t) * shape(t)) - 1)).toBeLessThan(0.02);
    });
    // a series with a negative value: additive indices
    const shifted = y.map((v) => v - 300);
    const a = autoEts(shifted, m, 4);
    const ai = classicalIndices(shifted, m, false);
    expect(Array.from(a.index!)).toEqual(Array.from(ai));
    const ap = autoEts(
      shifted.map((v, t) => v - ai[t % m]),
      1,
      4,
    );
    expect(Array.from(a.forecast)).toEqual(Array.from(ap.forecast, (f, h) => f + ai[(shifted.length + h) % m]));
  });

  it('etsForecast reads the last ETS_WINDOW values only', () => {
    const y = Array.from({ length: ETS_WINDOW + 200 }, (_, t) => 40 + 0.05 * t + Math.sin(t * 0.7));
    expect(Array.from(etsForecast(y, 1, 5))).toEqual(Array.from(autoEts(y.slice(200), 1, 5).forecast));
    expect(Array.from(etsForecast(y.slice(0, 100), 1, 5))).toEqual(Array.from(autoEts(y.slice(0, 100), 1, 5).forecast));
  });

  it('etsForecaster chooses at the first origin and every `every` calls, and between refits only the initial states', () => {
    const m = 4;
    const pattern = [3, -2, 1, -2];
    const y = Array.from({ length: 80 }, (_, t) => 30 + 0.2 * t + pattern[t % m] + Math.sin(t * 1.9));
    const at = etsForecaster(m, 3);
    // the first origin: the automatic choice itself
    const first = autoEts(y.slice(0, 40), m, 6);
    expect(Array.from(at(y.slice(0, 40), 6))).toEqual(Array.from(first.forecast));
    // the next two: that model and its parameters, initial states by least squares from the rows given
    const fit = first.fit!;
    expect(fit.model.season).toBe('A');
    for (const end of [41, 45]) {
      const rows = y.slice(0, end);
      const initial = leastSquaresInitial(rows, m, fit.model, fit.params);
      const expected = etsForecastFrom({ ...fit, final: etsPass(rows, m, fit.model, fit.params, initial).final }, m, 6);
      expect(Array.from(at(rows, 6))).toEqual(Array.from(expected));
    }
    // the fourth call chooses again; an origin before the last does too
    expect(Array.from(at(y.slice(0, 50), 6))).toEqual(Array.from(autoEts(y.slice(0, 50), m, 6).forecast));
    expect(Array.from(at(y.slice(0, 44), 6))).toEqual(Array.from(autoEts(y.slice(0, 44), m, 6).forecast));
  });

  it("etsForecaster keeps a multiplicative season's fitted initial states, its pass starting where the fit's rows did", () => {
    const m = 4;
    const pattern = [1.3, 0.8, 1.1, 0.8];
    const y = Array.from({ length: 64 }, (_, t) => (50 + t) * pattern[t % m] * (1 + 0.02 * Math.sin(t * 2.1)));
    const first = autoEts(y.slice(0, 48), m, 4);
    const fit = first.fit!;
    const at = etsForecaster(m);
    expect(Array.from(at(y.slice(0, 48), 4))).toEqual(Array.from(first.forecast));
    if (fit.model.season !== 'M') throw new Error(`the test series should choose a multiplicative season, chose ${JSON.stringify(fit.model)}`);
    const rows = y.slice(0, 56);
    const expected = etsForecastFrom({ ...fit, final: etsPass(rows, m, fit.model, fit.params, fit.initial).final }, m, 4);
    expect(Array.from(at(rows, 4))).toEqual(Array.from(expected));
  });

  it("etsForecastWith forecasts a chosen model from other rows: from the same rows, etsChosen's forecast to the bit", () => {
    const pattern = [3, -2, 1, -2];
    const y = Array.from({ length: 70 }, (_, t) => 30 + 0.2 * t + pattern[t % 4] + Math.sin(t * 1.9));
    const chosen = etsChosen(y.slice(0, 60), 4, 6);
    expect(chosen.choice).toEqual({ model: chosen.fit!.model, params: chosen.fit!.params });
    expect(chosen.choice!.model.season).toBe('A');
    expect(Array.from(etsForecastWith(chosen.choice!, y.slice(0, 60), 4, 6)!)).toEqual(Array.from(chosen.forecast));
    // through JSON, as pipeline.json keeps it
    const kept = JSON.parse(JSON.stringify(chosen.choice));
    expect(Array.from(etsForecastWith(kept, y.slice(0, 60), 4, 6)!)).toEqual(Array.from(chosen.forecast));
    // from more rows: the same model and parameters, the initial states by least squares over them
    const { model, params } = chosen.choice!;
    const rows = y.slice(0, 70);
    const final = etsPass(rows, 4, model, params, leastSquaresInitial(rows, 4, model, params)).final;
    expect(Array.from(etsForecastWith(kept, rows, 4, 6)!)).toEqual(Array.from(etsForecastFrom({ model, params, final }, 4, 6)));
    // a long season: taken out again
    const m = 30;
    const long = Array.from({ length: 4 * m }, (_, t) => 50 + 10 * Math.sin((2 * Math.PI * t) / m) + Math.cos(t * 2.3));
    const lc = etsChosen(long, m, 5);
    expect(lc.choice?.adjusted).toBe(true);
    expect(Array.from(etsForecastWith(lc.choice!, long, m, 5)!)).toEqual(Array.from(lc.forecast));
    // a multiplicative season's initial states were searched: no forecast without them
    expect(etsForecastWith({ model: { error: 'M', trend: 'N', season: 'M' }, params }, rows, 4, 6)).toBeNull();
  });
});
