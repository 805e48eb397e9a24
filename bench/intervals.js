#!/usr/bin/env node
// Prediction-interval benchmark: rnnfc's 80% and 95% intervals against R's ETS intervals and the
// seasonal naive method's textbook ones, under the rolling-origin protocol of
// ../shared/bench/ACCURACY.md (K origins, step ceil(h/2), one forecast of h steps from each).
//
// For each series of a manifest, `rnnfc backtest --json` runs with the config-less defaults; the
// ETS intervals come from bench/ets-intervals.R on the same manifest and origins. Reported, per
// method and per category (the manifest's `category` field):
//   cov80, cov95   coverage: percent of the test actuals inside the interval, pooled over every
//                  step of every series and origin (nominal: 80 and 95);
//   MSIS           the 95% interval's mean scaled interval score (M4's definition, scaled like
//                  MASE by the mean absolute seasonal difference of the rows before the origin),
//                  averaged over the series-origins as M4 averaged it;
//   vs ETS         the geometric mean over the series-origins of MSIS / ETS's MSIS.
//
// usage: node bench/intervals.js --manifest FILE --ets FILE [--origins K] [--cache FILE] [--json] [--intervals METHOD]
//   --intervals conformal|ensemble: how rnnfc sizes its intervals (evaluation.intervals; default conformal);
//   --manifest defaults to ../shared/bench/manifest.json (the visible series, read from datasets/);
//   --cache FILE keeps rnnfc's backtest results, so that a second run only reads them.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { backtestArgs, firstHeaderCell, root as ROOT } from './args.js';

const BIN = join(ROOT, 'bin/rnnfc.js');
const SHARED = resolve(ROOT, '../shared');

function parseArgs(argv) {
  const o = { manifest: null, ets: null, origins: 3, cache: null, json: false, intervals: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--manifest') o.manifest = resolve(val());
    else if (a === '--ets') o.ets = resolve(val());
    else if (a === '--origins') o.origins = Number(val());
    else if (a === '--cache') o.cache = resolve(val());
    else if (a === '--json') o.json = true;
    else if (a === '--intervals') o.intervals = val();
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.ets) throw new Error('--ets FILE (bench/ets-intervals.R output for the manifest) is needed');
  return o;
}

/** The interval score of [lo, up] at level 1 - alpha over the steps, divided by scale (M4's MSIS for alpha 0.05). */
function msis(y, lo, up, alpha, scale) {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += up[i] - lo[i] + (2 / alpha) * Math.max(0, lo[i] - y[i]) + (2 / alpha) * Math.max(0, y[i] - up[i]);
  return s / y.length / scale;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const manifestPath = opts.manifest ?? join(SHARED, 'bench/manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const ets = JSON.parse(readFileSync(opts.ets, 'utf8'));
  const dataPath = (e) => (opts.manifest ? relative(ROOT, resolve(dirname(manifestPath), e.file)) : join('datasets', basename(e.file)));
  const cache = opts.cache && existsSync(opts.cache) ? JSON.parse(readFileSync(opts.cache, 'utf8')) : {};
  // one record per series-origin: the actuals, the scale, and each method's 80% and 95% bounds
  const records = [];
  for (const e of manifest) {
    let result = cache[e.name];
    if (!result) {
      const data = dataPath(e);
      const args = [BIN, ...backtestArgs(data, firstHeaderCell(join(ROOT, data)), e, opts.origins), ...(opts.intervals ? ['--intervals', opts.intervals] : [])];
      const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      if (r.status !== 0) {
        process.stderr.write(`${e.name}: rnnfc backtest failed: ${(r.stderr || '').trim().split('\n')[0]}\n`);
        continue;
      }
      result = JSON.parse(r.stdout.trim().split('\n').pop());
      cache[e.name] = result;
      if (opts.cache) writeFileSync(opts.cache, JSON.stringify(cache));
    }
    for (const o of result.origins) {
      const m = o.metrics.model;
      const r = ets[e.name]?.origins?.find((x) => x.train_end === o.train_end);
      if (!r || !o.intervals || !(m.mase > 0)) continue;
      const scale = m.mae / m.mase;
      records.push({
        name: e.name,
        category: e.category ?? null,
        actual: o.actual,
        scale,
        model: { msis: m.msis, cov: { 80: m.coverage_80, 95: m.coverage_95 } },
        snaive: { msis: o.metrics.seasonal_naive.msis, cov: { 80: o.metrics.seasonal_naive.coverage_80, 95: o.metrics.seasonal_naive.coverage_95 } },
        ets: {
          msis: msis(o.actual, r.lower_95, r.upper_95, 0.05, scale),
          cov: Object.fromEntries(
            [80, 95].map((l) => [l, (100 * o.actual.filter((y, i) => y >= r[`lower_${l}`][i] && y <= r[`upper_${l}`][i]).length) / o.actual.length]),
          ),
        },
      });
    }
  }
  const methods = ['model', 'ets', 'snaive'];
  const summary = (rs) =>
    Object.fromEntries(
      methods.map((k) => {
        const points = rs.reduce((a, r) => a + r.actual.length, 0);
        const cov = (l) => rs.reduce((a, r) => a + (r[k].cov[l] * r.actual.length) / 100, 0) / points;
        const ok = rs.filter((r) => r[k].msis > 0 && r.ets.msis > 0 && Number.isFinite(r[k].msis / r.ets.msis));
        return [
          k,
          {
            cov80: 100 * cov(80),
            cov95: 100 * cov(95),
            msis: rs.reduce((a, r) => a + r[k].msis, 0) / rs.length,
            vs_ets: Math.exp(ok.reduce((a, r) => a + Math.log(r[k].msis / r.ets.msis), 0) / ok.length),
          },
        ];
      }),
    );
  const cats = [...new Set(records.map((r) => r.category).filter((c) => c !== null))];
  const groups = [['all', records], ...cats.map((c) => [c, records.filter((r) => r.category === c)])].map(([category, rs]) => ({
    category,
    series_origins: rs.length,
    ...summary(rs),
  }));
  if (opts.json) {
    process.stdout.write(JSON.stringify({ origins: opts.origins, groups }) + '\n');
    return;
  }
  process.stdout.write(
    `prediction intervals over ${records.length} series-origins (${opts.origins} origins per series): coverage in percent, pooled over the steps; MSIS of the 95% interval, mean over series-origins; vs ETS: geometric mean of MSIS / ETS's\n`,
  );
  process.stdout.write(
    `${'category'.padEnd(12)}${'n'.padStart(5)}${'method'.padStart(8)}${'cov80'.padStart(8)}${'cov95'.padStart(8)}${'MSIS'.padStart(9)}${'vs ETS'.padStart(8)}\n`,
  );
  for (const g of groups)
    for (const k of methods) {
      const s = g[k];
      process.stdout.write(
        `${g.category.padEnd(12)}${String(g.series_origins).padStart(5)}${k.padStart(8)}${s.cov80.toFixed(1).padStart(8)}${s.cov95.toFixed(1).padStart(8)}${s.msis.toFixed(2).padStart(9)}${s.vs_ets.toFixed(3).padStart(8)}\n`,
      );
    }
}

try {
  main();
} catch (err) {
  process.stderr.write(`bench/intervals: error: ${err.message}\n`);
  process.exitCode = 2;
}
