/**
 * `rnnfc report RUN`: makes a run's report.html again from its files (output/report.ts), after
 * checking the run whole, into `-o FILE` (default report.html in the current folder; `-` standard
 * output). Never into the run itself: its report.html is listed in its manifest, as train wrote it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkOutputFile, insideDir, writeOutputFile } from '../artifacts/output-file.js';
import { isPanelRun, readRun } from '../artifacts/run-reader.js';
import { REPORT_FILE, reportFilesOf } from '../artifacts/run-writer.js';
import { UsageError } from '../errors.js';
import { REPORT_SOURCES, reportHtml } from '../output/report.js';

export interface ReportOptions {
  output?: string;
  quiet?: boolean;
}

export async function reportCommand(runDir: string, opts: ReportOptions): Promise<void> {
  if (isPanelRun(runDir))
    throw new UsageError(`${runDir} is a panel run; rnnfc report makes the report of a single-series run (a panel's plot.svg shows its series)`);
  const run = readRun(runDir);
  const target = opts.output ?? REPORT_FILE;
  if (target !== '-') {
    checkOutputFile(target, '-o');
    if (insideDir(target, runDir))
      throw new UsageError(`${target} is inside the run ${runDir}, whose files its manifest checks; write the report elsewhere with -o`);
  }
  const files: Record<string, string> = {};
  for (const name of REPORT_SOURCES) {
    const path = join(runDir, name);
    if (existsSync(path)) files[name] = readFileSync(path, 'utf8');
  }
  const html = reportHtml(run.pipeline.target, reportFilesOf(files));
  if (target === '-') process.stdout.write(html);
  else {
    await writeOutputFile(target, html);
    if (!opts.quiet) process.stderr.write(`wrote ${target}\n`);
  }
}
