import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Tensor } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { registerCpu, tf } from '../../src/model/tfjs.js';

registerCpu(); // the tensors below need a backend

/** The tensor methods tfjs-core's own chained-op files define (getGlobalTensorClass().prototype.NAME = ...). */
function coreChainedOps(): string[] {
  const req = createRequire(import.meta.url);
  const dir = join(dirname(req.resolve('@tensorflow/tfjs-core/package.json')), 'dist', 'public', 'chained_ops');
  const names = new Set<string>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.js')))
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/getGlobalTensorClass\(\)\.prototype\.(\w+)\s*=/g)) names.add(m[1]);
  return [...names].sort();
}

describe('tensor methods (src/model/chained-ops.ts)', () => {
  it('defines every method tfjs-core defines in its chained-op files', () => {
    const expected = coreChainedOps();
    expect(expected.length).toBeGreaterThan(100);
    const proto = Object.getPrototypeOf(tf.scalar(1)) as Record<string, unknown>;
    expect(expected.filter((name) => typeof proto[name] !== 'function')).toEqual([]);
  });

  it('each method is its op with the tensor first', () => {
    // the type declarations of the methods come with tfjs-core's own registration, which rnnfc cannot load
    type Chained = Record<string, (...args: unknown[]) => Tensor>;
    const m = (t: Tensor) => t as unknown as Chained;
    const x = tf.tensor2d([1, -2, 3, -4], [2, 2]);
    expect(Array.from(m(x).flatten().dataSync())).toEqual([1, -2, 3, -4]);
    expect(m(x).flatten().shape).toEqual([4]);
    expect(Array.from(m(m(x).abs()).sum(1).dataSync())).toEqual([3, 7]);
    expect(Array.from(m(x).add(tf.scalar(1)).dataSync())).toEqual([2, -1, 4, -3]);
    expect(m(x).reshape([4, 1]).shape).toEqual([4, 1]);
    expect(Array.from(m(x).transpose().dataSync())).toEqual([1, 3, -2, -4]);
  });
});
