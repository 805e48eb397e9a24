/**
 * The single-node Slurm cluster of the e2e tests (cluster.sh), and jobs on it: the panel job of
 * deploy/slurm/rnnfc-array.sbatch submitted as a user would, and a wait on scontrol's records.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../helpers.js';

export const CLUSTER_SH = join(ROOT, 'test/e2e/slurm/cluster.sh');
export const ARRAY_SCRIPT = join(ROOT, 'deploy/slurm/rnnfc-array.sbatch');

/** The programs the cluster needs, from the Debian packages slurmctld, slurmd, slurm-client and munge. */
const PROGRAMS = ['sbatch', 'scontrol', 'scancel', 'sinfo', 'squeue', 'slurmctld', 'slurmd', 'munged', 'mungekey'];

/** The programs missing from PATH (and /usr/sbin, where the daemons are). */
export function missingPrograms(): string[] {
  const path = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
  return PROGRAMS.filter((p) => spawnSync('bash', ['-c', `type -P ${p}`], { env: { ...process.env, PATH: path } }).status !== 0);
}

/** Runs a command; never throws. */
export function sh(cmd: string, args: string[], env: Record<string, string> = {}, input?: string) {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`, ...env },
    input,
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** A running cluster: `env` is what client commands need (SLURM_CONF). */
export interface Cluster {
  dir: string;
  env: Record<string, string>;
}

/** Starts the cluster under `dir` (returns once its node is idle); throws with the daemons' logs if it does not come up. */
export function startCluster(dir: string): Cluster {
  const r = sh('bash', [CLUSTER_SH, 'start', dir]);
  if (r.code !== 0) throw new Error(`cluster.sh start failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  return { dir, env: { SLURM_CONF: join(dir, 'slurm.conf') } };
}

/** Cancels the cluster's jobs and stops its daemons; safe to call when it never started. */
export function stopCluster(dir: string): void {
  const r = sh('bash', [CLUSTER_SH, 'stop', dir]);
  if (r.code !== 0) throw new Error(`cluster.sh stop failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
}

/** What a panel job runs and where: the variables of deploy/slurm/rnnfc-array.sbatch. */
export interface PanelJob {
  /** The command the tasks and the merge run in place of `rnnfc` (the script's RNNFC). */
  rnnfc: string;
  config: string;
  runs: string;
  shards: number;
  /** More sbatch options, for both jobs. */
  sbatchArgs?: string[];
  /** More environment for the jobs. */
  env?: Record<string, string>;
}

/**
 * Submits the panel job as a user would (`bash deploy/slurm/rnnfc-array.sbatch`): the array of
 * `shards` train tasks and the merge after it, each running `job.rnnfc` as the rnnfc command.
 */
export function submitPanelJob(cluster: Cluster, job: PanelJob): { arrayJob: string; mergeJob: string; stdout: string } {
  const env = { ...cluster.env, ...job.env, RNNFC: job.rnnfc, CONFIG: job.config, RUNS: job.runs, SHARDS: String(job.shards) };
  const r = sh('bash', [ARRAY_SCRIPT, ...(job.sbatchArgs ?? [])], env);
  const arrayJob = /^array job (\d+):/m.exec(r.stdout)?.[1];
  const mergeJob = /^merge job (\d+):/m.exec(r.stdout)?.[1];
  if (r.code !== 0 || !arrayJob || !mergeJob) throw new Error(`submitting failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  return { arrayJob, mergeJob, stdout: r.stdout };
}

/** One job (or array task) as `scontrol -o show job` prints it: its KEY=VALUE fields. */
export type JobRecord = Record<string, string>;

/** The fields of one line of `scontrol -o show job`; a value runs to the next ` KEY=`. */
export function parseJobLine(line: string): JobRecord {
  const out: JobRecord = {};
  const re = /(?:^|\s)([A-Za-z][\w/:]*)=(.*?)(?=\s[A-Za-z][\w/:]*=|$)/g;
  for (const m of line.matchAll(re)) out[m[1]] = m[2];
  return out;
}

const DONE = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED']);

/**
 * Polls scontrol until job `id` has ended (an array: `tasks` task records, each ended) and
 * returns its records; after `limitMs` it throws with what scontrol and slurmctld said.
 * (sbatch --wait notices the end of a job late, so this polls.)
 */
export async function waitForJob(cluster: Cluster, id: string, tasks = 1, limitMs = 90_000): Promise<JobRecord[]> {
  const until = Date.now() + limitMs;
  let last = '';
  for (;;) {
    const r = sh('scontrol', ['-o', 'show', 'job', id], cluster.env);
    last = r.stdout + r.stderr;
    if (r.code === 0) {
      const records = r.stdout
        .split('\n')
        .filter((l) => l.trim())
        .map(parseJobLine);
      const split = records.filter((j) => /^\d+$/.test(j.ArrayTaskId ?? '0'));
      if (split.length === tasks && split.every((j) => DONE.has(j.JobState))) return records;
    }
    if (Date.now() > until) {
      const log = sh('tail', ['-n', '30', join(cluster.dir, 'log/slurmctld.log'), join(cluster.dir, 'log/slurmd.log')]);
      throw new Error(`job ${id} did not end within ${limitMs / 1000} s; scontrol:\n${last}\n${log.stdout}`);
    }
    await sleep(200);
  }
}
