/**
 * CI gates on a run's or a backtest's scores (`--fail-if-worse-than`, `--max-mase`): each is
 * checked and reported, and a failed one ends the command with exit 1 after everything it writes
 * has been written (GateError).
 */
import { GateError } from '../errors.js';
import { paint } from '../output/colour.js';
import { metricText } from './common.js';

/** The baselines a model can be required to beat. */
export const GATE_BASELINES = ['naive', 'seasonal_naive', 'drift'] as const;

export interface GateOptions {
  /** The model's MASE must not exceed this baseline's. */
  failIfWorseThan?: (typeof GATE_BASELINES)[number];
  /** The model's MASE must not exceed this. */
  maxMase?: number;
}

/** One gate's outcome, as --json reports it. */
export interface GateResult {
  gate: string;
  passed: boolean;
  /** The model's MASE (null: not measurable, which fails the gate). */
  mase: number | null;
  /** What it was held to: the baseline's MASE or the --max-mase value. */
  limit: number | null;
}

const finite = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The gates `opts` asks for, checked on the MASE of each method in `scores` (by method; the model's is `model`). */
export function checkGates(scores: Record<string, Record<string, number | null>>, opts: GateOptions): GateResult[] {
  const out: GateResult[] = [];
  const mase = finite(scores.model?.mase);
  if (opts.failIfWorseThan) {
    const limit = finite(scores[opts.failIfWorseThan]?.mase);
    out.push({ gate: `fail-if-worse-than ${opts.failIfWorseThan}`, passed: mase !== null && limit !== null && mase <= limit, mase, limit });
  }
  if (opts.maxMase !== undefined) out.push({ gate: `max-mase ${opts.maxMase}`, passed: mase !== null && mase <= opts.maxMase, mase, limit: opts.maxMase });
  return out;
}

/** `gates` as --json reports them (absent when none was asked for). */
export function gatesField(gates: GateResult[]): { gates?: GateResult[] } {
  return gates.length ? { gates } : {};
}

/** Throws GateError naming every failed gate of `gates`, measured on `what` (e.g. "the test part"). */
export function enforceGates(gates: GateResult[], what: string): void {
  const failed = gates.filter((g) => !g.passed);
  if (failed.length === 0) return;
  const why = (g: GateResult) =>
    g.mase === null || g.limit === null
      ? `--${g.gate}: the MASE is not measurable on ${what}`
      : `--${g.gate}: the model's MASE ${metricText(g.mase)} on ${what} is above ${g.gate.startsWith('max-mase') ? `the limit ${g.limit}` : `${g.gate.split(' ')[1]}'s ${metricText(g.limit)}`}`;
  throw new GateError(`gate failed:\n  ${failed.map(why).join('\n  ')}`);
}

/** The summary lines of the gates (none when none was asked for). */
export function gatesText(gates: GateResult[], colour = false): string[] {
  return gates.map(
    (g) =>
      `gate ${g.gate}: ${g.passed ? paint('passed', 'green', colour) : paint('FAILED', 'red', colour)} (model MASE ${metricText(g.mase)}${g.gate.startsWith('max-mase') ? '' : `, ${g.gate.split(' ')[1]} ${metricText(g.limit)}`})`,
  );
}

/**
 * Warnings for the summary when the model's MASE is above naive's or seasonal naive's on `what`
 * (a shipped config that loses to naive should say so even without a gate asking).
 */
export function baselineWarnings(scores: Record<string, Record<string, number | null>>, what: string): string[] {
  const mase = finite(scores.model?.mase);
  if (mase === null) return [];
  const out: string[] = [];
  for (const b of ['naive', 'seasonal_naive'] as const) {
    const limit = finite(scores[b]?.mase);
    if (limit !== null && mase > limit)
      out.push(`warning: the model's MASE ${metricText(mase)} is worse than ${b.replace('_', ' ')}'s ${metricText(limit)} on ${what}`);
  }
  return out;
}
