import type { Checker, Path } from '../config/checker.js';

/** A step's fitted state: one entry per column. */
export type ColumnStates<P> = Record<string, P>;

/**
 * One kind of transform. Its spec is what a config entry resolves to and what a saved pipeline
 * stores ({kind, ...its own fields}); a stateful kind fits a state per column on the training
 * rows. Config resolution and rendering, the Pipeline and reports use a transform only through
 * these members; registry.ts lists the transforms.
 */
export interface Transform<S extends { kind: string }, P = never> {
  /** The name in configs and the `kind` of saved specs. */
  readonly kind: S['kind'];
  /** The ways a config entry may be written, for messages: `difference`, `{difference: N}`. */
  readonly forms: readonly string[];
  /** Whether it places rows by their seasonal phase (and so needs their step numbers, see Pipeline). */
  readonly usesSteps: boolean;
  /**
   * The spec of a config entry; `arg` is the value under the name ({difference: 12} -> 12),
   * undefined for a bare name or a null value. Problems go to `c` at `path` (the entry's, or its
   * key's); undefined leaves the entry out.
   */
  parse(arg: unknown, c: Checker, path: Path): S | undefined;
  /** A saved spec of this kind, validated; undefined when it is not valid. */
  fromJSON(saved: Record<string, unknown>): S | undefined;
  /** A copy, fields in their saved order. */
  clone(spec: S): S;
  /** The config entry as YAML: the bare name, or a one-key mapping {name: argument}. */
  render(spec: S): string | Record<string, string | number>;
  /** One line for reports: `difference 12`, `scale standard`, `log`. */
  describe(spec: S): string;
  /** The leading rows it leaves NaN (a difference's lag). */
  differenceLag(spec: S): number;
  /**
   * Fit on rows [0, fitEnd) of each column (NaN ignored): the state per column, or null for a
   * stateless kind. `steps`: the rows' step numbers (undefined: their row numbers).
   */
  fit(spec: S, columns: Record<string, Float64Array>, fitEnd: number, steps?: ArrayLike<number>): ColumnStates<P> | null;
  /** Apply to one column: a new array of the same length. */
  forward(spec: S, col: Float64Array, at: { column: string; state: ColumnStates<P> | null; steps?: ArrayLike<number> }): Float64Array;
  /**
   * Undo for the forecasts `z` of the steps right after `history` (this step's input up to the
   * origin); `steps`: the forecast steps' step numbers.
   */
  inverse(spec: S, z: Float64Array, at: { column: string; state: ColumnStates<P> | null; history: Float64Array; steps: ArrayLike<number> }): Float64Array;
  /** A fitted state as saved in pipeline JSON. */
  stateToJSON(state: ColumnStates<P>): ColumnStates<unknown>;
  /** A saved state, validated (throws `invalid pipeline JSON: ...`); null for a stateless kind. */
  stateFromJSON(spec: S, saved: unknown): ColumnStates<P> | null;
}

/** The state members of a stateless transform. */
export const stateless = {
  fit: (): null => null,
  /** Never called: a stateless step's state is null, saved as null. */
  stateToJSON: (): ColumnStates<unknown> => ({}),
  stateFromJSON: (): null => null,
};

/** `fit` of every column. */
export function fitColumns<P>(columns: Record<string, Float64Array>, fit: (col: Float64Array) => P): ColumnStates<P> {
  const state: ColumnStates<P> = {};
  for (const [name, col] of Object.entries(columns)) state[name] = fit(col);
  return state;
}

/** `f` of every column's state, keeping the columns' order. */
export function mapColumns<P, Q>(state: ColumnStates<P>, f: (p: P) => Q): ColumnStates<Q> {
  const out: ColumnStates<Q> = {};
  for (const [k, v] of Object.entries(state)) out[k] = f(v);
  return out;
}

/** The state of `column`; a step fitted without it throws `pipeline has no fitted <what> for column '<column>'`. */
export function columnState<P>(state: ColumnStates<P> | null, column: string, what: string): P {
  const p = state?.[column];
  if (!p) throw new Error(`pipeline has no fitted ${what} for column '${column}'`);
  return p;
}

/**
 * A saved per-column state: `invalid pipeline JSON: <missing>` when it is not a mapping, else
 * each column's entry through `load` (which throws for a bad one).
 */
export function columnsFromJSON<P>(saved: unknown, missing: string, load: (v: unknown, column: string) => P): ColumnStates<P> {
  if (!saved || typeof saved !== 'object') throw new Error(`invalid pipeline JSON: ${missing}`);
  const state: ColumnStates<P> = {};
  for (const [k, v] of Object.entries(saved)) state[k] = load(v, k);
  return state;
}
