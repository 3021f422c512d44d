// Buffered ingestion through the SDK on real SQLite files: add(…, { buffer: true }) stores at once and infers
// later (batch size, wait limit, flush, background timer), exactly once, across a restart.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import { isMnemoError } from '../core/errors.js';
import { createOpenAICompatibleLanguageModel } from '../models/openai-compatible-language-model.js';
import {
  createOpenAICompatibleTestServer,
  type OpenAICompatibleTestServer,
  type TestServerRequest,
} from '../testing/index.js';
import { createMemory, type Memory } from './create-memory.js';
import {
  createRoutingModel,
  createTempDatabase,
  newTurnsOf,
  operations,
  type RoutingModel,
} from './test-support/inference-fixture.js';

const alice = { userId: 'alice' };
let database: ReturnType<typeof createTempDatabase>;
let memory: Memory | undefined;
let clock: ReturnType<typeof createFixedClock>;

beforeEach(() => {
  database = createTempDatabase('mnemo-buffer-');
  clock = createFixedClock('2024-05-10T09:00:00Z');
});
afterEach(async () => {
  await memory?.close();
  memory = undefined;
  database.cleanup();
});

async function open(llm: RoutingModel | undefined, extra: Parameters<typeof createMemory>[0] = {}) {
  memory = await createMemory({
    store: database.path,
    clock,
    summaries: false,
    buffer: { minBatch: 4, maxWaitMs: 60_000, maxBatch: 16 },
    llm,
    ...extra,
  });
  return memory;
}

const turns = (...contents: string[]) => contents.map((content) => ({ role: 'user' as const, content }));

describe('add(…, { buffer: true })', () => {
  it('stores the raw messages at once and returns without a model call, saying how many are pending', async () => {
    const llm = createRoutingModel();
    const mem = await open(llm);
    const result = await mem.add(turns('I play chess.', 'Every Sunday.'), {
      ...alice,
      sessionId: 's1',
      buffer: true,
    });
    expect(llm.calls).toHaveLength(0);
    expect(result.usage.llmCalls).toBe(0);
    expect(result.pending).toBe(2);
    expect(result.memories.map((record) => record.kind)).toEqual(['episode', 'episode']);
    expect((await mem.list(alice)).items).toHaveLength(2);
    expect((await mem.status()).inference.queue).toMatchObject({
      provider: 'sqlite',
      durable: true,
      pending: 2,
    });
  });

  it('infers the session in one call once it holds minBatch messages, in log order', async () => {
    const llm = createRoutingModel({
      extract: (seen) =>
        operations([{ op: 'ADD', kind: 'fact', text: `Alice: ${seen.join(' ')}`, sourceTurns: [0] }]),
    });
    const mem = await open(llm);
    await mem.add(turns('one', 'two'), { ...alice, sessionId: 's1', buffer: true });
    const second = await mem.add(turns('three', 'four'), { ...alice, sessionId: 's1', buffer: true });
    expect(llm.extractions).toEqual([['one', 'two', 'three', 'four']]);
    expect(second.usage.llmCalls).toBe(1);
    expect(second.pending).toBe(0);
    expect(second.memories.map((record) => record.text)).toContain('Alice: one two three four');
  });

  it('infers a session whose oldest message waited maxWaitMs when the user adds to another session', async () => {
    const llm = createRoutingModel();
    const mem = await open(llm);
    await mem.add(turns('early'), { ...alice, sessionId: 's1', buffer: true });
    clock.advance(61_000);
    const later = await mem.add(turns('later'), { ...alice, sessionId: 's2', buffer: true });
    expect(llm.extractions).toEqual([['early']]);
    expect(later.usage.llmCalls).toBe(1);
    expect(later.pending).toBe(1);
    // Another user's add does not run alice's due work.
    clock.advance(61_000);
    await mem.add(turns('hello'), { userId: 'bob', sessionId: 'b1', buffer: true });
    expect(llm.extractions).toEqual([['early']]);
  });

  it('flush() infers everything pending now and returns the combined memories, usage and failures', async () => {
    const llm = createRoutingModel({
      extract: (seen) =>
        seen[0] === 'broken'
          ? 'this is not json'
          : operations([{ op: 'ADD', kind: 'fact', text: `Fact from ${seen.join('+')}`, sourceTurns: [0] }]),
    });
    const mem = await open(llm);
    await mem.add(turns('a', 'b'), { ...alice, sessionId: 's1', buffer: true });
    await mem.add(turns('c'), { ...alice, sessionId: 's2', buffer: true });
    await mem.add(turns('broken'), { ...alice, sessionId: 's3', buffer: true });
    await mem.add(turns('d'), { userId: 'bob', sessionId: 'b1', buffer: true });
    const flushed = await mem.flush(alice);
    expect(flushed.batches).toBe(2);
    expect(flushed.memories.map((record) => record.text).sort()).toEqual(['Fact from a+b', 'Fact from c']);
    expect(flushed.usage.llmCalls).toBe(2);
    expect(flushed.failures).toEqual([
      expect.objectContaining({ scope: { tenantId: 'default', userId: 'alice', sessionId: 's3' } }),
    ]);
    expect(flushed.failures[0]!.error.code).toBe('LLM_OUTPUT_INVALID');
    expect(flushed.pending).toBe(0);
    expect((await mem.failures(alice)).map((failure) => failure.code)).toEqual(['LLM_OUTPUT_INVALID']);
    // bob was outside the flushed scope.
    expect((await mem.status()).inference.queue.pending).toBe(1);
    expect((await mem.flush()).batches).toBe(1);
  });

  it('refuses buffer: true without a model, or together with infer: false, with typed errors', async () => {
    const mem = await open(undefined);
    const code = (promise: Promise<unknown>) =>
      promise.then(
        () => 'resolved',
        (error: unknown) => (isMnemoError(error) ? error.code : 'untyped'),
      );
    expect(await code(mem.add('x', { ...alice, buffer: true }))).toBe('UNSUPPORTED');
    await mem.close();
    const mem2 = await open(createRoutingModel());
    expect(await code(mem2.add('x', { ...alice, buffer: true, infer: false }))).toBe('INVALID_INPUT');
    expect(await code(mem2.flush({ userId: '' }))).toBe('INVALID_INPUT');
    expect((await mem2.list(alice)).items).toEqual([]);
  });

  it.each([
    ['a zero minBatch', { buffer: { minBatch: 0 } }],
    ['an unknown buffer option', { buffer: { size: 3 } as never }],
    ['a 1 ms timer', { background: { intervalMs: 1 } }],
    ['a negative idle time', { summaries: { idleMs: -1 } }],
  ])('refuses %s before opening anything', async (_name, extra) => {
    await expect(createMemory({ store: database.path, ...extra })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('runs due batches from an unref’d background timer and stops it on close()', async () => {
    const llm = createRoutingModel();
    const mem = await open(llm, { background: { intervalMs: 10 } });
    await mem.add(turns('waiting'), { ...alice, sessionId: 's1', buffer: true });
    clock.advance(61_000);
    await expect.poll(() => llm.extractions.length, { timeout: 2_000 }).toBe(1);
    await expect.poll(async () => (await mem.status()).inference.background?.lastRunAt).toBeDefined();
    expect((await mem.status()).inference.queue.pending).toBe(0);
    await mem.close();
    memory = undefined;
    const calls = llm.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(llm.calls.length).toBe(calls);
  });
});

describe('buffered messages across a restart', () => {
  let server: OpenAICompatibleTestServer;
  beforeEach(async () => {
    server = await createOpenAICompatibleTestServer({
      replies: Array.from({ length: 20 }, () => (request: TestServerRequest) => {
        const prompt = String(request.body?.messages?.at(-1)?.content ?? '');
        const seen = newTurnsOf(prompt);
        return {
          content: operations([
            { op: 'ADD', kind: 'fact', text: `Noted ${seen.join(', ')}`, sourceTurns: [0] },
          ]),
          usage: { inputTokens: 120, outputTokens: 30 },
        };
      }),
    });
  });
  afterEach(async () => {
    await server.close();
  });

  it('keeps the queue in the store file: a new createMemory infers every buffered message exactly once', async () => {
    const llm = createOpenAICompatibleLanguageModel({
      baseURL: server.baseURL,
      model: 'test',
      maxRetries: 0,
    });
    const first = await createMemory({
      store: database.path,
      clock,
      llm,
      summaries: false,
      buffer: { minBatch: 10 },
    });
    await first.add(turns('m1', 'm2', 'm3'), { ...alice, sessionId: 's1', buffer: true });
    await first.add(turns('m4', 'm5'), { ...alice, sessionId: 's2', buffer: true });
    await first.add(turns('m6'), { ...alice, sessionId: 's1', buffer: true });
    await first.close();
    expect(server.requests).toHaveLength(0);

    memory = await createMemory({
      store: database.path,
      clock,
      llm,
      summaries: false,
      buffer: { minBatch: 10 },
    });
    expect((await memory.status()).inference.queue.pending).toBe(6);
    const flushed = await memory.flush();
    const inferred = server.requests.map((request) =>
      newTurnsOf(String(request.body.messages.at(-1).content)),
    );
    expect(inferred).toHaveLength(2);
    expect(inferred.flat().sort()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(inferred).toContainEqual(['m1', 'm2', 'm3', 'm6']);
    expect(flushed.usage).toMatchObject({ llmCalls: 2, inputTokens: 240, outputTokens: 60 });
    expect(flushed.pending).toBe(0);

    expect((await memory.flush()).batches).toBe(0);
    await memory.close();
    memory = await createMemory({ store: database.path, clock, llm, summaries: false });
    expect((await memory.flush()).batches).toBe(0);
    expect(server.requests).toHaveLength(2);
    expect((await memory.list({ ...alice, kinds: ['fact'] })).items).toHaveLength(2);
  });

  it('never infers a message twice when two engines flush the same file at once', async () => {
    const slow = await createOpenAICompatibleTestServer({
      replies: Array.from({ length: 20 }, () => ({ ...okReply(), delayMs: 20 })),
    });
    const llm = createOpenAICompatibleLanguageModel({ baseURL: slow.baseURL, model: 'test', maxRetries: 0 });
    const options = {
      store: database.path,
      clock,
      llm,
      summaries: false,
      buffer: { minBatch: 100, maxBatch: 2 },
    };
    const writer = await createMemory(options);
    const other = await createMemory(options);
    try {
      for (const session of ['s1', 's2', 's3']) {
        const contents = ['a', 'b', 'c'].map((suffix) => `${session}-${suffix}`);
        await writer.add(turns(...contents), { ...alice, sessionId: session, buffer: true });
      }
      const [left, right] = await Promise.all([writer.flush(), other.flush()]);
      // One engine claims the sessions; the other sees them claimed and leaves them alone.
      expect(left.batches + right.batches).toBe(6);
    } finally {
      await writer.close();
      await other.close();
      await slow.close();
    }
    const inferred = slow.requests.map((request) => newTurnsOf(String(request.body.messages.at(-1).content)));
    expect(inferred.flat().sort()).toEqual(
      ['s1', 's2', 's3'].flatMap((session) => [`${session}-a`, `${session}-b`, `${session}-c`]),
    );
  });
});

function okReply() {
  return { content: operations([]), usage: { inputTokens: 1, outputTokens: 1 } };
}
