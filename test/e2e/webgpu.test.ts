import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { futureRows, rnnfc, scratch } from './helpers.js';

// --backend webgpu on whatever adapter the machine has (CI: Mesa's llvmpipe through Dawn's OpenGL
// ES backend; .ci/run installs it): the training steps on the GPU, everything else on wasm.
const CFG = 'test/fixtures/e2e/tiny.yaml';

describe('--backend webgpu', () => {
  const dir = scratch();

  it('trains, records the adapter, forecasts as the wasm backend does, and reruns to the same bytes', () => {
    const r = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/g', '--backend', 'webgpu', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.backend).toBe('webgpu');
    // Dawn's default backend is asked in a child process first, so its complaints about adapters it passes over stay out
    expect(r.stderr).not.toMatch(/Vulkan|XDG_RUNTIME_DIR/);
    expect(typeof out.adapter).toBe('string');
    expect(out.adapter.length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(dir, 'runs/g/metadata.json'), 'utf8'))).toMatchObject({ backend: 'webgpu', adapter: out.adapter });
    const w = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/w', '--backend', 'wasm']);
    expect(w.code).toBe(0);
    const values = (run: string) => futureRows(dir, run).map((l) => Number(l.split(',')[1]));
    const [g, c] = [values('runs/g'), values('runs/w')];
    expect(g).toHaveLength(6);
    for (let i = 0; i < 6; i++) expect(Math.abs(g[i] - c[i])).toBeLessThan(1e-4 * Math.abs(c[i]));
    const again = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/g2', '--backend', 'webgpu']);
    expect(again.code).toBe(0);
    for (const f of ['forecast.csv', 'metrics.json', 'weights.bin'])
      expect(readFileSync(join(dir, 'runs/g2', f)), f).toEqual(readFileSync(join(dir, 'runs/g', f)));
  });

  it("predict forecasts such a run on the CPU, repeating train's future forecast", () => {
    const p = rnnfc(dir, ['predict', '-m', 'runs/g', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n').slice(1)).toEqual(futureRows(dir, 'runs/g'));
  });

  it('refuses a model it does not train (exit 2), naming the setting and its line, in check too, and writes nothing', () => {
    const cfg = 'test/fixtures/e2e/peephole.yaml';
    writeFileSync(join(dir, cfg), readFileSync(join(dir, CFG), 'utf8').replace('layers: [{units: 8}]', 'layers: [{units: 8}]\n  peephole: true'));
    const r = rnnfc(dir, ['train', '-c', cfg, '--out', 'runs/d', '--backend', 'webgpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'model.peephole: an LSTM variant does not train on backend webgpu yet; use backend wasm (or cpu) for it (test/fixtures/e2e/peephole.yaml:10)',
    );
    expect(existsSync(join(dir, 'runs/d'))).toBe(false);
    const c = rnnfc(dir, ['check', '-c', cfg, '--backend', 'webgpu']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('model.peephole: an LSTM variant does not train on backend webgpu yet');
    expect(rnnfc(dir, ['check', '-c', cfg, '--backend', 'wasm']).code).toBe(0);
  });

  it('trains a global panel, recording the adapter', () => {
    const rows = (id: string, level: number) =>
      Array.from(
        { length: 40 },
        (_, i) => `${id},${2000 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')},${(level * (1 + 0.01 * i + 0.15 * Math.sin(i / 2))).toFixed(3)}`,
      );
    writeFileSync(join(dir, 'panel.csv'), ['id,month,value', ...rows('a', 10), ...rows('b', 300)].join('\n') + '\n');
    const flags = ['--id-column', 'id', '--time-column', 'month', '--target', 'value', '--horizon', '3', '--epochs', '2', '--scope', 'global'];
    const r = rnnfc(dir, ['train', '--data', 'panel.csv', ...flags, '--backend', 'webgpu', '--out', 'runs/p', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(dir, 'runs/p/metadata.json'), 'utf8'));
    expect(meta.backend).toBe('webgpu');
    expect(meta.adapter).toBe(JSON.parse(readFileSync(join(dir, 'runs/g/metadata.json'), 'utf8')).adapter);
    expect(meta.panel).toEqual({ series: 2, failed: 0 });
  });

  it('backend auto leaves a model large enough for the GPU on the CPU where the only adapter is a software one', () => {
    const cfg = 'test/fixtures/e2e/large.yaml';
    // one layer of 256 units, batch 32: 50 MFLOP a step (gpu/auto.ts), past the line where auto tries WebGPU
    writeFileSync(
      join(dir, cfg),
      readFileSync(join(dir, CFG), 'utf8').replace('layers: [{units: 8}]', 'layers: [{units: 256}]').replace('batch_size: 16', 'batch_size: 32'),
    );
    const r = rnnfc(dir, ['train', '-c', cfg, '--out', 'runs/auto', '--epochs', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.backend).toBe('wasm');
    expect(out.adapter).toBeUndefined();
    // the probe's child process keeps what Dawn and Mesa print about the adapters they pass over
    expect(r.stderr).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'runs/auto/metadata.json'), 'utf8')).adapter).toBeUndefined();
  });

  it('without an adapter: exit 2 naming what is missing, and nothing written', () => {
    // no Vulkan driver and an EGL platform without a display: Dawn finds no adapter
    const r = rnnfc(dir, ['train', '-c', CFG, '--out', 'runs/n', '--backend', 'webgpu'], {
      VK_DRIVER_FILES: '/nonexistent.json',
      VK_ICD_FILENAMES: '/nonexistent.json',
      EGL_PLATFORM: 'x11',
      DISPLAY: '',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('backend "webgpu" is not available: no WebGPU adapter');
    expect(existsSync(join(dir, 'runs/n'))).toBe(false);
  });
});
