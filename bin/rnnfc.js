#!/usr/bin/env node
// dist/bundle.js: dist/main.js and every module of rnnfc's own it imports, in one file (npm run
// build), which a process loads in a fraction of the time Node takes to find and load them one by one
import { run } from '../dist/bundle.js';

run(process.argv).then((code) => {
  process.exitCode = code;
});
