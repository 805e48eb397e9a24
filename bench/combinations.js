#!/usr/bin/env node
// Ways of combining the config-less forecast's parts, scored from saved backtests without running
// anything again. `node bench/accuracy.js ... --save FILE` keeps every series' `rnnfc backtest
// --json` output; each origin has its forecast and `parts`: the same rows forecast by the model
// and, where computed, the pretrained network, the Theta method and Holt's damped trend. Scored
// against the baselines file of the same manifest (../shared/bench/baselines.R, same origins):
//   product         the forecast rnnfc made (the mean of the parts its validation choice kept)
//   <part>          each part alone
//   mean, median    of every part computed at the origin (plus --with's R forecasts)
//   mean -model     every part but the model's
// Each score is the suite score of bench/accuracy.js: the geometric mean over the series of their
// mean MASE over the origins divided by Comb's, per category when the manifest has them. Only
// origins where every listed way has a forecast count, so the ways share their origins.
//
// usage: node bench/combinations.js --saved FILE --baselines FILE [--manifest FILE] [--with ets,arima,theta]
import { readFileSync } from 'node:fs';
import { meanOf as mean, medianOf as median, opt, savedOrigin } from './args.js';

const saved = JSON.parse(readFileSync(opt('saved'), 'utf8'));
const baselines = JSON.parse(readFileSync(opt('baselines'), 'utf8'));
const categories = opt('manifest') ? Object.fromEntries(JSON.parse(readFileSync(opt('manifest'), 'utf8')).map((e) => [e.name, e.category ?? null])) : {};
const extra = (opt('with') ?? '').split(',').filter(Boolean);
const PARTS = ['model', 'pretrained', 'theta', 'holt', 'ets'];

/** Each way's forecast at an origin (undefined where it has none), from rnnfc's origin and R's. */
function ways(o, r) {
  const parts = PARTS.filter((p) => o.parts?.[p]).map((p) => o.parts[p]);
  const all = [...parts, ...extra.map((k) => r.forecasts[k])];
  const others = PARTS.filter((p) => p !== 'model' && o.parts?.[p]).map((p) => o.parts[p]);
  return {
    product: o.forecast,
    ...Object.fromEntries(PARTS.map((p) => [p, o.parts?.[p]])),
    ...Object.fromEntries(extra.map((k) => [`R ${k}`, r.forecasts[k]])),
    [`mean${extra.length ? ` +${extra}` : ''}`]: mean(all),
    [`median${extra.length ? ` +${extra}` : ''}`]: median(all),
    'mean -model': others.length ? mean(others) : undefined,
  };
}

const per = new Map(); // way -> name -> { mase, comb, n }
const names = new Set();
for (const [name, bt] of Object.entries(saved)) {
  const base = baselines[name];
  if (!base) continue;
  for (const o of bt.origins) {
    const at = savedOrigin(o, base);
    if (!at) continue;
    const { r, mase } = at;
    for (const [way, f] of Object.entries(ways(o, r))) {
      names.add(way);
      if (!f?.every(Number.isFinite)) continue;
      const w = per.get(way) ?? new Map();
      const e = w.get(name) ?? {};
      e[o.train_end] = { mase: mase(f), comb: mase(r.forecasts.comb) };
      w.set(name, e);
      per.set(way, w);
    }
  }
}
// the origins every way has
const shared = new Map();
for (const name of Object.keys(saved)) {
  const ends = [...per.keys()].map((way) => Object.keys(per.get(way).get(name) ?? {}));
  const common = ends.reduce((a, b) => a.filter((x) => b.includes(x)));
  if (common.length) shared.set(name, common);
}
const cats = ['all', ...new Set([...shared.keys()].map((n) => categories[n]).filter((c) => c))];
const score = (way, cat) => {
  let s = 0;
  let n = 0;
  for (const [name, ends] of shared) {
    if (cat !== 'all' && categories[name] !== cat) continue;
    const e = per.get(way).get(name);
    const v = ends.reduce((a, t) => a + e[t].mase, 0);
    const c = ends.reduce((a, t) => a + e[t].comb, 0);
    if (v > 0 && c > 0) {
      s += Math.log(v / c);
      n++;
    }
  }
  return n ? { score: Math.exp(s / n), n } : null;
};
process.stdout.write(`suite score against Comb (geometric mean over the series of mean MASE / Comb's), ${shared.size} series\n`);
process.stdout.write(`${'way'.padEnd(22)}${cats.map((c) => c.padStart(14)).join('')}\n`);
for (const way of names) {
  if (!per.has(way)) continue;
  const cells = cats.map((c) => {
    const s = score(way, c);
    return (s ? `${s.score.toFixed(3)} (${s.n})` : '-').padStart(14);
  });
  process.stdout.write(`${way.padEnd(22)}${cells.join('')}\n`);
}
