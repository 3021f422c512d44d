// Keeps short turns indexed with their conversation: finds the turns around newly logged messages, and
// re-indexes the episodes whose neighbours changed (a later turn arrived, or a turn was forgotten).
import type { MemoryRecord, Message } from '../core/records.js';
import { type Scope, sameScope } from '../core/scope.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import type { MemoryStore, ReindexWrite } from '../store/memory-store.js';
import { episodeIndex } from './build-episode.js';
import { embedWrites } from './embed-documents.js';
import type { TurnNeighbours } from './turn-context.js';

/** How many logged messages with one sequence number are checked for the exact same scope. */
const SEQ_PAGE = 50;

/** The seqs of a turn's neighbours in its session (none for a session-less turn). */
export function neighbourSeqs(message: Message): ReadonlyArray<readonly ['before' | 'after', number]> {
  if (message.scope.sessionId === undefined) return [];
  return [
    ['before', message.seq - 1],
    ['after', message.seq + 1],
  ];
}

/** The logged turn at `seq` in exactly `scope` (tenant, user, agent and session), if it exists. */
export async function turnAt(
  store: MemoryStore,
  scope: Message['scope'],
  seq: number,
): Promise<Message | undefined> {
  if (seq < 1) return undefined;
  const page = await store.listMessages({ scope, fromSeq: seq, toSeq: seq, limit: SEQ_PAGE });
  return page.items.find((candidate) => sameScope(candidate.scope, scope));
}

/**
 * The turn logged right before `message` in its own session, or undefined for a session's first turn.
 * Without a session there is no conversation to follow across `add()` calls (separate notes are not
 * turns of one dialogue), so a sessionless message has no previous turn: only the turns added together
 * lend each other context.
 *
 * @example
 * const before = await previousTurn(store, messages[0]);
 */
export async function previousTurn(store: MemoryStore, message: Message): Promise<Message | undefined> {
  if (message.scope.sessionId === undefined) return undefined;
  return turnAt(store, message.scope, message.seq - 1);
}

/**
 * A turn may lend its words to a neighbour's index only if it lives at least as long: text of a turn
 * that expires must not outlive it inside a neighbour that does not.
 */
export function mayLendContext(lender: string | undefined, borrower: string | undefined): boolean {
  if (lender === undefined) return true;
  return borrower !== undefined && Date.parse(borrower) <= Date.parse(lender);
}

/**
 * The neighbours of each message of one logged batch (all of one scope, in log order): the batch's own
 * turns, and for the first one `before`, the turn logged before the batch.
 *
 * @example
 * const neighbours = batchNeighbours(messages, await previousTurn(store, messages[0]));
 */
export function batchNeighbours(messages: readonly Message[], before?: Message): TurnNeighbours[] {
  return messages.map((_, index) => {
    const neighbours: TurnNeighbours = {};
    const previous = index === 0 ? before : messages[index - 1];
    const next = messages[index + 1];
    if (previous !== undefined) neighbours.before = previous.content;
    if (next !== undefined) neighbours.after = next.content;
    return neighbours;
  });
}

/** An episode whose index text must change, with the new text and tokens. */
export interface EpisodeReindex {
  episode: MemoryRecord;
  indexText: string;
  tokens: string[];
}

/**
 * The store write of a re-index (its vector is attached by `embedWrites`).
 *
 * @example
 * const reindex = changes.map(reindexWrite);
 * await embedWrites({ store, embedder, reindex });
 */
export function reindexWrite(change: EpisodeReindex): ReindexWrite {
  return {
    scope: change.episode.scope,
    id: change.episode.id,
    indexText: change.indexText,
    tokens: change.tokens,
  };
}

/**
 * The new index of `message`'s current episode given its neighbours as they are now in the log (the turns
 * at seq ± 1 of its session, minus `excluded` ones about to be forgotten), or undefined when nothing
 * changes. A sessionless turn only ever had context from the batch it was added with, which is not
 * recorded, so it is re-indexed alone.
 *
 * @example
 * const change = await reindexedEpisode(store, previous, { excludedIds: new Set() });
 */
export async function reindexedEpisode(
  store: MemoryStore,
  message: Message,
  options: {
    excludedIds: ReadonlySet<string>;
    /** Turns not stored yet (the batch being added), each with its episode's expiry (or undefined). */
    pending?: ReadonlyArray<{ message: Message; expiresAt: string | undefined }>;
    /** `message`'s current episode, when the caller already has it. */
    episode?: MemoryRecord;
  },
): Promise<EpisodeReindex | undefined> {
  const episode =
    options.episode ??
    (await store.episodesOfMessages({ scope: message.scope, messageIds: [message.id] })).get(message.id);
  if (episode === undefined) return undefined;
  const neighbours: TurnNeighbours = {};
  const sides = neighbourSeqs(message);
  for (const [key, seq] of sides) {
    const pending = options.pending?.find(
      (entry) => entry.message.seq === seq && sameScope(entry.message.scope, message.scope),
    );
    const turn = pending?.message ?? (await turnAt(store, message.scope, seq));
    if (turn === undefined || options.excludedIds.has(turn.id)) continue;
    const lender =
      pending ?? (await store.episodesOfMessages({ scope: turn.scope, messageIds: [turn.id] })).get(turn.id);
    if (lender !== undefined && mayLendContext(lender.expiresAt, episode.expiresAt))
      neighbours[key] = turn.content;
  }
  const { indexText, tokens } = episodeIndex(message, neighbours);
  return indexText === episode.indexText ? undefined : { episode, indexText, tokens };
}

/**
 * Before an episode is forgotten: re-indexes the episodes of the turns around its message without its
 * words, so the forgotten turn survives in no neighbour's index text, tokens, vector or cached embedding.
 * Runs before the erase: if the erase then fails, the neighbours have merely lost some context.
 * Returns how many episodes were re-indexed.
 *
 * @example
 * await releaseNeighbourContext({ store, embedder, scope, id });
 * await store.forgetMemory({ scope, id, at: Date.now(), actor: 'sdk' });
 */
export async function releaseNeighbourContext(input: {
  store: MemoryStore;
  embedder: EmbeddingModel | undefined;
  scope: Scope;
  id: string;
}): Promise<number> {
  const { store } = input;
  const record = await store.getMemory({ scope: input.scope, id: input.id });
  const messageId = record?.kind === 'episode' ? record.source.messageIds[0] : undefined;
  if (record === undefined || messageId === undefined) return 0;
  const [message] = await store.getMessages({ scope: record.scope, ids: [messageId] });
  if (message === undefined) return 0;
  const changes: EpisodeReindex[] = [];
  for (const seq of [message.seq - 1, message.seq + 1]) {
    const turn = await turnAt(store, message.scope, seq);
    const change =
      turn === undefined
        ? undefined
        : await reindexedEpisode(store, turn, { excludedIds: new Set([message.id]) });
    if (change !== undefined) changes.push(change);
  }
  const reindex = changes.map(reindexWrite);
  // A forget returns no warnings: a store of another model simply keeps the neighbours without vectors.
  await embedWrites({ store, embedder: input.embedder, reindex });
  for (const write of reindex) await store.reindexMemory(write);
  return changes.length;
}
