// Seeded pseudo-random numbers and a Zipf sampler: the deterministic source of all synthetic benchmark data.
import { MnemoError } from '../../core/errors.js';

/** A seeded random source: the same seed always yields the same sequence. */
export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
}

/**
 * Creates a mulberry32 generator: tiny, fast, and good enough for synthetic data (not for cryptography).
 *
 * @example
 * const random = createPrng(42);
 * random.int(1, 6); // the same roll on every run
 */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int(min, max) {
      return min + Math.floor(next() * (max - min + 1));
    },
    pick(items) {
      if (items.length === 0) {
        throw new MnemoError({ code: 'INVALID_INPUT', message: 'pick() needs a non-empty array' });
      }
      return items[Math.floor(next() * items.length)]!;
    },
  };
}

/** Draws ranks 0..size-1 with probability proportional to 1 / (rank + 1)^exponent. */
export interface ZipfSampler {
  readonly size: number;
  sample(random: Prng): number;
}

/**
 * Builds a Zipf sampler over `size` ranks (cumulative table + binary search, O(log n) per draw).
 *
 * @example
 * const zipf = createZipfSampler({ size: 4000, exponent: 1.05 });
 * const rank = zipf.sample(createPrng(7)); // small ranks are far more likely
 */
export function createZipfSampler(options: { size: number; exponent?: number }): ZipfSampler {
  const { size } = options;
  if (!Number.isInteger(size) || size < 1) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: `Zipf size must be a positive integer, got ${size}`,
    });
  }
  const exponent = options.exponent ?? 1;
  const cumulative = new Float64Array(size);
  let total = 0;
  for (let rank = 0; rank < size; rank += 1) {
    total += 1 / (rank + 1) ** exponent;
    cumulative[rank] = total;
  }
  return {
    size,
    sample(random) {
      const target = random.next() * total;
      let low = 0;
      let high = size - 1;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (cumulative[middle]! < target) low = middle + 1;
        else high = middle;
      }
      return low;
    },
  };
}
