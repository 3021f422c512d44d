// One add, one transaction, on PostgreSQL: messages at their expected seq, their episodes, the neighbour's
// re-index and the idempotency record together; plus idempotency reads and the orphan scan of old stores.
import type pg from 'pg';
import type { JsonValue, Message, Page } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import { isVisible } from '../../core/scope.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type {
  IdempotencyRecord,
  IdempotencyWrite,
  SequencedMessage,
  TurnsOutcome,
  TurnsWrite,
} from '../memory-store.js';
import { idempotencyKeyReused, staleTurns } from '../turn-errors.js';
import { reindexRow } from './postgres-reindex.js';
import type { PostgresSpace } from './postgres-space.js';
import { type MessageRow, memoryFromRow, messageFromRow, scopeColumns } from './postgres-sql.js';
import { insertHistory, insertMemoryRow, memoryRowById, type Tables } from './postgres-writes.js';

const ORPHAN_SCAN_KEY = 'orphan_scan';

interface IdempotencyRow {
  tenant_id: string;
  key: string;
  request_hash: string;
  result: JsonValue;
  created_at: string;
  expires_at: string;
}

const keysTable = (tables: Tables) => `${tables.schema}.idempotency_keys`;
const targetsTable = (tables: Tables) => `${tables.schema}.idempotency_targets`;

/** The same advisory lock `appendMessages` takes: one writer at a time assigns seqs in a scope. */
async function lockScopeLog(client: pg.PoolClient, scope: Scope): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
    `mnemo:seq:${JSON.stringify(scopeColumns(scope))}`,
  ]);
}

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

/** Deletes idempotency records past their expiry, inside the caller's transaction. */
export async function purgeExpiredPostgresIdempotency(
  client: pg.PoolClient,
  tables: Tables,
  now: number,
): Promise<void> {
  await client.query(`DELETE FROM ${keysTable(tables)} WHERE expires_at <= $1`, [now]);
}

/** Writes one add inside the caller's transaction (see MemoryStore.appendTurns). */
export async function appendTurnsIn(
  client: pg.PoolClient,
  tables: Tables,
  space: PostgresSpace,
  input: TurnsWrite,
): Promise<TurnsOutcome> {
  await purgeExpiredPostgresIdempotency(client, tables, input.at);
  const keyed = input.idempotency;
  if (keyed !== undefined) {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `mnemo:idempotency:${JSON.stringify([keyed.tenantId, keyed.key])}`,
    ]);
    const existing = await idempotencyRecordIn(client, tables, {
      tenantId: keyed.tenantId,
      key: keyed.key,
      now: input.at,
    });
    if (existing !== undefined) {
      if (existing.requestHash !== keyed.requestHash) throw idempotencyKeyReused(keyed.key);
      return { status: 'replayed', record: existing };
    }
  }
  const messages: Message[] = [];
  for (const message of input.messages) messages.push(await insertAtSeq(client, tables, message));
  const logged = new Set(messages.map((message) => message.id));
  for (const write of input.memories) {
    const messageId = write.record.kind === 'episode' ? write.record.source.messageIds[0] : undefined;
    if (messageId !== undefined && !logged.has(messageId)) await checkOrphan(client, tables, messageId);
    if (write.embedding !== undefined)
      await space.ensure(client, write.embedding, write.record.embeddingModel);
    await insertMemoryRow(client, tables, write, space.current !== undefined);
    await insertHistory(client, tables, {
      memoryId: write.record.id,
      scope: write.record.scope,
      event: 'add',
      after: write.record,
      at: input.at,
      actor: input.actor,
    });
  }
  for (const reindex of input.reindex ?? []) {
    const row = await memoryRowById(client, tables, reindex.id, true);
    if (row === undefined || !isVisible(reindex.scope, memoryFromRow(row).scope, 'write'))
      throw staleTurns(`memory ${reindex.id} to re-index is gone`);
    if (reindex.embedding !== undefined) await space.ensure(client, reindex.embedding, undefined);
    await reindexRow(client, tables, row, {
      indexText: reindex.indexText,
      tokens: reindex.tokens,
      hasVectors: space.current !== undefined,
      ...(reindex.embedding === undefined
        ? {}
        : { embedding: reindex.embedding, embeddingModel: space.current?.model }),
    });
  }
  if (keyed !== undefined) await insertIdempotency(client, tables, keyed);
  return { status: 'written', messages };
}

/** Logs one message at exactly its expected seq, or throws the stale-turns CONFLICT. */
async function insertAtSeq(
  client: pg.PoolClient,
  tables: Tables,
  message: SequencedMessage,
): Promise<Message> {
  await lockScopeLog(client, message.scope);
  const seq = await nextMessageSeqIn(client, tables, message.scope);
  if (seq !== message.seq) throw staleTurns(`expected seq ${message.seq}, the next free one is ${seq}`);
  const result = await client.query<MessageRow>(
    `INSERT INTO ${tables.messages} (id, tenant_id, user_id, agent_id, session_id, seq, role, name, content, observed_at, metadata, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
    [
      message.id,
      ...scopeColumns(message.scope),
      seq,
      message.role,
      message.name ?? null,
      message.content,
      message.observedAt,
      JSON.stringify(message.metadata),
      message.createdAt,
    ],
  );
  return messageFromRow(result.rows[0]!);
}

/** An episode for a message outside the batch must repair an orphan: the message is logged, with no episode. */
async function checkOrphan(client: pg.PoolClient, tables: Tables, messageId: string): Promise<void> {
  const logged = await client.query(`SELECT 1 FROM ${tables.messages} WHERE id = $1 FOR UPDATE`, [messageId]);
  if (logged.rowCount === 0) throw staleTurns(`message ${messageId} is not logged`);
  const episode = await client.query(
    `SELECT 1 FROM ${tables.memories} WHERE kind = 'episode' AND (source->'messageIds'->>0) = $1`,
    [messageId],
  );
  if ((episode.rowCount ?? 0) > 0) throw staleTurns(`message ${messageId} already has an episode`);
}

async function insertIdempotency(
  client: pg.PoolClient,
  tables: Tables,
  record: IdempotencyWrite,
): Promise<void> {
  await client.query(
    `INSERT INTO ${keysTable(tables)} (tenant_id, key, request_hash, result, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      record.tenantId,
      record.key,
      record.requestHash,
      JSON.stringify(record.result),
      record.createdAt,
      record.expiresAt,
    ],
  );
  if (record.targetIds.length === 0) return;
  await client.query(
    `INSERT INTO ${targetsTable(tables)} (target_id, tenant_id, key)
     SELECT DISTINCT target, $2::text, $3::text FROM unnest($1::text[]) AS target ON CONFLICT DO NOTHING`,
    [record.targetIds, record.tenantId, record.key],
  );
}

/** The live idempotency record of (tenant, key). */
export async function idempotencyRecordIn(
  db: pg.Pool | pg.PoolClient,
  tables: Tables,
  input: { tenantId: string; key: string; now: number },
): Promise<IdempotencyRecord | undefined> {
  const result = await db.query<IdempotencyRow>(
    `SELECT * FROM ${keysTable(tables)} WHERE tenant_id = $1 AND key = $2 AND expires_at > $3`,
    [input.tenantId, input.key, input.now],
  );
  const row = result.rows[0];
  if (row === undefined) return undefined;
  return {
    tenantId: row.tenant_id,
    key: row.key,
    requestHash: row.request_hash,
    result: row.result,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

export async function updateIdempotencyResultIn(
  db: pg.Pool | pg.PoolClient,
  tables: Tables,
  input: { tenantId: string; key: string; result: JsonValue },
): Promise<void> {
  await db.query(`UPDATE ${keysTable(tables)} SET result = $1 WHERE tenant_id = $2 AND key = $3`, [
    JSON.stringify(input.result),
    input.tenantId,
    input.key,
  ]);
}

export async function needsOrphanScanIn(db: pg.Pool, tables: Tables): Promise<boolean> {
  const result = await db.query(`SELECT 1 FROM ${tables.meta} WHERE key = $1`, [ORPHAN_SCAN_KEY]);
  return (result.rowCount ?? 0) > 0;
}

export async function markOrphanScanDoneIn(db: pg.Pool, tables: Tables): Promise<void> {
  await db.query(`DELETE FROM ${tables.meta} WHERE key = $1`, [ORPHAN_SCAN_KEY]);
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
