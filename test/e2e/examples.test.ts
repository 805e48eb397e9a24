import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rnnfc, scratch } from './helpers.js';

describe('rnnfc examples (spawns bin/rnnfc)', () => {
  it('lists every shipped config with its description', () => {
    const r = rnnfc(scratch(), ['examples']);
    expect(r.code, r.stderr).toBe(0);
    const names = readdirSync('configs')
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -5));
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(r.stdout).toMatch(new RegExp(`^${n} +\\S`, 'm'));
  });

  it('copies one with its dataset so that train -c runs there, and refuses to overwrite', () => {
    const dir = scratch();
    const c = rnnfc(dir, ['examples', 'airline-passengers', '--out', 'ex']);
    expect(c.code, c.stderr).toBe(0);
    expect(readFileSync(join(dir, 'ex/datasets/airline-passengers.csv'), 'utf8')).toBe(readFileSync('datasets/airline-passengers.csv', 'utf8'));
    expect(readFileSync(join(dir, 'ex/airline-passengers.yaml'), 'utf8')).toMatch(/^ {2}path: datasets\/airline-passengers\.csv$/m);
    const t = rnnfc(dir, ['train', '-c', 'ex/airline-passengers.yaml', '--epochs', '1', '--out', 'runs/ex', '--quiet']);
    expect(t.code, t.stderr).toBe(0);
    expect(existsSync(join(dir, 'runs/ex/forecast.csv'))).toBe(true);
    const again = rnnfc(dir, ['examples', 'airline-passengers', '--out', 'ex']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exist; pass --overwrite/);
    expect(rnnfc(dir, ['examples', 'airline-passengers', '--out', 'ex', '--overwrite']).code).toBe(0);
    const bad = rnnfc(dir, ['examples', 'airline']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no example named "airline" \(did you mean "airline-passengers"\?\)/);
  });
});
