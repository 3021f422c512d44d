// One add, one transaction, written once: messages at their expected seq, their episodes, the neighbours'
// re-index and the idempotency record together; idempotency reads and the orphan-scan flag of old stores.
import type { JsonObject, JsonValue, Message } from '../../core/records.js';
import { type Scope, userLevelOf } from '../../core/scope.js';
import type {
  IdempotencyRecord,
  IdempotencyWrite,
  NewMessage,
  TurnsOutcome,
  TurnsWrite,
} from '../memory-store.js';
import { idempotencyKeyReused, staleTurns } from '../turn-errors.js';
import type { Dialect, SqlConnection } from './dialect.js';
import { applyGraphFactsIn, type GraphPlace } from './graph-writes.js';
import { addMemories, type MemoryRows, rowInScope } from './memory-rows.js';
import type { MemoryColumns, TimeColumn } from './rows.js';
import { type SqlFragment, sql } from './sql.js';
import type { StoreSchema } from './store-schema.js';

const ORPHAN_SCAN_KEY = 'orphan_scan';
/** Rows per multi-row INSERT of idempotency targets. */
const TARGETS_PER_INSERT = 500;

interface IdempotencyRow {
  tenant_id: string;
  key: string;
  request_hash: string;
  /** JSON text (see Dialect.jsonText). */
  result: string;
  created_at: TimeColumn;
  expires_at: TimeColumn;
}

/**
 * Deletes idempotency records past their expiry.
 *
 * @example
 * await purgeExpiredIdempotencyIn(dialect, connection, Date.now());
 */
export async function purgeExpiredIdempotencyIn(
  dialect: Dialect,
  connection: SqlConnection,
  now: number,
): Promise<number> {
  return (
    await connection.run(sql`DELETE FROM ${dialect.table('idempotency_keys')} WHERE expires_at <= ${now}`)
  ).changes;
}

/**
 * The live idempotency record of (tenant, key).
 *
 * @example
 * const record = await idempotencyRecordIn(dialect, connection, { tenantId: 't1', key: 'k', now });
 */
export async function idempotencyRecordIn(
  dialect: Dialect,
  connection: SqlConnection,
  input: { tenantId: string; key: string; now: number },
): Promise<IdempotencyRecord | undefined> {
  const row = await connection.get<IdempotencyRow>(
    sql`SELECT tenant_id, key, request_hash, ${dialect.jsonText(sql`result`)} AS result, created_at, expires_at
        FROM ${dialect.table('idempotency_keys')}
        WHERE tenant_id = ${input.tenantId} AND key = ${input.key} AND expires_at > ${input.now}`,
  );
  if (row === undefined) return undefined;
  return {
    tenantId: row.tenant_id,
    key: row.key,
    requestHash: row.request_hash,
    result: JSON.parse(row.result) as JsonValue,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

/**
 * Replaces the result of a record; nothing when it is gone.
 *
 * @example
 * await updateIdempotencyResultIn(dialect, connection, { tenantId: 't1', key: 'k', result: { ids: [] } });
 */
export async function updateIdempotencyResultIn(
  dialect: Dialect,
  connection: SqlConnection,
  input: { tenantId: string; key: string; result: JsonValue },
): Promise<void> {
  await connection.run(
    sql`UPDATE ${dialect.table('idempotency_keys')} SET result = ${JSON.stringify(input.result)}
        WHERE tenant_id = ${input.tenantId} AND key = ${input.key}`,
  );
}

async function insertIdempotency(dialect: Dialect, connection: SqlConnection, record: IdempotencyWrite) {
  await connection.run(
    sql`INSERT INTO ${dialect.table('idempotency_keys')} (tenant_id, key, request_hash, result, created_at, expires_at)
        VALUES (${record.tenantId}, ${record.key}, ${record.requestHash}, ${JSON.stringify(record.result)},
          ${record.createdAt}, ${record.expiresAt})`,
  );
  const targets = [...new Set(record.targetIds)];
  for (let index = 0; index < targets.length; index += TARGETS_PER_INSERT) {
    const rows = targets
      .slice(index, index + TARGETS_PER_INSERT)
      .map((id) => sql`(${id}, ${record.tenantId}, ${record.key})`);
    await connection.run(
      sql`INSERT INTO ${dialect.table('idempotency_targets')} (target_id, tenant_id, key)
          VALUES ${sql.join(rows)} ON CONFLICT DO NOTHING`,
    );
  }
}

/**
 * True while the store may hold messages without an episode (see MemoryStore.needsOrphanScan).
 *
 * @example
 * if (await needsOrphanScanIn(dialect, connection)) await repairOrphans();
 */
export async function needsOrphanScanIn(dialect: Dialect, connection: SqlConnection): Promise<boolean> {
  return (
    (await connection.get(
      sql`SELECT 1 AS found FROM ${dialect.table('meta')} WHERE key = ${ORPHAN_SCAN_KEY}`,
    )) !== undefined
  );
}

/**
 * Records that no orphan is left.
 *
 * @example
 * await markOrphanScanDoneIn(dialect, connection);
 */
export async function markOrphanScanDoneIn(dialect: Dialect, connection: SqlConnection): Promise<void> {
  await connection.run(sql`DELETE FROM ${dialect.table('meta')} WHERE key = ${ORPHAN_SCAN_KEY}`);
}

/** The advisory lock of a scope's log (PostgreSQL): one writer at a time assigns the seqs of a scope. */
export function scopeLogLock(scope: Scope): string {
  return `mnemo:seq:${JSON.stringify([scope.tenantId, userLevelOf(scope) ?? '', scope.agentId ?? '', scope.sessionId ?? ''])}`;
}

/**
 * Appends one message to its session's log at the next free seq, checked against `expectedSeq` when given
 * (a mismatch is the stale-turns CONFLICT, and the caller's transaction writes nothing). Inside a write
 * transaction.
 *
 * @example
 * const logged = await logMessageIn(schema, connection, message);
 */
export async function logMessageIn(
  schema: StoreSchema,
  connection: SqlConnection,
  message: NewMessage,
  expectedSeq?: number,
): Promise<Message> {
  const { dialect, scopes } = schema;
  const messages = dialect.table('messages');
  await dialect.lock(connection, scopeLogLock(message.scope));
  const key = await scopes.key(connection, message.scope);
  const exact = (await scopes.exact(connection, message.scope)) as SqlFragment;
  const row = await connection.get<{ seq: number | string }>(
    sql`INSERT INTO ${messages} (id, ${key.columns}, seq, role, name, content, observed_at, metadata, created_at)
        SELECT ${message.id}, ${key.values}, COALESCE(MAX(seq), 0) + 1, ${message.role}, ${message.name ?? null},
          ${message.content}, ${message.observedAt}, ${JSON.stringify(message.metadata)}, ${message.createdAt}
        FROM ${messages} WHERE ${exact}
        RETURNING seq`,
  );
  const seq = Number(row?.seq);
  if (expectedSeq !== undefined && seq !== expectedSeq)
    throw staleTurns(`expected seq ${expectedSeq}, the next free one is ${seq}`);
  const logged: Message = {
    id: message.id,
    scope: { ...message.scope },
    role: message.role,
    content: message.content,
    observedAt: new Date(message.observedAt).toISOString(),
    seq,
    // As stored: what a read of the row would return.
    metadata: JSON.parse(JSON.stringify(message.metadata)) as JsonObject,
    createdAt: new Date(message.createdAt).toISOString(),
  };
  if (message.name !== undefined) logged.name = message.name;
  return logged;
}

/**
 * Writes one add inside the caller's write transaction (see MemoryStore.appendTurns): all of it, or the
 * replayed record, or a CONFLICT (stale turns, a reused key) and nothing.
 *
 * @example
 * const outcome = await appendTurnsIn(rows, schema, tx, input);
 */
export async function appendTurnsIn<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  schema: StoreSchema,
  tx: Tx,
  input: TurnsWrite,
): Promise<TurnsOutcome> {
  const { dialect } = schema;
  const connection = rows.statements(tx);
  await purgeExpiredIdempotencyIn(dialect, connection, input.at);
  const keyed = input.idempotency;
  if (keyed !== undefined) {
    await dialect.lock(connection, `mnemo:idempotency:${JSON.stringify([keyed.tenantId, keyed.key])}`);
    const existing = await idempotencyRecordIn(dialect, connection, {
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
  for (const message of input.messages)
    messages.push(await logMessageIn(schema, connection, message, message.seq));
  const logged = new Set(messages.map((message) => message.id));
  const places = new Map<string, GraphPlace>();
  for (const write of input.memories) {
    const messageId = write.record.kind === 'episode' ? write.record.source.messageIds[0] : undefined;
    // An episode for a message outside the batch must repair an orphan: the message is logged, with no episode.
    if (messageId !== undefined && !logged.has(messageId)) {
      if (!(await rows.messageLogged(tx, messageId))) throw staleTurns(`message ${messageId} is not logged`);
      if (await rows.hasEpisode(tx, messageId))
        throw staleTurns(`message ${messageId} already has an episode`);
    }
    await addMemories(rows, tx, { memories: [write], actor: input.actor, at: input.at });
    if (write.graph !== undefined)
      await applyGraphFactsIn(schema, connection, {
        record: write.record,
        facts: write.graph,
        at: input.at,
        places,
      });
  }
  for (const reindex of input.reindex ?? []) {
    const row = await rowInScope(rows, tx, { scope: reindex.scope, id: reindex.id, access: 'write' });
    if (row === undefined) throw staleTurns(`memory ${reindex.id} to re-index is gone`);
    await rows.reindex(tx, row, reindex);
  }
  if (keyed !== undefined) await insertIdempotency(dialect, connection, keyed);
  return { status: 'written', messages };
}
