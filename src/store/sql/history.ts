// The read side of the compact history rule (store/history-events.ts), written once for every SQL backend:
// an add event's snapshot is rebuilt from the memory's next `before`, else from its row.
import type { HistoryEntry, MemoryRecord } from '../../core/records.js';
import { needsAddBase, withAddAfter } from '../history-events.js';
import type { SqlConnection } from './dialect.js';
import type { MemoryRows } from './memory-rows.js';
import { type HistoryColumns, historyFromRow, jsonColumn, type MemoryColumns } from './rows.js';
import { sql } from './sql.js';
import type { StoreSchema } from './store-schema.js';

/** A history row as selected by `StoreSchema.historySelect`, with its row id (the order within one `at`). */
export type StoredHistoryRow = HistoryColumns & { rid: number | string };

/**
 * Stored history rows as public entries, adds' snapshots rebuilt (see store/history-events.ts).
 *
 * @example
 * const entries = await historyEntriesIn(rows, schema, connection, storedRows);
 */
export async function historyEntriesIn<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  schema: StoreSchema,
  connection: SqlConnection,
  stored: readonly StoredHistoryRow[],
): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  for (const row of stored) {
    const entry = historyFromRow(row);
    const after = row.after_json === null ? null : jsonColumn(row.after_json);
    if (!needsAddBase(row.event, after)) {
      entries.push(entry);
      continue;
    }
    const next = await connection.get<{ before_json: HistoryColumns['before_json'] }>(
      sql`SELECT before_json FROM ${schema.dialect.table('history')} WHERE memory_id = ${row.memory_id}
            AND before_json IS NOT NULL AND (at, rid) > (${row.at}, ${row.rid}) ORDER BY at, rid LIMIT 1`,
    );
    let base: MemoryRecord | undefined =
      next === undefined || next.before_json === null ? undefined : jsonColumn(next.before_json);
    if (base?.id !== row.memory_id) {
      const current = await connection.get<Row>(sql`${schema.memorySelect} WHERE m.id = ${row.memory_id}`);
      base = current === undefined ? undefined : rows.record(current);
    }
    entries.push(withAddAfter(entry, after, base));
  }
  return entries;
}
