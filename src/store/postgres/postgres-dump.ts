// Whole-store (or one-scope) dump and verbatim restore for the PostgreSQL store.
import type pg from 'pg';
import type { HistoryEntry } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { StoreDumpRow } from '../memory-store.js';
import type { StoredHistoryRow } from '../sql/history.js';
import { memoryFromRow, messageFromRow } from '../sql/rows.js';
import {
  HISTORY_COLUMNS,
  type HistoryRow,
  MEMORY_COLUMNS,
  type MemoryRow,
  type MessageRow,
  parseVectorLiteral,
  SqlParams,
  scopeSql,
} from './postgres-sql.js';
import type { Tables } from './postgres-writes.js';

const BATCH = 500;

async function* pages<Row extends { id: string }>(
  db: () => pg.Pool,
  select: (where: string) => string,
  alias: string,
  scope: Scope | undefined,
): AsyncGenerator<Row> {
  let last = '';
  for (;;) {
    const params = new SqlParams();
    const where = `${alias}.id > ${params.add(last)}${scope === undefined ? '' : ` AND ${scopeSql(alias, scope, params)}`}`;
    const result = await db().query<Row>(
      `${select(where)} ORDER BY ${alias}.id LIMIT ${BATCH}`,
      params.values,
    );
    yield* result.rows;
    const tail = result.rows[result.rows.length - 1];
    if (tail === undefined || result.rows.length < BATCH) return;
    last = tail.id;
  }
}

/** Streams messages, then memories (with vectors on request), then history, in id order. */
export async function* dumpPostgres(
  db: () => pg.Pool,
  tables: Tables,
  input: { scope?: Scope; includeEmbeddings?: boolean },
  historyEntries: (rows: StoredHistoryRow[]) => Promise<HistoryEntry[]>,
): AsyncGenerator<StoreDumpRow> {
  for await (const row of pages<MessageRow>(
    db,
    (where) => `SELECT g.* FROM ${tables.messages} g WHERE ${where}`,
    'g',
    input.scope,
  )) {
    yield { type: 'message', message: messageFromRow(row) };
  }
  const vectorColumn = input.includeEmbeddings
    ? `, (SELECT v.embedding::text FROM ${tables.vectors} v WHERE v.memory_id = m.id) AS embedding_text`
    : '';
  const hasVectors = input.includeEmbeddings
    ? (await db().query(`SELECT to_regclass($1) AS t`, [tables.vectors])).rows[0]?.t !== null
    : false;
  for await (const row of pages<MemoryRow & { embedding_text?: string | null }>(
    db,
    (where) =>
      `SELECT ${MEMORY_COLUMNS}${hasVectors ? vectorColumn : ''} FROM ${tables.memories} m WHERE ${where}`,
    'm',
    input.scope,
  )) {
    const out: StoreDumpRow = { type: 'memory', memory: memoryFromRow(row), tokens: row.tokens };
    if (row.embedding_text !== undefined && row.embedding_text !== null)
      out.embedding = parseVectorLiteral(row.embedding_text);
    yield out;
  }
  for await (const row of pages<HistoryRow & { id: string; rid: string }>(
    db,
    (where) => `SELECT ${HISTORY_COLUMNS} FROM ${tables.history} h WHERE ${where}`,
    'h',
    input.scope,
  )) {
    for (const entry of await historyEntries([row])) yield { type: 'history', entry };
  }
}
