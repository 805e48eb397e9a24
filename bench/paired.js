#!/usr/bin/env node
// Whether one saved run of bench/accuracy.js (`--save FILE`) scores better than another on the same
// series by more than the series' own scatter: a paired comparison. For each series both runs
// scored at the same origins, its score is its mean MASE over the origins divided by Comb's (as
// bench/accuracy.js computes it, Comb's from the baselines file); the ratio of the two suite
// scores (geometric means: --against over --saved) is the exponential of the mean of the series'
// log ratios, and its 90% interval comes from resampling the series with replacement (a seeded
// bootstrap, 2,000 draws). Each run's own suite score gets the same kind of interval: how far the
// score could move with another draw of series like these, which bounds what a set of this size
// can say about series it does not hold. Per category when the manifest has them.
//
// usage: node bench/paired.js --saved A.json --against B.json --baselines FILE [--manifest FILE] [--seed N]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { opt, root, savedOrigin } from './args.js';

const { mulberry32 } = await import(join(root, 'dist/pretrain/rng.js'));

const read = (f) => JSON.parse(readFileSync(f, 'utf8'));
const a = read(opt('saved'));
const b = read(opt('against'));
const baselines = read(opt('baselines'));
const categories = opt('manifest') ? Object.fromEntries(read(opt('manifest')).map((e) => [e.name, e.category ?? null])) : {};
const DRAWS = 2000;

/** A series' log(mean MASE / Comb's mean MASE) over the origins of `ends`, or null. */
function logScore(bt, base, ends) {
  let v = 0;
  let c = 0;
  for (const end of ends) {
    const o = bt.origins.find((x) => x.train_end === end);
    const at = savedOrigin(o, base);
    if (!at) return null;
    v += at.mase(o.forecast);
    c += at.mase(at.r.forecasts.comb);
  }
  return v > 0 && c > 0 ? Math.log(v / c) : null;
}

// the series both runs scored, at the origins both have
const rows = [];
for (const [name, x] of Object.entries(a)) {
  const y = b[name];
  const base = baselines[name];
  if (!x?.origins || !y?.origins || !base) continue;
  const ends = x.origins.map((o) => o.train_end).filter((e) => y.origins.some((o) => o.train_end === e));
  if (ends.length === 0) continue;
  const la = logScore(x, base, ends);
  const lb = logScore(y, base, ends);
  if (la !== null && lb !== null) rows.push({ name, la, lb, cat: categories[name] ?? null });
}

// the project's seeded generator: the same draws for the same --seed
const rand = mulberry32(Number(opt('seed', '1')));
/** exp(mean of v) and the 5% and 95% points of its bootstrap over v's entries. */
function interval(v) {
  const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const draws = Array.from({ length: DRAWS }, () => mean(v.map(() => v[Math.floor(rand() * v.length)]))).sort((p, q) => p - q);
  return { value: Math.exp(mean(v)), lo: Math.exp(draws[Math.floor(0.05 * DRAWS)]), hi: Math.exp(draws[Math.floor(0.95 * DRAWS) - 1]) };
}
const fmt = (s) => `${s.value.toFixed(3)} [${s.lo.toFixed(3)}, ${s.hi.toFixed(3)}]`.padStart(24);

const cats = ['all', ...new Set(rows.map((r) => r.cat).filter((c) => c))];
process.stdout.write(`paired over the series both runs scored (90% bootstrap intervals, ${DRAWS} draws)\n`);
process.stdout.write(
  `${'category'.padEnd(11)}${'series'.padStart(7)}${'--saved'.padStart(24)}${'--against'.padStart(24)}${'ratio against / saved'.padStart(26)}\n`,
);
for (const cat of cats) {
  const rs = rows.filter((r) => cat === 'all' || r.cat === cat);
  if (rs.length === 0) continue;
  const cells = [interval(rs.map((r) => r.la)), interval(rs.map((r) => r.lb)), interval(rs.map((r) => r.lb - r.la))];
  process.stdout.write(`${cat.padEnd(11)}${String(rs.length).padStart(7)}${cells.map(fmt).join('')}\n`);
}
