// The inference queue, written once over the Dialect seam: tables `infer_queue` and `infer_sessions` beside
// the store (the SQLite file, the PostgreSQL schema), migrated by the one migrator. Claims take a lock, so
// two workers never share a session (SQLite's write transaction; PostgreSQL's advisory transaction lock).
import { MnemoError } from '../../core/errors.js';
import type { Message } from '../../core/records.js';
import { type Scope, userLevelOf } from '../../core/scope.js';
import type { PostgresDialect } from '../postgres/postgres-dialect.js';
import { scopeOfRow } from '../row-mapping.js';
import type { Dialect, SqlConnection } from '../sql/dialect.js';
import { migrate } from '../sql/migrator.js';
import { scopeColumnsExact, scopeColumnsWithin } from '../sql/scope-storage.js';
import { type SqlFragment, sql } from '../sql/sql.js';
import { DEFAULT_CLAIM_LEASE_MS, type FailedInference, type InferenceQueue } from './inference-queue.js';

const SCOPE_COLUMNS = sql.raw('tenant_id, user_id, agent_id, session_id');
/** Rows per multi-row INSERT (well under SQLite's limit on bound parameters). */
const ROWS_PER_INSERT = 500;

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
  failed_at: number | string | null;
}

function columnsOf(scope: Scope): [string, string, string, string] {
  return [scope.tenantId, userLevelOf(scope) ?? '', scope.agentId ?? '', scope.sessionId ?? ''];
}

/** The levels the scope names (true without a scope). */
function scopeWhere(scope: Scope | undefined): SqlFragment {
  return scope === undefined ? sql`1 = 1` : scopeColumnsWithin(scope);
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += ROWS_PER_INSERT)
    out.push(items.slice(index, index + ROWS_PER_INSERT));
  return out;
}

/** Runs one statement per chunk: alone when there is one (no BEGIN round trip), else in one transaction. */
async function runChunked<T>(dialect: Dialect, items: readonly T[], statement: (chunk: T[]) => SqlFragment) {
  const parts = chunks(items).map(statement);
  if (parts.length === 1) await dialect.run(parts[0]!);
  else
    await dialect.transaction('write', async (connection) => {
      for (const part of parts) await connection.run(part);
    });
}

export interface SqlInferenceQueueOptions {
  /** `sqlite`, `postgres`, … (the queue's `provider`). */
  provider: string;
  /** Opens the dialect the queue runs on (called by `init()`). */
  open: () => Promise<Dialect>;
  /** Closes it (called by `close()`): the queue's own connection, never the store's pool. */
  release: (dialect: Dialect) => Promise<void>;
  /** Wraps a failure to open or migrate (e.g. with the file's path). */
  openFailed?: (error: unknown) => unknown;
}

/**
 * Creates the inference queue over a dialect. No I/O until `init()`, which opens and migrates (component
 * `queue` of the one migrator).
 *
 * @example
 * const queue = createSqlInferenceQueue({ provider: 'sqlite', open: () => openSqliteDialect({ path }), release: (d) => d.close() });
 * await queue.init();
 */
export function createSqlInferenceQueue(options: SqlInferenceQueueOptions): InferenceQueue {
  let current: Dialect | undefined;
  const dialect = (): Dialect => {
    if (current === undefined) {
      throw new MnemoError({
        code: 'STORE_CLOSED',
        message: 'The inference queue is not open; call init() first.',
      });
    }
    return current;
  };
  const queue = () => dialect().table('infer_queue');
  const sessions = () => dialect().table('infer_sessions');
  const close = async () => {
    const open = current;
    current = undefined;
    if (open !== undefined) await options.release(open);
  };
  const claimGroup = async (connection: SqlConnection, group: ScopeRow, now: number, maxBatch: number) => {
    const rows = await connection.all<{ message_id: string; seq: number }>(
      sql`UPDATE ${queue()} SET status = 'running', claimed_at = ${now} WHERE message_id IN (
           SELECT message_id FROM ${queue()} WHERE status = 'pending' AND ${scopeColumnsExact(scopeOfRow(group))}
           ORDER BY seq LIMIT ${maxBatch})
         RETURNING message_id, seq`,
    );
    rows.sort((left, right) => left.seq - right.seq);
    return { scope: scopeOfRow(group), messageIds: rows.map((row) => row.message_id) };
  };

  return {
    provider: options.provider,
    async init() {
      if (current !== undefined) return;
      let opened: Dialect | undefined;
      try {
        opened = await options.open();
        await migrate({ dialect: opened, plan: opened.migrations, components: ['queue'] });
      } catch (error) {
        if (opened !== undefined) await options.release(opened);
        throw options.openFailed === undefined ? error : options.openFailed(error);
      }
      current = opened;
    },
    close,
    [Symbol.asyncDispose]: close,
    async enqueue({ messages, at }) {
      if (messages.length === 0) return;
      await runChunked(dialect(), messages, (chunk) => {
        const rows = chunk.map((message) => {
          const [tenant, user, agent, session] = columnsOf(message.scope);
          return sql`(${message.id}, ${tenant}, ${user}, ${agent}, ${session}, ${message.seq}, ${at}, 'pending')`;
        });
        return sql`INSERT INTO ${queue()} (message_id, ${SCOPE_COLUMNS}, seq, enqueued_at, status)
          VALUES ${sql.join(rows)} ON CONFLICT (message_id) DO NOTHING`;
      });
    },
    async claim({ now, policy, limit, scope, leaseMs }) {
      const open = dialect();
      return open.transaction('write', async (connection) => {
        await open.lock(connection, `mnemo:infer-claim:${open.schema ?? ''}`);
        await connection.run(
          sql`UPDATE ${queue()} SET status = 'pending', claimed_at = NULL
              WHERE status = 'running' AND claimed_at <= ${now - (leaseMs ?? DEFAULT_CLAIM_LEASE_MS)}`,
        );
        const groups = await connection.all<ScopeRow>(
          sql`SELECT ${SCOPE_COLUMNS}, MIN(CASE WHEN status = 'pending' THEN enqueued_at END) AS oldest
              FROM ${queue()} WHERE status IN ('pending', 'running') AND ${scopeWhere(scope)}
              GROUP BY ${SCOPE_COLUMNS}
              HAVING SUM(CASE WHEN status = 'running' THEN 1 ELSE 0 END) = 0
                AND (COUNT(*) >= ${policy.minBatch} OR MIN(enqueued_at) <= ${now - policy.maxWaitMs})
              ORDER BY oldest LIMIT ${limit}`,
        );
        const batches = [];
        for (const group of groups) batches.push(await claimGroup(connection, group, now, policy.maxBatch));
        return batches;
      });
    },
    async complete({ messageIds }) {
      if (messageIds.length === 0) return;
      const open = dialect();
      await open.run(sql`DELETE FROM ${queue()} WHERE ${open.anyOf(sql`message_id`, messageIds)}`);
    },
    async fail({ messageIds, error, at }) {
      if (messageIds.length === 0) return;
      const open = dialect();
      await open.run(
        sql`UPDATE ${queue()} SET status = 'failed', attempts = attempts + 1, error_code = ${error.code},
            error_message = ${error.message.slice(0, 2_000)}, failed_at = ${at}, claimed_at = NULL
            WHERE ${open.anyOf(sql`message_id`, messageIds)}`,
      );
    },
    async recordFailure({ messages, error, at }) {
      if (messages.length === 0) return;
      const message = error.message.slice(0, 2_000);
      await runChunked(dialect(), messages, (chunk: Message[]) => {
        const rows = chunk.map((item) => {
          const [tenant, user, agent, session] = columnsOf(item.scope);
          return sql`(${item.id}, ${tenant}, ${user}, ${agent}, ${session}, ${item.seq}, ${at}, 'failed', 1, ${error.code}, ${message}, ${at})`;
        });
        return sql`INSERT INTO ${queue()} AS q (message_id, ${SCOPE_COLUMNS}, seq, enqueued_at, status, attempts,
            error_code, error_message, failed_at)
          VALUES ${sql.join(rows)}
          ON CONFLICT (message_id) DO UPDATE SET status = 'failed', attempts = q.attempts + 1,
            error_code = excluded.error_code, error_message = excluded.error_message,
            failed_at = excluded.failed_at, claimed_at = NULL`;
      });
    },
    async release({ messageIds }) {
      if (messageIds.length === 0) return;
      const open = dialect();
      await open.run(
        sql`UPDATE ${queue()} SET status = 'pending', claimed_at = NULL
            WHERE status = 'running' AND ${open.anyOf(sql`message_id`, messageIds)}`,
      );
    },
    async listFailed({ limit, scope, messageIds }): Promise<FailedInference[]> {
      if (messageIds !== undefined && messageIds.length === 0) return [];
      const open = dialect();
      const ids = messageIds === undefined ? sql`` : sql` AND ${open.anyOf(sql`message_id`, messageIds)}`;
      const rows = await open.all<FailedRow>(
        sql`SELECT * FROM ${queue()} WHERE status = 'failed' AND ${scopeWhere(scope)}${ids}
            ORDER BY failed_at, ${SCOPE_COLUMNS}, seq LIMIT ${limit}`,
      );
      return rows.map((row) => ({
        messageId: row.message_id,
        scope: scopeOfRow(row),
        code: row.error_code ?? 'INTERNAL',
        message: row.error_message ?? '',
        attempts: Number(row.attempts),
        failedAt: Number(row.failed_at ?? 0),
      }));
    },
    async retry({ messageIds }) {
      if (messageIds.length === 0) return;
      const open = dialect();
      await open.run(
        sql`UPDATE ${queue()} SET status = 'pending'
            WHERE status = 'failed' AND ${open.anyOf(sql`message_id`, messageIds)}`,
      );
    },
    async counts(input = {}) {
      const rows = await dialect().all<{ status: string; count: number | string }>(
        sql`SELECT status, COUNT(*) AS count FROM ${queue()} WHERE ${scopeWhere(input.scope)} GROUP BY status`,
      );
      const count = (status: string) => Number(rows.find((row) => row.status === status)?.count ?? 0);
      return { pending: count('pending') + count('running'), failed: count('failed') };
    },
    async noteSessionActivity({ scope, at, tokens }) {
      const [tenant, user, agent, session] = columnsOf(scope);
      const row = await dialect().get<{ tokens: number | string; last_at: number | string }>(
        sql`INSERT INTO ${sessions()} AS s (${SCOPE_COLUMNS}, tokens, last_at)
            VALUES (${tenant}, ${user}, ${agent}, ${session}, ${tokens}, ${at})
            ON CONFLICT (${SCOPE_COLUMNS}) DO UPDATE SET tokens = s.tokens + excluded.tokens,
              last_at = CASE WHEN excluded.last_at > s.last_at THEN excluded.last_at ELSE s.last_at END
            RETURNING tokens, last_at`,
      );
      return { scope, tokens: Number(row?.tokens ?? tokens), lastAt: Number(row?.last_at ?? at) };
    },
    async idleSessions({ idleSince, limit, scope }) {
      const rows = await dialect().all<ScopeRow & { tokens: number | string; last_at: number | string }>(
        sql`SELECT * FROM ${sessions()} WHERE tokens > 0 AND last_at <= ${idleSince} AND ${scopeWhere(scope)}
            ORDER BY last_at LIMIT ${limit}`,
      );
      return rows.map((row) => ({
        scope: scopeOfRow(row),
        tokens: Number(row.tokens),
        lastAt: Number(row.last_at),
      }));
    },
    async settleSession({ scope, tokens }) {
      await dialect().transaction('write', async (connection) => {
        await connection.run(
          sql`UPDATE ${sessions()} SET tokens = CASE WHEN tokens > ${tokens} THEN tokens - ${tokens} ELSE 0 END
              WHERE ${scopeColumnsExact(scope)}`,
        );
        await connection.run(sql`DELETE FROM ${sessions()} WHERE tokens = 0 AND ${scopeColumnsExact(scope)}`);
      });
    },
    async discardScope({ scope }) {
      const open = dialect();
      await open.transaction('write', async (connection) => {
        await connection.run(sql`DELETE FROM ${queue()} WHERE ${scopeWhere(scope)}`);
        await connection.run(sql`DELETE FROM ${sessions()} WHERE ${scopeWhere(scope)}`);
      });
      // The rows name the forgotten scope: like the store's erase, leave no copy of them in the files.
      await open.eraseCopies();
    },
  };
}

/** Options of the SQLite queue: a database file, usually the store's own (WAL lets both connections work). */
export interface SqliteInferenceQueueOptions {
  path: string;
  /** Total wait for a lock held by another process, retried asynchronously (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Commit durability, as the store's (default `normal`). */
  synchronous?: 'normal' | 'full';
}

/**
 * Creates the SQLite inference queue on a database file, on its own connection. `:memory:` gives a queue
 * that lives as long as the process. No I/O until `init()`.
 *
 * @example
 * await using queue = createSqliteInferenceQueue({ path: '/tmp/mnemo.db' });
 * await queue.init();
 */
export function createSqliteInferenceQueue(options: SqliteInferenceQueueOptions): InferenceQueue {
  return createSqlInferenceQueue({
    provider: 'sqlite',
    open: async () => (await import('../sqlite/sqlite-dialect.js')).openSqliteDialect(options),
    release: (dialect) => dialect.close(),
    openFailed: (error) =>
      error instanceof MnemoError
        ? error
        : new MnemoError({
            code: 'MIGRATION_FAILED',
            message: `Could not prepare the inference queue in ${options.path}: ${(error as Error).message}`,
            cause: error,
          }),
  });
}

export interface PostgresInferenceQueueOptions {
  /** The pool to use (usually the store's); the queue never ends it. */
  pool: PostgresDialect['pool'];
  /** The schema holding the store's tables (default `mnemo`). */
  schema?: string | undefined;
}

/**
 * Creates the PostgreSQL inference queue beside a PostgreSQL store, on its pool. No I/O until `init()`.
 *
 * @example
 * const queue = createPostgresInferenceQueue({ pool, schema: 'mnemo' });
 * await queue.init();
 */
export function createPostgresInferenceQueue(options: PostgresInferenceQueueOptions): InferenceQueue {
  return createSqlInferenceQueue({
    provider: 'postgres',
    open: async () =>
      (await import('../postgres/postgres-dialect.js')).createPostgresDialect({
        connection: options.pool,
        schema: options.schema,
      }),
    release: (dialect) => dialect.close(),
  });
}
