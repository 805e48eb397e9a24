/**
 * Using a pretrained forecaster beside a fitted model (model.pretrained): opening it from its files
 * (checked against their checksums; artifacts/pretrained-files.ts reads them), and the
 * choice per origin between the model's forecast alone and its mean with the pretrained network's
 * zero-shot forecast, by their errors on the validation rows before the origin.
 */
import { sha256 } from '../artifacts/run-dir.js';
import { ConfigError } from '../errors.js';
import { loadPlainModel } from '../model/plain.js';
import type { Predict } from '../model/predictor.js';
import type { PretrainManifest } from './pretrain.js';
import { FEATURES, HORIZON, LOOKBACK } from './pretrained-windows.js';

/** The file of a pretrained forecaster's folder that says how it was made (PretrainManifest). */
export const PRETRAINED_JSON = 'pretrained.json';

/** A pretrained forecaster, opened. */
export interface PretrainedModel {
  /** 'builtin' or the folder it was read from. */
  name: string;
  modelJson: string;
  weights: Uint8Array;
  /** pretrained.json as written. */
  manifestText: string;
  manifest: PretrainManifest;
  predict: Predict;
}

/**
 * Opens a pretrained forecaster from its files (model.json, weights.bin, pretrained.json):
 * checksums against pretrained.json, window shape against this rnnfc's. `where` names it in messages.
 */
export function openPretrained(files: { modelJson: string; weights: Uint8Array; manifestText: string }, name: string, where: string): PretrainedModel {
  let manifest: PretrainManifest;
  try {
    manifest = JSON.parse(files.manifestText) as PretrainManifest;
  } catch (e) {
    throw new ConfigError(`${where}/${PRETRAINED_JSON} is not valid JSON (${(e as Error).message})`);
  }
  if (manifest?.format !== 'rnnfc-pretrained' || manifest.format_version !== 1)
    throw new ConfigError(`${where}/${PRETRAINED_JSON} is not a pretrained forecaster's manifest (format rnnfc-pretrained, version 1)`);
  const w = manifest.window;
  if (w?.lookback !== LOOKBACK || w.horizon !== HORIZON || JSON.stringify(w.features) !== JSON.stringify(FEATURES))
    throw new ConfigError(
      `${where} reads other windows (${JSON.stringify(w)}) than this rnnfc's pretrained forecasters (lookback ${LOOKBACK}, horizon ${HORIZON})`,
    );
  for (const [file, bytes] of [
    ['model.json', files.modelJson],
    ['weights.bin', files.weights],
  ] as const)
    if (sha256(bytes) !== manifest.files?.[file])
      throw new ConfigError(
        `${where}/${file} does not match the checksum ${PRETRAINED_JSON} records`,
        [],
        'the files were changed or damaged: run rnnfc pretrain again',
      );
  let plain: ReturnType<typeof loadPlainModel>;
  try {
    plain = loadPlainModel(files.modelJson, files.weights);
  } catch (e) {
    throw new ConfigError(`${where}/model.json cannot be opened: ${(e as Error).message}`);
  }
  if (!('model' in plain)) throw new ConfigError(`${where}/model.json cannot be opened: ${plain.unsupported}`);
  return { name, ...files, manifest, predict: plain.model.predict };
}

/**
 * What a forecast is made of: the fitted model's alone, or the mean of the model's and the
 * pretrained network's zero-shot forecast. (The network alone was a third choice; on the TSDL
 * tuning part it measured worse than these two: 1.006 against 0.990, see forecast/defaults.ts.)
 */
export const PRETRAINED_USES = ['model', 'mean'] as const;
export type PretrainedUse = (typeof PRETRAINED_USES)[number];

/**
 * What a forecast was made of, in words (`theta`: the Theta method joins the mean, model.theta;
 * `holt`: Holt's damped trend joins either forecast, model.holt; `ets`: the automatic ETS joins
 * whatever was chosen, model.ets).
 */
export function useText(use: PretrainedUse, theta = false, holt = false, ets = false): string {
  const parts = [
    'the model',
    ...(use === 'mean' ? ['the pretrained network', ...(theta ? ['the Theta method'] : [])] : []),
    ...(holt ? ["Holt's damped trend"] : []),
    ...(ets ? ['the automatic ETS'] : []),
  ];
  if (parts.length === 1) return 'the model alone';
  return `the mean of ${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/**
 * The forecast `use` makes of the model's (`own`) and the pretrained network's (`zero`): the
 * model's alone, or the mean of the two, or of the three with the Theta method's (`theta`,
 * model.theta); Holt's damped trend (`holt`, model.holt) joins either.
 */
export function combineForecasts(use: PretrainedUse, own: Float64Array, zero: Float64Array | null, theta?: Float64Array, holt?: Float64Array): Float64Array {
  return meanOfParts(combinedParts(use, own, zero, theta, holt));
}

/** The forecasts combineForecasts averages, the model's first. */
export function combinedParts(use: PretrainedUse, own: Float64Array, zero: Float64Array | null, theta?: Float64Array, holt?: Float64Array): Float64Array[] {
  return [own, ...(use === 'mean' && zero ? [zero, ...(theta ? [theta] : [])] : []), ...(holt ? [holt] : [])];
}

/** The mean of forecasts, element by element (the first itself when it is alone). */
export function meanOfParts(parts: Float64Array[]): Float64Array {
  const own = parts[0];
  if (parts.length === 1) return own;
  // summed in this order, so that a mean of two is (own + zero) / 2 as it always was
  return own.map((v, i) => {
    let s = v;
    for (let p = 1; p < parts.length; p++) s += parts[p][i];
    return s / parts.length;
  });
}

/**
 * The choice and what it was made from: mean absolute errors on the validation rows of the model,
 * the pretrained network, the mean, and with model.holt Holt's damped trend and the model's mean
 * with it (null without validation rows). `holt` (with model.holt): whether Holt's damped trend
 * joins the forecast (false: the model alone was chosen).
 */
export interface PretrainedChoice {
  use: PretrainedUse;
  holt?: boolean;
  validation: { model: number; pretrained: number; theta?: number; holt?: number; model_holt?: number; mean: number } | null;
}

/**
 * The model alone when it forecasts the validation rows (`actual`, forecast from before them by the
 * model, the pretrained network and, with model.theta, the Theta method) with a lower mean absolute
 * error than the mean; otherwise, and without validation rows, the mean.
 *
 * With model.holt, Holt's damped trend (`holt`) joins both: the choice is between the model's mean
 * with it and the mean of them all, and the model alone is a third choice only where `aloneAllowed`
 * (a history long enough for one validation window to tell: MODEL_ALONE_MIN_ROWS), chosen when its
 * error is below both.
 */
export function choosePretrainedUse(
  actual: Float64Array | null,
  own: Float64Array | null,
  zero: Float64Array | null,
  theta?: Float64Array,
  holt?: Float64Array,
  aloneAllowed = false,
): PretrainedChoice {
  if (!actual || !own || !zero || actual.length === 0) return { use: 'mean', validation: null };
  const mae = (f: Float64Array) => actual.reduce((s, v, i) => s + Math.abs(v - f[i]), 0) / actual.length;
  const validation = {
    model: mae(own),
    pretrained: mae(zero),
    ...(theta ? { theta: mae(theta) } : {}),
    ...(holt ? { holt: mae(holt), model_holt: mae(combineForecasts('model', own, zero, theta, holt)) } : {}),
    mean: mae(combineForecasts('mean', own, zero, theta, holt)),
  };
  if (validation.model_holt === undefined) return { use: validation.model < validation.mean ? 'model' : 'mean', validation };
  if (aloneAllowed && validation.model < Math.min(validation.model_holt, validation.mean)) return { use: 'model', holt: false, validation };
  return { use: validation.model_holt < validation.mean ? 'model' : 'mean', holt: true, validation };
}

/**
 * The rows before the validation rows a history needs for the model alone to be chosen over its
 * means with Holt's damped trend (model.holt). On shorter histories one validation window picks the
 * model alone where the means would have done better: choosing it at any length took the TSDL
 * tuning part's short pieces from 1.007 to 1.035 against Comb (`bench/accuracy.js`), from 120 rows
 * on it leaves them at 1.007 and still keeps long series' own models (the six shipped series 0.844
 * without the choice, 0.832 with it). See CONFIGLESS_HOLT in forecast/defaults.ts.
 */
export const MODEL_ALONE_MIN_ROWS = 120;
