// PostgreSQL side of the compact history rule (store/history-events.ts): what an add stores, and how it is
// frozen before a change that writes no event of its own. Snapshots are rebuilt on read by store/sql/history.ts.
import type pg from 'pg';
import type { MemoryRecord } from '../../core/records.js';
import { addEventResidue } from '../history-events.js';
import type { Tables } from './postgres-writes.js';

/** The `after_json` an add event of `record` stores; call after the memory row is inserted. */
export async function addAfterJson(
  client: pg.PoolClient,
  tables: Tables,
  record: MemoryRecord,
): Promise<string | null> {
  const result = await client.query<{ embedding_model: string | null }>(
    `SELECT embedding_model FROM ${tables.memories} WHERE id = $1`,
    [record.id],
  );
  const residue = addEventResidue(record, result.rows[0]?.embedding_model ?? null);
  return residue === undefined ? null : JSON.stringify(residue);
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
