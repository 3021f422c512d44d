// The store's rules (store/sql/) on PostgreSQL: steps on the transaction's client; a vector is checked
// against (and may declare) the embedding space first; the tsvector column and the pgvector row follow.
import type pg from 'pg';
import type { MemoryRows } from '../sql/memory-rows.js';
import { memoryFromRow } from '../sql/rows.js';
import { sql } from '../sql/sql.js';
import { connectionOf } from './postgres-dialect.js';
import { reindexRow } from './postgres-reindex.js';
import type { PostgresSpace } from './postgres-space.js';
import type { MemoryRow } from './postgres-sql.js';
import {
  eraseMemories,
  insertHistory,
  insertMemoryRow,
  memoryRowById,
  supersessionChain,
  type Tables,
} from './postgres-writes.js';

/**
 * The memory rows of a PostgreSQL store over `tables`, declaring vectors in `space`.
 *
 * @example
 * await supersedeIn(postgresMemoryRows(tables, space), client, input);
 */
export function postgresMemoryRows(
  tables: Tables,
  space: PostgresSpace,
): MemoryRows<pg.PoolClient, MemoryRow> {
  const memories = sql.raw(tables.memories);
  const messages = sql.raw(tables.messages);
  return {
    record: memoryFromRow,
    byId: (client, id, options) => memoryRowById(client, tables, id, options?.lock ?? false),
    insert: async (client, write) => {
      if (write.embedding !== undefined)
        await space.ensure(client, write.embedding, write.record.embeddingModel);
      await insertMemoryRow(client, tables, write, space.current !== undefined);
    },
    update: async (client, id, set) => {
      await connectionOf(client).run(sql`UPDATE ${memories} SET ${set} WHERE id = ${id}`);
    },
    history: (client, entry) => insertHistory(client, tables, entry),
    chain: (client, start) => supersessionChain(client, tables, start),
    erase: (client, rows, options) =>
      eraseMemories(client, tables, rows, { ...options, hasVectors: space.current !== undefined }),
    reindex: async (client, row, write) => {
      if (write.embedding !== undefined) await space.ensure(client, write.embedding, undefined);
      await reindexRow(client, tables, row, {
        indexText: write.indexText,
        tokens: write.tokens,
        hasVectors: space.current !== undefined,
        ...(write.embedding === undefined
          ? {}
          : { embedding: write.embedding, embeddingModel: space.current?.model }),
      });
    },
    messageLogged: async (client, id) =>
      (await connectionOf(client).get(
        sql`SELECT 1 AS found FROM ${messages} WHERE id = ${id} FOR UPDATE`,
      )) !== undefined,
    hasEpisode: async (client, messageId) =>
      (await connectionOf(client).get(
        sql`SELECT 1 AS found FROM ${memories} WHERE kind = 'episode' AND (source->'messageIds'->>0) = ${messageId}`,
      )) !== undefined,
    statements: connectionOf,
  };
}
