#!/usr/bin/env node
// The automatic ETS (src/forecast/ets.ts) beside the config-less defaults without it, replayed from
// saved backtests (`node bench/accuracy.js ... --ets off --save FILE`) without running rnnfc again
// (the ways that measured how it should join the defaults; it now joins below 120 rows): at each saved
// origin, ETS is fitted to the series' values before it and scored alone, joining the product's
// mean where the origin has fewer than --below rows before it (default 120), and in the place of
// Holt's damped trend wherever that joined; R's ETS (the baselines file's `ets`) alone and joining
// alike for comparison. Scores are bench/accuracy.js's suite scores (geometric mean over the series
// of mean MASE over the origins divided by Comb's), per category when the manifest has them.
//
// usage: node bench/ets-replay.js --manifest FILE --baselines FILE --saved FILE [--below N] [--visible]
//   (--visible: the manifest is ../shared/bench/manifest.json, whose series are in datasets/)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flag, meanOf, opt, printScores, replayScores, root } from './args.js';

const { etsForecast } = await import(join(root, 'dist/forecast/ets.js'));
const { interpolate } = await import(join(root, 'dist/data/parse-csv.js'));
const manifestPath = opt('manifest');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const baselines = JSON.parse(readFileSync(opt('baselines'), 'utf8'));
const saved = JSON.parse(readFileSync(opt('saved'), 'utf8'));
const below = Number(opt('below', '120'));

let fits = 0;
const t0 = performance.now();
// gaps filled as rnnfc fills them by default (data.missing: interpolate)
const { scores } = replayScores({ manifest, manifestPath, saved, baselines, visible: flag('visible'), fill: interpolate }, (e, y, o, r) => {
  const ets = etsForecast(y.subarray(0, o.train_end), e.m ?? 1, o.actual.length);
  fits++;
  const P = o.parts;
  const parts = [P.model, ...(o.pretrained === 'mean' && P.pretrained ? [P.pretrained] : []), ...(o.holt ? [P.holt] : [])];
  const short = o.train_end < below;
  return {
    product: o.forecast,
    ets,
    'R ets': r.forecasts.ets,
    [`+ets below ${below}`]: short ? meanOf([...parts, ets]) : o.forecast,
    [`+R ets below ${below}`]: short ? meanOf([...parts, r.forecasts.ets]) : o.forecast,
    'ets for Holt': meanOf([P.model, ...(o.pretrained === 'mean' && P.pretrained ? [P.pretrained] : []), ...(o.holt ? [ets] : [])]),
  };
});
process.stdout.write(`suite score against Comb; ${fits} ETS fits, ${((performance.now() - t0) / Math.max(1, fits)).toFixed(0)} ms each\n`);
printScores(scores, [...new Set(manifest.map((e) => e.category).filter(Boolean))]);
