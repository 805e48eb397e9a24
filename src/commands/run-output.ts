/** Where `rnnfc train` writes its run: checked before the data is read, reserved before training, written atomically. */
import { checkNextRunDir, checkRunTarget, type RunSlot, reserveNextRunDir, reserveRunDir } from '../artifacts/atomic.js';
import type { FileData } from '../artifacts/write-steps.js';
import type { Config } from '../config/types.js';
import { InterruptError } from '../errors.js';
import { runBaseName } from './common.js';
import { atCommandEnd, testSteps, trapSignals } from './interrupt.js';

export interface RunOutputOptions {
  out?: string;
  overwrite?: boolean;
}

/** A reserved run directory: `commit` writes the run there (once). */
export interface RunOutput {
  dir: string;
  commit(files: Record<string, FileData>): Promise<void>;
}

/**
 * Checks, writing nothing, where the run will go: `--out` (which may exist only as an rnnfc run,
 * and only with --overwrite), or a fresh name under output.dir. Throws UserError (exit 2) naming
 * the path and the reason.
 */
export function checkRunOutput(opts: RunOutputOptions, cfg: Config): void {
  if (opts.out !== undefined) checkRunTarget(opts.out, Boolean(opts.overwrite));
  else checkNextRunDir(cfg.output.dir, runBaseName(cfg.data.path));
}

/**
 * Reserves the run directory atomically (no other rnnfc process gets the same name; a collision
 * on --out is exit 2 here, before training) until the command ends. From here on SIGINT and
 * SIGTERM undo what was written (src/commands/interrupt.ts). Without --out, `cfg` names the fresh run.
 */
export async function reserveRunOutput(opts: RunOutputOptions, cfg?: Config): Promise<RunOutput> {
  const trap = trapSignals();
  let slot: RunSlot;
  try {
    slot =
      opts.out !== undefined
        ? reserveRunDir(opts.out, { overwrite: Boolean(opts.overwrite) })
        : reserveNextRunDir(cfg!.output.dir, runBaseName(cfg!.data.path));
  } catch (e) {
    trap.dispose();
    throw e;
  }
  const end = () => {
    slot.release();
    trap.dispose();
  };
  const unregister = atCommandEnd(end);
  const step = testSteps(trap.signal);
  await step('reserved');
  if (trap.signal.aborted) throw new InterruptError();
  return {
    dir: slot.dir,
    async commit(files) {
      try {
        await slot.commit(files, { signal: trap.signal, step });
      } finally {
        unregister();
        end();
      }
    },
  };
}
