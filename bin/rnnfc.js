#!/usr/bin/env node
import { run } from '../dist/main.js';

run(process.argv).then((code) => {
  process.exitCode = code;
});
