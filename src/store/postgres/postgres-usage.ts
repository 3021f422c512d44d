// Usage totals on PostgreSQL: one upserted row per tenant, user, agent and session, summed over a read scope.
import type pg from 'pg';
import type { Usage, UsageTotals } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import { SqlParams, scopeColumns, scopeSql } from './postgres-sql.js';

/** Adds `usage` to the row of exactly `scope`, creating it on first use. */
export async function recordPostgresUsage(
  db: pg.Pool | pg.PoolClient,
  table: string,
  input: { scope: Scope; usage: Usage; at: number },
): Promise<void> {
  const { usage } = input;
  await db.query(
    `INSERT INTO ${table} AS t (tenant_id, user_id, agent_id, session_id, llm_calls, input_tokens, output_tokens,
       embedding_calls, latency_ms, first_at, last_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     ON CONFLICT (tenant_id, user_id, agent_id, session_id) DO UPDATE SET
       llm_calls = t.llm_calls + excluded.llm_calls,
       input_tokens = t.input_tokens + excluded.input_tokens,
       output_tokens = t.output_tokens + excluded.output_tokens,
       embedding_calls = t.embedding_calls + excluded.embedding_calls,
       latency_ms = t.latency_ms + excluded.latency_ms,
       first_at = LEAST(t.first_at, excluded.first_at),
       last_at = GREATEST(t.last_at, excluded.last_at)`,
    [
      ...scopeColumns(input.scope),
      usage.llmCalls,
      usage.inputTokens,
      usage.outputTokens,
      usage.embeddingCalls,
      usage.latencyMs,
      input.at,
    ],
  );
}

/** The sums over every usage row inside `scope`. */
export async function readPostgresUsage(db: pg.Pool, table: string, scope: Scope): Promise<UsageTotals> {
  const params = new SqlParams();
  const result = await db.query<{
    llm_calls: string;
    input_tokens: string;
    output_tokens: string;
    embedding_calls: string;
    latency_ms: number;
    first_at: string | null;
    last_at: string | null;
  }>(
    `SELECT COALESCE(SUM(llm_calls), 0) AS llm_calls, COALESCE(SUM(input_tokens), 0) AS input_tokens,
       COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(embedding_calls), 0) AS embedding_calls,
       COALESCE(SUM(latency_ms), 0) AS latency_ms, MIN(first_at) AS first_at, MAX(last_at) AS last_at
     FROM ${table} u WHERE ${scopeSql('u', scope, params)}`,
    params.values,
  );
  const row = result.rows[0];
  const totals: UsageTotals = {
    llmCalls: Number(row?.llm_calls ?? 0),
    inputTokens: Number(row?.input_tokens ?? 0),
    outputTokens: Number(row?.output_tokens ?? 0),
    embeddingCalls: Number(row?.embedding_calls ?? 0),
    latencyMs: Number(row?.latency_ms ?? 0),
  };
  if (row?.first_at != null) totals.firstAt = new Date(Number(row.first_at)).toISOString();
  if (row?.last_at != null) totals.lastAt = new Date(Number(row.last_at)).toISOString();
  return totals;
}
