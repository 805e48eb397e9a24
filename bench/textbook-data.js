#!/usr/bin/env node
// Writes datasets/lag50.csv, the textbook case of the gradient-flow diagnostics (README, "Gradient
// flow"): a pattern of 50 values drawn uniformly from [0, 10), repeated 16 times (800 rows), plus
// uniform noise of +-0.1, so that the best forecast of a row is the row 50 steps before it. Seeded
// (the minimal standard generator, seed 7): the file is the same on every machine.
// Usage: node bench/textbook-data.js [--out FILE]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { opt, root } from './args.js';

let state = 7;
const next = () => {
  state = (state * 16807) % 2147483647;
  return state / 2147483647;
};
const pattern = Array.from({ length: 50 }, () => Math.round(next() * 10 * 100) / 100);
const rows = ['t,y'];
for (let t = 0; t < 800; t++) rows.push(`${t},${(pattern[t % 50] + (next() - 0.5) * 0.2).toFixed(3)}`);
const out = opt('out', join(root, 'datasets', 'lag50.csv'));
writeFileSync(out, `${rows.join('\n')}\n`);
console.log(`wrote ${out}`);
