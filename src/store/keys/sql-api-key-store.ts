// The ApiKeyStore, written once over the Dialect seam: table `api_keys` beside the memories (the SQLite
// file, the PostgreSQL schema), migrated by the one migrator (component `keys`).
import type pg from 'pg';
import { MnemoError } from '../../core/errors.js';
import { uuidV7 } from '../../core/ids.js';
import { parseInput } from '../../core/validate.js';
import type { Dialect } from '../sql/dialect.js';
import { migrate } from '../sql/migrator.js';
import { sql } from '../sql/sql.js';
import type { SqliteSynchronous } from '../sqlite/sqlite-busy.js';
import {
  type ApiKeyCreateInput,
  type ApiKeyRecord,
  type ApiKeyRole,
  type ApiKeyStore,
  apiKeyCreateSchema,
  generateApiKey,
  hashApiKey,
  unknownKey,
} from './api-key-store.js';

interface KeyRow {
  id: string;
  tenant_id: string;
  role: string;
  user_id: string;
  agent_id: string;
  space_id: string;
  name: string | null;
  created_at: number | string;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
}

const COLUMNS = sql.raw(
  'id, tenant_id, role, user_id, agent_id, space_id, name, created_at, last_used_at, revoked_at',
);

/** Maps a row (times as epoch ms; PostgreSQL's bigints arrive as strings) to the public record. */
function recordFromRow(row: KeyRow): ApiKeyRecord {
  const iso = (value: number | string | null) =>
    value === null ? undefined : new Date(Number(value)).toISOString();
  return {
    id: row.id,
    tenantId: row.tenant_id,
    role: row.role as ApiKeyRole,
    userId: row.user_id === '' ? undefined : row.user_id,
    agentId: row.agent_id === '' ? undefined : row.agent_id,
    spaceId: row.space_id === '' ? undefined : row.space_id,
    name: row.name ?? undefined,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}

export interface SqlApiKeyStoreOptions {
  /** `sqlite`, `postgres`, … */
  provider: string;
  /** Opens the dialect (called by `init()`). */
  open: () => Promise<Dialect>;
  /** Where the keys live, for error messages (a path, or a schema's table). */
  location: string;
}

/**
 * API keys over a dialect. A SQLite call that meets another process's lock is retried asynchronously for
 * up to the dialect's busy budget, never blocking the event loop.
 *
 * @example
 * const keys = new SqlApiKeyStore({ provider: 'sqlite', open: () => openSqliteDialect({ path }), location: path });
 * await keys.init();
 */
export class SqlApiKeyStore implements ApiKeyStore {
  readonly provider: string;
  private dialect: Dialect | undefined;

  constructor(private readonly options: SqlApiKeyStoreOptions) {
    this.provider = options.provider;
  }

  async init(): Promise<void> {
    if (this.dialect !== undefined) return;
    let dialect: Dialect | undefined;
    try {
      dialect = await this.options.open();
      await migrate({ dialect, plan: dialect.migrations, components: ['keys'] });
    } catch (error) {
      await dialect?.close();
      if (error instanceof MnemoError) throw error;
      throw new MnemoError({
        code: 'MIGRATION_FAILED',
        message: `Could not prepare the api_keys table in ${this.options.location}: ${(error as Error).message}`,
        cause: error,
      });
    }
    this.dialect = dialect;
  }

  async create(input: ApiKeyCreateInput) {
    const parsed = parseInput(apiKeyCreateSchema, input, 'API key');
    if (parsed.spaceId !== undefined && (parsed.userId !== undefined || parsed.agentId !== undefined)) {
      throw new MnemoError({
        code: 'INVALID_INPUT',
        message:
          'A key is bound to a space, or to a user and/or agent, not both: bind it to the agent and grant the agent the space.',
      });
    }
    const key = generateApiKey();
    const dialect = this.open();
    const row = await dialect.get<KeyRow>(
      sql`INSERT INTO ${dialect.table('api_keys')}
            (id, key_hash, tenant_id, role, user_id, agent_id, space_id, name, created_at)
          VALUES (${uuidV7()}, ${hashApiKey(key)}, ${parsed.tenantId}, ${parsed.role}, ${parsed.userId ?? ''},
            ${parsed.agentId ?? ''}, ${parsed.spaceId ?? ''}, ${parsed.name ?? null}, ${Date.now()})
          RETURNING ${COLUMNS}`,
    );
    return { record: recordFromRow(row!), key };
  }

  async list(): Promise<ApiKeyRecord[]> {
    const dialect = this.open();
    const rows = await dialect.all<KeyRow>(
      sql`SELECT ${COLUMNS} FROM ${dialect.table('api_keys')} ORDER BY created_at DESC, id DESC`,
    );
    return rows.map(recordFromRow);
  }

  async findByKey(key: string): Promise<ApiKeyRecord | undefined> {
    const dialect = this.open();
    const row = await dialect.get<KeyRow>(
      sql`SELECT ${COLUMNS} FROM ${dialect.table('api_keys')} WHERE key_hash = ${hashApiKey(key)}`,
    );
    return row === undefined ? undefined : recordFromRow(row);
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    const dialect = this.open();
    const row = await dialect.get<KeyRow>(
      sql`UPDATE ${dialect.table('api_keys')} SET revoked_at = COALESCE(revoked_at, ${Date.now()}) WHERE id = ${id}
          RETURNING ${COLUMNS}`,
    );
    if (row === undefined) throw unknownKey(id);
    return recordFromRow(row);
  }

  async touch(input: { id: string; at: number }): Promise<{ recorded: boolean }> {
    const dialect = this.open();
    try {
      await dialect.run(
        sql`UPDATE ${dialect.table('api_keys')} SET last_used_at = ${input.at} WHERE id = ${input.id}`,
      );
      return { recorded: true };
    } catch (error) {
      // Bookkeeping only: a database locked for the whole wait skips this use; the next one records it.
      if (error instanceof MnemoError && error.code === 'STORE_BUSY') return { recorded: false };
      throw error;
    }
  }

  async close(): Promise<void> {
    const dialect = this.dialect;
    this.dialect = undefined;
    await dialect?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private open(): Dialect {
    if (this.dialect === undefined) {
      throw new MnemoError({
        code: 'STORE_CLOSED',
        message: 'The API key store is not open; call init() first.',
      });
    }
    return this.dialect;
  }
}

/**
 * API keys in a SQLite file (usually the store's), on their own connection. No I/O until `init()`.
 *
 * @example
 * const keys = createSqliteApiKeyStore({ path: './mnemo.db' });
 * await keys.init();
 */
export function createSqliteApiKeyStore(options: {
  path: string;
  busyTimeoutMs?: number | undefined;
  synchronous?: SqliteSynchronous | undefined;
}): SqlApiKeyStore {
  return new SqlApiKeyStore({
    provider: 'sqlite',
    location: options.path,
    open: async () => (await import('../sqlite/sqlite-dialect.js')).openSqliteDialect(options),
  });
}

/**
 * API keys in PostgreSQL, beside the memories (same schema, default `mnemo`), on a small pool of their own
 * (a connection string) or the store's (a pool, never ended by the keys).
 *
 * @example
 * const keys = createPostgresApiKeyStore({ connection: 'postgres://postgres@127.0.0.1/mnemo' });
 * await keys.init();
 */
export function createPostgresApiKeyStore(options: {
  connection: string | pg.Pool;
  schema?: string | undefined;
}): SqlApiKeyStore {
  const schema = options.schema ?? 'mnemo';
  return new SqlApiKeyStore({
    provider: 'postgres',
    location: `schema ${schema}`,
    open: async () =>
      (await import('../postgres/postgres-dialect.js')).createPostgresDialect({
        connection: options.connection,
        schema,
        maxConnections: 4,
      }),
  });
}
