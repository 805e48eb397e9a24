import { totalmem } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_MEMORY_ENV, machineLimits } from '../../src/commands/common.js';
import { UsageError } from '../../src/errors.js';
import { formatBytes, KERNEL_MEMORY_BYTES } from '../../src/forecast/limits.js';
import { thrown } from '../thrown.js';

describe('machineLimits: --max-memory, RNNFC_MAX_MEMORY, or half of the machine', () => {
  const saved = process.env[MAX_MEMORY_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[MAX_MEMORY_ENV];
    else process.env[MAX_MEMORY_ENV] = saved;
  });
  const total = totalmem();

  it('defaults to half of the machine, with the kernels maximum and how to raise it', () => {
    delete process.env[MAX_MEMORY_ENV];
    const l = machineLimits();
    expect(l.memory).toBe(Math.floor(total / 2));
    expect(l.source).toBe(`half of this machine's ${formatBytes(total)}`);
    expect(l.kernelMemory).toBe(KERNEL_MEMORY_BYTES);
    expect(l.raise).toMatch(/^raise the limit with --max-memory SIZE \(or RNNFC_MAX_MEMORY\), e\.g\. 16G, up to this machine's /);
    // an empty variable counts as unset
    process.env[MAX_MEMORY_ENV] = '';
    expect(machineLimits().memory).toBe(Math.floor(total / 2));
  });

  it('takes the flag, else the variable; the flag wins', () => {
    process.env[MAX_MEMORY_ENV] = '256M';
    expect(machineLimits()).toMatchObject({ memory: 256 * 1024 ** 2, source: 'set by RNNFC_MAX_MEMORY=256M', kernelMemory: KERNEL_MEMORY_BYTES });
    expect(machineLimits({ maxMemory: '512M' })).toMatchObject({ memory: 512 * 1024 ** 2, source: 'set by --max-memory 512M' });
    // the machine's whole memory is allowed, a byte more is not
    expect(machineLimits({ maxMemory: String(total) }).memory).toBe(total);
  });

  it('refuses a bad size or one above the machine, naming the flag or the variable', () => {
    delete process.env[MAX_MEMORY_ENV];
    expect(thrown(() => machineLimits({ maxMemory: '12X' }), UsageError).message).toBe(
      '--max-memory "12X": not a size; write a number of bytes with K, M, G or T (powers of 1024), e.g. 512M or 8G',
    );
    expect(thrown(() => machineLimits({ maxMemory: '0' }), UsageError).message).toMatch(/^--max-memory "0": not a size/);
    expect(thrown(() => machineLimits({ maxMemory: String(total + 1) }), UsageError).message).toBe(
      `--max-memory ${total + 1}: more than this machine's ${formatBytes(total)} of memory; use at most that`,
    );
    process.env[MAX_MEMORY_ENV] = 'lots\n';
    expect(thrown(() => machineLimits(), UsageError).message).toMatch(/^RNNFC_MAX_MEMORY="lots\\n": not a size/);
    process.env[MAX_MEMORY_ENV] = '1000T';
    expect(thrown(() => machineLimits(), UsageError).message).toMatch(/^RNNFC_MAX_MEMORY=1000T: more than this machine's/);
    // a good flag hides a bad variable
    expect(machineLimits({ maxMemory: '1G' }).memory).toBe(1024 ** 3);
  });
});
