// Extraction failures through the SDK, against a scripted OpenAI-compatible server on 127.0.0.1: a garbage
// answer is recorded against the stored messages, listed, shown in status(), and replayed by reprocess().
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import { createOpenAICompatibleLanguageModel } from '../models/openai-compatible-language-model.js';
import { createOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../testing/index.js';
import { createMemory, type Memory } from './create-memory.js';
import { createTempDatabase, operations } from './test-support/inference-fixture.js';

const alice = { userId: 'alice', sessionId: 's1' };
let database: ReturnType<typeof createTempDatabase>;
let server: OpenAICompatibleTestServer;
let memory: Memory;
const clock = createFixedClock('2024-05-10T09:00:00Z');

beforeEach(async () => {
  database = createTempDatabase('mnemo-reprocess-');
  server = await createOpenAICompatibleTestServer({ replies: [] });
  memory = await createMemory({
    store: database.path,
    clock,
    summaries: false,
    llm: createOpenAICompatibleLanguageModel({ baseURL: server.baseURL, model: 'test', maxRetries: 0 }),
  });
});
afterEach(async () => {
  await memory.close();
  await server.close();
  database.cleanup();
});

const garbage = () => server.addReplies({ content: 'certainly! here are facts' }, { content: '{broken' });
const valid = (text: string) =>
  server.addReplies({
    content: operations([{ op: 'ADD', kind: 'fact', text, sourceTurns: [0] }]),
    usage: { inputTokens: 90, outputTokens: 15 },
  });

describe('extraction failures and reprocess()', () => {
  it('records a failed extraction against the stored messages and replays it, clearing the failure', async () => {
    garbage();
    const added = await memory.add(
      [
        { role: 'user', content: 'I adopted a cat named Miso' },
        { role: 'assistant', content: 'Lovely name!' },
      ],
      alice,
    );
    expect(added.extractionError?.code).toBe('LLM_OUTPUT_INVALID');
    expect(server.requests).toHaveLength(2); // the call and its one repair
    const messageIds = added.messages.map((message) => message.id);
    const failures = await memory.failures({ userId: 'alice' });
    expect(failures).toEqual(
      messageIds.map((messageId) => ({
        messageId,
        scope: { tenantId: 'default', ...alice },
        code: 'LLM_OUTPUT_INVALID',
        message: expect.stringContaining('reprocess'),
        attempts: 1,
        failedAt: '2024-05-10T09:00:00.000Z',
      })),
    );
    expect((await memory.list({ userId: 'alice' })).items.map((record) => record.text).sort()).toEqual([
      'I adopted a cat named Miso',
      'Lovely name!',
    ]);
    const status = await memory.status();
    expect(status.inference.queue.failed).toBe(2);
    expect(status.warnings.join(' ')).toContain('reprocess');

    valid('Alice has a cat named Miso');
    const replayed = await memory.reprocess({ userId: 'alice' });
    expect(replayed).toMatchObject({ reprocessed: 2, failures: [] });
    expect(replayed.usage).toMatchObject({ llmCalls: 1, inputTokens: 90, outputTokens: 15 });
    expect(replayed.memories.map((record) => record.text)).toEqual(['Alice has a cat named Miso']);
    expect(replayed.memories[0]!.source.messageIds).toEqual([messageIds[0]]);
    expect(await memory.failures({ userId: 'alice' })).toEqual([]);
    expect((await memory.status()).inference.queue.failed).toBe(0);
    expect((await memory.reprocess({ userId: 'alice' })).reprocessed).toBe(0);
    expect(server.requests).toHaveLength(3);
  });

  it('counts another attempt when reprocessing fails again, and replays only the ids asked for', async () => {
    garbage();
    const first = await memory.add('I live in Porto', alice);
    garbage();
    const second = await memory.add('I work as a nurse', { userId: 'alice', sessionId: 's2' });
    garbage();
    const again = await memory.reprocess({ userId: 'alice', messageIds: [first.messages[0]!.id] });
    expect(again.reprocessed).toBe(0);
    expect(again.failures.map((failure) => failure.error.code)).toEqual(['LLM_OUTPUT_INVALID']);
    const attempts = new Map(
      (await memory.failures({ userId: 'alice' })).map((failure) => [failure.messageId, failure.attempts]),
    );
    expect(attempts).toEqual(
      new Map([
        [first.messages[0]!.id, 2],
        [second.messages[0]!.id, 1],
      ]),
    );

    valid('Alice works as a nurse');
    const replayed = await memory.reprocess({ messageIds: [second.messages[0]!.id] });
    expect(replayed.reprocessed).toBe(1);
    expect((await memory.failures()).map((failure) => failure.messageId)).toEqual([first.messages[0]!.id]);
  });

  it('drops the failures of a forgotten scope and never reprocesses another tenant', async () => {
    garbage();
    await memory.add('secret plans', alice);
    garbage();
    await memory.add('other tenant note', { tenantId: 'acme', userId: 'alice' });
    await memory.forgetScope({ userId: 'alice' });
    expect((await memory.failures()).map((failure) => failure.scope.tenantId)).toEqual(['acme']);
    const replayed = await memory.reprocess({ tenantId: 'default' });
    expect(replayed.reprocessed).toBe(0);
    expect(server.requests).toHaveLength(4);
  });

  it('reprocess() without a model is UNSUPPORTED', async () => {
    const raw = await createMemory({ store: database.path, clock });
    await expect(raw.reprocess()).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await raw.close();
  });
});

describe('a custom model that throws a plain Error', () => {
  it('records the failure against the stored messages, and reprocess() replays it', async () => {
    const failing = createTempDatabase('mnemo-plain-error-');
    let broken = true;
    const custom = await createMemory({
      store: failing.path,
      clock,
      summaries: false,
      llm: {
        provider: 'custom',
        modelId: 'flaky',
        capabilities: { structuredOutput: 'prompt-only' },
        async generate() {
          if (broken) throw new Error('socket hang up');
          return {
            text: operations([{ op: 'ADD', kind: 'fact', text: 'Alice adopted a cat.', sourceTurns: [0] }]),
            usage: { inputTokens: 10, outputTokens: 5 },
            latencyMs: 1,
          };
        },
      },
    });
    try {
      const added = await custom.add('I adopted a cat', alice);
      expect(added.extractionError).toMatchObject({ code: 'LLM_FAILED' });
      expect(added.extractionError?.message).toContain('socket hang up');
      expect((await custom.failures({ userId: 'alice' })).map((failure) => failure.messageId)).toEqual([
        added.messages[0]!.id,
      ]);
      broken = false;
      const replayed = await custom.reprocess({ userId: 'alice' });
      expect(replayed.memories.map((record) => record.text)).toEqual(['Alice adopted a cat.']);
      expect(await custom.failures({ userId: 'alice' })).toEqual([]);
    } finally {
      await custom.close();
      failing.cleanup();
    }
  });
});
