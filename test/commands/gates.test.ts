import { describe, expect, it } from 'vitest';
import { baselineWarnings, checkGates, enforceGates, gatesText } from '../../src/commands/gates.js';
import { GateError } from '../../src/errors.js';

describe('CI gates', () => {
  const scores = { model: { mase: 0.8 }, naive: { mase: 1.2 }, seasonal_naive: { mase: 0.7 }, drift: { mase: null } };

  it('holds the model’s MASE to a baseline’s and to a limit', () => {
    expect(checkGates(scores, {})).toEqual([]);
    expect(checkGates(scores, { failIfWorseThan: 'naive', maxMase: 0.9 })).toEqual([
      { gate: 'fail-if-worse-than naive', passed: true, mase: 0.8, limit: 1.2 },
      { gate: 'max-mase 0.9', passed: true, mase: 0.8, limit: 0.9 },
    ]);
    expect(checkGates(scores, { failIfWorseThan: 'seasonal_naive' })[0].passed).toBe(false);
    expect(checkGates(scores, { maxMase: 0.8 })[0].passed).toBe(true);
    expect(checkGates(scores, { maxMase: 0.79 })[0].passed).toBe(false);
  });

  it('warns when the model loses to naive or seasonal naive, without a gate asking', () => {
    expect(baselineWarnings(scores, 'the test part')).toEqual(["warning: the model's MASE 0.8000 is worse than seasonal naive's 0.7000 on the test part"]);
    expect(baselineWarnings({ model: { mase: 1.3 }, naive: { mase: 1.2 }, seasonal_naive: { mase: null } }, 'x')).toEqual([
      "warning: the model's MASE 1.300 is worse than naive's 1.200 on x",
    ]);
    expect(baselineWarnings({ model: { mase: 0.5 }, naive: { mase: 1.2 }, seasonal_naive: { mase: 0.5 } }, 'x')).toEqual([]);
    expect(baselineWarnings({ model: { mase: null }, naive: { mase: 1.2 } }, 'x')).toEqual([]);
  });

  it('fails a gate it cannot measure', () => {
    expect(checkGates(scores, { failIfWorseThan: 'drift' })[0]).toEqual({ gate: 'fail-if-worse-than drift', passed: false, mase: 0.8, limit: null });
    expect(checkGates({ model: { mase: Number.NaN } }, { maxMase: 2 })[0].passed).toBe(false);
  });

  it('ends with GateError (exit 1) naming every failed gate, and says nothing when all pass', () => {
    const gates = checkGates(scores, { failIfWorseThan: 'seasonal_naive', maxMase: 0.5 });
    const e = (() => {
      try {
        enforceGates(gates, 'the test part');
      } catch (err) {
        return err;
      }
    })() as GateError;
    expect(e).toBeInstanceOf(GateError);
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      "gate failed:\n  --fail-if-worse-than seasonal_naive: the model's MASE 0.8000 on the test part is above seasonal_naive's 0.7000\n  --max-mase 0.5: the model's MASE 0.8000 on the test part is above the limit 0.5",
    );
    expect(() => enforceGates(checkGates(scores, { maxMase: 1 }), 'x')).not.toThrow();
    expect(gatesText(gates)).toEqual([
      'gate fail-if-worse-than seasonal_naive: FAILED (model MASE 0.8000, seasonal_naive 0.7000)',
      'gate max-mase 0.5: FAILED (model MASE 0.8000)',
    ]);
  });
});
