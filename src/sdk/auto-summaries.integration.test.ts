// Automatic session summaries through the SDK on a real SQLite file: after enough tokens (on add), when a
// session goes idle (another session's add, flush, the background timer), never the same span twice.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import type { MemoryRecord } from '../core/records.js';
import { type CreateMemoryOptions, createMemory, type Memory } from './create-memory.js';
import {
  createRoutingModel,
  createTempDatabase,
  type RoutingModel,
} from './test-support/inference-fixture.js';

const alice = { userId: 'alice' };
/** About 52 estimated tokens. */
const long = (label: string) => `${label} ${'word '.repeat(39)}`.trim();
let database: ReturnType<typeof createTempDatabase>;
let memory: Memory | undefined;
let clock: ReturnType<typeof createFixedClock>;

beforeEach(() => {
  database = createTempDatabase('mnemo-summaries-');
  clock = createFixedClock('2024-05-10T09:00:00Z');
});
afterEach(async () => {
  await memory?.close();
  memory = undefined;
  database.cleanup();
});

async function open(llm: RoutingModel | undefined, options: Partial<CreateMemoryOptions>) {
  memory = await createMemory({
    store: database.path,
    clock,
    llm,
    ...options,
  });
  return memory;
}

const summariesOf = (records: MemoryRecord[]) => records.filter((record) => record.kind === 'summary');

describe('automatic session summaries', () => {
  it('summarises a session on the add that carries it past afterTokens, with one extra call', async () => {
    const llm = createRoutingModel();
    const mem = await open(llm, { summaries: { afterTokens: 80, idleMs: 3_600_000 } });
    const first = await mem.add(long('first'), { ...alice, sessionId: 's1' });
    expect(llm.summaries).toHaveLength(0);
    expect(first.usage.llmCalls).toBe(1);
    const second = await mem.add(long('second'), { ...alice, sessionId: 's1' });
    expect(llm.summaries).toHaveLength(1);
    expect(second.usage.llmCalls).toBe(2);
    const [summary] = summariesOf(second.memories);
    expect(summary).toMatchObject({
      kind: 'summary',
      scope: { tenantId: 'default', userId: 'alice', sessionId: 's1' },
      attributes: { fromSeq: 1, toSeq: 2, messageCount: 2 },
    });
    await mem.add('short', { ...alice, sessionId: 's1' });
    expect(llm.summaries).toHaveLength(1);
  });

  it('summarises an idle session when another session gets a message, and never the same span twice', async () => {
    const llm = createRoutingModel();
    const mem = await open(llm, { summaries: { afterTokens: 100_000, idleMs: 60_000 } });
    await mem.add(
      [
        { role: 'user', content: 'Plan a trip to Kyoto' },
        { role: 'assistant', content: 'In April?' },
      ],
      { ...alice, sessionId: 's1' },
    );
    clock.advance(61_000);
    const other = await mem.add('Different topic', { ...alice, sessionId: 's2' });
    expect(llm.summaries).toHaveLength(1);
    expect(llm.summaries[0]).toContain('Plan a trip to Kyoto');
    expect(summariesOf(other.memories)[0]?.attributes).toMatchObject({
      sessionId: 's1',
      fromSeq: 1,
      toSeq: 2,
    });

    clock.advance(61_000);
    await mem.add('Still the other topic', { ...alice, sessionId: 's2' });
    expect(llm.summaries).toHaveLength(1);

    await mem.add('Book the ryokan', { ...alice, sessionId: 's1' });
    clock.advance(61_000);
    const flushed = await mem.flush(alice);
    expect(llm.summaries).toHaveLength(3);
    const s1Prompt = llm.summaries.find((prompt) => prompt.includes('Book the ryokan'));
    expect(s1Prompt).toContain('Summary #1.');
    expect(s1Prompt).not.toContain('Plan a trip to Kyoto');
    expect(
      summariesOf(flushed.memories)
        .map((record) => record.attributes.sessionId)
        .sort(),
    ).toEqual(['s1', 's2']);
    const current = await mem.list({ ...alice, sessionId: 's1', kinds: ['summary'] });
    expect(current.items).toHaveLength(1);
    expect(current.items[0]!.attributes).toMatchObject({ fromSeq: 1, toSeq: 3, messageCount: 3 });

    await mem.flush(alice);
    clock.advance(3_600_000);
    await mem.flush();
    expect(llm.summaries).toHaveLength(3);
  });

  it('summarises idle sessions from the background timer', async () => {
    const llm = createRoutingModel();
    const mem = await open(llm, {
      summaries: { afterTokens: 100_000, idleMs: 60_000 },
      background: { intervalMs: 10 },
    });
    await mem.add('A session that goes quiet', { ...alice, sessionId: 's1' });
    clock.advance(61_000);
    await expect.poll(() => llm.summaries.length, { timeout: 2_000 }).toBe(1);
  });

  it('stays off with summaries: false, and without a model', async () => {
    const llm = createRoutingModel();
    const mem = await open(llm, { summaries: false });
    await mem.add(long('one'), { ...alice, sessionId: 's1' });
    await mem.add(long('two'), { ...alice, sessionId: 's1' });
    clock.advance(3_600_000);
    await mem.flush();
    expect(llm.summaries).toHaveLength(0);
    expect((await mem.status()).inference.summaries).toBeNull();
    await mem.close();

    const raw = await open(undefined, {});
    await raw.add(long('three'), { ...alice, sessionId: 's1' });
    expect((await raw.status()).inference.summaries).toBeNull();
    expect((await raw.list({ ...alice, kinds: ['summary'] })).items).toEqual([]);
  });
});
