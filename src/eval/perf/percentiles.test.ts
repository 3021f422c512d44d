import { describe, expect, it } from 'vitest';
import { percentile, summarizeLatencies } from './percentiles.js';

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, index) => index + 1);
  it.each([
    [0, 1],
    [1, 1],
    [50, 50],
    [95, 95],
    [99, 99],
    [100, 100],
  ])('p%s of 1..100 is %s (nearest rank)', (p, expected) => {
    expect(percentile(hundred, p)).toBe(expected);
  });

  it.each([
    [[7], 99, 7],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 51, 3],
    [[10, 20], 99, 20],
  ])('percentile(%j, %s) is %s', (sorted, p, expected) => {
    expect(percentile(sorted, p)).toBe(expected);
  });

  it('rejects empty samples and out-of-range percentiles', () => {
    expect(() => percentile([], 50)).toThrow(/at least one sample/);
    expect(() => percentile([1], 101)).toThrow(/0\.\.100/);
    expect(() => percentile([1], Number.NaN)).toThrow(/0\.\.100/);
  });
});

describe('summarizeLatencies', () => {
  it('sorts unsorted samples before taking percentiles', () => {
    const summary = summarizeLatencies([5, 1, 4, 2, 3]);
    expect(summary).toEqual({ count: 5, mean: 3, min: 1, p50: 3, p95: 5, p99: 5, max: 5 });
  });

  it('does not reorder the caller array', () => {
    const samples = [3, 1, 2];
    summarizeLatencies(samples);
    expect(samples).toEqual([3, 1, 2]);
  });
});
