// PostgreSQL side of the compact history rule (store/history-events.ts): what an add stores, how its
// snapshot is rebuilt on read, and how it is frozen before a change that writes no event of its own.
import type pg from 'pg';
import type { HistoryEntry, MemoryRecord } from '../../core/records.js';
import { addEventResidue, needsAddBase, withAddAfter } from '../history-events.js';
import {
  type HistoryRow,
  historyFromRow,
  MEMORY_COLUMNS,
  type MemoryRow,
  memoryFromRow,
} from './postgres-sql.js';
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

/** Stored history rows as public entries, adds' snapshots rebuilt from the next `before` or the memory row. */
export async function historyEntriesOf(
  db: pg.Pool | pg.PoolClient,
  tables: Tables,
  rows: Array<HistoryRow & { rid: string }>,
): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  for (const row of rows) {
    const entry = historyFromRow(row);
    if (!needsAddBase(row.event, row.after_json)) {
      entries.push(entry);
      continue;
    }
    const next = await db.query<{ before_json: MemoryRecord }>(
      `SELECT before_json FROM ${tables.history} WHERE memory_id = $1 AND before_json IS NOT NULL
         AND (at, rid) > ($2, $3) ORDER BY at, rid LIMIT 1`,
      [row.memory_id, row.at, row.rid],
    );
    let base = next.rows[0]?.before_json;
    if (base?.id !== row.memory_id) {
      const current = await db.query<MemoryRow>(
        `SELECT ${MEMORY_COLUMNS} FROM ${tables.memories} m WHERE m.id = $1`,
        [row.memory_id],
      );
      base = current.rows[0] === undefined ? undefined : memoryFromRow(current.rows[0]);
    }
    entries.push(withAddAfter(entry, row.after_json, base));
  }
  return entries;
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
