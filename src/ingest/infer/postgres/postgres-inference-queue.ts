// The inference queue on PostgreSQL: tables in the store's schema, on the store's pool, with their own
// advisory-locked migrations. Claims are serialised by an advisory lock, so two workers never share a session.
import type pg from 'pg';
import { MnemoError } from '../../../core/errors.js';
import type { Scope } from '../../../core/scope.js';
import { quoteIdentifier } from '../../../store/postgres/postgres-migrations.js';
import { SqlParams, scopeColumns, scopeSql } from '../../../store/postgres/postgres-sql.js';
import { inTransaction } from '../../../store/postgres/postgres-transaction.js';
import { scopeOfRow } from '../../../store/row-mapping.js';
import {
  DEFAULT_CLAIM_LEASE_MS,
  type FailedInference,
  type InferenceQueue,
  type SessionActivity,
} from '../inference-queue.js';

const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE {schema}.infer_queue (
  message_id text PRIMARY KEY,
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  seq integer NOT NULL, enqueued_at bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'running', 'failed')),
  attempts integer NOT NULL DEFAULT 0, error_code text, error_message text, failed_at bigint, claimed_at bigint
);
CREATE INDEX infer_queue_status_scope ON {schema}.infer_queue (status, tenant_id, user_id, agent_id, session_id, seq);
CREATE TABLE {schema}.infer_sessions (
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  tokens bigint NOT NULL, last_at bigint NOT NULL,
  PRIMARY KEY (tenant_id, user_id, agent_id, session_id)
);
CREATE INDEX infer_sessions_idle ON {schema}.infer_sessions (last_at);
`,
  },
];

const SCOPE_COLUMNS = 'tenant_id, user_id, agent_id, session_id';

interface ScopeRow {
  tenant_id: string;
  user_id: string;
  agent_id: string;
  session_id: string;
}

export interface PostgresInferenceQueueOptions {
  /** The pool to use (usually the store's: `store.connectionPool()`); the queue never ends it. */
  pool: pg.Pool;
  /** The schema holding the store's tables (default `mnemo`). */
  schema?: string;
}

/**
 * Creates the PostgreSQL inference queue beside a PostgreSQL store. No I/O until `init()`.
 *
 * @example
 * const queue = createPostgresInferenceQueue({ pool: store.connectionPool(), schema: store.schemaName });
 * await queue.init();
 */
export function createPostgresInferenceQueue(options: PostgresInferenceQueueOptions): InferenceQueue {
  const schemaName = options.schema ?? 'mnemo';
  const schema = quoteIdentifier(schemaName);
  const queue = `${schema}.infer_queue`;
  const sessions = `${schema}.infer_sessions`;
  let open = false;
  const pool = (): pg.Pool => {
    if (!open) {
      throw new MnemoError({
        code: 'STORE_CLOSED',
        message: 'The inference queue is not open; call init() first.',
      });
    }
    return options.pool;
  };
  const transaction = <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> =>
    inTransaction(pool(), work);
  const scopeWhere = (scope: Scope | undefined, params: SqlParams, alias = 'q') =>
    scope === undefined ? 'TRUE' : scopeSql(alias, scope, params);
  const close = async () => {
    open = false;
  };

  return {
    provider: 'postgres',
    async init() {
      if (open) return;
      await migrate(options.pool, schemaName);
      open = true;
    },
    close,
    [Symbol.asyncDispose]: close,
    async enqueue({ messages, at }) {
      if (messages.length === 0) return;
      await pool().query(
        `INSERT INTO ${queue} (message_id, ${SCOPE_COLUMNS}, seq, enqueued_at, status)
         SELECT m.id, m.tenant_id, m.user_id, m.agent_id, m.session_id, m.seq, $2, 'pending'
         FROM jsonb_to_recordset($1::jsonb) AS m(id text, tenant_id text, user_id text, agent_id text, session_id text, seq integer)
         ON CONFLICT (message_id) DO NOTHING`,
        [JSON.stringify(messages.map((message) => messageRow(message))), at],
      );
    },
    async claim({ now, policy, limit, scope, leaseMs }) {
      return transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`mnemo:infer-claim:${schemaName}`]);
        await client.query(
          `UPDATE ${queue} SET status = 'pending', claimed_at = NULL WHERE status = 'running' AND claimed_at <= $1`,
          [now - (leaseMs ?? DEFAULT_CLAIM_LEASE_MS)],
        );
        const params = new SqlParams();
        const where = scopeWhere(scope, params);
        const groups = await client.query<ScopeRow>(
          `SELECT ${SCOPE_COLUMNS}, MIN(enqueued_at) FILTER (WHERE status = 'pending') AS oldest
           FROM ${queue} q WHERE status IN ('pending', 'running') AND ${where}
           GROUP BY ${SCOPE_COLUMNS}
           HAVING COUNT(*) FILTER (WHERE status = 'running') = 0
             AND (COUNT(*) >= ${params.add(policy.minBatch)} OR MIN(enqueued_at) <= ${params.add(now - policy.maxWaitMs)})
           ORDER BY oldest LIMIT ${params.add(limit)}`,
          params.values,
        );
        const batches = [];
        for (const group of groups.rows) {
          const claimed = await client.query<{ message_id: string }>(
            `UPDATE ${queue} SET status = 'running', claimed_at = $1 WHERE message_id IN (
               SELECT message_id FROM ${queue} WHERE status = 'pending' AND tenant_id = $2 AND user_id = $3
               AND agent_id = $4 AND session_id = $5 ORDER BY seq LIMIT $6)
             RETURNING message_id, seq`,
            [now, group.tenant_id, group.user_id, group.agent_id, group.session_id, policy.maxBatch],
          );
          const rows = claimed.rows as Array<{ message_id: string; seq: number }>;
          rows.sort((left, right) => left.seq - right.seq);
          batches.push({ scope: scopeOfRow(group), messageIds: rows.map((row) => row.message_id) });
        }
        return batches;
      });
    },
    async complete({ messageIds }) {
      if (messageIds.length === 0) return;
      await pool().query(`DELETE FROM ${queue} WHERE message_id = ANY($1::text[])`, [messageIds]);
    },
    async fail({ messageIds, error, at }) {
      if (messageIds.length === 0) return;
      await pool().query(
        `UPDATE ${queue} SET status = 'failed', attempts = attempts + 1, error_code = $1, error_message = $2,
         failed_at = $3, claimed_at = NULL WHERE message_id = ANY($4::text[])`,
        [error.code, error.message.slice(0, 2_000), at, messageIds],
      );
    },
    async recordFailure({ messages, error, at }) {
      if (messages.length === 0) return;
      await pool().query(
        `INSERT INTO ${queue} AS q (message_id, ${SCOPE_COLUMNS}, seq, enqueued_at, status, attempts, error_code,
           error_message, failed_at)
         SELECT m.id, m.tenant_id, m.user_id, m.agent_id, m.session_id, m.seq, $2, 'failed', 1, $3, $4, $2
         FROM jsonb_to_recordset($1::jsonb) AS m(id text, tenant_id text, user_id text, agent_id text, session_id text, seq integer)
         ON CONFLICT (message_id) DO UPDATE SET status = 'failed', attempts = q.attempts + 1,
           error_code = excluded.error_code, error_message = excluded.error_message,
           failed_at = excluded.failed_at, claimed_at = NULL`,
        [
          JSON.stringify(messages.map((message) => messageRow(message))),
          at,
          error.code,
          error.message.slice(0, 2_000),
        ],
      );
    },
    async release({ messageIds }) {
      if (messageIds.length === 0) return;
      await pool().query(
        `UPDATE ${queue} SET status = 'pending', claimed_at = NULL WHERE status = 'running' AND message_id = ANY($1::text[])`,
        [messageIds],
      );
    },
    async listFailed({ limit, scope, messageIds }): Promise<FailedInference[]> {
      if (messageIds !== undefined && messageIds.length === 0) return [];
      const params = new SqlParams();
      const clauses = [`status = 'failed'`, scopeWhere(scope, params)];
      if (messageIds !== undefined) clauses.push(`message_id = ANY(${params.add(messageIds)}::text[])`);
      const rows = await pool().query<
        ScopeRow & {
          message_id: string;
          error_code: string | null;
          error_message: string | null;
          attempts: number;
          failed_at: string | null;
        }
      >(
        `SELECT * FROM ${queue} q WHERE ${clauses.join(' AND ')}
         ORDER BY failed_at, ${SCOPE_COLUMNS}, seq LIMIT ${params.add(limit)}`,
        params.values,
      );
      return rows.rows.map((row) => ({
        messageId: row.message_id,
        scope: scopeOfRow(row),
        code: row.error_code ?? 'INTERNAL',
        message: row.error_message ?? '',
        attempts: row.attempts,
        failedAt: Number(row.failed_at ?? 0),
      }));
    },
    async retry({ messageIds }) {
      if (messageIds.length === 0) return;
      await pool().query(
        `UPDATE ${queue} SET status = 'pending' WHERE status = 'failed' AND message_id = ANY($1::text[])`,
        [messageIds],
      );
    },
    async counts(input = {}) {
      const params = new SqlParams();
      const result = await pool().query<{ status: string; count: string }>(
        `SELECT status, COUNT(*) AS count FROM ${queue} q WHERE ${scopeWhere(input.scope, params)} GROUP BY status`,
        params.values,
      );
      const count = (status: string) => Number(result.rows.find((row) => row.status === status)?.count ?? 0);
      return { pending: count('pending') + count('running'), failed: count('failed') };
    },
    async noteSessionActivity({ scope, at, tokens }): Promise<SessionActivity> {
      const result = await pool().query<{ tokens: string; last_at: string }>(
        `INSERT INTO ${sessions} AS s (${SCOPE_COLUMNS}, tokens, last_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (${SCOPE_COLUMNS}) DO UPDATE SET tokens = s.tokens + excluded.tokens,
           last_at = GREATEST(s.last_at, excluded.last_at)
         RETURNING tokens, last_at`,
        [...scopeColumns(scope), tokens, at],
      );
      const row = result.rows[0];
      return { scope, tokens: Number(row?.tokens ?? tokens), lastAt: Number(row?.last_at ?? at) };
    },
    async idleSessions({ idleSince, limit, scope }) {
      const params = new SqlParams();
      const rows = await pool().query<ScopeRow & { tokens: string; last_at: string }>(
        `SELECT * FROM ${sessions} s WHERE tokens > 0 AND last_at <= ${params.add(idleSince)}
         AND ${scopeWhere(scope, params, 's')} ORDER BY last_at LIMIT ${params.add(limit)}`,
        params.values,
      );
      return rows.rows.map((row) => ({
        scope: scopeOfRow(row),
        tokens: Number(row.tokens),
        lastAt: Number(row.last_at),
      }));
    },
    async settleSession({ scope, tokens }) {
      const match = 'tenant_id = $2 AND user_id = $3 AND agent_id = $4 AND session_id = $5';
      await transaction(async (client) => {
        await client.query(`UPDATE ${sessions} SET tokens = GREATEST(0, tokens - $1) WHERE ${match}`, [
          tokens,
          ...scopeColumns(scope),
        ]);
        await client.query(
          `DELETE FROM ${sessions} WHERE tokens = 0 AND tenant_id = $1 AND user_id = $2 AND agent_id = $3 AND session_id = $4`,
          scopeColumns(scope),
        );
      });
    },
    async discardScope({ scope }) {
      await transaction(async (client) => {
        const queueParams = new SqlParams();
        await client.query(
          `DELETE FROM ${queue} q WHERE ${scopeWhere(scope, queueParams)}`,
          queueParams.values,
        );
        const sessionParams = new SqlParams();
        await client.query(
          `DELETE FROM ${sessions} s WHERE ${scopeWhere(scope, sessionParams, 's')}`,
          sessionParams.values,
        );
      });
    },
  };
}

function messageRow(message: { id: string; scope: Scope; seq: number }) {
  const [tenant_id, user_id, agent_id, session_id] = scopeColumns(message.scope);
  return { id: message.id, tenant_id, user_id, agent_id, session_id, seq: message.seq };
}

async function migrate(pool: pg.Pool, schemaName: string): Promise<void> {
  const schema = quoteIdentifier(schemaName);
  const client = await pool.connect();
  const lock = `mnemo:infer-queue-migrate:${schemaName}`;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lock]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.infer_queue_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)`,
    );
    const applied = await client.query<{ version: number }>(
      `SELECT version FROM ${schema}.infer_queue_migrations`,
    );
    const done = new Set(applied.rows.map((row) => row.version));
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      try {
        await client.query('BEGIN');
        await client.query(migration.sql.replaceAll('{schema}', schema));
        await client.query(
          `INSERT INTO ${schema}.infer_queue_migrations (version, applied_at) VALUES ($1, $2)`,
          [migration.version, Date.now()],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new MnemoError({
          code: 'MIGRATION_FAILED',
          message: `Inference queue migration ${migration.version} failed in schema ${schemaName}: ${(error as Error).message}`,
          cause: error,
        });
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]);
    client.release();
  }
}
