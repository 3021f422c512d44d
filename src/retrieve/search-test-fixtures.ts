// Test-only helpers for the read path: write messages and memories (tokens, embedding, provenance) to a store.
import { createHash } from 'node:crypto';
import { toIso } from '../core/clock.js';
import { uuidV7 } from '../core/ids.js';
import type { JsonObject, MemoryKind, MemoryRecord, Message } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import { type EmbeddingModel, embeddingModelKey } from '../models/embedding-model.js';
import { analyze } from '../models/text-analyzer.js';
import type { MemoryStore, MemoryWrite } from '../store/memory-store.js';

export interface FixtureMemory {
  text: string;
  scope: Scope;
  kind?: MemoryKind;
  /** Epoch ms; defaults to the `at` of the seeding call. */
  observedAt?: number;
  importance?: number;
  metadata?: JsonObject;
  /** Provenance: the messages the memory came from. */
  source?: Message[];
}

/** Builds a complete MemoryRecord (and its write: tokens and, with an embedder, its vector). */
export async function buildMemoryWrite(input: {
  memory: FixtureMemory;
  embedder?: EmbeddingModel | undefined;
  at: number;
}): Promise<MemoryWrite> {
  const { memory, embedder } = input;
  const kind = memory.kind ?? 'fact';
  const source = memory.source ?? [];
  const record: MemoryRecord = {
    id: uuidV7(),
    scope: memory.scope,
    kind,
    text: memory.text,
    indexText: memory.text,
    attributes: source[0] === undefined ? {} : { seq: source[0].seq },
    metadata: memory.metadata ?? {},
    importance: memory.importance ?? 0.5,
    confidence: 1,
    source: { messageIds: source.map((message) => message.id), origin: 'user', trust: 'high' },
    observedAt: toIso(memory.observedAt ?? input.at),
    createdAt: toIso(input.at),
    accessCount: 0,
    hash: createHash('sha256').update(`${kind}\u0000${memory.text.trim().toLowerCase()}`).digest('hex'),
  };
  const write: MemoryWrite = { record, tokens: analyze(record.indexText) };
  if (embedder !== undefined) {
    const { embeddings } = await embedder.embed({ values: [record.indexText], purpose: 'document' });
    record.embeddingModel = embeddingModelKey(embedder);
    write.embedding = embeddings[0]!;
  }
  return write;
}

/** Inserts memories in order and returns their records. */
export async function seedMemories(input: {
  store: MemoryStore;
  embedder?: EmbeddingModel | undefined;
  memories: FixtureMemory[];
  at: number;
}): Promise<MemoryRecord[]> {
  if (input.embedder !== undefined) {
    await input.store.setEmbeddingSpace({
      space: { model: embeddingModelKey(input.embedder), dimensions: input.embedder.dimensions },
    });
  }
  const writes: MemoryWrite[] = [];
  for (const memory of input.memories) {
    const write: { memory: FixtureMemory; at: number; embedder?: EmbeddingModel } = { memory, at: input.at };
    if (input.embedder !== undefined) write.embedder = input.embedder;
    writes.push(await buildMemoryWrite(write));
  }
  await input.store.insertMemories({ memories: writes, actor: 'test', at: input.at });
  return writes.map((write) => write.record);
}

/** Appends one message per content to the session of `scope`, one minute apart from `at`. */
export async function seedMessages(input: {
  store: MemoryStore;
  scope: Scope;
  contents: string[];
  at: number;
}): Promise<Message[]> {
  return input.store.appendMessages({
    messages: input.contents.map((content, index) => ({
      id: uuidV7(),
      scope: input.scope,
      role: index % 2 === 0 ? 'user' : 'assistant',
      content,
      observedAt: input.at + index * 60_000,
      metadata: {},
      createdAt: input.at,
    })),
  });
}
