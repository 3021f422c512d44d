// The message log on SQLite: logging a message at its seq, the next seq of a scope and the orphan scan of
// old stores (the rest of one add, written once, is store/sql/turns.ts).
import type Database from 'better-sqlite3';
import type { Message, Page } from '../../core/records.js';
import { type Scope, userLevelOf } from '../../core/scope.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { messageFromRow } from '../sql/rows.js';
import { type MessageRow, prepared } from './sqlite-rows.js';

const MESSAGE_SELECT =
  'SELECT g.*, p.tenant_id, p.user_id, p.agent_id FROM messages g JOIN partitions p ON p.id = g.partition_id';
/** The seq the next message of exactly `scope` gets (1 in a new session). */
export function nextMessageSeqIn(db: Database.Database, scope: Scope): number {
  const row = prepared(
    db,
    `SELECT COALESCE(MAX(g.seq), 0) + 1 AS seq FROM messages g JOIN partitions p ON p.id = g.partition_id
     WHERE p.tenant_id = ? AND p.user_id = ? AND p.agent_id = ? AND g.session_id = ?`,
  ).get(scope.tenantId, userLevelOf(scope) ?? '', scope.agentId ?? '', scope.sessionId ?? '') as {
    seq: number;
  };
  return row.seq;
}

/** Messages without any episode, by id, through the `memories_episode_message` expression index. */
export function listOrphanMessagesIn(
  db: Database.Database,
  input: { limit: number; cursor?: string },
): Page<Message> {
  const after = input.cursor === undefined ? '' : String(decodeCursor(input.cursor, 1)[0]);
  const rows = prepared(
    db,
    `${MESSAGE_SELECT} WHERE g.id > ? AND NOT EXISTS (SELECT 1 FROM memories m WHERE m.kind = 'episode'
       AND json_extract(m.source, '$.messageIds[0]') = g.id) ORDER BY g.id LIMIT ?`,
  ).all(after, input.limit + 1) as MessageRow[];
  const items = rows.slice(0, input.limit).map(messageFromRow);
  const last = items[items.length - 1];
  return rows.length > input.limit && last !== undefined
    ? { items, nextCursor: encodeCursor([last.id]) }
    : { items };
}
