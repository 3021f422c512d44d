// The Dialect seam (after Kysely's Dialect/Driver): what the SQL rules written once in store/sql/ need from
// a database — statements, transactions, and the few places where SQLite and PostgreSQL say things differently.
import type { MigrationPlan } from './migrator.js';
import type { SqlFragment } from './sql.js';

/** What a write statement changed. */
export interface SqlRunResult {
  changes: number;
}

/**
 * Runs compiled statements on one connection (inside a transaction when handed to `transaction`'s work).
 * Numbers that PostgreSQL returns as strings (bigint, count) are the caller's to convert with `Number()`.
 */
export interface SqlConnection {
  /** Every row of a query. */
  all<Row>(query: SqlFragment): Promise<Row[]>;
  /** The first row of a query, if any. */
  get<Row>(query: SqlFragment): Promise<Row | undefined>;
  /** A statement whose rows are not read. */
  run(query: SqlFragment): Promise<SqlRunResult>;
  /** A script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/**
 * `read`: a consistent snapshot where the backend needs one (SQLite BEGIN DEFERRED; PostgreSQL runs reads on
 * the pool, as single statements see a snapshot each). `write`: one all-or-nothing transaction that holds
 * the write lock from its start (SQLite BEGIN IMMEDIATE, retried while another process holds it; PostgreSQL
 * BEGIN, retried on serialization failures and deadlocks).
 */
export type TransactionMode = 'read' | 'write';

/**
 * A database Mnemo's SQL rules run on. Statements run outside a transaction through the dialect itself;
 * inside `transaction(mode, work)` they must go through the connection handed to `work` (a SQLite dialect
 * serialises its one connection, so a statement on the dialect would wait for the transaction to end).
 */
export interface Dialect extends SqlConnection {
  /** `sqlite`, `postgres`, or another backend's name. */
  readonly name: 'sqlite' | 'postgres' | (string & {});
  /** The schema that holds the tables, when the backend has schemas (PostgreSQL). */
  readonly schema: string | undefined;
  /** The backend's migrations, for the one migrator (store/sql/migrator.ts). */
  readonly migrations: MigrationPlan;
  /** Runs `work` in one transaction of `mode`. */
  transaction<T>(mode: TransactionMode, work: (connection: SqlConnection) => Promise<T>): Promise<T>;
  /** A table of Mnemo's, qualified by the schema when there is one. */
  table(name: string): SqlFragment;
  /** `column IN (…)` as SQLite says it, `column = ANY($n::text[])` as PostgreSQL does (one parameter). */
  anyOf(column: SqlFragment, values: readonly string[]): SqlFragment;
  /** Orders by `column` byte by byte (SQLite's BINARY; PostgreSQL `COLLATE "C"`). */
  binaryOrder(column: SqlFragment): SqlFragment;
  /** A JSON column read as its JSON text (SQLite stores text; PostgreSQL `jsonb::text`), for `JSON.parse`. */
  jsonText(column: SqlFragment): SqlFragment;
  /**
   * Serialises the rest of the transaction against others taking the same `key` (PostgreSQL
   * `pg_advisory_xact_lock`). Nothing on SQLite, where a write transaction already holds the file's lock.
   */
  lock(connection: SqlConnection, key: string): Promise<void>;
  /**
   * After an erase committed: makes sure no copy of the erased rows stays in the database files (SQLite
   * resets its write-ahead log, STORE_BUSY with `details.erased: true` when a reader keeps it). Nothing on
   * PostgreSQL, whose vacuum is a maintenance job.
   */
  eraseCopies(): Promise<void>;
  /** Releases what the dialect opened (a pool it created, a file handle). Idempotent. */
  close(): Promise<void>;
}
