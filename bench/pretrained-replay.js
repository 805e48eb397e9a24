#!/usr/bin/env node
// Other pretrained networks replayed into saved backtests of the config-less defaults
// (`node bench/accuracy.js ... --save FILE`), without training anything again: at each saved origin,
// each network given by --pretrained (`builtin`, or a folder `rnnfc pretrain` wrote) forecasts the
// origin's rows zero-shot, and is scored
//   alone                 its forecast by itself,
//   in the product        the origin's forecast with it in place of the saved network's part,
//                         wherever the origin's validation choice used the network (the choice
//                         itself kept as it was made with the saved one);
// with two or more networks, the mean and the median of their forecasts (an ensemble of networks)
// both ways too. The saved network's own part and the product are given for reference: replaying
// the network the backtests were made with gives the product back.
// Scores are bench/accuracy.js's suite scores (geometric mean over the series of mean MASE over the
// origins divided by Comb's), per category when the manifest has them. Every network has to read
// the windows this rnnfc's do (src/forecast/pretrained-windows.ts).
//
// usage: node bench/pretrained-replay.js --manifest FILE --baselines FILE --saved FILE
//          --pretrained builtin,DIR,... [--visible]
//   (--visible: the manifest is ../shared/bench/manifest.json, whose series are in datasets/)
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { flag, meanOf, medianOf, opt, printScores, replayScores, root } from './args.js';

const { loadPretrained } = await import(join(root, 'dist/artifacts/pretrained-files.js'));
const { pretrainedForecast } = await import(join(root, 'dist/forecast/pretrained-windows.js'));
const { interpolate } = await import(join(root, 'dist/data/parse-csv.js'));
const manifestPath = opt('manifest');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const baselines = JSON.parse(readFileSync(opt('baselines'), 'utf8'));
const saved = JSON.parse(readFileSync(opt('saved'), 'utf8'));
const specs = (opt('pretrained') ?? '').split(',').filter(Boolean);
if (!specs.length) throw new Error('--pretrained needs builtin or the folders `rnnfc pretrain` wrote, comma-separated');
const nets = specs.map((spec) => ({ name: spec === 'builtin' ? 'builtin' : basename(spec), model: loadPretrained(spec) }));

const t0 = performance.now();
// gaps filled as rnnfc fills them by default (data.missing: interpolate)
const { scores, origins } = replayScores({ manifest, manifestPath, saved, baselines, visible: flag('visible'), fill: interpolate }, (e, y, o) => {
  const P = o.parts;
  // the origin's forecast with `zero` as the network's part: the mean of the parts its choice kept
  const product = (zero) => meanOf([P.model, ...(o.pretrained === 'mean' ? [zero] : []), ...(o.holt ? [P.holt] : []), ...(o.ets ? [P.ets] : [])]);
  const ways = { product: o.forecast, 'saved network': P.pretrained ?? o.forecast };
  // an origin without the network's part (too few rows before it) keeps its forecast in every way
  const zeros = P.pretrained ? nets.map((n) => pretrainedForecast(n.model.predict, y.subarray(0, o.train_end), e.m ?? 1, o.actual.length)) : null;
  const add = (name, z) => {
    ways[`${name} alone`] = z ?? o.forecast;
    ways[`${name} in product`] = z ? product(z) : o.forecast;
  };
  nets.forEach((n, i) => add(n.name, zeros?.[i]));
  if (nets.length > 1) {
    add('mean of networks', zeros && meanOf(zeros));
    add('median of networks', zeros && medianOf(zeros));
  }
  return ways;
});
process.stdout.write(`suite score against Comb; ${origins} origins, ${nets.length} networks, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
printScores(scores, [...new Set(manifest.map((e) => e.category).filter(Boolean))], 30);
