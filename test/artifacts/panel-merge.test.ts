import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergePanelFiles } from '../../src/artifacts/panel-merge.js';
import { PanelRunBuilder } from '../../src/artifacts/panel-writer.js';
import type { FileData } from '../../src/artifacts/write-steps.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { Config } from '../../src/config/types.js';
import { ArtifactError, UsageError } from '../../src/errors.js';
import { fitPanel } from '../../src/forecast/panel-fit.js';
import { shardOf } from '../../src/panel/shard.js';
import { monthlySeries, valuesOf } from '../series.js';

const keys = ['a', 'b', 'c', 'd', 'e'];
const members = keys.map((k, j) => ({
  key: [k],
  series: monthlySeries({ value: valuesOf(40 + 4 * j, (i) => (j + 1) * (10 + 0.3 * i + 2 * Math.sin((2 * Math.PI * i) / 12))) }),
}));
const cfg: Config = resolveConfig(
  {
    data: { path: 'panel.csv', target: 'value', id_column: 'id' },
    window: { lookback: 6, horizon: 3 },
    model: { layers: [{ units: 3 }] },
    training: { epochs: 2, seed: 5, threads: 1 },
    output: { plot: false },
    backend: 'cpu',
  },
  { file: '(test)' },
);
const facts = { dataSha256: 'a'.repeat(64), tfjsVersion: 'test', totalSeconds: 1 };
const panelFacts = { idColumns: ['id'], timeColumn: 'month', configless: false };

/** The files of a panel run fitted on `of` (a shard when `shard` is given), written under dir/name. */
async function writeRun(dir: string, name: string, shard?: { index: number; count: number }): Promise<Record<string, FileData>> {
  const of = shard ? members.filter((m) => shardOf(m.key, shard.count) === shard.index) : members;
  const built = new PanelRunBuilder(cfg, 'local', { ...panelFacts, shard });
  const r = await fitPanel(cfg, of, { scope: 'local', settings: (c) => c, sink: (f) => built.add(f) });
  expect(r.fits).toEqual([]);
  const files = await built.files(r, facts);
  mkdirSync(join(dir, name));
  for (const [f, data] of Object.entries(files))
    writeFileSync(join(dir, name, f), typeof data === 'string' || data instanceof Uint8Array ? data : data.join(''));
  return files;
}

const text = (d: FileData) => (typeof d === 'string' ? d : d instanceof Uint8Array ? Buffer.from(d).toString('utf8') : d.join(''));

let dir: string;
let whole: Record<string, FileData>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rnnfc-merge-'));
  whole = await writeRun(dir, 'whole');
  for (const index of [0, 1, 2]) await writeRun(dir, `s${index}`, { index, count: 3 });
}, 120_000);

describe('mergePanelFiles', () => {
  it('gives the files of the unsharded run, whatever the order of the shards (metadata and manifest aside)', async () => {
    const merged = await mergePanelFiles(['s2', 's0', 's1'].map((s) => join(dir, s)));
    const names = (f: Record<string, unknown>) =>
      Object.keys(f)
        .filter((n) => n !== 'metadata.json' && n !== 'manifest.json')
        .sort();
    expect(names(merged)).toEqual(names(whole));
    for (const n of names(whole)) expect(text(merged[n]), n).toBe(text(whole[n]));
    const meta = JSON.parse(text(merged['metadata.json']));
    expect(meta.panel).toEqual({ series: 5, failed: 0 });
    expect(meta.data.rows).toBe(members.reduce((a, m) => a + m.series.index.times.length, 0));
  });

  it('refuses a missing shard, a repeated one, and a run that is no shard', async () => {
    await expect(mergePanelFiles([join(dir, 's0'), join(dir, 's1')])).rejects.toThrow(/shard 2 of 3 missing/);
    await expect(mergePanelFiles([join(dir, 's0'), join(dir, 's0'), join(dir, 's1')])).rejects.toThrow(/are both shard 0 of 3/);
    await expect(mergePanelFiles([join(dir, 'whole')])).rejects.toBeInstanceOf(UsageError);
  });

  it('refuses a shard whose panel.json holds a series of another shard (re-hashed, as a tamperer would)', async () => {
    // a shard that holds series claims to be the next shard: its series hash elsewhere
    const index = [0, 1, 2].find((i) => members.some((m) => shardOf(m.key, 3) === i))!;
    const claimed = (index + 1) % 3;
    const src = join(dir, `s${index}`);
    const panel = JSON.parse(readFileSync(join(src, 'panel.json'), 'utf8'));
    expect(panel.series_count).toBeGreaterThan(0);
    panel.shard = { index: claimed, count: 3 };
    const body = JSON.stringify(panel) + '\n';
    const manifest = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8'));
    manifest.files['panel.json'] = { sha256: createHash('sha256').update(body).digest('hex'), bytes: Buffer.byteLength(body) };
    writeFileSync(join(src, 'panel.json'), body);
    writeFileSync(join(src, 'manifest.json'), JSON.stringify(manifest));
    const others = [0, 1, 2].filter((i) => i !== index && i !== claimed).map((i) => join(dir, `s${i}`));
    const e = await mergePanelFiles([src, ...others]).catch((x) => x);
    expect(e).toBeInstanceOf(ArtifactError);
    expect(e.message).toMatch(new RegExp(`s${index}: series "[a-e]" belongs to shard ${index} of 3, not ${claimed}`));
  });
});
