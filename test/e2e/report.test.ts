/**
 * report.html in a real browser (Debian's chromium, headless; .ci/run installs it): the page loads
 * without console errors and its charts have marks. Skipped only outside CI when no chromium is
 * installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rnnfc, scratch } from './helpers.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** The page's DOM after loading, and the console messages it logged. */
function render(file: string): { dom: string; console: string[] } {
  const r = spawnSync(CHROMIUM!, ['--headless', '--no-sandbox', '--disable-gpu', '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${file}`], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr}`);
  return { dom: r.stdout, console: r.stderr.split('\n').filter((l) => l.includes(':CONSOLE')) };
}

describe.skipIf(!CHROMIUM && !process.env.CI)('report.html (spawns bin/rnnfc and chromium)', () => {
  let dir: string;
  beforeAll(() => {
    expect(CHROMIUM, 'chromium is needed (apt-get install chromium)').toBeDefined();
    dir = scratch();
    const t = rnnfc(dir, [
      'train',
      '--data',
      `${process.cwd()}/datasets/airline-passengers.csv`,
      '--target',
      'passengers',
      '--epochs',
      '3',
      '--out',
      'run',
      '--quiet',
    ]);
    expect(t.code, t.stderr).toBe(0);
  }, 120_000);

  it('renders in a browser without console errors, its charts with marks, its tables with the scores', () => {
    const page = render(join(dir, 'run/report.html'));
    expect(page.console).toEqual([]);
    // the forecast, training and gradient-flow charts, each with its lines
    expect(page.dom.match(/<figure class="chart"/g)).toHaveLength(3);
    expect((page.dom.match(/aria-roledescription="line mark"/g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(page.dom).toMatch(/<path[^>]*aria-roledescription="line mark"[^>]*d="M/);
    const metrics = JSON.parse(readFileSync(join(dir, 'run/metrics.json'), 'utf8'));
    expect(page.dom).toContain(`<th>model</th><td>${metrics.methods.model.mae.toPrecision(4)}</td>`);
    expect(page.dom).toContain(JSON.parse(readFileSync(join(dir, 'run/metadata.json'), 'utf8')).data.sha256);
    // and the check sees console errors where there are some
    writeFileSync(join(dir, 'broken.html'), '<!DOCTYPE html><html><body><script>noSuchFunction();</script></body></html>');
    expect(render(join(dir, 'broken.html')).console.join('\n')).toMatch(/noSuchFunction is not defined/);
  }, 120_000);

  it('rnnfc report makes the same page again from the run, outside it, and leaves the run as it was', () => {
    const before = readFileSync(join(dir, 'run/report.html'), 'utf8');
    const manifest = readFileSync(join(dir, 'run/manifest.json'), 'utf8');
    // train's report is one of the run's checksummed files
    expect(JSON.parse(manifest).files['report.html'].bytes).toBe(Buffer.byteLength(before));
    const r = rnnfc(dir, ['report', 'run', '-o', 'again.html']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'again.html'), 'utf8')).toBe(before);
    expect(rnnfc(dir, ['report', 'run', '--quiet']).code).toBe(0);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(before);
    // never into the run, whose manifest checks its files
    const inside = rnnfc(dir, ['report', 'run', '-o', 'run/report.html']);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toMatch(/is inside the run run, whose files its manifest checks/);
    expect(readFileSync(join(dir, 'run/manifest.json'), 'utf8')).toBe(manifest);
    expect(rnnfc(dir, ['predict', '-m', 'run', '-o', '-']).code).toBe(0);
  });
});
