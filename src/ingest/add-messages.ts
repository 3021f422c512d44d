// The raw-mode write path: number the messages → ground time and build episodes → embed → write all in
// one transaction (retried when another writer took the numbers first).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../core/clock.js';
import type { GraphStep } from '../core/graph.js';
import type { IdGenerator } from '../core/ids.js';
import type { JsonObject, MemoryRecord, Message, Origin, Usage } from '../core/records.js';
import { type Scope, scopeLevels } from '../core/scope.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import type { MemoryStore, MemoryWrite, ReindexWrite, SequencedMessage } from '../store/memory-store.js';
import { isStaleTurns } from '../store/turn-errors.js';
import { buildEpisode } from './build-episode.js';
import { embedWrites } from './embed-documents.js';
import {
  batchNeighbours,
  type EpisodeReindex,
  mayLendContext,
  previousTurn,
  reindexedEpisode,
  reindexWrite,
} from './episode-neighbours.js';
import { type AddIdempotency, idempotencyWrite, replayAdd } from './idempotency.js';
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
  /**
   * True when an `idempotencyKey` matched an earlier add: nothing was written, and this is that add's
   * result (its messages and memories as they are now).
   */
  replayed?: boolean;
}

export interface AddMessagesInput {
  store: MemoryStore;
  /** Embeds episodes when given and when it matches the store's embedding space. */
  embedder?: EmbeddingModel | undefined;
  clock: Clock;
  ids: IdGenerator;
  scope: Scope;
  messages: ParsedMessageInput[];
  /** Epoch ms for messages without their own `observedAt` (default: now). */
  observedAt?: number | undefined;
  metadata: JsonObject;
  importance: number;
  expiresAt?: number | undefined;
  origin?: Origin | undefined;
  actor: string;
  /**
   * Keeps the result under this key in the same transaction. `inferenceFollows` marks it unfinished until
   * the caller stores the inferred result (`updateIdempotencyResult`).
   */
  idempotency?: (AddIdempotency & { inferenceFollows: boolean }) | undefined;
  /** Reads the graph facts of new memories (entities, relations); absent when the graph is off. */
  graph?: GraphStep | undefined;
}

/**
 * Attempts of an add whose session moved under it (another writer took its seq) before giving up. With k
 * writers racing for one session an attempt loses with odds of about (k-1)/k, so many cheap attempts make
 * giving up vanishingly rare: (5/6)^64 ≈ 1e-5 with six writers hammering one session.
 */
const MAX_ATTEMPTS = 64;

/**
 * Logs messages immutably and indexes each as an `episode` memory, in raw mode (no LLM), in one store
 * transaction: messages, episodes (rows, full-text entries, vectors, history), the re-index of the turn
 * before them and the idempotency record commit together or not at all. Everything that can fail or is
 * slow (grounding, episodes, embeddings) runs before it, on optimistically numbered messages; when another
 * writer took those numbers first, the add is prepared again after a short random pause (at most 64 times).
 *
 * @example
 * await addMessages({ store, embedder, clock: systemClock, ids: uuidV7, scope, messages, metadata: {},
 *   importance: 0.5, actor: 'sdk' });
 */
export async function addMessages(input: AddMessagesInput): Promise<AddResult> {
  const started = performance.now();
  // Embedding calls of attempts that lost the race count too: usage is what this add cost.
  const spent = { embeddingCalls: 0 };
  for (let attempt = 1; ; attempt++) {
    try {
      return await addOnce(input, started, spent);
    } catch (error) {
      if (!isStaleTurns(error) || attempt >= MAX_ATTEMPTS) throw error;
      // Writers racing for one session take turns instead of colliding again at once.
      await sleep(Math.random() * Math.min(100, 2 * 2 ** attempt));
    }
  }
}

async function addOnce(
  input: AddMessagesInput,
  started: number,
  spent: { embeddingCalls: number },
): Promise<AddResult> {
  const now = input.clock.now();
  const { rows, messages } = await sequenceMessages(input, now);
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
  const writes: MemoryWrite[] = drafts.map((draft) => ({ record: draft.record, tokens: draft.tokens }));
  const reindex: ReindexWrite[] = context.reindex === undefined ? [] : [reindexWrite(context.reindex)];
  const embedded = await embedWrites({
    store: input.store,
    embedder: input.embedder,
    memories: writes,
    reindex,
  });
  // After embedding: a name that fits two known entities is resolved by what the memory is about.
  await input.graph?.(writes);
  spent.embeddingCalls += embedded.calls;
  const result: AddResult = {
    memories: writes.map((write) => write.record),
    messages,
    usage: {
      llmCalls: 0,
      inputTokens: 0,
      outputTokens: 0,
      embeddingCalls: spent.embeddingCalls,
      latencyMs: 0,
    },
    warnings: embedded.warnings,
  };
  const keyed = input.idempotency;
  const outcome = await input.store.appendTurns({
    messages: rows,
    memories: writes,
    reindex,
    ...(keyed === undefined
      ? {}
      : {
          idempotency: idempotencyWrite({
            idempotency: keyed,
            result,
            complete: !keyed.inferenceFollows,
            targetIds: messages.map((message) => message.id),
          }),
        }),
    actor: input.actor,
    at: now,
  });
  if (outcome.status === 'replayed')
    return replayAdd({ store: input.store, scope: input.scope, record: outcome.record });
  result.messages = outcome.messages;
  result.usage.latencyMs = Math.round((performance.now() - started) * 100) / 100;
  return result;
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

/**
 * The batch as it will be logged: numbered from the session's next free seq (checked again inside the
 * write transaction), as store rows and as the messages episodes are built from.
 */
async function sequenceMessages(
  input: AddMessagesInput,
  now: number,
): Promise<{ rows: SequencedMessage[]; messages: Message[] }> {
  const defaultObservedAt = input.observedAt ?? now;
  const first = await input.store.nextMessageSeq({ scope: input.scope });
  // Messages (and the episodes built from them) are stored in the scope's levels, without what the access
  // check added for reads.
  const scope = scopeLevels(input.scope);
  const rows: SequencedMessage[] = input.messages.map((message, index) => {
    const row: SequencedMessage = {
      id: input.ids(),
      scope,
      seq: first + index,
      role: message.role,
      content: message.content,
      observedAt: message.observedAt ?? defaultObservedAt,
      metadata: (message.metadata ?? {}) as JsonObject,
      createdAt: now,
    };
    if (message.name !== undefined) row.name = message.name;
    return row;
  });
  const messages = rows.map((row) => {
    const message: Message = {
      id: row.id,
      scope: row.scope,
      role: row.role,
      content: row.content,
      observedAt: new Date(row.observedAt).toISOString(),
      seq: row.seq,
      metadata: row.metadata,
      createdAt: new Date(row.createdAt).toISOString(),
    };
    if (row.name !== undefined) message.name = row.name;
    return message;
  });
  return { rows, messages };
}
