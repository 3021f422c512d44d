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

/** (at, rid) of a history row as numbers (PostgreSQL returns bigints as strings). */
function position(row: { at: number | string; rid: number | string }): [number, number] {
  return [Number(row.at), Number(row.rid)];
}

/**
 * Stored history rows as public entries, adds' snapshots rebuilt (see store/history-events.ts). Two
 * queries for the whole batch, whatever its size: the later `before`s of the added memories, and their rows.
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
  const parsed = stored.map((row) => ({
    row,
    after: row.after_json === null ? null : (jsonColumn(row.after_json) as unknown),
  }));
  const added = [
    ...new Set(
      parsed.filter(({ row, after }) => needsAddBase(row.event, after)).map(({ row }) => row.memory_id),
    ),
  ];
  if (added.length === 0) return stored.map(historyFromRow);
  const { dialect } = schema;
  const befores = await connection.all<{
    memory_id: string;
    before_json: NonNullable<HistoryColumns['before_json']>;
    at: number | string;
    rid: number | string;
  }>(
    sql`SELECT memory_id, before_json, at, rid FROM ${dialect.table('history')}
        WHERE ${dialect.anyOf(sql`memory_id`, added)} AND before_json IS NOT NULL ORDER BY at, rid`,
  );
  const beforesOf = new Map<string, typeof befores>();
  for (const later of befores)
    beforesOf.set(later.memory_id, [...(beforesOf.get(later.memory_id) ?? []), later]);
  const current = new Map(
    (await connection.all<Row>(schema.memoriesWithIds(added))).map((row) => [row.id, rows.record(row)]),
  );
  return parsed.map(({ row, after }) => {
    const entry = historyFromRow(row);
    if (!needsAddBase(row.event, after)) return entry;
    const [at, rid] = position(row);
    const next = beforesOf.get(row.memory_id)?.find((later) => {
      const [laterAt, laterRid] = position(later);
      return laterAt > at || (laterAt === at && laterRid > rid);
    });
    let base: MemoryRecord | undefined = next === undefined ? undefined : jsonColumn(next.before_json);
    if (base?.id !== row.memory_id) base = current.get(row.memory_id);
    return withAddAfter(entry, after, base);
  });
}
