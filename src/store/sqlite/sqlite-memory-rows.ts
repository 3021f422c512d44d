// The store's rules (store/sql/) on SQLite: synchronous steps on the connection, run inside the store's
// write transaction; memories keep their contentless FTS5 entry and vec0 vector in step.
import type Database from 'better-sqlite3';
import type { SqlConnection } from '../sql/dialect.js';
import type { MemoryRows } from '../sql/memory-rows.js';
import { compileSql, type SqlFragment, sql } from '../sql/sql.js';
import {
  eraseMemories,
  insertHistory,
  insertMemoryRow,
  memoryRowById,
  supersessionChain,
} from './sqlite-memory-writes.js';
import { reindexMemoryIn } from './sqlite-reindex.js';
import { type MemoryRow, memoryFromRow, prepared } from './sqlite-rows.js';

const HAS_EPISODE =
  "SELECT 1 FROM memories WHERE kind = 'episode' AND json_extract(source, '$.messageIds[0]') = ?";

/**
 * Statements through the seam on the connection `db`, prepared once per SQL text.
 *
 * @example
 * const count = await sqliteStatements(db).get(sql`SELECT COUNT(*) AS n FROM memories`);
 */
export function sqliteStatements(db: Database.Database): SqlConnection {
  const statement = (query: SqlFragment) => {
    const compiled = compileSql(query, () => '?');
    return { prepared: prepared(db, compiled.text), values: compiled.values };
  };
  return {
    all: async <Row>(query: SqlFragment) => {
      const { prepared: compiled, values } = statement(query);
      return compiled.all(...values) as Row[];
    },
    get: async <Row>(query: SqlFragment) => {
      const { prepared: compiled, values } = statement(query);
      return compiled.get(...values) as Row | undefined;
    },
    run: async (query: SqlFragment) => {
      const { prepared: compiled, values } = statement(query);
      return { changes: compiled.run(...values).changes };
    },
    exec: async (script: string) => {
      db.exec(script);
    },
  };
}

/**
 * The memory rows of a SQLite store.
 *
 * @example
 * await supersedeIn(sqliteMemoryRows, db, input);
 */
export const sqliteMemoryRows: MemoryRows<Database.Database, MemoryRow> = {
  record: memoryFromRow,
  byId: async (db, id) => memoryRowById(db, id),
  insert: async (db, write) => {
    insertMemoryRow(db, write);
  },
  update: async (db, id, set) => {
    await sqliteStatements(db).run(sql`UPDATE memories SET ${set} WHERE id = ${id}`);
  },
  history: async (db, entry) => insertHistory(db, entry),
  chain: async (db, start) => supersessionChain(db, start),
  erase: async (db, rows, options) => eraseMemories(db, rows, options),
  reindex: async (db, _row, write) => reindexMemoryIn(db, write),
  messageLogged: async (db, id) => prepared(db, 'SELECT 1 FROM messages WHERE id = ?').get(id) !== undefined,
  hasEpisode: async (db, messageId) => prepared(db, HAS_EPISODE).get(messageId) !== undefined,
  statements: sqliteStatements,
};
