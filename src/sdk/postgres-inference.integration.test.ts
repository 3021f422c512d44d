// Buffered ingestion, usage totals and reprocess on PostgreSQL: the queue lives in the store's schema, so a new
// createMemory on the same database infers every buffered message exactly once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import type { Usage } from '../core/records.js';
import { addUsage, emptyUsage } from '../ingest/usage-ledger.js';
import {
  dropSchema,
  postgresRequired,
  testPostgresUrl,
  uniqueSchema,
} from '../store/postgres/postgres-test-database.js';
import { createMemory, type Memory } from './create-memory.js';
import { createRoutingModel, operations, type RoutingModel } from './test-support/inference-fixture.js';

const url = testPostgresUrl;
const alice = { userId: 'alice' };
const turns = (...contents: string[]) => contents.map((content) => ({ role: 'user' as const, content }));

if (url === undefined && postgresRequired) {
  describe('inference on PostgreSQL', () => {
    it('runs in CI (MNEMO_TEST_POSTGRES_URL must be set)', () => {
      expect.fail('CI=true but MNEMO_TEST_POSTGRES_URL is not set: the PostgreSQL tests would be skipped.');
    });
  });
}

describe.runIf(url !== undefined)('inference on PostgreSQL', () => {
  let schema: string;
  let memory: Memory | undefined;
  const clock = createFixedClock('2024-05-10T09:00:00Z');
  const open = (llm: RoutingModel) =>
    createMemory({
      store: { provider: 'postgres', connection: url!, schema, maxConnections: 4 },
      clock,
      llm,
      summaries: false,
      buffer: { minBatch: 10 },
    });

  beforeEach(() => {
    schema = uniqueSchema();
  });
  afterEach(async () => {
    await memory?.close();
    memory = undefined;
    await dropSchema(url!, schema);
  });

  it('infers buffered messages exactly once after a restart, and usage(scope) sums what was returned', async () => {
    const llm = createRoutingModel({
      extract: (seen) =>
        operations([{ op: 'ADD', kind: 'fact', text: `Noted ${seen.join(', ')}`, sourceTurns: [0] }]),
    });
    const first = await open(llm);
    const returned: Usage[] = [];
    returned.push((await first.add(turns('m1', 'm2'), { ...alice, sessionId: 's1', buffer: true })).usage);
    returned.push((await first.add(turns('m3'), { ...alice, sessionId: 's2', buffer: true })).usage);
    returned.push((await first.add(turns('m4'), { ...alice, sessionId: 's1', buffer: true })).usage);
    expect((await first.status()).inference.queue).toMatchObject({ provider: 'postgres', pending: 4 });
    await first.close();
    expect(llm.calls).toHaveLength(0);

    memory = await open(llm);
    const flushed = await memory.flush(alice);
    returned.push(flushed.usage);
    expect(llm.extractions.map((seen) => seen.join(' ')).sort()).toEqual(['m1 m2 m4', 'm3']);
    expect(flushed.pending).toBe(0);
    expect((await memory.flush()).batches).toBe(0);
    expect(llm.calls).toHaveLength(2);

    const total = returned.reduce(addUsage, emptyUsage());
    const stored = await memory.usage(alice);
    expect([stored.llmCalls, stored.inputTokens, stored.outputTokens, stored.embeddingCalls]).toEqual([
      total.llmCalls,
      total.inputTokens,
      total.outputTokens,
      total.embeddingCalls,
    ]);
    expect(stored.latencyMs).toBeCloseTo(total.latencyMs, 6);
  });

  it('records a failed extraction and replays it with reprocess()', async () => {
    let failing = true;
    const llm = createRoutingModel({
      extract: (seen) =>
        failing
          ? 'not json'
          : operations([{ op: 'ADD', kind: 'fact', text: `Fact: ${seen[0]}`, sourceTurns: [0] }]),
    });
    memory = await open(llm);
    const added = await memory.add('I adopted a cat', { ...alice, sessionId: 's1' });
    expect(added.extractionError?.code).toBe('LLM_OUTPUT_INVALID');
    expect((await memory.failures(alice)).map((failure) => failure.messageId)).toEqual([
      added.messages[0]!.id,
    ]);
    failing = false;
    const replayed = await memory.reprocess(alice);
    expect(replayed.memories.map((record) => record.text)).toEqual(['Fact: I adopted a cat']);
    expect(await memory.failures(alice)).toEqual([]);
  });
});
