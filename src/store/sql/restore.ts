// Restoring a dump, written once: rows verbatim (ids and times kept), ids already present skipped.
import type { RestoreCounts, StoreDumpRow } from '../memory-store.js';
import type { MemoryRows } from './memory-rows.js';
import type { MemoryColumns } from './rows.js';
import { restoreSharingIn } from './sharing-rows.js';
import { sql } from './sql.js';
import type { StoreSchema } from './store-schema.js';

/**
 * Writes dump rows inside the caller's write transaction; counts what it wrote.
 *
 * @example
 * const counts = await restoreIn(rows, schema, tx, dumpRows); // { messages, memories, history }
 */
export async function restoreIn<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  schema: StoreSchema,
  tx: Tx,
  dump: StoreDumpRow[],
): Promise<RestoreCounts> {
  const { dialect, scopes } = schema;
  const connection = rows.statements(tx);
  const counts = { messages: 0, memories: 0, history: 0, spaces: 0, grants: 0 };
  const exists = async (table: string, id: string): Promise<boolean> =>
    (await connection.get(sql`SELECT 1 AS found FROM ${dialect.table(table)} WHERE id = ${id}`)) !==
    undefined;
  for (const row of dump) {
    if (row.type === 'space' || row.type === 'grant') {
      if (await restoreSharingIn(dialect, connection, row))
        counts[row.type === 'space' ? 'spaces' : 'grants']++;
    } else if (row.type === 'message') {
      const message = row.message;
      if (await exists('messages', message.id)) continue;
      const key = await scopes.key(connection, message.scope);
      await connection.run(
        sql`INSERT INTO ${dialect.table('messages')} (id, ${key.columns}, seq, role, name, content, observed_at, metadata, created_at)
            VALUES (${message.id}, ${key.values}, ${message.seq}, ${message.role}, ${message.name ?? null},
              ${message.content}, ${Date.parse(message.observedAt)}, ${JSON.stringify(message.metadata)},
              ${Date.parse(message.createdAt)})`,
      );
      counts.messages++;
    } else if (row.type === 'memory') {
      if (await exists('memories', row.memory.id)) continue;
      await rows.insert(tx, {
        record: row.memory,
        tokens: row.tokens,
        ...(row.embedding === undefined ? {} : { embedding: row.embedding }),
      });
      counts.memories++;
    } else {
      const entry = row.entry;
      // An add's id is its memory's where the backend stores it as NULL (SQLite, store/history-events.ts).
      const known = await connection.get(
        sql`SELECT 1 AS found FROM ${dialect.table('history')}
            WHERE id = ${entry.id} OR (memory_id = ${entry.id} AND id IS NULL)`,
      );
      if (known !== undefined) continue;
      await rows.history(tx, {
        id: entry.id,
        memoryId: entry.memoryId,
        scope: entry.scope,
        event: entry.event,
        before: entry.before,
        after: entry.after,
        at: Date.parse(entry.at),
        actor: entry.actor,
        reason: entry.reason,
      });
      counts.history++;
    }
  }
  return counts;
}
