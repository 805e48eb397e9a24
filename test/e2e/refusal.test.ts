import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scratch } from './helpers.js';
import { expectRefused, treeState } from './refusal.js';

const F = 'test/fixtures/e2e';

describe('the refusal contract (test/e2e/refusal.ts)', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch();
  });

  it('holds for a config problem, under a 2 GiB address space', () => {
    expectRefused(dir, ['check', '-c', `${F}/badconfig.yaml`], /model\.cell/);
  });

  it('sees a file written, changed or removed', () => {
    const before = treeState(dir);
    writeFileSync(join(dir, 'new.txt'), 'x');
    expect(treeState(dir)).not.toEqual(before);
  });
});
