#!/usr/bin/env node
// Writes the evaluation part of the TSDL corpus (datasets/tsdl/, split.csv's `eval` rows) as one
// CSV per series (`time,value`) plus manifest.json (name, file, target, m, h, category) into DIR,
// for bench/accuracy.js --manifest and for ../shared/bench/baselines.R (run it from DIR: the
// files are relative to it).
//
// Protocol (M-competition horizons; ../shared/bench/ACCURACY.md for the rolling origins):
//   yearly     frequency 1 with a time column of years (the first time cell is meta.csv's
//              start, not the row index 1)                                     h 6,  m 1
//   quarterly  frequency 4                                                     h 8,  m 4
//   monthly    frequency 12                                                    h 18, m 12
//   other      everything else (52, 365, 13, 6, 5, fractional, and frequency 1 with a
//              row-index time column): no season is assumed                    h 8,  m 1
// Series longer than 500 values keep their last 500. Missing values: leading and trailing ones
// are dropped, interior ones filled by linear interpolation between the neighbouring values, so
// every method sees the same complete series. A series is skipped when the training part of
// its earliest origin (n - h - 2*ceil(h/2) values, 3 origins) has fewer than max(h + 3, 2m)
// values, or when that part is constant (its MASE scale is 0).
//
// --part tune writes the tuning part instead (src/pretrain/corpus.ts isTuneSeries: pretraining-part
// series left out of the pretraining corpus, on which the use of the pretrained network is tuned).
//
// --short writes short histories instead, the lengths business forecasting competitions use
// (counting the h test values: yearly 20-47, quarterly 24-72, monthly 66-144, other 79-112), to
// be scored at one origin (bench/accuracy.js --origins 1; baselines.R ... 1): from each series up
// to SHORT_PER_SERIES pieces `ID_sJ`, piece J ending 2hJ values before the series' end (their test
// values do not overlap), its length drawn in the category's range from a hash of ID and J. A
// piece is skipped when the values before its test part are fewer than max(h + 3, 2m) or constant.
//
// usage: node bench/tsdl-eval.js DIR [--part eval|tune] [--short]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { flag, opt, root } from './args.js';

const CAP = 500;
const ORIGINS = 3;
/** --short: pieces per series, and each category's range of lengths (with the h test values). */
const SHORT_PER_SERIES = 3;
const SHORT_LENGTHS = { yearly: [20, 47], quarterly: [24, 72], monthly: [66, 144], other: [79, 112] };

/** Category, horizon and season of a series from its meta.csv frequency and first time cell. */
function protocolFor(frequency, start, firstTime) {
  if (frequency === 12) return { category: 'monthly', h: 18, m: 12 };
  if (frequency === 4) return { category: 'quarterly', h: 8, m: 4 };
  if (frequency === 1 && firstTime === start && start !== '1') return { category: 'yearly', h: 6, m: 1 };
  return { category: 'other', h: 8, m: 1 };
}

/** Mean |y[t] - y[t-m]| over the first `end` values. */
function scale(y, end, m) {
  let s = 0;
  for (let t = m; t < end; t++) s += Math.abs(y[t] - y[t - m]);
  return end > m ? s / (end - m) : 0;
}

async function main() {
  const dirArg = process.argv[2];
  if (!dirArg || dirArg.startsWith('-')) {
    process.stderr.write('usage: node bench/tsdl-eval.js DIR [--part eval|tune] [--short]\n');
    process.exit(2);
  }
  const out = resolve(dirArg);
  const wanted = opt('part', 'eval');
  if (wanted !== 'eval' && wanted !== 'tune') throw new Error(`--part must be eval or tune, got ${wanted}`);
  const { fillGaps, isTuneSeries, tsdlHash } = await import(join(root, 'dist/pretrain/corpus.js'));
  const short = flag('short');
  const data = join(root, 'datasets/tsdl');
  const split = parse(readFileSync(join(data, 'split.csv')), { columns: true });
  const meta = new Map();
  // meta.csv repeats a few ids (a description over several rows); the first row holds the same fields
  for (const r of parse(readFileSync(join(data, 'meta.csv')), { columns: true })) if (!meta.has(r.id)) meta.set(r.id, r);
  const rows = new Map();
  for (const r of parse(readFileSync(join(data, 'series.csv')), { columns: true })) {
    let s = rows.get(r.id);
    if (!s) {
      s = { time: [], raw: [] };
      rows.set(r.id, s);
    }
    s.time.push(r.time);
    s.raw.push(r.value);
  }

  mkdirSync(out, { recursive: true });
  const manifest = [];
  const skipped = [];
  let capped = 0,
    withGaps = 0;
  for (const { id, part } of split) {
    if (wanted === 'eval' ? part !== 'eval' : !(part === 'pretrain' && isTuneSeries(id))) continue;
    const md = meta.get(id);
    const s = rows.get(id);
    const p = protocolFor(Number(md.frequency), md.start, s.time[0]);
    let time = s.time,
      raw = s.raw;
    if (raw.length > CAP) {
      time = time.slice(-CAP);
      raw = raw.slice(-CAP);
      capped++;
    }
    const g = fillGaps(raw.map((v) => (v.trim() === '' ? Number.NaN : Number(v))));
    if (g.filled > 0 || g.from > 0 || g.to < raw.length) withGaps++;
    const y = Array.from(g.values);
    time = time.slice(g.from, g.to);
    raw = raw.slice(g.from, g.to);
    const need = Math.max(p.h + 3, 2 * p.m);
    // the whole series with 3 origins, or (--short) pieces of it with one origin each
    const pieces = [];
    if (!short) pieces.push({ name: id, from: 0, to: y.length, origins: ORIGINS });
    else
      for (let j = 0; j < SHORT_PER_SERIES; j++) {
        const [lo, hi] = SHORT_LENGTHS[p.category];
        const to = y.length - 2 * p.h * j;
        const length = lo + Math.floor(tsdlHash(`${id}#${j}`.replace(/_(\d+)#/, '-$1#')) * (hi - lo + 1));
        pieces.push({ name: `${id}_s${j}`, from: Math.max(0, to - length), to, origins: 1 });
      }
    for (const piece of pieces) {
      const v = y.slice(piece.from, piece.to);
      const firstEnd = v.length - p.h - (piece.origins - 1) * Math.ceil(p.h / 2);
      if (firstEnd < need) {
        skipped.push(`${piece.name} (${p.category}, ${v.length} values: the earliest origin would train on ${firstEnd} < ${need})`);
        continue;
      }
      if (!(scale(v, firstEnd, p.m) > 0)) {
        skipped.push(`${piece.name} (${p.category}: constant before the earliest origin)`);
        continue;
      }
      // the source's own digits where present, the interpolated number elsewhere
      const lines = v.map((x, k) => {
        const i = piece.from + k;
        return `${time[i]},${raw[i].trim() === '' ? String(x) : raw[i].trim()}`;
      });
      writeFileSync(join(out, `${piece.name}.csv`), `time,value\n${lines.join('\n')}\n`);
      manifest.push({ name: piece.name, file: `${piece.name}.csv`, target: 'value', m: p.m, h: p.h, category: p.category });
    }
  }
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  const byCat = {};
  for (const e of manifest) byCat[e.category] = (byCat[e.category] ?? 0) + 1;
  process.stdout.write(
    `wrote ${manifest.length} series to ${out} (${Object.entries(byCat)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}); ${capped} capped to their last ${CAP} values, ${withGaps} with missing values filled or trimmed\n`,
  );
  if (skipped.length) process.stdout.write(`skipped ${skipped.length}:\n${skipped.map((s) => `  ${s}\n`).join('')}`);
}

await main();
