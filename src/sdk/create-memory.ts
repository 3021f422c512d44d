// createMemory(): the SDK facade. It validates input, resolves the scope, and delegates to the write path
// (ingest), the read path (retrieve) and the store. It holds no memory logic of its own.
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { assembleContext, type ContextResult } from '../context/assemble-context.js';
import { type Clock, systemClock } from '../core/clock.js';
import { isMnemoError, MnemoError, notFound } from '../core/errors.js';
import { type IdGenerator, uuidV7 } from '../core/ids.js';
import type { HistoryEntry, JsonObject, MemoryRecord, Page } from '../core/records.js';
import { parseScope, type Scope, type ScopeInput } from '../core/scope.js';
import { timeInputSchema } from '../core/time-input.js';
import { parseInput } from '../core/validate.js';
import { type AddResult, addMessages } from '../ingest/add-messages.js';
import { buildRevision } from '../ingest/build-revision.js';
import { getProfile, type Profile } from '../ingest/infer/get-profile.js';
import { inferMemories } from '../ingest/infer/infer-memories.js';
import { addContentSchema, type MessageInput } from '../ingest/message-input.js';
import { type EmbeddingModel, embeddingModelKey } from '../models/embedding-model.js';
import type { LanguageModel } from '../models/language-model.js';
import { type SearchOptions, type SearchResponse, searchMemories } from '../retrieve/search-memories.js';
import type { MemoryFilter, MemoryStore, StoreDumpRow } from '../store/memory-store.js';
import {
  type AddOptions,
  addOptionsSchema,
  type ContextOptions,
  contextOptionsSchema,
  idSchema,
  type ListOptions,
  listOptionsSchema,
  type MemoryUpdate,
  querySchema,
  scopeFieldsSchema,
  updateSchema,
} from './options.js';
import { type EmbedderConfig, resolveEmbedder } from './resolve-embedder.js';
import { resolveStore, type StoreConfig } from './resolve-store.js';
import { buildStatus, type MemoryStatus } from './status.js';

export interface CreateMemoryOptions {
  /** A MemoryStore, a SQLite file path, a `postgres://` URL, a pg.Pool, or a store config. Default: `~/.mnemo/mnemo.db`. */
  store?: MemoryStore | string | StoreConfig | pg.Pool;
  /**
   * A language model for inferred memory (`add(…, { infer: true })`, the default when one is given):
   * facts, profile slots and procedures extracted and reconciled in one call per batch.
   */
  llm?: LanguageModel;
  /** Caps on what one inference call shows the model (known memories, previous turns). */
  inferLimits?: { maxExistingMemories?: number; maxPreviousTurns?: number };
  /** An EmbeddingModel, an embedder config, or `false` for lexical-only. Default: the built-in embedder. */
  embedder?: EmbeddingModel | EmbedderConfig | false;
  clock?: Clock;
  ids?: IdGenerator;
  /** Who is recorded as the actor in history (default `sdk`). */
  actor?: string;
  /** Defaults merged into every search. */
  searchDefaults?: Partial<SearchOptions>;
}

export type SearchCallOptions = ScopeInput & SearchOptions;
export type ScopeOptions = ScopeInput;

/** The memory engine handle returned by {@link createMemory}. */
export interface Memory extends AsyncDisposable {
  readonly store: MemoryStore;
  readonly embedder: EmbeddingModel | undefined;
  readonly llm: LanguageModel | undefined;
  /** Stores messages (or one text as a user message) and indexes each turn as an episode memory. */
  add(content: string | MessageInput[], options: AddOptions): Promise<AddResult>;
  /**
   * A ready-to-inject prompt section within `budgetTokens`: core blocks, profile, procedures, relevant
   * memories and recent turns, each cited with its id and date.
   */
  context(query: string, options: ContextOptions): Promise<ContextResult>;
  /** Hybrid search inside a scope; current memories only unless `asOf`/`includeHistory`. */
  search(query: string, options: SearchCallOptions): Promise<SearchResponse>;
  get(id: string, options: ScopeOptions): Promise<MemoryRecord>;
  /** The user's structured profile (topic → slot → value), kept by inferred memory. */
  getProfile(options: ScopeOptions & { asOf?: string | number | Date }): Promise<Profile>;
  list(options: ListOptions): Promise<Page<MemoryRecord>>;
  /** New text supersedes (history keeps the old version); other fields are patched in place. */
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
  /** Erases memories past their `expiresAt`. */
  purgeExpired(): Promise<{ purged: number }>;
  /** Re-embeds every memory with the current embedder, switching the store's embedding space. */
  reembed(options?: {
    batchSize?: number;
    onProgress?: (done: number) => void;
  }): Promise<{ reembedded: number; model: string }>;
  /** Every row of the store or of one scope, for export. */
  dump(options?: { scope?: ScopeInput }): AsyncIterable<StoreDumpRow>;
  restore(rows: StoreDumpRow[]): Promise<{ messages: number; memories: number; history: number }>;
  status(): Promise<MemoryStatus>;
  close(): Promise<void>;
}

/** The default store path: `~/.mnemo/mnemo.db`. */
export function defaultStorePath(): string {
  return path.join(os.homedir(), '.mnemo', 'mnemo.db');
}

/**
 * Opens a memory engine. With no options it uses `~/.mnemo/mnemo.db` and the built-in offline embedder.
 *
 * @example
 * const memory = await createMemory({ store: './agent.db' });
 * await memory.add('I moved to Lisbon last March', { userId: 'alice', observedAt: '2024-05-10' });
 * const { results } = await memory.search('where does alice live', { userId: 'alice', explain: true });
 * await memory.close();
 */
export async function createMemory(options: CreateMemoryOptions = {}): Promise<Memory> {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? uuidV7;
  const actor = options.actor ?? 'sdk';
  const store = await resolveStore(options.store ?? defaultStorePath());
  const embedder = resolveEmbedder(options.embedder, store);
  // A remote embedder learns its vector size from its first answer; learn it now, so the embedding-space key
  // (`provider:model:dimensions`) is right from the first write and search.
  if (embedder !== undefined && embedder.dimensions === 0) {
    try {
      await embedder.embed({ values: ['dimension probe'], purpose: 'document' });
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  let closed = false;
  const ensureOpen = () => {
    if (closed)
      throw new MnemoError({
        code: 'STORE_CLOSED',
        message: 'This memory was closed; call createMemory() again.',
      });
  };

  const memory: Memory = {
    store,
    embedder,
    llm: options.llm,
    async add(content, addOptions) {
      ensureOpen();
      const parsedContent = parseInput(addContentSchema, content, 'content');
      const parsed = parseInput(addOptionsSchema, addOptions ?? {}, 'add options');
      const scope = parseScope(pickScope(parsed));
      const infer = parsed.infer ?? options.llm !== undefined;
      if (infer && options.llm === undefined) {
        throw new MnemoError({
          code: 'UNSUPPORTED',
          message:
            'infer: true needs a language model; none is configured (set MNEMO_LLM_BASE_URL or pass `llm`).',
        });
      }
      const messages =
        typeof parsedContent === 'string'
          ? [{ role: 'user' as const, content: parsedContent }]
          : parsedContent;
      const metadata = (parsed.metadata ?? {}) as JsonObject;
      // Raw messages are stored first, so a failed extraction loses nothing and can be replayed.
      const raw = await addMessages({
        store,
        embedder,
        clock,
        ids,
        scope,
        messages,
        observedAt: parsed.observedAt,
        metadata,
        importance: parsed.importance ?? 0.5,
        expiresAt: parsed.expiresAt,
        origin: parsed.imported === true ? 'import' : undefined,
        actor,
      });
      if (!infer || options.llm === undefined) return raw;
      return withInference(raw, { llm: options.llm, scope, metadata });
    },
    async search(query, searchOptions) {
      ensureOpen();
      const text = parseInput(querySchema, query, 'query');
      const { tenantId, userId, agentId, sessionId, ...rest } = searchOptions ?? {};
      const scope = parseScope({ tenantId, userId, agentId, sessionId });
      return searchMemories({
        store,
        embedder,
        query: text,
        scope,
        options: { ...options.searchDefaults, ...rest },
        now: clock.now(),
      });
    },
    async context(query, contextOptions) {
      ensureOpen();
      const text = parseInput(querySchema, query, 'query');
      const parsed = parseInput(contextOptionsSchema, contextOptions ?? {}, 'context options');
      return assembleContext({
        store,
        embedder,
        query: text,
        scope: parseScope(pickScope(parsed)),
        budgetTokens: parsed.budgetTokens,
        now: clock.now(),
        recentTurns: parsed.recentTurns,
        search: options.searchDefaults,
      });
    },
    async getProfile(profileOptions) {
      ensureOpen();
      const { asOf, ...scopeOptions } = profileOptions ?? {};
      const scope = parseScope(scopeOptions);
      const at = asOf === undefined ? undefined : parseInput(timeInputSchema, asOf, 'asOf');
      return getProfile({ store, scope, now: clock.now(), ...(at === undefined ? {} : { asOf: at }) });
    },
    async get(id, scopeOptions) {
      ensureOpen();
      const scope = parseScope(scopeOptions);
      const memoryId = parseInput(idSchema, id, 'memory id');
      const record = await store.getMemory({ scope, id: memoryId });
      if (record === undefined) throw notFound('Memory', memoryId);
      return record;
    },
    async list(listOptions) {
      ensureOpen();
      const parsed = parseInput(listOptionsSchema, listOptions ?? {}, 'list options');
      const scope = parseScope(pickScope(parsed));
      const filter: MemoryFilter = { now: clock.now() };
      if (parsed.kinds !== undefined) filter.kinds = parsed.kinds;
      if (parsed.includeHistory !== undefined) filter.includeHistory = parsed.includeHistory;
      if (parsed.asOf !== undefined) filter.asOf = parsed.asOf;
      if (parsed.filters?.metadata !== undefined) filter.metadata = parsed.filters.metadata;
      if (parsed.filters?.observedFrom !== undefined) filter.observedFrom = parsed.filters.observedFrom;
      if (parsed.filters?.observedTo !== undefined) filter.observedTo = parsed.filters.observedTo;
      return store.listMemories({
        scope,
        filter,
        limit: parsed.limit,
        cursor: parsed.cursor,
        order: parsed.order,
      });
    },
    async update(id, update, scopeOptions) {
      ensureOpen();
      const scope = parseScope(scopeOptions);
      const memoryId = parseInput(idSchema, id, 'memory id');
      const parsed = parseInput(updateSchema, update, 'update');
      const now = clock.now();
      let previous = await store.getMemory({ scope, id: memoryId });
      if (previous === undefined) throw notFound('Memory', memoryId);
      let current = previous;
      if (parsed.text !== undefined) {
        const revision = buildRevision({ previous, text: parsed.text, id: ids(), now, actor });
        const embedding = await embedOne(revision.record.indexText);
        if (embedding !== undefined) revision.record.embeddingModel = embedding.model;
        const result = await store.supersedeMemory({
          scope,
          id: memoryId,
          replacement: { record: revision.record, tokens: revision.tokens, embedding: embedding?.vector },
          validTo: parsed.validTo,
          at: now,
          actor,
          reason: parsed.reason,
        });
        previous = result.previous;
        current = result.current;
      }
      const patch: Parameters<MemoryStore['patchMemory']>[0]['patch'] = {};
      if (parsed.importance !== undefined) patch.importance = parsed.importance;
      if (parsed.confidence !== undefined) patch.confidence = parsed.confidence;
      if (parsed.metadata !== undefined) patch.metadata = parsed.metadata as JsonObject;
      if (parsed.expiresAt !== undefined) {
        patch.expiresAt = parsed.expiresAt === null ? undefined : new Date(parsed.expiresAt).toISOString();
      }
      if (Object.keys(patch).length > 0 || parsed.expiresAt === null) {
        current = await store.patchMemory({ scope, id: current.id, patch, at: now, actor });
      }
      return { previous, current };
    },
    async forget(id, scopeOptions) {
      ensureOpen();
      const scope = parseScope(scopeOptions);
      return store.forgetMemory({ scope, id: parseInput(idSchema, id, 'memory id'), at: clock.now(), actor });
    },
    async forgetScope(scopeOptions) {
      ensureOpen();
      const scope = parseScope(parseInput(scopeFieldsSchema, scopeOptions ?? {}, 'scope'));
      return store.forgetScope({ scope, at: clock.now(), actor });
    },
    async history(id, scopeOptions) {
      ensureOpen();
      const scope = parseScope(scopeOptions);
      return store.listHistory({ scope, memoryId: parseInput(idSchema, id, 'memory id') });
    },
    async purgeExpired() {
      ensureOpen();
      return store.purgeExpired({ now: clock.now() });
    },
    async reembed(reembedOptions = {}) {
      ensureOpen();
      if (embedder === undefined) {
        throw new MnemoError({
          code: 'CONFIG_INVALID',
          message: 'reembed needs an embedder; none is configured.',
        });
      }
      const model = embeddingModelKey(embedder);
      const space = await store.getEmbeddingSpace();
      await store.setEmbeddingSpace({
        space: { model, dimensions: embedder.dimensions },
        replace: space?.model !== model,
      });
      let reembedded = 0;
      let cursor: string | undefined;
      do {
        const page = await store.listForReembed({ limit: reembedOptions.batchSize ?? 256, cursor });
        if (page.items.length === 0) break;
        const { embeddings } = await embedder.embed({
          values: page.items.map((item) => item.indexText),
          purpose: 'document',
        });
        await store.writeEmbeddings({
          items: page.items.map((item, index) => ({ id: item.id, embedding: embeddings[index]! })),
          model,
        });
        reembedded += page.items.length;
        reembedOptions.onProgress?.(reembedded);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return { reembedded, model };
    },
    dump(dumpOptions = {}) {
      ensureOpen();
      const scope = dumpOptions.scope === undefined ? undefined : parseScope(dumpOptions.scope);
      return store.dump({ scope });
    },
    async restore(rows) {
      ensureOpen();
      return store.restore({ rows });
    },
    async status() {
      ensureOpen();
      return buildStatus({ store, embedder });
    },
    async close() {
      if (closed) return;
      closed = true;
      await store.close();
    },
    async [Symbol.asyncDispose]() {
      await memory.close();
    },
  };

  /** Runs inference over freshly logged messages; a model failure becomes a warning, never lost data. */
  async function withInference(
    raw: AddResult,
    context: { llm: LanguageModel; scope: Scope; metadata: JsonObject },
  ): Promise<AddResult> {
    try {
      const inferred = await inferMemories({
        store,
        llm: context.llm,
        embedder,
        clock,
        ids,
        scope: context.scope,
        newMessages: raw.messages,
        limits: options.inferLimits,
        actor,
        metadata: context.metadata,
      });
      return {
        memories: [...raw.memories, ...inferred.memories],
        messages: raw.messages,
        operations: inferred.operations,
        usage: {
          llmCalls: inferred.usage.llmCalls,
          inputTokens: inferred.usage.inputTokens,
          outputTokens: inferred.usage.outputTokens,
          embeddingCalls: raw.usage.embeddingCalls + inferred.usage.embeddingCalls,
          latencyMs: raw.usage.latencyMs + inferred.usage.latencyMs,
        },
        warnings: [...raw.warnings, ...inferred.warnings],
      };
    } catch (error) {
      if (!isMnemoError(error) || (error.code !== 'LLM_FAILED' && error.code !== 'LLM_OUTPUT_INVALID'))
        throw error;
      return {
        ...raw,
        extractionError: error.toJSON(),
        warnings: [
          ...raw.warnings,
          `Extraction failed (${error.code}: ${error.message}); the ${raw.messages.length} messages are stored and can be reprocessed.`,
        ],
      };
    }
  }

  async function embedOne(text: string): Promise<{ vector: Float32Array; model: string } | undefined> {
    if (embedder === undefined) return undefined;
    const model = embeddingModelKey(embedder);
    const space = await store.getEmbeddingSpace();
    if (space !== undefined && space.model !== model) return undefined;
    if (space === undefined)
      await store.setEmbeddingSpace({ space: { model, dimensions: embedder.dimensions } });
    const { embeddings } = await embedder.embed({ values: [text], purpose: 'document' });
    return embeddings[0] === undefined ? undefined : { vector: embeddings[0], model };
  }

  return memory;
}

function pickScope(value: {
  tenantId?: string;
  userId?: string;
  agentId?: string;
  sessionId?: string;
}): ScopeInput {
  return {
    tenantId: value.tenantId,
    userId: value.userId,
    agentId: value.agentId,
    sessionId: value.sessionId,
  };
}
