// The inference queue on SQLite: one table in the store's database file, behind its own versioned migration.
import Database from 'better-sqlite3';
import { MnemoError } from '../../../core/errors.js';
import type { Message } from '../../../core/records.js';
import type { Scope } from '../../../core/scope.js';
import type { BatchPolicy, InferenceQueue, ReadyBatch } from '../inference-queue.js';

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
];

interface QueueRow {
  message_id: string;
  scope_json: string;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
}

/**
 * Creates the SQLite inference queue on a database file (usually the store's own file; WAL lets both
 * connections work side by side). No I/O until `init()`.
 *
 * @example
 * await using queue = createSqliteInferenceQueue({ path: '/tmp/mnemo.db' });
 * await queue.init();
 */
export function createSqliteInferenceQueue(options: {
  path: string;
  busyTimeoutMs?: number;
}): InferenceQueue {
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
  const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');
  return {
    async init() {
      if (db !== undefined) return;
      const connection = new Database(options.path);
      connection.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5_000}`);
      connection.pragma('journal_mode = WAL');
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
        connection.transaction(() => {
          connection.exec(migration.sql);
          connection
            .prepare('INSERT INTO infer_queue_migrations (version, applied_at) VALUES (?, ?)')
            .run(migration.version, Date.now());
        })();
      }
      db = connection;
    },
    close,
    [Symbol.asyncDispose]: close,
    async enqueue({ messages, at }: { messages: Message[]; at: number }) {
      const insert = open().prepare(
        `INSERT OR IGNORE INTO infer_queue (message_id, scope_key, scope_json, seq, enqueued_at, status)
         VALUES (?, ?, ?, ?, ?, 'pending')`,
      );
      open().transaction(() => {
        for (const message of messages) {
          const scopeJson = JSON.stringify(message.scope);
          insert.run(message.id, scopeJson, scopeJson, message.seq, at);
        }
      })();
    },
    async ready({
      now,
      policy,
      limit,
    }: {
      now: number;
      policy: BatchPolicy;
      limit: number;
    }): Promise<ReadyBatch[]> {
      const groups = open()
        .prepare(
          `SELECT scope_key, MIN(enqueued_at) AS oldest, COUNT(*) AS pending FROM infer_queue
           WHERE status = 'pending' GROUP BY scope_key
           HAVING COUNT(*) >= ? OR MIN(enqueued_at) <= ? ORDER BY oldest LIMIT ?`,
        )
        .all(policy.minBatch, now - policy.maxWaitMs, limit) as Array<{ scope_key: string }>;
      const select = open().prepare(
        `SELECT message_id FROM infer_queue WHERE status = 'pending' AND scope_key = ? ORDER BY seq LIMIT ?`,
      );
      return groups.map((group) => ({
        scope: JSON.parse(group.scope_key) as Scope,
        messageIds: (select.all(group.scope_key, policy.maxBatch) as Array<{ message_id: string }>).map(
          (row) => row.message_id,
        ),
      }));
    },
    async complete({ messageIds }: { messageIds: string[] }) {
      if (messageIds.length === 0) return;
      open()
        .prepare(`DELETE FROM infer_queue WHERE message_id IN (${placeholders(messageIds.length)})`)
        .run(...messageIds);
    },
    async fail({ messageIds, error, at }) {
      if (messageIds.length === 0) return;
      open()
        .prepare(
          `UPDATE infer_queue SET status = 'failed', attempts = attempts + 1, error_code = ?, error_message = ?,
           failed_at = ? WHERE message_id IN (${placeholders(messageIds.length)})`,
        )
        .run(error.code, error.message.slice(0, 2_000), at, ...messageIds);
    },
    async listFailed({ limit }: { limit: number }) {
      const rows = open()
        .prepare(`SELECT * FROM infer_queue WHERE status = 'failed' ORDER BY failed_at, seq LIMIT ?`)
        .all(limit) as QueueRow[];
      return rows.map((row) => ({
        messageId: row.message_id,
        scope: JSON.parse(row.scope_json) as Scope,
        code: row.error_code ?? 'INTERNAL',
        error: row.error_message ?? '',
        attempts: row.attempts,
      }));
    },
    async retry({ messageIds }: { messageIds: string[] }) {
      if (messageIds.length === 0) return;
      open()
        .prepare(
          `UPDATE infer_queue SET status = 'pending' WHERE status = 'failed' AND message_id IN (${placeholders(messageIds.length)})`,
        )
        .run(...messageIds);
    },
    async counts() {
      const rows = open()
        .prepare('SELECT status, COUNT(*) AS count FROM infer_queue GROUP BY status')
        .all() as Array<{
        status: string;
        count: number;
      }>;
      const count = (status: string) => rows.find((row) => row.status === status)?.count ?? 0;
      return { pending: count('pending'), failed: count('failed') };
    },
  };
}
