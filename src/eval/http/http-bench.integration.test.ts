import { describe, expect, it } from 'vitest';
import { formatHttpBenchReport, httpBenchClean, runHttpBench } from './http-bench.js';

describe('runHttpBench', () => {
  it('loads search and add on a real server without a failed request', async () => {
    const result = await runHttpBench({
      memories: 200,
      connections: 4,
      durationSeconds: 1,
      seed: 7,
      isolate: false,
    });
    expect(result.scenarios.map((row) => row.scenario)).toEqual(['healthz', 'search', 'add']);
    for (const row of result.scenarios) {
      expect(row.totalRequests).toBeGreaterThan(0);
      expect(row.errors).toBe(0);
      expect(row.non2xx).toBe(0);
    }
    expect(httpBenchClean(result)).toBe(true);
    expect(formatHttpBenchReport(result)).toContain('| POST /v1/search |');
  }, 30_000);

  it('reports a run with failures as not clean', () => {
    const row = {
      scenario: 'add' as const,
      requestsPerSecond: 1,
      totalRequests: 1,
      latencyP50Ms: 1,
      latencyP99Ms: 1,
      latencyMaxMs: 1,
      errors: 0,
      timeouts: 0,
      non2xx: 3,
    };
    expect(
      httpBenchClean({
        options: { memories: 1, connections: 1, durationSeconds: 1, seed: 1, isolate: false },
        seedSeconds: 0,
        scenarios: [row],
      }),
    ).toBe(false);
  });
});
