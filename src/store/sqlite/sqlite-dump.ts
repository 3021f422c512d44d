// Whole-store (or one-scope) dump and verbatim restore for the SQLite store.
import type Database from 'better-sqlite3';
import type { Scope } from '../../core/scope.js';
import type { StoreDumpRow } from '../memory-store.js';
import { decodeTokens } from '../stored-tokens.js';
import { addBaseLookup, historyEntryExists, historyEntryOf } from './sqlite-history.js';
import { insertMemoryRow } from './sqlite-memory-writes.js';
import {
  ensurePartition,
  type HistoryRow,
  indexTextOf,
  MEMORY_SELECT,
  type MemoryRow,
  type MessageRow,
  memoryFromRow,
  messageFromRow,
  resolvePartitions,
  scopeSql,
} from './sqlite-rows.js';
import { readVector } from './sqlite-vectors.js';

const BATCH = 500;

function* batches<Row extends { rid: number }>(
  db: () => Database.Database,
  table: { select: string; alias: string },
  scope: Scope | undefined,
): Generator<Row> {
  let lastRid = 0;
  for (;;) {
    const database = db();
    const where =
      scope === undefined
        ? { sql: '1', params: [] }
        : scopeSql(table.alias, resolvePartitions(database, scope), scope);
    const rows = database
      .prepare(
        `${table.select} WHERE ${table.alias}.rid > ? AND ${where.sql} ORDER BY ${table.alias}.rid LIMIT ?`,
      )
      .all(lastRid, ...where.params, BATCH) as Row[];
    yield* rows;
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < BATCH) return;
    lastRid = last.rid;
  }
}

/** Streams messages, then memories, then history, in rowid batches. */
export async function* dumpRows(
  db: () => Database.Database,
  input: { scope?: Scope; includeEmbeddings?: boolean },
): AsyncGenerator<StoreDumpRow> {
  const messageSelect =
    'SELECT g.*, p.tenant_id, p.user_id, p.agent_id FROM messages g JOIN partitions p ON p.id = g.partition_id';
  for (const row of batches<MessageRow & { rid: number }>(
    db,
    { select: messageSelect, alias: 'g' },
    input.scope,
  )) {
    yield { type: 'message', message: messageFromRow(row) };
  }
  for (const row of batches<MemoryRow>(db, { select: MEMORY_SELECT, alias: 'm' }, input.scope)) {
    const out: StoreDumpRow = {
      type: 'memory',
      memory: memoryFromRow(row),
      tokens: decodeTokens(indexTextOf(row), row.token_form),
    };
    if (input.includeEmbeddings) {
      const vector = readVector(db(), row.rid);
      if (vector !== undefined) out.embedding = vector;
    }
    yield out;
  }
  const historySelect =
    'SELECT h.*, p.tenant_id, p.user_id, p.agent_id FROM history h JOIN partitions p ON p.id = h.partition_id';
  for (const row of batches<HistoryRow & { rid: number }>(
    db,
    { select: historySelect, alias: 'h' },
    input.scope,
  )) {
    yield { type: 'history', entry: historyEntryOf(row, addBaseLookup(db())) };
  }
}

/** Writes dump rows verbatim, skipping ids already present; call inside a write transaction. */
export function restoreRows(
  db: Database.Database,
  rows: StoreDumpRow[],
): { messages: number; memories: number; history: number } {
  const counts = { messages: 0, memories: 0, history: 0 };
  const exists = (table: string, id: string): boolean =>
    db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(id) !== undefined;
  for (const row of rows) {
    if (row.type === 'message') {
      const message = row.message;
      if (exists('messages', message.id)) continue;
      db.prepare(
        `INSERT INTO messages (id, partition_id, session_id, seq, role, name, content, observed_at, metadata, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        message.id,
        ensurePartition(db, message.scope),
        message.scope.sessionId ?? '',
        message.seq,
        message.role,
        message.name ?? null,
        message.content,
        Date.parse(message.observedAt),
        JSON.stringify(message.metadata),
        Date.parse(message.createdAt),
      );
      counts.messages++;
    } else if (row.type === 'memory') {
      if (exists('memories', row.memory.id)) continue;
      insertMemoryRow(db, {
        record: row.memory,
        tokens: row.tokens,
        ...(row.embedding === undefined ? {} : { embedding: row.embedding }),
      });
      counts.memories++;
    } else {
      const entry = row.entry;
      if (historyEntryExists(db, entry.id)) continue;
      db.prepare(
        `INSERT INTO history (id, memory_id, partition_id, session_id, event, before_json, after_json, at, actor, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        entry.id,
        entry.memoryId,
        ensurePartition(db, entry.scope),
        entry.scope.sessionId ?? '',
        entry.event,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
        Date.parse(entry.at),
        entry.actor,
        entry.reason ?? null,
      );
      counts.history++;
    }
  }
  return counts;
}
