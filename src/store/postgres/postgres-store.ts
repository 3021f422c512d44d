// The PostgreSQL + pgvector MemoryStore: scope-first indexes, BM25 over tsvector term counts (ranked like
// SQLite's FTS5), HNSW cosine search, transactions with retries, advisory-locked migrations. The rules shared
// with SQLite live in SqlMemoryStore (store/sql/).
import pg from 'pg';
import { MnemoError, notFound } from '../../core/errors.js';
import type { MemoryRecord, Message, Page } from '../../core/records.js';
import { isVisible, type Scope } from '../../core/scope.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { ApiKeyStore } from '../keys/api-key-store.js';
import { createPostgresApiKeyStore } from '../keys/sql-api-key-store.js';
import type {
  EmbeddingSpace,
  LexicalHit,
  MemoryFilter,
  MemoryStore,
  ReembedItem,
  RestoreCounts,
  StoreCapabilities,
  StoreDumpRow,
  StoreInferenceQueue,
  StoreStats,
  TurnsOutcome,
  TurnsWrite,
  VacuumReport,
  VectorHit,
} from '../memory-store.js';
import { createPostgresInferenceQueue } from '../queue/sql-inference-queue.js';
import type { SqlConnection } from '../sql/dialect.js';
import { eraseGraphOfMemoriesIn, eraseGraphWithinIn } from '../sql/graph-erase.js';
import { eraseMaintenanceStateIn } from '../sql/maintenance.js';
import { type MemoryRows, rowInScope } from '../sql/memory-rows.js';
import { migrate } from '../sql/migrator.js';
import { restoreIn } from '../sql/restore.js';
import { memoryFromRow } from '../sql/rows.js';
import { eraseAccessIn, withSharingRows } from '../sql/sharing-rows.js';
import { sql } from '../sql/sql.js';
import { type ForgetScopeInput, SqlMemoryStore } from '../sql/sql-memory-store.js';
import type { StoreSchema } from '../sql/store-schema.js';
import { purgeExpiredIdempotencyIn } from '../sql/turns.js';
import { eraseUsageIn } from '../sql/usage.js';
import { eraseWorkingEntriesIn, purgeExpiredWorkingEntriesIn } from '../sql/working-memory.js';
import { connectionOf, createPostgresDialect, type PostgresDialect } from './postgres-dialect.js';
import { dumpPostgres } from './postgres-dump.js';
import { freezeAddModels } from './postgres-history.js';
import { postgresMemoryRows } from './postgres-memory-rows.js';
import { latestPostgresSchemaVersion, quoteIdentifier } from './postgres-migrations.js';
import { episodesOfMessagesIn, getVectorsIn, reindexRow } from './postgres-reindex.js';
import { postgresScopes } from './postgres-scopes.js';
import { searchLexicalIn, searchVectorIn } from './postgres-search.js';
import { PostgresSpace } from './postgres-space.js';
import {
  filterSql,
  HISTORY_COLUMNS,
  MEMORY_COLUMNS,
  type MemoryRow,
  SqlParams,
  scopeSql,
  visibleSql,
} from './postgres-sql.js';
import { inTransaction } from './postgres-transaction.js';
import { listOrphanMessagesIn, nextMessageSeqIn } from './postgres-turns.js';
import { eraseMemories, memoryRowById, putVector, type Tables } from './postgres-writes.js';

export interface PostgresStoreOptions {
  /** A connection string (`postgres://…`) or an existing pool (which Mnemo will not end on close). */
  connection: string | pg.Pool;
  /** The schema holding Mnemo's tables (default `mnemo`). */
  schema?: string | undefined;
  /** Pool size when Mnemo creates the pool (default 10). */
  maxConnections?: number | undefined;
  /** Attempts for a transaction that hits a serialization failure or deadlock (default 5). */
  maxRetries?: number | undefined;
}

export class PostgresStore extends SqlMemoryStore<pg.PoolClient, MemoryRow> implements MemoryStore {
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
  private sqlDialect: PostgresDialect | undefined;
  private readonly ownsPool: boolean;
  private readonly space: PostgresSpace;

  protected readonly rows: MemoryRows<pg.PoolClient, MemoryRow>;

  constructor(private readonly options: PostgresStoreOptions) {
    super();
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
    this.rows = postgresMemoryRows(this.tables, this.space);
  }

  async init(): Promise<void> {
    if (this.pool !== undefined) return;
    const pool =
      typeof this.options.connection === 'string'
        ? new pg.Pool({ connectionString: this.options.connection, max: this.options.maxConnections ?? 10 })
        : this.options.connection;
    try {
      const dialect = createPostgresDialect({ connection: pool, schema: this.schemaName });
      await migrate({ dialect, plan: dialect.migrations, components: ['memories'] });
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
    this.sqlDialect = createPostgresDialect({ connection: pool, schema: this.schemaName });
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    this.sqlDialect = undefined;
    if (pool !== undefined && this.ownsPool) await pool.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The inference queue in the same schema, on the store's pool (open the store first). */
  openInferenceQueue(): StoreInferenceQueue {
    return {
      queue: createPostgresInferenceQueue({ pool: this.connectionPool(), schema: this.schemaName }),
      durable: true,
    };
  }

  /** The API keys in the same schema, on the store's pool (open the store first). */
  openApiKeyStore(): ApiKeyStore {
    return createPostgresApiKeyStore({ connection: this.connectionPool(), schema: this.schemaName });
  }

  private get db(): pg.Pool {
    if (this.pool === undefined) throw this.notOpen();
    return this.pool;
  }

  private notOpen(): MnemoError {
    return new MnemoError({
      code: 'STORE_CLOSED',
      message: 'The PostgreSQL store is not open; call init() first.',
    });
  }

  /** Runs `work` in one transaction, retrying serialization failures and deadlocks with jittered backoff. */
  protected async write<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.db, work, this.options.maxRetries ?? 5);
  }

  protected get schema(): StoreSchema {
    return {
      dialect: this.dialect,
      scopes: postgresScopes,
      messageSelect: sql`SELECT g.* FROM ${this.dialect.table('messages')} g`,
      memorySelect: sql`SELECT ${sql.raw(MEMORY_COLUMNS)} FROM ${this.dialect.table('memories')} m`,
      historySelect: sql`SELECT ${sql.raw(HISTORY_COLUMNS)} FROM ${this.dialect.table('history')} h`,
      messagesWithIds: (ids) =>
        sql`SELECT g.* FROM ${this.dialect.table('messages')} g WHERE ${this.dialect.anyOf(sql`g.id`, ids)}`,
      memoriesWithIds: (ids) =>
        sql`SELECT ${sql.raw(MEMORY_COLUMNS)} FROM ${this.dialect.table('memories')} m WHERE ${this.dialect.anyOf(sql`m.id`, ids)}`,
      visible: async (_connection, alias, scope, access) => {
        const params = new SqlParams();
        return sql.numbered(visibleSql(alias, scope, params, access), params.values);
      },
      filter: (filter) => {
        const params = new SqlParams();
        return sql.numbered(filterSql(filter, params), params.values);
      },
      hashIn: (hashes) => this.dialect.anyOf(sql`m.hash`, hashes),
    };
  }

  protected statements<T>(
    mode: 'read' | 'write' | 'single',
    work: (connection: SqlConnection) => Promise<T>,
  ): Promise<T> {
    return mode === 'write'
      ? this.write((client) => work(connectionOf(client)))
      : work(connectionOf(this.db));
  }

  /** The dialect over the open pool (STORE_CLOSED before `init()`). */
  private get dialect(): PostgresDialect {
    if (this.sqlDialect === undefined) throw this.notOpen();
    return this.sqlDialect;
  }

  /** An erase is one write transaction: VACUUM (a maintenance job) reclaims the dead tuples. */
  protected async erase<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.write(work);
  }

  async getMemory(input: { scope: Scope; id: string }): Promise<MemoryRecord | undefined> {
    const row = await memoryRowById(this.db, this.tables, input.id);
    const record = row === undefined ? undefined : memoryFromRow(row);
    return record !== undefined && isVisible(input.scope, record.scope) ? record : undefined;
  }

  protected async eraseScope(input: ForgetScopeInput): Promise<{ memories: number; messages: number }> {
    const scope = input.scope;
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
      await eraseGraphWithinIn(this.schema, connectionOf(client), scope);
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
      const connection = connectionOf(client);
      await eraseUsageIn(this.schema, connection, scope);
      await eraseMaintenanceStateIn(this.schema, connection, scope);
      await eraseWorkingEntriesIn(this.schema, connection, scope);
      await eraseAccessIn(this.schema.dialect, connection, scope);
      return { memories: rows.rows.length, messages: Number(counted.rows[0]?.count ?? 0) };
    });
  }

  async purgeExpired(input: { now: number; scope?: Scope | undefined }): Promise<{ purged: number }> {
    return this.write(async (client) => {
      const params = new SqlParams();
      const now = params.add(input.now);
      const inScope = input.scope === undefined ? '' : ` AND ${visibleSql('m', input.scope, params)}`;
      const rows = await client.query<MemoryRow>(
        `SELECT ${MEMORY_COLUMNS} FROM ${this.tables.memories} m WHERE m.expires_at IS NOT NULL AND m.expires_at <= ${now}${inScope} FOR UPDATE`,
        params.values,
      );
      await eraseGraphOfMemoriesIn(
        this.schema,
        connectionOf(client),
        rows.rows.map((row) => row.id),
      );
      await eraseMemories(client, this.tables, rows.rows, {
        tombstone: { event: 'expire', at: input.now, actor: 'system:ttl' },
        hasVectors: this.space.current !== undefined,
      });
      await purgeExpiredWorkingEntriesIn(this.schema, connectionOf(client), input.now);
      await purgeExpiredIdempotencyIn(this.dialect, connectionOf(client), input.now);
      return { purged: rows.rows.length };
    });
  }

  /**
   * VACUUM (ANALYZE) on every table of the schema — memories, messages, vectors, queue, keys — so the rows a
   * forget deleted stop being dead tuples. Their bytes can stay on the reused pages and in index pages (GIN
   * keeps lexemes) until `full: true`, which rewrites each table and its indexes into new files, holding an
   * ACCESS EXCLUSIVE lock on each table while it runs. See docs/postgres.md.
   */
  async vacuum(input: { full?: boolean | undefined } = {}): Promise<VacuumReport> {
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
      const row = await rowInScope(this.rows, client, { scope: input.scope, id: input.id, access: 'write' });
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
    const rows = dumpPostgres(
      () => this.db,
      this.tables,
      input,
      (rows) => this.historyEntries(rows),
    );
    return withSharingRows(() => this.schema.dialect, input.scope, rows);
  }

  async restore(input: { rows: StoreDumpRow[] }): Promise<RestoreCounts> {
    return this.write(async (client) => {
      await this.space.load(client);
      return restoreIn(this.rows, this.schema, client, input.rows);
    });
  }

  // --- one add, one transaction (postgres-turns.ts) ---

  async nextMessageSeq(input: { scope: Scope }): Promise<number> {
    return nextMessageSeqIn(this.db, this.tables, input.scope);
  }

  override async appendTurns(input: TurnsWrite): Promise<TurnsOutcome> {
    try {
      return await super.appendTurns(input);
    } catch (error) {
      // A space declared inside the rolled-back transaction was rolled back with it: forget the cached one.
      await this.space.load(this.db);
      throw error;
    }
  }

  async listOrphanMessages(input: { limit: number; cursor?: string }): Promise<Page<Message>> {
    return listOrphanMessagesIn(this.db, this.tables, input);
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
