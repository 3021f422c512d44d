// The PostgreSQL ApiKeyStore: table `api_keys` in the memory store's schema (default `mnemo`).
import pg from 'pg';
import { MnemoError } from '../../core/errors.js';
import { uuidV7 } from '../../core/ids.js';
import { parseInput } from '../../core/validate.js';
import { quoteIdentifier } from '../../store/postgres/postgres-migrations.js';
import {
  type ApiKeyRecord,
  type ApiKeyRole,
  type ApiKeyStore,
  apiKeyCreateSchema,
  generateApiKey,
  hashApiKey,
  unknownKey,
} from './api-key-store.js';
import { type KeyRow, recordFromRow } from './sqlite-api-key-store.js';

const COLUMNS = 'id, tenant_id, role, name, created_at, last_used_at, revoked_at';

/**
 * API keys in PostgreSQL, beside the memories (same schema), versioned by `api_key_migrations`.
 *
 * @example
 * const keys = new PostgresApiKeyStore({ connection: 'postgres://postgres@127.0.0.1/mnemo' });
 * await keys.init();
 */
export class PostgresApiKeyStore implements ApiKeyStore {
  readonly provider = 'postgres' as const;
  private pool: pg.Pool | undefined;
  private readonly table: string;
  private readonly schema: string;

  constructor(private readonly options: { connection: string; schema?: string }) {
    this.schema = options.schema ?? 'mnemo';
    this.table = `${quoteIdentifier(this.schema)}.api_keys`;
  }

  async init(): Promise<void> {
    if (this.pool !== undefined) return;
    const pool = new pg.Pool({ connectionString: this.options.connection, max: 4 });
    try {
      await migrate(pool, this.schema);
    } catch (error) {
      await pool.end();
      throw new MnemoError({
        code: 'MIGRATION_FAILED',
        message: `Could not prepare ${this.table}: ${(error as Error).message}`,
        cause: error,
      });
    }
    this.pool = pool;
  }

  async create(input: { tenantId: string; role: ApiKeyRole; name?: string }) {
    const parsed = parseInput(apiKeyCreateSchema, input, 'API key');
    const key = generateApiKey();
    const result = await this.open().query<KeyRow>(
      `INSERT INTO ${this.table} (id, key_hash, tenant_id, role, name, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [uuidV7(), hashApiKey(key), parsed.tenantId, parsed.role, parsed.name ?? null, Date.now()],
    );
    return { record: recordFromRow(result.rows[0]!), key };
  }

  async list(): Promise<ApiKeyRecord[]> {
    const result = await this.open().query<KeyRow>(
      `SELECT ${COLUMNS} FROM ${this.table} ORDER BY created_at DESC, id DESC`,
    );
    return result.rows.map(recordFromRow);
  }

  async findByKey(key: string): Promise<ApiKeyRecord | undefined> {
    const result = await this.open().query<KeyRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE key_hash = $1`,
      [hashApiKey(key)],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : recordFromRow(row);
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    const result = await this.open().query<KeyRow>(
      `UPDATE ${this.table} SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING ${COLUMNS}`,
      [Date.now(), id],
    );
    const row = result.rows[0];
    if (row === undefined) throw unknownKey(id);
    return recordFromRow(row);
  }

  async touch(input: { id: string; at: number }): Promise<{ recorded: boolean }> {
    await this.open().query(`UPDATE ${this.table} SET last_used_at = $1 WHERE id = $2`, [input.at, input.id]);
    return { recorded: true };
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private open(): pg.Pool {
    if (this.pool === undefined) {
      throw new MnemoError({
        code: 'STORE_CLOSED',
        message: 'The API key store is not open; call init() first.',
      });
    }
    return this.pool;
  }
}

async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const quoted = quoteIdentifier(schema);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`mnemo:api-keys:${schema}`]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.api_key_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`);
      const current = await client.query<{ version: number | null }>(
        `SELECT MAX(version) AS version FROM ${quoted}.api_key_migrations`,
      );
      if ((current.rows[0]?.version ?? 0) < 1) {
        await client.query('BEGIN');
        await client.query(`CREATE TABLE ${quoted}.api_keys (
          id text PRIMARY KEY,
          key_hash text NOT NULL UNIQUE,
          tenant_id text NOT NULL,
          role text NOT NULL CHECK (role IN ('read', 'write', 'admin')),
          name text,
          created_at bigint NOT NULL,
          last_used_at bigint,
          revoked_at bigint)`);
        await client.query(`CREATE INDEX api_keys_tenant ON ${quoted}.api_keys (tenant_id)`);
        await client.query(
          `INSERT INTO ${quoted}.api_key_migrations (version, name, applied_at) VALUES (1, 'api-keys', $1)`,
          [Date.now()],
        );
        await client.query('COMMIT');
      }
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`mnemo:api-keys:${schema}`]);
    }
  } finally {
    client.release();
  }
}
