import { type TransformSpec, transformNamed, transformOf } from './registry.js';
import type { ScaleParams } from './scale.js';

/** Per-step fitted state: per column for stateful transforms (scale, deseasonalize), null otherwise. */
type StepState = Record<string, unknown> | null;

export interface PipelineJSON {
  version: 1;
  specs: TransformSpec[];
  state: StepState[];
  /**
   * How deseasonalize steps find a row's seasonal phase: 'time', from the row's step number on the
   * time grid (see stepNumber in data/time.ts); 'row' (or absent, in runs saved before 'time'
   * existed), from its row number in the data at hand.
   */
  phase?: 'time' | 'row';
}

/** Step numbers of the history rows and of the forecast steps that follow them. */
export interface ForecastSteps {
  history: ArrayLike<number>;
  forecast: ArrayLike<number>;
}

/** Sum of the difference lags of a transform chain: the leading rows it leaves NaN. */
export function differenceLag(specs: readonly TransformSpec[]): number {
  return specs.reduce((sum, t) => sum + transformOf(t).differenceLag(t), 0);
}

function cloneSpec(s: TransformSpec): TransformSpec {
  return transformOf(s).clone(s);
}

/** A chain of transforms applied to every column; arrays keep their length. */
export class Pipeline {
  /** Sum of difference lags = first valid (non-NaN) index after transforming. */
  readonly offset: number;

  private constructor(
    readonly specs: readonly TransformSpec[],
    private readonly state: StepState[],
    /** 'time': seasonal phases from the step numbers the methods are given; 'row': from row numbers. */
    readonly phase: 'time' | 'row',
  ) {
    this.offset = differenceLag(specs);
  }

  /**
   * Fit each stateful step on rows [0, fitEnd) of its input (NaN ignored). `steps`: the rows' step
   * numbers, which then place every row (here and in later calls) in its seasonal phase; without
   * them phases are row numbers.
   */
  static fit(specs: TransformSpec[], columns: Record<string, Float64Array>, fitEnd: number, steps?: ArrayLike<number>): Pipeline {
    const state: StepState[] = [];
    let cur: Record<string, Float64Array> = { ...columns };
    for (const spec of specs) {
      const st: StepState = transformOf(spec).fit(spec, cur, fitEnd, steps);
      state.push(st);
      const next: Record<string, Float64Array> = {};
      for (const [name, col] of Object.entries(cur)) next[name] = applyStep(spec, st, name, col, steps);
      cur = next;
    }
    return new Pipeline(specs.map(cloneSpec), state, steps ? 'time' : 'row');
  }

  /** Apply the fitted chain to every column (new arrays, same lengths); `steps` as in fit. */
  transform(columns: Record<string, Float64Array>, steps?: ArrayLike<number>): Record<string, Float64Array> {
    const out: Record<string, Float64Array> = {};
    for (const [name, col] of Object.entries(columns)) out[name] = this.transformColumn(name, col, steps);
    return out;
  }

  /** Apply the chain to one column by name; `steps` as in fit. */
  transformColumn(name: string, col: Float64Array, steps?: ArrayLike<number>): Float64Array {
    const st = this.rowSteps(steps);
    let cur = col;
    for (let i = 0; i < this.specs.length; i++) cur = applyStep(this.specs[i], this.state[i], name, cur, st);
    if (cur === col) cur = Float64Array.from(col);
    return cur;
  }

  /** The step numbers seasonal phases come from: the given ones under 'time', none (row numbers) under 'row'. */
  private rowSteps(steps: ArrayLike<number> | undefined): ArrayLike<number> | undefined {
    if (this.phase === 'row') return undefined;
    if (!steps && this.specs.some((s) => transformOf(s).usesSteps))
      throw new Error('this pipeline places rows in their season by time: it needs their step numbers');
    return steps;
  }

  /**
   * Map transformed-space forecasts for the h steps right after `history` (original-space
   * target values up to the origin, at least `offset` long) back to the original space.
   * `steps`: the step numbers of the history rows and of the forecast steps (as in fit).
   */
  inverseTarget(target: string, forecast: Float64Array, history: Float64Array, steps?: ForecastSteps): Float64Array {
    if (history.length < this.offset) {
      throw new Error(`inverseTarget needs at least ${this.offset} history values, got ${history.length}`);
    }
    const histSteps = this.rowSteps(steps?.history);
    const foreSteps = this.phase === 'row' ? Array.from(forecast, (_, i) => history.length + i) : this.rowSteps(steps?.forecast)!;
    // History at the input of each step.
    const stages: Float64Array[] = [];
    let cur = history;
    for (let i = 0; i < this.specs.length; i++) {
      stages.push(cur);
      cur = applyStep(this.specs[i], this.state[i], target, cur, histSteps);
    }
    let z: Float64Array = Float64Array.from(forecast);
    for (let i = this.specs.length - 1; i >= 0; i--) {
      const spec = this.specs[i];
      z = transformOf(spec).inverse(spec, z, { column: target, state: this.state[i], history: stages[i], steps: foreSteps });
    }
    return z;
  }

  /** Scale params of a scale step for a column (for tests and diagnostics). */
  scaleParams(step: number, column: string): ScaleParams | null {
    const p = this.specs[step]?.kind === 'scale' ? (this.state[step]?.[column] as ScaleParams | undefined) : undefined;
    return p ? { ...p } : null;
  }

  toJSON(): PipelineJSON {
    return {
      version: 1,
      phase: this.phase,
      specs: this.specs.map(cloneSpec),
      state: this.state.map((st, i) => (st ? transformOf(this.specs[i]).stateToJSON(st) : null)),
    };
  }

  static fromJSON(obj: unknown): Pipeline {
    const o = obj as Partial<PipelineJSON> | null;
    if (!o || typeof o !== 'object' || !Array.isArray(o.specs) || !Array.isArray(o.state) || o.specs.length !== o.state.length) {
      throw new Error('invalid pipeline JSON');
    }
    const specs: TransformSpec[] = o.specs.map((s) => {
      if (!s || typeof s !== 'object') throw new Error('invalid pipeline JSON: bad spec');
      const saved = s as unknown as Record<string, unknown>;
      const spec = typeof saved.kind === 'string' ? transformNamed(saved.kind)?.fromJSON(saved) : undefined;
      if (!spec) throw new Error(`invalid pipeline JSON: bad spec ${JSON.stringify(s)}`);
      return spec;
    });
    const state: StepState[] = o.state.map((st, i) => transformOf(specs[i]).stateFromJSON(specs[i], st));
    if (o.phase !== undefined && o.phase !== 'time' && o.phase !== 'row') throw new Error(`invalid pipeline JSON: bad phase ${JSON.stringify(o.phase)}`);
    return new Pipeline(specs, state, o.phase ?? 'row');
  }
}

function applyStep(spec: TransformSpec, st: StepState, name: string, col: Float64Array, steps?: ArrayLike<number>): Float64Array {
  return transformOf(spec).forward(spec, col, { column: name, state: st, steps });
}
