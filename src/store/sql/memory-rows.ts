// The per-dialect steps the store's rules (store/sql/) run inside a transaction: find, insert and change a
// memory row (with its full-text entry and vector), write history, follow and erase supersession chains.
import type { HistoryEvent, MemoryRecord } from '../../core/records.js';
import { isVisible, type Scope, type ScopeAccess } from '../../core/scope.js';
import type { MemoryWrite, ReindexWrite } from '../memory-store.js';
import type { SqlConnection } from './dialect.js';
import { type MemoryColumns, memoryFromRow } from './rows.js';
import type { SqlFragment } from './sql.js';

/**
 * One history entry to append (`id` defaults to a fresh uuid v7; an add's to its memory's id). An `add`
 * stores only what its memory row cannot tell later (store/history-events.ts).
 */
export interface HistoryWrite {
  id?: string | undefined;
  memoryId: string;
  scope: MemoryRecord['scope'];
  event: HistoryEvent;
  before?: MemoryRecord | undefined;
  after?: MemoryRecord | undefined;
  at: number;
  actor: string;
  reason?: string | undefined;
}

/** A content-free history entry left for each erased memory. */
export interface Tombstone {
  event: HistoryEvent;
  at: number;
  actor: string;
}

/**
 * What a backend does with memory rows, inside the transaction `Tx` of its store. SQLite writes the
 * contentless FTS5 entry and the vec0 vector; PostgreSQL the tsvector column and the pgvector row.
 */
export interface MemoryRows<Tx, Row extends MemoryColumns = MemoryColumns> {
  /** The record of a row (SQLite decodes its compact text, index text and hash: store/stored-fields.ts). */
  record(row: Row): MemoryRecord;
  /** The row of memory `id`, locked against concurrent writers when `lock` is set (where rows lock). */
  byId(tx: Tx, id: string, options?: { lock?: boolean }): Promise<Row | undefined>;
  /** Inserts a memory with its full-text entry and vector (checked against the embedding space). */
  insert(tx: Tx, write: MemoryWrite): Promise<void>;
  /** Sets columns of memory `id`: `set` is the SET list, e.g. sql`valid_to = ${at}`. */
  update(tx: Tx, id: string, set: SqlFragment): Promise<void>;
  /** Appends a history entry. */
  history(tx: Tx, entry: HistoryWrite): Promise<void>;
  /** Every memory linked to `start` through supersedes / supersededBy, in either direction. */
  chain(tx: Tx, start: Row): Promise<Row[]>;
  /**
   * Erases memories: rows, full-text entries, vectors, history, cached embeddings of their index text and
   * the logged messages of erased episodes; with `tombstone`, one content-free entry per memory.
   */
  erase(tx: Tx, rows: Row[], options: { tombstone?: Tombstone }): Promise<void>;
  /** Replaces a memory's index text, full-text entry and vector in place (see MemoryStore.reindexMemory). */
  reindex(tx: Tx, row: Row, write: ReindexWrite): Promise<void>;
  /** True when message `id` is logged (locked against a concurrent erase where rows lock). */
  messageLogged(tx: Tx, id: string): Promise<boolean>;
  /** True when some memory (current or retired) is the episode of message `id`. */
  hasEpisode(tx: Tx, messageId: string): Promise<boolean>;
  /** The transaction's statements through the seam. */
  statements(tx: Tx): SqlConnection;
}

/**
 * The memory row `id` when a caller with `scope` may see it (`read`) or change it (`write`, row locked).
 *
 * @example
 * const row = await rowInScope(rows, tx, { scope, id, access: 'write' });
 */
export async function rowInScope<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  tx: Tx,
  input: { scope: Scope; id: string; access?: ScopeAccess },
): Promise<Row | undefined> {
  const access = input.access ?? 'read';
  const row = await rows.byId(tx, input.id, { lock: access === 'write' });
  return row !== undefined && isVisible(input.scope, memoryFromRow(row).scope, access) ? row : undefined;
}

/**
 * Inserts new memories, each with its `add` history entry.
 *
 * @example
 * await addMemories(rows, tx, { memories, actor: 'agent', at: Date.now() });
 */
export async function addMemories<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  tx: Tx,
  input: { memories: MemoryWrite[]; actor: string; at: number },
): Promise<void> {
  for (const write of input.memories) {
    await rows.insert(tx, write);
    await rows.history(tx, {
      memoryId: write.record.id,
      scope: write.record.scope,
      event: 'add',
      after: write.record,
      at: input.at,
      actor: input.actor,
    });
  }
}
