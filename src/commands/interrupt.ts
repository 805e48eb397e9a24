/**
 * SIGINT (Ctrl-C) and SIGTERM for the commands. While a command has something to undo (training,
 * a reserved run directory, an output being written) it traps both signals: the work stops at its
 * next safe point, what it wrote is removed, and main.ts prints one line and exits 130 (SIGINT)
 * or 143 (SIGTERM). Outside those phases the signals keep their default action (the process
 * ends at once, having written nothing), so a blocking read can still be stopped with Ctrl-C.
 */

export type StopSignal = 'SIGINT' | 'SIGTERM';

let received: StopSignal | null = null;

/** The stop signal this command received, if any (for main.ts's message and exit code). */
export function receivedSignal(): StopSignal | null {
  return received;
}

/** Turns SIGINT and SIGTERM into an abort of `signal` until `dispose` is called. */
export function trapSignals(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const on = (sig: StopSignal) => {
    received ??= sig;
    ac.abort();
  };
  const onInt = () => on('SIGINT');
  const onTerm = () => on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: ac.signal,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

const cleanups = new Set<() => void>();

/** Registers `fn` to run when the command ends, however it ends (main.ts); returns a function that unregisters it. */
export function atCommandEnd(fn: () => void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Runs (once) what atCommandEnd registered; a cleanup that fails leaves its files for the next run to remove. */
export function runCommandCleanups(): void {
  for (const fn of [...cleanups]) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      // the next writer of that name removes what is left (src/artifacts/atomic.ts)
    }
  }
}

/**
 * How commands follow their write steps (WriteSteps.step): one turn of the event loop, so that a
 * pending signal is seen. For tests only (the crash harness and the Ctrl-C tests): with
 * RNNFC_TEST_STEPS=1 each step also prints `rnnfc-test-step: NAME` on stderr, and
 * RNNFC_TEST_PAUSE_AT=NAME waits up to 60 s at that step (until `signal` aborts), so that a test
 * can kill or interrupt the process exactly there.
 */
export function testSteps(signal?: AbortSignal): (name: string) => Promise<void> {
  const pauseAt = process.env.RNNFC_TEST_PAUSE_AT;
  const print = process.env.RNNFC_TEST_STEPS === '1' || Boolean(pauseAt);
  return async (name) => {
    if (print) process.stderr.write(`rnnfc-test-step: ${name}\n`);
    if (name !== pauseAt || signal?.aborted) return new Promise((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 60_000);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done);
    });
  };
}
