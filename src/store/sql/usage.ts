// Usage totals, written once: one upserted row per exact scope (tenant, user, agent, session), summed over
// everything inside a read scope.
import type { Usage, UsageTotals } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { SqlConnection } from './dialect.js';
import { sql } from './sql.js';
import type { StoreSchema } from './store-schema.js';

/**
 * Adds one operation's usage to the row of exactly `scope`, creating it on first use.
 *
 * @example
 * await recordUsageIn(schema, connection, { scope, usage, at: Date.now() });
 */
export async function recordUsageIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: { scope: Scope; usage: Usage; at: number },
): Promise<void> {
  const { usage, at } = input;
  const key = await schema.scopes.key(connection, input.scope);
  await connection.run(
    sql`INSERT INTO ${schema.dialect.table('usage_totals')} AS t (${key.columns}, llm_calls, input_tokens,
          output_tokens, embedding_calls, latency_ms, first_at, last_at)
        VALUES (${key.values}, ${usage.llmCalls}, ${usage.inputTokens}, ${usage.outputTokens},
          ${usage.embeddingCalls}, ${usage.latencyMs}, ${at}, ${at})
        ON CONFLICT (${key.columns}) DO UPDATE SET
          llm_calls = t.llm_calls + excluded.llm_calls,
          input_tokens = t.input_tokens + excluded.input_tokens,
          output_tokens = t.output_tokens + excluded.output_tokens,
          embedding_calls = t.embedding_calls + excluded.embedding_calls,
          latency_ms = t.latency_ms + excluded.latency_ms,
          first_at = CASE WHEN excluded.first_at < t.first_at THEN excluded.first_at ELSE t.first_at END,
          last_at = CASE WHEN excluded.last_at > t.last_at THEN excluded.last_at ELSE t.last_at END`,
  );
}

type Total = number | string;

/**
 * The sums over every usage row inside `scope` (zero when nothing was recorded).
 *
 * @example
 * const totals = await readUsageIn(schema, connection, { tenantId: 't1', userId: 'alice' });
 */
export async function readUsageIn(
  schema: StoreSchema,
  connection: SqlConnection,
  scope: Scope,
): Promise<UsageTotals> {
  const row = await connection.get<{
    llm_calls: Total;
    input_tokens: Total;
    output_tokens: Total;
    embedding_calls: Total;
    latency_ms: Total;
    first_at: Total | null;
    last_at: Total | null;
  }>(
    sql`SELECT COALESCE(SUM(llm_calls), 0) AS llm_calls, COALESCE(SUM(input_tokens), 0) AS input_tokens,
          COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(embedding_calls), 0) AS embedding_calls,
          COALESCE(SUM(latency_ms), 0) AS latency_ms, MIN(first_at) AS first_at, MAX(last_at) AS last_at
        FROM ${schema.dialect.table('usage_totals')} WHERE ${await schema.scopes.within(connection, scope)}`,
  );
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

/**
 * Erases the usage rows inside `scope` (forgetScope).
 *
 * @example
 * await eraseUsageIn(schema, connection, scope);
 */
export async function eraseUsageIn(
  schema: StoreSchema,
  connection: SqlConnection,
  scope: Scope,
): Promise<void> {
  await connection.run(
    sql`DELETE FROM ${schema.dialect.table('usage_totals')} WHERE ${await schema.scopes.within(connection, scope)}`,
  );
}
