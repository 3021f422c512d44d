// The SQLite MemoryStore: better-sqlite3 in WAL mode, FTS5 BM25, sqlite-vec cosine KNN, scope-first partitions.
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { MnemoError, notFound } from '../../core/errors.js';
import type {
  HistoryEntry,
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
  LexicalHit,
  MemoryFilter,
  MemoryStore,
  MemoryWrite,
  NewMessage,
  ReembedItem,
  StoreCapabilities,
  StoreDumpRow,
  StoreStats,
  VectorHit,
} from '../memory-store.js';
import { latestSchemaVersion, runMigrations } from './migrations/index.js';
import { dumpRows, restoreRows } from './sqlite-dump.js';
import {
  listForReembedIn,
  readCachedEmbeddings,
  writeCachedEmbeddings,
  writeEmbeddingsIn,
} from './sqlite-embeddings.js';
import { eraseMemories, insertHistory, insertMemoryRow, supersessionChain } from './sqlite-memory-writes.js';
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
  ensurePartition,
  filterSql,
  type HistoryRow,
  historyFromRow,
  MEMORY_SELECT,
  type MemoryRow,
  type MessageRow,
  memoryFromRow,
  messageFromRow,
  resolvePartitions,
  scopeSql,
  visibleSql,
} from './sqlite-rows.js';
import { type LexicalInput, searchLexicalIn, searchVectorIn, type VectorInput } from './sqlite-search.js';
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
  /** How long SQLite itself waits for a lock before reporting busy (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Retries of a busy write transaction, with jittered backoff (default 8). */
  maxBusyRetries?: number;
  /** The in-memory vector index used for large partitions (see vector-index.ts); defaults suit most uses. */
  vectorIndex?: VectorIndexCacheOptions;
}

const MESSAGE_SELECT =
  'SELECT g.*, p.tenant_id, p.user_id, p.agent_id FROM messages g JOIN partitions p ON p.id = g.partition_id';
const HISTORY_SELECT =
  'SELECT h.*, p.tenant_id, p.user_id, p.agent_id FROM history h JOIN partitions p ON p.id = h.partition_id';
const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED']);

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
  private readonly busyTimeoutMs: number;
  private readonly maxBusyRetries: number;
  private readonly vectorIndex: VectorIndexCacheOptions | undefined;
  private database: Database.Database | undefined;
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    this.path = options.path;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.maxBusyRetries = options.maxBusyRetries ?? 8;
    this.vectorIndex = options.vectorIndex;
  }

  async init(): Promise<void> {
    if (this.database !== undefined) return;
    if (this.closed)
      throw new MnemoError({ code: 'STORE_CLOSED', message: 'This store was closed; open a new one.' });
    try {
      const db = new Database(this.path);
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(this.busyTimeoutMs))}`);
      sqliteVec.load(db);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('secure_delete = ON');
      db.pragma('foreign_keys = ON');
      vectorIndexCacheFor(db, this.vectorIndex);
      this.database = db;
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

  private async retrying<T>(operation: () => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return operation();
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code !== 'string' || !BUSY_CODES.has(code)) throw toStoreError(error);
        if (attempt >= this.maxBusyRetries) {
          throw new MnemoError({
            code: 'STORE_BUSY',
            message: `The database ${this.path} stayed locked after ${attempt + 1} attempts; retry later or raise busyTimeoutMs.`,
            cause: error,
          });
        }
        await sleep(Math.min(1000, 10 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  }

  /** Runs `fn` as one BEGIN IMMEDIATE transaction, retried while the file is busy. */
  private write<T>(fn: (db: Database.Database) => T): Promise<T> {
    const db = this.db;
    return this.retrying(() => db.transaction(() => fn(db)).immediate());
  }

  private read<T>(fn: (db: Database.Database) => T): Promise<T> {
    const db = this.db;
    return this.retrying(() => db.transaction(() => fn(db)).deferred());
  }

  private checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async appendMessages(input: { messages: NewMessage[] }): Promise<Message[]> {
    return this.write((db) => {
      const nextSeq = db.prepare(
        'SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM messages WHERE partition_id = ? AND session_id = ?',
      );
      const insert = db.prepare(
        `INSERT INTO messages (id, partition_id, session_id, seq, role, name, content, observed_at, metadata, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      return input.messages.map((message) => {
        const partition = ensurePartition(db, message.scope);
        const session = message.scope.sessionId ?? '';
        const { seq } = nextSeq.get(partition, session) as { seq: number };
        insert.run(
          message.id,
          partition,
          session,
          seq,
          message.role,
          message.name ?? null,
          message.content,
          message.observedAt,
          JSON.stringify(message.metadata),
          message.createdAt,
        );
        return messageFromRow(db.prepare(`${MESSAGE_SELECT} WHERE g.id = ?`).get(message.id) as MessageRow);
      });
    });
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
        .all(...scope.params, ...filter.params, ...input.hashes) as MemoryRow[];
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
    const forgottenIds = await this.write((db) => {
      const row = rowInScope(db, input.scope, input.id, 'write');
      if (row === undefined) throw notFound('Memory', input.id);
      const chain = supersessionChain(db, row);
      eraseMemories(db, chain, { tombstone: { event: 'forget', at: input.at, actor: input.actor } });
      return chain.map((item) => item.id);
    });
    this.checkpoint();
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
    const counts = await this.write((db) => {
      const where = scopeSql('m', resolvePartitions(db, scope), scope);
      const rows = db.prepare(`${MEMORY_SELECT} WHERE ${where.sql}`).all(...where.params) as MemoryRow[];
      eraseMemories(db, rows, {});
      const history = scopeSql('history', resolvePartitions(db, scope), scope);
      db.prepare(`DELETE FROM history WHERE ${history.sql}`).run(...history.params);
      const messages = scopeSql('messages', resolvePartitions(db, scope), scope);
      const deleted = db.prepare(`DELETE FROM messages WHERE ${messages.sql}`).run(...messages.params);
      const usage = scopeSql('usage_totals', resolvePartitions(db, scope), scope);
      db.prepare(`DELETE FROM usage_totals WHERE ${usage.sql}`).run(...usage.params);
      eraseWorkingEntriesIn(db, scope);
      return { memories: rows.length, messages: deleted.changes };
    });
    this.checkpoint();
    return counts;
  }

  async listHistory(input: { scope: Scope; memoryId: string }): Promise<HistoryEntry[]> {
    return this.read((db) => {
      const scope = visibleSql(db, 'h', input.scope);
      const rows = db
        .prepare(`${HISTORY_SELECT} WHERE h.memory_id = ? AND ${scope.sql} ORDER BY h.at, h.rid`)
        .all(input.memoryId, ...scope.params) as HistoryRow[];
      return rows.map(historyFromRow);
    });
  }

  async purgeExpired(input: { now: number }): Promise<{ purged: number }> {
    const { purged, working } = await this.write((db) => {
      const rows = db
        .prepare(`${MEMORY_SELECT} WHERE m.expires_at IS NOT NULL AND m.expires_at <= ?`)
        .all(input.now) as MemoryRow[];
      eraseMemories(db, rows, { tombstone: { event: 'expire', at: input.now, actor: 'system:ttl' } });
      return { purged: rows.length, working: purgeExpiredWorkingEntriesIn(db, input.now) };
    });
    if (purged + working > 0) this.checkpoint();
    return { purged };
  }

  async recordAccess(input: { scope: Scope; ids: string[]; at: number }): Promise<void> {
    await this.write((db) => {
      const update = db.prepare(
        'UPDATE memories SET access_count = access_count + 1, last_accessed_at = ? WHERE rid = ?',
      );
      for (const id of input.ids) {
        const row = rowInScope(db, input.scope, id);
        if (row !== undefined) update.run(input.at, row.rid);
      }
    });
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
    await this.write((db) => writeCachedEmbeddings(db, input));
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
