// PostgreSQL side of the compact history rule (store/history-events.ts): what an add stores, and how it is
// frozen before a change that writes no event of its own. Snapshots are rebuilt on read by store/sql/history.ts.
import type pg from 'pg';
import type { MemoryRecord } from '../../core/records.js';
import { addEventResidue } from '../history-events.js';
import type { Tables } from './postgres-writes.js';

/**
 * The `after_json` an add event of `record` stores, as an SQL expression over the history insert's
 * parameters: `$9` the residue without the embedding model, `$13` the record's model. The model joins the
 * residue only when the row (inserted just before, in the same transaction) holds another one, compared in
 * the same statement, so an add costs no extra round trip. Same rule as `addEventResidue`.
 */
export function addResidueSql(
  tables: Tables,
  record: MemoryRecord,
): { expression: string; residue: string; model: string | null } {
  // Compared with itself, the model never enters this part of the residue: the SQL adds it when needed.
  const residue = addEventResidue(record, record.embeddingModel ?? null) ?? {};
  return {
    expression: `CASE WHEN $13::text IS DISTINCT FROM (SELECT embedding_model FROM ${tables.memories} WHERE id = $2)
      THEN $9::jsonb || jsonb_build_object('embeddingModel', $13::text) ELSE NULLIF($9::jsonb, '{}'::jsonb) END`,
    residue: JSON.stringify(residue),
    model: record.embeddingModel ?? null,
  };
}

/**
 * Pins the embedding model in the add events of memories whose model is about to change to `model` (see
 * sqlite-history.ts `freezeAddModels`). `where` selects memories over alias `m`, with parameters from $2.
 */
export async function freezeAddModels(
  client: pg.PoolClient,
  tables: Tables,
  input: { model: string | null; where: string; params: unknown[] },
): Promise<void> {
  await client.query(
    `UPDATE ${tables.history} h
       SET after_json = COALESCE(h.after_json, '{}'::jsonb) || jsonb_build_object('embeddingModel', m.embedding_model)
     FROM ${tables.memories} m
     WHERE h.memory_id = m.id AND h.event = 'add' AND m.embedding_model IS DISTINCT FROM $1::text
       AND (h.after_json IS NULL OR NOT (h.after_json ? 'embeddingModel' OR h.after_json ? 'id'))
       AND ${input.where}`,
    [input.model, ...input.params],
  );
}
