import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const SCRIPT = join(ROOT, 'deploy/slurm/rnnfc-array.sbatch');
const TEXT = readFileSync(SCRIPT, 'utf8');
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A folder with stand-ins for sbatch (records each call's arguments and standard input, answers ID;cluster) and rnnfc (prints its arguments). */
function stubs(): { dir: string; calls: () => { args: string[]; stdin: string }[] } {
  const dir = mkdtempSync(join(tmpdir(), 'rnnfc-sbatch-'));
  made.push(dir);
  mkdirSync(join(dir, 'calls'));
  writeFileSync(
    join(dir, 'sbatch'),
    `#!/usr/bin/env bash\nn=$(ls "${dir}/calls" | wc -l)\nprintf '%s\\n' "$@" > "${dir}/calls/$n.args"\ncat > "${dir}/calls/$n.stdin"\necho "$((101 + n / 2));test"\n`,
  );
  writeFileSync(join(dir, 'rnnfc'), `#!/usr/bin/env bash\nprintf '[%s]\\n' "$@"\n`);
  chmodSync(join(dir, 'sbatch'), 0o755);
  chmodSync(join(dir, 'rnnfc'), 0o755);
  const calls = () =>
    readdirSync(join(dir, 'calls'))
      .filter((f) => f.endsWith('.args'))
      .sort()
      .map((f) => ({
        args: readFileSync(join(dir, 'calls', f), 'utf8')
          .split('\n')
          .slice(0, -1),
        stdin: readFileSync(join(dir, 'calls', f.replace('.args', '.stdin')), 'utf8'),
      }));
  return { dir, calls };
}

/** Runs `bash file args` in `cwd` with `env` added and the stand-ins first on PATH. */
function run(file: string, args: string[], cwd: string, stubDir: string, env: Record<string, string>) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM_')));
  const r = spawnSync('bash', [file, ...args], { cwd, encoding: 'utf8', env: { ...base, PATH: `${stubDir}:${process.env.PATH}`, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('deploy/slurm/rnnfc-array.sbatch', () => {
  it('is valid bash', () => {
    const r = spawnSync('bash', ['-n', SCRIPT], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('asks for an array of 4 tasks in an #SBATCH line that sbatch reads (before the first command)', () => {
    const lines = TEXT.split('\n');
    expect(lines).toContain('#SBATCH --array=0-3');
    expect(TEXT).toMatch(/^SHARDS=\$\{SHARDS:-4\}$/m); // the same count when submitted by bash
    const firstCommand = lines.findIndex((l, i) => i > 0 && l.trim() !== '' && !l.startsWith('#'));
    const lastDirective = lines.map((l) => l.startsWith('#SBATCH')).lastIndexOf(true);
    expect(lastDirective).toBeGreaterThan(0);
    expect(lastDirective).toBeLessThan(firstCommand);
  });

  it('submitted by bash: the array of SHARDS tasks, then the merge of their runs after it (afterok), with the options given to both', () => {
    const { dir, calls } = stubs();
    const runs = 'my runs'; // a space, to check the quoting
    writeFileSync(join(dir, 'panel.yaml'), 'data: {}\n');
    const r = run(SCRIPT, ['--partition=p', '--time=1:00:00'], dir, dir, { CONFIG: 'panel.yaml', RUNS: runs, SHARDS: '3', RNNFC: join(dir, 'rnnfc') });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'array job 101: 3 train tasks into my runs/shard-0 to shard-2; logs in my runs/logs/\nmerge job 102: my runs/merged, once every task has succeeded\n',
    );
    const [array, merge] = calls();
    expect(calls()).toHaveLength(2);
    expect(array.args).toEqual([
      '--parsable',
      '--array=0-2',
      `--chdir=${dir}`,
      '--export=ALL',
      '--output=my runs/logs/%x-%A_%a.out',
      '--partition=p',
      '--time=1:00:00',
      SCRIPT,
    ]);
    expect(merge.args).toEqual([
      '--parsable',
      '--job-name=rnnfc-merge',
      '--dependency=afterok:101',
      '--kill-on-invalid-dep=yes',
      `--chdir=${dir}`,
      '--export=ALL',
      '--output=my runs/logs/%x-%j.out',
      '--partition=p',
      '--time=1:00:00',
    ]);
    // the merge job's script, run with the stand-in rnnfc: the shard runs in order, quoted
    writeFileSync(join(dir, 'merge.sh'), merge.stdin);
    const m = run(join(dir, 'merge.sh'), [], dir, dir, {});
    expect(m.stdout).toBe('[merge]\n[--out]\n[my runs/merged]\n[my runs/shard-0]\n[my runs/shard-1]\n[my runs/shard-2]\n');
    expect(readdirSync(join(dir, runs))).toEqual(['logs']); // made before submitting: Slurm does not create the folder of --output
  });

  it('as an array task: trains into RUNS/shard-<task id>, the shard left to the environment', () => {
    const { dir } = stubs();
    const env = { CONFIG: 'c.yaml', RUNS: 'out dir', RNNFC: join(dir, 'rnnfc'), SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_COUNT: '8' };
    const r = run(SCRIPT, [], dir, dir, env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('[train]\n[-c]\n[c.yaml]\n[--out]\n[out dir/shard-7]\n');
    const more = run(SCRIPT, [], dir, dir, { ...env, TRAIN_ARGS: '--threads 2 --overwrite' });
    expect(more.stdout).toBe('[train]\n[-c]\n[c.yaml]\n[--out]\n[out dir/shard-7]\n[--threads]\n[2]\n[--overwrite]\n');
  });

  it('refuses, exit 2 and nothing submitted: no CONFIG, a CONFIG that is not a file, a SHARDS out of range', () => {
    const { dir, calls } = stubs();
    writeFileSync(join(dir, 'panel.yaml'), 'data: {}\n');
    const cases: [Record<string, string>, string][] = [
      [{}, 'CONFIG is not set'],
      [{ CONFIG: 'nope.yaml' }, `CONFIG=nope.yaml: no such file (relative paths are from ${dir})`],
      [{ CONFIG: 'panel.yaml', SHARDS: '0' }, 'SHARDS=0: expected a whole number from 1 to 100000'],
      [{ CONFIG: 'panel.yaml', SHARDS: '100001' }, 'SHARDS=100001: expected'],
      [{ CONFIG: 'panel.yaml', SHARDS: '4x' }, 'SHARDS=4x: expected'],
    ];
    for (const [env, message] of cases) {
      const r = run(SCRIPT, [], dir, dir, env);
      expect(r.code, message).toBe(2);
      expect(r.stderr).toContain(`rnnfc-array.sbatch: ${message}`);
    }
    expect(calls()).toEqual([]);
  });
});
