// The raw-mode write path: normalise → log messages → ground time and build episodes → embed → persist.
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { JsonObject, MemoryRecord, Message, Origin, Usage } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import { type EmbeddingModel, embeddingModelKey } from '../models/embedding-model.js';
import type { MemoryStore, MemoryWrite, NewMessage } from '../store/memory-store.js';
import { buildEpisode } from './build-episode.js';
import {
  batchNeighbours,
  type EpisodeReindex,
  mayLendContext,
  previousTurn,
  reindexedEpisode,
} from './episode-neighbours.js';
import type { AppliedOperation } from './infer/infer-schema.js';
import type { ParsedMessageInput } from './message-input.js';

/** What one add() cost. LLM fields stay zero in raw mode. */
export type AddUsage = Usage;

export interface AddResult {
  memories: MemoryRecord[];
  messages: Message[];
  usage: AddUsage;
  warnings: string[];
  /** In inferred mode: what the model decided for each operation (added, superseded, skipped…). */
  operations?: AppliedOperation[];
  /** In inferred mode, when extraction failed: the typed error. The messages are stored regardless. */
  extractionError?: { code: string; message: string; details?: Record<string, unknown> };
  /** With `buffer: true`: how many messages of this scope still wait in the queue for inference. */
  pending?: number;
}

export interface AddMessagesInput {
  store: MemoryStore;
  /** Embeds episodes when given and when it matches the store's embedding space. */
  embedder?: EmbeddingModel;
  clock: Clock;
  ids: IdGenerator;
  scope: Scope;
  messages: ParsedMessageInput[];
  /** Epoch ms for messages without their own `observedAt` (default: now). */
  observedAt?: number;
  metadata: JsonObject;
  importance: number;
  expiresAt?: number;
  origin?: Origin;
  actor: string;
}

/**
 * Logs messages immutably and indexes each as an `episode` memory, in raw mode (no LLM).
 *
 * @example
 * await addMessages({ store, embedder, clock: systemClock, ids: uuidV7, scope, messages, metadata: {},
 *   importance: 0.5, actor: 'sdk' });
 */
export async function addMessages(input: AddMessagesInput): Promise<AddResult> {
  const started = performance.now();
  const now = input.clock.now();
  const warnings: string[] = [];
  const messages = await logMessages(input, now);
  const context = await sessionContext(input, messages);
  const neighbours = batchNeighbours(messages, context.before);
  const drafts = messages.map((message, index) =>
    buildEpisode({
      message,
      id: input.ids(),
      now,
      importance: input.importance,
      metadata: input.metadata,
      expiresAt: input.expiresAt,
      origin: input.origin,
      neighbours: neighbours[index],
    }),
  );
  const embedding = await embedDrafts(
    input,
    [
      ...drafts.map((draft) => draft.record.indexText),
      ...(context.reindex ? [context.reindex.indexText] : []),
    ],
    warnings,
  );
  const writes: MemoryWrite[] = drafts.map((draft, index) => {
    const vector = embedding.vectors[index];
    if (vector === undefined) return { record: draft.record, tokens: draft.tokens };
    draft.record.embeddingModel = embedding.model;
    return { record: draft.record, tokens: draft.tokens, embedding: vector };
  });
  await input.store.insertMemories({ memories: writes, actor: input.actor, at: now });
  if (context.reindex !== undefined) {
    const { episode, indexText, tokens } = context.reindex;
    const vector = embedding.vectors[drafts.length];
    await input.store.reindexMemory({
      scope: episode.scope,
      id: episode.id,
      indexText,
      tokens,
      ...(vector === undefined ? {} : { embedding: vector }),
    });
  }
  return {
    memories: writes.map((write) => write.record),
    messages,
    usage: {
      llmCalls: 0,
      inputTokens: 0,
      outputTokens: 0,
      embeddingCalls: embedding.calls,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
    },
    warnings,
  };
}

/**
 * The conversation around a new batch: the turn logged before it (as context for its first turn, when
 * that turn lives at least as long), and that turn's episode re-indexed with the batch's first turn.
 */
async function sessionContext(
  input: AddMessagesInput,
  messages: Message[],
): Promise<{ before?: Message; reindex?: EpisodeReindex }> {
  const first = messages[0];
  if (first === undefined) return {};
  const previous = await previousTurn(input.store, first);
  if (previous === undefined) return {};
  const expiresAt = input.expiresAt === undefined ? undefined : new Date(input.expiresAt).toISOString();
  const pending = messages.map((message) => ({ message, expiresAt }));
  const lender = (
    await input.store.episodesOfMessages({ scope: previous.scope, messageIds: [previous.id] })
  ).get(previous.id);
  if (lender === undefined) return {};
  const reindex = await reindexedEpisode(input.store, previous, {
    excludedIds: new Set(),
    pending,
    episode: lender,
  });
  const context: { before?: Message; reindex?: EpisodeReindex } = {};
  if (mayLendContext(lender.expiresAt, expiresAt)) context.before = previous;
  if (reindex !== undefined) context.reindex = reindex;
  return context;
}

async function logMessages(input: AddMessagesInput, now: number): Promise<Message[]> {
  const defaultObservedAt = input.observedAt ?? now;
  const newMessages: NewMessage[] = input.messages.map((message) => {
    const row: NewMessage = {
      id: input.ids(),
      scope: input.scope,
      role: message.role,
      content: message.content,
      observedAt: message.observedAt ?? defaultObservedAt,
      metadata: (message.metadata ?? {}) as JsonObject,
      createdAt: now,
    };
    if (message.name !== undefined) row.name = message.name;
    return row;
  });
  return input.store.appendMessages({ messages: newMessages });
}

interface EmbeddedBatch {
  vectors: Array<Float32Array | undefined>;
  model?: string;
  calls: number;
}

/** Embeds when an embedder is configured and matches the store's space; otherwise says why not. */
async function embedDrafts(
  input: AddMessagesInput,
  texts: string[],
  warnings: string[],
): Promise<EmbeddedBatch> {
  const { embedder, store } = input;
  if (embedder === undefined || texts.length === 0) return { vectors: [], calls: 0 };
  const model = embeddingModelKey(embedder);
  const space = await store.getEmbeddingSpace();
  if (space !== undefined && space.model !== model) {
    warnings.push(
      `The store's vectors come from ${space.model} but the embedder is ${model}; memories were stored without ` +
        'vectors. Run `mnemo reembed` to switch the store to the new model.',
    );
    return { vectors: [], calls: 0 };
  }
  if (space === undefined)
    await store.setEmbeddingSpace({ space: { model, dimensions: embedder.dimensions } });
  const vectors: Float32Array[] = [];
  let calls = 0;
  for (let offset = 0; offset < texts.length; offset += embedder.maxEmbeddingsPerCall) {
    const batch = texts.slice(offset, offset + embedder.maxEmbeddingsPerCall);
    const result = await embedder.embed({ values: batch, purpose: 'document' });
    calls += result.usage.calls;
    vectors.push(...result.embeddings);
  }
  return { vectors, model, calls };
}
