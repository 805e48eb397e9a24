/**
 * Shards of a panel: which series of a many-series CSV one task of an array job trains.
 *
 * A series goes to shard `shardOf(key, n)`: a stable hash of its key (the values of the key
 * columns) modulo the number of shards, so a shard holds the same series whatever the row order
 * of the file, on every machine and in every version. The shard a task trains is `--shard i/n`,
 * or, without the flag, what the scheduler tells the task through its environment: a Slurm
 * array (SLURM_ARRAY_TASK_ID and friends) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX,
 * with the count from RNNFC_SHARD_COUNT or the caller).
 */

import { createHash } from 'node:crypto';
import { quote } from '../data/excerpt.js';
import { UsageError } from '../errors.js';

/** The most shards `--shard` and the environment may ask for. */
export const MAX_SHARDS = 100_000;

/** One shard of `count`: `index` is 0-based, below `count`; `source` says where it came from, for messages. */
export interface Shard {
  index: number;
  count: number;
  source: string;
}

/**
 * The canonical text of a series key: the JSON of its values in key-column order, e.g.
 * `["north","A-17"]`. Distinct keys have distinct texts (`["ab","c"]` is not `["a","bc"]`).
 */
export function seriesKeyId(key: readonly string[]): string {
  return JSON.stringify(key);
}

/** The key's 64-bit hash: the first 8 bytes of the SHA-256 of its canonical text (UTF-8), big-endian, unsigned. */
export function keyHash(key: readonly string[]): bigint {
  return createHash('sha256').update(seriesKeyId(key), 'utf8').digest().readBigUInt64BE(0);
}

/** The shard, in [0, count), that the series with this key belongs to: `keyHash(key) mod count`. */
export function shardOf(key: readonly string[], count: number): number {
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`shardOf: the shard count must be a positive integer, got ${count}`);
  return Number(keyHash(key) % BigInt(count));
}

const RANGE = `i/n with 0 <= i < n <= ${MAX_SHARDS} (e.g. 0/4 is the first of 4 shards)`;

/**
 * `i/n` as a shard: i the 0-based index, n the number of shards. `source` names where the text
 * came from (`--shard`) in the refusal, which says the allowed range.
 */
export function parseShard(text: string, source: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m) throw new UsageError(`${source}: expected ${RANGE}, got ${quote(text)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS)
    throw new UsageError(`${source}: the number of shards must be from 1 to ${MAX_SHARDS}, got ${quote(text)}; expected ${RANGE}`);
  if (index >= count)
    throw new UsageError(`${source}: the shard index must be below the number of shards (0 to ${count - 1}), got ${quote(text)}; expected ${RANGE}`);
  return { index, count, source };
}

/** The environment as the process has it: a value may be absent. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A set, non-empty variable's value, or undefined. */
function read(env: Environment, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** A variable that must hold a whole number from `min` to `max`. */
function wholeNumber(env: Environment, name: string, min: number, max: number, why: string): number {
  const text = read(env, name) ?? '';
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${name}=${quote(text)}: expected a whole number from ${min} to ${max} (${why})`);
  return n;
}

const SLURM_ID_MAX = 4_294_967_294;

/** The shard of a Slurm array task: its position among the array's task ids, which must be contiguous. */
function slurmShard(env: Environment): Shard {
  const id = wholeNumber(env, 'SLURM_ARRAY_TASK_ID', 0, SLURM_ID_MAX, 'the Slurm array task id');
  const min = read(env, 'SLURM_ARRAY_TASK_MIN') === undefined ? 0 : wholeNumber(env, 'SLURM_ARRAY_TASK_MIN', 0, id, 'the lowest task id of the Slurm array');
  if (read(env, 'SLURM_ARRAY_TASK_COUNT') === undefined)
    throw new UsageError(`SLURM_ARRAY_TASK_ID=${id} is set but not SLURM_ARRAY_TASK_COUNT: the number of shards is unknown; pass --shard ${id - min}/N`);
  const count = wholeNumber(env, 'SLURM_ARRAY_TASK_COUNT', 1, MAX_SHARDS, 'the number of tasks of the Slurm array, one shard each');
  const step = read(env, 'SLURM_ARRAY_TASK_STEP') === undefined ? 1 : wholeNumber(env, 'SLURM_ARRAY_TASK_STEP', 1, SLURM_ID_MAX, 'the step of the Slurm array');
  const max =
    read(env, 'SLURM_ARRAY_TASK_MAX') === undefined
      ? undefined
      : wholeNumber(env, 'SLURM_ARRAY_TASK_MAX', min, SLURM_ID_MAX, 'the highest task id of the Slurm array');
  const spread = `task ids ${min} to ${max ?? '?'}${step > 1 ? ` in steps of ${step}` : ''} for ${count} tasks`;
  if (step > 1 || (max !== undefined && max - min + 1 !== count) || id - min >= count)
    throw new UsageError(
      `the Slurm array's task ids are not contiguous (${spread}; this task ${id}), so they cannot number the shards: submit with --array=0-${count - 1} (a % limit is fine), or pass --shard i/${count}`,
    );
  return { index: id - min, count, source: `Slurm array task ${id} (ids ${min} to ${min + count - 1})` };
}

/** The shard of a Kubernetes Indexed Job's pod: its completion index, with the count given or from RNNFC_SHARD_COUNT. */
function kubernetesShard(env: Environment, countHint: number | undefined): Shard {
  const index = wholeNumber(env, 'JOB_COMPLETION_INDEX', 0, MAX_SHARDS - 1, "the Kubernetes Indexed Job's completion index");
  let count: number;
  let from: string;
  if (countHint !== undefined) {
    if (!Number.isSafeInteger(countHint) || countHint < 1 || countHint > MAX_SHARDS)
      throw new UsageError(`the number of shards must be from 1 to ${MAX_SHARDS}, got ${countHint}`);
    count = countHint;
    from = 'the count given';
  } else if (read(env, 'RNNFC_SHARD_COUNT') !== undefined) {
    count = wholeNumber(env, 'RNNFC_SHARD_COUNT', 1, MAX_SHARDS, "the number of shards: the Job's completions");
    from = 'RNNFC_SHARD_COUNT';
  } else {
    throw new UsageError(
      `JOB_COMPLETION_INDEX=${index} is set (a Kubernetes Indexed Job) but not the number of shards: set RNNFC_SHARD_COUNT to the Job's completions, or pass --shard ${index}/N`,
    );
  }
  if (index >= count)
    throw new UsageError(
      `JOB_COMPLETION_INDEX=${index} is not below the number of shards ${count} (${from}): the count must be the Job's completions, or pass --shard i/n`,
    );
  return { index, count, source: `Kubernetes completion index ${index} of ${count} (${from})` };
}

/**
 * The shard the scheduler gives this process, or null outside an array job.
 *
 * - Slurm array task (SLURM_ARRAY_TASK_ID set): index = SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN
 *   (0 when MIN is absent), count = SLURM_ARRAY_TASK_COUNT; so `--array=0-15` and `--array=1-16`
 *   both give shards 0..15 of 16. An array whose ids are not contiguous (`--array=0-14:2`,
 *   `--array=1,3,7`) is refused: its ids cannot number the shards.
 * - Kubernetes Indexed Job (JOB_COMPLETION_INDEX set): that index, count = `countHint` if given,
 *   else RNNFC_SHARD_COUNT (Kubernetes does not tell a pod the Job's completions).
 *
 * Slurm's variables win when both are set. Empty values count as unset.
 */
export function shardFromEnvironment(env: Environment, countHint?: number): Shard | null {
  if (read(env, 'SLURM_ARRAY_TASK_ID') !== undefined) return slurmShard(env);
  if (read(env, 'JOB_COMPLETION_INDEX') !== undefined) return kubernetesShard(env, countHint);
  return null;
}

/**
 * The shard a command trains: `--shard i/n` when given (it wins over the environment), else the
 * scheduler's (shardFromEnvironment), else null (every series).
 */
export function resolveShard(flag: string | undefined, env: Environment, countHint?: number): Shard | null {
  if (flag !== undefined) return parseShard(flag, '--shard');
  return shardFromEnvironment(env, countHint);
}
