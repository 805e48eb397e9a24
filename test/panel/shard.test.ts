import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { keyHash, MAX_SHARDS, parseShard, resolveShard, seriesKeyId, shardFromEnvironment, shardOf } from '../../src/panel/shard.js';
import { thrown } from '../thrown.js';

/** The refusal `fn` throws: a UsageError's message. */
function refusal(fn: () => unknown): string {
  return thrown(fn, UsageError).message;
}

describe('seriesKeyId and shardOf', () => {
  it('the canonical text of a key is the JSON of its values, so key values cannot run into each other', () => {
    expect(seriesKeyId(['north', 'A-17'])).toBe('["north","A-17"]');
    expect(seriesKeyId([])).toBe('[]');
    expect(seriesKeyId(['say "hi"', 'a\\b'])).toBe('["say \\"hi\\"","a\\\\b"]');
    expect(seriesKeyId(['ab', 'c'])).not.toBe(seriesKeyId(['a', 'bc']));
    expect(seriesKeyId(['a,b'])).not.toBe(seriesKeyId(['a', 'b']));
  });

  // Expected values from `printf '%s' TEXT | sha256sum`: the first 16 hex digits, read as an
  // unsigned integer (bc), and that integer modulo each count.
  const CASES: [string[], bigint, Record<number, number>][] = [
    [['A'], 0xd2a4b37cac0a57e4n, { 4: 0, 7: 1, 16: 4, 100000: 89764 }],
    [['north', 'A-17'], 0xd67747244a2331dbn, { 4: 3, 7: 0, 16: 11, 100000: 61627 }],
    [[], 0x4f53cda18c2baa0cn, { 4: 0, 7: 5, 16: 12, 100000: 91948 }],
    [['Zürich', '7'], 0x1a1d0fcdd046272bn, { 4: 3, 7: 4, 16: 11, 100000: 6155 }],
    [['a', 'bc'], 0x42a6f3f44be0aaf2n, { 4: 2, 7: 5, 16: 2, 100000: 97490 }],
  ];

  it('hashes the canonical text (UTF-8) with SHA-256 and takes the first 8 bytes, big-endian, modulo the count', () => {
    expect(keyHash(['A'])).toBe(15178453992189089764n);
    for (const [key, hash, shards] of CASES) {
      expect(keyHash(key)).toBe(hash);
      for (const [count, shard] of Object.entries(shards)) expect(shardOf(key, Number(count)), `${seriesKeyId(key)} of ${count}`).toBe(shard);
      expect(shardOf(key, 1)).toBe(0);
    }
  });

  it('does not depend on the order the keys come in', () => {
    const keys = Array.from({ length: 200 }, (_, i) => [`s${i % 7}`, `item-${i}`]);
    const forward = new Map(keys.map((k) => [seriesKeyId(k), shardOf(k, 5)]));
    const backward = new Map([...keys].reverse().map((k) => [seriesKeyId(k), shardOf(k, 5)]));
    const interleaved = new Map(
      keys
        .map((k, i) => ({ k, i }))
        .sort((a, b) => (a.i % 3) - (b.i % 3) || b.i - a.i)
        .map(({ k }) => [seriesKeyId(k), shardOf(k, 5)]),
    );
    expect(backward).toEqual(forward);
    expect(interleaved).toEqual(forward);
    expect(new Set(forward.values())).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  /** Pearson's chi-square statistic of the counts against an even spread. */
  function chiSquare(counts: number[]): number {
    const total = counts.reduce((a, b) => a + b, 0);
    const expected = total / counts.length;
    return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  }
  // Chi-square with 15 degrees of freedom: P(X < 3.483) = P(X > 37.697) = 0.001.
  const CHI2_15_LOW = 3.483;
  const CHI2_15_HIGH = 37.697;
  const KEYS = Array.from({ length: 10_000 }, (_, i) => [`store-${i % 100}`, `item-${Math.floor(i / 100)}`]);

  it('spreads 10,000 keys over 16 shards about evenly (chi-square within its 0.1% and 99.9% points)', () => {
    const counts = new Array<number>(16).fill(0);
    for (const k of KEYS) counts[shardOf(k, 16)]++;
    const x2 = chiSquare(counts);
    expect(x2).toBeGreaterThan(CHI2_15_LOW);
    expect(x2).toBeLessThan(CHI2_15_HIGH);
    expect(Math.min(...counts)).toBeGreaterThan(500);
  });

  it('the bounds catch a weak hash: the sum of character codes, or the row position, fails them', () => {
    const counts = (f: (k: string[], i: number) => number) => {
      const c = new Array<number>(16).fill(0);
      KEYS.forEach((k, i) => c[f(k, i)]++);
      return c;
    };
    const charSum = counts((k) => [...seriesKeyId(k)].reduce((s, ch) => s + ch.charCodeAt(0), 0) % 16);
    const position = counts((_, i) => i % 16);
    expect(chiSquare(charSum)).toBeGreaterThan(CHI2_15_HIGH);
    expect(chiSquare(position)).toBeLessThan(CHI2_15_LOW);
  });

  it('refuses a count that is not a positive integer (a programming error, not a user one)', () => {
    for (const n of [0, -1, 1.5, Number.NaN]) expect(() => shardOf(['a'], n)).toThrow(/positive integer/);
    expect(() => shardOf(['a'], 0)).not.toThrow(UsageError);
  });
});

describe('parseShard', () => {
  it('reads i/n with a 0-based index', () => {
    expect(parseShard('0/4', '--shard')).toEqual({ index: 0, count: 4, source: '--shard' });
    expect(parseShard('3/4', '--shard')).toEqual({ index: 3, count: 4, source: '--shard' });
    expect(parseShard('0/1', '--shard')).toEqual({ index: 0, count: 1, source: '--shard' });
    expect(parseShard(`99999/${MAX_SHARDS}`, '--shard')).toEqual({ index: 99999, count: 100000, source: '--shard' });
  });

  it('refuses an index at or past the count, naming the flag, the value and the allowed range', () => {
    const m = refusal(() => parseShard('4/4', '--shard'));
    expect(m).toBe(
      '--shard: the shard index must be below the number of shards (0 to 3), got "4/4"; expected i/n with 0 <= i < n <= 100000 (e.g. 0/4 is the first of 4 shards)',
    );
  });

  it('refuses no shards and more than 100000', () => {
    expect(refusal(() => parseShard('0/0', '--shard'))).toMatch(/^--shard: the number of shards must be from 1 to 100000, got "0\/0"; expected i\/n/);
    expect(refusal(() => parseShard('0/100001', '--shard'))).toMatch(/^--shard: the number of shards must be from 1 to 100000, got "0\/100001"/);
    expect(refusal(() => parseShard('5/99999999999999999999999', '--shard'))).toMatch(/number of shards must be from 1 to 100000/);
  });

  it('refuses anything but two whole numbers and a slash, quoting the text safely', () => {
    for (const bad of ['', '1', '1/', '/4', '-1/4', '1/-4', '1.0/4', '1/4/8', ' 1/4', '1/4 ', '1 / 4', 'a/b', '+1/4', '1e1/40', '１/4'])
      expect(
        refusal(() => parseShard(bad, '--shard')),
        bad,
      ).toMatch(/^--shard: expected i\/n with 0 <= i < n <= 100000 \(e\.g\. 0\/4 is the first of 4 shards\), got "/);
    expect(refusal(() => parseShard('\x1b[2J', '--shard'))).toContain('got "\\x1b[2J"');
    expect(refusal(() => parseShard('x', 'RNNFC_SHARD'))).toMatch(/^RNNFC_SHARD: expected/);
  });
});

describe('shardFromEnvironment', () => {
  const slurm = (id: number, min: number, max: number, count: number, step = 1) => ({
    SLURM_ARRAY_JOB_ID: '41',
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_MIN: String(min),
    SLURM_ARRAY_TASK_MAX: String(max),
    SLURM_ARRAY_TASK_COUNT: String(count),
    SLURM_ARRAY_TASK_STEP: String(step),
  });

  it('is null outside an array job, and for empty variables', () => {
    expect(shardFromEnvironment({})).toBeNull();
    expect(shardFromEnvironment({ PATH: '/usr/bin', SLURM_JOB_ID: '7', RNNFC_SHARD_COUNT: '4' })).toBeNull();
    expect(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '' }, 4)).toBeNull();
  });

  it('Slurm --array=0-3: the task id is the index, the task count the count', () => {
    for (let id = 0; id < 4; id++) expect(shardFromEnvironment(slurm(id, 0, 3, 4))).toMatchObject({ index: id, count: 4 });
    expect(shardFromEnvironment(slurm(2, 0, 3, 4))!.source).toBe('Slurm array task 2 (ids 0 to 3)');
  });

  it('Slurm --array=1-16 and 5-8: the index counts from the lowest id', () => {
    expect(shardFromEnvironment(slurm(1, 1, 16, 16))).toMatchObject({ index: 0, count: 16 });
    expect(shardFromEnvironment(slurm(16, 1, 16, 16))).toMatchObject({ index: 15, count: 16 });
    expect(shardFromEnvironment(slurm(7, 5, 8, 4))).toMatchObject({ index: 2, count: 4, source: 'Slurm array task 7 (ids 5 to 8)' });
  });

  it('Slurm without SLURM_ARRAY_TASK_MIN (nor MAX, STEP): the index is the task id', () => {
    expect(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '8' })).toMatchObject({ index: 3, count: 8 });
    expect(refusal(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '8', SLURM_ARRAY_TASK_COUNT: '8' }))).toMatch(
      /not contiguous \(task ids 0 to \? for 8 tasks; this task 8\)/,
    );
  });

  it('refuses a stepped array (--array=0-6:2), whose ids skip numbers', () => {
    const m = refusal(() => shardFromEnvironment(slurm(2, 0, 6, 4, 2)));
    expect(m).toBe(
      "the Slurm array's task ids are not contiguous (task ids 0 to 6 in steps of 2 for 4 tasks; this task 2), so they cannot number the shards: submit with --array=0-3 (a % limit is fine), or pass --shard i/4",
    );
    // even the first task, whose index alone would look fine
    expect(refusal(() => shardFromEnvironment(slurm(0, 0, 6, 4, 2)))).toMatch(/not contiguous/);
  });

  it('refuses a list with gaps (--array=1,3,5: Slurm reports step 1 there, MAX - MIN + 1 != COUNT)', () => {
    expect(refusal(() => shardFromEnvironment(slurm(1, 1, 5, 3)))).toMatch(
      /^the Slurm array's task ids are not contiguous \(task ids 1 to 5 for 3 tasks; this task 1\)/,
    );
  });

  it('refuses Slurm variables that are not whole numbers in range, naming the variable', () => {
    expect(refusal(() => shardFromEnvironment({ ...slurm(0, 0, 3, 4), SLURM_ARRAY_TASK_ID: 'x' }))).toBe(
      'SLURM_ARRAY_TASK_ID="x": expected a whole number from 0 to 4294967294 (the Slurm array task id)',
    );
    expect(refusal(() => shardFromEnvironment({ ...slurm(2, 0, 3, 4), SLURM_ARRAY_TASK_MIN: '3' }))).toBe(
      'SLURM_ARRAY_TASK_MIN="3": expected a whole number from 0 to 2 (the lowest task id of the Slurm array)',
    );
    expect(refusal(() => shardFromEnvironment({ ...slurm(0, 0, 3, 4), SLURM_ARRAY_TASK_COUNT: '0' }))).toMatch(
      /^SLURM_ARRAY_TASK_COUNT="0": expected a whole number from 1 to 100000/,
    );
    expect(refusal(() => shardFromEnvironment({ ...slurm(0, 0, 3, 4), SLURM_ARRAY_TASK_COUNT: '100001' }))).toMatch(/^SLURM_ARRAY_TASK_COUNT="100001"/);
    expect(refusal(() => shardFromEnvironment({ ...slurm(0, 0, 3, 4), SLURM_ARRAY_TASK_STEP: '0' }))).toMatch(/^SLURM_ARRAY_TASK_STEP="0"/);
    expect(refusal(() => shardFromEnvironment({ ...slurm(1, 1, 3, 3), SLURM_ARRAY_TASK_MAX: '0' }))).toMatch(
      /^SLURM_ARRAY_TASK_MAX="0": expected a whole number from 1 to/,
    );
  });

  it('refuses a Slurm task id without the task count', () => {
    expect(refusal(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '1' }))).toBe(
      'SLURM_ARRAY_TASK_ID=5 is set but not SLURM_ARRAY_TASK_COUNT: the number of shards is unknown; pass --shard 4/N',
    );
  });

  it('Kubernetes: JOB_COMPLETION_INDEX with the count from RNNFC_SHARD_COUNT, or the count given, which wins', () => {
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '2', RNNFC_SHARD_COUNT: '4' })).toEqual({
      index: 2,
      count: 4,
      source: 'Kubernetes completion index 2 of 4 (RNNFC_SHARD_COUNT)',
    });
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '0' }, 1)).toEqual({
      index: 0,
      count: 1,
      source: 'Kubernetes completion index 0 of 1 (the count given)',
    });
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '5', RNNFC_SHARD_COUNT: '4' }, 8)).toMatchObject({ index: 5, count: 8 });
  });

  it('Kubernetes: refuses an index without a count, at or past the count, and bad values', () => {
    expect(refusal(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '3' }))).toBe(
      "JOB_COMPLETION_INDEX=3 is set (a Kubernetes Indexed Job) but not the number of shards: set RNNFC_SHARD_COUNT to the Job's completions, or pass --shard 3/N",
    );
    expect(refusal(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '4', RNNFC_SHARD_COUNT: '4' }))).toBe(
      "JOB_COMPLETION_INDEX=4 is not below the number of shards 4 (RNNFC_SHARD_COUNT): the count must be the Job's completions, or pass --shard i/n",
    );
    expect(refusal(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '4' }, 2))).toMatch(/not below the number of shards 2 \(the count given\)/);
    expect(refusal(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '-1', RNNFC_SHARD_COUNT: '4' }))).toMatch(
      /^JOB_COMPLETION_INDEX="-1": expected a whole number from 0 to 99999/,
    );
    expect(refusal(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '1', RNNFC_SHARD_COUNT: 'four' }))).toBe(
      'RNNFC_SHARD_COUNT="four": expected a whole number from 1 to 100000 (the number of shards: the Job\'s completions)',
    );
    expect(refusal(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '1' }, 0))).toBe('the number of shards must be from 1 to 100000, got 0');
  });

  it("Slurm's variables win over Kubernetes' when both are set", () => {
    expect(shardFromEnvironment({ ...slurm(1, 0, 1, 2), JOB_COMPLETION_INDEX: '3', RNNFC_SHARD_COUNT: '8' })).toMatchObject({ index: 1, count: 2 });
  });
});

describe('resolveShard', () => {
  it('the flag wins over the environment', () => {
    const env = { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4', JOB_COMPLETION_INDEX: '1', RNNFC_SHARD_COUNT: '2' };
    expect(resolveShard('1/8', env)).toEqual({ index: 1, count: 8, source: '--shard' });
    expect(resolveShard('1/8', { SLURM_ARRAY_TASK_ID: 'broken' })).toMatchObject({ index: 1, count: 8 });
    expect(refusal(() => resolveShard('8/8', env))).toMatch(/^--shard: /);
  });

  it('without the flag: the environment, or null', () => {
    expect(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' })).toMatchObject({ index: 3, count: 4 });
    expect(resolveShard(undefined, { JOB_COMPLETION_INDEX: '1' }, 2)).toMatchObject({ index: 1, count: 2 });
    expect(resolveShard(undefined, {})).toBeNull();
  });
});
