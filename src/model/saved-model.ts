import type { io } from '@tensorflow/tfjs-core';

/** model.json as serializeModel writes it: the standard tfjs layers-model format. */
export interface SavedModelJson {
  modelTopology: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
  trainingConfig?: io.TrainingConfig;
}

/** Parses model.json text; throws when it is not a layers model with a weights manifest. */
export function parseModelJson(text: string): SavedModelJson {
  const json = JSON.parse(text) as Partial<SavedModelJson>;
  if (!json || typeof json.modelTopology !== 'object' || json.modelTopology === null || !Array.isArray(json.weightsManifest))
    throw new Error('model.json is not a tfjs layers model (no modelTopology or weightsManifest)');
  return json as SavedModelJson;
}

/** Every weight entry in file order (weights.bin is their concatenation). */
export function weightSpecsOf(json: SavedModelJson): io.WeightsManifestEntry[] {
  return json.weightsManifest.flatMap((g) => g.weights);
}
