// SQLite side of the compact history rule (store/history-events.ts): what an add stores, and how it is
// frozen before a change that writes no event of its own. Snapshots are rebuilt on read by store/sql/history.ts.
import type Database from 'better-sqlite3';
import type { MemoryRecord } from '../../core/records.js';
import { addEventResidue } from '../history-events.js';
import { prepared } from './sqlite-rows.js';

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
