// Write helpers for the PostgreSQL store; each runs on the caller's transaction client.
import type pg from 'pg';
import { uuidV7 } from '../../core/ids.js';
import type { MemoryRecord } from '../../core/records.js';
import { hashText } from '../../models/cached-embedder.js';
import type { MemoryWrite } from '../memory-store.js';
import { cleanTokens } from '../row-mapping.js';
import type { HistoryWrite, Tombstone } from '../sql/memory-rows.js';
import { jsonColumn, memoryColumnValues, memoryFromRow } from '../sql/rows.js';
import { scopeColumnsKey } from '../sql/scope-storage.js';
import { sql } from '../sql/sql.js';
import { connectionOf } from './postgres-dialect.js';
import { addResidueSql } from './postgres-history.js';

export { cleanTokens };

import { MEMORY_COLUMNS, type MemoryRow, scopeColumns, vectorLiteral } from './postgres-sql.js';

export interface Tables {
  schema: string;
  meta: string;
  messages: string;
  memories: string;
  history: string;
  cache: string;
  vectors: string;
  usage: string;
  working: string;
}

export async function insertMemoryRow(
  client: pg.PoolClient,
  tables: Tables,
  write: MemoryWrite,
  hasVectors: boolean,
): Promise<void> {
  const record = write.record;
  const tokens = cleanTokens(write.tokens);
  const memory = memoryColumnValues(record, {
    embeddingModel: write.embedding === undefined ? null : (record.embeddingModel ?? null),
  });
  const scope = scopeColumnsKey(record.scope);
  await connectionOf(client).run(
    sql`INSERT INTO ${sql.raw(tables.memories)} (id, ${scope.columns}, ${memory.columns}, tokens, doc_len, search_vector)
        VALUES (${record.id}, ${scope.values}, ${memory.values}, ${tokens}, ${tokens.length},
          to_tsvector('simple', array_to_string(${tokens}::text[], ' ')))`,
  );
  if (write.embedding !== undefined && hasVectors) await putVector(client, tables, record, write.embedding);
}

export async function putVector(
  client: pg.PoolClient,
  tables: Tables,
  record: Pick<MemoryRecord, 'id' | 'scope'>,
  vector: Float32Array,
): Promise<void> {
  await client.query(
    `INSERT INTO ${tables.vectors} (memory_id, tenant_id, user_id, agent_id, session_id, embedding) VALUES ($1,$2,$3,$4,$5,$6)
     ON CONFLICT (memory_id) DO UPDATE SET embedding = excluded.embedding`,
    [record.id, ...scopeColumns(record.scope), vectorLiteral(vector)],
  );
}

export async function insertHistory(
  client: pg.PoolClient,
  tables: Tables,
  entry: HistoryWrite,
): Promise<void> {
  const add =
    entry.event === 'add' && entry.after !== undefined ? addResidueSql(tables, entry.after) : undefined;
  await client.query(
    `INSERT INTO ${tables.history} (id, memory_id, tenant_id, user_id, agent_id, session_id, event, before_json, after_json, at, actor, reason)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,${add?.expression ?? '$9'},$10,$11,$12) ON CONFLICT (id) DO NOTHING`,
    [
      entry.id ?? uuidV7(),
      entry.memoryId,
      ...scopeColumns(entry.scope),
      entry.event,
      entry.before === undefined ? null : JSON.stringify(entry.before),
      add === undefined ? (entry.after === undefined ? null : JSON.stringify(entry.after)) : add.residue,
      entry.at,
      entry.actor,
      entry.reason ?? null,
      ...(add === undefined ? [] : [add.model]),
    ],
  );
}

export async function memoryRowById(
  client: pg.PoolClient | pg.Pool,
  tables: Tables,
  id: string,
  lock = false,
): Promise<MemoryRow | undefined> {
  const result = await client.query<MemoryRow>(
    `SELECT ${MEMORY_COLUMNS} FROM ${tables.memories} m WHERE m.id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return result.rows[0];
}

/** Every memory linked to `start` through supersedes/supersededBy, in either direction. */
export async function supersessionChain(
  client: pg.PoolClient,
  tables: Tables,
  start: MemoryRow,
): Promise<MemoryRow[]> {
  const seen = new Map<string, MemoryRow>([[start.id, start]]);
  const queue: MemoryRow[] = [start];
  for (let row = queue.shift(); row !== undefined; row = queue.shift()) {
    const linked = await client.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM ${tables.memories} m WHERE m.id = $1 OR m.id = $2 OR m.supersedes = $3 OR m.superseded_by = $3`,
      [row.supersedes ?? '', row.superseded_by ?? '', row.id],
    );
    for (const next of linked.rows) {
      if (!seen.has(next.id)) {
        seen.set(next.id, next);
        queue.push(next);
      }
    }
  }
  return [...seen.values()];
}

/**
 * Erases memories: rows, vectors, history, cached embeddings of their index text, and the logged messages of
 * erased episodes; optional tombstones.
 */
export async function eraseMemories(
  client: pg.PoolClient,
  tables: Tables,
  rows: MemoryRow[],
  options: { tombstone?: Tombstone; hasVectors: boolean },
): Promise<void> {
  if (rows.length === 0) return;
  const ids = rows.map((row) => row.id);
  if (options.hasVectors)
    await client.query(`DELETE FROM ${tables.vectors} WHERE memory_id = ANY($1::text[])`, [ids]);
  await client.query(`DELETE FROM ${tables.memories} WHERE id = ANY($1::text[])`, [ids]);
  await client.query(`DELETE FROM ${tables.history} WHERE memory_id = ANY($1::text[])`, [ids]);
  await client.query(`DELETE FROM ${tables.cache} WHERE hash = ANY($1::text[])`, [
    rows.map((row) => hashText(row.index_text)),
  ]);
  // An episode is its message: erasing the episode erases the logged message it indexes.
  const messageIds = rows
    .filter((row) => row.kind === 'episode')
    .flatMap((row) => jsonColumn(row.source).messageIds);
  if (messageIds.length > 0)
    await client.query(`DELETE FROM ${tables.messages} WHERE id = ANY($1::text[])`, [messageIds]);
  if (options.tombstone === undefined) return;
  for (const row of rows) {
    await insertHistory(client, tables, {
      memoryId: row.id,
      scope: memoryFromRow(row).scope,
      ...options.tombstone,
    });
  }
}
