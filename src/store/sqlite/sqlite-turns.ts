// One add, one transaction, on SQLite: messages at their expected seq, their episodes, the neighbour's
// re-index and the idempotency record together; plus idempotency reads and the orphan scan of old stores.
import type Database from 'better-sqlite3';
import type { JsonValue, Message, Page } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type {
  IdempotencyRecord,
  IdempotencyWrite,
  NewMessage,
  SequencedMessage,
  TurnsOutcome,
  TurnsWrite,
} from '../memory-store.js';
import { idempotencyKeyReused, staleTurns } from '../turn-errors.js';
import { insertHistory, insertMemoryRow } from './sqlite-memory-writes.js';
import { reindexMemoryIn } from './sqlite-reindex.js';
import { rowInScope } from './sqlite-revisions.js';
import { ensurePartition, type MessageRow, messageFromRow, prepared } from './sqlite-rows.js';

const MESSAGE_SELECT =
  'SELECT g.*, p.tenant_id, p.user_id, p.agent_id FROM messages g JOIN partitions p ON p.id = g.partition_id';
const HAS_EPISODE =
  "SELECT 1 FROM memories WHERE kind = 'episode' AND json_extract(source, '$.messageIds[0]') = ?";
const ORPHAN_SCAN_KEY = 'orphan_scan';

interface IdempotencyRow {
  tenant_id: string;
  key: string;
  request_hash: string;
  result: string;
  created_at: number;
  expires_at: number;
}

/** The seq the next message of exactly `scope` gets (1 in a new session). */
export function nextMessageSeqIn(db: Database.Database, scope: Scope): number {
  const row = prepared(
    db,
    `SELECT COALESCE(MAX(g.seq), 0) + 1 AS seq FROM messages g JOIN partitions p ON p.id = g.partition_id
     WHERE p.tenant_id = ? AND p.user_id = ? AND p.agent_id = ? AND g.session_id = ?`,
  ).get(scope.tenantId, scope.userId ?? '', scope.agentId ?? '', scope.sessionId ?? '') as { seq: number };
  return row.seq;
}

/** Deletes idempotency records past their expiry; returns how many. Call inside a write transaction. */
export function purgeExpiredIdempotencyIn(db: Database.Database, now: number): number {
  return prepared(db, 'DELETE FROM idempotency_keys WHERE expires_at <= ?').run(now).changes;
}

/** Writes one add inside the caller's write transaction (see MemoryStore.appendTurns). */
export function appendTurnsIn(db: Database.Database, input: TurnsWrite): TurnsOutcome {
  purgeExpiredIdempotencyIn(db, input.at);
  const keyed = input.idempotency;
  if (keyed !== undefined) {
    const existing = idempotencyRecordIn(db, { tenantId: keyed.tenantId, key: keyed.key, now: input.at });
    if (existing !== undefined) {
      if (existing.requestHash !== keyed.requestHash) throw idempotencyKeyReused(keyed.key);
      return { status: 'replayed', record: existing };
    }
  }
  const messages = input.messages.map((message) => insertAtSeq(db, message));
  const logged = new Set(messages.map((message) => message.id));
  for (const write of input.memories) {
    const messageId = write.record.kind === 'episode' ? write.record.source.messageIds[0] : undefined;
    if (messageId !== undefined && !logged.has(messageId)) checkOrphan(db, messageId);
    insertMemoryRow(db, write);
    insertHistory(db, {
      memoryId: write.record.id,
      scope: write.record.scope,
      event: 'add',
      after: write.record,
      at: input.at,
      actor: input.actor,
    });
  }
  for (const reindex of input.reindex ?? []) {
    if (rowInScope(db, reindex.scope, reindex.id, 'write') === undefined)
      throw staleTurns(`memory ${reindex.id} to re-index is gone`);
    reindexMemoryIn(db, reindex);
  }
  if (keyed !== undefined) insertIdempotency(db, keyed);
  return { status: 'written', messages };
}

/** Logs one message at exactly its expected seq, or throws the stale-turns CONFLICT. */
function insertAtSeq(db: Database.Database, message: SequencedMessage): Message {
  return logMessageIn(db, message, message.seq);
}

/**
 * Appends one message to its session's log at the next free seq (checked against `expectedSeq` when
 * given: a mismatch is the stale-turns CONFLICT). Call inside a write transaction.
 */
export function logMessageIn(db: Database.Database, message: NewMessage, expectedSeq?: number): Message {
  const partition = ensurePartition(db, message.scope);
  const session = message.scope.sessionId ?? '';
  const { seq } = prepared(
    db,
    'SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM messages WHERE partition_id = ? AND session_id = ?',
  ).get(partition, session) as { seq: number };
  if (expectedSeq !== undefined && seq !== expectedSeq)
    throw staleTurns(`expected seq ${expectedSeq}, the next free one is ${seq}`);
  prepared(
    db,
    `INSERT INTO messages (id, partition_id, session_id, seq, role, name, content, observed_at, metadata, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    message.id,
    partition,
    session,
    seq,
    message.role,
    message.name ?? null,
    message.content,
    message.observedAt,
    JSON.stringify(message.metadata),
    message.createdAt,
  );
  return messageFromRow(prepared(db, `${MESSAGE_SELECT} WHERE g.id = ?`).get(message.id) as MessageRow);
}

/** An episode for a message outside the batch must repair an orphan: the message is logged, with no episode. */
function checkOrphan(db: Database.Database, messageId: string): void {
  if (prepared(db, 'SELECT 1 FROM messages WHERE id = ?').get(messageId) === undefined)
    throw staleTurns(`message ${messageId} is not logged`);
  if (prepared(db, HAS_EPISODE).get(messageId) !== undefined)
    throw staleTurns(`message ${messageId} already has an episode`);
}

function insertIdempotency(db: Database.Database, record: IdempotencyWrite): void {
  prepared(
    db,
    `INSERT INTO idempotency_keys (tenant_id, key, request_hash, result, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(
    record.tenantId,
    record.key,
    record.requestHash,
    JSON.stringify(record.result),
    record.createdAt,
    record.expiresAt,
  );
  const link = prepared(
    db,
    'INSERT INTO idempotency_targets (target_id, tenant_id, key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  for (const id of record.targetIds) link.run(id, record.tenantId, record.key);
}

/** The live idempotency record of (tenant, key). */
export function idempotencyRecordIn(
  db: Database.Database,
  input: { tenantId: string; key: string; now: number },
): IdempotencyRecord | undefined {
  const row = prepared(
    db,
    'SELECT * FROM idempotency_keys WHERE tenant_id = ? AND key = ? AND expires_at > ?',
  ).get(input.tenantId, input.key, input.now) as IdempotencyRow | undefined;
  if (row === undefined) return undefined;
  return {
    tenantId: row.tenant_id,
    key: row.key,
    requestHash: row.request_hash,
    result: JSON.parse(row.result) as JsonValue,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export function updateIdempotencyResultIn(
  db: Database.Database,
  input: { tenantId: string; key: string; result: JsonValue },
): void {
  prepared(db, 'UPDATE idempotency_keys SET result = ? WHERE tenant_id = ? AND key = ?').run(
    JSON.stringify(input.result),
    input.tenantId,
    input.key,
  );
}

export function needsOrphanScanIn(db: Database.Database): boolean {
  return prepared(db, 'SELECT 1 FROM meta WHERE key = ?').get(ORPHAN_SCAN_KEY) !== undefined;
}

export function markOrphanScanDoneIn(db: Database.Database): void {
  prepared(db, 'DELETE FROM meta WHERE key = ?').run(ORPHAN_SCAN_KEY);
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
