/**
 * The pretraining corpus: seeded synthetic series (synthetic.ts) and the pretraining part of the
 * Time Series Data Library the repository ships (datasets/tsdl: series.csv in long format,
 * meta.csv with each series' frequency, split.csv with each series' part, fixed before any result
 * was seen; neither the evaluation part nor the tuning part is pretrained on). Pure: texts in,
 * series out.
 */
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { synthesize } from './synthetic.js';

export interface CorpusSeries {
  id: string;
  /** Seasonal period (1: none). */
  season: number;
  values: Float64Array;
}

/** Series longer than this keep their last MAX_LENGTH values. */
export const MAX_LENGTH = 500;

/** The synthetic part: series 0..count-1 of `seed`. */
export function syntheticCorpus(seed: number, count: number): CorpusSeries[] {
  return synthesize(seed, count).map((s) => ({ id: s.id, season: s.frequency, values: s.values }));
}

/**
 * Leading and trailing missing values dropped, interior ones filled linearly between their
 * neighbours; with the kept range [from, to) of the input and how many values were filled.
 */
export function fillGaps(values: number[]): { values: Float64Array; from: number; to: number; filled: number } {
  let a = 0,
    b = values.length;
  while (a < b && Number.isNaN(values[a])) a++;
  while (b > a && Number.isNaN(values[b - 1])) b--;
  const out = Float64Array.from(values.slice(a, b));
  let filled = 0;
  for (let i = 0; i < out.length; i++) {
    if (!Number.isNaN(out[i])) continue;
    let j = i;
    while (Number.isNaN(out[j])) j++;
    const y0 = out[i - 1],
      y1 = out[j];
    for (let k = i; k < j; k++) out[k] = y0 + ((y1 - y0) * (k - i + 1)) / (j - i + 1);
    filled += j - i;
    i = j;
  }
  return { values: out, from: a, to: b, filled };
}

/**
 * Where a series' entry falls in [0, 1): the first 4 bytes of sha256 of its entry (the id without
 * a `_j` column suffix) over 2^32, the number datasets/tsdl/split.csv was made from (pretraining
 * part below 0.7, evaluation part above; bench/tsdl-split.js).
 */
export function tsdlHash(id: string): number {
  return createHash('sha256').update(id.replace(/_\d+$/, ''), 'utf8').digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * The tuning part: the series of the pretraining part whose hash is at least TUNE_FROM (about a
 * fifth of it). They are left out of the pretraining corpus, so the choices made on them (how the
 * pretrained network is used) are measured on series it has not seen; the evaluation part stays
 * for reporting only.
 */
export const TUNE_FROM = 0.56;
export function isTuneSeries(id: string): boolean {
  const h = tsdlHash(id);
  return h >= TUNE_FROM && h < 0.7;
}

/** The season of a TSDL frequency: the frequency when it is a whole number from 2 to 52, else 1 (none). */
export function tsdlSeason(frequency: number): number {
  return Number.isInteger(frequency) && frequency >= 2 && frequency <= 52 ? frequency : 1;
}

/**
 * The TSDL series of a part, in split.csv's order: gaps filled, at most the last MAX_LENGTH
 * values. 'pretrain': split.csv's pretraining part less the tuning part; 'tune': the tuning part;
 * 'eval': the evaluation part.
 */
export function tsdlCorpus(texts: { series: string; meta: string; split: string }, part: 'pretrain' | 'tune' | 'eval' = 'pretrain'): CorpusSeries[] {
  const wanted = (parse(texts.split, { columns: true }) as { id: string; part: string }[])
    .filter((r) => (part === 'eval' ? r.part === 'eval' : r.part === 'pretrain' && isTuneSeries(r.id) === (part === 'tune')))
    .map((r) => r.id);
  const frequency = new Map<string, number>();
  for (const r of parse(texts.meta, { columns: true }) as { id: string; frequency: string }[])
    if (!frequency.has(r.id)) frequency.set(r.id, Number(r.frequency));
  const raw = new Map<string, number[]>();
  const keep = new Set(wanted);
  for (const r of parse(texts.series, { columns: true }) as { id: string; value: string }[]) {
    if (!keep.has(r.id)) continue;
    let v = raw.get(r.id);
    if (!v) {
      v = [];
      raw.set(r.id, v);
    }
    v.push(r.value.trim() === '' ? Number.NaN : Number(r.value));
  }
  const out: CorpusSeries[] = [];
  for (const id of wanted) {
    const { values } = fillGaps((raw.get(id) ?? []).slice(-MAX_LENGTH));
    if (values.length > 0) out.push({ id, season: tsdlSeason(frequency.get(id) ?? 1), values });
  }
  return out;
}

/** SHA-256 of the corpus as text: one line per series, `id,season,v1,v2,...` (shortest round-trip numbers). */
export function corpusHash(corpus: CorpusSeries[]): string {
  const h = createHash('sha256');
  for (const s of corpus) h.update(`${s.id},${s.season},${Array.from(s.values).join(',')}\n`);
  return h.digest('hex');
}
