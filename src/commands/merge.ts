import { checkRunTarget } from '../artifacts/atomic.js';
import { mergePanelFiles } from '../artifacts/panel-merge.js';
import { UsageError } from '../errors.js';
import { jsonSchema } from './common.js';
import { reserveRunOutput } from './run-output.js';

export interface MergeOptions {
  out?: string;
  overwrite?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** `rnnfc merge`: shard runs of a panel (train --shard i/n) -> one run, as if trained unsharded. */
export async function mergeCommand(shardRuns: string[], opts: MergeOptions): Promise<void> {
  if (opts.out === undefined) throw new UsageError('merge needs --out DIR, the run to write');
  checkRunTarget(opts.out, Boolean(opts.overwrite));
  const files = await mergePanelFiles(shardRuns, (note) => {
    if (!opts.quiet) process.stderr.write(`note: ${note}\n`);
  });
  const out = await reserveRunOutput({ out: opts.out, overwrite: opts.overwrite });
  await out.commit(files);
  const panel = JSON.parse(String(files['panel.json'])) as { series_count: number; failed: unknown[] };
  if (opts.json)
    process.stdout.write(
      JSON.stringify({
        schema: jsonSchema('merge'),
        run: out.dir,
        shards: shardRuns.length,
        series: panel.series_count,
        failed: panel.failed.length,
      }) + '\n',
    );
  else if (!opts.quiet) process.stdout.write(`merged ${shardRuns.length} shard runs (${panel.series_count} series) into ${out.dir}\n`);
}
