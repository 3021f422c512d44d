// The message log on PostgreSQL: the next seq of a scope and the orphan scan of old stores (the rest of one
// add, written once, is store/sql/turns.ts).
import type pg from 'pg';
import type { Message, Page } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { messageFromRow } from '../sql/rows.js';
import { type MessageRow, scopeColumns } from './postgres-sql.js';
import type { Tables } from './postgres-writes.js';

/** The seq the next message of exactly `scope` gets (1 in a new session). */
export async function nextMessageSeqIn(
  db: pg.Pool | pg.PoolClient,
  tables: Tables,
  scope: Scope,
): Promise<number> {
  const result = await db.query<{ seq: number }>(
    `SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM ${tables.messages}
     WHERE tenant_id = $1 AND user_id = $2 AND agent_id = $3 AND session_id = $4`,
    scopeColumns(scope),
  );
  return Number(result.rows[0]?.seq ?? 1);
}

/** Messages without any episode, by id, through the `memories_episode_message` expression index. */
export async function listOrphanMessagesIn(
  db: pg.Pool,
  tables: Tables,
  input: { limit: number; cursor?: string },
): Promise<Page<Message>> {
  const after = input.cursor === undefined ? '' : String(decodeCursor(input.cursor, 1)[0]);
  const result = await db.query<MessageRow>(
    `SELECT g.* FROM ${tables.messages} g WHERE g.id > $1 AND NOT EXISTS (SELECT 1 FROM ${tables.memories} m
       WHERE m.kind = 'episode' AND (m.source->'messageIds'->>0) = g.id) ORDER BY g.id LIMIT $2`,
    [after, input.limit + 1],
  );
  const items = result.rows.slice(0, input.limit).map(messageFromRow);
  const last = items[items.length - 1];
  return result.rows.length > input.limit && last !== undefined
    ? { items, nextCursor: encodeCursor([last.id]) }
    : { items };
}
