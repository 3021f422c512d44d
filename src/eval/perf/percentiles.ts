// Latency summaries for the benchmarks: nearest-rank percentiles over plain arrays of milliseconds.
import { MnemoError } from '../../core/errors.js';

export interface LatencySummary {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * The nearest-rank percentile `p` (0–100) of ascending-sorted samples.
 *
 * @example
 * percentile([1, 2, 3, 4], 50); // 2
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    throw new MnemoError({ code: 'INVALID_INPUT', message: 'percentile() needs at least one sample' });
  }
  if (!(p >= 0 && p <= 100)) {
    throw new MnemoError({ code: 'INVALID_INPUT', message: `percentile must be within 0..100, got ${p}` });
  }
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/**
 * Summarises latency samples (ms): count, mean, min, p50, p95, p99, max.
 *
 * @example
 * summarizeLatencies([3, 1, 2]).p50; // 2
 */
export function summarizeLatencies(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    mean: sum / sorted.length,
    min: percentile(sorted, 0),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
  };
}
