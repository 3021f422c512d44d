// createMemory(): the SDK facade. It validates input, resolves the scope, and delegates to the write path
// (ingest), the read path (retrieve) and the store. It holds no memory logic of its own.
import os from 'node:os';
import path from 'node:path';
import { assembleContext } from '../context/assemble-context.js';
import { createCoreBlocks } from '../context/core-blocks.js';
import { createProfileSlots } from '../context/profile-slots.js';
import { createWorkingMemory } from '../context/working-memory.js';
import { systemClock } from '../core/clock.js';
import { MnemoError, notFound } from '../core/errors.js';
import { uuidV7 } from '../core/ids.js';
import type { JsonObject } from '../core/records.js';
import { parseScope, type Scope, type ScopeInput } from '../core/scope.js';
import { parseInput } from '../core/validate.js';
import { releaseNeighbourContext } from '../ingest/episode-neighbours.js';
import { type BatchPolicy, batchPolicyDefaults } from '../ingest/infer/inference-queue.js';
import { reviseMemory } from '../ingest/revise-memory.js';
import { embeddingModelKey } from '../models/embedding-model.js';
import { searchMemories } from '../retrieve/search-memories.js';
import type { MemoryFilter } from '../store/memory-store.js';
import { addMemory } from './add-memory.js';
import { type SummaryThresholds, summaryThresholdDefaults } from './auto-summaries.js';
import { createInferenceRunner, type InferenceRunner } from './inference-runner.js';
import type { CreateMemoryOptions, Memory } from './memory.js';
import {
  backgroundOptionSchema,
  batchPolicySchema,
  contextOptionsSchema,
  failuresOptionsSchema,
  idSchema,
  listOptionsSchema,
  type MaintenanceScope,
  maintenanceScopeSchema,
  querySchema,
  reprocessOptionsSchema,
  scopeFieldsSchema,
  summariesOptionSchema,
  updateSchema,
} from './options.js';
import { repairAtOpen } from './repair-at-open.js';
import { resolveEmbedder } from './resolve-embedder.js';
import { resolveInferenceQueue } from './resolve-inference-queue.js';
import { resolveStore } from './resolve-store.js';
import { buildStatus } from './status.js';

export type {
  AddCallOptions,
  CreateMemoryOptions,
  Memory,
  ScopeOptions,
  SearchCallOptions,
} from './memory.js';

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
  const settings = inferenceSettings(options);
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
  const queue = await resolveInferenceQueue({
    store,
    ...(options.inferenceQueue === undefined ? {} : { queue: options.inferenceQueue }),
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  // A store written by an older version may hold messages a crash left without their episode.
  let repairWarnings = await repairAtOpen({ store, embedder, clock, ids });
  const runner: InferenceRunner = createInferenceRunner({
    store,
    queue,
    llm: options.llm,
    embedder,
    clock,
    ids,
    actor,
    ...(options.inferLimits === undefined ? {} : { limits: options.inferLimits }),
    policy: settings.policy,
    summaries: settings.summaries,
  });
  if (settings.backgroundMs !== undefined) runner.startBackground(settings.backgroundMs);
  let closed = false;
  const ensureOpen = () => {
    if (closed)
      throw new MnemoError({
        code: 'STORE_CLOSED',
        message: 'This memory was closed; call createMemory() again.',
      });
  };

  const keyed = { store, embedder, clock, ids, actor };
  const core = guarded(createCoreBlocks(keyed), ensureOpen);
  const working = guarded(createWorkingMemory({ store, clock }), ensureOpen);
  const profile = guarded(createProfileSlots(keyed), ensureOpen);

  const memory: Memory = {
    store,
    embedder,
    llm: options.llm,
    async add(content, addOptions) {
      ensureOpen();
      return addMemory({ ...keyed, llm: options.llm, runner }, content, addOptions);
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
        sessionOnly: parsed.sessionOnly,
        search: options.searchDefaults,
      });
    },
    core,
    working,
    profile,
    async getProfile(profileOptions) {
      ensureOpen();
      return profile.get(profileOptions ?? {});
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
      if (parsed.knownAt !== undefined) filter.knownAt = parsed.knownAt;
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
      const { metadata, ...revision } = parseInput(updateSchema, update, 'update');
      return reviseMemory({
        ...keyed,
        scope,
        id: memoryId,
        revision: { ...revision, ...(metadata === undefined ? {} : { metadata: metadata as JsonObject }) },
      });
    },
    async forget(id, scopeOptions) {
      ensureOpen();
      const scope = parseScope(scopeOptions);
      const memoryId = parseInput(idSchema, id, 'memory id');
      // A forgotten turn's words also leave the neighbouring episodes indexed with them.
      await releaseNeighbourContext({ store, embedder, scope, id: memoryId });
      return store.forgetMemory({ scope, id: memoryId, at: clock.now(), actor });
    },
    async forgetScope(scopeOptions) {
      ensureOpen();
      const scope = parseScope(parseInput(scopeFieldsSchema, scopeOptions ?? {}, 'scope'));
      const forgotten = await store.forgetScope({ scope, at: clock.now(), actor });
      await queue.queue.discardScope({ scope });
      return forgotten;
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
    async flush(flushOptions) {
      ensureOpen();
      return runner.flush(
        maintenanceScope(parseInput(maintenanceScopeSchema, flushOptions ?? {}, 'flush options')),
      );
    },
    async usage(scopeOptions) {
      ensureOpen();
      const scope = parseScope(parseInput(scopeFieldsSchema, scopeOptions ?? {}, 'scope'));
      return { scope, ...(await store.getUsage({ scope })) };
    },
    async failures(failuresOptions) {
      ensureOpen();
      const { limit, ...scopeFields } = parseInput(
        failuresOptionsSchema,
        failuresOptions ?? {},
        'failures options',
      );
      const scope = maintenanceScope(scopeFields);
      return runner.failures({ limit, ...(scope === undefined ? {} : { scope }) });
    },
    async reprocess(reprocessOptions) {
      ensureOpen();
      const { messageIds, ...scopeFields } = parseInput(
        reprocessOptionsSchema,
        reprocessOptions ?? {},
        'reprocess options',
      );
      const scope = maintenanceScope(scopeFields);
      return runner.reprocess({
        ...(scope === undefined ? {} : { scope }),
        ...(messageIds === undefined ? {} : { messageIds }),
      });
    },
    async status() {
      ensureOpen();
      const status = await buildStatus({
        store,
        embedder,
        llm: options.llm,
        inference: await runner.status(),
        queueWarning: queue.warning,
        repairWarnings,
      });
      // The repair done at open is news once.
      repairWarnings = [];
      return status;
    },
    async close() {
      if (closed) return;
      closed = true;
      await runner.stopBackground();
      await queue.queue.close();
      await store.close();
    },
    async [Symbol.asyncDispose]() {
      await memory.close();
    },
  };

  return memory;
}

/** Wraps every method of a namespace so it refuses to run once the memory is closed. */
function guarded<T extends object>(namespace: T, ensureOpen: () => void): T {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(namespace)) {
    wrapped[name] =
      typeof method === 'function'
        ? (...args: unknown[]) => {
            ensureOpen();
            return (method as (...inner: unknown[]) => unknown)(...args);
          }
        : method;
  }
  return wrapped as T;
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

/** Validates the inference options before anything is opened. */
function inferenceSettings(options: CreateMemoryOptions): {
  policy: BatchPolicy;
  summaries: SummaryThresholds | undefined;
  backgroundMs: number | undefined;
} {
  const defined = <T extends object>(value: T) =>
    Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
  const policy = {
    ...batchPolicyDefaults,
    ...defined(parseInput(batchPolicySchema, options.buffer ?? {}, 'buffer options')),
  };
  const summaries = parseInput(summariesOptionSchema, options.summaries ?? true, 'summaries option');
  const backgroundMs =
    options.background === undefined
      ? undefined
      : parseInput(backgroundOptionSchema, options.background, 'background option').intervalMs;
  return {
    policy,
    summaries:
      summaries === false
        ? undefined
        : { ...summaryThresholdDefaults, ...(summaries === true ? {} : defined(summaries)) },
    backgroundMs,
  };
}

/** A maintenance scope: undefined (every tenant), a whole tenant, or a parsed scope. */
function maintenanceScope(fields: MaintenanceScope): Scope | undefined {
  if (fields.userId === undefined && fields.agentId === undefined && fields.sessionId === undefined) {
    return fields.tenantId === undefined ? undefined : { tenantId: fields.tenantId };
  }
  return parseScope(fields);
}
