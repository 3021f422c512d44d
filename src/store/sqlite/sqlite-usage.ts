// Usage totals on SQLite: one upserted row per partition and session, summed over a read scope.
import type Database from 'better-sqlite3';
import type { Usage, UsageTotals } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import { ensurePartition, prepared, resolvePartitions, scopeSql } from './sqlite-rows.js';

/** Adds `usage` to the row of exactly `scope`, creating it on first use. Call inside a write transaction. */
export function recordUsageIn(
  db: Database.Database,
  input: { scope: Scope; usage: Usage; at: number },
): void {
  const { usage } = input;
  prepared(
    db,
    `INSERT INTO usage_totals (partition_id, session_id, llm_calls, input_tokens, output_tokens, embedding_calls,
       latency_ms, first_at, last_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (partition_id, session_id) DO UPDATE SET
       llm_calls = llm_calls + excluded.llm_calls,
       input_tokens = input_tokens + excluded.input_tokens,
       output_tokens = output_tokens + excluded.output_tokens,
       embedding_calls = embedding_calls + excluded.embedding_calls,
       latency_ms = latency_ms + excluded.latency_ms,
       first_at = MIN(first_at, excluded.first_at),
       last_at = MAX(last_at, excluded.last_at)`,
  ).run(
    ensurePartition(db, input.scope),
    input.scope.sessionId ?? '',
    usage.llmCalls,
    usage.inputTokens,
    usage.outputTokens,
    usage.embeddingCalls,
    usage.latencyMs,
    input.at,
    input.at,
  );
}

/** The sums over every usage row inside `scope`. */
export function readUsageIn(db: Database.Database, scope: Scope): UsageTotals {
  const where = scopeSql('u', resolvePartitions(db, scope), scope);
  const row = db
    .prepare(
      `SELECT COALESCE(SUM(llm_calls), 0) AS llm_calls, COALESCE(SUM(input_tokens), 0) AS input_tokens,
         COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(embedding_calls), 0) AS embedding_calls,
         COALESCE(SUM(latency_ms), 0) AS latency_ms, MIN(first_at) AS first_at, MAX(last_at) AS last_at
       FROM usage_totals u WHERE ${where.sql}`,
    )
    .get(...where.params) as {
    llm_calls: number;
    input_tokens: number;
    output_tokens: number;
    embedding_calls: number;
    latency_ms: number;
    first_at: number | null;
    last_at: number | null;
  };
  const totals: UsageTotals = {
    llmCalls: row.llm_calls,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    embeddingCalls: row.embedding_calls,
    latencyMs: row.latency_ms,
  };
  if (row.first_at !== null) totals.firstAt = new Date(row.first_at).toISOString();
  if (row.last_at !== null) totals.lastAt = new Date(row.last_at).toISOString();
  return totals;
}
