/** The pretraining corpus: gap filling, seasons, the TSDL pretraining part only, and its hash. */
import { describe, expect, it } from 'vitest';
import { corpusHash, fillGaps, MAX_LENGTH, syntheticCorpus, tsdlCorpus, tsdlHash, tsdlSeason } from '../../src/pretrain/corpus.js';

describe('pretraining corpus', () => {
  it('drops leading and trailing gaps and fills interior ones linearly', () => {
    const g = fillGaps([Number.NaN, 1, Number.NaN, Number.NaN, 4, Number.NaN]);
    expect({ ...g, values: Array.from(g.values) }).toEqual({ values: [1, 2, 3, 4], from: 1, to: 5, filled: 2 });
    expect(Array.from(fillGaps([Number.NaN]).values)).toEqual([]);
  });

  it('takes whole frequencies from 2 to 52 as seasons, anything else as none', () => {
    expect([12, 4, 52, 7, 1, 365, 0.25, 13].map(tsdlSeason)).toEqual([12, 4, 52, 7, 1, 1, 1, 13]);
  });

  it('reads only the pretraining part less the tuning part, in split order, with at most the last MAX_LENGTH values', () => {
    const long = Array.from({ length: MAX_LENGTH + 5 }, (_, i) => `b,${i},${i}`).join('\n');
    const texts = {
      // sha256 of b, c, h and h_2's entry h start 0.243, 0.182, 0.667, 0.667 (of 2^32): h is in the tuning part
      split: 'id,part\nb,pretrain\na,eval\nh,pretrain\nc,pretrain\nh_2,pretrain\n',
      meta: '"id","frequency"\n"a",12\n"b",4\n"c",365\n',
      series: `id,time,value\na,1,9\nc,1,1\nc,2,\nc,3,3\nh,1,7\nh_2,1,8\n${long}\n`,
    };
    const got = tsdlCorpus(texts);
    expect(got.map((s) => [s.id, s.season, s.values.length])).toEqual([
      ['b', 4, MAX_LENGTH],
      ['c', 1, 3],
    ]);
    expect(got[0].values[0]).toBe(5);
    expect(Array.from(got[1].values)).toEqual([1, 2, 3]);
    expect(tsdlCorpus(texts, 'eval').map((s) => s.id)).toEqual(['a']);
    expect(tsdlCorpus(texts, 'tune').map((s) => s.id)).toEqual(['h', 'h_2']);
    expect(tsdlHash('h_2')).toBe(tsdlHash('h'));
    expect(tsdlHash('b')).toBeCloseTo(0.243, 3);
  });

  it('hashes every id, season and value: the same corpus gives the same hash, any change another', () => {
    const a = syntheticCorpus(7, 5);
    expect(corpusHash(a)).toBe(corpusHash(syntheticCorpus(7, 5)));
    expect(corpusHash(a)).toMatch(/^[0-9a-f]{64}$/);
    const changed = a.map((s) => ({ ...s, values: Float64Array.from(s.values) }));
    changed[3].values[2] += 1e-9;
    expect(corpusHash(changed)).not.toBe(corpusHash(a));
    expect(corpusHash(a.map((s, i) => (i === 1 ? { ...s, season: s.season + 1 } : s)))).not.toBe(corpusHash(a));
  });
});
