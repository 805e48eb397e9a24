/**
 * Using a pretrained forecaster beside a fitted model: the choice on the validation rows and the
 * combination by hand, opening checks, and a fit that uses one (a stub network whose zero-shot
 * forecast is the last value, so every number can be computed beside it).
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/artifacts/run-dir.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { futureTimes, stepNumber, stepNumbers } from '../../src/data/time.js';
import { ConfigError } from '../../src/errors.js';
import { fitSeries } from '../../src/forecast/fit.js';
import { choosePretrainedUse, combineForecasts, openPretrained, type PretrainedModel, useText } from '../../src/forecast/pretrained.js';
import { HORIZON, pretrainedForecast } from '../../src/forecast/pretrained-windows.js';
import { monthlySeries, valuesOf } from '../series.js';

const f64 = (xs: number[]) => Float64Array.from(xs);
/** Equal but for the rounding of log and exp (the pretrained network's transforms and their inverse). */
function expectClose(got: Float64Array, want: Float64Array): void {
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 9));
}

describe('choosePretrainedUse', () => {
  it('keeps the model alone when it beats the mean on the validation rows, else takes the mean', () => {
    const actual = f64([10, 10]);
    // model off by +4, pretrained by -2: the mean is off by +1 -> MAE 4, 2, 1: the mean
    expect(choosePretrainedUse(actual, f64([14, 14]), f64([8, 8]))).toEqual({ use: 'mean', validation: { model: 4, pretrained: 2, mean: 1 } });
    // model off by 0 and +1, pretrained by +10: MAE 0.5, 10, 5.25: the model
    expect(choosePretrainedUse(actual, f64([10, 11]), f64([20, 20]))).toEqual({ use: 'model', validation: { model: 0.5, pretrained: 10, mean: 5.25 } });
  });

  it('takes the mean without validation rows, and on a tie', () => {
    expect(choosePretrainedUse(null, null, null)).toEqual({ use: 'mean', validation: null });
    expect(choosePretrainedUse(f64([1]), f64([1]), f64([1])).use).toBe('mean');
  });

  it('combines as chosen', () => {
    const own = f64([1, 2]),
      zero = f64([3, 6]);
    expect(Array.from(combineForecasts('model', own, zero))).toEqual([1, 2]);
    expect(Array.from(combineForecasts('mean', own, zero))).toEqual([2, 4]);
    // model.theta: the mean of the three
    expect(Array.from(combineForecasts('mean', own, zero, f64([5, 1])))).toEqual([3, 3]);
    expect(Array.from(combineForecasts('model', own, zero, f64([5, 1])))).toEqual([1, 2]);
    // model.holt joins either use: (1 + 7) / 2; (1 + 3 + 8) / 3; (1 + 3 + 5 + 11) / 4
    expect(Array.from(combineForecasts('model', own, zero, undefined, f64([7, 0])))).toEqual([4, 1]);
    expect(Array.from(combineForecasts('model', own, null, undefined, f64([7, 0])))).toEqual([4, 1]);
    expect(Array.from(combineForecasts('mean', own, zero, undefined, f64([8, 1])))).toEqual([4, 3]);
    expect(Array.from(combineForecasts('mean', own, zero, f64([5, 1]), f64([11, 3])))).toEqual([5, 3]);
  });

  it('names what a forecast is made of', () => {
    expect(useText('model')).toBe('the model alone');
    expect(useText('mean')).toBe('the mean of the model and the pretrained network');
    expect(useText('mean', true)).toBe('the mean of the model, the pretrained network and the Theta method');
    expect(useText('model', true, true)).toBe("the mean of the model and Holt's damped trend");
    expect(useText('mean', false, true)).toBe("the mean of the model, the pretrained network and Holt's damped trend");
  });

  it("with Holt's damped trend, chooses between the model's mean with it and the mean of all, and the model alone only on a long history", () => {
    const actual = f64([10, 10]);
    // model +4, pretrained -2, holt -4: the model's mean with holt (14 + 6) / 2 = 10 -> MAE 0; the mean of three 9.33 -> 0.67
    const c = choosePretrainedUse(actual, f64([14, 14]), f64([8, 8]), undefined, f64([6, 6]));
    expect(c).toMatchObject({ use: 'model', holt: true });
    expect(c.validation).toMatchObject({ model: 4, pretrained: 2, holt: 4, model_holt: 0 });
    expect(c.validation?.mean).toBeCloseTo(2 / 3, 12);
    // model +0.5, pretrained +3, holt -6: alone 0.5, model + holt 2.75, the mean of three 0.83
    const own = f64([10.5, 10.5]),
      zero = f64([13, 13]),
      holt = f64([4, 4]);
    expect(choosePretrainedUse(actual, own, zero, undefined, holt, false)).toMatchObject({ use: 'mean', holt: true });
    expect(choosePretrainedUse(actual, own, zero, undefined, holt, true)).toMatchObject({ use: 'model', holt: false });
    // the model alone must beat both means: +0.9 loses to the mean of three (+2 and -3 with it: 0.03)
    expect(choosePretrainedUse(actual, f64([10.9, 10.9]), f64([12, 12]), undefined, f64([7, 7]), true)).toMatchObject({ use: 'mean', holt: true });
    // without validation rows: the mean of all (the fit adds holt when model.holt is on)
    expect(choosePretrainedUse(null, null, null)).toEqual({ use: 'mean', validation: null });
  });

  it('with the Theta method, chooses between the model and the mean of the three', () => {
    const actual = f64([10, 10]);
    // model +4, pretrained -2, theta +1: the mean of the three is off by +1 -> MAE 4, 2, 1, 1: the mean
    expect(choosePretrainedUse(actual, f64([14, 14]), f64([8, 8]), f64([11, 11]))).toEqual({
      use: 'mean',
      validation: { model: 4, pretrained: 2, theta: 1, mean: 1 },
    });
    // model +0.5, pretrained +3, theta +6: mean +3.17 -> the model
    const c = choosePretrainedUse(actual, f64([10.5, 10.5]), f64([13, 13]), f64([16, 16]));
    expect(c.use).toBe('model');
    expect(c.validation?.mean).toBeCloseTo(19 / 6, 12);
  });
});

describe('openPretrained', () => {
  const files = (over: Partial<{ modelJson: string; weights: Uint8Array; manifest: object }> = {}) => {
    const modelJson = over.modelJson ?? '{}';
    const weights = over.weights ?? new Uint8Array(4);
    const manifest = over.manifest ?? {
      format: 'rnnfc-pretrained',
      format_version: 1,
      window: { lookback: 36, horizon: HORIZON, features: ['value', 'observed', 'phase'], min_observed: 3 },
      files: { 'model.json': sha256(modelJson), 'weights.bin': sha256(weights) },
    };
    return { modelJson, weights, manifestText: JSON.stringify(manifest) };
  };

  it('refuses files that do not match their checksums, other manifests and other windows', () => {
    const good = files();
    expect(() => openPretrained({ ...good, weights: new Uint8Array(5) }, 'x', 'dir')).toThrow(
      /dir\/weights\.bin does not match the checksum pretrained\.json records/,
    );
    expect(() => openPretrained({ ...good, manifestText: '{"format":"rnnfc-run"}' }, 'x', 'dir')).toThrow(/not a pretrained forecaster's manifest/);
    expect(() => openPretrained({ ...good, manifestText: 'nope' }, 'x', 'dir')).toThrow(ConfigError);
    const m = JSON.parse(good.manifestText);
    m.window.lookback = 24;
    expect(() => openPretrained({ ...good, manifestText: JSON.stringify(m) }, 'x', 'dir')).toThrow(/reads other windows/);
    // checksums right, but no model tfjs can read
    expect(() => openPretrained(good, 'x', 'dir')).toThrow(/dir\/model\.json cannot be opened/);
  });
});

describe('a fit with model.pretrained', () => {
  const series = monthlySeries({ value: valuesOf(60, (i) => 100 + 0.8 * i + 12 * Math.sin((2 * Math.PI * i) / 12)) });
  const cfg = (pretrained: string) =>
    resolveConfig(
      {
        data: { path: 'synthetic.csv', target: 'value' },
        window: { lookback: 12, horizon: 6 },
        model: { cell: 'lstm', layers: [{ units: 4 }], pretrained },
        training: { epochs: 2, batch_size: 16, seed: 3, validation_size: 6, early_stopping: false },
        // no season: the pretrained network's transforms (log, scale) give the last value back unchanged
        evaluation: { season: 1 },
        backend: 'cpu',
      },
      { file: '(test)' },
    );
  // a network that forecasts no change: its zero-shot forecast is the last value (the series has no
  // season for it, evaluation.season 1)
  const stub = { name: 'stub', predict: () => new Float32Array(HORIZON), manifest: { files: { 'weights.bin': 'x' } } } as unknown as PretrainedModel;
  const engine = async () => (await import('../../src/model/backend.js')).loadBackend('cpu');

  it('chooses on the validation rows and forecasts the test and the future as chosen', async () => {
    const own = await fitSeries(cfg('none'), series, { engine });
    const opened: string[] = [];
    const r = await fitSeries(cfg('stub-folder'), series, {
      engine,
      pretrained: (spec) => {
        opened.push(spec);
        return stub;
      },
    });
    expect(opened).toEqual(['stub-folder']);
    const y = series.columns.value;
    // validation rows 48..53, forecast from row 48: the pretrained forecast is y[47] throughout
    const zeroMae = y.subarray(48, 54).reduce((s, v) => s + Math.abs(v - y[47]), 0) / 6;
    expect(r.pretrained?.validation?.pretrained).toBeCloseTo(zeroMae, 9);
    const v = r.pretrained!.validation!;
    expect(r.pretrained!.use).toBe(v.model < v.mean ? 'model' : 'mean');
    // the mean's error is at most the mean of the two errors (|a + b| <= |a| + |b|, row by row)
    expect(v.mean).toBeLessThanOrEqual((v.model + v.pretrained) / 2 + 1e-12);
    expect(r.io.pretrained).toEqual({ use: r.pretrained!.use, season: 1 });
    // the test forecast from row 54 and the future from row 60, combined as chosen
    const testZero = new Float64Array(6).fill(y[53]);
    const futureZero = new Float64Array(6).fill(y[59]);
    const use = r.pretrained!.use;
    expectClose(r.test.forecast, combineForecasts(use, own.test.forecast, testZero));
    expectClose(r.future, combineForecasts(use, own.future, futureZero));
    // the model's own scores are those of the combination
    const mae = r.test.actual.reduce((s, a, i) => s + Math.abs(a - r.test.forecast[i]), 0) / 6;
    expect(r.metrics.model.mae).toBeCloseTo(mae, 9);
  });

  it('without validation rows takes the mean', async () => {
    const noVal = { ...cfg('stub'), training: { ...cfg('stub').training, validation_size: 0, early_stopping: null } };
    const own = await fitSeries({ ...noVal, model: { ...noVal.model, pretrained: 'none' } }, series, { engine });
    const r = await fitSeries(noVal, series, { engine, pretrained: () => stub });
    expect(r.pretrained).toMatchObject({ use: 'mean', validation: null });
    const y = series.columns.value;
    expectClose(
      r.future,
      own.future.map((v) => (v + y[59]) / 2),
    );
  });

  it('re-seasonalises the future zero-shot forecast at the future phases', async () => {
    const seasonal = {
      ...cfg('stub'),
      evaluation: { ...cfg('stub').evaluation, season: 12 },
      training: { ...cfg('stub').training, validation_size: 0, early_stopping: null },
    };
    const own = await fitSeries({ ...seasonal, model: { ...seasonal.model, pretrained: 'none' } }, series, { engine });
    const r = await fitSeries(seasonal, series, { engine, pretrained: () => stub });
    const y = series.columns.value;
    const steps = stepNumbers(series.index);
    const ahead = futureTimes(series.index, 6).map((t) => stepNumber(t, series.index.frequency));
    const zero = pretrainedForecast(stub.predict, y, 12, 6, { history: steps, forecast: ahead });
    expect(zero.every(Number.isFinite)).toBe(true);
    expect(r.pretrained?.use).toBe('mean');
    expectClose(
      r.future,
      own.future.map((v, i) => (v + zero[i]) / 2),
    );
  });

  it('refuses model.pretrained with inputs other than the target, and for one-to-one windows', () => {
    const two = monthlySeries({ value: series.columns.value, temp: valuesOf(60, (i) => i) });
    const c = resolveConfig(
      { data: { path: 'x.csv', target: 'value', features: ['value', 'temp'] }, window: { lookback: 12, horizon: 6 }, model: { pretrained: 'builtin' } },
      { file: '(test)' },
    );
    return Promise.all([
      expect(fitSeries(c, two, { engine, pretrained: () => stub })).rejects.toThrow(/model\.pretrained: the pretrained forecaster reads the target alone/),
      expect(() =>
        resolveConfig({ data: { path: 'x', target: 'v' }, window: { mode: 'one-to-one', lookback: 4, horizon: 2 }, model: { pretrained: 'builtin' } }),
      ).toThrow(/model\.pretrained.*applies only to mode many-to-one/),
    ]);
  });
});
