// Row ⇄ record mapping, scope resolution to partitions, and MemoryFilter → SQL for the SQLite store.
import type Database from 'better-sqlite3';
import type { MemoryRecord } from '../../core/records.js';
import {
  type Scope,
  type ScopeAccess,
  type ScopePattern,
  userLevelOf,
  visibleScopePatterns,
} from '../../core/scope.js';
import type { MemoryFilter } from '../memory-store.js';
import {
  type HistoryColumns,
  type MemoryColumns,
  type MessageColumns,
  memoryFromRow as sharedMemoryFromRow,
} from '../sql/rows.js';
import { decodeIndexText, decodeText } from '../stored-fields.js';
import { encodeTokens } from '../stored-tokens.js';

/** A memory row of the SQLite store: the shared columns (text, index text and hash stored compact), its rowid and partition, and its tokens. */
export interface MemoryRow extends MemoryColumns {
  rid: number;
  partition_id: number;
  /** Stored as store/stored-fields.ts encodes it; read it with `textOf`. */
  text: string;
  /** The content of an episode's message when `text` refers to it (joined by MEMORY_SELECT). */
  message_text?: string | null;
  /** Stored as store/stored-fields.ts encodes it; read it with `indexTextOf`. */
  index_text: string;
  /** The full-text tokens, stored as store/stored-tokens.ts encodes them. */
  token_form: string | number | null;
}

export type MessageRow = MessageColumns;
export type HistoryRow = HistoryColumns & { rid: number };

/** Memory rows with their scope and, for an episode whose text is its message's, that message's content. */
export const MEMORY_SELECT = `SELECT m.*, p.tenant_id, p.user_id, p.agent_id, g.content AS message_text
  FROM memories m JOIN partitions p ON p.id = m.partition_id
  LEFT JOIN messages g ON m.text = char(1) AND g.id = json_extract(m.source, '$.messageIds[0]')`;

/**
 * MEMORY_SELECT for the ids in one JSON-array parameter, looked up id by id: the CROSS JOIN fixes the join
 * order, since SQLite would otherwise walk the scope's whole partition and test each row against the list.
 * Continue with `AND …`.
 */
export const MEMORY_SELECT_BY_IDS = `SELECT m.*, p.tenant_id, p.user_id, p.agent_id, g.content AS message_text
  FROM json_each(?) wanted CROSS JOIN memories m JOIN partitions p ON p.id = m.partition_id
  LEFT JOIN messages g ON m.text = char(1) AND g.id = json_extract(m.source, '$.messageIds[0]')
  WHERE m.id = wanted.value`;

type TextColumns = { text: string; message_text?: string | null };

/** The text of a memory row (an episode's read through its message). */
export function textOf(row: TextColumns): string {
  return decodeText(row.text, row.message_text);
}

/** The index text of a memory row (stored without the copy of its text). */
export function indexTextOf(row: TextColumns & { index_text: string }): string {
  return decodeIndexText(textOf(row), row.index_text);
}

/** The `token_form` value of a memory's tokens, integers bound as SQLite INTEGERs (not REALs). */
export function tokenFormValue(indexText: string, tokens: readonly string[]): string | bigint | null {
  const form = encodeTokens(indexText, tokens);
  return typeof form === 'number' ? BigInt(form) : form;
}

/** The record of a SQLite memory row: the shared mapping over its decoded text and index text. */
export function memoryFromRow(row: MemoryRow): MemoryRecord {
  return sharedMemoryFromRow({ ...row, text: textOf(row), index_text: indexTextOf(row) });
}

/** The partition ids a read scope covers (usually one). */
export function resolvePartitions(db: Database.Database, scope: Scope): number[] {
  const clauses = ['tenant_id = ?'];
  const params: string[] = [scope.tenantId];
  const userLevel = userLevelOf(scope);
  if (userLevel !== undefined) {
    clauses.push('user_id = ?');
    params.push(userLevel);
  }
  if (scope.agentId !== undefined) {
    clauses.push('agent_id = ?');
    params.push(scope.agentId);
  }
  const rows = db
    .prepare(`SELECT id FROM partitions WHERE ${clauses.join(' AND ')}`)
    .all(...params) as Array<{ id: number }>;
  return rows.map((row) => row.id);
}

const statementCache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** A prepared statement for static SQL, compiled once per connection. */
export function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = statementCache.get(db);
  if (cache === undefined) {
    cache = new Map();
    statementCache.set(db, cache);
  }
  let statement = cache.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

/** The partition of a write scope, created on first use. */
export function ensurePartition(db: Database.Database, scope: Scope): number {
  const key = [scope.tenantId, userLevelOf(scope) ?? '', scope.agentId ?? ''];
  prepared(
    db,
    'INSERT INTO partitions (tenant_id, user_id, agent_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  ).run(...key);
  const row = prepared(
    db,
    'SELECT id FROM partitions WHERE tenant_id = ? AND user_id = ? AND agent_id = ?',
  ).get(...key) as { id: number };
  return row.id;
}

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/** The partition ids whose (tenant, user, agent) match a pattern ('' stores an absent level). */
function partitionsOfPattern(db: Database.Database, pattern: ScopePattern): number[] {
  const clauses = ['tenant_id = ?'];
  const params: string[] = [pattern.tenantId];
  for (const [column, value] of [
    ['user_id', pattern.userId],
    ['agent_id', pattern.agentId],
  ] as const) {
    if (value === undefined) continue;
    clauses.push(`${column} = ?`);
    params.push(value ?? '');
  }
  const rows = prepared(db, `SELECT id FROM partitions WHERE ${clauses.join(' AND ')}`).all(
    ...params,
  ) as Array<{
    id: number;
  }>;
  return rows.map((row) => row.id);
}

/** What a caller may see, compiled for SQLite: the SQL over `alias` and the partitions it spans. */
export interface VisibleScope extends SqlFragment {
  partitions: number[];
}

/**
 * The visibility rule (core/scope.ts `visibleScopePatterns`) as SQL over `alias.partition_id` and
 * `alias.session_id`: patterns are resolved to partitions and grouped by their session condition.
 */
export function visibleSql(
  db: Database.Database,
  alias: string,
  scope: Scope,
  access: ScopeAccess = 'read',
): VisibleScope {
  const groups = new Map<string, { session: string | null | undefined; partitions: Set<number> }>();
  for (const pattern of visibleScopePatterns(scope, access)) {
    const key = pattern.sessionId === undefined ? '*' : `=${pattern.sessionId ?? ''}`;
    const group = groups.get(key) ?? { session: pattern.sessionId, partitions: new Set<number>() };
    for (const partition of partitionsOfPattern(db, pattern)) group.partitions.add(partition);
    groups.set(key, group);
  }
  const clauses: string[] = [];
  const params: unknown[] = [];
  const all = new Set<number>();
  for (const { session, partitions } of groups.values()) {
    if (partitions.size === 0) continue;
    for (const partition of partitions) all.add(partition);
    let clause = `${alias}.partition_id IN (${[...partitions].map(() => '?').join(', ')})`;
    params.push(...partitions);
    if (session !== undefined) {
      clause += ` AND ${alias}.session_id = ?`;
      params.push(session ?? '');
    }
    clauses.push(`(${clause})`);
  }
  if (clauses.length === 0) return { sql: '0', params: [], partitions: [] };
  return { sql: `(${clauses.join(' OR ')})`, params, partitions: [...all] };
}

/**
 * Containment, not visibility: `alias.partition_id IN (…) AND alias.session_id = ?` for the scope and
 * everything below it (forgetScope, usage, stats, dumps, the message log); `0` when no partition matches.
 */
export function scopeSql(alias: string, partitions: number[], scope: Scope): SqlFragment {
  if (partitions.length === 0) return { sql: '0', params: [] };
  let sql = `${alias}.partition_id IN (${partitions.map(() => '?').join(', ')})`;
  const params: unknown[] = [...partitions];
  if (scope.sessionId !== undefined) {
    sql += ` AND ${alias}.session_id = ?`;
    params.push(scope.sessionId);
  }
  return { sql, params };
}

/** The documented MemoryFilter semantics as a SQL condition over alias `m`. */
export function filterSql(filter: MemoryFilter): SqlFragment {
  const clauses = ['(m.expires_at IS NULL OR m.expires_at > ?)'];
  const params: unknown[] = [filter.now];
  const known = filter.knownAt ?? filter.now;
  if (filter.knownAt !== undefined) clauses.push('m.created_at <= ?') && params.push(known);
  if (!filter.includeHistory) {
    // The end of the memory's validity as known at `known` (see matchesMemoryFilter).
    const end = 'CASE WHEN m.retired_at > ? THEN NULL ELSE COALESCE(m.valid_to, m.retired_at) END';
    if (filter.asOf !== undefined) {
      clauses.push('COALESCE(m.valid_from, m.observed_at) <= ?', `((${end}) IS NULL OR (${end}) > ?)`);
      params.push(filter.asOf, known, known, filter.asOf);
    } else {
      clauses.push('m.observed_at <= ?', `((${end}) IS NULL OR (${end}) > ?)`);
      params.push(known, known, known, known);
    }
  }
  if (filter.kinds !== undefined) {
    if (filter.kinds.length === 0) clauses.push('0');
    else {
      clauses.push(`m.kind IN (${filter.kinds.map(() => '?').join(', ')})`);
      params.push(...filter.kinds);
    }
  }
  if (filter.observedFrom !== undefined) {
    clauses.push('m.observed_at >= ?');
    params.push(filter.observedFrom);
  }
  if (filter.observedTo !== undefined) {
    clauses.push('m.observed_at <= ?');
    params.push(filter.observedTo);
  }
  for (const [key, value] of Object.entries(filter.metadata ?? {})) {
    const path = `$."${key.replaceAll('"', '""')}"`;
    if (value === null) {
      clauses.push(`json_type(m.metadata, ?) = 'null'`);
      params.push(path);
    } else if (typeof value === 'boolean') {
      clauses.push('json_type(m.metadata, ?) = ?');
      params.push(path, value ? 'true' : 'false');
    } else if (typeof value === 'number') {
      clauses.push(`json_type(m.metadata, ?) IN ('integer', 'real') AND json_extract(m.metadata, ?) = ?`);
      params.push(path, path, value);
    } else {
      clauses.push(`json_type(m.metadata, ?) = 'text' AND json_extract(m.metadata, ?) = ?`);
      params.push(path, path, value);
    }
  }
  return { sql: clauses.join(' AND '), params };
}

/** A token namespaced by its partition: `p<id>x<token>`; the digits then `x` make collisions impossible. */
export function partitionToken(partition: number, token: string): string {
  return `p${partition}x${token}`;
}

export function vectorBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

export function blobVector(blob: Buffer): Float32Array {
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float32Array(copy.buffer);
}
