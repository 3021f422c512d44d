// The PostgreSQL + pgvector MemoryStore: scope-first indexes, BM25 over tsvector term counts (ranked like
// SQLite's FTS5), HNSW cosine search, transactions with retries, advisory-locked migrations.
import pg from 'pg';
import { MnemoError, notFound } from '../../core/errors.js';
import type {
  HistoryEntry,
  JsonValue,
  MemoryRecord,
  Message,
  Page,
  Usage,
  UsageTotals,
  WorkingEntry,
} from '../../core/records.js';
import { isVisible, type Scope, type ScopeAccess } from '../../core/scope.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type {
  EmbeddingSpace,
  IdempotencyRecord,
  LexicalHit,
  MemoryFilter,
  MemoryStore,
  MemoryWrite,
  NewMessage,
  ReembedItem,
  StoreCapabilities,
  StoreDumpRow,
  StoreStats,
  TurnsOutcome,
  TurnsWrite,
  VacuumReport,
  VectorHit,
} from '../memory-store.js';
import { dumpPostgres, restorePostgres } from './postgres-dump.js';
import { freezeAddModels, historyEntriesOf } from './postgres-history.js';
import { latestPostgresSchemaVersion, migratePostgres, quoteIdentifier } from './postgres-migrations.js';
import { episodesOfMessagesIn, getVectorsIn, reindexRow } from './postgres-reindex.js';
import { searchLexicalIn, searchVectorIn } from './postgres-search.js';
import { PostgresSpace } from './postgres-space.js';
import {
  filterSql,
  HISTORY_COLUMNS,
  type HistoryRow,
  MEMORY_COLUMNS,
  type MemoryRow,
  type MessageRow,
  memoryFromRow,
  messageFromRow,
  SqlParams,
  scopeColumns,
  scopeSql,
  visibleSql,
} from './postgres-sql.js';
import { inTransaction } from './postgres-transaction.js';
import {
  appendTurnsIn,
  idempotencyRecordIn,
  listOrphanMessagesIn,
  markOrphanScanDoneIn,
  needsOrphanScanIn,
  nextMessageSeqIn,
  purgeExpiredPostgresIdempotency,
  updateIdempotencyResultIn,
} from './postgres-turns.js';
import { readPostgresUsage, recordPostgresUsage } from './postgres-usage.js';
import {
  deletePostgresWorkingEntries,
  erasePostgresWorkingEntries,
  listPostgresWorkingEntries,
  purgeExpiredPostgresWorkingEntries,
  type SetWorkingEntryInput,
  setPostgresWorkingEntry,
} from './postgres-working-memory.js';
import {
  eraseMemories,
  insertHistory,
  insertMemoryRow,
  memoryRowById,
  putVector,
  supersessionChain,
  type Tables,
} from './postgres-writes.js';

export interface PostgresStoreOptions {
  /** A connection string (`postgres://…`) or an existing pool (which Mnemo will not end on close). */
  connection: string | pg.Pool;
  /** The schema holding Mnemo's tables (default `mnemo`). */
  schema?: string;
  /** Pool size when Mnemo creates the pool (default 10). */
  maxConnections?: number;
  /** Attempts for a transaction that hits a serialization failure or deadlock (default 5). */
  maxRetries?: number;
}

export class PostgresStore implements MemoryStore {
  readonly provider = 'postgres' as const;
  readonly capabilities: StoreCapabilities = {
    vectorSearch: true,
    fullTextSearch: true,
    concurrentWriters: true,
    lexicalRanking: 'Okapi BM25 (k1 1.2, b 0.75, FTS5 idf) over tsvector term counts, statistics per scope',
    vectorIndex: 'pgvector HNSW (cosine) with iterative scans, scope-first btree for small scopes',
  };
  readonly tables: Tables;
  private pool: pg.Pool | undefined;
  private readonly ownsPool: boolean;
  private readonly space: PostgresSpace;

  constructor(private readonly options: PostgresStoreOptions) {
    const schema = quoteIdentifier(options.schema ?? 'mnemo');
    this.tables = {
      schema,
      meta: `${schema}.meta`,
      messages: `${schema}.messages`,
      memories: `${schema}.memories`,
      history: `${schema}.history`,
      cache: `${schema}.embedding_cache`,
      vectors: `${schema}.memory_vectors`,
      usage: `${schema}.usage_totals`,
      working: `${schema}.working_memory`,
    };
    this.ownsPool = typeof options.connection === 'string';
    this.space = new PostgresSpace(this.tables);
  }

  async init(): Promise<void> {
    if (this.pool !== undefined) return;
    const pool =
      typeof this.options.connection === 'string'
        ? new pg.Pool({ connectionString: this.options.connection, max: this.options.maxConnections ?? 10 })
        : this.options.connection;
    try {
      await migratePostgres(pool, this.options.schema ?? 'mnemo');
      await this.space.load(pool);
    } catch (error) {
      if (this.ownsPool) await pool.end();
      if (error instanceof MnemoError) throw error;
      throw new MnemoError({
        code: 'STORE_FAILED',
        message: `Could not open the PostgreSQL store: ${(error as Error).message}. Check --db / MNEMO_DB.`,
        cause: error,
      });
    }
    this.pool = pool;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool !== undefined && this.ownsPool) await pool.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private get db(): pg.Pool {
    if (this.pool === undefined) {
      throw new MnemoError({
        code: 'STORE_CLOSED',
        message: 'The PostgreSQL store is not open; call init() first.',
      });
    }
    return this.pool;
  }

  /** Runs `work` in one transaction, retrying serialization failures and deadlocks with jittered backoff. */
  private async write<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.db, work, this.options.maxRetries ?? 5);
  }

  /** The memory row `id` when the caller may see it; locked and checked for `write` inside write transactions. */
  private async rowInScope(
    client: pg.PoolClient | pg.Pool,
    scope: Scope,
    id: string,
    access?: ScopeAccess,
  ): Promise<MemoryRow | undefined> {
    const row = await memoryRowById(client, this.tables, id, access === 'write');
    return row !== undefined && isVisible(scope, memoryFromRow(row).scope, access) ? row : undefined;
  }

  async appendMessages(input: { messages: NewMessage[] }): Promise<Message[]> {
    return this.write(async (client) => {
      const out: Message[] = [];
      for (const message of input.messages) {
        const columns = scopeColumns(message.scope);
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
          `mnemo:seq:${JSON.stringify(columns)}`,
        ]);
        const result = await client.query<MessageRow>(
          `INSERT INTO ${this.tables.messages} (id, tenant_id, user_id, agent_id, session_id, seq, role, name, content, observed_at, metadata, created_at)
           SELECT $1, $2, $3, $4, $5, COALESCE(MAX(seq), 0) + 1, $6, $7, $8, $9, $10, $11 FROM ${this.tables.messages}
           WHERE tenant_id = $2 AND user_id = $3 AND agent_id = $4 AND session_id = $5 RETURNING *`,
          [
            message.id,
            ...columns,
            message.role,
            message.name ?? null,
            message.content,
            message.observedAt,
            JSON.stringify(message.metadata),
            message.createdAt,
          ],
        );
        out.push(messageFromRow(result.rows[0]!));
      }
      return out;
    });
  }

  async getMessages(input: { scope: Scope; ids: string[] }): Promise<Message[]> {
    if (input.ids.length === 0) return [];
    const params = new SqlParams();
    const where = `g.id = ANY(${params.add(input.ids)}::text[]) AND ${scopeSql('g', input.scope, params)}`;
    const result = await this.db.query<MessageRow>(
      `SELECT g.* FROM ${this.tables.messages} g WHERE ${where}`,
      params.values,
    );
    const byId = new Map(result.rows.map((row) => [row.id, messageFromRow(row)]));
    return input.ids.flatMap((id) => byId.get(id) ?? []);
  }

  async listMessages(input: {
    scope: Scope;
    fromSeq?: number;
    toSeq?: number;
    limit: number;
    cursor?: string;
  }): Promise<Page<Message>> {
    const params = new SqlParams();
    const clauses = [scopeSql('g', input.scope, params)];
    if (input.fromSeq !== undefined) clauses.push(`g.seq >= ${params.add(input.fromSeq)}`);
    if (input.toSeq !== undefined) clauses.push(`g.seq <= ${params.add(input.toSeq)}`);
    if (input.cursor !== undefined) {
      const [seq, observed, id] = decodeCursor(input.cursor, 3);
      clauses.push(
        `(g.seq, g.observed_at, g.id) > (${params.add(seq)}, ${params.add(observed)}, ${params.add(id)})`,
      );
    }
    const result = await this.db.query<MessageRow>(
      `SELECT g.* FROM ${this.tables.messages} g WHERE ${clauses.join(' AND ')} ORDER BY g.seq, g.observed_at, g.id LIMIT ${params.add(input.limit + 1)}`,
      params.values,
    );
    const items = result.rows.slice(0, input.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(messageFromRow),
      ...(result.rows.length > input.limit && last !== undefined
        ? { nextCursor: encodeCursor([last.seq, Number(last.observed_at), last.id]) }
        : {}),
    };
  }

  async insertMemories(input: { memories: MemoryWrite[]; actor: string; at: number }): Promise<void> {
    await this.write(async (client) => {
      for (const write of input.memories) {
        if (write.embedding !== undefined)
          await this.space.ensure(client, write.embedding, write.record.embeddingModel);
        await insertMemoryRow(client, this.tables, write, this.space.current !== undefined);
        await insertHistory(client, this.tables, {
          memoryId: write.record.id,
          scope: write.record.scope,
          event: 'add',
          after: write.record,
          at: input.at,
          actor: input.actor,
        });
      }
    });
  }

  async getMemory(input: { scope: Scope; id: string }): Promise<MemoryRecord | undefined> {
    const row = await this.rowInScope(this.db, input.scope, input.id);
    return row === undefined ? undefined : memoryFromRow(row);
  }

  async getMemories(input: { scope: Scope; ids: string[] }): Promise<MemoryRecord[]> {
    if (input.ids.length === 0) return [];
    const params = new SqlParams();
    const where = `m.id = ANY(${params.add(input.ids)}::text[]) AND ${visibleSql('m', input.scope, params)}`;
    const result = await this.db.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM ${this.tables.memories} m WHERE ${where}`,
      params.values,
    );
    const byId = new Map(result.rows.map((row) => [row.id, memoryFromRow(row)]));
    return input.ids.flatMap((id) => byId.get(id) ?? []);
  }

  async listMemories(input: {
    scope: Scope;
    filter: MemoryFilter;
    limit: number;
    cursor?: string;
    order?: 'asc' | 'desc';
  }): Promise<Page<MemoryRecord>> {
    const params = new SqlParams();
    const descending = (input.order ?? 'desc') === 'desc';
    const clauses = [visibleSql('m', input.scope, params), filterSql(input.filter, params)];
    if (input.cursor !== undefined) {
      const [observed, id] = decodeCursor(input.cursor, 2);
      clauses.push(
        `(m.observed_at, m.id) ${descending ? '<' : '>'} (${params.add(observed)}, ${params.add(id)})`,
      );
    }
    const direction = descending ? 'DESC' : 'ASC';
    const result = await this.db.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM ${this.tables.memories} m WHERE ${clauses.join(' AND ')}
       ORDER BY m.observed_at ${direction}, m.id ${direction} LIMIT ${params.add(input.limit + 1)}`,
      params.values,
    );
    const items = result.rows.slice(0, input.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(memoryFromRow),
      ...(result.rows.length > input.limit && last !== undefined
        ? { nextCursor: encodeCursor([Number(last.observed_at), last.id]) }
        : {}),
    };
  }

  async findByHash(input: { scope: Scope; hashes: string[]; now: number }): Promise<MemoryRecord[]> {
    if (input.hashes.length === 0) return [];
    const params = new SqlParams();
    const where = `${visibleSql('m', input.scope, params)} AND ${filterSql({ now: input.now }, params)} AND m.hash = ANY(${params.add(input.hashes)}::text[])`;
    const result = await this.db.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM ${this.tables.memories} m WHERE ${where}`,
      params.values,
    );
    return result.rows.map(memoryFromRow);
  }

  async supersedeMemory(input: {
    scope: Scope;
    id: string;
    replacement: MemoryWrite;
    validTo?: number;
    at: number;
    actor: string;
    reason?: string;
  }): Promise<{ previous: MemoryRecord; current: MemoryRecord }> {
    return this.write(async (client) => {
      const row = await this.rowInScope(client, input.scope, input.id, 'write');
      if (row === undefined) throw notFound('Memory', input.id);
      if (!isVisible(input.scope, input.replacement.record.scope, 'write')) {
        throw new MnemoError({
          code: 'INVALID_INPUT',
          message: 'The replacement memory must lie inside the scope of the memory it supersedes.',
        });
      }
      if (row.retired_at !== null) {
        throw new MnemoError({
          code: 'CONFLICT',
          message: `Memory ${input.id} is already retired; supersede its current version instead.`,
          details: { id: input.id, supersededBy: row.superseded_by },
        });
      }
      const before = memoryFromRow(row);
      const record: MemoryRecord = { ...input.replacement.record, supersedes: input.id };
      delete record.supersededBy;
      delete record.retiredAt;
      if (input.replacement.embedding !== undefined)
        await this.space.ensure(client, input.replacement.embedding, record.embeddingModel);
      await insertMemoryRow(
        client,
        this.tables,
        { ...input.replacement, record },
        this.space.current !== undefined,
      );
      await client.query(
        `UPDATE ${this.tables.memories} SET retired_at = $1, superseded_by = $2, valid_to = $3 WHERE id = $4`,
        [input.at, record.id, input.validTo ?? input.at, input.id],
      );
      const previous = memoryFromRow((await memoryRowById(client, this.tables, input.id))!);
      const current = memoryFromRow((await memoryRowById(client, this.tables, record.id))!);
      const common = {
        event: 'supersede' as const,
        at: input.at,
        actor: input.actor,
        ...(input.reason === undefined ? {} : { reason: input.reason }),
      };
      await insertHistory(client, this.tables, {
        ...common,
        memoryId: previous.id,
        scope: previous.scope,
        before,
        after: previous,
      });
      await insertHistory(client, this.tables, {
        ...common,
        memoryId: current.id,
        scope: current.scope,
        before: previous,
        after: current,
      });
      return { previous, current };
    });
  }

  async invalidateMemory(input: {
    scope: Scope;
    id: string;
    validTo: number;
    at: number;
    actor: string;
    reason?: string;
  }): Promise<MemoryRecord> {
    return this.write(async (client) => {
      const row = await this.rowInScope(client, input.scope, input.id, 'write');
      if (row === undefined) throw notFound('Memory', input.id);
      const before = memoryFromRow(row);
      await client.query(
        `UPDATE ${this.tables.memories} SET valid_to = $1, retired_at = COALESCE(retired_at, $2) WHERE id = $3`,
        [input.validTo, input.at, input.id],
      );
      const after = memoryFromRow((await memoryRowById(client, this.tables, input.id))!);
      await insertHistory(client, this.tables, {
        memoryId: after.id,
        scope: after.scope,
        event: 'invalidate',
        before,
        after,
        at: input.at,
        actor: input.actor,
        ...(input.reason === undefined ? {} : { reason: input.reason }),
      });
      return after;
    });
  }

  async patchMemory(input: {
    scope: Scope;
    id: string;
    patch: Partial<Pick<MemoryRecord, 'importance' | 'confidence' | 'metadata' | 'expiresAt'>>;
    at: number;
    actor: string;
  }): Promise<MemoryRecord> {
    return this.write(async (client) => {
      const row = await this.rowInScope(client, input.scope, input.id, 'write');
      if (row === undefined) throw notFound('Memory', input.id);
      const before = memoryFromRow(row);
      const patch = input.patch;
      const expires =
        'expiresAt' in patch
          ? patch.expiresAt === undefined
            ? null
            : Date.parse(patch.expiresAt)
          : row.expires_at;
      await client.query(
        `UPDATE ${this.tables.memories} SET importance = $1, confidence = $2, metadata = $3, expires_at = $4 WHERE id = $5`,
        [
          patch.importance ?? row.importance,
          patch.confidence ?? row.confidence,
          JSON.stringify(patch.metadata ?? row.metadata),
          expires,
          input.id,
        ],
      );
      const after = memoryFromRow((await memoryRowById(client, this.tables, input.id))!);
      await insertHistory(client, this.tables, {
        memoryId: after.id,
        scope: after.scope,
        event: 'update',
        before,
        after,
        at: input.at,
        actor: input.actor,
      });
      return after;
    });
  }

  async forgetMemory(input: {
    scope: Scope;
    id: string;
    at: number;
    actor: string;
  }): Promise<{ forgottenIds: string[] }> {
    return this.write(async (client) => {
      const row = await this.rowInScope(client, input.scope, input.id, 'write');
      if (row === undefined) throw notFound('Memory', input.id);
      const chain = await supersessionChain(client, this.tables, row);
      await eraseMemories(client, this.tables, chain, {
        tombstone: { event: 'forget', at: input.at, actor: input.actor },
        hasVectors: this.space.current !== undefined,
      });
      return { forgottenIds: chain.map((item) => item.id) };
    });
  }

  async forgetScope(input: {
    scope: Scope;
    at: number;
    actor: string;
  }): Promise<{ memories: number; messages: number }> {
    const scope = input.scope;
    if (scope.userId === undefined && scope.agentId === undefined && scope.sessionId === undefined) {
      throw new MnemoError({
        code: 'SCOPE_REQUIRED',
        message: 'forgetScope needs a userId, agentId or sessionId; it never erases a whole tenant.',
      });
    }
    return this.write(async (client) => {
      const params = new SqlParams();
      const rows = await client.query<MemoryRow>(
        `SELECT ${MEMORY_COLUMNS} FROM ${this.tables.memories} m WHERE ${scopeSql('m', scope, params)}`,
        params.values,
      );
      // Counted before the erase: erasing an episode erases its message too.
      const countParams = new SqlParams();
      const counted = await client.query<{ count: string }>(
        `SELECT COUNT(*) AS count FROM ${this.tables.messages} g WHERE ${scopeSql('g', scope, countParams)}`,
        countParams.values,
      );
      await eraseMemories(client, this.tables, rows.rows, { hasVectors: this.space.current !== undefined });
      const historyParams = new SqlParams();
      await client.query(
        `DELETE FROM ${this.tables.history} h WHERE ${scopeSql('h', scope, historyParams)}`,
        historyParams.values,
      );
      const messageParams = new SqlParams();
      await client.query(
        `DELETE FROM ${this.tables.messages} g WHERE ${scopeSql('g', scope, messageParams)}`,
        messageParams.values,
      );
      const usageParams = new SqlParams();
      await client.query(
        `DELETE FROM ${this.tables.usage} u WHERE ${scopeSql('u', scope, usageParams)}`,
        usageParams.values,
      );
      await erasePostgresWorkingEntries(client, this.tables.working, scope);
      return { memories: rows.rows.length, messages: Number(counted.rows[0]?.count ?? 0) };
    });
  }

  async listHistory(input: { scope: Scope; memoryId: string }): Promise<HistoryEntry[]> {
    const params = new SqlParams();
    const where = `h.memory_id = ${params.add(input.memoryId)} AND ${visibleSql('h', input.scope, params)}`;
    const result = await this.db.query<HistoryRow & { rid: string }>(
      `SELECT ${HISTORY_COLUMNS} FROM ${this.tables.history} h WHERE ${where} ORDER BY h.at, h.rid`,
      params.values,
    );
    return historyEntriesOf(this.db, this.tables, result.rows);
  }

  async purgeExpired(input: { now: number }): Promise<{ purged: number }> {
    return this.write(async (client) => {
      const rows = await client.query<MemoryRow>(
        `SELECT ${MEMORY_COLUMNS} FROM ${this.tables.memories} m WHERE m.expires_at IS NOT NULL AND m.expires_at <= $1 FOR UPDATE`,
        [input.now],
      );
      await eraseMemories(client, this.tables, rows.rows, {
        tombstone: { event: 'expire', at: input.now, actor: 'system:ttl' },
        hasVectors: this.space.current !== undefined,
      });
      await purgeExpiredPostgresWorkingEntries(client, this.tables.working, input.now);
      await purgeExpiredPostgresIdempotency(client, this.tables, input.now);
      return { purged: rows.rows.length };
    });
  }

  /**
   * VACUUM (ANALYZE) on every table of the schema — memories, messages, vectors, queue, keys — so the rows a
   * forget deleted stop being dead tuples. Their bytes can stay on the reused pages and in index pages (GIN
   * keeps lexemes) until `full: true`, which rewrites each table and its indexes into new files, holding an
   * ACCESS EXCLUSIVE lock on each table while it runs. See docs/postgres.md.
   */
  async vacuum(input: { full?: boolean } = {}): Promise<VacuumReport> {
    const result = await this.db.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY c.relname`,
      [this.schemaName],
    );
    const tables = result.rows.map((row) => row.relname);
    if (tables.length > 0) {
      const names = tables.map((table) => `${this.tables.schema}.${quoteIdentifier(table)}`).join(', ');
      // VACUUM cannot run inside a transaction: a plain pool query runs on its own.
      await this.db.query(`VACUUM (${input.full === true ? 'FULL, ' : ''}ANALYZE) ${names}`);
    }
    return { tables, rewritten: input.full === true };
  }

  async recordAccess(input: { scope: Scope; ids: string[]; at: number }): Promise<void> {
    if (input.ids.length === 0) return;
    const params = new SqlParams();
    const at = params.add(input.at);
    const where = `m.id = ANY(${params.add(input.ids)}::text[]) AND ${visibleSql('m', input.scope, params)}`;
    await this.db.query(
      `UPDATE ${this.tables.memories} m SET access_count = access_count + 1, last_accessed_at = ${at} WHERE ${where}`,
      params.values,
    );
  }

  async searchLexical(input: {
    scope: Scope;
    terms: string[];
    filter: MemoryFilter;
    limit: number;
  }): Promise<LexicalHit[]> {
    return searchLexicalIn(this.db, this.tables, input);
  }

  async searchVector(input: {
    scope: Scope;
    embedding: Float32Array;
    filter: MemoryFilter;
    limit: number;
  }): Promise<VectorHit[]> {
    if (input.limit <= 0 || this.space.current === undefined) return [];
    this.space.check(input.embedding, undefined);
    return searchVectorIn(this.db, this.tables, input);
  }

  async getEmbeddingSpace(): Promise<EmbeddingSpace | undefined> {
    await this.space.load(this.db);
    return this.space.current;
  }

  async setEmbeddingSpace(input: { space: EmbeddingSpace; replace?: boolean }): Promise<void> {
    await this.write((client) => this.space.declare(client, input.space, input.replace ?? false));
  }

  async listForReembed(input: { limit: number; cursor?: string }): Promise<Page<ReembedItem>> {
    await this.space.load(this.db);
    const space = this.space.current;
    const after = input.cursor === undefined ? '' : String(decodeCursor(input.cursor, 1)[0]);
    const missing =
      space === undefined
        ? 'TRUE'
        : `(m.embedding_model IS DISTINCT FROM $3 OR NOT EXISTS (SELECT 1 FROM ${this.tables.vectors} v WHERE v.memory_id = m.id))`;
    const result = await this.db.query<{ id: string; index_text: string }>(
      `SELECT m.id, m.index_text FROM ${this.tables.memories} m WHERE m.id > $1 AND ${missing} ORDER BY m.id LIMIT $2`,
      space === undefined ? [after, input.limit + 1] : [after, input.limit + 1, space.model],
    );
    const items = result.rows.slice(0, input.limit).map((row) => ({ id: row.id, indexText: row.index_text }));
    const last = items[items.length - 1];
    return result.rows.length > input.limit && last !== undefined
      ? { items, nextCursor: encodeCursor([last.id]) }
      : { items };
  }

  async episodesOfMessages(input: {
    scope: Scope;
    messageIds: string[];
  }): Promise<Map<string, MemoryRecord>> {
    return episodesOfMessagesIn(this.db, this.tables, input);
  }

  async getVectors(input: { scope: Scope; ids: string[] }): Promise<Map<string, Float32Array>> {
    if (this.space.current === undefined) return new Map();
    return getVectorsIn(this.db, this.tables, input);
  }

  async reindexMemory(input: {
    scope: Scope;
    id: string;
    indexText: string;
    tokens: string[];
    embedding?: Float32Array;
  }): Promise<void> {
    await this.write(async (client) => {
      const row = await this.rowInScope(client, input.scope, input.id, 'write');
      if (row === undefined) throw notFound('Memory', input.id);
      if (input.embedding !== undefined) await this.space.ensure(client, input.embedding, undefined);
      const reindex = {
        indexText: input.indexText,
        tokens: input.tokens,
        hasVectors: this.space.current !== undefined,
      };
      await reindexRow(client, this.tables, row, {
        ...reindex,
        ...(input.embedding === undefined
          ? {}
          : { embedding: input.embedding, embeddingModel: this.space.current?.model }),
      });
    });
  }

  async writeEmbeddings(input: {
    items: Array<{ id: string; embedding: Float32Array }>;
    model: string;
  }): Promise<void> {
    await this.write(async (client) => {
      for (const item of input.items) {
        const row = await memoryRowById(client, this.tables, item.id);
        if (row === undefined) continue;
        this.space.check(item.embedding, input.model);
        await putVector(client, this.tables, memoryFromRow(row), item.embedding);
        await freezeAddModels(client, this.tables, {
          model: input.model,
          where: 'm.id = $2',
          params: [item.id],
        });
        await client.query(`UPDATE ${this.tables.memories} SET embedding_model = $1 WHERE id = $2`, [
          input.model,
          item.id,
        ]);
      }
    });
  }

  async getCachedEmbeddings(input: { model: string; hashes: string[] }): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    if (input.hashes.length === 0) return out;
    const result = await this.db.query<{ hash: string; vector: Buffer }>(
      `SELECT hash, vector FROM ${this.tables.cache} WHERE model = $1 AND hash = ANY($2::text[])`,
      [input.model, input.hashes],
    );
    for (const row of result.rows) out.set(row.hash, new Float32Array(Uint8Array.from(row.vector).buffer));
    return out;
  }

  async putCachedEmbeddings(input: {
    model: string;
    entries: Array<{ hash: string; embedding: Float32Array }>;
  }): Promise<void> {
    await this.write(async (client) => {
      for (const entry of input.entries) {
        await client.query(
          `INSERT INTO ${this.tables.cache} (model, hash, vector) VALUES ($1, $2, $3) ON CONFLICT (model, hash) DO UPDATE SET vector = excluded.vector`,
          [
            input.model,
            entry.hash,
            Buffer.from(entry.embedding.buffer, entry.embedding.byteOffset, entry.embedding.byteLength),
          ],
        );
      }
    });
  }

  async setWorkingEntry(input: SetWorkingEntryInput): Promise<WorkingEntry> {
    return this.write((client) => setPostgresWorkingEntry(client, this.tables.working, input));
  }

  async listWorkingEntries(input: { scope: Scope; keys?: string[]; now: number }): Promise<WorkingEntry[]> {
    return listPostgresWorkingEntries(this.db, this.tables.working, input);
  }

  async deleteWorkingEntries(input: {
    scope: Scope;
    keys?: string[];
    now: number;
  }): Promise<{ deleted: number }> {
    return deletePostgresWorkingEntries(this.db, this.tables.working, input);
  }

  async recordUsage(input: { scope: Scope; usage: Usage; at: number }): Promise<void> {
    await recordPostgresUsage(this.db, this.tables.usage, input);
  }

  async getUsage(input: { scope: Scope }): Promise<UsageTotals> {
    return readPostgresUsage(this.db, this.tables.usage, input.scope);
  }

  /**
   * The open connection pool, for companions that keep their own tables in the store's schema (the
   * inference queue). Throws STORE_CLOSED before `init()` and after `close()`.
   */
  connectionPool(): pg.Pool {
    return this.db;
  }

  /** The schema holding the store's tables, unquoted. */
  get schemaName(): string {
    return this.options.schema ?? 'mnemo';
  }

  async stats(input: { scope?: Scope } = {}): Promise<StoreStats> {
    const count = async (table: string, alias: string, extra = ''): Promise<number> => {
      const params = new SqlParams();
      const where = input.scope === undefined ? 'TRUE' : scopeSql(alias, input.scope, params);
      const result = await this.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${table} ${alias} WHERE ${where}${extra}`,
        params.values,
      );
      return Number(result.rows[0]?.n ?? 0);
    };
    const size = await this.db.query<{ bytes: string }>(
      `SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [this.options.schema ?? 'mnemo'],
    );
    await this.space.load(this.db);
    return {
      memories: await count(this.tables.memories, 'm'),
      currentMemories: await count(this.tables.memories, 'm', ' AND m.retired_at IS NULL'),
      messages: await count(this.tables.messages, 'g'),
      sizeBytes: Number(size.rows[0]?.bytes ?? 0),
      schemaVersion: latestPostgresSchemaVersion,
      ...(this.space.current === undefined ? {} : { embeddingSpace: this.space.current }),
    };
  }

  dump(input: { scope?: Scope; includeEmbeddings?: boolean } = {}): AsyncIterable<StoreDumpRow> {
    return dumpPostgres(() => this.db, this.tables, input);
  }

  async restore(input: {
    rows: StoreDumpRow[];
  }): Promise<{ messages: number; memories: number; history: number }> {
    return this.write((client) => restorePostgres(client, this.tables, input.rows, this.space));
  }

  // --- one add, one transaction (postgres-turns.ts) ---

  async nextMessageSeq(input: { scope: Scope }): Promise<number> {
    return nextMessageSeqIn(this.db, this.tables, input.scope);
  }

  async appendTurns(input: TurnsWrite): Promise<TurnsOutcome> {
    try {
      return await this.write((client) => appendTurnsIn(client, this.tables, this.space, input));
    } catch (error) {
      // A space declared inside the rolled-back transaction was rolled back with it: forget the cached one.
      await this.space.load(this.db);
      throw error;
    }
  }

  async getIdempotencyRecord(input: {
    tenantId: string;
    key: string;
    now: number;
  }): Promise<IdempotencyRecord | undefined> {
    return idempotencyRecordIn(this.db, this.tables, input);
  }

  async updateIdempotencyResult(input: { tenantId: string; key: string; result: JsonValue }): Promise<void> {
    await updateIdempotencyResultIn(this.db, this.tables, input);
  }

  async needsOrphanScan(): Promise<boolean> {
    return needsOrphanScanIn(this.db, this.tables);
  }

  async listOrphanMessages(input: { limit: number; cursor?: string }): Promise<Page<Message>> {
    return listOrphanMessagesIn(this.db, this.tables, input);
  }

  async markOrphanScanDone(): Promise<void> {
    await markOrphanScanDoneIn(this.db, this.tables);
  }
}

/**
 * Creates a PostgreSQL store without connecting; `await store.init()` connects and migrates.
 *
 * @example
 * const store = createPostgresStore({ connection: 'postgres://postgres@127.0.0.1:5432/mnemo' });
 * await store.init();
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  return new PostgresStore(options);
}
