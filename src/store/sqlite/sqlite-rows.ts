// Row ⇄ record mapping, scope resolution to partitions, and MemoryFilter → SQL for the SQLite store.
import type Database from 'better-sqlite3';
import type { HistoryEntry, JsonObject, MemoryRecord, Message, Provenance } from '../../core/records.js';
import { type Scope, type ScopeAccess, type ScopePattern, visibleScopePatterns } from '../../core/scope.js';
import { cleanTokens, msOrNull, scopeOfRow } from '../row-mapping.js';
import { decodeHash, decodeIndexText, decodeText } from '../stored-fields.js';
import { encodeTokens } from '../stored-tokens.js';

export { cleanTokens, msOrNull, scopeOfRow };

import type { MemoryFilter } from '../memory-store.js';

export interface MemoryRow {
  rid: number;
  id: string;
  partition_id: number;
  session_id: string;
  tenant_id: string;
  user_id: string;
  agent_id: string;
  kind: string;
  /** Stored as store/stored-fields.ts encodes it; read it with `textOf`. */
  text: string;
  /** The content of an episode's message when `text` refers to it (joined by MEMORY_SELECT). */
  message_text?: string | null;
  /** Stored as store/stored-fields.ts encodes it; read it with `indexTextOf`. */
  index_text: string;
  attributes: string;
  metadata: string;
  importance: number;
  confidence: number;
  source: string;
  observed_at: number;
  valid_from: number | null;
  valid_to: number | null;
  created_at: number;
  retired_at: number | null;
  superseded_by: string | null;
  supersedes: string | null;
  expires_at: number | null;
  access_count: number;
  last_accessed_at: number | null;
  embedding_model: string | null;
  hash: string | Buffer;
  /** The full-text tokens, stored as store/stored-tokens.ts encodes them. */
  token_form: string | number | null;
}

export interface MessageRow {
  id: string;
  tenant_id: string;
  user_id: string;
  agent_id: string;
  session_id: string;
  seq: number;
  role: string;
  name: string | null;
  content: string;
  observed_at: number;
  metadata: string;
  created_at: number;
}

export interface HistoryRow {
  /** NULL for an add written since migration 9: its id is its memory's. */
  id: string | null;
  memory_id: string;
  tenant_id: string;
  user_id: string;
  agent_id: string;
  session_id: string;
  event: string;
  before_json: string | null;
  after_json: string | null;
  at: number;
  actor: string;
  reason: string | null;
}

/** Memory rows with their scope and, for an episode whose text is its message's, that message's content. */
export const MEMORY_SELECT = `SELECT m.*, p.tenant_id, p.user_id, p.agent_id, g.content AS message_text
  FROM memories m JOIN partitions p ON p.id = m.partition_id
  LEFT JOIN messages g ON m.text = char(1) AND g.id = json_extract(m.source, '$.messageIds[0]')`;

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrUndefined = (ms: number | null): string | undefined => (ms === null ? undefined : iso(ms));

/** The index text of a memory row (stored without the copy of its text). */
export function indexTextOf(row: TextColumns & { index_text: string }): string {
  return decodeIndexText(textOf(row), row.index_text);
}

type TextColumns = { text: string; message_text?: string | null };

/** The text of a memory row (an episode's read through its message). */
export function textOf(row: TextColumns): string {
  return decodeText(row.text, row.message_text);
}

/** The `token_form` value of a memory's tokens, integers bound as SQLite INTEGERs (not REALs). */
export function tokenFormValue(indexText: string, tokens: readonly string[]): string | bigint | null {
  const form = encodeTokens(indexText, tokens);
  return typeof form === 'number' ? BigInt(form) : form;
}

export function memoryFromRow(row: MemoryRow): MemoryRecord {
  const record: MemoryRecord = {
    id: row.id,
    scope: scopeOfRow(row),
    kind: row.kind as MemoryRecord['kind'],
    text: textOf(row),
    indexText: indexTextOf(row),
    attributes: JSON.parse(row.attributes) as JsonObject,
    metadata: JSON.parse(row.metadata) as JsonObject,
    importance: row.importance,
    confidence: row.confidence,
    source: JSON.parse(row.source) as Provenance,
    observedAt: iso(row.observed_at),
    createdAt: iso(row.created_at),
    accessCount: row.access_count,
    hash: decodeHash(row.hash),
  };
  const optional: Partial<MemoryRecord> = {
    validFrom: isoOrUndefined(row.valid_from),
    validTo: isoOrUndefined(row.valid_to),
    retiredAt: isoOrUndefined(row.retired_at),
    supersededBy: row.superseded_by ?? undefined,
    supersedes: row.supersedes ?? undefined,
    expiresAt: isoOrUndefined(row.expires_at),
    lastAccessedAt: isoOrUndefined(row.last_accessed_at),
    embeddingModel: row.embedding_model ?? undefined,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (record as unknown as Record<string, unknown>)[key] = value;
  }
  return record;
}

export function messageFromRow(row: MessageRow): Message {
  const message: Message = {
    id: row.id,
    scope: scopeOfRow(row),
    role: row.role as Message['role'],
    content: row.content,
    observedAt: iso(row.observed_at),
    seq: row.seq,
    metadata: JSON.parse(row.metadata) as JsonObject,
    createdAt: iso(row.created_at),
  };
  if (row.name !== null) message.name = row.name;
  return message;
}

export function historyFromRow(row: HistoryRow): HistoryEntry {
  const entry: HistoryEntry = {
    id: row.id ?? row.memory_id,
    memoryId: row.memory_id,
    scope: scopeOfRow(row),
    event: row.event as HistoryEntry['event'],
    at: iso(row.at),
    actor: row.actor,
  };
  if (row.before_json !== null) entry.before = JSON.parse(row.before_json) as MemoryRecord;
  if (row.after_json !== null) entry.after = JSON.parse(row.after_json) as MemoryRecord;
  if (row.reason !== null) entry.reason = row.reason;
  return entry;
}

/** The partition ids a read scope covers (usually one). */
export function resolvePartitions(db: Database.Database, scope: Scope): number[] {
  const clauses = ['tenant_id = ?'];
  const params: string[] = [scope.tenantId];
  if (scope.userId !== undefined) {
    clauses.push('user_id = ?');
    params.push(scope.userId);
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
  const key = [scope.tenantId, scope.userId ?? '', scope.agentId ?? ''];
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
