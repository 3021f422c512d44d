// The PostgreSQL dialect: a pg Pool, `$n` placeholders, reads on the pool, writes in BEGIN/COMMIT retried on
// serialization failures and deadlocks, advisory transaction locks, tables in the store's schema.
import pg from 'pg';
import type { Dialect, SqlConnection, SqlRunResult, TransactionMode } from '../sql/dialect.js';
import type { MigrationPlan } from '../sql/migrator.js';
import { compileSql, type SqlFragment, sql } from '../sql/sql.js';
import { postgresMigrationPlan, quoteIdentifier } from './postgres-migrations.js';
import { inTransaction } from './postgres-transaction.js';

export interface PostgresDialectOptions {
  /** A connection string (`postgres://…`), or an existing pool (which the dialect will not end). */
  connection: string | pg.Pool;
  /** The schema holding Mnemo's tables (default `mnemo`). */
  schema?: string | undefined;
  /** Pool size when the dialect creates the pool (default 10). */
  maxConnections?: number;
  /** Attempts for a write transaction that hits a serialization failure or deadlock (default 5). */
  maxRetries?: number;
}

const placeholder = (index: number) => `$${index}`;

/**
 * Statements through the seam on a pool (each its own transaction) or on a transaction's client.
 *
 * @example
 * await connectionOf(client).run(sql`DELETE FROM ${table} WHERE id = ${id}`);
 */
export function connectionOf(client: pg.Pool | pg.PoolClient): SqlConnection {
  const query = <Row>(fragment: SqlFragment) => {
    const compiled = compileSql(fragment, placeholder);
    return client.query(compiled.text, compiled.values) as Promise<pg.QueryResult & { rows: Row[] }>;
  };
  return {
    all: async <Row>(fragment: SqlFragment) => (await query<Row>(fragment)).rows,
    get: async <Row>(fragment: SqlFragment) => (await query<Row>(fragment)).rows[0],
    run: async (fragment: SqlFragment): Promise<SqlRunResult> => ({
      changes: (await query(fragment)).rowCount ?? 0,
    }),
    exec: async (script: string) => {
      await client.query(script);
    },
  };
}

/**
 * Mnemo's SQL on a PostgreSQL pool (created from a URL, or the caller's).
 *
 * @example
 * const dialect = createPostgresDialect({ connection: 'postgres://postgres@127.0.0.1/mnemo', schema: 'mnemo' });
 * const rows = await dialect.all(sql`SELECT id FROM ${dialect.table('api_keys')}`);
 */
export class PostgresDialect implements Dialect {
  readonly name = 'postgres' as const;
  readonly schema: string;
  readonly pool: pg.Pool;
  readonly migrations: MigrationPlan;
  private readonly ownsPool: boolean;
  private readonly maxRetries: number;
  private readonly onPool: SqlConnection;
  private readonly quotedSchema: string;

  constructor(options: PostgresDialectOptions) {
    this.schema = options.schema ?? 'mnemo';
    this.quotedSchema = quoteIdentifier(this.schema);
    this.ownsPool = typeof options.connection === 'string';
    this.pool =
      typeof options.connection === 'string'
        ? new pg.Pool({ connectionString: options.connection, max: options.maxConnections ?? 10 })
        : options.connection;
    this.maxRetries = options.maxRetries ?? 5;
    this.onPool = connectionOf(this.pool);
    this.migrations = postgresMigrationPlan(this.schema);
  }

  all<Row>(query: SqlFragment): Promise<Row[]> {
    return this.onPool.all<Row>(query);
  }

  get<Row>(query: SqlFragment): Promise<Row | undefined> {
    return this.onPool.get<Row>(query);
  }

  run(query: SqlFragment): Promise<SqlRunResult> {
    return this.onPool.run(query);
  }

  exec(script: string): Promise<void> {
    return this.onPool.exec(script);
  }

  transaction<T>(mode: TransactionMode, work: (connection: SqlConnection) => Promise<T>): Promise<T> {
    // A read is single statements on the pool, as before the seam: no BEGIN round trip.
    if (mode === 'read') return work(this.onPool);
    return inTransaction(this.pool, (client) => work(connectionOf(client)), this.maxRetries);
  }

  table(name: string): SqlFragment {
    return sql.raw(`${this.quotedSchema}.${name}`);
  }

  anyOf(column: SqlFragment, values: readonly string[]): SqlFragment {
    return sql`${column} = ANY(${values}::text[])`;
  }

  binaryOrder(column: SqlFragment): SqlFragment {
    return sql`${column} COLLATE "C"`;
  }

  jsonText(column: SqlFragment): SqlFragment {
    return sql`${column}::text`;
  }

  async lock(connection: SqlConnection, key: string): Promise<void> {
    await connection.get(sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`);
  }

  async eraseCopies(): Promise<void> {
    // Erased rows are dead tuples until VACUUM (MemoryStore.vacuum): nothing to wait for here.
  }

  async close(): Promise<void> {
    if (this.ownsPool && !this.pool.ended) await this.pool.end();
  }
}

/**
 * Creates a PostgreSQL dialect; no I/O until its first query.
 *
 * @example
 * const dialect = createPostgresDialect({ connection: pool, schema: 'mnemo' });
 */
export function createPostgresDialect(options: PostgresDialectOptions): PostgresDialect {
  return new PostgresDialect(options);
}
