// Usage accounting through the SDK on a real SQLite file: every add, flush, reprocess and summary adds its
// usage to its scope in the store, so usage(scope) equals the sum of what the calls returned, after a restart too.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import type { Usage } from '../core/records.js';
import { addUsage, emptyUsage } from '../ingest/usage-ledger.js';
import { createMemory, type Memory } from './create-memory.js';
import { createRoutingModel, createTempDatabase, operations } from './test-support/inference-fixture.js';

let database: ReturnType<typeof createTempDatabase>;
let memory: Memory | undefined;
const clock = createFixedClock('2024-05-10T09:00:00Z');

beforeEach(() => {
  database = createTempDatabase('mnemo-usage-');
});
afterEach(async () => {
  await memory?.close();
  memory = undefined;
  database.cleanup();
});

function expectSameUsage(actual: Usage, expected: Usage): void {
  const counts = (usage: Usage) => [
    usage.llmCalls,
    usage.inputTokens,
    usage.outputTokens,
    usage.embeddingCalls,
  ];
  expect(counts(actual)).toEqual(counts(expected));
  expect(actual.latencyMs).toBeCloseTo(expected.latencyMs, 6);
}

describe('usage(scope)', () => {
  it('equals the sum of the usage every add, flush, reprocess and summary returned, durably', async () => {
    let failing = true;
    const llm = createRoutingModel({
      extract: (turns) =>
        turns[0]?.startsWith('broken') && failing
          ? 'no json here'
          : operations([{ op: 'ADD', kind: 'fact', text: `Fact: ${turns.join(' / ')}`, sourceTurns: [0] }]),
    });
    memory = await createMemory({
      store: database.path,
      clock,
      llm,
      buffer: { minBatch: 3 },
      summaries: { afterTokens: 25, idleMs: 3_600_000 },
    });
    const returned: Usage[] = [];
    const bySession = new Map<string, Usage>();
    const track = (session: string, usage: Usage) => {
      returned.push(usage);
      bySession.set(session, addUsage(bySession.get(session) ?? emptyUsage(), usage));
    };
    const alice = (sessionId: string) => ({ userId: 'alice', sessionId });

    track('s1', (await memory.add('raw only, no model', { ...alice('s1'), infer: false })).usage);
    track('s1', (await memory.add('I moved to Lisbon in March', alice('s1'))).usage);
    track('s2', (await memory.add('buffered one', { ...alice('s2'), buffer: true })).usage);
    track('s2', (await memory.add('buffered two', { ...alice('s2'), buffer: true })).usage);
    track('s3', (await memory.add('broken answer ahead', alice('s3'))).usage);
    // This add's summary crosses afterTokens in s1: its usage includes the summary call.
    const summarised = await memory.add(
      'a long message that carries the session past the token threshold',
      alice('s1'),
    );
    expect(summarised.memories.some((record) => record.kind === 'summary')).toBe(true);
    track('s1', summarised.usage);
    const flushed = await memory.flush({ userId: 'alice' });
    expect(flushed.batches).toBe(1);
    track('s2', flushed.usage);
    failing = false;
    const reprocessed = await memory.reprocess({ userId: 'alice' });
    expect(reprocessed.reprocessed).toBe(1);
    track('s3', reprocessed.usage);
    const bob = (await memory.add('bob is elsewhere', { userId: 'bob' })).usage;

    const total = returned.reduce(addUsage, emptyUsage());
    // Every model call is counted, except the failed call and its repair (they report no usage), and bob's.
    expect(total.llmCalls).toBe(llm.calls.length - 2 - bob.llmCalls);
    expect(total.embeddingCalls).toBeGreaterThan(0);
    const stored = await memory.usage({ userId: 'alice' });
    expectSameUsage(stored, total);
    expect(stored.firstAt).toBe('2024-05-10T09:00:00.000Z');
    expectSameUsage(await memory.usage({ userId: 'alice', sessionId: 's2' }), bySession.get('s2')!);
    expectSameUsage(await memory.usage({ userId: 'alice', sessionId: 's3' }), bySession.get('s3')!);

    await memory.close();
    memory = await createMemory({ store: database.path, clock });
    expectSameUsage(await memory.usage({ userId: 'alice' }), total);
    expectSameUsage(await memory.usage({ userId: 'bob' }), bob);
    await memory.forgetScope({ userId: 'alice' });
    expect(await memory.usage({ userId: 'alice' })).toEqual({
      scope: { tenantId: 'default', userId: 'alice' },
      ...emptyUsage(),
    });
  });

  it('needs a scope below the tenant', async () => {
    memory = await createMemory({ store: database.path, clock });
    await expect(memory.usage({ tenantId: 'default' })).rejects.toMatchObject({ code: 'SCOPE_REQUIRED' });
  });
});
