import type { TransformSpec } from '../config/types.js';
import { SCALE_METHODS } from '../config/names.js';
import { differenceForward, differenceInverse } from './difference.js';
import { logForward, logInverse } from './log.js';
import { fitScale, scaleForward, scaleInverse, type ScaleParams } from './scale.js';
import { deseasonalizeForward, deseasonalizeInverse, fitSeasonalIndex } from './deseasonalize.js';

/** Fitted state of one column in one step: scale params, or the seasonal indices of a deseasonalize step. */
type ColumnState = ScaleParams | number[];
/** Per-step fitted state: per column for scale and deseasonalize steps, null otherwise. */
type StepState = Record<string, ColumnState> | null;

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
  return specs.reduce((sum, t) => sum + (t.kind === 'difference' ? t.lag : 0), 0);
}

function cloneSpec(s: TransformSpec): TransformSpec {
  switch (s.kind) {
    case 'log':
      return { kind: 'log' };
    case 'difference':
      return { kind: 'difference', lag: s.lag };
    case 'scale':
      return { kind: 'scale', method: s.method };
    case 'deseasonalize':
      return { kind: 'deseasonalize', period: s.period };
  }
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
      if (spec.kind === 'difference' && (!Number.isInteger(spec.lag) || spec.lag < 1)) {
        throw new Error(`difference lag must be a positive integer, got ${spec.lag}`);
      }
      let st: StepState = null;
      if (spec.kind === 'scale') {
        st = {};
        for (const [name, col] of Object.entries(cur)) st[name] = fitScale(col, spec.method, fitEnd);
      } else if (spec.kind === 'deseasonalize') {
        st = {};
        for (const [name, col] of Object.entries(cur)) st[name] = fitSeasonalIndex(col, spec.period, fitEnd, steps);
      }
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
    if (!steps && this.specs.some((s) => s.kind === 'deseasonalize')) throw new Error('this pipeline places rows in their season by time: it needs their step numbers');
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
      if (spec.kind === 'scale') z = scaleInverse(z, paramsFor(this.state[i], target));
      else if (spec.kind === 'deseasonalize') z = deseasonalizeInverse(z, indexFor(this.state[i], target), foreSteps);
      else if (spec.kind === 'difference') z = differenceInverse(z, stages[i], spec.lag);
      else z = logInverse(z);
    }
    return z;
  }

  /** Scale params of a scale step for a column (for tests and diagnostics). */
  scaleParams(step: number, column: string): ScaleParams | null {
    const st = this.state[step];
    const p = st?.[column];
    return p && !Array.isArray(p) ? { ...p } : null;
  }

  toJSON(): PipelineJSON {
    return {
      version: 1,
      phase: this.phase,
      specs: this.specs.map(cloneSpec),
      state: this.state.map((st) => {
        if (!st) return null;
        const o: Record<string, ColumnState> = {};
        for (const [k, v] of Object.entries(st)) o[k] = Array.isArray(v) ? [...v] : { shift: v.shift, scale: v.scale };
        return o;
      }),
    };
  }

  static fromJSON(obj: unknown): Pipeline {
    const o = obj as Partial<PipelineJSON> | null;
    if (!o || typeof o !== 'object' || !Array.isArray(o.specs) || !Array.isArray(o.state) || o.specs.length !== o.state.length) {
      throw new Error('invalid pipeline JSON');
    }
    const specs: TransformSpec[] = o.specs.map((s) => {
      if (!s || typeof s !== 'object') throw new Error('invalid pipeline JSON: bad spec');
      if (s.kind === 'log') return { kind: 'log' };
      if (s.kind === 'difference' && Number.isInteger(s.lag) && s.lag >= 1) return { kind: 'difference', lag: s.lag };
      if (s.kind === 'scale' && SCALE_METHODS.includes(s.method)) return { kind: 'scale', method: s.method };
      if (s.kind === 'deseasonalize' && Number.isInteger(s.period) && s.period >= 2) return { kind: 'deseasonalize', period: s.period };
      throw new Error(`invalid pipeline JSON: bad spec ${JSON.stringify(s)}`);
    });
    const state: StepState[] = o.state.map((st, i) => {
      const spec = specs[i];
      if (spec.kind === 'deseasonalize') {
        if (!st || typeof st !== 'object') throw new Error('invalid pipeline JSON: missing seasonal indices');
        const r: Record<string, number[]> = {};
        for (const [k, v] of Object.entries(st)) {
          if (!Array.isArray(v) || v.length !== spec.period || !v.every((e) => typeof e === 'number' && Number.isFinite(e))) {
            throw new Error(`invalid pipeline JSON: bad seasonal indices for '${k}'`);
          }
          r[k] = [...v];
        }
        return r;
      }
      if (spec.kind !== 'scale') return null;
      if (!st || typeof st !== 'object') throw new Error('invalid pipeline JSON: missing scale state');
      const r: Record<string, ScaleParams> = {};
      for (const [k, v] of Object.entries(st) as [string, ScaleParams][]) {
        if (!v || typeof v.shift !== 'number' || typeof v.scale !== 'number') {
          throw new Error(`invalid pipeline JSON: bad scale params for '${k}'`);
        }
        r[k] = { shift: v.shift, scale: v.scale };
      }
      return r;
    });
    if (o.phase !== undefined && o.phase !== 'time' && o.phase !== 'row') throw new Error(`invalid pipeline JSON: bad phase ${JSON.stringify(o.phase)}`);
    return new Pipeline(specs, state, o.phase ?? 'row');
  }
}

function paramsFor(st: StepState, name: string): ScaleParams {
  const p = st?.[name];
  if (!p || Array.isArray(p)) throw new Error(`pipeline has no fitted scale for column '${name}'`);
  return p;
}

function indexFor(st: StepState, name: string): number[] {
  const p = st?.[name];
  if (!Array.isArray(p)) throw new Error(`pipeline has no fitted seasonal indices for column '${name}'`);
  return p;
}

function applyStep(spec: TransformSpec, st: StepState, name: string, col: Float64Array, steps?: ArrayLike<number>): Float64Array {
  switch (spec.kind) {
    case 'log':
      return logForward(name, col);
    case 'difference':
      return differenceForward(col, spec.lag);
    case 'scale':
      return scaleForward(col, paramsFor(st, name));
    case 'deseasonalize':
      return deseasonalizeForward(col, indexFor(st, name), steps);
  }
}
