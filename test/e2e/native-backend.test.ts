import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { futureRows, ROOT, rnnfc, scratch } from './helpers.js';

// @tensorflow/tfjs-node cannot be installed where its binaries cannot be downloaded, so these
// tests resolve it to a stand-in (test/fixtures/native): tfjs with a backend named 'tensorflow',
// as the real package registers, running the cpu kernels. What they check is rnnfc's side: that
// auto prefers the package when it loads, the run records it, training uses the stock tfjs
// layers there, and predict forecasts such a run with and without the package.
const WITH_NATIVE = ['--import', join(ROOT, 'test/fixtures/native/register.mjs')];
const CFG = 'test/fixtures/e2e/tiny.yaml';

describe('a native TensorFlow backend, when installed (stand-in package)', () => {
  const dir = scratch();

  it('auto trains on it and the run records it; the fused kernels (cpu, wasm only) are not used', () => {
    const r = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/n', '--json'], {}, WITH_NATIVE);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ backend: 'tensorflow', threads: null });
    expect(JSON.parse(readFileSync(join(dir, 'runs/n/metadata.json'), 'utf8'))).toMatchObject({ backend: 'tensorflow', threads: null });
    const again = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/n2', '--json'], {}, WITH_NATIVE);
    expect(again.code).toBe(0);
    for (const f of ['forecast.csv', 'metrics.json']) expect(readFileSync(join(dir, 'runs/n2', f))).toEqual(readFileSync(join(dir, 'runs/n', f)));
  });

  it("predict uses it for such a run and repeats train's future forecast exactly; without it, predict still forecasts", () => {
    const p = rnnfc(dir, ['predict', '-m', 'runs/n', '-o', '-'], {}, WITH_NATIVE);
    expect(p.code).toBe(0);
    expect(p.stdout.trim().split('\n').slice(1)).toEqual(futureRows(dir, 'runs/n'));
    const q = rnnfc(dir, ['predict', '-m', 'runs/n', '-o', '-']);
    expect(q.code).toBe(0);
    const want = futureRows(dir, 'runs/n').map((l) => Number(l.split(',')[1]));
    const got = q.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[1]));
    expect(got).toHaveLength(6);
    for (let i = 0; i < 6; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-6 * Math.abs(want[i]));
  });

  it('--backend tensorflow-gpu needs the GPU package, even where the CPU one is installed', () => {
    const r = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/g', '--backend', 'tensorflow-gpu'], {}, WITH_NATIVE);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('backend "tensorflow-gpu" is not available: install @tensorflow/tfjs-node-gpu');
    expect(existsSync(join(dir, 'runs/g'))).toBe(false);
    const cpu = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/t', '--backend', 'tensorflow', '--json'], {}, WITH_NATIVE);
    expect(cpu.code).toBe(0);
    expect(JSON.parse(cpu.stdout).backend).toBe('tensorflow');
  });
});
