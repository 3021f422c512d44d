// Working memory, written once: a per-session scratchpad of JSON values keyed by exactly one scope, with
// optional expiry and a cap on live keys.
import { MnemoError } from '../../core/errors.js';
import type { JsonValue, WorkingEntry } from '../../core/records.js';
import { type Scope, scopeKey } from '../../core/scope.js';
import type { MemoryStore } from '../memory-store.js';
import type { SqlConnection } from './dialect.js';
import type { TimeColumn } from './rows.js';
import { type SqlFragment, sql } from './sql.js';
import type { StoreSchema } from './store-schema.js';

export type SetWorkingEntryInput = Parameters<MemoryStore['setWorkingEntry']>[0];

interface WorkingRow {
  key: string;
  /** JSON text (see Dialect.jsonText). */
  value: string;
  created_at: TimeColumn;
  updated_at: TimeColumn;
  expires_at: TimeColumn | null;
}

const COLUMNS = sql.raw('key, value, created_at, updated_at, expires_at');

function selected(dialect: StoreSchema['dialect']): SqlFragment {
  return sql`key, ${dialect.jsonText(sql`value`)} AS value, created_at, updated_at, expires_at`;
}

function requireSession(scope: Scope): void {
  if (scope.sessionId !== undefined) return;
  throw new MnemoError({
    code: 'INVALID_INPUT',
    message: 'Working memory belongs to a session: the scope must name a sessionId.',
  });
}

function entryFromRow(row: WorkingRow, scope: Scope): WorkingEntry {
  const entry: WorkingEntry = {
    key: row.key,
    value: JSON.parse(row.value) as JsonValue,
    scope: { ...scope },
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
  if (row.expires_at !== null) entry.expiresAt = new Date(Number(row.expires_at)).toISOString();
  return entry;
}

/**
 * Sets `key` in exactly `input.scope` (see MemoryStore.setWorkingEntry), inside a write transaction.
 *
 * @example
 * const entry = await setWorkingEntryIn(schema, connection, { scope, key: 'plan', value: 'x', at, maxEntries: 64 });
 */
export async function setWorkingEntryIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: SetWorkingEntryInput,
): Promise<WorkingEntry> {
  requireSession(input.scope);
  const { dialect, scopes } = schema;
  const table = dialect.table('working_memory');
  const key = await scopes.key(connection, input.scope);
  const exact = (await scopes.exact(connection, input.scope)) as SqlFragment;
  // Serialises writers of one scope, so two new keys cannot both pass the `maxEntries` check.
  await dialect.lock(connection, `mnemo:working:${dialect.schema ?? ''}:${scopeKey(input.scope)}`);
  await connection.run(sql`DELETE FROM ${table} WHERE ${exact} AND expires_at <= ${input.at}`);
  const existing = await connection.get(
    sql`SELECT 1 AS found FROM ${table} WHERE ${exact} AND key = ${input.key}`,
  );
  if (existing === undefined) {
    const counted = await connection.get<{ n: number | string }>(
      sql`SELECT COUNT(*) AS n FROM ${table} WHERE ${exact}`,
    );
    if (Number(counted?.n ?? 0) >= input.maxEntries) {
      throw new MnemoError({
        code: 'INVALID_INPUT',
        message: `This session's working memory already holds ${input.maxEntries} entries; delete one before adding "${input.key}".`,
        details: { maxEntries: input.maxEntries, key: input.key },
      });
    }
  }
  const row = await connection.get<WorkingRow>(
    sql`INSERT INTO ${table} AS w (${key.columns}, ${COLUMNS})
        VALUES (${key.values}, ${input.key}, ${JSON.stringify(input.value)}, ${input.at}, ${input.at}, ${input.expiresAt ?? null})
        ON CONFLICT (${key.columns}, key) DO UPDATE SET
          value = excluded.value, updated_at = excluded.updated_at, expires_at = excluded.expires_at
        RETURNING ${selected(dialect)}`,
  );
  return entryFromRow(row!, input.scope);
}

/**
 * The live entries of exactly `scope` at `now`, by key in byte order; only `keys` when given.
 *
 * @example
 * const entries = await listWorkingEntriesIn(schema, connection, { scope, now: Date.now() });
 */
export async function listWorkingEntriesIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: { scope: Scope; keys?: string[]; now: number },
): Promise<WorkingEntry[]> {
  const { dialect } = schema;
  const exact = await schema.scopes.exact(connection, input.scope);
  if (exact === undefined) return [];
  const keys = input.keys === undefined ? sql`` : sql` AND ${dialect.anyOf(sql`key`, input.keys)}`;
  const rows = await connection.all<WorkingRow>(
    sql`SELECT ${selected(dialect)} FROM ${dialect.table('working_memory')}
        WHERE ${exact} AND (expires_at IS NULL OR expires_at > ${input.now})${keys}
        ORDER BY ${dialect.binaryOrder(sql`key`)}`,
  );
  return rows.map((row) => entryFromRow(row, input.scope));
}

/**
 * Deletes `keys` (every entry when absent) of exactly `scope`; `deleted` counts those live at `now`.
 *
 * @example
 * const { deleted } = await deleteWorkingEntriesIn(schema, connection, { scope, keys: ['plan'], now });
 */
export async function deleteWorkingEntriesIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: { scope: Scope; keys?: string[]; now: number },
): Promise<{ deleted: number }> {
  const { dialect } = schema;
  const exact = await schema.scopes.exact(connection, input.scope);
  if (exact === undefined) return { deleted: 0 };
  const keys = input.keys === undefined ? sql`` : sql` AND ${dialect.anyOf(sql`key`, input.keys)}`;
  const gone = await connection.all<{ expires_at: TimeColumn | null }>(
    sql`DELETE FROM ${dialect.table('working_memory')} WHERE ${exact}${keys} RETURNING expires_at`,
  );
  return {
    deleted: gone.filter((row) => row.expires_at === null || Number(row.expires_at) > input.now).length,
  };
}

/**
 * Deletes every entry inside `scope` (containment, for forgetScope); returns how many.
 *
 * @example
 * await eraseWorkingEntriesIn(schema, connection, { tenantId: 't1', userId: 'alice' });
 */
export async function eraseWorkingEntriesIn(
  schema: StoreSchema,
  connection: SqlConnection,
  scope: Scope,
): Promise<number> {
  const within = await schema.scopes.within(connection, scope);
  return (await connection.run(sql`DELETE FROM ${schema.dialect.table('working_memory')} WHERE ${within}`))
    .changes;
}

/**
 * Deletes the entries of every scope that expired at or before `now`; returns how many.
 *
 * @example
 * await purgeExpiredWorkingEntriesIn(schema, connection, Date.now());
 */
export async function purgeExpiredWorkingEntriesIn(
  schema: StoreSchema,
  connection: SqlConnection,
  now: number,
): Promise<number> {
  const table = schema.dialect.table('working_memory');
  return (
    await connection.run(sql`DELETE FROM ${table} WHERE expires_at IS NOT NULL AND expires_at <= ${now}`)
  ).changes;
}
