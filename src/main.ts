import { GateError, InterruptError, PartialError, UserError } from './errors.js';

/** Exit code when the reader of standard output has gone (`rnnfc predict RUN | head`): 128 + SIGPIPE, as a Unix tool killed by it. */
export const EXIT_PIPE = 141;

/** Runs the CLI and maps errors to exit codes: 0 ok, 1 gate failed, 2 user-fixable, 3 internal, 4 some series of a panel failed (the rest written). */
export async function run(argv: string[]): Promise<number> {
  let cli: typeof import('./cli.js') | undefined;
  // A closed pipe on standard output stops rnnfc quietly, as SIGPIPE stops a Unix tool (Node
  // ignores the signal and reports EPIPE instead, which would otherwise end in a stack trace).
  // Files are written to a temporary name and moved into place, so nothing is left half written.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    cli?.runCommandCleanups();
    process.exit(EXIT_PIPE);
  });
  try {
    cli = await import('./cli.js');
    const program = cli.buildProgram();
    // no command at all: the help, on stderr, and a usage error's exit code
    if (argv.length <= 2) {
      program.outputHelp({ error: true });
      return 2;
    }
    await program.parseAsync(argv);
  } catch (err) {
    // what the command reserved or half wrote goes first, so that the message below holds
    cli?.runCommandCleanups();
    const code = reportError(err, cli?.receivedSignal() ?? null);
    // under --json, a failure is a JSON object on stdout too (a failed gate and a partial panel
    // forecast have printed their result, which says so, already)
    if (argv.includes('--json') && code !== 1 && code !== 4) process.stdout.write(jsonError(err, code));
    return code;
  }
  cli.runCommandCleanups();
  return 0;
}

function reportError(err: unknown, signal: 'SIGINT' | 'SIGTERM' | null): number {
  const e = err as { code?: string; exitCode?: number; message?: string };
  // commander signals --help / --version / parse errors with codes; it has printed already
  if (typeof e?.code === 'string' && e.code.startsWith('commander.')) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return 2;
  }
  if (err instanceof UserError) {
    process.stderr.write(`rnnfc: error: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    return 2;
  }
  if (err instanceof PartialError) {
    process.stderr.write(`rnnfc: ${err.message}\n`);
    return 4;
  }
  if (err instanceof GateError) {
    process.stderr.write(`rnnfc: ${err.message}\n`);
    return 1;
  }
  if (err instanceof InterruptError) {
    // 128 + the signal's number, as a shell reports a process the signal ended
    if (signal === 'SIGTERM') {
      process.stderr.write('rnnfc: terminated (SIGTERM); nothing was written\n');
      return 143;
    }
    process.stderr.write('rnnfc: interrupted; nothing was written\n');
    return 130;
  }
  process.stderr.write(`rnnfc: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  process.stderr.write('This is a bug in rnnfc; please report it with the command you ran.\n');
  return 3;
}

/** The error object `--json` prints on stdout: {"error": {"code", "message", "hint"?, "problems"?}}. */
export function jsonError(err: unknown, code: number): string {
  const e = err as { message?: string; hint?: string; problems?: string[] };
  const message =
    code === 130
      ? 'interrupted; nothing was written'
      : code === 143
        ? 'terminated (SIGTERM); nothing was written'
        : String(e?.message ?? err)
            .replace(/^error: /, '')
            .trim();
  const where = whereOf(message);
  return `${JSON.stringify({ schema: 'rnnfc/error@1', error: { code, message, ...(where ? { where } : {}), ...(e?.hint ? { hint: e.hint } : {}), ...(e?.problems?.length ? { problems: e.problems } : {}) } })}\n`;
}

/**
 * The file (and line) a message starts with, as rnnfc's messages name them (`sales.csv:17: ...`,
 * `runs/x: ...`), for --json's `where`; null when it names none.
 */
export function whereOf(message: string): string | null {
  const m = /^([^\s:]*[./][^\s:]*)(?::(\d+))?(?: \(series [^)]*\))?: /.exec(message);
  return m ? (m[2] ? `${m[1]}:${m[2]}` : m[1]) : null;
}
