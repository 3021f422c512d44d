import { describe, expect, it } from 'vitest';
import type { PerfBenchResult, SearchCase } from './perf-bench.js';
import { checkTargets, formatPerfReport, machineInfo } from './perf-report.js';

function searchCase(memories: number, p50: number, p99: number): SearchCase {
  return {
    label: `${memories} in one scope`,
    memories,
    scopes: 1,
    latency: { count: 10, mean: p50, min: p50, p50, p95: p99, p99, max: p99 },
    meanResults: 10,
    breakdown: { searchLexical: 1, searchVector: 2, other: 0.5 },
    dbBytes: 3 * 1024 ** 2,
    walBytes: 0,
  };
}

function result(overrides: Partial<PerfBenchResult> = {}): PerfBenchResult {
  return {
    ingest: {
      batchSize: 50,
      messages: 1000,
      seconds: 0.25,
      messagesPerSecond: 4000,
      singleAdds: 10,
      singleAddsPerSecond: 300,
      breakdown: { embed: 0.1, other: 0.15 },
    },
    singleScope: [searchCase(1_000, 1, 2), searchCase(100_000, 4, 30)],
    ...overrides,
  };
}

describe('checkTargets', () => {
  it('passes, misses, or marks unmeasured each target', () => {
    const checks = checkTargets(result());
    expect(checks.map((check) => check.pass)).toEqual([true, true, false, undefined]);
  });

  it('misses the ingest target below 2,000 messages/s and checks the 1M case when present', () => {
    const slow = result({
      ingest: {
        batchSize: 50,
        messages: 1000,
        seconds: 1,
        messagesPerSecond: 1000,
        singleAdds: 1,
        singleAddsPerSecond: 1,
        breakdown: {},
      },
      manyScopes: { ...searchCase(1_000_000, 3, 9), label: '1M across 1k scopes', scopes: 1000 },
    });
    const checks = checkTargets(slow);
    expect(checks[0]?.pass).toBe(false);
    expect(checks[3]?.pass).toBe(true);
  });
});

describe('formatPerfReport', () => {
  it('renders machine, latency rows, the breakdown and PASS/MISS verdicts', () => {
    const text = formatPerfReport({
      result: result(),
      machine: machineInfo(new Date(0)),
      command: 'npm run bench:perf',
    });
    expect(text).toContain('1970-01-01T00:00:00.000Z');
    expect(text).toContain(
      '| 100000 in one scope | 10 | 4.00 | 30.00 | 30.00 | 4.00 | 10.0 | 3.0 | 0.0 | – |',
    );
    expect(text).toContain('| mean ms per query | searchLexical | searchVector | other |');
    expect(text).toContain('| batches of 50 | 0.10 | 0.15 |');
    expect(text).toContain('| batches of 50 | 0.10 | 0.15 |');
    expect(text).toContain('PASS');
    expect(text).toContain('MISS');
    expect(text).toContain('n/a');
  });
});

describe('formatPerfReport footprint', () => {
  it('reports bytes per memory and the largest tables per case', () => {
    const measured = {
      ...searchCase(10_000, 2, 5),
      bytesPerMemory: 1990.4,
      tableBytesPerMemory: { memories: 877, history: 68, tiny: 3 },
    };
    const text = formatPerfReport({
      result: result({ singleScope: [measured] }),
      machine: machineInfo(new Date(0)),
      command: 'npm run bench:perf',
    });
    expect(text).toContain('| 3.0 | 0.0 | 1990 |');
    expect(text).toContain('| bytes per memory (after a WAL checkpoint) | total | memories | history |');
    expect(text).toContain('| 10000 in one scope | 1990 | 877 | 68 |');
  });
});

describe('machineInfo', () => {
  it('reports cores, RAM and the node version', () => {
    const info = machineInfo();
    expect(info.cores).toBeGreaterThan(0);
    expect(info.ramGiB).toBeGreaterThan(0);
    expect(info.node).toBe(process.version);
  });
});
