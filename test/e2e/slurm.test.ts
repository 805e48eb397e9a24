import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';
import { ARRAY_SCRIPT, type Cluster, type JobRecord, missingPrograms, sh, startCluster, stopCluster, submitPanelJob, waitForJob } from './slurm/cluster.js';

// A real Slurm (one node on localhost, test/e2e/slurm/cluster.sh) runs the panel job of
// deploy/slurm/rnnfc-array.sbatch: once with rnnfc itself (train --shard from the environment,
// then merge, compared with the unsharded run), and with a stand-in (slurm/probe.mjs: rnnfc
// --version and the shard resolveShard reads from Slurm's environment) for the scheduler's side:
// array numbering, failures, dependencies. Without Slurm the tests skip, except under CI, which
// installs it (.ci/run) and must not pass without running them.
const MISSING = missingPrograms();
const IS_ROOT = process.getuid?.() === 0;
const CAN_RUN = MISSING.length === 0 && IS_ROOT;
const PROBE = `${process.execPath} ${join(ROOT, 'test/e2e/slurm/probe.mjs')}`;
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
/** One CPU a task, so that two tasks run at once on a two-core machine. */
const ONE_CPU = ['--cpus-per-task=1'];

interface ProbeLine {
  argv: string[];
  version: string;
  shard: { index: number; count: number; source: string } | null;
  error: string | null;
  task: string | null;
}

/** The probe's JSON line in a job's output file. */
function probeOutput(job: JobRecord): ProbeLine {
  const text = readFileSync(job.StdOut, 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no probe output in ${job.StdOut}:\n${text}`);
  return JSON.parse(line);
}

/** The records of the array's tasks, by task id. */
function byTask(records: JobRecord[]): JobRecord[] {
  return [...records].sort((a, b) => Number(a.ArrayTaskId) - Number(b.ArrayTaskId));
}

describe.skipIf(!CAN_RUN && !process.env.CI)('the Slurm array job on a single-node cluster', () => {
  let work = '';
  let cluster: Cluster | undefined;

  beforeAll(() => {
    if (MISSING.length) throw new Error(`Slurm is not installed (missing ${MISSING.join(', ')}); CI is set, so .ci/run should have installed it`);
    if (!IS_ROOT) throw new Error('the test cluster runs its daemons as root; CI runs as root');
    work = mkdtempSync(join(tmpdir(), 'rnnfc-slurm-'));
    chmodSync(work, 0o755); // munged, which runs as munge, reaches its socket under it
    try {
      cluster = startCluster(join(work, 'cluster'));
    } catch (e) {
      stopCluster(join(work, 'cluster'));
      throw e;
    }
    writeFileSync(join(work, 'panel.yaml'), 'data: {path: panel.csv, target: y}\n');
  });

  afterAll(() => {
    if (work) {
      stopCluster(join(work, 'cluster'));
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('the deploy script submits 4 train tasks, each given shard i of 4, and the merge after all of them', async () => {
    const runs = join(work, 'runs');
    const config = join(work, 'panel.yaml');
    const job = submitPanelJob(cluster!, { rnnfc: PROBE, config, runs, shards: 4, sbatchArgs: ONE_CPU });
    const tasks = byTask(await waitForJob(cluster!, job.arrayJob, 4));
    const merge = (await waitForJob(cluster!, job.mergeJob))[0];

    expect(tasks.map((t) => [t.ArrayTaskId, t.JobState, t.ExitCode])).toEqual([0, 1, 2, 3].map((i) => [String(i), 'COMPLETED', '0:0']));
    const outputs = tasks.map(probeOutput);
    expect(outputs.map((o) => o.shard)).toEqual([0, 1, 2, 3].map((i) => ({ index: i, count: 4, source: `Slurm array task ${i} (ids 0 to 3)` })));
    expect(outputs.map((o) => o.argv)).toEqual([0, 1, 2, 3].map((i) => ['train', '-c', config, '--out', `${runs}/shard-${i}`]));
    for (const o of outputs) expect(o.version).toBe(VERSION);
    expect(tasks.map((t) => t.StdOut)).toEqual([0, 1, 2, 3].map((i) => join(runs, `logs/rnnfc-train-${job.arrayJob}_${i}.out`)));

    expect([merge.JobState, merge.ExitCode]).toEqual(['COMPLETED', '0:0']);
    expect(merge.Dependency).toBe('(null)'); // satisfied
    expect(probeOutput(merge).argv).toEqual(['merge', '--out', `${runs}/merged`, ...[0, 1, 2, 3].map((i) => `${runs}/shard-${i}`)]);
    const lastEnd = tasks.map((t) => Date.parse(t.EndTime)).reduce((a, b) => Math.max(a, b));
    expect(Date.parse(merge.StartTime)).toBeGreaterThanOrEqual(lastEnd);
  });

  it('the real thing: 4 shards of a panel trained by rnnfc train in the array, merged, equal the unsharded run', async () => {
    const runs = join(work, 'runs-real');
    const lines = ['id,month,value'];
    for (const [k, id] of ['a', 'b', 'c', 'd', 'e', 'f'].entries())
      for (let i = 0; i < 36; i++)
        lines.push(
          `${id},${2000 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')},${(10 * (k + 1) * (1 + 0.02 * i + 0.2 * Math.sin((2 * Math.PI * i) / 12))).toFixed(3)}`,
        );
    writeFileSync(join(work, 'sales.csv'), lines.join('\n') + '\n');
    const config = join(work, 'sales.yaml');
    writeFileSync(
      config,
      'data: {path: sales.csv, id_column: id, time_column: month, target: value}\nwindow: {lookback: 6, horizon: 3}\nmodel: {layers: [{units: 4}]}\ntraining: {epochs: 2, threads: 1}\n',
    );
    const rnnfc = `${process.execPath} ${join(ROOT, 'bin/rnnfc.js')}`;
    const job = submitPanelJob(cluster!, { rnnfc, config, runs, shards: 4, sbatchArgs: ONE_CPU });
    const tasks = byTask(await waitForJob(cluster!, job.arrayJob, 4));
    expect(tasks.map((t) => [t.JobState, t.ExitCode])).toEqual([0, 1, 2, 3].map(() => ['COMPLETED', '0:0']));
    const merge = (await waitForJob(cluster!, job.mergeJob))[0];
    expect([merge.JobState, merge.ExitCode], readFileSync(merge.StdOut, 'utf8')).toEqual(['COMPLETED', '0:0']);
    const whole = sh(process.execPath, [join(ROOT, 'bin/rnnfc.js'), 'train', '-c', config, '--out', join(work, 'unsharded'), '--quiet']);
    expect(whole.stderr).toBe('');
    const merged = join(runs, 'merged');
    const files = readdirSync(join(work, 'unsharded')).filter((f) => f !== 'metadata.json' && f !== 'manifest.json');
    expect(files).toContain('s5-model.json');
    expect(readdirSync(merged).filter((f) => f !== 'metadata.json' && f !== 'manifest.json')).toEqual(files);
    for (const f of files) expect(readFileSync(join(merged, f)).equals(readFileSync(join(work, 'unsharded', f))), f).toBe(true);
  });

  it('a failed task cancels the merge (afterok, --kill-on-invalid-dep); the other tasks finish', async () => {
    const runs = join(work, 'runs-fail');
    const job = submitPanelJob(cluster!, {
      rnnfc: PROBE,
      config: join(work, 'panel.yaml'),
      runs,
      shards: 4,
      sbatchArgs: ONE_CPU,
      env: { PROBE_FAIL_SHARD: '2' },
    });
    const tasks = byTask(await waitForJob(cluster!, job.arrayJob, 4));
    expect(tasks.map((t) => [t.JobState, t.ExitCode])).toEqual([
      ['COMPLETED', '0:0'],
      ['COMPLETED', '0:0'],
      ['FAILED', '1:0'],
      ['COMPLETED', '0:0'],
    ]);
    const merge = (await waitForJob(cluster!, job.mergeJob))[0];
    expect([merge.JobState, merge.Reason]).toEqual(['CANCELLED', 'DependencyNeverSatisfied']);
  });

  it('tasks numbered from 1 (sbatch --array=1-4) get shards 0 to 3 of 4', async () => {
    const runs = join(work, 'runs-1');
    mkdirSync(runs);
    const env = { ...cluster!.env, RNNFC: PROBE, CONFIG: join(work, 'panel.yaml'), RUNS: runs };
    const r = sh('sbatch', ['--parsable', '--array=1-4', ...ONE_CPU, `--output=${runs}/%A_%a.out`, ARRAY_SCRIPT], env);
    expect(r.stderr).toBe('');
    const tasks = byTask(await waitForJob(cluster!, r.stdout.trim(), 4));
    expect(tasks.map((t) => t.JobState)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);
    const outputs = tasks.map(probeOutput);
    expect(outputs.map((o) => [o.task, o.shard?.index, o.shard?.count])).toEqual([
      ['1', 0, 4],
      ['2', 1, 4],
      ['3', 2, 4],
      ['4', 3, 4],
    ]);
    expect(outputs.map((o) => o.argv[4])).toEqual([1, 2, 3, 4].map((i) => `${runs}/shard-${i}`));
  });

  it('a stepped array (--array=0-6:2) is refused by each task with the ids it saw', async () => {
    const runs = join(work, 'runs-step');
    mkdirSync(runs);
    const env = { ...cluster!.env, RNNFC: PROBE, CONFIG: join(work, 'panel.yaml'), RUNS: runs };
    const r = sh('sbatch', ['--parsable', '--array=0-6:2', ...ONE_CPU, `--output=${runs}/%A_%a.out`, ARRAY_SCRIPT], env);
    expect(r.stderr).toBe('');
    const tasks = byTask(await waitForJob(cluster!, r.stdout.trim(), 4));
    expect(tasks.map((t) => [t.ArrayTaskId, t.JobState, t.ExitCode])).toEqual(['0', '2', '4', '6'].map((id) => [id, 'FAILED', '2:0']));
    expect(probeOutput(tasks[1]).error).toBe(
      "the Slurm array's task ids are not contiguous (task ids 0 to 6 in steps of 2 for 4 tasks; this task 2), so they cannot number the shards: submit with --array=0-3 (a % limit is fine), or pass --shard i/4",
    );
  });
});
