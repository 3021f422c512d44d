// The SQLite ApiKeyStore: table `api_keys` in the memories' database file, versioned by `api_key_migrations`.
import Database from 'better-sqlite3';
import { MnemoError } from '../../core/errors.js';
import { uuidV7 } from '../../core/ids.js';
import { parseInput } from '../../core/validate.js';
import {
  configureConnection,
  DEFAULT_BUSY_BUDGET_MS,
  retryWhileBusy,
  type SqliteSynchronous,
} from '../../store/sqlite/sqlite-busy.js';
import {
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
  name: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

const migrations: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'api-keys',
    sql: `CREATE TABLE api_keys (
      id TEXT PRIMARY KEY,
      key_hash TEXT NOT NULL UNIQUE,
      tenant_id TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('read', 'write', 'admin')),
      name TEXT,
      created_at INTEGER NOT NULL,
      last_used_at INTEGER,
      revoked_at INTEGER
    );
    CREATE INDEX api_keys_tenant ON api_keys (tenant_id);`,
  },
];

const COLUMNS = 'id, tenant_id, role, name, created_at, last_used_at, revoked_at';

/**
 * API keys in a SQLite file (its own connection, WAL). A call that meets another process's lock is retried
 * asynchronously for up to `busyTimeoutMs` (default 5000), never blocking the event loop.
 *
 * @example
 * const keys = new SqliteApiKeyStore({ path: './mnemo.db' });
 * await keys.init();
 */
export class SqliteApiKeyStore implements ApiKeyStore {
  readonly provider = 'sqlite' as const;
  private db: Database.Database | undefined;

  private readonly budgetMs: number;

  constructor(
    private readonly options: { path: string; busyTimeoutMs?: number; synchronous?: SqliteSynchronous },
  ) {
    this.budgetMs = Math.max(0, options.busyTimeoutMs ?? DEFAULT_BUSY_BUDGET_MS);
  }

  async init(): Promise<void> {
    if (this.db !== undefined) return;
    const db = new Database(this.options.path);
    try {
      await this.retrying(() => configureConnection(db, { synchronous: this.options.synchronous }));
      await this.retrying(() => migrate(db));
    } catch (error) {
      db.close();
      if (error instanceof MnemoError) throw error;
      throw new MnemoError({
        code: 'MIGRATION_FAILED',
        message: `Could not prepare the api_keys table in ${this.options.path}: ${(error as Error).message}`,
        cause: error,
      });
    }
    this.db = db;
  }

  async create(input: { tenantId: string; role: ApiKeyRole; name?: string }) {
    const parsed = parseInput(apiKeyCreateSchema, input, 'API key');
    const key = generateApiKey();
    const id = uuidV7();
    const now = Date.now();
    await this.retrying(() =>
      this.open()
        .prepare(
          'INSERT INTO api_keys (id, key_hash, tenant_id, role, name, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(id, hashApiKey(key), parsed.tenantId, parsed.role, parsed.name ?? null, now),
    );
    return { record: await this.retrying(() => this.get(id)), key };
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.retrying(
      () =>
        this.open()
          .prepare(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC`)
          .all() as KeyRow[],
    );
    return rows.map(recordFromRow);
  }

  async findByKey(key: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.retrying(
      () =>
        this.open().prepare(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = ?`).get(hashApiKey(key)) as
          | KeyRow
          | undefined,
    );
    return row === undefined ? undefined : recordFromRow(row);
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    const result = await this.retrying(() =>
      this.open()
        .prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?')
        .run(Date.now(), id),
    );
    if (result.changes === 0) throw unknownKey(id);
    return this.retrying(() => this.get(id));
  }

  async touch(input: { id: string; at: number }): Promise<{ recorded: boolean }> {
    try {
      await this.retrying(() =>
        this.open().prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(input.at, input.id),
      );
      return { recorded: true };
    } catch (error) {
      // Bookkeeping only: a database locked for the whole wait skips this use; the next one records it.
      if (error instanceof MnemoError && error.code === 'STORE_BUSY') return { recorded: false };
      throw error;
    }
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private get(id: string): ApiKeyRecord {
    const row = this.open().prepare(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`).get(id) as
      | KeyRow
      | undefined;
    if (row === undefined) throw unknownKey(id);
    return recordFromRow(row);
  }

  private retrying<T>(operation: () => T): Promise<T> {
    return retryWhileBusy(operation, { budgetMs: this.budgetMs });
  }

  private open(): Database.Database {
    if (this.db === undefined) {
      throw new MnemoError({
        code: 'STORE_CLOSED',
        message: 'The API key store is not open; call init() first.',
      });
    }
    return this.db;
  }
}

function migrate(db: Database.Database): void {
  const apply = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS api_key_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    const row = db.prepare('SELECT MAX(version) AS version FROM api_key_migrations').get() as {
      version: number | null;
    };
    const current = row.version ?? 0;
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO api_key_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
    }
  });
  apply.immediate();
}

/** Maps a row (SQLite or PostgreSQL, times as epoch ms) to the public record. */
export function recordFromRow(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    role: row.role as ApiKeyRole,
    name: row.name ?? undefined,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    lastUsedAt: row.last_used_at === null ? undefined : new Date(Number(row.last_used_at)).toISOString(),
    revokedAt: row.revoked_at === null ? undefined : new Date(Number(row.revoked_at)).toISOString(),
  };
}

export type { KeyRow };
