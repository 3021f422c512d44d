// SQLite side of the compact history rule (store/history-events.ts): what an add stores, how its snapshot is
// rebuilt on read, and how it is frozen before a change that writes no event of its own.
import type Database from 'better-sqlite3';
import type { HistoryEntry, MemoryRecord } from '../../core/records.js';
import { type AddBaseLookup, addEventResidue, resolveAddAfter } from '../history-events.js';
import {
  type HistoryRow,
  historyFromRow,
  MEMORY_SELECT,
  type MemoryRow,
  memoryFromRow,
  prepared,
} from './sqlite-rows.js';

/**
 * The `after_json` an add event of `record` stores: the residue against the row just written, or null.
 * Call after the memory row is inserted.
 */
export function addAfterJson(db: Database.Database, record: MemoryRecord): string | null {
  const row = prepared(db, 'SELECT embedding_model FROM memories WHERE id = ?').get(record.id) as
    | { embedding_model: string | null }
    | undefined;
  const residue = addEventResidue(record, row?.embedding_model ?? null);
  return residue === undefined ? null : JSON.stringify(residue);
}

/** True when the store holds the history entry `id` (an add's id is its memory's, stored as NULL). */
export function historyEntryExists(db: Database.Database, id: string): boolean {
  const sql = 'SELECT 1 FROM history WHERE id = ? OR (memory_id = ? AND id IS NULL)';
  return prepared(db, sql).get(id, id) !== undefined;
}

/** Looks up the base of an add snapshot: the memory's next `before` after the event, else its row. */
export function addBaseLookup(db: Database.Database): AddBaseLookup {
  const nextBefore = prepared(
    db,
    `SELECT before_json FROM history WHERE memory_id = ? AND before_json IS NOT NULL AND (at, rid) > (?, ?)
     ORDER BY at, rid LIMIT 1`,
  ).pluck();
  const row = prepared(db, `${MEMORY_SELECT} WHERE m.id = ?`);
  return ({ memoryId, at, rid }) => {
    const json = nextBefore.get(memoryId, at, rid) as string | undefined;
    const before = json === undefined ? undefined : (JSON.parse(json) as MemoryRecord);
    if (before?.id === memoryId) return before;
    const current = row.get(memoryId) as MemoryRow | undefined;
    return current === undefined ? undefined : memoryFromRow(current);
  };
}

/** A stored history row as the public entry, an add's snapshot rebuilt. */
export function historyEntryOf(row: HistoryRow & { rid: number }, lookup: AddBaseLookup): HistoryEntry {
  const stored = {
    after: row.after_json === null ? null : JSON.parse(row.after_json),
    rid: row.rid,
    at: row.at,
  };
  return resolveAddAfter(historyFromRow(row), stored, lookup);
}

/**
 * Pins the embedding model in the add events of memories whose model is about to change to `model` (a
 * re-embed, a re-index, a new space: no event of their own), so their add snapshots keep the model they
 * were added with. `where` selects memories over alias `m`.
 */
export function freezeAddModels(
  db: Database.Database,
  input: { model: string | null; where: string; params: unknown[] },
): void {
  prepared(
    db,
    `UPDATE history SET after_json = json_set(COALESCE(after_json, '{}'), '$.embeddingModel', m.embedding_model)
     FROM memories m
     WHERE history.memory_id = m.id AND history.event = 'add' AND m.embedding_model IS NOT ?
       AND (history.after_json IS NULL OR (json_type(history.after_json, '$.embeddingModel') IS NULL
         AND json_type(history.after_json, '$.id') IS NULL))
       AND ${input.where}`,
  ).run(input.model, ...input.params);
}
