// The inference queue on SQLite: tables in the store's database file, behind their own versioned migrations.
import Database from 'better-sqlite3';
import { MnemoError } from '../../../core/errors.js';
import type { Scope } from '../../../core/scope.js';
import { scopeOfRow } from '../../../store/row-mapping.js';
import {
  configureConnection,
  DEFAULT_BUSY_BUDGET_MS,
  eraseBlocked,
  retryWhileBusy,
  type SqliteSynchronous,
  truncateWal,
  walBlocker,
} from '../../../store/sqlite/sqlite-busy.js';
import {
  DEFAULT_CLAIM_LEASE_MS,
  type FailedInference,
  type InferenceQueue,
  type SessionActivity,
} from '../inference-queue.js';

const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `CREATE TABLE infer_queue (
      message_id TEXT PRIMARY KEY,
      scope_key TEXT NOT NULL,
      scope_json TEXT NOT NULL,
      seq INTEGER NOT NULL,
      enqueued_at INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      error_code TEXT,
      error_message TEXT,
      failed_at INTEGER
    );
    CREATE INDEX infer_queue_pending ON infer_queue (status, scope_key, seq);`,
  },
  {
    // Scope columns (filters by scope prefix), claims, and session activity for automatic summaries.
    version: 2,
    sql: `CREATE TABLE infer_queue_v2 (
      message_id TEXT PRIMARY KEY,
      tenant_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      agent_id TEXT NOT NULL,
      session_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      enqueued_at INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      error_code TEXT,
      error_message TEXT,
      failed_at INTEGER,
      claimed_at INTEGER
    );
    INSERT INTO infer_queue_v2 (message_id, tenant_id, user_id, agent_id, session_id, seq, enqueued_at, status,
      attempts, error_code, error_message, failed_at)
    SELECT message_id, json_extract(scope_json, '$.tenantId'), COALESCE(json_extract(scope_json, '$.userId'), ''),
      COALESCE(json_extract(scope_json, '$.agentId'), ''), COALESCE(json_extract(scope_json, '$.sessionId'), ''),
      seq, enqueued_at, status, attempts, error_code, error_message, failed_at
    FROM infer_queue;
    DROP TABLE infer_queue;
    ALTER TABLE infer_queue_v2 RENAME TO infer_queue;
    CREATE INDEX infer_queue_status_scope ON infer_queue (status, tenant_id, user_id, agent_id, session_id, seq);
    CREATE TABLE infer_sessions (
      tenant_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      agent_id TEXT NOT NULL,
      session_id TEXT NOT NULL,
      tokens INTEGER NOT NULL,
      last_at INTEGER NOT NULL,
      PRIMARY KEY (tenant_id, user_id, agent_id, session_id)
    ) WITHOUT ROWID;
    CREATE INDEX infer_sessions_idle ON infer_sessions (last_at);`,
  },
];

const SCOPE_COLUMNS = 'tenant_id, user_id, agent_id, session_id';

interface ScopeRow {
  tenant_id: string;
  user_id: string;
  agent_id: string;
  session_id: string;
}

interface FailedRow extends ScopeRow {
  message_id: string;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  failed_at: number | null;
}

function columnsOf(scope: Scope): [string, string, string, string] {
  return [scope.tenantId, scope.userId ?? '', scope.agentId ?? '', scope.sessionId ?? ''];
}

/** `tenant_id = ? AND …` for every level the scope names (`1` without a scope). */
function scopeWhere(scope: Scope | undefined): { sql: string; params: string[] } {
  if (scope === undefined) return { sql: '1', params: [] };
  const clauses = ['tenant_id = ?'];
  const params = [scope.tenantId];
  for (const [column, value] of [
    ['user_id', scope.userId],
    ['agent_id', scope.agentId],
    ['session_id', scope.sessionId],
  ] as const) {
    if (value === undefined) continue;
    clauses.push(`${column} = ?`);
    params.push(value);
  }
  return { sql: clauses.join(' AND '), params };
}

const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

/**
 * Creates the SQLite inference queue on a database file (usually the store's own file; WAL lets both
 * connections work side by side). `:memory:` gives a queue that lives as long as the process. No I/O
 * until `init()`.
 *
 * @example
 * await using queue = createSqliteInferenceQueue({ path: '/tmp/mnemo.db' });
 * await queue.init();
 */
export function createSqliteInferenceQueue(options: {
  path: string;
  /** Total wait for a lock held by another process, retried asynchronously (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Commit durability, as the store's (default `normal`). */
  synchronous?: SqliteSynchronous;
}): InferenceQueue {
  const budgetMs = Math.max(0, options.busyTimeoutMs ?? DEFAULT_BUSY_BUDGET_MS);
  let db: Database.Database | undefined;
  const open = (): Database.Database => {
    if (db === undefined) {
      throw new MnemoError({
        code: 'STORE_CLOSED',
        message: 'The inference queue is not open; call init() first.',
      });
    }
    return db;
  };
  const close = async () => {
    db?.close();
    db = undefined;
  };
  const write = <T>(work: (connection: Database.Database) => T): Promise<T> => {
    const connection = open();
    return retryWhileBusy(() => connection.transaction(() => work(connection)).immediate(), { budgetMs });
  };
  const read = <T>(work: (connection: Database.Database) => T): Promise<T> => {
    const connection = open();
    return retryWhileBusy(() => work(connection), { budgetMs });
  };
  return {
    provider: 'sqlite',
    async init() {
      if (db !== undefined) return;
      const connection = new Database(options.path);
      try {
        const wal = options.path !== ':memory:';
        await retryWhileBusy(
          () => configureConnection(connection, { wal, synchronous: options.synchronous }),
          {
            budgetMs,
          },
        );
        await retryWhileBusy(() => migrate(connection), { budgetMs });
      } catch (error) {
        connection.close();
        if (error instanceof MnemoError) throw error;
        throw new MnemoError({
          code: 'MIGRATION_FAILED',
          message: `Could not prepare the inference queue in ${options.path}: ${(error as Error).message}`,
          cause: error,
        });
      }
      db = connection;
    },
    close,
    [Symbol.asyncDispose]: close,
    async enqueue({ messages, at }) {
      await write((connection) => {
        const insert = connection.prepare(
          `INSERT OR IGNORE INTO infer_queue (message_id, ${SCOPE_COLUMNS}, seq, enqueued_at, status)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')`,
        );
        for (const message of messages) insert.run(message.id, ...columnsOf(message.scope), message.seq, at);
      });
    },
    async claim({ now, policy, limit, scope, leaseMs }) {
      return write((connection) => {
        connection
          .prepare(
            `UPDATE infer_queue SET status = 'pending', claimed_at = NULL WHERE status = 'running' AND claimed_at <= ?`,
          )
          .run(now - (leaseMs ?? DEFAULT_CLAIM_LEASE_MS));
        const where = scopeWhere(scope);
        const groups = connection
          .prepare(
            `SELECT ${SCOPE_COLUMNS}, MIN(CASE WHEN status = 'pending' THEN enqueued_at END) AS oldest
             FROM infer_queue WHERE status IN ('pending', 'running') AND ${where.sql}
             GROUP BY ${SCOPE_COLUMNS}
             HAVING SUM(status = 'running') = 0 AND (COUNT(*) >= ? OR MIN(enqueued_at) <= ?)
             ORDER BY oldest LIMIT ?`,
          )
          .all(...where.params, policy.minBatch, now - policy.maxWaitMs, limit) as ScopeRow[];
        const select = connection.prepare(
          `SELECT message_id FROM infer_queue WHERE status = 'pending' AND tenant_id = ? AND user_id = ?
           AND agent_id = ? AND session_id = ? ORDER BY seq LIMIT ?`,
        );
        return groups.map((group) => {
          const messageIds = (
            select.all(
              group.tenant_id,
              group.user_id,
              group.agent_id,
              group.session_id,
              policy.maxBatch,
            ) as Array<{ message_id: string }>
          ).map((row) => row.message_id);
          connection
            .prepare(
              `UPDATE infer_queue SET status = 'running', claimed_at = ? WHERE message_id IN (${placeholders(messageIds.length)})`,
            )
            .run(now, ...messageIds);
          return { scope: scopeOfRow(group), messageIds };
        });
      });
    },
    async complete({ messageIds }) {
      if (messageIds.length === 0) return;
      await write((connection) =>
        connection
          .prepare(`DELETE FROM infer_queue WHERE message_id IN (${placeholders(messageIds.length)})`)
          .run(...messageIds),
      );
    },
    async fail({ messageIds, error, at }) {
      if (messageIds.length === 0) return;
      await write((connection) =>
        connection
          .prepare(
            `UPDATE infer_queue SET status = 'failed', attempts = attempts + 1, error_code = ?, error_message = ?,
             failed_at = ?, claimed_at = NULL WHERE message_id IN (${placeholders(messageIds.length)})`,
          )
          .run(error.code, error.message.slice(0, 2_000), at, ...messageIds),
      );
    },
    async recordFailure({ messages, error, at }) {
      await write((connection) => {
        const upsert = connection.prepare(
          `INSERT INTO infer_queue (message_id, ${SCOPE_COLUMNS}, seq, enqueued_at, status, attempts, error_code,
             error_message, failed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'failed', 1, ?, ?, ?)
           ON CONFLICT (message_id) DO UPDATE SET status = 'failed', attempts = attempts + 1,
             error_code = excluded.error_code, error_message = excluded.error_message,
             failed_at = excluded.failed_at, claimed_at = NULL`,
        );
        for (const message of messages) {
          upsert.run(
            message.id,
            ...columnsOf(message.scope),
            message.seq,
            at,
            error.code,
            error.message.slice(0, 2_000),
            at,
          );
        }
      });
    },
    async release({ messageIds }) {
      if (messageIds.length === 0) return;
      await write((connection) =>
        connection
          .prepare(
            `UPDATE infer_queue SET status = 'pending', claimed_at = NULL
             WHERE status = 'running' AND message_id IN (${placeholders(messageIds.length)})`,
          )
          .run(...messageIds),
      );
    },
    async listFailed({ limit, scope, messageIds }): Promise<FailedInference[]> {
      if (messageIds !== undefined && messageIds.length === 0) return [];
      const where = scopeWhere(scope);
      const ids =
        messageIds === undefined
          ? { sql: '', params: [] }
          : { sql: ` AND message_id IN (${placeholders(messageIds.length)})`, params: messageIds };
      const rows = await read(
        (connection) =>
          connection
            .prepare(
              `SELECT * FROM infer_queue WHERE status = 'failed' AND ${where.sql}${ids.sql}
               ORDER BY failed_at, tenant_id, user_id, agent_id, session_id, seq LIMIT ?`,
            )
            .all(...where.params, ...ids.params, limit) as FailedRow[],
      );
      return rows.map((row) => ({
        messageId: row.message_id,
        scope: scopeOfRow(row),
        code: row.error_code ?? 'INTERNAL',
        message: row.error_message ?? '',
        attempts: row.attempts,
        failedAt: row.failed_at ?? 0,
      }));
    },
    async retry({ messageIds }) {
      if (messageIds.length === 0) return;
      await write((connection) =>
        connection
          .prepare(
            `UPDATE infer_queue SET status = 'pending' WHERE status = 'failed' AND message_id IN (${placeholders(messageIds.length)})`,
          )
          .run(...messageIds),
      );
    },
    async counts(input = {}) {
      const where = scopeWhere(input.scope);
      const rows = await read(
        (connection) =>
          connection
            .prepare(`SELECT status, COUNT(*) AS count FROM infer_queue WHERE ${where.sql} GROUP BY status`)
            .all(...where.params) as Array<{ status: string; count: number }>,
      );
      const count = (status: string) => rows.find((row) => row.status === status)?.count ?? 0;
      return { pending: count('pending') + count('running'), failed: count('failed') };
    },
    async noteSessionActivity({ scope, at, tokens }): Promise<SessionActivity> {
      return write((connection) => {
        const row = connection
          .prepare(
            `INSERT INTO infer_sessions (${SCOPE_COLUMNS}, tokens, last_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (${SCOPE_COLUMNS}) DO UPDATE SET tokens = tokens + excluded.tokens,
               last_at = MAX(last_at, excluded.last_at)
             RETURNING tokens, last_at`,
          )
          .get(...columnsOf(scope), tokens, at) as { tokens: number; last_at: number };
        return { scope, tokens: row.tokens, lastAt: row.last_at };
      });
    },
    async idleSessions({ idleSince, limit, scope }) {
      const where = scopeWhere(scope);
      const rows = await read(
        (connection) =>
          connection
            .prepare(
              `SELECT * FROM infer_sessions WHERE tokens > 0 AND last_at <= ? AND ${where.sql} ORDER BY last_at LIMIT ?`,
            )
            .all(idleSince, ...where.params, limit) as Array<ScopeRow & { tokens: number; last_at: number }>,
      );
      return rows.map((row) => ({ scope: scopeOfRow(row), tokens: row.tokens, lastAt: row.last_at }));
    },
    async settleSession({ scope, tokens }) {
      await write((connection) => {
        const key = columnsOf(scope);
        const match = 'tenant_id = ? AND user_id = ? AND agent_id = ? AND session_id = ?';
        connection
          .prepare(`UPDATE infer_sessions SET tokens = MAX(0, tokens - ?) WHERE ${match}`)
          .run(tokens, ...key);
        connection.prepare(`DELETE FROM infer_sessions WHERE tokens = 0 AND ${match}`).run(...key);
      });
    },
    async discardScope({ scope }) {
      await write((connection) => {
        const where = scopeWhere(scope);
        connection.prepare(`DELETE FROM infer_queue WHERE ${where.sql}`).run(...where.params);
        connection.prepare(`DELETE FROM infer_sessions WHERE ${where.sql}`).run(...where.params);
      });
      // The rows name the forgotten scope: like the store's erase, leave no copy of them in the log.
      const started = performance.now();
      if (!(await truncateWal(open(), { budgetMs }))) {
        throw eraseBlocked({
          erased: true,
          blocker: walBlocker(open()),
          waitedMs: performance.now() - started,
        });
      }
    },
  };
}

function migrate(connection: Database.Database): void {
  connection
    .transaction(() => {
      connection.exec(
        'CREATE TABLE IF NOT EXISTS infer_queue_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
      );
      const applied = new Set(
        (
          connection.prepare('SELECT version FROM infer_queue_migrations').all() as Array<{ version: number }>
        ).map((row) => row.version),
      );
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        connection.exec(migration.sql);
        connection
          .prepare('INSERT INTO infer_queue_migrations (version, applied_at) VALUES (?, ?)')
          .run(migration.version, Date.now());
      }
    })
    .immediate();
}
