import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { shardFromEnvironment } from '../../src/panel/shard.js';

const ROOT = join(import.meta.dirname, '../..');

/** The single document of a manifest, parsed strictly (a YAML error fails the test). */
function manifest(path: string): any {
  const docs = parseAllDocuments(readFileSync(join(ROOT, path), 'utf8'));
  if (!Array.isArray(docs)) throw new Error(`${path}: no YAML documents`);
  for (const d of docs) expect(d.errors, path).toEqual([]);
  expect(docs).toHaveLength(1);
  return docs[0].toJS();
}

/** The container's command line: command then args. */
function commandLine(container: any): string[] {
  return [...(container.command ?? []), ...(container.args ?? [])];
}

/** The value after `flag` on a command line. */
function flagValue(line: string[], flag: string): string {
  const i = line.indexOf(flag);
  expect(i, `${flag} in ${line.join(' ')}`).toBeGreaterThan(-1);
  return line[i + 1];
}

/** The mount of `path` among the container's volume mounts that comes from a PersistentVolumeClaim, with the claim's name. */
function claimOf(job: any, container: any, path: string): string {
  const mount = container.volumeMounts.find((m: any) => path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
  expect(mount, `a volume mounted above ${path}`).toBeDefined();
  const volume = job.spec.template.spec.volumes.find((v: any) => v.name === mount.name);
  expect(volume?.persistentVolumeClaim?.claimName, `volume ${mount.name} is a PersistentVolumeClaim`).toBeTruthy();
  return volume.persistentVolumeClaim.claimName;
}

describe('deploy/kubernetes/indexed-job.yaml', () => {
  const job = manifest('deploy/kubernetes/indexed-job.yaml');
  const container = job.spec.template.spec.containers[0];
  const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));

  it('is a batch/v1 Indexed Job with completions = parallelism = RNNFC_SHARD_COUNT', () => {
    expect([job.apiVersion, job.kind, job.spec.completionMode]).toEqual(['batch/v1', 'Job', 'Indexed']);
    expect(job.spec.template.spec.containers).toHaveLength(1);
    expect(env.RNNFC_SHARD_COUNT.value).toMatch(/^\d+$/); // a string, as Kubernetes requires of env values
    const count = Number(env.RNNFC_SHARD_COUNT.value);
    expect(job.spec.completions).toBe(4);
    expect(job.spec.parallelism).toBe(count);
    expect(job.spec.completions).toBe(count);
    expect(['Never', 'OnFailure']).toContain(job.spec.template.spec.restartPolicy);
  });

  it('runs rnnfc train with the completion index, and the pod with index i gets shard i of the count', () => {
    const line = commandLine(container);
    expect(line.slice(0, 2)).toEqual(['rnnfc', 'train']);
    expect(flagValue(line, '--out')).toMatch(/\/shard-\$\(JOB_COMPLETION_INDEX\)$/);
    expect(line).not.toContain('--shard'); // the shard comes from the environment
    expect(env.JOB_COMPLETION_INDEX.valueFrom.fieldRef.fieldPath).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
    for (let i = 0; i < job.spec.completions; i++)
      expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: String(i), RNNFC_SHARD_COUNT: env.RNNFC_SHARD_COUNT.value })).toMatchObject({
        index: i,
        count: job.spec.completions,
      });
  });

  it('reads the config and writes the runs on the mounted PersistentVolumeClaim', () => {
    const line = commandLine(container);
    const claim = claimOf(job, container, flagValue(line, '--out'));
    expect(claimOf(job, container, flagValue(line, '-c'))).toBe(claim);
  });

  it('deploy/kubernetes/merge-job.yaml merges every shard run the Indexed Job writes, on the same claim', () => {
    const merge = manifest('deploy/kubernetes/merge-job.yaml');
    const mc = merge.spec.template.spec.containers[0];
    const line = commandLine(mc);
    expect([merge.apiVersion, merge.kind]).toEqual(['batch/v1', 'Job']);
    expect(line.slice(0, 2)).toEqual(['rnnfc', 'merge']);
    const out = flagValue(commandLine(container), '--out');
    const shards = Array.from({ length: job.spec.completions }, (_, i) => out.replace('$(JOB_COMPLETION_INDEX)', String(i)));
    expect(line.slice(2)).toEqual(['--out', `${out.slice(0, out.lastIndexOf('/'))}/merged`, ...shards]);
    expect(claimOf(merge, mc, flagValue(line, '--out'))).toBe(claimOf(job, container, out));
    expect(mc.image).toBe(container.image);
  });
});
