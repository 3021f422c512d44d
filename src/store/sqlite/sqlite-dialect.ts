// The SQLite dialect: better-sqlite3 (synchronous underneath), statements prepared once per SQL text,
// transactions serialised on the one connection, BEGIN IMMEDIATE writes retried under the busy policy.
import Database from 'better-sqlite3';
import { MnemoError } from '../../core/errors.js';
import type { Dialect, SqlConnection, SqlRunResult, TransactionMode } from '../sql/dialect.js';
import type { MigrationPlan } from '../sql/migrator.js';
import { compileSql, type SqlFragment, sql } from '../sql/sql.js';
import {
  configureConnection,
  DEFAULT_BUSY_BUDGET_MS,
  erasedCopiesLeft,
  retryWhileBusy,
  type SqliteSynchronous,
} from './sqlite-busy.js';
import { sqliteMigrationPlan } from './sqlite-migrations.js';

/** Statements kept per connection; beyond this the least recently prepared one is dropped. */
const STATEMENT_CACHE_SIZE = 500;

export interface SqliteDialectOptions {
  /** Database file path (`:memory:` for a private in-memory database). */
  path: string;
  /** Total wait for a lock held by another process, retried asynchronously (default 5000 ms). */
  busyTimeoutMs?: number | undefined;
  /** Commit durability (default `normal`). */
  synchronous?: SqliteSynchronous | undefined;
}

/**
 * Mnemo's SQL on a better-sqlite3 connection. Each call runs synchronously once its turn comes: calls and
 * transactions of concurrent async callers queue one after another, so none runs inside another's
 * transaction.
 *
 * @example
 * const dialect = await openSqliteDialect({ path: './mnemo.db' });
 * const row = await dialect.get(sql`SELECT COUNT(*) AS n FROM api_keys`);
 */
export class SqliteDialect implements Dialect {
  readonly name = 'sqlite' as const;
  readonly schema = undefined;
  readonly migrations: MigrationPlan = sqliteMigrationPlan;
  readonly budgetMs: number;
  private database: Database.Database | undefined;
  private readonly owned: boolean;
  private readonly statements = new Map<string, Database.Statement>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly connection: SqlConnection;

  constructor(options: { database: Database.Database; budgetMs: number; owned: boolean }) {
    this.database = options.database;
    this.budgetMs = options.budgetMs;
    this.owned = options.owned;
    this.connection = {
      all: async <Row>(query: SqlFragment) => this.allNow<Row>(query),
      get: async <Row>(query: SqlFragment) => this.getNow<Row>(query),
      run: async (query: SqlFragment) => this.runNow(query),
      exec: async (script: string) => {
        this.db.exec(script);
      },
    };
  }

  /** The open connection (STORE_CLOSED after `close()`). */
  get db(): Database.Database {
    if (this.database === undefined) {
      throw new MnemoError({ code: 'STORE_CLOSED', message: 'The SQLite connection is closed.' });
    }
    return this.database;
  }

  all<Row>(query: SqlFragment): Promise<Row[]> {
    return retryWhileBusy(() => this.serialised(async () => this.allNow<Row>(query)), this);
  }

  get<Row>(query: SqlFragment): Promise<Row | undefined> {
    return retryWhileBusy(() => this.serialised(async () => this.getNow<Row>(query)), this);
  }

  run(query: SqlFragment): Promise<SqlRunResult> {
    return retryWhileBusy(() => this.serialised(async () => this.runNow(query)), this);
  }

  exec(script: string): Promise<void> {
    return retryWhileBusy(
      () =>
        this.serialised(async () => {
          this.db.exec(script);
        }),
      this,
    );
  }

  transaction<T>(mode: TransactionMode, work: (connection: SqlConnection) => Promise<T>): Promise<T> {
    // Each attempt takes its turn on the connection; the waits between attempts leave it to other callers.
    return retryWhileBusy(() => this.serialised(() => this.inTransaction(mode, work)), this);
  }

  /**
   * One attempt, no wait: for bookkeeping that must not delay a read (access counts, the embedding cache).
   * A busy file throws the driver's busy error at once.
   */
  attempt<T>(mode: TransactionMode, work: (connection: SqlConnection) => Promise<T>): Promise<T> {
    return this.serialised(() => this.inTransaction(mode, work));
  }

  table(name: string): SqlFragment {
    return sql.raw(name);
  }

  anyOf(column: SqlFragment, values: readonly string[]): SqlFragment {
    // One JSON-array parameter instead of a `?` per value: static SQL (one cached statement), no limit.
    return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
  }

  binaryOrder(column: SqlFragment): SqlFragment {
    return column;
  }

  jsonText(column: SqlFragment): SqlFragment {
    return column;
  }

  async lock(_connection: SqlConnection, _key: string): Promise<void> {
    // BEGIN IMMEDIATE already holds the only write lock of the file.
  }

  async eraseCopies(): Promise<void> {
    const blocked = await erasedCopiesLeft(this.db, this);
    if (blocked !== undefined) throw blocked;
  }

  async close(): Promise<void> {
    await this.queue;
    this.statements.clear();
    if (this.owned) this.database?.close();
    this.database = undefined;
  }

  /** The statement of `query`, prepared once per SQL text, and the values to run it with. */
  private prepare(query: SqlFragment): { statement: Database.Statement; values: unknown[] } {
    const compiled = compileSql(query, () => '?');
    let statement = this.statements.get(compiled.text);
    if (statement === undefined) {
      statement = this.db.prepare(compiled.text);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
      this.statements.set(compiled.text, statement);
    }
    return { statement, values: compiled.values };
  }

  private allNow<Row>(query: SqlFragment): Row[] {
    const { statement, values } = this.prepare(query);
    return statement.all(...values) as Row[];
  }

  private getNow<Row>(query: SqlFragment): Row | undefined {
    const { statement, values } = this.prepare(query);
    return statement.get(...values) as Row | undefined;
  }

  private runNow(query: SqlFragment): SqlRunResult {
    const { statement, values } = this.prepare(query);
    return { changes: statement.run(...values).changes };
  }

  private async inTransaction<T>(
    mode: TransactionMode,
    work: (connection: SqlConnection) => Promise<T>,
  ): Promise<T> {
    const db = this.db;
    db.prepare(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN DEFERRED').run();
    try {
      const result = await work(this.connection);
      db.prepare('COMMIT').run();
      return result;
    } catch (error) {
      if (db.inTransaction) db.prepare('ROLLBACK').run();
      throw error;
    }
  }

  /** Runs `operation` after every call queued before it (one connection, one caller at a time). */
  private serialised<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    // The queue only orders the calls: each caller gets its own outcome, error included, through `result`.
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/**
 * Opens a SQLite dialect on its own connection: WAL (except `:memory:`), no lock wait inside SQLite, the
 * chosen durability, secure_delete; then the caller runs its migrations.
 *
 * @example
 * const dialect = await openSqliteDialect({ path: './mnemo.db', busyTimeoutMs: 5_000 });
 */
export async function openSqliteDialect(options: SqliteDialectOptions): Promise<SqliteDialect> {
  const budgetMs = Math.max(0, options.busyTimeoutMs ?? DEFAULT_BUSY_BUDGET_MS);
  const database = new Database(options.path);
  try {
    const wal = options.path !== ':memory:';
    await retryWhileBusy(() => configureConnection(database, { wal, synchronous: options.synchronous }), {
      budgetMs,
    });
  } catch (error) {
    database.close();
    throw error;
  }
  return new SqliteDialect({ database, budgetMs, owned: true });
}
