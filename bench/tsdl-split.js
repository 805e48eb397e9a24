#!/usr/bin/env node
// Splits the Time Series Data Library corpus (datasets/tsdl/) into a pretraining part and an
// evaluation part, and writes the assignment to datasets/tsdl/split.csv (id,part), one row per
// series in the order of series.csv.
//
// The rule, fixed before any result was looked at: the entry of a series is its id without the
// `_j` column suffix that multivariate entries carry (tsdl206_3 -> tsdl206), so the columns of
// one entry stay together; h = the first 4 bytes of sha256(entry, UTF-8) as a big-endian
// unsigned integer; the series is `pretrain` when h / 2^32 < 0.7, else `eval`. Nothing else
// (length, frequency, subject) is looked at. The evaluation part is never used for pretraining
// or tuning.
//
// usage: node bench/tsdl-split.js            writes datasets/tsdl/split.csv
//        node bench/tsdl-split.js --check    exits 1 when the file differs from the rule
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { flag, root } from './args.js';

export const PRETRAIN_SHARE = 0.7;

/** The entry a series belongs to: its id without a trailing `_<digits>` column suffix. */
export function entryOf(id) {
  return id.replace(/_\d+$/, '');
}

/** 'pretrain' or 'eval' for a series id, by the rule above. */
export function partOf(id) {
  const h = createHash('sha256').update(entryOf(id), 'utf8').digest().readUInt32BE(0);
  return h / 2 ** 32 < PRETRAIN_SHARE ? 'pretrain' : 'eval';
}

/** The series ids of series.csv (long format id,time,value), in order of first appearance. */
export function seriesIds(seriesCsv) {
  const ids = [];
  let last = null;
  const lines = seriesCsv.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]) continue;
    const id = lines[i].slice(0, lines[i].indexOf(','));
    if (id !== last) {
      if (ids.includes(id)) throw new Error(`series.csv:${i + 1}: rows of ${id} are not contiguous`);
      ids.push(id);
      last = id;
    }
  }
  return ids;
}

/** The text of split.csv for these ids. */
export function splitCsv(ids) {
  return 'id,part\n' + ids.map((id) => `${id},${partOf(id)}\n`).join('');
}

function main() {
  const dir = join(root, 'datasets/tsdl');
  const ids = seriesIds(readFileSync(join(dir, 'series.csv'), 'utf8'));
  const text = splitCsv(ids);
  const path = join(dir, 'split.csv');
  const counts = { pretrain: 0, eval: 0 };
  for (const id of ids) counts[partOf(id)]++;
  const summary = `${ids.length} series: ${counts.pretrain} pretrain, ${counts.eval} eval`;
  if (flag('check')) {
    let current = null;
    try {
      current = readFileSync(path, 'utf8');
    } catch {}
    if (current !== text) {
      process.stderr.write(`${path} differs from the split rule: run node bench/tsdl-split.js\n`);
      process.exitCode = 1;
    } else process.stdout.write(`${path} matches the rule (${summary})\n`);
    return;
  }
  writeFileSync(path, text);
  process.stdout.write(`wrote ${path} (${summary})\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
