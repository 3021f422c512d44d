// The SQLite MemoryStore: better-sqlite3 in WAL mode, FTS5 BM25, sqlite-vec cosine KNN, scope-first partitions.
// The rules shared with PostgreSQL live in SqlMemoryStore (store/sql/); this file holds SQLite's own: the
// connection, erasure that leaves no copy in the write-ahead log, access-count bookkeeping, search, vectors.
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { MnemoError } from '../../core/errors.js';
import type { MemoryRecord, Message, Page } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { ApiKeyStore } from '../keys/api-key-store.js';
import { createSqliteApiKeyStore } from '../keys/sql-api-key-store.js';
import type {
  EmbeddingSpace,
  LexicalHit,
  MemoryStore,
  ReembedItem,
  RestoreCounts,
  StoreCapabilities,
  StoreDumpRow,
  StoreInferenceQueue,
  StoreStats,
  VacuumReport,
  VectorHit,
} from '../memory-store.js';
import { createSqliteInferenceQueue } from '../queue/sql-inference-queue.js';
import type { SqlConnection } from '../sql/dialect.js';
import { eraseGraphOfMemoriesIn, eraseGraphWithinIn } from '../sql/graph-erase.js';
import { eraseMaintenanceStateIn } from '../sql/maintenance.js';
import type { MemoryRows } from '../sql/memory-rows.js';
import { latestVersion, migrate } from '../sql/migrator.js';
import { restoreIn } from '../sql/restore.js';
import { eraseAccessIn, withSharingRows } from '../sql/sharing-rows.js';
import { sql } from '../sql/sql.js';
import { type ForgetScopeInput, SqlMemoryStore } from '../sql/sql-memory-store.js';
import type { StoreSchema } from '../sql/store-schema.js';
import { purgeExpiredIdempotencyIn } from '../sql/turns.js';
import { eraseUsageIn } from '../sql/usage.js';
import { eraseWorkingEntriesIn, purgeExpiredWorkingEntriesIn } from '../sql/working-memory.js';
import { encodeHash } from '../stored-fields.js';
import { PendingAccesses } from './sqlite-accesses.js';
import {
  configureConnection,
  DEFAULT_BUSY_BUDGET_MS,
  erasedCopiesLeft,
  fileSize,
  isBusyError,
  retryWhileBusy,
  type SqliteSynchronous,
  toStoreError,
  truncateWal,
  tryTruncateWal,
  untilNoOtherSnapshot,
} from './sqlite-busy.js';
import { SqliteDialect } from './sqlite-dialect.js';
import { dumpRows } from './sqlite-dump.js';
import {
  listForReembedIn,
  readCachedEmbeddings,
  writeCachedEmbeddings,
  writeEmbeddingsIn,
} from './sqlite-embeddings.js';
import { sqliteMemoryRows } from './sqlite-memory-rows.js';
import { deleteEmptyPartitions, eraseMemories, rowInScope } from './sqlite-memory-writes.js';
import { sqliteMigrationPlan } from './sqlite-migrations.js';
import {
  type EpisodesOfMessagesInput,
  episodesOfMessagesIn,
  type GetVectorsInput,
  getVectorsIn,
  type ReindexInput,
  reindexMemoryIn,
} from './sqlite-reindex.js';
import {
  filterSql,
  MEMORY_SELECT,
  MEMORY_SELECT_BY_IDS,
  type MemoryRow,
  memoryFromRow,
  resolvePartitions,
  scopeSql,
  visibleSql,
} from './sqlite-rows.js';
import { sqliteScopes } from './sqlite-scopes.js';
import { type LexicalInput, searchLexicalIn, searchVectorIn, type VectorInput } from './sqlite-search.js';
import { listOrphanMessagesIn, nextMessageSeqIn } from './sqlite-turns.js';
import { declareEmbeddingSpace, readEmbeddingSpace } from './sqlite-vectors.js';
import { type VectorIndexCacheOptions, vectorIndexCacheFor } from './vector-index.js';

/** The memories' schema version this build writes. */
export const latestSchemaVersion = latestVersion(sqliteMigrationPlan, 'memories');

export interface SqliteStoreOptions {
  /** Database file path. */
  path: string;
  /**
   * The total time a call waits for a lock held by another process before it fails with STORE_BUSY
   * (default 5000 ms). The wait is asynchronous: SQLite's own busy_timeout is 0 and Mnemo retries with a
   * backoff between attempts, so the event loop keeps serving while it waits. Forgetting waits up to this
   * long for other connections' read transactions to end (see forgetMemory).
   */
  busyTimeoutMs?: number | undefined;
  /**
   * `normal` (default): in WAL mode a commit survives a crash of the process, and a power loss or OS crash
   * can lose the last commits but never corrupts the file. `full`: every commit is fsynced before it
   * returns, so it survives power loss too, at the cost of one fsync per write.
   */
  synchronous?: SqliteSynchronous | undefined;
  /** The in-memory vector index used for large partitions (see vector-index.ts); defaults suit most uses. */
  vectorIndex?: VectorIndexCacheOptions;
}

const MESSAGE_SELECT =
  'SELECT g.*, p.tenant_id, p.user_id, p.agent_id FROM messages g JOIN partitions p ON p.id = g.partition_id';
/** MESSAGE_SELECT for the ids in one JSON-array parameter, looked up id by id (see MEMORY_SELECT_BY_IDS). */
const MESSAGE_SELECT_BY_IDS = `SELECT g.*, p.tenant_id, p.user_id, p.agent_id
  FROM json_each(?) wanted CROSS JOIN messages g JOIN partitions p ON p.id = g.partition_id
  WHERE g.id = wanted.value`;
const HISTORY_SELECT =
  'SELECT h.*, p.tenant_id, p.user_id, p.agent_id FROM history h JOIN partitions p ON p.id = h.partition_id';

export class SqliteStore extends SqlMemoryStore<Database.Database, MemoryRow> implements MemoryStore {
  readonly provider = 'sqlite' as const;
  readonly capabilities: StoreCapabilities = {
    vectorSearch: true,
    fullTextSearch: true,
    concurrentWriters: true,
    lexicalRanking: 'FTS5 bm25() over partition-prefixed tokens',
    vectorIndex:
      'sqlite-vec exact cosine per partition; large partitions: in-memory 1-bit codes + int8 rescoring',
  };
  readonly path: string;
  /** The lock-wait budget (ms), shared with the connections opened beside this store. */
  readonly busyTimeoutMs: number;
  readonly synchronous: SqliteSynchronous;
  private readonly vectorIndex: VectorIndexCacheOptions | undefined;
  private database: Database.Database | undefined;
  /** The store's connection seen through the dialect seam: its turn-taking transactions and statement cache. */
  private connection: SqliteDialect | undefined;
  private closed = false;
  /** An erase committed but another reader kept the log from being reset: retried after later writes. */
  private walResetPending = false;
  /** Access-count bumps that met another process's write lock (see recordAccess). */
  private readonly accesses = new PendingAccesses();

  protected readonly rows: MemoryRows<Database.Database, MemoryRow> = sqliteMemoryRows;

  constructor(options: SqliteStoreOptions) {
    super();
    this.path = options.path;
    this.busyTimeoutMs = Math.max(0, options.busyTimeoutMs ?? DEFAULT_BUSY_BUDGET_MS);
    this.synchronous = options.synchronous ?? 'normal';
    this.vectorIndex = options.vectorIndex;
  }

  async init(): Promise<void> {
    if (this.database !== undefined) return;
    if (this.closed)
      throw new MnemoError({ code: 'STORE_CLOSED', message: 'This store was closed; open a new one.' });
    try {
      const db = new Database(this.path);
      this.database = db;
      sqliteVec.load(db);
      db.pragma('foreign_keys = ON');
      await this.retrying(() => configureConnection(db, { synchronous: this.synchronous }));
      vectorIndexCacheFor(db, this.vectorIndex);
      const dialect = new SqliteDialect({ database: db, budgetMs: this.busyTimeoutMs, owned: false });
      this.connection = dialect;
      await migrate({ dialect, plan: sqliteMigrationPlan, components: ['memories'] });
    } catch (error) {
      this.database?.close();
      this.database = undefined;
      this.connection = undefined;
      if (error instanceof MnemoError && error.code !== 'STORE_FAILED') throw error;
      throw new MnemoError({
        code: 'MIGRATION_FAILED',
        message: `Could not open the SQLite store at ${this.path}`,
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.database !== undefined && this.accesses.size > 0) await this.flushAccesses();
    // Another connection's reader kept an erase's copies in the log: one last try (closing checkpoints only
    // when this is the file's last connection).
    if (this.walResetPending && this.database !== undefined) this.tryResetWal(this.database);
    await this.connection?.close();
    this.database?.close();
    this.database = undefined;
    this.connection = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The inference queue in the same file, on its own connection (in process memory for `:memory:`). */
  openInferenceQueue(): StoreInferenceQueue {
    const options = { path: this.path, busyTimeoutMs: this.busyTimeoutMs, synchronous: this.synchronous };
    return { queue: createSqliteInferenceQueue(options), durable: this.path !== ':memory:' };
  }

  /** The API keys in the same file, on their own connection. */
  openApiKeyStore(): ApiKeyStore {
    return createSqliteApiKeyStore({
      path: this.path,
      busyTimeoutMs: this.busyTimeoutMs,
      synchronous: this.synchronous,
    });
  }

  private get db(): Database.Database {
    if (this.database === undefined) throw this.notOpen();
    return this.database;
  }

  /** The dialect over the open connection (STORE_CLOSED otherwise). */
  private get sqlite(): SqliteDialect {
    if (this.connection === undefined) throw this.notOpen();
    return this.connection;
  }

  private notOpen(): MnemoError {
    return new MnemoError({
      code: 'STORE_CLOSED',
      message: this.closed ? 'This store was closed.' : 'Call `await store.init()` before using the store.',
    });
  }

  /** Runs a synchronous call; while another process holds the lock, retries it asynchronously (busyTimeoutMs). */
  private async retrying<T>(operation: () => T): Promise<T> {
    try {
      return await retryWhileBusy(operation, { budgetMs: this.busyTimeoutMs });
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /**
   * Runs `work` as one transaction on the store's connection, in its turn among concurrent callers (so no
   * call runs inside another's transaction): BEGIN IMMEDIATE for writes, retried while the file is busy.
   */
  private async transaction<T>(
    mode: 'read' | 'write',
    work: (db: Database.Database, connection: SqlConnection) => T | Promise<T>,
  ): Promise<T> {
    const db = this.db;
    try {
      return await this.sqlite.transaction(mode, async (connection) => work(db, connection));
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /** Runs `fn` as one BEGIN IMMEDIATE transaction, retried while the file is busy. */
  protected async write<T>(
    fn: (db: Database.Database, connection: SqlConnection) => T | Promise<T>,
  ): Promise<T> {
    const result = await this.transaction('write', fn);
    if (this.accesses.size > 0) await this.flushAccesses();
    if (this.walResetPending) this.tryResetWal(this.db);
    return result;
  }

  private read<T>(fn: (db: Database.Database) => T): Promise<T> {
    return this.transaction('read', fn);
  }

  protected get schema(): StoreSchema {
    return {
      dialect: this.sqlite,
      scopes: sqliteScopes,
      messageSelect: sql.raw(MESSAGE_SELECT),
      memorySelect: sql.raw(MEMORY_SELECT),
      historySelect: sql.raw(HISTORY_SELECT),
      messagesWithIds: (ids) => sql.positional(MESSAGE_SELECT_BY_IDS, [JSON.stringify(ids)]),
      memoriesWithIds: (ids) => sql.positional(MEMORY_SELECT_BY_IDS, [JSON.stringify(ids)]),
      visible: async (_connection, alias, scope, access) => {
        const visible = visibleSql(this.db, alias, scope, access);
        return sql.positional(visible.sql, visible.params);
      },
      filter: (filter) => {
        const where = filterSql(filter);
        return sql.positional(where.sql, where.params);
      },
      // Hex hashes are stored as their 32 bytes (store/stored-fields.ts).
      hashIn: (hashes) => sql`m.hash IN (${sql.join(hashes.map(encodeHash))})`,
    };
  }

  protected statements<T>(
    mode: 'read' | 'write' | 'single',
    work: (connection: SqlConnection) => Promise<T>,
  ): Promise<T> {
    return mode === 'read'
      ? this.transaction('read', (_db, connection) => work(connection))
      : this.write((_db, connection) => work(connection));
  }

  /**
   * Runs an erase so that, when it returns, the erased data is in no database file. Deleted rows are zeroed
   * in place (secure_delete), but their earlier versions stay in the write-ahead log until it is reset, and
   * SQLite keeps them there while another connection holds a read transaction whose snapshot may need them.
   * So: first make sure no such reader exists (waiting up to busyTimeoutMs; else STORE_BUSY and nothing is
   * erased), then erase, then checkpoint and truncate the log (waiting again for a reader that began in
   * between; if it outlasts the wait, STORE_BUSY with `details.erased: true`).
   */
  protected async erase<T>(
    erase: (db: Database.Database, connection: SqlConnection) => T | Promise<T>,
  ): Promise<T> {
    await untilNoOtherSnapshot({
      db: this.db,
      budgetMs: this.busyTimeoutMs,
      // One committed frame (the unchanged user_version): see untilNoOtherSnapshot.
      commitFrame: () =>
        this.write((db) =>
          db.pragma(`user_version = ${Number(db.pragma('user_version', { simple: true }))}`),
        ),
    });
    const result = await this.write(erase);
    const blocked = await erasedCopiesLeft(this.db, { budgetMs: this.busyTimeoutMs });
    this.walResetPending = blocked !== undefined;
    if (blocked !== undefined) throw blocked;
    return result;
  }

  /** One attempt, no wait, to empty the log an earlier erase left behind. */
  private tryResetWal(db: Database.Database): void {
    if (tryTruncateWal(db)) this.walResetPending = false;
  }

  async getMemory(input: { scope: Scope; id: string }): Promise<MemoryRecord | undefined> {
    return this.read((db) => {
      const row = rowInScope(db, input.scope, input.id);
      return row === undefined ? undefined : memoryFromRow(row);
    });
  }

  async episodesOfMessages(input: EpisodesOfMessagesInput): Promise<Map<string, MemoryRecord>> {
    return this.read((db) => episodesOfMessagesIn(db, input));
  }

  async getVectors(input: GetVectorsInput): Promise<Map<string, Float32Array>> {
    return this.read((db) => getVectorsIn(db, input));
  }

  async reindexMemory(input: ReindexInput): Promise<void> {
    await this.write((db) => reindexMemoryIn(db, input));
  }

  protected async eraseScope(input: ForgetScopeInput): Promise<{ memories: number; messages: number }> {
    const scope = input.scope;
    return this.erase(async (db, connection) => {
      const partitions = resolvePartitions(db, scope);
      const where = scopeSql('m', partitions, scope);
      const rows = db.prepare(`${MEMORY_SELECT} WHERE ${where.sql}`).all(...where.params) as MemoryRow[];
      const messages = scopeSql('messages', partitions, scope);
      // Counted before the erase: erasing an episode erases its message too.
      const { count } = db
        .prepare(`SELECT COUNT(*) AS count FROM messages WHERE ${messages.sql}`)
        .get(...messages.params) as { count: number };
      await eraseGraphWithinIn(this.schema, connection, scope);
      eraseMemories(db, rows, {});
      const history = scopeSql('history', partitions, scope);
      db.prepare(`DELETE FROM history WHERE ${history.sql}`).run(...history.params);
      db.prepare(`DELETE FROM messages WHERE ${messages.sql}`).run(...messages.params);
      await eraseUsageIn(this.schema, connection, scope);
      await eraseMaintenanceStateIn(this.schema, connection, scope);
      await eraseWorkingEntriesIn(this.schema, connection, scope);
      await eraseAccessIn(this.schema.dialect, connection, scope);
      // The partition rows name the forgotten user or agent: none may outlive its data.
      vectorIndexCacheFor(db).drop(deleteEmptyPartitions(db, partitions));
      return { memories: rows.length, messages: count };
    });
  }

  async purgeExpired(input: { now: number; scope?: Scope | undefined }): Promise<{ purged: number }> {
    const { purged, working } = await this.write(async (db, connection) => {
      const inScope = input.scope === undefined ? undefined : visibleSql(db, 'm', input.scope);
      const rows = db
        .prepare(
          `${MEMORY_SELECT} WHERE m.expires_at IS NOT NULL AND m.expires_at <= ?${inScope ? ` AND ${inScope.sql}` : ''}`,
        )
        .all(input.now, ...(inScope?.params ?? [])) as MemoryRow[];
      await eraseGraphOfMemoriesIn(
        this.schema,
        connection,
        rows.map((row) => row.id),
      );
      eraseMemories(db, rows, { tombstone: { event: 'expire', at: input.now, actor: 'system:ttl' } });
      await purgeExpiredIdempotencyIn(this.sqlite, connection, input.now);
      return {
        purged: rows.length,
        working: await purgeExpiredWorkingEntriesIn(this.schema, connection, input.now),
      };
    });
    // Maintenance, not a request to forget: a reader that keeps the log from being reset delays the last
    // copies to a later write or close instead of failing the purge.
    if (purged + working > 0 && !(await truncateWal(this.db, { budgetMs: this.busyTimeoutMs })))
      this.walResetPending = true;
    return { purged };
  }

  /**
   * Rebuilds the file with `VACUUM` (it shrinks; erased bytes were zeroed already by secure_delete) and
   * empties the write-ahead log. `full` changes nothing here: SQLite's VACUUM always rewrites.
   */
  async vacuum(_input: { full?: boolean | undefined } = {}): Promise<VacuumReport> {
    const db = this.db;
    try {
      await this.sqlite.exec('VACUUM');
    } catch (error) {
      throw toStoreError(error);
    }
    if (!(await truncateWal(db, { budgetMs: this.busyTimeoutMs }))) this.walResetPending = true;
    const tables = db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
      )
      .all() as Array<{ name: string }>;
    return { tables: tables.map((table) => table.name), rewritten: true };
  }

  /**
   * Access counts are bookkeeping of a read: a search must not wait for (or fail on) another process's
   * write lock because of them. One attempt, no wait; while the file is locked the bumps are kept (up to
   * MAX_PENDING_ACCESSES ids) and written with this store's next write.
   */
  async recordAccess(input: { scope: Scope; ids: string[]; at: number }): Promise<void> {
    if (input.ids.length === 0) return;
    this.accesses.add(input);
    await this.flushAccesses();
  }

  private async flushAccesses(): Promise<void> {
    const db = this.db;
    await this.accesses.flush((work) => this.sqlite.attempt('write', async () => work(db)));
  }

  async searchLexical(input: LexicalInput): Promise<LexicalHit[]> {
    return this.read((db) => searchLexicalIn(db, input));
  }

  async searchVector(input: VectorInput): Promise<VectorHit[]> {
    return this.read((db) => searchVectorIn(db, input));
  }

  async getEmbeddingSpace(): Promise<EmbeddingSpace | undefined> {
    return this.read((db) => readEmbeddingSpace(db));
  }

  async setEmbeddingSpace(input: { space: EmbeddingSpace; replace?: boolean }): Promise<void> {
    await this.write((db) => declareEmbeddingSpace(db, input.space, { replace: input.replace ?? false }));
  }

  async listForReembed(input: { limit: number; cursor?: string }): Promise<Page<ReembedItem>> {
    return this.read((db) => listForReembedIn(db, input));
  }

  async writeEmbeddings(input: {
    items: Array<{ id: string; embedding: Float32Array }>;
    model: string;
  }): Promise<void> {
    await this.write((db) => writeEmbeddingsIn(db, input));
  }

  async getCachedEmbeddings(input: { model: string; hashes: string[] }): Promise<Map<string, Float32Array>> {
    return this.read((db) => readCachedEmbeddings(db, input));
  }

  async putCachedEmbeddings(input: {
    model: string;
    entries: Array<{ hash: string; embedding: Float32Array }>;
  }): Promise<void> {
    // A cache, filled while reading too (a search embeds its query): one attempt, no wait, so another
    // process's write lock never delays or fails a read for it; a skipped entry is stored when next missed.
    const db = this.db;
    try {
      await this.sqlite.attempt('write', async () => writeCachedEmbeddings(db, input));
    } catch (error) {
      if (!isBusyError(error)) throw toStoreError(error);
    }
  }

  async stats(input: { scope?: Scope } = {}): Promise<StoreStats> {
    return this.read((db) => {
      const scoped = (alias: string): { sql: string; params: unknown[] } =>
        input.scope === undefined
          ? { sql: '1', params: [] }
          : scopeSql(alias, resolvePartitions(db, input.scope), input.scope);
      const m = scoped('m');
      const g = scoped('g');
      const count = (sql: string, params: unknown[]): number =>
        (db.prepare(sql).get(...params) as { n: number }).n;
      const space = readEmbeddingSpace(db);
      return {
        memories: count(`SELECT COUNT(*) AS n FROM memories m WHERE ${m.sql}`, m.params),
        currentMemories: count(
          `SELECT COUNT(*) AS n FROM memories m WHERE ${m.sql} AND m.retired_at IS NULL`,
          m.params,
        ),
        messages: count(`SELECT COUNT(*) AS n FROM messages g WHERE ${g.sql}`, g.params),
        sizeBytes: fileSize(this.path) + fileSize(`${this.path}-wal`),
        schemaVersion: latestSchemaVersion,
        ...(space === undefined ? {} : { embeddingSpace: space }),
      };
    });
  }

  dump(input: { scope?: Scope; includeEmbeddings?: boolean } = {}): AsyncIterable<StoreDumpRow> {
    const rows = dumpRows(
      (work) => this.read(work),
      input,
      (rows) => this.historyEntries(rows),
    );
    return withSharingRows(() => this.schema.dialect, input.scope, rows);
  }

  async restore(input: { rows: StoreDumpRow[] }): Promise<RestoreCounts> {
    return this.write((db) => restoreIn(this.rows, this.schema, db, input.rows));
  }

  // --- one add, one transaction (sqlite-turns.ts) ---

  async nextMessageSeq(input: { scope: Scope }): Promise<number> {
    return this.read((db) => nextMessageSeqIn(db, input.scope));
  }

  async listOrphanMessages(input: { limit: number; cursor?: string }): Promise<Page<Message>> {
    return this.read((db) => listOrphanMessagesIn(db, input));
  }
}

/**
 * Creates a SQLite store without touching the disk; `await store.init()` opens and migrates it.
 *
 * @example
 * const store = createSqliteStore({ path: '/tmp/mnemo.db' });
 * await store.init();
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options);
}

/**
 * Creates and initialises a SQLite store.
 *
 * @example
 * await using store = await openSqliteStore({ path: '/tmp/mnemo.db' });
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const store = createSqliteStore(options);
  await store.init();
  return store;
}
