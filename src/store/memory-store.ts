// The MemoryStore contract: what every backend (SQLite, PostgreSQL) must do, and nothing about how.
//
// Conventions every implementation follows (the conformance suite checks them):
// - Every user-facing read and write takes a parsed `Scope`. A read scope matches records with the same
//   tenant and equal on every level the scope names; levels it leaves out match anything. A record is
//   never returned outside its tenant, and no method widens a scope.
// - Every mutating method is one transaction: it happens entirely, with its history, or not at all.
// - Times in and out of the store are epoch milliseconds inside `MemoryFilter`, ISO strings on records.
// - Lexical search works on tokens produced by the caller (see models/text-analyzer.ts), so every backend
//   indexes and ranks the same token stream. Scores are higher-is-better.
// - Vector search returns cosine similarity (higher is better) and cosine distance (1 - similarity).

import type { Grant, Space } from '../core/access.js';
import type { GraphFacts } from '../core/graph.js';
import type {
  HistoryEntry,
  HistoryEvent,
  JsonObject,
  JsonValue,
  MemoryKind,
  MemoryRecord,
  Message,
  Page,
  Usage,
  UsageTotals,
  WorkingEntry,
} from '../core/records.js';
import type { Scope } from '../core/scope.js';
import type { AccessStore } from './access-store.js';
import type { GraphStore } from './graph-store.js';
import type { ApiKeyStore } from './keys/api-key-store.js';
import type { MaintenanceStore } from './maintenance-store.js';
import type { InferenceQueue } from './queue/inference-queue.js';

export interface StoreCapabilities {
  /** Vector similarity search is available. */
  vectorSearch: boolean;
  /** BM25-style full-text search is available. */
  fullTextSearch: boolean;
  /** Several processes may write at once. */
  concurrentWriters: boolean;
  /** How lexical scores are computed, for documentation and `explain`. */
  lexicalRanking: string;
  /** How vector search runs, e.g. "sqlite-vec exact cosine per partition". */
  vectorIndex: string;
}

/**
 * Which memories a read may return, beyond the scope. Two times, two questions (bitemporal):
 * - `asOf` (valid time) asks "what was true in the world at T": validFrom (default observedAt) <= T < end;
 * - `knownAt` (record time) asks "what did Mnemo know at K": createdAt <= K and not retired at K.
 * See `matchesMemoryFilter` (store/filter.ts) for the exact rule every backend implements.
 */
export interface MemoryFilter {
  kinds?: MemoryKind[] | undefined;
  /** Epoch ms, valid time: memories true in the world at this instant. Ignored with `includeHistory`. */
  asOf?: number | undefined;
  /** Epoch ms, record time: memories Mnemo held at this instant (default: `now`). */
  knownAt?: number | undefined;
  /** Return retired and invalidated memories too. */
  includeHistory?: boolean | undefined;
  /** Epoch ms, inclusive bounds on `observedAt`. */
  observedFrom?: number | undefined;
  observedTo?: number | undefined;
  /** Equality on top-level `metadata` keys (all must match). */
  metadata?: Record<string, string | number | boolean | null> | undefined;
  /** Epoch ms, used to hide expired memories. Required so stores never read the wall clock themselves. */
  now: number;
}

export interface MemoryWrite {
  record: MemoryRecord;
  /** Lexical tokens for the full-text index (already analysed). */
  tokens: string[];
  /** The embedding of `record.indexText`, in the store's embedding space, when an embedder is configured. */
  embedding?: Float32Array | undefined;
  /** Entities and relations the memory states, resolved and linked in the same transaction. */
  graph?: GraphFacts | undefined;
}

export interface NewMessage {
  id: string;
  scope: Scope;
  role: Message['role'];
  name?: string | undefined;
  content: string;
  /** Epoch ms. */
  observedAt: number;
  metadata: JsonObject;
  /** Epoch ms. */
  createdAt: number;
}

export interface LexicalHit {
  id: string;
  /** BM25, higher is better (the negation of FTS5's bm25()). */
  score: number;
}

export interface VectorHit {
  id: string;
  /** Cosine similarity in [-1, 1]. */
  similarity: number;
}

/** The embedding space a store holds: all its vectors share one model and one dimension count. */
export interface EmbeddingSpace {
  /** `provider:model:dimensions`. */
  model: string;
  dimensions: number;
}

export interface ReembedItem {
  id: string;
  indexText: string;
}

export interface StoreStats {
  memories: number;
  currentMemories: number;
  messages: number;
  /** Bytes on disk, when the backend can tell. */
  sizeBytes?: number;
  embeddingSpace?: EmbeddingSpace;
  schemaVersion: number;
}

/** A message to log at a known position: `seq` is the one it must get (see `MemoryStore.appendTurns`). */
export interface SequencedMessage extends NewMessage {
  seq: number;
}

/** What `patchMemory` changes: absent or `undefined` = unchanged; `expiresAt: null` = no longer expires. */
export interface MemoryPatch {
  importance?: number | undefined;
  confidence?: number | undefined;
  metadata?: JsonObject | undefined;
  /** ISO-8601 time; `null` clears it. */
  expiresAt?: string | null | undefined;
}

/** A memory's new index, written in place (see `MemoryStore.reindexMemory`). */
export interface ReindexWrite {
  scope: Scope;
  id: string;
  indexText: string;
  tokens: string[];
  embedding?: Float32Array | undefined;
}

/**
 * An idempotency record: what one keyed request wrote, kept so a retry with the same key returns it instead
 * of writing again. `result` is chosen by the caller and holds ids, never content (so erasing what the
 * request wrote leaves no copy of it here).
 */
export interface IdempotencyRecord {
  tenantId: string;
  key: string;
  /** A hash of the request: the same key with another request is a CONFLICT. */
  requestHash: string;
  result: JsonValue;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms; an expired record is gone (never returned, purged by later writes). */
  expiresAt: number;
}

/** A record to keep with a write, and the ids it must not outlive. */
export interface IdempotencyWrite extends IdempotencyRecord {
  /**
   * Ids of messages and memories the request wrote (or found). Erasing any of them (forget, forgetScope,
   * expiry) erases the record with it: a forgotten user leaves no key behind.
   */
  targetIds: string[];
}

/** The messages and memories of one add, written together (see `MemoryStore.appendTurns`). */
export interface TurnsWrite {
  /** In order; each `seq` must be the next free one of its exact scope when the transaction runs. */
  messages: SequencedMessage[];
  /** New memories (usually the messages' episodes), each with an `add` history entry. */
  memories: MemoryWrite[];
  /** Existing memories re-indexed in the same transaction (the episode of the turn before the batch). */
  reindex?: ReindexWrite[] | undefined;
  /** Kept with the write. When the key is already recorded (and not expired), nothing is written. */
  idempotency?: IdempotencyWrite | undefined;
  actor: string;
  /** Epoch ms: history time, and the clock for idempotency expiry. */
  at: number;
}

/** What `appendTurns` did: wrote everything, or found the idempotency key already recorded. */
export type TurnsOutcome =
  | { status: 'written'; messages: Message[] }
  | { status: 'replayed'; record: IdempotencyRecord };

/** What `MemoryStore.vacuum` did. */
export interface VacuumReport {
  /** The tables vacuumed. */
  tables: string[];
  /** True when the tables were rewritten (`VACUUM FULL` on PostgreSQL; SQLite's VACUUM always is). */
  rewritten: boolean;
}

/** A whole-store dump row, for export and migration between backends. */
export type StoreDumpRow =
  | { type: 'space'; space: Space }
  | { type: 'grant'; grant: Grant }
  | { type: 'message'; message: Message }
  | { type: 'memory'; memory: MemoryRecord; tokens: string[]; embedding?: Float32Array }
  | { type: 'history'; entry: HistoryEntry };

/** What `restore` wrote (rows already present are skipped and not counted). */
export interface RestoreCounts {
  messages: number;
  memories: number;
  history: number;
  spaces: number;
  grants: number;
}

/** The inference queue a store keeps beside its data (see `MemoryStore.openInferenceQueue`). */
export interface StoreInferenceQueue {
  /** Not yet initialised: the caller calls `init()` (and `close()`). */
  queue: InferenceQueue;
  /** False when the queue lives only as long as the process (e.g. a `:memory:` SQLite store). */
  durable: boolean;
}

export interface MemoryStore extends GraphStore, MaintenanceStore, AsyncDisposable {
  /** `sqlite`, `postgres`, or a third backend's name. */
  readonly provider: 'sqlite' | 'postgres' | (string & {});
  readonly capabilities: StoreCapabilities;

  /**
   * The inference queue that lives in the store's own database (its file, its schema and pool), when the
   * backend keeps one. A store without it gets an in-memory queue unless the caller passes one.
   */
  openInferenceQueue?(): StoreInferenceQueue;
  /** Spaces, grants, the access check and the audit log (core/access.ts), in the store's own database. */
  readonly access: AccessStore;
  /** The API keys that live in the store's own database, when the backend keeps them (not initialised). */
  openApiKeyStore?(): ApiKeyStore;

  /** Opens, migrates and prepares the store. Call once before anything else. */
  init(): Promise<void>;
  /** Releases connections and file handles. Idempotent. */
  close(): Promise<void>;

  // --- the episodic log ---
  /**
   * Appends messages in order, assigning each its `seq` within its scope (tenant, user, agent, session).
   * Messages only: `add()` writes messages with their episodes through `appendTurns` instead.
   */
  appendMessages(input: { messages: NewMessage[] }): Promise<Message[]>;
  getMessages(input: { scope: Scope; ids: string[] }): Promise<Message[]>;
  /** Messages in `seq` order (then observedAt), optionally bounded by seq. */
  listMessages(input: {
    scope: Scope;
    fromSeq?: number | undefined;
    toSeq?: number | undefined;
    limit: number;
    cursor?: string | undefined;
  }): Promise<Page<Message>>;

  // --- memories ---
  /** Inserts new memories (ids, times and hashes already set by the caller), each with an `add` history entry. */
  insertMemories(input: { memories: MemoryWrite[]; actor: string; at: number }): Promise<void>;
  getMemory(input: { scope: Scope; id: string }): Promise<MemoryRecord | undefined>;
  getMemories(input: { scope: Scope; ids: string[] }): Promise<MemoryRecord[]>;
  /** Newest first by default (by observedAt, then id). */
  listMemories(input: {
    scope: Scope;
    filter: MemoryFilter;
    limit: number;
    cursor?: string | undefined;
    order?: 'asc' | 'desc' | undefined;
  }): Promise<Page<MemoryRecord>>;
  /** Finds current memories in the scope with this content hash (for dedupe). */
  findByHash(input: { scope: Scope; hashes: string[]; now: number }): Promise<MemoryRecord[]>;
  /**
   * Writes `replacement` as the new version of memory `id`: the old one gets `retiredAt = at`,
   * `supersededBy`, and `validTo` (given, else `at`), the new one `supersedes`. History: `supersede`.
   * Throws NOT_FOUND for an id outside the scope and CONFLICT when the memory is already retired.
   */
  supersedeMemory(input: {
    scope: Scope;
    id: string;
    replacement: MemoryWrite;
    validTo?: number | undefined;
    at: number;
    actor: string;
    reason?: string | undefined;
  }): Promise<{ previous: MemoryRecord; current: MemoryRecord }>;
  /** Marks memory `id` as no longer true since `validTo`; retired at `at`. History: `invalidate`. */
  invalidateMemory(input: {
    scope: Scope;
    id: string;
    validTo: number;
    at: number;
    actor: string;
    reason?: string | undefined;
  }): Promise<MemoryRecord>;
  /**
   * The current (not superseded, not retired) episode of each logged message in the scope, keyed by
   * message id; messages without one are absent. Used to keep episodes' conversational context current.
   */
  episodesOfMessages(input: { scope: Scope; messageIds: string[] }): Promise<Map<string, MemoryRecord>>;
  /**
   * Replaces memory `id`'s index text, full-text tokens and vector in place. Search data derived from the
   * content, not content, so no history entry. Without `embedding`, the stored vector is dropped (it was
   * made from the old index text; `reembed` restores it). The cached embedding of the old index text is
   * erased too, since it may carry text of a neighbouring turn that was forgotten. NOT_FOUND outside the scope.
   */
  reindexMemory(input: {
    scope: Scope;
    id: string;
    indexText: string;
    tokens: string[];
    embedding?: Float32Array | undefined;
  }): Promise<void>;
  /**
   * Changes fields that are not the content (importance, confidence, metadata, expiresAt) in place.
   * History: `update` with before/after. Content changes go through `supersedeMemory`. A field absent or
   * `undefined` stays as it is; `expiresAt: null` clears the expiry.
   */
  patchMemory(input: {
    scope: Scope;
    id: string;
    patch: MemoryPatch;
    at: number;
    actor: string;
  }): Promise<MemoryRecord>;
  /**
   * Erases memory `id` and every version in its supersession chain: rows, full-text entries, vectors,
   * history snapshots and cached embeddings of their text — and, for `episode` memories, the logged
   * messages they index (an episode is its message). Leaves one `forget` tombstone per id with no
   * content. Throws NOT_FOUND for an id outside the scope.
   */
  forgetMemory(input: {
    scope: Scope;
    id: string;
    at: number;
    actor: string;
  }): Promise<{ forgottenIds: string[] }>;
  /**
   * Erases every memory, message, history entry, working-memory entry and usage total inside `scope`
   * (never outside it; the scope must name a user, agent or session), with their tombstones and any
   * bookkeeping row that names the scope's ids. Returns counts.
   */
  forgetScope(input: {
    scope: Scope;
    at: number;
    actor: string;
  }): Promise<{ memories: number; messages: number }>;
  /**
   * Reclaims the space of erased rows. PostgreSQL: `VACUUM` (or `VACUUM FULL`, which rewrites the table
   * and index files so that erased bytes leave them) on every table of Mnemo's schema. SQLite: `VACUUM`
   * (the file is rebuilt and shrinks; erased bytes are zeroed already) and an emptied write-ahead log.
   */
  vacuum?(input: { full?: boolean | undefined }): Promise<VacuumReport>;
  listHistory(input: { scope: Scope; memoryId: string }): Promise<HistoryEntry[]>;
  /**
   * Erases memories whose `expiresAt` <= now, across all scopes or inside `scope` (a maintenance job;
   * history: `expire`, erased as strongly as `forgetMemory`), and expired working-memory entries. `purged`
   * counts memories.
   */
  purgeExpired(input: { now: number; scope?: Scope | undefined }): Promise<{ purged: number }>;
  /** Bumps access counts and `lastAccessedAt` of returned memories. */
  recordAccess(input: { scope: Scope; ids: string[]; at: number }): Promise<void>;

  // --- retrieval candidates ---
  /** BM25 over the analysed tokens of memories in the scope that pass the filter. */
  searchLexical(input: {
    scope: Scope;
    terms: string[];
    filter: MemoryFilter;
    limit: number;
  }): Promise<LexicalHit[]>;
  /** Nearest neighbours by cosine among memories in the scope that pass the filter. */
  searchVector(input: {
    scope: Scope;
    embedding: Float32Array;
    filter: MemoryFilter;
    limit: number;
  }): Promise<VectorHit[]>;

  // --- embeddings ---
  /** The store's embedding space, once the first vector was written. */
  getEmbeddingSpace(): Promise<EmbeddingSpace | undefined>;
  /**
   * Declares the embedding space. The first call fixes it; a later call with another model or dimension
   * count throws EMBEDDING_MISMATCH unless `replace` is set, which drops every stored vector.
   */
  setEmbeddingSpace(input: { space: EmbeddingSpace; replace?: boolean | undefined }): Promise<void>;
  /** Memories whose vector is missing or from another model, across all scopes (for `mnemo reembed`). */
  listForReembed(input: { limit: number; cursor?: string | undefined }): Promise<Page<ReembedItem>>;
  writeEmbeddings(input: {
    items: Array<{ id: string; embedding: Float32Array }>;
    model: string;
  }): Promise<void>;
  /** The stored vectors of memories in the scope, by id; memories without one are absent. */
  getVectors(input: { scope: Scope; ids: string[] }): Promise<Map<string, Float32Array>>;
  getCachedEmbeddings(input: { model: string; hashes: string[] }): Promise<Map<string, Float32Array>>;
  putCachedEmbeddings(input: {
    model: string;
    entries: Array<{ hash: string; embedding: Float32Array }>;
  }): Promise<void>;

  // --- working memory: a per-session scratchpad, keyed by exactly one scope (tenant, user, agent, session) ---
  /**
   * Sets `key` in exactly `scope` (insert, or replace value and expiry keeping `createdAt`); the scope must
   * name a session (INVALID_INPUT otherwise). Expired entries of the scope are dropped first; a new key in a
   * scope that already holds `maxEntries` live keys is INVALID_INPUT and changes nothing.
   */
  setWorkingEntry(input: {
    scope: Scope;
    key: string;
    value: JsonValue;
    /** Epoch ms; absent means no expiry. */
    expiresAt?: number | undefined;
    at: number;
    maxEntries: number;
  }): Promise<WorkingEntry>;
  /** The live entries (not expired at `now`) of exactly `scope`, by key; only `keys` when given. */
  listWorkingEntries(input: {
    scope: Scope;
    keys?: string[] | undefined;
    now: number;
  }): Promise<WorkingEntry[]>;
  /**
   * Deletes `keys` (every entry when absent) of exactly `scope`, expired ones included; `deleted` counts
   * the entries that were live at `now`.
   */
  deleteWorkingEntries(input: {
    scope: Scope;
    keys?: string[] | undefined;
    now: number;
  }): Promise<{ deleted: number }>;

  // --- usage accounting ---
  /**
   * Adds one operation's model usage to the running totals of exactly `scope` (one row per tenant, user,
   * agent and session; `at` is epoch ms). Not part of dumps: totals describe this store's own spending.
   */
  recordUsage(input: { scope: Scope; usage: Usage; at: number }): Promise<void>;
  /** The totals of every scope inside `scope` (matched like reads), zero when nothing was recorded. */
  getUsage(input: { scope: Scope }): Promise<UsageTotals>;

  // --- whole-store operations ---
  stats(input?: { scope?: Scope | undefined }): Promise<StoreStats>;
  /**
   * Every row of the store (or of one scope): spaces and grants first (all of them, or a space scope's own),
   * then messages, memories and history. The audit log and usage totals are this store's own and stay.
   */
  dump(input?: {
    scope?: Scope | undefined;
    includeEmbeddings?: boolean | undefined;
  }): AsyncIterable<StoreDumpRow>;
  /** Writes dump rows verbatim (ids and times kept), skipping ids already present. */
  restore(input: { rows: StoreDumpRow[] }): Promise<RestoreCounts>;

  // --- one add, one transaction ---
  /** The `seq` the next message logged in exactly `scope` (tenant, user, agent and session) would get. */
  nextMessageSeq(input: { scope: Scope }): Promise<number>;
  /**
   * Writes one add in ONE transaction: its messages, its memories (rows, full-text entries, vectors, `add`
   * history), the re-index of neighbouring episodes and the idempotency record, all or nothing.
   * - Each message's `seq` must be the next free one of its exact scope at that moment (callers read it
   *   with `nextMessageSeq` and build episodes from it); otherwise CONFLICT with `details.reason`
   *   `'stale-turns'`, and nothing is written: recompute and retry. A re-index target that is gone, and an
   *   episode of a message that is neither in `messages` nor a logged message without any episode, are
   *   stale the same way.
   * - With `idempotency`: when (tenant, key) is already recorded and not expired, nothing is written and
   *   the record is returned (`replayed`); with another `requestHash` it is CONFLICT (`details.reason`
   *   `'idempotency-key-reused'`). Expired records are purged on the way.
   * Any other failure (a vector outside the embedding space, a constraint) also writes nothing.
   */
  appendTurns(input: TurnsWrite): Promise<TurnsOutcome>;
  /** The live (not expired at `now`) idempotency record of (tenantId, key). */
  getIdempotencyRecord(input: {
    tenantId: string;
    key: string;
    now: number;
  }): Promise<IdempotencyRecord | undefined>;
  /**
   * Replaces the result of a live record (an add whose inference finished after its raw write). Does
   * nothing when the record is gone.
   */
  updateIdempotencyResult(input: { tenantId: string; key: string; result: JsonValue }): Promise<void>;

  // --- crash recovery ---
  /**
   * True when logged messages may lack their episode: on a store migrated from a version that wrote a
   * message and its episode in two transactions (a crash between them left an orphan), until
   * `markOrphanScanDone()`. Stores written only through `appendTurns` have none.
   */
  needsOrphanScan(): Promise<boolean>;
  /** Logged messages with no episode memory at all (current or retired), across all scopes, by id. */
  listOrphanMessages(input: { limit: number; cursor?: string | undefined }): Promise<Page<Message>>;
  /** Records that no orphan is left, so later opens skip the scan. */
  markOrphanScanDone(): Promise<void>;
}

export type { HistoryEvent };
