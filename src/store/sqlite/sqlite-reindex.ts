// Derived-index upkeep for the SQLite store: find episodes by their message, re-index a memory in place,
// read stored vectors back (for query feedback).
import type Database from 'better-sqlite3';
import { notFound } from '../../core/errors.js';
import type { MemoryRecord } from '../../core/records.js';
import { hashText } from '../../models/cached-embedder.js';
import type { MemoryStore } from '../memory-store.js';
import { cleanTokens } from '../row-mapping.js';
import { encodeIndexText } from '../stored-fields.js';
import { freezeAddModels } from './sqlite-history.js';
import { ftsDocument, rowInScope } from './sqlite-memory-writes.js';
import {
  indexTextOf,
  MEMORY_SELECT,
  type MemoryRow,
  memoryFromRow,
  prepared,
  resolvePartitions,
  scopeSql,
  textOf,
  tokenFormValue,
} from './sqlite-rows.js';
import { checkVector, deleteVectors, putVector, readVector } from './sqlite-vectors.js';

export type GetVectorsInput = Parameters<MemoryStore['getVectors']>[0];
export type EpisodesOfMessagesInput = Parameters<MemoryStore['episodesOfMessages']>[0];
export type ReindexInput = Parameters<MemoryStore['reindexMemory']>[0];

/** Current episodes of logged messages, through the `memories_episode_message` expression index. */
export function episodesOfMessagesIn(
  db: Database.Database,
  input: EpisodesOfMessagesInput,
): Map<string, MemoryRecord> {
  const found = new Map<string, MemoryRecord>();
  const ids = [...new Set(input.messageIds)];
  if (ids.length === 0) return found;
  const scope = scopeSql('m', resolvePartitions(db, input.scope), input.scope);
  for (let offset = 0; offset < ids.length; offset += 500) {
    const chunk = ids.slice(offset, offset + 500);
    const rows = db
      .prepare(
        `${MEMORY_SELECT} WHERE m.kind = 'episode' AND json_extract(m.source, '$.messageIds[0]') IN (${chunk
          .map(() => '?')
          .join(', ')}) AND m.retired_at IS NULL AND ${scope.sql}`,
      )
      .all(...chunk, ...scope.params) as MemoryRow[];
    for (const row of rows) {
      const record = memoryFromRow(row);
      const messageId = record.source.messageIds[0];
      if (messageId !== undefined) found.set(messageId, record);
    }
  }
  return found;
}

/** Re-indexes one memory inside a write transaction (see MemoryStore.reindexMemory). */
export function reindexMemoryIn(db: Database.Database, input: ReindexInput): void {
  const row = rowInScope(db, input.scope, input.id, 'write');
  if (row === undefined) throw notFound('Memory', input.id);
  const tokens = cleanTokens(input.tokens);
  prepared(db, 'DELETE FROM memory_fts WHERE rowid = ?').run(row.rid);
  if (tokens.length > 0) {
    prepared(db, 'INSERT INTO memory_fts (rowid, tokens) VALUES (?, ?)').run(
      row.rid,
      ftsDocument(row.partition_id, tokens),
    );
  }
  let embeddingModel: string | null = null;
  if (input.embedding === undefined) deleteVectors(db, [row.rid]);
  else {
    embeddingModel = checkVector(db, input.embedding, undefined).model;
    putVector(db, row.rid, row.partition_id, input.embedding);
  }
  const oldIndexText = indexTextOf(row);
  if (oldIndexText !== input.indexText)
    prepared(db, 'DELETE FROM embedding_cache WHERE hash = ?').run(hashText(oldIndexText));
  // History snapshots carry the index text too; keep them in step, so no copy of the old one survives.
  for (const column of ['before_json', 'after_json'] as const) {
    prepared(
      db,
      `UPDATE history SET ${column} = json_set(${column}, '$.indexText', ?) WHERE memory_id = ? AND json_type(${column}, '$.id') IS NOT NULL`,
    ).run(input.indexText, row.id);
  }
  freezeAddModels(db, { model: embeddingModel, where: 'm.rid = ?', params: [row.rid] });
  prepared(db, 'UPDATE memories SET index_text = ?, token_form = ?, embedding_model = ? WHERE rid = ?').run(
    encodeIndexText(textOf(row), input.indexText),
    tokenFormValue(input.indexText, tokens),
    embeddingModel,
    row.rid,
  );
}

/** Stored vectors of memories inside the scope, by id. */
export function getVectorsIn(db: Database.Database, input: GetVectorsInput): Map<string, Float32Array> {
  const found = new Map<string, Float32Array>();
  for (const id of new Set(input.ids)) {
    const row = rowInScope(db, input.scope, id);
    const vector = row === undefined ? undefined : readVector(db, row.rid);
    if (vector !== undefined) found.set(id, vector);
  }
  return found;
}
