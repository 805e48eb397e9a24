/**
 * Combines the shard runs of a panel (train --shard i/n, each a panel run of the series whose key
 * hashes to shard i) into one run, the same as the unsharded run would be: panel.json, metrics.json,
 * forecast.csv and the models byte for byte (metadata.json differs in its times). Refuses shards of
 * different configs or data, a missing or repeated shard, and series in the wrong shard.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { compareKeys, keyText } from '../data/panel.js';
import { ArtifactError, UsageError } from '../errors.js';
import type { PretrainedModel } from '../forecast/pretrained.js';
import { shardOf } from '../panel/shard.js';
import { VERSION } from '../version.js';
import { restoreInterruptedSwap } from './atomic.js';
import { localMemberFileNames, PANEL_FILE, PANEL_FORMAT_VERSION, type PanelFile, SERIES_FILE, seriesLine } from './panel-format.js';
import { metricsEntryText, optionalCoverage, type PanelMetricsFile, panelMetricsPieces, pooledCoverageFromFiles, pooledFromFiles } from './panel-writer.js';
import { buildManifest, readManifest } from './run-dir.js';
import type { MetadataFile } from './run-format.js';
import { readPanelRun } from './run-reader.js';
import { memberFiles, pretrainedFiles } from './run-writer.js';
import type { FileData } from './write-steps.js';

/** A file of a run, read whole and checked against the manifest's checksum (the reader only checks reports in pieces). */
function readChecked(dir: string, name: string): Buffer {
  const entry = readManifest(dir).files[name];
  const buf = readFileSync(join(dir, name));
  if (!entry || buf.byteLength !== entry.bytes || createHash('sha256').update(buf).digest('hex') !== entry.sha256)
    throw new ArtifactError(`${join(dir, name)} is damaged (checksum mismatch); retrain or restore the run`);
  return buf;
}

/** forecast.csv's data records as written (raw text, newline included), grouped by key. */
function forecastBlocks(text: string, keyColumns: number): { header: string; blocks: Map<string, string> } {
  const records = parse(text, { raw: true, relax_column_count: false }) as unknown as { record: string[]; raw: string }[];
  const blocks = new Map<string, string>();
  for (const r of records.slice(1)) {
    const k = JSON.stringify(r.record.slice(0, keyColumns));
    blocks.set(k, (blocks.get(k) ?? '') + r.raw);
  }
  return { header: records[0].raw, blocks };
}

/** The files of the run merged from shard runs `dirs` (see the file comment); `onNote` hears what merge could not do as train would. */
export async function mergePanelFiles(dirs: string[], onNote?: (note: string) => void): Promise<Record<string, FileData>> {
  if (dirs.length === 0) throw new UsageError('merge needs the shard runs to combine');
  const shards = dirs.map((dir) => {
    restoreInterruptedSwap(dir);
    const run = readPanelRun(dir);
    if (!run.panel.shard) throw new UsageError(`${dir} is not a shard run (train --shard i/n writes those); nothing to merge`);
    const config = readChecked(dir, 'config.yaml').toString('utf8');
    const metadata = JSON.parse(readChecked(dir, 'metadata.json').toString('utf8')) as MetadataFile;
    const metrics = JSON.parse(readChecked(dir, 'metrics.json').toString('utf8')) as PanelMetricsFile;
    const forecast = forecastBlocks(readChecked(dir, 'forecast.csv').toString('utf8'), run.panel.id_columns.length);
    return { dir, run, shard: run.panel.shard, config, metadata, metrics, forecast };
  });
  const first = shards[0];
  const count = first.shard.count;
  const byIndex = new Map<number, string>();
  for (const s of shards) {
    const differs = (what: string) => new UsageError(`${s.dir} and ${first.dir} are shards of different runs: ${what}; merge the shards of one train`);
    if (s.config !== first.config) throw differs('their config.yaml differ');
    if (s.metadata.data.sha256 !== first.metadata.data.sha256) throw differs('they were trained on different data (data.sha256 in metadata.json)');
    if (s.shard.count !== count) throw differs(`one is a shard of ${s.shard.count}, the other of ${count}`);
    if (JSON.stringify(s.run.panel.id_columns) !== JSON.stringify(first.run.panel.id_columns) || s.run.panel.configless !== first.run.panel.configless)
      throw differs('their key columns or settings differ');
    const twin = byIndex.get(s.shard.index);
    if (twin) throw new UsageError(`${s.dir} and ${twin} are both shard ${s.shard.index} of ${count}; give each shard once`);
    byIndex.set(s.shard.index, s.dir);
    for (const key of [...s.run.keys, ...s.run.panel.failed.map((e) => e.key)])
      if (shardOf(key, count) !== s.shard.index)
        throw new ArtifactError(`${s.dir}: series ${keyText(key)} belongs to shard ${shardOf(key, count)} of ${count}, not ${s.shard.index}`);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new UsageError(
      `shard${missing.length > 1 ? 's' : ''} ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''} of ${count} missing; give every shard run`,
    );

  // every fitted series with what belongs to it, in key order as the unsharded run lists them
  const all = shards.flatMap((s) =>
    s.run.keys.map((key, i) => ({
      key,
      run: s.run,
      place: i,
      metrics: s.metrics.series[i],
      forecast: s.forecast.blocks.get(JSON.stringify(key)) ?? '',
    })),
  );
  all.sort((a, b) => compareKeys(a.key, b.key));
  const files: Record<string, FileData> = {};
  let rows = 0;
  let pretrained: PretrainedModel | undefined;
  // series.jsonl's lines, with each series' models under its new place
  const lines = all.map((a, i) => {
    const entry = a.run.entry(a.place);
    const saved = a.run.series(a.place);
    Object.assign(
      files,
      memberFiles(saved.members, (j) => localMemberFileNames(i, j)),
    );
    rows += entry.rows;
    // the pretrained forecaster the series use: every shard holds the same copy
    pretrained ??= saved.pretrained;
    return seriesLine({ ...entry, models: entry.models.map((_, j) => localMemberFileNames(i, j).model) });
  });
  if (pretrained) Object.assign(files, pretrainedFiles(pretrained));
  const failed = shards.flatMap((s) => s.run.panel.failed).sort((a, b) => compareKeys(a.key, b.key));
  const panel: PanelFile = {
    format_version: PANEL_FORMAT_VERSION,
    scope: first.run.panel.scope,
    id_columns: first.run.panel.id_columns,
    configless: first.run.panel.configless,
    series_count: lines.length,
    failed,
  };
  const metricsHead: Omit<PanelMetricsFile, 'series'> = {
    series_count: lines.length,
    failed_count: failed.length,
    pooled: pooledFromFiles(all.map((a) => a.metrics.methods)),
    ...optionalCoverage(pooledCoverageFromFiles(all.map((a) => a.metrics.coverage_by_step))),
  };
  const sum = (f: (m: MetadataFile) => number) => shards.reduce((acc, s) => acc + f(s.metadata), 0);
  const metadata: MetadataFile = {
    ...first.metadata,
    rnnfc_version: VERSION,
    data: {
      ...first.metadata.data,
      rows: Math.max(1, rows),
    },
    panel: { series: lines.length, failed: failed.length },
    timings: { train_seconds: Number(sum((m) => m.timings.train_seconds).toFixed(3)), total_seconds: Number(sum((m) => m.timings.total_seconds).toFixed(3)) },
    created: new Date().toISOString(),
  };
  Object.assign(files, {
    [PANEL_FILE]: JSON.stringify(panel) + '\n',
    [SERIES_FILE]: lines,
    'config.yaml': first.config,
    'metadata.json': JSON.stringify(metadata, null, 2) + '\n',
    'metrics.json': panelMetricsPieces(
      metricsHead,
      all.map((a) => metricsEntryText(a.metrics)),
    ),
    'forecast.csv': [first.forecast.header, ...all.map((a) => a.forecast)],
  });
  if (first.run.config.output.plot) {
    // redrawn for the whole panel, as the unsharded train draws them: the history from the data
    const { panelPlotFiles, trainedPanel } = await import('./panel-plots.js');
    const data = trainedPanel(first.run.config, first.metadata.data.sha256);
    if (data.note) onNote?.(`plot.svg shows no history: ${data.note}`);
    const byKey = new Map(data.panel?.members.map((m) => [JSON.stringify(m.key), m.series]));
    Object.assign(
      files,
      await panelPlotFiles(
        all.map((a) => a.metrics),
        { header: first.forecast.header, rowsOf: (i) => all[i].forecast },
        panel.id_columns.length,
        (i) => byKey.get(JSON.stringify(all[i].key)),
      ),
    );
  }
  files['manifest.json'] = buildManifest(files, VERSION);
  return files;
}
