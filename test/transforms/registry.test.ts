import { describe, expect, it } from 'vitest';
import { transformsFlow } from '../../src/config/render.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { TransformSpec } from '../../src/config/types.js';
import { Pipeline } from '../../src/transforms/pipeline.js';
import { TRANSFORM_NAMES, TRANSFORMS, transformOf } from '../../src/transforms/registry.js';

/** One spec of every registered transform. */
const SPECS: TransformSpec[] = [{ kind: 'log' }, { kind: 'difference', lag: 3 }, { kind: 'scale', method: 'minmax' }, { kind: 'deseasonalize', period: 4 }];

describe('transform registry', () => {
  it('lists every transform once, in the order messages name them', () => {
    expect(TRANSFORM_NAMES).toEqual(['log', 'difference', 'scale', 'deseasonalize']);
    expect(SPECS.map((s) => s.kind)).toEqual(TRANSFORMS.map((t) => t.kind));
  });

  it('each spec renders to a config entry that resolves back to it', () => {
    const flow = transformsFlow(SPECS);
    expect(flow).toBe('log, {difference: 3}, {scale: minmax}, {deseasonalize: 4}');
    expect(resolveConfig({ data: { path: 'x.csv', target: 'y' }, transforms: SPECS.map((s) => transformOf(s).render(s)) }).transforms).toEqual(SPECS);
  });

  it('describes each spec in one line and counts the rows differencing loses', () => {
    expect(SPECS.map((s) => transformOf(s).describe(s))).toEqual(['log', 'difference 3', 'scale minmax', 'deseasonalize 4']);
    expect(SPECS.map((s) => transformOf(s).differenceLag(s))).toEqual([0, 3, 0, 0]);
  });

  it('clones a spec into a new object with the same fields in the same order', () => {
    for (const s of SPECS) {
      const c = transformOf(s).clone(s);
      expect(c).not.toBe(s);
      expect(JSON.stringify(c)).toBe(JSON.stringify(s));
    }
  });

  it('saves specs and states in the pipeline JSON layout, and rejects bad saved states', () => {
    const y = Float64Array.from({ length: 24 }, (_, i) => 10 + i + (i % 4));
    const json = Pipeline.fit(SPECS, { y }, 20).toJSON();
    expect(json.specs).toEqual(SPECS);
    expect(Object.keys(json)).toEqual(['version', 'phase', 'specs', 'state']);
    expect(json.state[0]).toBeNull();
    expect(json.state[1]).toBeNull();
    expect(Object.keys(json.state[2]!.y as object)).toEqual(['shift', 'scale']);
    expect((json.state[3]!.y as number[]).length).toBe(4);
    const bad = (i: number, st: unknown) => () => Pipeline.fromJSON({ ...json, state: json.state.map((s, j) => (j === i ? st : s)) });
    expect(bad(2, null)).toThrow('invalid pipeline JSON: missing scale state');
    expect(bad(2, { y: { shift: 1 } })).toThrow("invalid pipeline JSON: bad scale params for 'y'");
    expect(bad(3, 7)).toThrow('invalid pipeline JSON: missing seasonal indices');
    expect(bad(3, { y: [1, 2, 3] })).toThrow("invalid pipeline JSON: bad seasonal indices for 'y'");
    expect(() => Pipeline.fromJSON({ ...json, specs: [...json.specs.slice(0, 3), { kind: 'deseasonalize', period: 1 }] })).toThrow(
      'invalid pipeline JSON: bad spec {"kind":"deseasonalize","period":1}',
    );
    // stateless steps ignore whatever state was saved for them
    expect(bad(0, { y: 1 })()).toBeInstanceOf(Pipeline);
  });
});
