/**
 * Seeded synthetic series for pretraining a global forecaster, in the spirit of ForecastPFN's
 * prior and Chronos' KernelSynth: trends with and without damping, level shifts, seasonal
 * patterns of several periods and shapes (additive and multiplicative), intermittent demand,
 * AR(1..2) processes, random walks with drift (increments white or AR(1)), and random
 * compositions of these; positive-valued and signed, at several noise levels, with frequencies
 * and lengths like real data (yearly 15-60 values, quarterly 24-120, monthly 48-300, weekly,
 * daily and hourly up to 500).
 *
 * Series i of a seed depends only on (seed, i, options): its generator is seeded from a hash of
 * the pair, so any subset can be regenerated alone. Pure: no file system, no process, no tf.
 */
import { mulberry32, type Rng } from './rng.js';

/** The families, each named by the structure that dominates it. */
export const FAMILIES = [
  'trend',
  'damped-trend',
  'level-shift',
  'seasonal-additive',
  'seasonal-multiplicative',
  'intermittent',
  'ar',
  'random-walk',
  'mixed',
] as const;
export type Family = (typeof FAMILIES)[number];

/** How often each family is drawn when no `families` option narrows the choice. */
const FAMILY_WEIGHTS: Record<Family, number> = {
  trend: 0.1,
  'damped-trend': 0.1,
  'level-shift': 0.08,
  'seasonal-additive': 0.15,
  'seasonal-multiplicative': 0.12,
  intermittent: 0.08,
  ar: 0.1,
  'random-walk': 0.1,
  mixed: 0.17,
};

/** Where the values lie, by construction: > 0, >= 0 (intermittent: with zeros), or anywhere. */
export type Support = 'positive' | 'nonnegative' | 'real';

/** A data frequency: its seasonal period m (1: none) and the range of lengths real series of it have. */
export interface Profile {
  name: 'yearly' | 'quarterly' | 'monthly' | 'weekly' | 'daily' | 'hourly' | 'other';
  period: number;
  minLength: number;
  maxLength: number;
  weight: number;
}

export const PROFILES: readonly Profile[] = [
  { name: 'yearly', period: 1, minLength: 15, maxLength: 60, weight: 0.2 },
  { name: 'quarterly', period: 4, minLength: 24, maxLength: 120, weight: 0.15 },
  { name: 'monthly', period: 12, minLength: 48, maxLength: 300, weight: 0.3 },
  { name: 'weekly', period: 52, minLength: 104, maxLength: 500, weight: 0.07 },
  { name: 'daily', period: 7, minLength: 60, maxLength: 500, weight: 0.13 },
  { name: 'hourly', period: 24, minLength: 96, maxLength: 500, weight: 0.08 },
  { name: 'other', period: 1, minLength: 30, maxLength: 500, weight: 0.07 },
];

/** Families that need a season (a profile with period > 1). */
const SEASONAL: ReadonlySet<Family> = new Set<Family>(['seasonal-additive', 'seasonal-multiplicative']);

export const SEASON_SHAPES = ['sinusoids', 'sawtooth', 'spikes', 'profile'] as const;
export type SeasonShape = (typeof SEASON_SHAPES)[number];

export interface SyntheticSeries {
  /** `syn-<seed>-<index>`. */
  id: string;
  /** The seasonal period m of its profile (1: none), as the forecaster's season. */
  frequency: number;
  /** The profile's name (yearly, quarterly, monthly, weekly, daily, hourly, other). */
  profile: Profile['name'];
  family: Family;
  support: Support;
  values: Float64Array;
}

export interface SynthesizeOptions {
  /** Draw only from these families (equally often); default: every family, weighted. */
  families?: readonly Family[];
  /**
   * Multiplies every noise level (default 1); 0 gives the clean signals of the deterministic
   * families (trends, shifts, seasons; AR processes and random walks keep their innovations).
   */
  noise?: number;
}

/** A 32-bit hash of (seed, index): the seed of series `index` (murmur3's finalizer on a mix of both). */
export function seriesSeed(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x85ebca6b, 0x9e3779b1) ^ Math.imul((index >>> 0) + 1, 0xc2b2ae35);
  h ^= Math.floor(seed / 4294967296) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Series 0..count-1 of `seed`. */
export function synthesize(seed: number, count: number, opts: SynthesizeOptions = {}): SyntheticSeries[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const out: SyntheticSeries[] = [];
  for (let i = 0; i < count; i++) out.push(synthesizeSeries(seed, i, opts));
  return out;
}

/** Series `index` of `seed`, the same as synthesize(seed, count)[index] for any count > index. */
export function synthesizeSeries(seed: number, index: number, opts: SynthesizeOptions = {}): SyntheticSeries {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
  if (!Number.isSafeInteger(index) || index < 0 || index > 0xffffffff) throw new RangeError(`index must be an integer in [0, 2^32), got ${index}`);
  const noise = opts.noise ?? 1;
  if (!(noise >= 0 && Number.isFinite(noise))) throw new RangeError(`noise must be a finite number >= 0, got ${noise}`);
  const families = opts.families ?? FAMILIES;
  if (families.length === 0 || families.some((f) => !FAMILIES.includes(f))) throw new RangeError(`families must name some of ${FAMILIES.join(', ')}`);

  const r = new Draw(mulberry32(seriesSeed(seed, index)));
  const family = opts.families ? r.pick(families) : r.weighted(FAMILIES, (f) => FAMILY_WEIGHTS[f]);
  const profiles = SEASONAL.has(family) ? PROFILES.filter((p) => p.period > 1) : PROFILES;
  const profile = r.weighted(profiles, (p) => p.weight);
  const n = r.int(profile.minLength, profile.maxLength);
  const sigma = noise * r.noiseLevel();
  const { values, support } = GENERATORS[family](r, n, profile.period, sigma);
  return { id: `syn-${seed}-${index}`, frequency: profile.period, profile: profile.name, family, support, values };
}

/** Random draws on top of a [0, 1) generator. */
class Draw {
  constructor(readonly next: Rng) {}
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }
  /** An integer in [a, b]. */
  int(a: number, b: number): number {
    return a + Math.floor(this.next() * (b - a + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  sign(): number {
    return this.next() < 0.5 ? -1 : 1;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  weighted<T>(xs: readonly T[], weight: (x: T) => number): T {
    let total = 0;
    for (const x of xs) total += weight(x);
    let u = this.next() * total;
    for (const x of xs) {
      u -= weight(x);
      if (u < 0) return x;
    }
    return xs[xs.length - 1];
  }
  /** A standard normal draw (Box-Muller; 1 - u keeps the logarithm finite). */
  normal(): number {
    const u1 = 1 - this.next();
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  /** The noise standard deviation in unit space (signals span about 1): low, medium or high. */
  noiseLevel(): number {
    const u = this.next();
    return u < 0.3 ? this.uniform(0.01, 0.05) : u < 0.75 ? this.uniform(0.05, 0.2) : this.uniform(0.2, 0.5);
  }
  /** The scale of a series' values: 10^U(-1, 4), as real data range from tenths to tens of thousands. */
  scale(): number {
    return 10 ** this.uniform(-1, 4);
  }
}

type Generator = (r: Draw, n: number, m: number, sigma: number) => { values: Float64Array; support: Support };

// ---- components, in unit space (each spans about 1) ----

/** a + slope * t with the whole change `total`. */
function linear(n: number, total: number): Float64Array {
  const z = new Float64Array(n);
  for (let t = 0; t < n; t++) z[t] = (total * t) / Math.max(1, n - 1);
  return z;
}

/**
 * A damped trend: z[t] = b (phi + phi^2 + ... + phi^t), the slope b phi^t shrinking every step,
 * with b chosen so that the whole change is `total`.
 */
function damped(n: number, total: number, phi: number): Float64Array {
  const z = new Float64Array(n);
  let s = 0,
    p = 1;
  for (let t = 1; t < n; t++) {
    p *= phi;
    s += p;
    z[t] = s;
  }
  const k = s > 0 ? total / s : 0;
  for (let t = 0; t < n; t++) z[t] *= k;
  return z;
}

/** 1 to 3 level shifts of size 1 to 3 (either sign) at distinct times in the middle 70% of the series. */
function shifts(r: Draw, n: number): Float64Array {
  const z = new Float64Array(n);
  const lo = Math.max(1, Math.floor(0.15 * n)),
    hi = Math.max(lo, Math.floor(0.85 * n));
  const k = Math.min(r.int(1, 3), hi - lo + 1);
  const times: number[] = [];
  while (times.length < k) {
    const at = r.int(lo, hi);
    if (!times.includes(at)) times.push(at);
  }
  for (const at of times) {
    const size = r.sign() * r.uniform(1, 3);
    for (let t = at; t < n; t++) z[t] += size;
  }
  return z;
}

/**
 * One cycle of a seasonal pattern of period m, zero mean and largest |value| 1: a mixture of 1
 * to 3 harmonics, a sawtooth (rising or falling), 1 or 2 spikes, or a smoothed random profile.
 */
function seasonCycle(r: Draw, m: number, shape: SeasonShape): Float64Array {
  const c = new Float64Array(m);
  if (shape === 'sinusoids') {
    const k = r.int(1, Math.max(1, Math.min(3, Math.floor(m / 2))));
    for (let j = 1; j <= k; j++) {
      const a = r.uniform(0.3, 1) / j,
        phase = r.uniform(0, 2 * Math.PI);
      for (let t = 0; t < m; t++) c[t] += a * Math.sin((2 * Math.PI * j * t) / m + phase);
    }
  } else if (shape === 'sawtooth') {
    const start = r.int(0, m - 1),
      dir = r.sign();
    for (let t = 0; t < m; t++) c[t] = dir * (((t + start) % m) / m);
  } else if (shape === 'spikes') {
    const k = m >= 4 ? r.int(1, 2) : 1;
    for (let j = 0; j < k; j++) c[r.int(0, m - 1)] = r.uniform(0.5, 1) * (j === 0 ? 1 : r.sign());
  } else {
    for (let t = 0; t < m; t++) c[t] = r.normal();
    const s = Float64Array.from(c);
    for (let t = 0; t < m; t++) c[t] = (s[(t + m - 1) % m] + 2 * s[t] + s[(t + 1) % m]) / 4;
  }
  let mean = 0;
  for (let t = 0; t < m; t++) mean += c[t] / m;
  let top = 0;
  for (let t = 0; t < m; t++) {
    c[t] -= mean;
    top = Math.max(top, Math.abs(c[t]));
  }
  if (top > 0) for (let t = 0; t < m; t++) c[t] /= top;
  else c[0] = 1; // a constant draw (cannot happen for m >= 2 with these shapes): a single spike
  return c;
}

/** The cycle repeated over n steps from a random phase. */
function season(r: Draw, n: number, m: number): Float64Array {
  const c = seasonCycle(r, m, r.pick(SEASON_SHAPES));
  const phase = r.int(0, m - 1);
  const z = new Float64Array(n);
  for (let t = 0; t < n; t++) z[t] = c[(t + phase) % m];
  return z;
}

/**
 * A stationary AR(1) or AR(2) process with unit innovation scale times `s` (burned in for 50
 * steps): AR(1) phi in (-0.5, 0.95); AR(2) drawn inside the stationarity triangle.
 */
function ar(r: Draw, n: number, s: number): Float64Array {
  let p1: number, p2: number;
  if (r.chance(0.5)) {
    p1 = r.uniform(-0.5, 0.95);
    p2 = 0;
  } else {
    // roots of 1 - p1 z - p2 z^2 outside the unit circle: |p2| < 1, p2 + p1 < 1, p2 - p1 < 1 (with a margin)
    p2 = r.uniform(-0.8, 0.6);
    const lim = 1 - p2 - 0.05;
    p1 = r.uniform(-lim, lim);
  }
  const z = new Float64Array(n);
  let a = 0,
    b = 0;
  for (let t = -50; t < n; t++) {
    const x = p1 * a + p2 * b + s * r.normal();
    b = a;
    a = x;
    if (t >= 0) z[t] = x;
  }
  return z;
}

/** A random walk with drift `drift` per step, increments white or AR(1) (ARIMA(0,1,0)/(1,1,0)). */
function walk(r: Draw, n: number, step: number, drift: number): Float64Array {
  const phi = r.chance(0.5) ? 0 : r.uniform(-0.3, 0.7);
  const z = new Float64Array(n);
  let e = 0;
  for (let t = 1; t < n; t++) {
    e = phi * e + step * r.normal();
    z[t] = z[t - 1] + drift + e;
  }
  return z;
}

function noiseInto(r: Draw, z: Float64Array, sigma: number): Float64Array {
  if (sigma > 0) for (let t = 0; t < z.length; t++) z[t] += sigma * r.normal();
  return z;
}

function add(...parts: Float64Array[]): Float64Array {
  const z = new Float64Array(parts[0].length);
  for (const p of parts) for (let t = 0; t < z.length; t++) z[t] += p[t];
  return z;
}

/**
 * Unit-space values to data values. Positive: shifted so the smallest value is a random 0.1 to
 * 3 spans (the range, at least 1) above 0, then scaled; signed: scaled around an offset of
 * either sign, so some series cross zero and some do not.
 */
/**
 * The minimum of z and a scale k that maps z's range onto a random span of 0.3 to 2 on the log
 * scale (0 for a constant z): exp(k (z - lo)) then neither overflows nor underflows.
 */
function logSpan(r: Draw, z: Float64Array): { lo: number; k: number } {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of z) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return { lo, k: hi > lo ? r.uniform(0.3, 2) / (hi - lo) : 0 };
}

function finish(r: Draw, z: Float64Array, positive: boolean): { values: Float64Array; support: Support } {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of z) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = Math.max(hi - lo, 1e-9);
  const scale = r.scale();
  const values = new Float64Array(z.length);
  if (positive) {
    const base = r.uniform(0.1, 3) * Math.max(span, 1) - lo;
    for (let t = 0; t < z.length; t++) values[t] = scale * (z[t] + base);
    return { values, support: 'positive' };
  }
  const offset = r.normal() * span;
  for (let t = 0; t < z.length; t++) values[t] = scale * (z[t] + offset);
  return { values, support: 'real' };
}

// ---- families ----

const GENERATORS: Record<Family, Generator> = {
  trend: (r, n, _m, sigma) => finish(r, noiseInto(r, linear(n, r.sign() * r.uniform(1, 5)), sigma), r.chance(0.6)),

  'damped-trend': (r, n, _m, sigma) => finish(r, noiseInto(r, damped(n, r.sign() * r.uniform(1, 5), r.uniform(0.8, 0.98)), sigma), r.chance(0.6)),

  'level-shift': (r, n, _m, sigma) => {
    const z = add(shifts(r, n), r.chance(0.3) ? linear(n, r.sign() * r.uniform(0, 1)) : new Float64Array(n));
    return finish(r, noiseInto(r, z, Math.min(sigma, 0.3)), r.chance(0.6));
  },

  'seasonal-additive': (r, n, m, sigma) => {
    const z = add(season(r, n, m), linear(n, r.chance(0.5) ? r.sign() * r.uniform(0, 3) : 0));
    return finish(r, noiseInto(r, z, Math.min(sigma, 0.3)), r.chance(0.6));
  },

  /**
   * level(t) (1 + a s(t)) e^(noise): a level growing or shrinking exponentially (a factor of
   * e^0.5 to e^2 over the series), seasonal swing a = 0.2 to 0.6 of the level, noise on the log scale.
   */
  'seasonal-multiplicative': (r, n, m, sigma) => {
    const s = season(r, n, m);
    const g = (r.sign() * r.uniform(0.5, 2)) / Math.max(1, n - 1);
    const a = r.uniform(0.2, 0.6);
    const scale = r.scale();
    const ls = 0.4 * Math.min(sigma, 0.3);
    const values = new Float64Array(n);
    for (let t = 0; t < n; t++) values[t] = scale * Math.exp(g * t + ls * r.normal()) * (1 + a * s[t]);
    return { values, support: 'positive' };
  },

  /**
   * Intermittent demand: a demand occurs with probability 0.05 to 0.6 each step, of size 1 +
   * a geometric count with mean 0.5 to 20; at least one zero and two demands.
   */
  intermittent: (r, n) => {
    const p = r.uniform(0.05, 0.6);
    const mean = r.uniform(0.5, 20);
    const q = mean / (1 + mean); // geometric: P(k) = (1 - q) q^k, mean q / (1 - q)
    const values = new Float64Array(n);
    for (let t = 0; t < n; t++) if (r.chance(p)) values[t] = 1 + Math.floor(Math.log(1 - r.next()) / Math.log(q));
    let demands = 0;
    for (const v of values) if (v > 0) demands++;
    while (demands < 2) {
      const t = r.int(0, n - 1);
      if (values[t] === 0) {
        values[t] = 1 + r.int(0, Math.ceil(mean));
        demands++;
      }
    }
    if (demands === n) values[r.int(0, n - 1)] = 0;
    return { values, support: 'nonnegative' };
  },

  ar: (r, n, _m, sigma) => finish(r, ar(r, n, Math.max(0.05, sigma)), r.chance(0.5)),

  /** A random walk with drift; positive ones are geometric (the exponential of a small-step walk). */
  'random-walk': (r, n, _m, sigma) => {
    const step = Math.max(0.02, sigma) / Math.sqrt(n / 50);
    const drift = r.chance(0.3) ? 0 : (r.sign() * r.uniform(0, 3)) / n;
    const z = walk(r, n, step, drift);
    if (r.chance(0.5)) return finish(r, z, false);
    // geometric: the walk rescaled to span 0.3 to 2 on the log scale, so no value over- or underflows
    const { lo, k } = logSpan(r, z);
    const scale = r.scale();
    return { values: z.map((v) => scale * Math.exp(k * (v - lo))), support: 'positive' };
  },

  /**
   * KernelSynth-like: 1 to 3 of {linear trend, damped trend, level shifts, random walk, AR(1..2)}
   * plus, with a season (m > 1) and probability 0.7, a seasonal pattern; combined additively, or
   * multiplicatively on a positive level.
   */
  mixed: (r, n, m, sigma) => {
    const makers = [
      () => linear(n, r.sign() * r.uniform(0.5, 3)),
      () => damped(n, r.sign() * r.uniform(0.5, 3), r.uniform(0.8, 0.98)),
      () => shifts(r, n),
      () => walk(r, n, 0.3 / Math.sqrt(n / 50), 0),
      () => ar(r, n, 0.3),
    ];
    const base: Float64Array[] = [];
    for (let k = r.int(1, 3); k > 0; k--) base.push(r.pick(makers)());
    const z = add(...base);
    const seasonal = m > 1 && r.chance(0.7) ? season(r, n, m) : null;
    if (seasonal && r.chance(0.5)) {
      // multiplicative: exp of the base, rescaled to span at most 2 on the log scale
      const { lo, k } = logSpan(r, z);
      const a = r.uniform(0.1, 0.6);
      const scale = r.scale();
      const ls = 0.4 * Math.min(sigma, 0.3);
      const values = new Float64Array(n);
      for (let t = 0; t < n; t++) values[t] = scale * Math.exp(k * (z[t] - lo) + ls * r.normal()) * (1 + a * seasonal[t]);
      return { values, support: 'positive' };
    }
    const amp = seasonal ? r.uniform(0.3, 2) : 0;
    if (seasonal) for (let t = 0; t < n; t++) z[t] += amp * seasonal[t];
    return finish(r, noiseInto(r, z, sigma), r.chance(0.5));
  },
};
