// Whole-store (or one-scope) dump and verbatim restore for the PostgreSQL store.
import type pg from 'pg';
import type { Scope } from '../../core/scope.js';
import type { StoreDumpRow } from '../memory-store.js';
import { historyEntriesOf } from './postgres-history.js';
import type { PostgresSpace } from './postgres-space.js';
import {
  HISTORY_COLUMNS,
  type HistoryRow,
  MEMORY_COLUMNS,
  type MemoryRow,
  type MessageRow,
  memoryFromRow,
  messageFromRow,
  parseVectorLiteral,
  SqlParams,
  scopeColumns,
  scopeSql,
} from './postgres-sql.js';
import { insertHistory, insertMemoryRow, type Tables } from './postgres-writes.js';

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
  for await (const row of pages<HistoryRow & { rid: string }>(
    db,
    (where) => `SELECT ${HISTORY_COLUMNS} FROM ${tables.history} h WHERE ${where}`,
    'h',
    input.scope,
  )) {
    const [entry] = await historyEntriesOf(db(), tables, [row]);
    if (entry !== undefined) yield { type: 'history', entry };
  }
}

/** Writes dump rows verbatim, skipping ids already present; runs on the caller's transaction. */
export async function restorePostgres(
  client: pg.PoolClient,
  tables: Tables,
  rows: StoreDumpRow[],
  space: PostgresSpace,
): Promise<{ messages: number; memories: number; history: number }> {
  const counts = { messages: 0, memories: 0, history: 0 };
  const exists = async (table: string, id: string): Promise<boolean> =>
    ((await client.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id])).rowCount ?? 0) > 0;
  await space.load(client);
  for (const row of rows) {
    if (row.type === 'message') {
      const message = row.message;
      if (await exists(tables.messages, message.id)) continue;
      await client.query(
        `INSERT INTO ${tables.messages} (id, tenant_id, user_id, agent_id, session_id, seq, role, name, content, observed_at, metadata, created_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
        [
          message.id,
          ...scopeColumns(message.scope),
          message.seq,
          message.role,
          message.name ?? null,
          message.content,
          Date.parse(message.observedAt),
          JSON.stringify(message.metadata),
          Date.parse(message.createdAt),
        ],
      );
      counts.messages++;
    } else if (row.type === 'memory') {
      if (await exists(tables.memories, row.memory.id)) continue;
      if (row.embedding !== undefined) await space.ensure(client, row.embedding, row.memory.embeddingModel);
      await insertMemoryRow(
        client,
        tables,
        {
          record: row.memory,
          tokens: row.tokens,
          ...(row.embedding === undefined ? {} : { embedding: row.embedding }),
        },
        space.current !== undefined,
      );
      counts.memories++;
    } else {
      const entry = row.entry;
      if (await exists(tables.history, entry.id)) continue;
      await insertHistory(client, tables, {
        id: entry.id,
        memoryId: entry.memoryId,
        scope: entry.scope,
        event: entry.event,
        ...(entry.before === undefined ? {} : { before: entry.before }),
        ...(entry.after === undefined ? {} : { after: entry.after }),
        at: Date.parse(entry.at),
        actor: entry.actor,
        ...(entry.reason === undefined ? {} : { reason: entry.reason }),
      });
      counts.history++;
    }
  }
  return counts;
}
