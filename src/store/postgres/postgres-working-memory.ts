// Working memory on PostgreSQL: one jsonb row per tenant, user, agent, session and key.
import type pg from 'pg';
import { MnemoError } from '../../core/errors.js';
import type { JsonValue, WorkingEntry } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { MemoryStore } from '../memory-store.js';
import { SqlParams, scopeColumns, scopeOfRow, scopeSql } from './postgres-sql.js';

interface WorkingRow {
  tenant_id: string;
  user_id: string;
  agent_id: string;
  session_id: string;
  key: string;
  value: JsonValue;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}

export type SetWorkingEntryInput = Parameters<MemoryStore['setWorkingEntry']>[0];

/** Exactly one scope: `$1`…`$4` are its four columns. */
const IN_SCOPE = 'tenant_id = $1 AND user_id = $2 AND agent_id = $3 AND session_id = $4';

/** Sets `key` in exactly `input.scope`, dropping the scope's expired entries first. Run on a transaction client. */
export async function setPostgresWorkingEntry(
  client: pg.PoolClient,
  table: string,
  input: SetWorkingEntryInput,
): Promise<WorkingEntry> {
  requireSession(input.scope);
  const columns = scopeColumns(input.scope);
  // Serialises writers of one scope, so two new keys cannot both pass the `maxEntries` check.
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
    `mnemo:working:${table}:${JSON.stringify(columns)}`,
  ]);
  await client.query(`DELETE FROM ${table} WHERE ${IN_SCOPE} AND expires_at <= $5`, [...columns, input.at]);
  const existing = await client.query(`SELECT 1 FROM ${table} WHERE ${IN_SCOPE} AND key = $5`, [
    ...columns,
    input.key,
  ]);
  if (existing.rowCount === 0) await ensureRoom(client, table, input);
  const result = await client.query<WorkingRow>(
    `INSERT INTO ${table} AS w (tenant_id, user_id, agent_id, session_id, key, value, created_at, updated_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $7, $8)
     ON CONFLICT (tenant_id, user_id, agent_id, session_id, key) DO UPDATE SET
       value = excluded.value, updated_at = excluded.updated_at, expires_at = excluded.expires_at
     RETURNING w.*`,
    [...columns, input.key, JSON.stringify(input.value), input.at, input.expiresAt ?? null],
  );
  return entryFromRow(result.rows[0]!);
}

/** The live entries of exactly `scope` at `now`, by key (byte order, like SQLite); only `keys` when given. */
export async function listPostgresWorkingEntries(
  db: pg.Pool,
  table: string,
  input: { scope: Scope; keys?: string[]; now: number },
): Promise<WorkingEntry[]> {
  const live = `${IN_SCOPE} AND (expires_at IS NULL OR expires_at > $5)`;
  const where = input.keys === undefined ? live : `${live} AND key = ANY($6::text[])`;
  const params = [...scopeColumns(input.scope), input.now, ...(input.keys === undefined ? [] : [input.keys])];
  const result = await db.query<WorkingRow>(
    `SELECT * FROM ${table} WHERE ${where} ORDER BY key COLLATE "C"`,
    params,
  );
  return result.rows.map(entryFromRow);
}

/** Deletes `keys` (all when absent) of exactly `scope`. */
export async function deletePostgresWorkingEntries(
  db: pg.Pool,
  table: string,
  input: { scope: Scope; keys?: string[]; now: number },
): Promise<{ deleted: number }> {
  const where = input.keys === undefined ? IN_SCOPE : `${IN_SCOPE} AND key = ANY($6::text[])`;
  const params = [...scopeColumns(input.scope), input.now, ...(input.keys === undefined ? [] : [input.keys])];
  const result = await db.query<{ live: string }>(
    `WITH gone AS (DELETE FROM ${table} WHERE ${where} RETURNING expires_at)
     SELECT count(*) FILTER (WHERE expires_at IS NULL OR expires_at > $5) AS live FROM gone`,
    params,
  );
  return { deleted: Number(result.rows[0]?.live ?? 0) };
}

/** Deletes every entry inside `scope` (containment, for forgetScope). */
export async function erasePostgresWorkingEntries(
  client: pg.PoolClient,
  table: string,
  scope: Scope,
): Promise<void> {
  const params = new SqlParams();
  await client.query(`DELETE FROM ${table} w WHERE ${scopeSql('w', scope, params)}`, params.values);
}

/** Deletes the entries of every scope that expired at or before `now`. */
export async function purgeExpiredPostgresWorkingEntries(
  client: pg.PoolClient,
  table: string,
  now: number,
): Promise<void> {
  await client.query(`DELETE FROM ${table} WHERE expires_at IS NOT NULL AND expires_at <= $1`, [now]);
}

function requireSession(scope: Scope): void {
  if (scope.sessionId !== undefined) return;
  throw new MnemoError({
    code: 'INVALID_INPUT',
    message: 'Working memory belongs to a session: the scope must name a sessionId.',
  });
}

async function ensureRoom(client: pg.PoolClient, table: string, input: SetWorkingEntryInput): Promise<void> {
  const result = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${table} WHERE ${IN_SCOPE}`,
    scopeColumns(input.scope),
  );
  if (Number(result.rows[0]?.n ?? 0) < input.maxEntries) return;
  throw new MnemoError({
    code: 'INVALID_INPUT',
    message: `This session's working memory already holds ${input.maxEntries} entries; delete one before adding "${input.key}".`,
    details: { maxEntries: input.maxEntries, key: input.key },
  });
}

function entryFromRow(row: WorkingRow): WorkingEntry {
  const entry: WorkingEntry = {
    key: row.key,
    value: row.value,
    scope: scopeOfRow(row),
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
  if (row.expires_at !== null) entry.expiresAt = new Date(Number(row.expires_at)).toISOString();
  return entry;
}
