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
  kinds?: MemoryKind[];
  /** Epoch ms, valid time: memories true in the world at this instant. Ignored with `includeHistory`. */
  asOf?: number;
  /** Epoch ms, record time: memories Mnemo held at this instant (default: `now`). */
  knownAt?: number;
  /** Return retired and invalidated memories too. */
  includeHistory?: boolean;
  /** Epoch ms, inclusive bounds on `observedAt`. */
  observedFrom?: number;
  observedTo?: number;
  /** Equality on top-level `metadata` keys (all must match). */
  metadata?: Record<string, string | number | boolean | null>;
  /** Epoch ms, used to hide expired memories. Required so stores never read the wall clock themselves. */
  now: number;
}

export interface MemoryWrite {
  record: MemoryRecord;
  /** Lexical tokens for the full-text index (already analysed). */
  tokens: string[];
  /** The embedding of `record.indexText`, in the store's embedding space, when an embedder is configured. */
  embedding?: Float32Array;
}

export interface NewMessage {
  id: string;
  scope: Scope;
  role: Message['role'];
  name?: string;
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

/** A whole-store dump row, for export and migration between backends. */
export type StoreDumpRow =
  | { type: 'message'; message: Message }
  | { type: 'memory'; memory: MemoryRecord; tokens: string[]; embedding?: Float32Array }
  | { type: 'history'; entry: HistoryEntry };

export interface MemoryStore extends AsyncDisposable {
  readonly provider: 'sqlite' | 'postgres';
  readonly capabilities: StoreCapabilities;

  /** Opens, migrates and prepares the store. Call once before anything else. */
  init(): Promise<void>;
  /** Releases connections and file handles. Idempotent. */
  close(): Promise<void>;

  // --- the episodic log ---
  /** Appends messages in order, assigning each its `seq` within its scope (tenant, user, agent, session). */
  appendMessages(input: { messages: NewMessage[] }): Promise<Message[]>;
  getMessages(input: { scope: Scope; ids: string[] }): Promise<Message[]>;
  /** Messages in `seq` order (then observedAt), optionally bounded by seq. */
  listMessages(input: {
    scope: Scope;
    fromSeq?: number;
    toSeq?: number;
    limit: number;
    cursor?: string;
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
    cursor?: string;
    order?: 'asc' | 'desc';
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
    validTo?: number;
    at: number;
    actor: string;
    reason?: string;
  }): Promise<{ previous: MemoryRecord; current: MemoryRecord }>;
  /** Marks memory `id` as no longer true since `validTo`; retired at `at`. History: `invalidate`. */
  invalidateMemory(input: {
    scope: Scope;
    id: string;
    validTo: number;
    at: number;
    actor: string;
    reason?: string;
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
    embedding?: Float32Array;
  }): Promise<void>;
  /**
   * Changes fields that are not the content (importance, confidence, metadata, expiresAt) in place.
   * History: `update` with before/after. Content changes go through `supersedeMemory`.
   */
  patchMemory(input: {
    scope: Scope;
    id: string;
    patch: Partial<Pick<MemoryRecord, 'importance' | 'confidence' | 'metadata' | 'expiresAt'>>;
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
   * (never outside it; the scope must name a user, agent or session). Returns counts.
   */
  forgetScope(input: {
    scope: Scope;
    at: number;
    actor: string;
  }): Promise<{ memories: number; messages: number }>;
  listHistory(input: { scope: Scope; memoryId: string }): Promise<HistoryEntry[]>;
  /**
   * Erases memories whose `expiresAt` <= now, across all scopes (a maintenance job; history: `expire`),
   * and expired working-memory entries. `purged` counts memories.
   */
  purgeExpired(input: { now: number }): Promise<{ purged: number }>;
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
  setEmbeddingSpace(input: { space: EmbeddingSpace; replace?: boolean }): Promise<void>;
  /** Memories whose vector is missing or from another model, across all scopes (for `mnemo reembed`). */
  listForReembed(input: { limit: number; cursor?: string }): Promise<Page<ReembedItem>>;
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
    expiresAt?: number;
    at: number;
    maxEntries: number;
  }): Promise<WorkingEntry>;
  /** The live entries (not expired at `now`) of exactly `scope`, by key; only `keys` when given. */
  listWorkingEntries(input: { scope: Scope; keys?: string[]; now: number }): Promise<WorkingEntry[]>;
  /**
   * Deletes `keys` (every entry when absent) of exactly `scope`, expired ones included; `deleted` counts
   * the entries that were live at `now`.
   */
  deleteWorkingEntries(input: { scope: Scope; keys?: string[]; now: number }): Promise<{ deleted: number }>;

  // --- usage accounting ---
  /**
   * Adds one operation's model usage to the running totals of exactly `scope` (one row per tenant, user,
   * agent and session; `at` is epoch ms). Not part of dumps: totals describe this store's own spending.
   */
  recordUsage(input: { scope: Scope; usage: Usage; at: number }): Promise<void>;
  /** The totals of every scope inside `scope` (matched like reads), zero when nothing was recorded. */
  getUsage(input: { scope: Scope }): Promise<UsageTotals>;

  // --- whole-store operations ---
  stats(input?: { scope?: Scope }): Promise<StoreStats>;
  /** Every row of the store (or of one scope), messages first, then memories, then history. */
  dump(input?: { scope?: Scope; includeEmbeddings?: boolean }): AsyncIterable<StoreDumpRow>;
  /** Writes dump rows verbatim (ids and times kept), skipping ids already present. */
  restore(input: { rows: StoreDumpRow[] }): Promise<{ messages: number; memories: number; history: number }>;
}

export type { HistoryEvent };
