// Synchronous write helpers for the SQLite store; each runs inside the caller's write transaction.
import type Database from 'better-sqlite3';
import { uuidV7 } from '../../core/ids.js';
import type { MemoryRecord } from '../../core/records.js';
import { isVisible, type Scope, type ScopeAccess } from '../../core/scope.js';
import { hashText } from '../../models/cached-embedder.js';
import type { MemoryWrite } from '../memory-store.js';
import { cleanTokens } from '../row-mapping.js';
import type { HistoryWrite, Tombstone } from '../sql/memory-rows.js';
import { jsonColumn, memoryColumnValues } from '../sql/rows.js';
import { compileSql, sql } from '../sql/sql.js';
import { encodeHash, encodeIndexText, encodeText } from '../stored-fields.js';
import { addAfterJson } from './sqlite-history.js';
import {
  ensurePartition,
  indexTextOf,
  MEMORY_SELECT,
  type MemoryRow,
  memoryFromRow,
  partitionToken,
  prepared,
  tokenFormValue,
} from './sqlite-rows.js';
import { checkVector, deleteVectors, putVector } from './sqlite-vectors.js';

/** The content of the message an episode indexes, when it is logged in the same scope. */
function episodeMessageContent(
  db: Database.Database,
  record: MemoryRecord,
  partition: number,
): string | undefined {
  const messageId = record.kind === 'episode' ? record.source.messageIds[0] : undefined;
  if (messageId === undefined) return undefined;
  const row = prepared(db, 'SELECT content, partition_id, session_id FROM messages WHERE id = ?').get(
    messageId,
  ) as { content: string; partition_id: number; session_id: string } | undefined;
  const sameScope =
    row !== undefined && row.partition_id === partition && row.session_id === (record.scope.sessionId ?? '');
  return sameScope ? row.content : undefined;
}

/** Inserts one memory with its full-text tokens and vector; returns its rowid. */
export function insertMemoryRow(db: Database.Database, write: MemoryWrite): number {
  const record = write.record;
  const partition = ensurePartition(db, record.scope);
  let embeddingModel = record.embeddingModel ?? null;
  if (write.embedding !== undefined)
    embeddingModel = checkVector(db, write.embedding, record.embeddingModel).model;
  const tokens = cleanTokens(write.tokens);
  const memory = memoryColumnValues(record, {
    embeddingModel: write.embedding === undefined ? null : embeddingModel,
    stored: {
      text: encodeText(record.text, episodeMessageContent(db, record, partition)),
      indexText: encodeIndexText(record.text, record.indexText),
      hash: encodeHash(record.hash),
    },
  });
  const insert = compileSql(
    sql`INSERT INTO memories (id, partition_id, session_id, ${memory.columns}, token_form)
        VALUES (${record.id}, ${partition}, ${record.scope.sessionId ?? ''}, ${memory.values}, ${tokenFormValue(record.indexText, tokens)})`,
    () => '?',
  );
  const result = prepared(db, insert.text).run(...insert.values);
  const rid = Number(result.lastInsertRowid);
  if (tokens.length > 0) {
    prepared(db, 'INSERT INTO memory_fts (rowid, tokens) VALUES (?, ?)').run(
      rid,
      ftsDocument(partition, tokens),
    );
  }
  if (write.embedding !== undefined) putVector(db, rid, partition, write.embedding);
  return rid;
}

/** Appends a history entry. */
export function insertHistory(db: Database.Database, entry: HistoryWrite): void {
  prepared(
    db,
    `INSERT INTO history (id, memory_id, partition_id, session_id, event, before_json, after_json, at, actor, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    // An add is known by its memory's id (stored as NULL, see sqlite-history.ts); other events get their own.
    entry.id ?? (entry.event === 'add' ? null : uuidV7()),
    entry.memoryId,
    ensurePartition(db, entry.scope),
    entry.scope.sessionId ?? '',
    entry.event,
    entry.before === undefined ? null : JSON.stringify(entry.before),
    entry.after === undefined
      ? null
      : entry.event === 'add'
        ? addAfterJson(db, entry.after)
        : JSON.stringify(entry.after),
    entry.at,
    entry.actor,
    entry.reason ?? null,
  );
}

export function memoryRowById(db: Database.Database, id: string): MemoryRow | undefined {
  return prepared(db, `${MEMORY_SELECT} WHERE m.id = ?`).get(id) as MemoryRow | undefined;
}

/** The memory row `id` when a caller with `scope` may see it (`read`) or change it (`write`). */
export function rowInScope(
  db: Database.Database,
  scope: Scope,
  id: string,
  access: ScopeAccess = 'read',
): MemoryRow | undefined {
  const row = memoryRowById(db, id);
  return row !== undefined && isVisible(scope, memoryFromRow(row).scope, access) ? row : undefined;
}

/** Every memory linked to `start` through supersedes/supersededBy, in either direction. */
export function supersessionChain(db: Database.Database, start: MemoryRow): MemoryRow[] {
  const seen = new Map<string, MemoryRow>([[start.id, start]]);
  const queue: MemoryRow[] = [start];
  const linked = prepared(db, `${MEMORY_SELECT} WHERE m.id = ? OR m.supersedes = ? OR m.superseded_by = ?`);
  for (let row = queue.shift(); row !== undefined; row = queue.shift()) {
    for (const next of linked.all(row.supersedes ?? '', row.id, row.id) as MemoryRow[]) {
      if (!seen.has(next.id)) {
        seen.set(next.id, next);
        queue.push(next);
      }
    }
    if (row.superseded_by !== null && !seen.has(row.superseded_by)) {
      const next = memoryRowById(db, row.superseded_by);
      if (next !== undefined) {
        seen.set(next.id, next);
        queue.push(next);
      }
    }
  }
  return [...seen.values()];
}

/** The indexed document: every token namespaced by its partition. */
export function ftsDocument(partition: number, tokens: string[]): string {
  return tokens.map((token) => partitionToken(partition, token)).join(' ');
}

/**
 * Erases memories: rows, full-text entries, vectors, history, cached embeddings of their index text, and
 * the logged messages of erased episodes.
 * With `tombstone`, leaves one content-free history entry per memory.
 */
export function eraseMemories(
  db: Database.Database,
  rows: MemoryRow[],
  options: { tombstone?: Tombstone },
): void {
  if (rows.length === 0) return;
  const deleteFts = prepared(db, 'DELETE FROM memory_fts WHERE rowid = ?');
  const deleteRow = prepared(db, 'DELETE FROM memories WHERE rid = ?');
  const deleteHistory = prepared(db, 'DELETE FROM history WHERE memory_id = ?');
  const deleteCache = prepared(db, 'DELETE FROM embedding_cache WHERE hash = ?');
  const deleteMessage = prepared(db, 'DELETE FROM messages WHERE id = ?');
  deleteVectors(
    db,
    rows.map((row) => row.rid),
  );
  for (const row of rows) {
    deleteFts.run(row.rid);
    deleteRow.run(row.rid);
    deleteHistory.run(row.id);
    // The cached embedder keys its cache by hashText(text); erase with the very same function.
    deleteCache.run(hashText(indexTextOf(row)));
    // An episode is its message: erasing the episode erases the logged message it indexes.
    if (row.kind === 'episode') {
      for (const messageId of jsonColumn(row.source).messageIds) deleteMessage.run(messageId);
    }
    if (options.tombstone !== undefined) {
      const record = memoryFromRow(row);
      insertHistory(db, { memoryId: row.id, scope: record.scope, ...options.tombstone });
    }
  }
  // A delete by rowid only tombstones the entries (contentless_delete); merging every segment into one
  // drops them, so no erased token outlives the erase in the file.
  prepared(db, "INSERT INTO memory_fts (memory_fts) VALUES ('optimize')").run();
}

/**
 * Deletes the partitions among `partitions` that no row references any more: a partition row holds the
 * tenant, user and agent ids, so a forgotten scope must not leave one behind. Every table with a foreign
 * key to `partitions` is checked, including ones added by later migrations. Returns the deleted ids.
 */
export function deleteEmptyPartitions(db: Database.Database, partitions: number[]): number[] {
  if (partitions.length === 0) return [];
  const references = prepared(
    db,
    `SELECT m.name AS table_name, f."from" AS column_name
     FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
     WHERE m.type = 'table' AND f."table" = 'partitions'`,
  ).all() as Array<{ table_name: string; column_name: string }>;
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const unreferenced = references
    .map(
      (reference) =>
        `NOT EXISTS (SELECT 1 FROM ${quote(reference.table_name)} WHERE ${quote(reference.column_name)} = @partition)`,
    )
    .join(' AND ');
  const remove = db.prepare(
    `DELETE FROM partitions WHERE id = @partition${unreferenced ? ` AND ${unreferenced}` : ''}`,
  );
  return partitions.filter((partition) => remove.run({ partition }).changes > 0);
}
