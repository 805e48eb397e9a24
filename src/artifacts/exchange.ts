/**
 * Atomic exchange of two paths (Linux renameat2 with RENAME_EXCHANGE), which Node's fs does not
 * offer: through util-linux's `exch` (2.40 and later) where it is installed, else through perl's
 * `syscall` (perl-base is part of every Debian and Ubuntu system). Where neither can (another OS,
 * a file system without the flag, no perl), exchangePaths says so and the caller falls back to two
 * renames, between which the name is absent for an instant (atomic.ts).
 */
import { spawnSync } from 'node:child_process';
import { lstatSync } from 'node:fs';

/** renameat2's number on the architectures whose table we know (x86-64, and arm64's generic table). */
const RENAMEAT2: Partial<Record<NodeJS.Architecture, number>> = { x64: 316, arm64: 276 };
const AT_FDCWD = -100;
const RENAME_EXCHANGE = 2;

/** Test hook: `false` makes exchangePaths refuse, so tests can take the two-rename path. */
export const _exchange: { enabled: boolean } = { enabled: process.env.RNNFC_TEST_NO_EXCHANGE !== '1' };

/** How a later call exchanges: the first way that worked; null once none has. */
let way: 'exch' | 'perl' | null | undefined;

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });

function tryExch(a: string, b: string): boolean {
  return run('exch', ['--', a, b]).status === 0;
}

function tryPerl(a: string, b: string): boolean {
  const nr = RENAMEAT2[process.arch];
  if (nr === undefined) return false;
  const script = `exit(syscall(${nr}, ${AT_FDCWD}, $ARGV[0], ${AT_FDCWD}, $ARGV[1], ${RENAME_EXCHANGE}) == 0 ? 0 : 1)`;
  return run('perl', ['-e', script, '--', a, b]).status === 0;
}

/**
 * Exchanges the existing paths `a` and `b` in one atomic step (on one file system): afterwards
 * `a` names what `b` named and the other way round, and no instant shows either name missing.
 * Returns false, changing nothing, where it cannot.
 */
export function exchangePaths(a: string, b: string): boolean {
  if (!_exchange.enabled || process.platform !== 'linux' || way === null) return false;
  const ino = (p: string) => lstatSync(p, { throwIfNoEntry: false })?.ino;
  const before = [ino(a), ino(b)];
  // what the names hold decides, not the helper's exit status
  const swapped = () => before[0] !== undefined && ino(a) === before[1] && ino(b) === before[0];
  if (way === 'exch') return tryExch(a, b) || swapped();
  if (way === 'perl') return tryPerl(a, b) || swapped();
  if (tryExch(a, b) || swapped()) way = 'exch';
  else if (tryPerl(a, b) || swapped()) way = 'perl';
  else way = null;
  return way !== null;
}
