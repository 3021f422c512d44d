// The Memory handle and the options of createMemory(): the SDK's public contract, kept apart from its wiring.
import type pg from 'pg';
import type { ContextResult } from '../context/assemble-context.js';
import type { CoreBlocks } from '../context/core-blocks.js';
import type { ProfileSlots } from '../context/profile-slots.js';
import type { WorkingMemory } from '../context/working-memory.js';
import type { Caller } from '../core/access.js';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { HistoryEntry, MemoryRecord, Page, UsageTotals } from '../core/records.js';
import type { Scope, ScopeInput } from '../core/scope.js';
import type { GraphMethods } from '../graph/graph-methods.js';
import type { AddResult } from '../ingest/add-messages.js';
import type { ExtractionFailure } from '../ingest/infer/buffered-ingest.js';
import type { Profile } from '../ingest/infer/get-profile.js';
import type { BatchPolicy, InferenceQueue } from '../ingest/infer/inference-queue.js';
import type { FlushResult, ReprocessResult } from '../ingest/infer/inference-runner.js';
import type { MessageInput } from '../ingest/message-input.js';
import type { MaintainReport } from '../lifecycle/maintain/maintain-report.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import type { LanguageModel } from '../models/language-model.js';
import type { SearchOptions, SearchResponse } from '../retrieve/search-memories.js';
import type { MemoryStore, RestoreCounts, StoreDumpRow } from '../store/memory-store.js';
import type {
  AddOptions,
  ContextOptions,
  FailuresOptions,
  ListOptions,
  MaintainOptions,
  MaintenanceOption,
  MaintenanceScope,
  MemoryUpdate,
  ReprocessOptions,
} from './options.js';
import type { EmbedderConfig } from './resolve-embedder.js';
import type { StoreConfig } from './resolve-store.js';
import type { SharingMethods } from './sharing-methods.js';
import type { MemoryStatus } from './status.js';

/** Who is calling (see core/access.ts `Caller`): absent for the store's owner, set by the servers from the API key. */
export interface CallerOption {
  caller?: Caller | undefined;
}

export interface CreateMemoryOptions {
  /** A MemoryStore, a SQLite file path, a `postgres://` URL, a pg.Pool, or a store config. Default: `~/.mnemo/mnemo.db`. */
  store?: MemoryStore | string | StoreConfig | pg.Pool | undefined;
  /**
   * A language model for inferred memory (`add(…, { infer: true })`, the default when one is given):
   * facts, profile slots and procedures extracted and reconciled in one call per batch.
   */
  llm?: LanguageModel | undefined;
  /** Caps on what one inference call shows the model (known memories, previous turns). */
  inferLimits?:
    | { maxExistingMemories?: number | undefined; maxPreviousTurns?: number | undefined }
    | undefined;
  /**
   * When messages added with `buffer: true` are inferred: once a session has `minBatch` of them (default 4)
   * or its oldest waited `maxWaitMs` (default 60 000), at most `maxBatch` (default 16) per model call.
   */
  buffer?: { [Setting in keyof BatchPolicy]?: BatchPolicy[Setting] | undefined } | undefined;
  /**
   * Automatic session summaries, on by default when `llm` is given: a session is summarised into a
   * `summary` memory after `afterTokens` new tokens (default 2 000) or `idleMs` of silence (default 30 min).
   * `false` turns them off.
   */
  summaries?: boolean | { afterTokens?: number | undefined; idleMs?: number | undefined } | undefined;
  /**
   * Runs due work every `intervalMs` on a timer: buffered batches past `maxWaitMs` and idle sessions'
   * summaries. Off by default (due work then runs on later adds and on `flush()`). The timer is unref'd
   * and stopped by `close()`.
   */
  background?: { intervalMs: number } | undefined;
  /**
   * Where buffered messages, extraction failures and session activity are kept (`init()` is called, and
   * `close()` closes it). Default: beside the store (its SQLite file, its PostgreSQL schema).
   */
  inferenceQueue?: InferenceQueue | undefined;
  /** An EmbeddingModel, an embedder config, or `false` for lexical-only. Default: the built-in embedder. */
  embedder?: EmbeddingModel | EmbedderConfig | false | undefined;
  clock?: Clock | undefined;
  ids?: IdGenerator | undefined;
  /** Who is recorded as the actor in history (default `sdk`). */
  actor?: string | undefined;
  /**
   * Read entities and relations from every memory written (default true). Offline extraction costs well
   * under a millisecond per turn; `false` leaves the graph as it is (its reads still work).
   */
  graph?: boolean | undefined;
  /** Defaults merged into every search. */
  searchDefaults?: Partial<SearchOptions> | undefined;
  /**
   * Upkeep (`maintain()`): the decay curve (`halfLifeDays`, `archiveBelow`), the default budget of a run, and
   * `intervalMs` to run it on a timer (off unless given; unref'd, stopped by `close()`). `false` turns the
   * timer off and makes `maintain()` skip decay.
   */
  maintenance?: MaintenanceOption | undefined;
  /**
   * Keep an audit log of who read or wrote which scope or space (default true): writes and administration
   * one row each, reads one row per hour, principal, surface and scope. Denials are always recorded.
   */
  audit?: boolean | undefined;
}

/**
 * The options of `add()`: `AddOptions` and an optional `idempotencyKey` (1-255 printable ASCII characters).
 * The first call with a key stores its result with the write, in the same transaction; a retry with the
 * same key in the same tenant within 24 hours writes nothing and returns that result (`replayed: true`),
 * across processes and restarts. The same key with a different request is a CONFLICT.
 */
export type AddCallOptions = AddOptions & CallerOption;

export type SearchCallOptions = ScopeOptions &
  SearchOptions & {
    /** Also search the spaces the acting user/agent was granted (default true); results carry their scope. */
    includeSpaces?: boolean | undefined;
  };
/**
 * A call's scope: `{ userId, agentId?, sessionId? }`, or `{ spaceId }` (with the acting `agentId`/`userId`,
 * checked against the space's grants), and who is calling (`caller`, set by the servers from the API key).
 */
export type ScopeOptions = ScopeInput & CallerOption;

/** The memory engine handle returned by {@link createMemory}. */
export interface Memory extends AsyncDisposable, SharingMethods {
  readonly store: MemoryStore;
  readonly embedder: EmbeddingModel | undefined;
  readonly llm: LanguageModel | undefined;
  /**
   * Core blocks (as Letta's): labelled texts pinned first in every context(), per user and/or agent, each
   * with a character limit; `append`/`replace` let an agent edit its own memory, every change is versioned.
   *
   * @example
   * await memory.core.set('persona', 'Answer in Portuguese.', { userId: 'erin', limit: 500 });
   * await memory.core.append('persona', 'Keep answers short.', { userId: 'erin' });
   */
  readonly core: CoreBlocks;
  /**
   * The session's working memory: named scratchpad entries (a plan, variables, intermediate results) with
   * an optional TTL, shown in context() and erased with the session.
   *
   * @example
   * await memory.working.set('plan', 'book the flight', { userId: 'erin', sessionId: 's9' });
   */
  readonly working: WorkingMemory;
  /**
   * The structured profile (topic → slot → value): read it, or set and unset slots by hand. A slot is a
   * `profile` memory; setting it supersedes the current value, and `update()` of that memory changes it too.
   *
   * @example
   * await memory.profile.set('food.allergies', 'peanuts', { userId: 'erin' });
   */
  readonly profile: ProfileSlots;
  /**
   * The temporal knowledge graph: entities (people, places, organisations, things) read from every memory
   * written, the relations between them with validity over time, and hand merges of duplicates.
   *
   * @example
   * const { entity, relations } = await memory.graph.entity('Emma', { userId: 'alice' });
   * const current = relations.filter((relation) => relation.validTo === undefined);
   */
  readonly graph: GraphMethods;
  /**
   * Stores messages (or one text as a user message) and indexes each turn as an episode memory. With an
   * `llm` it then infers facts, profile slots and procedures (one call), or with `buffer: true` queues the
   * messages for batched inference; `usage` includes any due batch or session summary it ran.
   *
   * @example
   * const { memories, usage } = await memory.add('I moved to Lisbon', { userId: 'alice', sessionId: 's1' });
   * const { pending } = await memory.add(turns, { userId: 'alice', sessionId: 's1', buffer: true });
   * // A fact written by hand (no LLM, no logged message), kept for the user across sessions:
   * await memory.add('Erin is allergic to peanuts', { userId: 'erin', kind: 'fact' });
   * // Safe to retry: the second call writes nothing and returns the first call's result.
   * await memory.add('I moved to Lisbon', { userId: 'alice', idempotencyKey: 'msg-8c1f' });
   */
  add(content: string | MessageInput[], options: AddCallOptions): Promise<AddResult>;
  /**
   * A ready-to-inject prompt section within `budgetTokens`: core blocks, working memory, profile,
   * procedures, relevant long-term memories, the session summary and the newest turns, each cited, with
   * what did not fit counted in `omitted`.
   *
   * @example
   * const { text } = await memory.context('what should I cook for Erin', { userId: 'erin', sessionId: 's9', budgetTokens: 300 });
   */
  context(query: string, options: ContextOptions & CallerOption): Promise<ContextResult>;
  /** Hybrid search inside a scope; current memories only unless `asOf`/`includeHistory`. */
  search(query: string, options: SearchCallOptions): Promise<SearchResponse>;
  get(id: string, options: ScopeOptions): Promise<MemoryRecord>;
  /** The user's structured profile (topic → slot → value): the same as `profile.get`. */
  getProfile(options: ScopeOptions & { asOf?: string | number | Date | undefined }): Promise<Profile>;
  list(options: ListOptions & CallerOption): Promise<Page<MemoryRecord>>;
  /**
   * New text (or a new `observedAt`/`validFrom`) supersedes: history keeps the old version, the edit keeps
   * the original statement's time unless `observedAt` is given, and the old version's validity ends when the
   * new one's begins. Other fields are patched in place.
   *
   * @example
   * await memory.update(id, { text: 'I moved to Lisbon last March', observedAt: '2024-06-05' }, { userId: 'erin' });
   */
  update(
    id: string,
    update: MemoryUpdate,
    options: ScopeOptions,
  ): Promise<{ previous: MemoryRecord; current: MemoryRecord }>;
  /** Erases the memory and all its versions for real; leaves a content-free tombstone in history. */
  forget(id: string, options: ScopeOptions): Promise<{ forgottenIds: string[] }>;
  /** Erases everything inside a user, agent or session scope (never wider). */
  forgetScope(options: ScopeOptions): Promise<{ memories: number; messages: number }>;
  history(id: string, options: ScopeOptions): Promise<HistoryEntry[]>;
  /** Erases memories past their `expiresAt` (inside the scope, or everywhere), as strongly as `forget`. */
  purgeExpired(options?: MaintenanceScope): Promise<{ purged: number }>;
  /**
   * Upkeep, per exact scope inside `options` (none = every tenant): erases expired memories, merges
   * restatements (offline by documented thresholds; with an LLM also paraphrases, in batches) behind a loss
   * guard, retires memories a newer statement contradicts, reflects insights (LLM), and archives memories
   * whose strength faded. Incremental (only what is new since the last run), bounded by `maxLlmCalls` and
   * `maxMemories`, safe with several processes (a scope is claimed by one run at a time).
   *
   * @example
   * const report = await memory.maintain({ userId: 'alice' });
   * console.log(report.merged, report.superseded, report.purged, report.remaining);
   */
  maintain(options?: MaintainOptions): Promise<MaintainReport>;
  /**
   * Undoes a merge: its sources become current again and the merged memory is erased (a tombstone stays).
   *
   * @example
   * const { restored } = await memory.unmerge(mergedId, { userId: 'alice' });
   */
  unmerge(id: string, options: ScopeOptions): Promise<{ restored: MemoryRecord[]; erasedId: string }>;
  /**
   * Makes an archived memory (faded below the strength threshold) current again.
   *
   * @example
   * const current = await memory.unarchive(id, { userId: 'alice' });
   */
  unarchive(id: string, options: ScopeOptions): Promise<MemoryRecord>;
  /** Re-embeds every memory with the current embedder, switching the store's embedding space. */
  reembed(options?: {
    batchSize?: number | undefined;
    onProgress?: ((done: number) => void) | undefined;
  }): Promise<{ reembedded: number; model: string }>;
  /** Every row of the store or of one scope, for export. */
  dump(options?: { scope?: ScopeInput | undefined }): AsyncIterable<StoreDumpRow>;
  restore(rows: StoreDumpRow[]): Promise<RestoreCounts>;
  /**
   * Infers every buffered message now (inside the scope, or everywhere) and summarises idle sessions.
   *
   * @example
   * await memory.add(turns, { userId: 'alice', sessionId: 's1', buffer: true });
   * const { memories, usage, failures } = await memory.flush({ userId: 'alice' });
   */
  flush(options?: MaintenanceScope): Promise<FlushResult>;
  /**
   * Model usage accumulated inside a scope (every add, flush, reprocess and summary), read from the store.
   *
   * @example
   * const { llmCalls, inputTokens, outputTokens } = await memory.usage({ userId: 'alice' });
   */
  usage(options: ScopeOptions): Promise<UsageTotals & { scope: Scope }>;
  /**
   * Messages whose extraction failed (code, message, attempts, time), oldest first.
   *
   * @example
   * const failed = await memory.failures({ userId: 'alice' });
   */
  failures(options?: FailuresOptions): Promise<ExtractionFailure[]>;
  /**
   * Re-runs extraction for failed messages (inside the scope, or the given ids); success clears the failure.
   *
   * @example
   * const { reprocessed, memories } = await memory.reprocess({ userId: 'alice' });
   */
  reprocess(options?: ReprocessOptions): Promise<ReprocessResult>;
  status(): Promise<MemoryStatus>;
  close(): Promise<void>;
}
