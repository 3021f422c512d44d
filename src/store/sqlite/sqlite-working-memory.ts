// Working memory on SQLite: one row per partition, session and key; run inside the store's transactions.
import type Database from 'better-sqlite3';
import { MnemoError } from '../../core/errors.js';
import type { JsonValue, WorkingEntry } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { MemoryStore } from '../memory-store.js';
import { ensurePartition, prepared, resolvePartitions, scopeOfRow, scopeSql } from './sqlite-rows.js';

interface WorkingRow {
  key: string;
  value: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
}

export type SetWorkingEntryInput = Parameters<MemoryStore['setWorkingEntry']>[0];

const COLUMNS = 'key, value, created_at, updated_at, expires_at';
const IN_SESSION = 'partition_id = ? AND session_id = ?';
/** One JSON-array parameter instead of a `?` per key: static SQL, no bound-variable limit. */
const IN_KEYS = 'key IN (SELECT value FROM json_each(?))';

/** Sets `key` in exactly `input.scope`, dropping the scope's expired entries first. Call inside a write transaction. */
export function setWorkingEntryIn(db: Database.Database, input: SetWorkingEntryInput): WorkingEntry {
  const session = requireSession(input.scope);
  const partition = ensurePartition(db, input.scope);
  prepared(db, `DELETE FROM working_memory WHERE ${IN_SESSION} AND expires_at <= ?`).run(
    partition,
    session,
    input.at,
  );
  const existing = prepared(db, `SELECT 1 FROM working_memory WHERE ${IN_SESSION} AND key = ?`).get(
    partition,
    session,
    input.key,
  );
  if (existing === undefined) ensureRoom(db, { partition, session, key: input.key, max: input.maxEntries });
  const row = prepared(
    db,
    `INSERT INTO working_memory (partition_id, session_id, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (partition_id, session_id, key) DO UPDATE SET
       value = excluded.value, updated_at = excluded.updated_at, expires_at = excluded.expires_at
     RETURNING ${COLUMNS}`,
  ).get(
    partition,
    session,
    input.key,
    JSON.stringify(input.value),
    input.at,
    input.at,
    input.expiresAt ?? null,
  ) as WorkingRow;
  return entryFromRow(row, input.scope);
}

/** The live entries of exactly `scope` at `now`, by key; only `keys` when given. */
export function listWorkingEntriesIn(
  db: Database.Database,
  input: { scope: Scope; keys?: string[]; now: number },
): WorkingEntry[] {
  const partition = exactPartition(db, input.scope);
  if (partition === undefined) return [];
  const live = `${IN_SESSION} AND (expires_at IS NULL OR expires_at > ?)`;
  const params: unknown[] = [partition, input.scope.sessionId ?? '', input.now];
  const where = input.keys === undefined ? live : `${live} AND ${IN_KEYS}`;
  if (input.keys !== undefined) params.push(JSON.stringify(input.keys));
  const rows = prepared(db, `SELECT ${COLUMNS} FROM working_memory WHERE ${where} ORDER BY key`).all(
    ...params,
  ) as WorkingRow[];
  return rows.map((row) => entryFromRow(row, input.scope));
}

/** Deletes `keys` (all when absent) of exactly `scope`; counts those live at `now`. Call inside a write transaction. */
export function deleteWorkingEntriesIn(
  db: Database.Database,
  input: { scope: Scope; keys?: string[]; now: number },
): { deleted: number } {
  const partition = exactPartition(db, input.scope);
  if (partition === undefined) return { deleted: 0 };
  const params: unknown[] = [partition, input.scope.sessionId ?? ''];
  const where = input.keys === undefined ? IN_SESSION : `${IN_SESSION} AND ${IN_KEYS}`;
  if (input.keys !== undefined) params.push(JSON.stringify(input.keys));
  const { live } = prepared(
    db,
    `SELECT COUNT(*) AS live FROM working_memory WHERE ${where} AND (expires_at IS NULL OR expires_at > ?)`,
  ).get(...params, input.now) as { live: number };
  prepared(db, `DELETE FROM working_memory WHERE ${where}`).run(...params);
  return { deleted: live };
}

/** Deletes every entry inside `scope` (containment, for forgetScope); returns how many. */
export function eraseWorkingEntriesIn(db: Database.Database, scope: Scope): number {
  const where = scopeSql('working_memory', resolvePartitions(db, scope), scope);
  return db.prepare(`DELETE FROM working_memory WHERE ${where.sql}`).run(...where.params).changes;
}

/** Deletes the entries of every scope that expired at or before `now`; returns how many. */
export function purgeExpiredWorkingEntriesIn(db: Database.Database, now: number): number {
  return prepared(db, 'DELETE FROM working_memory WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now)
    .changes;
}

function requireSession(scope: Scope): string {
  if (scope.sessionId !== undefined) return scope.sessionId;
  throw new MnemoError({
    code: 'INVALID_INPUT',
    message: 'Working memory belongs to a session: the scope must name a sessionId.',
  });
}

function ensureRoom(
  db: Database.Database,
  input: { partition: number; session: string; key: string; max: number },
): void {
  const { n } = prepared(db, `SELECT COUNT(*) AS n FROM working_memory WHERE ${IN_SESSION}`).get(
    input.partition,
    input.session,
  ) as { n: number };
  if (n < input.max) return;
  throw new MnemoError({
    code: 'INVALID_INPUT',
    message: `This session's working memory already holds ${input.max} entries; delete one before adding "${input.key}".`,
    details: { maxEntries: input.max, key: input.key },
  });
}

/** The partition of exactly `scope` ('' for absent levels), without creating it. */
function exactPartition(db: Database.Database, scope: Scope): number | undefined {
  const row = prepared(
    db,
    'SELECT id FROM partitions WHERE tenant_id = ? AND user_id = ? AND agent_id = ?',
  ).get(scope.tenantId, scope.userId ?? '', scope.agentId ?? '') as { id: number } | undefined;
  return row?.id;
}

function entryFromRow(row: WorkingRow, scope: Scope): WorkingEntry {
  const entry: WorkingEntry = {
    key: row.key,
    value: JSON.parse(row.value) as JsonValue,
    scope: scopeOfRow({
      tenant_id: scope.tenantId,
      user_id: scope.userId ?? '',
      agent_id: scope.agentId ?? '',
      session_id: scope.sessionId ?? '',
    }),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
  if (row.expires_at !== null) entry.expiresAt = new Date(row.expires_at).toISOString();
  return entry;
}
