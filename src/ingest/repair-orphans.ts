// Repairs messages that older versions logged without their episode (a crash between their two writes):
// each gets the episode it would have had, with its neighbours re-indexed, in one transaction per message.
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Message } from '../core/records.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import type { MemoryStore, MemoryWrite } from '../store/memory-store.js';
import { isStaleTurns } from '../store/turn-errors.js';
import { buildEpisode } from './build-episode.js';
import { embedWrites } from './embed-documents.js';
import {
  type EpisodeReindex,
  mayLendContext,
  neighbourSeqs,
  reindexedEpisode,
  reindexWrite,
  turnAt,
} from './episode-neighbours.js';
import type { TurnNeighbours } from './turn-context.js';

/** What a repair did. */
export interface RepairOrphansResult {
  /** Messages that got their episode back. */
  repaired: number;
  warnings: string[];
}

const PAGE = 200;
const ATTEMPTS = 3;

/**
 * Finds logged messages without any episode and writes the episode each would have had (importance 0.5,
 * its own metadata: what the lost add said beyond the message is not known), re-indexing the turns around
 * it. Runs only on stores that may hold such orphans (`needsOrphanScan`), and records a clean pass so later
 * opens skip it. Safe with several processes: a message another process repaired first is skipped.
 *
 * @example
 * const { repaired } = await repairOrphans({ store, embedder, clock: systemClock, ids: uuidV7, actor: 'system:repair' });
 */
export async function repairOrphans(input: {
  store: MemoryStore;
  embedder?: EmbeddingModel | undefined;
  clock: Clock;
  ids: IdGenerator;
  actor: string;
}): Promise<RepairOrphansResult> {
  const { store } = input;
  const result: RepairOrphansResult = { repaired: 0, warnings: [] };
  if (!(await store.needsOrphanScan())) return result;
  let cursor: string | undefined;
  let skipped = 0;
  do {
    const page = await store.listOrphanMessages({ limit: PAGE, cursor });
    for (const message of page.items) {
      const outcome = await repairWithRetries(input, message);
      if (outcome === 'repaired' || typeof outcome === 'object') result.repaired += 1;
      if (outcome === 'stale') skipped += 1;
      for (const warning of typeof outcome === 'object' ? outcome.warnings : [])
        if (!result.warnings.includes(warning)) result.warnings.push(warning);
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  if (skipped === 0) await store.markOrphanScanDone();
  else
    result.warnings.push(
      `${skipped} message(s) without an episode kept changing while they were repaired; the next open tries again.`,
    );
  return result;
}

/** Repaired here, settled elsewhere (repaired by another process, or forgotten), still stale, or repaired with warnings. */
type RepairOutcome = 'repaired' | 'settled' | 'stale' | { warnings: string[] };

async function repairWithRetries(
  input: Parameters<typeof repairOrphans>[0],
  message: Message,
): Promise<RepairOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      const warnings = await repairOne(input, message);
      return warnings.length === 0 ? 'repaired' : { warnings };
    } catch (error) {
      if (!isStaleTurns(error)) throw error;
      // Another process repaired it first, or it was forgotten meanwhile: nothing is left to do.
      const [logged] = await input.store.getMessages({ scope: message.scope, ids: [message.id] });
      if (logged === undefined) return 'settled';
      const episodes = await input.store.episodesOfMessages({
        scope: message.scope,
        messageIds: [message.id],
      });
      if (episodes.has(message.id)) return 'settled';
      if (attempt >= ATTEMPTS) return 'stale';
    }
  }
}

/** Writes one orphan's episode and its neighbours' new index in one `appendTurns`; returns warnings. */
async function repairOne(input: Parameters<typeof repairOrphans>[0], message: Message): Promise<string[]> {
  const { store } = input;
  const now = input.clock.now();
  const neighbours: TurnNeighbours = {};
  const changes: EpisodeReindex[] = [];
  const sides = neighbourSeqs(message);
  for (const [side, seq] of sides) {
    const turn = await turnAt(store, message.scope, seq);
    if (turn === undefined) continue;
    const episode = (await store.episodesOfMessages({ scope: turn.scope, messageIds: [turn.id] })).get(
      turn.id,
    );
    // The repaired episode never expires: a neighbour lends its words only if it does not expire either.
    if (episode === undefined || mayLendContext(episode.expiresAt, undefined))
      neighbours[side] = turn.content;
    if (episode === undefined) continue;
    const change = await reindexedEpisode(store, turn, {
      excludedIds: new Set(),
      pending: [{ message, expiresAt: undefined }],
      episode,
    });
    if (change !== undefined) changes.push(change);
  }
  const draft = buildEpisode({ message, id: input.ids(), now, importance: 0.5, metadata: {}, neighbours });
  const write: MemoryWrite = { record: draft.record, tokens: draft.tokens };
  const reindex = changes.map(reindexWrite);
  const embedded = await embedWrites({ store, embedder: input.embedder, memories: [write], reindex });
  await store.appendTurns({ messages: [], memories: [write], reindex, actor: input.actor, at: now });
  return embedded.warnings;
}
