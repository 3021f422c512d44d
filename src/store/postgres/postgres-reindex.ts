// Derived-index upkeep for the PostgreSQL store: find episodes by their message, re-index a memory in place.
import type pg from 'pg';
import type { MemoryRecord } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import { hashText } from '../../models/cached-embedder.js';
import { cleanTokens } from '../row-mapping.js';
import { memoryFromRow } from '../sql/rows.js';
import { freezeAddModels } from './postgres-history.js';
import {
  MEMORY_COLUMNS,
  type MemoryRow,
  parseVectorLiteral,
  SqlParams,
  scopeSql,
  visibleSql,
} from './postgres-sql.js';
import { putVector, type Tables } from './postgres-writes.js';

/** Current episodes of logged messages, through the `memories_episode_message` expression index. */
export async function episodesOfMessagesIn(
  db: pg.Pool | pg.PoolClient,
  tables: Tables,
  input: { scope: Scope; messageIds: string[] },
): Promise<Map<string, MemoryRecord>> {
  const found = new Map<string, MemoryRecord>();
  const ids = [...new Set(input.messageIds)];
  if (ids.length === 0) return found;
  const params = new SqlParams();
  const result = await db.query<MemoryRow>(
    `SELECT ${MEMORY_COLUMNS} FROM ${tables.memories} m
     WHERE m.kind = 'episode' AND (m.source->'messageIds'->>0) = ANY(${params.add(ids)}::text[])
       AND m.retired_at IS NULL AND ${scopeSql('m', input.scope, params)}`,
    params.values,
  );
  for (const row of result.rows) {
    const record = memoryFromRow(row);
    const messageId = record.source.messageIds[0];
    if (messageId !== undefined) found.set(messageId, record);
  }
  return found;
}

/**
 * Re-indexes one memory row (already checked to be in scope) inside the caller's transaction: index text,
 * tokens and tsvector, the vector (dropped when none is given) and the old text's cached embedding.
 */
export async function reindexRow(
  client: pg.PoolClient,
  tables: Tables,
  row: MemoryRow,
  input: {
    indexText: string;
    tokens: string[];
    embedding?: Float32Array | undefined;
    embeddingModel?: string | undefined;
    hasVectors: boolean;
  },
): Promise<void> {
  const tokens = cleanTokens(input.tokens);
  const record = memoryFromRow(row);
  if (input.embedding !== undefined) await putVector(client, tables, record, input.embedding);
  else if (input.hasVectors)
    await client.query(`DELETE FROM ${tables.vectors} WHERE memory_id = $1`, [row.id]);
  if (row.index_text !== input.indexText)
    await client.query(`DELETE FROM ${tables.cache} WHERE hash = $1`, [hashText(row.index_text)]);
  // History snapshots carry the index text too; keep them in step, so no copy of the old one survives.
  for (const column of ['before_json', 'after_json']) {
    await client.query(
      `UPDATE ${tables.history} SET ${column} = jsonb_set(${column}, '{indexText}', to_jsonb($1::text)) WHERE memory_id = $2 AND ${column} ? 'id'`,
      [input.indexText, row.id],
    );
  }
  const embeddingModel = input.embedding === undefined ? null : (input.embeddingModel ?? null);
  await freezeAddModels(client, tables, { model: embeddingModel, where: 'm.id = $2', params: [row.id] });
  await client.query(
    `UPDATE ${tables.memories} SET index_text = $1, tokens = $2, doc_len = $3,
       search_vector = to_tsvector('simple', array_to_string($2::text[], ' ')), embedding_model = $4 WHERE id = $5`,
    [input.indexText, tokens, tokens.length, embeddingModel, row.id],
  );
}

/** Stored vectors of memories inside the scope, by id. */
export async function getVectorsIn(
  db: pg.Pool,
  tables: Tables,
  input: { scope: Scope; ids: string[] },
): Promise<Map<string, Float32Array>> {
  const found = new Map<string, Float32Array>();
  if (input.ids.length === 0) return found;
  const params = new SqlParams();
  const result = await db.query<{ id: string; embedding: string }>(
    `SELECT m.id, v.embedding::text AS embedding FROM ${tables.memories} m JOIN ${tables.vectors} v ON v.memory_id = m.id
     WHERE m.id = ANY(${params.add([...new Set(input.ids)])}::text[]) AND ${visibleSql('m', input.scope, params)}`,
    params.values,
  );
  for (const row of result.rows) found.set(row.id, parseVectorLiteral(row.embedding));
  return found;
}
