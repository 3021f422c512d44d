// Whole-store (or one-scope) dump and verbatim restore for the SQLite store.
import type Database from 'better-sqlite3';
import type { HistoryEntry } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { StoreDumpRow } from '../memory-store.js';
import type { StoredHistoryRow } from '../sql/history.js';
import { messageFromRow } from '../sql/rows.js';
import { decodeTokens } from '../stored-tokens.js';
import {
  type HistoryRow,
  indexTextOf,
  MEMORY_SELECT,
  type MemoryRow,
  type MessageRow,
  memoryFromRow,
  resolvePartitions,
  scopeSql,
} from './sqlite-rows.js';
import { readVector } from './sqlite-vectors.js';

const BATCH = 500;

/** Runs a synchronous read on the store's connection, in its turn (never inside another caller's transaction). */
export type SqliteRead = <T>(work: (db: Database.Database) => T) => Promise<T>;

async function* batches<Row extends { rid: number }>(
  read: SqliteRead,
  table: { select: string; alias: string },
  scope: Scope | undefined,
): AsyncGenerator<Row> {
  let lastRid = 0;
  for (;;) {
    const rows = await read((database) => {
      const where =
        scope === undefined
          ? { sql: '1', params: [] }
          : scopeSql(table.alias, resolvePartitions(database, scope), scope);
      return database
        .prepare(
          `${table.select} WHERE ${table.alias}.rid > ? AND ${where.sql} ORDER BY ${table.alias}.rid LIMIT ?`,
        )
        .all(lastRid, ...where.params, BATCH) as Row[];
    });
    yield* rows;
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < BATCH) return;
    lastRid = last.rid;
  }
}

/** Streams messages, then memories, then history, in rowid batches. */
export async function* dumpRows(
  read: SqliteRead,
  input: { scope?: Scope; includeEmbeddings?: boolean },
  historyEntries: (rows: StoredHistoryRow[]) => Promise<HistoryEntry[]>,
): AsyncGenerator<StoreDumpRow> {
  const messageSelect =
    'SELECT g.*, p.tenant_id, p.user_id, p.agent_id FROM messages g JOIN partitions p ON p.id = g.partition_id';
  for await (const row of batches<MessageRow & { rid: number }>(
    read,
    { select: messageSelect, alias: 'g' },
    input.scope,
  )) {
    yield { type: 'message', message: messageFromRow(row) };
  }
  for await (const row of batches<MemoryRow>(read, { select: MEMORY_SELECT, alias: 'm' }, input.scope)) {
    const out: StoreDumpRow = {
      type: 'memory',
      memory: memoryFromRow(row),
      tokens: decodeTokens(indexTextOf(row), row.token_form),
    };
    if (input.includeEmbeddings) {
      const vector = await read((database) => readVector(database, row.rid));
      if (vector !== undefined) out.embedding = vector;
    }
    yield out;
  }
  const historySelect =
    'SELECT h.*, p.tenant_id, p.user_id, p.agent_id FROM history h JOIN partitions p ON p.id = h.partition_id';
  for await (const row of batches<HistoryRow>(read, { select: historySelect, alias: 'h' }, input.scope)) {
    for (const entry of await historyEntries([row])) yield { type: 'history', entry };
  }
}
