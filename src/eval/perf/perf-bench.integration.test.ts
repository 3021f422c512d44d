import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultPerfBenchOptions, formatCount, runPerfBench } from './perf-bench.js';

describe('runPerfBench (tiny sizes, real SQLite files)', () => {
  let outDir: string;
  beforeEach(async () => {
    outDir = await mkdtemp(path.join(os.tmpdir(), 'mnemo-perf-test-'));
  });
  afterEach(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('builds each case, measures every query and keeps the stores under --out', async () => {
    const result = await runPerfBench({
      ...defaultPerfBenchOptions,
      outDir,
      sizes: [40, 20],
      scopes: 3,
      perScope: 10,
      queries: 5,
      warmup: 1,
      batchSize: 7,
      singleAdds: 3,
    });
    expect(result.ingest.messages).toBe(40);
    expect(result.ingest.messagesPerSecond).toBeGreaterThan(0);
    expect(result.ingest.breakdown.appendTurns).toBeGreaterThan(0);
    expect(result.singleScope.map((entry) => entry.memories)).toEqual([20, 40]);
    expect(result.singleScope.every((entry) => entry.latency.count === 5 && entry.dbBytes > 0)).toBe(true);
    expect(result.singleScope[0]?.breakdown.searchLexical).toBeGreaterThan(0);
    expect(result.manyScopes?.memories).toBe(30);
    expect(result.manyScopes?.buildSeconds).toBeGreaterThan(0);
    const stores = await readdir(outDir);
    expect(stores).toHaveLength(1);
    const files = await readdir(path.join(outDir, stores[0]!));
    expect(files).toEqual(expect.arrayContaining(['one-scope.db', 'many-scopes.db', 'single-adds.db']));
  });

  it('skips the many-scope case with skipMillion, and its searches return memories', async () => {
    const result = await runPerfBench({
      ...defaultPerfBenchOptions,
      outDir,
      sizes: [30],
      skipMillion: true,
      queries: 3,
      warmup: 1,
      singleAdds: 1,
    });
    expect(result.manyScopes).toBeUndefined();
    expect(result.singleScope[0]?.label).toBe('30 in one scope');
    expect(result.singleScope[0]?.meanResults).toBeGreaterThan(0);
  });
});

describe('formatCount', () => {
  it.each([
    [1_000, '1k'],
    [100_000, '100k'],
    [1_000_000, '1M'],
    [1_500, '1500'],
  ])('%s → %s', (value, expected) => {
    expect(formatCount(value)).toBe(expected);
  });
});
