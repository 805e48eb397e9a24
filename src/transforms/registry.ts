import { deseasonalizeTransform } from './deseasonalize.js';
import { differenceTransform } from './difference.js';
import { logTransform } from './log.js';
import { scaleTransform } from './scale.js';
import type { Transform } from './transform.js';

/**
 * Every transform, in the order messages list them. A new transform is a file implementing
 * Transform (see transform.ts) and one entry here; config resolution and rendering, the Pipeline
 * and reports find it through this list.
 */
export const TRANSFORMS = [logTransform, differenceTransform, scaleTransform, deseasonalizeTransform] as const;

type SpecOf<T> = T extends Transform<infer S, infer _P> ? S : never;

/** A transform step as configs resolve to it and pipelines save it: {kind, ...the kind's fields}. */
export type TransformSpec = SpecOf<(typeof TRANSFORMS)[number]>;

/** The names configs may use, in order. */
export const TRANSFORM_NAMES: readonly string[] = TRANSFORMS.map((t) => t.kind);

/** The transform named `name` in a config or saved spec, if there is one. */
export function transformNamed(name: string): Transform<TransformSpec, unknown> | undefined {
  return TRANSFORMS.find((t) => t.kind === name) as Transform<TransformSpec, unknown> | undefined;
}

/** The transform of a spec. */
export function transformOf<S extends TransformSpec>(spec: S): Transform<S, unknown> {
  const t = transformNamed(spec.kind);
  if (!t) throw new Error(`unknown transform ${JSON.stringify(spec.kind)}`);
  return t as unknown as Transform<S, unknown>;
}
