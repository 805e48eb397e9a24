import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsEntryText, panelMetricsPieces } from '../../src/artifacts/panel-writer.js';
import { buildManifest, sha256 } from '../../src/artifacts/run-dir.js';
import { dataPieces, writeAndSync } from '../../src/artifacts/write-steps.js';

describe('panelMetricsPieces', () => {
  const head = { series_count: 2, failed_count: 0, pooled: { model: { mase: 0.5, rel_mase: 0.9 } } };
  const entries = [
    { key: ['a'], origin: '2001-01', test_size: 3, season: 12, methods: { model: { mase: 0.4 } } },
    { key: ['b'], origin: '2001-02', test_size: 3, season: 12, methods: { model: { mase: 0.6, smape: null } } },
  ];

  it('joins to the text JSON.stringify gives the whole file (indent 1, series last)', () => {
    const pieces = panelMetricsPieces(head, entries.map(metricsEntryText));
    expect(pieces.length).toBe(2 * entries.length + 2);
    expect(pieces.join('')).toBe(`${JSON.stringify({ ...head, series: entries }, null, 1)}\n`);
  });

  it('holds an empty series list as JSON.stringify does', () => {
    expect(panelMetricsPieces({ ...head, series_count: 0 }, []).join('')).toBe(`${JSON.stringify({ ...head, series_count: 0, series: [] }, null, 1)}\n`);
  });
});

describe('text in pieces', () => {
  it('comes out in blocks that join to the whole text, a piece larger than a block on its own', () => {
    const big = 'é'.repeat(700_000); // 1.4 MB of UTF-8: more than a block
    const pieces = ['a,b\n', ...Array.from({ length: 30_000 }, (_, i) => `s${i},東京,${i}\n`), big, 'end\n'];
    const out: Buffer[] = [];
    // each block is valid only until the next: copied as it comes
    for (const b of dataPieces(pieces)) out.push(Buffer.from(b));
    expect(out.length).toBeGreaterThan(2);
    expect(out.every((b) => b.byteLength <= 1024 ** 2 || b.toString('utf8') === big)).toBe(true);
    expect(Buffer.concat(out).toString('utf8')).toBe(pieces.join(''));
  });

  it('is written and hashed as the joined text would be, multi-byte characters included', () => {
    const pieces = ['{"key":["Zürich"]}\n', '{"key":["東京"]}\n', ''];
    const joined = pieces.join('');
    const file = join(mkdtempSync(join(tmpdir(), 'rnnfc-pieces-')), 'series.jsonl');
    writeAndSync(file, pieces);
    expect(readFileSync(file, 'utf8')).toBe(joined);
    const manifest = JSON.parse(buildManifest({ 'series.jsonl': pieces }, 'test'));
    expect(manifest.files['series.jsonl']).toEqual({ sha256: sha256(joined), bytes: Buffer.byteLength(joined) });
  });
});
