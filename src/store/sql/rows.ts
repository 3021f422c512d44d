// Rows ⇄ records for every SQL backend, written once: JSON columns arrive as text (SQLite) or parsed (jsonb),
// epoch-ms columns as numbers (SQLite) or bigint strings (pg); both map to the same records.
import type { HistoryEntry, JsonObject, MemoryRecord, Message, Provenance } from '../../core/records.js';
import { scopeOfRow } from '../row-mapping.js';
import { decodeHash } from '../stored-fields.js';
import { type SqlFragment, sql } from './sql.js';

/** A JSON column: text on SQLite, already parsed on PostgreSQL (jsonb). */
export type JsonColumn<T> = string | T;
/** An epoch-ms column: a number on SQLite, a bigint string on PostgreSQL. */
export type TimeColumn = number | string;

/** The value of a JSON column, parsed when it arrives as text. */
export function jsonColumn<T>(value: JsonColumn<T>): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

interface ScopeColumns {
  tenant_id: string;
  user_id: string;
  agent_id: string;
  session_id: string;
}

/** The columns of a memory that every backend selects (each adds its own: rowid, partition, tokens). */
export interface MemoryColumns extends ScopeColumns {
  id: string;
  kind: string;
  text: string;
  index_text: string;
  attributes: JsonColumn<JsonObject>;
  metadata: JsonColumn<JsonObject>;
  importance: number;
  confidence: number;
  source: JsonColumn<Provenance>;
  observed_at: TimeColumn;
  valid_from: TimeColumn | null;
  valid_to: TimeColumn | null;
  created_at: TimeColumn;
  retired_at: TimeColumn | null;
  superseded_by: string | null;
  supersedes: string | null;
  expires_at: TimeColumn | null;
  access_count: number;
  last_accessed_at: TimeColumn | null;
  archived_at: TimeColumn | null;
  embedding_model: string | null;
  /** The content hash: hex text, or its 32 bytes where the backend stores them so (store/stored-fields.ts). */
  hash: string | Buffer;
}

export interface MessageColumns extends ScopeColumns {
  id: string;
  seq: number;
  role: string;
  name: string | null;
  content: string;
  observed_at: TimeColumn;
  metadata: JsonColumn<JsonObject>;
  created_at: TimeColumn;
}

export interface HistoryColumns extends ScopeColumns {
  /** NULL for an add event known by its memory's id (SQLite, since migration 9). */
  id: string | null;
  memory_id: string;
  event: string;
  before_json: JsonColumn<MemoryRecord> | null;
  after_json: JsonColumn<MemoryRecord> | null;
  at: TimeColumn;
  actor: string;
  reason: string | null;
}

/**
 * A stored time (epoch ms; PostgreSQL returns bigint as a string) as ISO-8601 UTC.
 *
 * @example
 * isoTime('1704844800000'); // '2024-01-10T00:00:00.000Z'
 */
export const isoTime = (ms: TimeColumn): string => new Date(Number(ms)).toISOString();

/**
 * The record of a memory row.
 *
 * @example
 * const record = memoryFromRow(row); // { id, scope, kind, text, … }
 */
export function memoryFromRow(row: MemoryColumns): MemoryRecord {
  const record: MemoryRecord = {
    id: row.id,
    scope: scopeOfRow(row),
    kind: row.kind as MemoryRecord['kind'],
    text: row.text,
    indexText: row.index_text,
    attributes: jsonColumn(row.attributes),
    metadata: jsonColumn(row.metadata),
    importance: row.importance,
    confidence: row.confidence,
    source: jsonColumn(row.source),
    observedAt: isoTime(row.observed_at),
    createdAt: isoTime(row.created_at),
    accessCount: row.access_count,
    hash: decodeHash(row.hash),
  };
  if (row.valid_from !== null) record.validFrom = isoTime(row.valid_from);
  if (row.valid_to !== null) record.validTo = isoTime(row.valid_to);
  if (row.retired_at !== null) record.retiredAt = isoTime(row.retired_at);
  if (row.superseded_by !== null) record.supersededBy = row.superseded_by;
  if (row.supersedes !== null) record.supersedes = row.supersedes;
  if (row.expires_at !== null) record.expiresAt = isoTime(row.expires_at);
  if (row.last_accessed_at !== null) record.lastAccessedAt = isoTime(row.last_accessed_at);
  if (row.archived_at != null) record.archivedAt = isoTime(row.archived_at);
  if (row.embedding_model !== null) record.embeddingModel = row.embedding_model;
  return record;
}

/**
 * The logged message of a message row.
 *
 * @example
 * const message = messageFromRow(row); // { id, scope, role, content, seq, … }
 */
export function messageFromRow(row: MessageColumns): Message {
  const message: Message = {
    id: row.id,
    scope: scopeOfRow(row),
    role: row.role as Message['role'],
    content: row.content,
    observedAt: isoTime(row.observed_at),
    seq: row.seq,
    metadata: jsonColumn(row.metadata),
    createdAt: isoTime(row.created_at),
  };
  if (row.name !== null) message.name = row.name;
  return message;
}

/**
 * The history entry of a history row.
 *
 * @example
 * const entry = historyFromRow(row); // { id, memoryId, event, before?, after?, … }
 */
export function historyFromRow(row: HistoryColumns): HistoryEntry {
  const entry: HistoryEntry = {
    id: row.id ?? row.memory_id,
    memoryId: row.memory_id,
    scope: scopeOfRow(row),
    event: row.event as HistoryEntry['event'],
    at: isoTime(row.at),
    actor: row.actor,
  };
  if (row.before_json !== null) entry.before = jsonColumn(row.before_json);
  if (row.after_json !== null) entry.after = jsonColumn(row.after_json);
  if (row.reason !== null) entry.reason = row.reason;
  return entry;
}

/** Epoch ms of an optional ISO time, or null. */
const msOrNull = (value: string | undefined): number | null =>
  value === undefined ? null : Date.parse(value);

/**
 * The columns every backend stores for a memory besides its id, scope and search data, with their values
 * (JSON as text, times as epoch ms), for an INSERT: `(id, <scope>, ${columns}, …) VALUES (…, ${values}, …)`.
 * `stored` replaces the text, index text and hash with the forms a backend stores (SQLite: store/stored-fields.ts).
 *
 * @example
 * const memory = memoryColumnValues(record, { embeddingModel: null });
 */
export function memoryColumnValues(
  record: MemoryRecord,
  options: {
    embeddingModel: string | null;
    stored?: { text: string; indexText: string; hash: string | Buffer };
  },
): { columns: SqlFragment; values: SqlFragment } {
  return {
    columns: sql.raw(
      'kind, text, index_text, attributes, metadata, importance, confidence, source, observed_at, valid_from, ' +
        'valid_to, created_at, retired_at, superseded_by, supersedes, expires_at, access_count, last_accessed_at, ' +
        'archived_at, embedding_model, hash',
    ),
    values: sql.join([
      record.kind,
      options.stored?.text ?? record.text,
      options.stored?.indexText ?? record.indexText,
      JSON.stringify(record.attributes),
      JSON.stringify(record.metadata),
      record.importance,
      record.confidence,
      JSON.stringify(record.source),
      Date.parse(record.observedAt),
      msOrNull(record.validFrom),
      msOrNull(record.validTo),
      Date.parse(record.createdAt),
      msOrNull(record.retiredAt),
      record.supersededBy ?? null,
      record.supersedes ?? null,
      msOrNull(record.expiresAt),
      record.accessCount,
      msOrNull(record.lastAccessedAt),
      msOrNull(record.archivedAt),
      options.embeddingModel,
      options.stored?.hash ?? record.hash,
    ]),
  };
}
