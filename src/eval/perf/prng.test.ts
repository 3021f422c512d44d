import { describe, expect, it } from 'vitest';
import { createPrng, createZipfSampler } from './prng.js';

describe('createPrng', () => {
  it('repeats the same sequence for the same seed', () => {
    const first = createPrng(123);
    const second = createPrng(123);
    const a = Array.from({ length: 20 }, () => first.next());
    const b = Array.from({ length: 20 }, () => second.next());
    expect(a).toEqual(b);
  });

  it('gives a different sequence for another seed', () => {
    expect(createPrng(1).next()).not.toBe(createPrng(2).next());
  });

  it('keeps next() in [0, 1) and int() within its inclusive bounds', () => {
    const random = createPrng(9);
    const seen = new Set<number>();
    for (let index = 0; index < 5_000; index += 1) {
      const value = random.next();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      seen.add(random.int(3, 6));
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('refuses to pick from an empty array', () => {
    expect(() => createPrng(1).pick([])).toThrow(/non-empty/);
  });
});

describe('createZipfSampler', () => {
  it('draws low ranks far more often than high ones, roughly 1/rank', () => {
    const zipf = createZipfSampler({ size: 1_000, exponent: 1 });
    const random = createPrng(42);
    const counts = new Array<number>(1_000).fill(0);
    for (let index = 0; index < 100_000; index += 1) {
      const rank = zipf.sample(random);
      counts[rank] = counts[rank]! + 1;
    }
    // P(rank 0) / P(rank 1) = 2 and P(rank 0) / P(rank 9) = 10 for exponent 1.
    expect(counts[0]! / counts[1]!).toBeGreaterThan(1.7);
    expect(counts[0]! / counts[1]!).toBeLessThan(2.3);
    expect(counts[0]! / counts[9]!).toBeGreaterThan(8);
    expect(counts[0]! / counts[9]!).toBeLessThan(12);
    expect(counts.every((count) => count >= 0)).toBe(true);
    expect(counts.slice(500).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
  });

  it('only yields ranks inside 0..size-1', () => {
    const zipf = createZipfSampler({ size: 3 });
    const random = createPrng(5);
    const ranks = new Set(Array.from({ length: 2_000 }, () => zipf.sample(random)));
    expect([...ranks].sort()).toEqual([0, 1, 2]);
  });

  it.each([0, -1, 2.5])('rejects size %s', (size) => {
    expect(() => createZipfSampler({ size })).toThrow(/positive integer/);
  });
});
