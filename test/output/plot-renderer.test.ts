/**
 * output/plot-renderer.ts: a plot drawn in the plot worker is the plot drawn in this thread, byte for
 * byte; several plots come back each to its own caller; a spec vega-lite cannot draw fails its caller
 * with vega-lite's error.
 */
import { describe, expect, it } from 'vitest';
import { renderSpecSvg, startPlotRenderer } from '../../src/output/plot-renderer.js';

const spec = (title: string, values: number[]) => ({
  title,
  width: 200,
  height: 100,
  data: { values: values.map((y, x) => ({ x, y })) },
  mark: 'line',
  encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
});

describe('the plot worker (output/plot-renderer.ts)', () => {
  it('draws what this thread draws, returns each plot to its caller, and passes on the error of a spec vega-lite cannot draw', async () => {
    // the first plot of each vega instance: this thread's, then the worker's
    const here = await renderSpecSvg(spec('first', [1, 3, 2, 5]));
    expect(here).toMatch(/^<svg/);
    startPlotRenderer();
    startPlotRenderer(); // once a process
    const there = await renderSpecSvg(spec('first', [1, 3, 2, 5]));
    expect(there).toBe(here);
    // two at once: each resolves with its own
    const [a, b] = await Promise.all([renderSpecSvg(spec('alpha plot', [1, 2])), renderSpecSvg(spec('beta plot', [2, 1]))]);
    expect(a).toContain('alpha plot');
    expect(a).not.toContain('beta plot');
    expect(b).toContain('beta plot');
    await expect(renderSpecSvg({ mark: 'no-such-mark' })).rejects.toThrow(/^plot rendering failed: /);
  }, 60000);
});
