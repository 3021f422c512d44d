// Test helpers for the inferred write path: a real SQLite store, a scripted model server and logged turns.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFixedClock } from '../../../core/clock.js';
import { createUuidV7Generator } from '../../../core/ids.js';
import type { Message } from '../../../core/records.js';
import type { Scope } from '../../../core/scope.js';
import type { LanguageModel } from '../../../models/language-model.js';
import { createOpenAICompatibleLanguageModel } from '../../../models/openai-compatible-language-model.js';
import type { MemoryStore } from '../../../store/memory-store.js';
import { createSqliteStore } from '../../../store/sqlite/sqlite-store.js';
import {
  createOpenAICompatibleTestServer,
  type OpenAICompatibleTestServer,
  type TestServerReply,
  type TestServerRequest,
} from '../../../testing/index.js';

export interface InferHarness {
  store: MemoryStore;
  /** The SQLite file of the store. */
  path: string;
  server: OpenAICompatibleTestServer;
  llm: LanguageModel;
  clock: ReturnType<typeof createFixedClock>;
  ids: () => string;
  close(): Promise<void>;
}

/** A SQLite file in a temp dir and a scripted OpenAI-compatible server on 127.0.0.1. */
export async function createInferHarness(
  options: { start?: string; timeoutMs?: number; maxRetries?: number } = {},
): Promise<InferHarness> {
  const directory = await mkdtemp(join(tmpdir(), 'mnemo-infer-'));
  const path = join(directory, 'mnemo.db');
  const store = createSqliteStore({ path });
  await store.init();
  const server = await createOpenAICompatibleTestServer({ replies: [] });
  const clock = createFixedClock(options.start ?? '2024-01-10T12:00:00Z');
  const llm = createOpenAICompatibleLanguageModel({
    baseURL: server.baseURL,
    model: 'test-model',
    retryBaseDelayMs: 1,
    maxRetries: options.maxRetries ?? 1,
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  return {
    store,
    path,
    server,
    llm,
    clock,
    ids: createUuidV7Generator(() => clock.now()),
    async close() {
      await server.close();
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Logs turns (as the SDK does before inference) and returns them with ids and seq. */
export async function logTurns(
  harness: InferHarness,
  scope: Scope,
  turns: Array<{ content: string; role?: Message['role']; at?: string }>,
): Promise<Message[]> {
  return harness.store.appendMessages({
    messages: turns.map((turn) => ({
      id: harness.ids(),
      scope,
      role: turn.role ?? 'user',
      content: turn.content,
      observedAt: turn.at === undefined ? harness.clock.now() : Date.parse(turn.at),
      metadata: {},
      createdAt: harness.clock.now(),
    })),
  });
}

/** A scripted reply carrying these operations, with fixed usage so accounting can be checked. */
export function operationsReply(
  operations: unknown[],
  usage = { inputTokens: 100, outputTokens: 20 },
): TestServerReply {
  return { content: JSON.stringify({ operations }), usage };
}

/** The user prompt of a recorded chat-completions request (the first user message). */
export function userPromptOf(request: TestServerRequest | undefined): string {
  const messages: Array<{ role: string; content: unknown }> = request?.body?.messages ?? [];
  const user = messages.find((message) => message.role === 'user');
  return typeof user?.content === 'string' ? user.content : JSON.stringify(user?.content ?? '');
}

/** The KNOWN MEMORIES lines of a prompt (`N. [kind] text …`). */
export function knownMemoryLines(prompt: string): string[] {
  const section = /KNOWN MEMORIES:\n([\s\S]*?)\n\nNEW TURNS:/.exec(prompt)?.[1] ?? '';
  return section.split('\n').filter((line) => /^\d+\. /.test(line));
}
