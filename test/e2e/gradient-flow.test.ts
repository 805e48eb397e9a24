/**
 * The README's textbook case of the gradient-flow diagnostics: the shipped configs
 * textbook-rnn and textbook-lstm on datasets/lag50.csv (each value repeats the one 50 steps before
 * it), trained from the repository's configs, then read back with rnnfc inspect --json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, rnnfc, scratch } from './helpers.js';

type Inspect = { gradient_flow: { verdict: string; reach: { layer: string; steps: number; of: number }[] }; steps: Record<string, number[]> };

describe('the textbook case: a vanilla RNN and an LSTM on a 50-step lag (spawns bin/rnnfc)', () => {
  const dir = scratch();
  const out: Record<string, Inspect> = {};
  beforeAll(() => {
    for (const cell of ['rnn', 'lstm']) {
      const t = rnnfc(dir, ['train', '-c', join(ROOT, `configs/textbook-${cell}.yaml`), '--out', cell, '--quiet']);
      expect(t.code, t.stderr).toBe(0);
      const i = rnnfc(dir, ['inspect', cell, '--json']);
      expect(i.code, i.stderr).toBe(0);
      out[cell] = JSON.parse(i.stdout);
    }
  }, 120_000);

  it("the vanilla RNN's signal vanishes geometrically before the step that holds the answer, 50 back", () => {
    const f = out.rnn.gradient_flow;
    expect(f.verdict).toBe('vanishing');
    expect(f.reach[0].of).toBe(60);
    expect(f.reach[0].steps).toBeLessThan(50);
    // a geometric fall: each step back keeps a similar share, over the first 16 steps
    const n = out.rnn.steps.simplernn1;
    const ratios = Array.from({ length: 16 }, (_, k) => n[58 - k] / n[59 - k]);
    for (const r of ratios) expect(r).toBeLessThan(1);
    // 50 steps back: below 1% of the last step's
    expect(n[9] / n[59]).toBeLessThan(0.01);
  });

  it("the LSTM's reaches further back than the vanilla RNN's", () => {
    expect(out.lstm.gradient_flow.reach[0].steps).toBeGreaterThan(out.rnn.gradient_flow.reach[0].steps);
    const metrics = (cell: string) => JSON.parse(readFileSync(join(dir, cell, 'metrics.json'), 'utf8')).methods.model.mase as number;
    // and forecasts better, though neither beats seasonal naive, which reads the lag directly
    expect(metrics('lstm')).toBeLessThan(metrics('rnn'));
  });
});
