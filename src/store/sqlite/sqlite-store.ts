// The SQLite MemoryStore: better-sqlite3 in WAL mode, FTS5 BM25, sqlite-vec cosine KNN, scope-first partitions.
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
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
import type { Scope } from '../../core/scope.js';
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
import { encodeHash } from '../stored-fields.js';
import { latestSchemaVersion, runMigrations } from './migrations/index.js';
import {
  configureConnection,
  DEFAULT_BUSY_BUDGET_MS,
  eraseBlocked,
  isBusyError,
  retryWhileBusy,
  type SqliteSynchronous,
  truncateWal,
  walBlocker,
} from './sqlite-busy.js';
import { dumpRows, restoreRows } from './sqlite-dump.js';
import {
  listForReembedIn,
  readCachedEmbeddings,
  writeCachedEmbeddings,
  writeEmbeddingsIn,
} from './sqlite-embeddings.js';
import { addBaseLookup, historyEntryOf } from './sqlite-history.js';
import {
  deleteEmptyPartitions,
  eraseMemories,
  insertHistory,
  insertMemoryRow,
  supersessionChain,
} from './sqlite-memory-writes.js';
import {
  type EpisodesOfMessagesInput,
  episodesOfMessagesIn,
  type GetVectorsInput,
  getVectorsIn,
  type ReindexInput,
  reindexMemoryIn,
} from './sqlite-reindex.js';
import {
  type InvalidateInput,
  invalidateInTransaction,
  type PatchInput,
  patchInTransaction,
  rowInScope,
  type SupersedeInput,
  supersedeInTransaction,
} from './sqlite-revisions.js';
import {
  filterSql,
  type HistoryRow,
  MEMORY_SELECT,
  type MemoryRow,
  type MessageRow,
  memoryFromRow,
  messageFromRow,
  prepared,
  resolvePartitions,
  scopeSql,
  visibleSql,
} from './sqlite-rows.js';
import { type LexicalInput, searchLexicalIn, searchVectorIn, type VectorInput } from './sqlite-search.js';
import {
  appendTurnsIn,
  idempotencyRecordIn,
  listOrphanMessagesIn,
  logMessageIn,
  markOrphanScanDoneIn,
  needsOrphanScanIn,
  nextMessageSeqIn,
  purgeExpiredIdempotencyIn,
  updateIdempotencyResultIn,
} from './sqlite-turns.js';
import { readUsageIn, recordUsageIn } from './sqlite-usage.js';
import { declareEmbeddingSpace, readEmbeddingSpace } from './sqlite-vectors.js';
import {
  deleteWorkingEntriesIn,
  eraseWorkingEntriesIn,
  listWorkingEntriesIn,
  purgeExpiredWorkingEntriesIn,
  type SetWorkingEntryInput,
  setWorkingEntryIn,
} from './sqlite-working-memory.js';
import { type VectorIndexCacheOptions, vectorIndexCacheFor } from './vector-index.js';

export interface SqliteStoreOptions {
  /** Database file path. */
  path: string;
  /**
   * The total time a call waits for a lock held by another process before it fails with STORE_BUSY
   * (default 5000 ms). The wait is asynchronous: SQLite's own busy_timeout is 0 and Mnemo retries with a
   * backoff between attempts, so the event loop keeps serving while it waits. Forgetting waits up to this
   * long for other connections' read transactions to end (see forgetMemory).
   */
  busyTimeoutMs?: number;
  /**
   * `normal` (default): in WAL mode a commit survives a crash of the process, and a power loss or OS crash
   * can lose the last commits but never corrupts the file. `full`: every commit is fsynced before it
   * returns, so it survives power loss too, at the cost of one fsync per write.
   */
  synchronous?: SqliteSynchronous;
  /** The in-memory vector index used for large partitions (see vector-index.ts); defaults suit most uses. */
  vectorIndex?: VectorIndexCacheOptions;
}

/** Access-count bumps kept while the file is locked; beyond this the oldest are dropped (counts only). */
const MAX_PENDING_ACCESSES = 10_000;

const MESSAGE_SELECT =
  'SELECT g.*, p.tenant_id, p.user_id, p.agent_id FROM messages g JOIN partitions p ON p.id = g.partition_id';
const HISTORY_SELECT =
  'SELECT h.*, p.tenant_id, p.user_id, p.agent_id FROM history h JOIN partitions p ON p.id = h.partition_id';

export class SqliteStore implements MemoryStore {
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
  private closed = false;
  /** An erase committed but another reader kept the log from being reset: retried after later writes. */
  private walResetPending = false;
  /** Access-count bumps that met another process's write lock (see recordAccess). */
  private pendingAccesses: Array<{ scope: Scope; ids: string[]; at: number }> = [];

  constructor(options: SqliteStoreOptions) {
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
      await this.retrying(() => runMigrations(db));
    } catch (error) {
      this.database?.close();
      this.database = undefined;
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
    if (this.database !== undefined && this.pendingAccesses.length > 0) this.flushAccesses(this.database);
    // Another connection's reader kept an erase's copies in the log: one last try (closing checkpoints only
    // when this is the file's last connection).
    if (this.walResetPending && this.database !== undefined) this.tryResetWal(this.database);
    this.database?.close();
    this.database = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private get db(): Database.Database {
    if (this.database === undefined) {
      throw new MnemoError({
        code: 'STORE_CLOSED',
        message: this.closed ? 'This store was closed.' : 'Call `await store.init()` before using the store.',
      });
    }
    return this.database;
  }

  /** Runs a synchronous call; while another process holds the lock, retries it asynchronously (busyTimeoutMs). */
  private async retrying<T>(operation: () => T): Promise<T> {
    try {
      return await retryWhileBusy(operation, { budgetMs: this.busyTimeoutMs });
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /** Runs `fn` as one BEGIN IMMEDIATE transaction, retried while the file is busy. */
  private async write<T>(fn: (db: Database.Database) => T): Promise<T> {
    const db = this.db;
    const result = await this.retrying(() => db.transaction(() => fn(db)).immediate());
    if (this.pendingAccesses.length > 0) this.flushAccesses(db);
    if (this.walResetPending) this.tryResetWal(db);
    return result;
  }

  private read<T>(fn: (db: Database.Database) => T): Promise<T> {
    const db = this.db;
    return this.retrying(() => db.transaction(() => fn(db)).deferred());
  }

  /**
   * Runs an erase so that, when it returns, the erased data is in no database file. Deleted rows are zeroed
   * in place (secure_delete), but their earlier versions stay in the write-ahead log until it is reset, and
   * SQLite keeps them there while another connection holds a read transaction whose snapshot may need them.
   * So: first make sure no such reader exists (waiting up to busyTimeoutMs; else STORE_BUSY and nothing is
   * erased), then erase, then checkpoint and truncate the log (waiting again for a reader that began in
   * between; if it outlasts the wait, STORE_BUSY with `details.erased: true`).
   */
  private async erasing<T>(erase: (db: Database.Database) => T): Promise<T> {
    await this.untilNoOtherSnapshot();
    const result = await this.write(erase);
    const started = performance.now();
    if (!(await truncateWal(this.db, { budgetMs: this.busyTimeoutMs }))) {
      this.walResetPending = true;
      throw eraseBlocked({
        erased: true,
        blocker: walBlocker(this.db),
        waitedMs: performance.now() - started,
      });
    }
    this.walResetPending = false;
    return result;
  }

  /**
   * Waits until no other connection holds a read transaction. A log whose every frame is already in the
   * database file lets a checkpoint finish beside a reader of the file, so first commit one frame (the
   * unchanged user_version): the truncating checkpoint then succeeds only when no snapshot is open.
   */
  private async untilNoOtherSnapshot(): Promise<void> {
    const started = performance.now();
    try {
      await this.write((db) =>
        db.pragma(`user_version = ${Number(db.pragma('user_version', { simple: true }))}`),
      );
    } catch (error) {
      if (error instanceof MnemoError && error.code === 'STORE_BUSY')
        throw eraseBlocked({
          erased: false,
          blocker: 'writer',
          waitedMs: performance.now() - started,
          cause: error,
        });
      throw error;
    }
    if (!(await truncateWal(this.db, { budgetMs: this.busyTimeoutMs }))) {
      throw eraseBlocked({
        erased: false,
        blocker: walBlocker(this.db),
        waitedMs: performance.now() - started,
      });
    }
  }

  /** One attempt, no wait, to empty the log an earlier erase left behind. */
  private tryResetWal(db: Database.Database): void {
    try {
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      if (result?.busy === 0) this.walResetPending = false;
    } catch (error) {
      if (!isBusyError(error)) throw toStoreError(error);
    }
  }

  async appendMessages(input: { messages: NewMessage[] }): Promise<Message[]> {
    return this.write((db) => input.messages.map((message) => logMessageIn(db, message)));
  }

  async getMessages(input: { scope: Scope; ids: string[] }): Promise<Message[]> {
    return this.read((db) => {
      const scope = scopeSql('g', resolvePartitions(db, input.scope), input.scope);
      const statement = db.prepare(`${MESSAGE_SELECT} WHERE g.id = ? AND ${scope.sql}`);
      return input.ids.flatMap((id) => {
        const row = statement.get(id, ...scope.params) as MessageRow | undefined;
        return row === undefined ? [] : [messageFromRow(row)];
      });
    });
  }

  async listMessages(input: {
    scope: Scope;
    fromSeq?: number;
    toSeq?: number;
    limit: number;
    cursor?: string;
  }): Promise<Page<Message>> {
    return this.read((db) => {
      const scope = scopeSql('g', resolvePartitions(db, input.scope), input.scope);
      const clauses = [scope.sql];
      const params = [...scope.params];
      if (input.fromSeq !== undefined) clauses.push('g.seq >= ?') && params.push(input.fromSeq);
      if (input.toSeq !== undefined) clauses.push('g.seq <= ?') && params.push(input.toSeq);
      if (input.cursor !== undefined) {
        clauses.push('(g.seq, g.observed_at, g.id) > (?, ?, ?)');
        params.push(...decodeCursor(input.cursor, 3));
      }
      const rows = db
        .prepare(
          `${MESSAGE_SELECT} WHERE ${clauses.join(' AND ')} ORDER BY g.seq, g.observed_at, g.id LIMIT ?`,
        )
        .all(...params, input.limit + 1) as MessageRow[];
      const items = rows.slice(0, input.limit);
      const last = items[items.length - 1];
      return {
        items: items.map(messageFromRow),
        ...(rows.length > input.limit && last !== undefined
          ? { nextCursor: encodeCursor([last.seq, last.observed_at, last.id]) }
          : {}),
      };
    });
  }

  async insertMemories(input: { memories: MemoryWrite[]; actor: string; at: number }): Promise<void> {
    await this.write((db) => {
      for (const write of input.memories) {
        insertMemoryRow(db, write);
        insertHistory(db, {
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
    return this.read((db) => {
      const row = rowInScope(db, input.scope, input.id);
      return row === undefined ? undefined : memoryFromRow(row);
    });
  }

  async getMemories(input: { scope: Scope; ids: string[] }): Promise<MemoryRecord[]> {
    return this.read((db) =>
      input.ids.flatMap((id) => {
        const row = rowInScope(db, input.scope, id);
        return row === undefined ? [] : [memoryFromRow(row)];
      }),
    );
  }

  async listMemories(input: {
    scope: Scope;
    filter: MemoryFilter;
    limit: number;
    cursor?: string;
    order?: 'asc' | 'desc';
  }): Promise<Page<MemoryRecord>> {
    return this.read((db) => {
      const scope = visibleSql(db, 'm', input.scope);
      const filter = filterSql(input.filter);
      const descending = (input.order ?? 'desc') === 'desc';
      const clauses = [scope.sql, filter.sql];
      const params = [...scope.params, ...filter.params];
      if (input.cursor !== undefined) {
        clauses.push(`(m.observed_at, m.id) ${descending ? '<' : '>'} (?, ?)`);
        params.push(...decodeCursor(input.cursor, 2));
      }
      const direction = descending ? 'DESC' : 'ASC';
      const rows = db
        .prepare(
          `${MEMORY_SELECT} WHERE ${clauses.join(' AND ')} ORDER BY m.observed_at ${direction}, m.id ${direction} LIMIT ?`,
        )
        .all(...params, input.limit + 1) as MemoryRow[];
      const items = rows.slice(0, input.limit);
      const last = items[items.length - 1];
      return {
        items: items.map(memoryFromRow),
        ...(rows.length > input.limit && last !== undefined
          ? { nextCursor: encodeCursor([last.observed_at, last.id]) }
          : {}),
      };
    });
  }

  async findByHash(input: { scope: Scope; hashes: string[]; now: number }): Promise<MemoryRecord[]> {
    if (input.hashes.length === 0) return [];
    return this.read((db) => {
      const scope = visibleSql(db, 'm', input.scope);
      const filter = filterSql({ now: input.now });
      const rows = db
        .prepare(
          `${MEMORY_SELECT} WHERE ${scope.sql} AND ${filter.sql} AND m.hash IN (${input.hashes.map(() => '?').join(', ')})`,
        )
        .all(...scope.params, ...filter.params, ...input.hashes.map(encodeHash)) as MemoryRow[];
      return rows.map(memoryFromRow);
    });
  }

  async supersedeMemory(input: SupersedeInput): Promise<{ previous: MemoryRecord; current: MemoryRecord }> {
    return this.write((db) => supersedeInTransaction(db, input));
  }

  async invalidateMemory(input: InvalidateInput): Promise<MemoryRecord> {
    return this.write((db) => invalidateInTransaction(db, input));
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

  async patchMemory(input: PatchInput): Promise<MemoryRecord> {
    return this.write((db) => patchInTransaction(db, input));
  }

  async forgetMemory(input: {
    scope: Scope;
    id: string;
    at: number;
    actor: string;
  }): Promise<{ forgottenIds: string[] }> {
    const forgottenIds = await this.erasing((db) => {
      const row = rowInScope(db, input.scope, input.id, 'write');
      if (row === undefined) throw notFound('Memory', input.id);
      const chain = supersessionChain(db, row);
      eraseMemories(db, chain, { tombstone: { event: 'forget', at: input.at, actor: input.actor } });
      return chain.map((item) => item.id);
    });
    return { forgottenIds };
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
    return this.erasing((db) => {
      const partitions = resolvePartitions(db, scope);
      const where = scopeSql('m', partitions, scope);
      const rows = db.prepare(`${MEMORY_SELECT} WHERE ${where.sql}`).all(...where.params) as MemoryRow[];
      const messages = scopeSql('messages', partitions, scope);
      // Counted before the erase: erasing an episode erases its message too.
      const { count } = db
        .prepare(`SELECT COUNT(*) AS count FROM messages WHERE ${messages.sql}`)
        .get(...messages.params) as { count: number };
      eraseMemories(db, rows, {});
      const history = scopeSql('history', partitions, scope);
      db.prepare(`DELETE FROM history WHERE ${history.sql}`).run(...history.params);
      db.prepare(`DELETE FROM messages WHERE ${messages.sql}`).run(...messages.params);
      const usage = scopeSql('usage_totals', partitions, scope);
      db.prepare(`DELETE FROM usage_totals WHERE ${usage.sql}`).run(...usage.params);
      eraseWorkingEntriesIn(db, scope);
      // The partition rows name the forgotten user or agent: none may outlive its data.
      vectorIndexCacheFor(db).drop(deleteEmptyPartitions(db, partitions));
      return { memories: rows.length, messages: count };
    });
  }

  async listHistory(input: { scope: Scope; memoryId: string }): Promise<HistoryEntry[]> {
    return this.read((db) => {
      const scope = visibleSql(db, 'h', input.scope);
      const rows = db
        .prepare(`${HISTORY_SELECT} WHERE h.memory_id = ? AND ${scope.sql} ORDER BY h.at, h.rid`)
        .all(input.memoryId, ...scope.params) as Array<HistoryRow & { rid: number }>;
      const lookup = addBaseLookup(db);
      return rows.map((row) => historyEntryOf(row, lookup));
    });
  }

  async purgeExpired(input: { now: number }): Promise<{ purged: number }> {
    const { purged, working } = await this.write((db) => {
      const rows = db
        .prepare(`${MEMORY_SELECT} WHERE m.expires_at IS NOT NULL AND m.expires_at <= ?`)
        .all(input.now) as MemoryRow[];
      eraseMemories(db, rows, { tombstone: { event: 'expire', at: input.now, actor: 'system:ttl' } });
      purgeExpiredIdempotencyIn(db, input.now);
      return { purged: rows.length, working: purgeExpiredWorkingEntriesIn(db, input.now) };
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
  async vacuum(_input: { full?: boolean } = {}): Promise<VacuumReport> {
    const db = this.db;
    await this.retrying(() => db.exec('VACUUM'));
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
    this.pendingAccesses.push(input);
    this.flushAccesses(this.db);
  }

  private flushAccesses(db: Database.Database): void {
    const batch = this.pendingAccesses;
    if (batch.length === 0) return;
    try {
      db.transaction(() => {
        const update = prepared(
          db,
          'UPDATE memories SET access_count = access_count + 1, last_accessed_at = ? WHERE rid = ?',
        );
        for (const access of batch) {
          for (const id of access.ids) {
            const row = rowInScope(db, access.scope, id);
            if (row !== undefined) update.run(access.at, row.rid);
          }
        }
      }).immediate();
      this.pendingAccesses = [];
    } catch (error) {
      if (!isBusyError(error)) throw toStoreError(error);
      let ids = batch.reduce((total, access) => total + access.ids.length, 0);
      while (ids > MAX_PENDING_ACCESSES && batch.length > 1) ids -= batch.shift()?.ids.length ?? 0;
    }
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
      db.transaction(() => writeCachedEmbeddings(db, input)).immediate();
    } catch (error) {
      if (!isBusyError(error)) throw toStoreError(error);
    }
  }

  async setWorkingEntry(input: SetWorkingEntryInput): Promise<WorkingEntry> {
    return this.write((db) => setWorkingEntryIn(db, input));
  }

  async listWorkingEntries(input: { scope: Scope; keys?: string[]; now: number }): Promise<WorkingEntry[]> {
    return this.read((db) => listWorkingEntriesIn(db, input));
  }

  async deleteWorkingEntries(input: {
    scope: Scope;
    keys?: string[];
    now: number;
  }): Promise<{ deleted: number }> {
    return this.write((db) => deleteWorkingEntriesIn(db, input));
  }

  async recordUsage(input: { scope: Scope; usage: Usage; at: number }): Promise<void> {
    await this.write((db) => recordUsageIn(db, input));
  }

  async getUsage(input: { scope: Scope }): Promise<UsageTotals> {
    return this.read((db) => readUsageIn(db, input.scope));
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
    return dumpRows(() => this.db, input);
  }

  async restore(input: {
    rows: StoreDumpRow[];
  }): Promise<{ messages: number; memories: number; history: number }> {
    return this.write((db) => restoreRows(db, input.rows));
  }

  // --- one add, one transaction (sqlite-turns.ts) ---

  async nextMessageSeq(input: { scope: Scope }): Promise<number> {
    return this.read((db) => nextMessageSeqIn(db, input.scope));
  }

  async appendTurns(input: TurnsWrite): Promise<TurnsOutcome> {
    return this.write((db) => appendTurnsIn(db, input));
  }

  async getIdempotencyRecord(input: {
    tenantId: string;
    key: string;
    now: number;
  }): Promise<IdempotencyRecord | undefined> {
    return this.read((db) => idempotencyRecordIn(db, input));
  }

  async updateIdempotencyResult(input: { tenantId: string; key: string; result: JsonValue }): Promise<void> {
    await this.write((db) => updateIdempotencyResultIn(db, input));
  }

  async needsOrphanScan(): Promise<boolean> {
    return this.read((db) => needsOrphanScanIn(db));
  }

  async listOrphanMessages(input: { limit: number; cursor?: string }): Promise<Page<Message>> {
    return this.read((db) => listOrphanMessagesIn(db, input));
  }

  async markOrphanScanDone(): Promise<void> {
    await this.write((db) => markOrphanScanDoneIn(db));
  }
}

/** SQLite driver errors become MnemoErrors: constraint violations are CONFLICT, the rest STORE_FAILED. */
function toStoreError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (error instanceof MnemoError || typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new MnemoError({
      code: 'CONFLICT',
      message: `The write conflicts with stored data: ${message}`,
      cause: error,
    });
  }
  return new MnemoError({
    code: 'STORE_FAILED',
    message: `SQLite failed: ${message}`,
    details: { sqliteCode: code },
    cause: error,
  });
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return 0;
    throw error;
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
