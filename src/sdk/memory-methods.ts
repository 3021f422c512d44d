// The methods of the Memory handle, grouped as createMemory() wires them: each validates its input at the
// edge and delegates to the write path (ingest), the read path (retrieve, context) or lifecycle work.
import { assembleContext } from '../context/assemble-context.js';
import type { ProfileSlots } from '../context/profile-slots.js';
import { requestedSpace } from '../core/access.js';
import type { Clock } from '../core/clock.js';
import { notFound } from '../core/errors.js';
import type { GraphStep } from '../core/graph.js';
import type { IdGenerator } from '../core/ids.js';
import type { JsonObject } from '../core/records.js';
import { parseScope, type Scope, type ScopeInput } from '../core/scope.js';
import type { StrengthPolicy } from '../core/strength.js';
import { parseInput } from '../core/validate.js';
import { forgetMemory, forgetScope } from '../ingest/forget-memory.js';
import type { InferenceQueue } from '../ingest/infer/inference-queue.js';
import type { InferenceRunner } from '../ingest/infer/inference-runner.js';
import { reviseMemory } from '../ingest/revise-memory.js';
import { runMaintenance } from '../lifecycle/maintain/maintain.js';
import { maintainSteps } from '../lifecycle/maintain/maintain-report.js';
import type { MaintenanceRun } from '../lifecycle/maintain/schedule.js';
import { reembedMemories } from '../lifecycle/reembed.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import type { LanguageModel } from '../models/language-model.js';
import { type SearchOptions, searchMemories } from '../retrieve/search-memories.js';
import type { MemoryFilter, MemoryStore } from '../store/memory-store.js';
import type { AccessGate } from './access-gate.js';
import { addMemory } from './add-memory.js';
import type { Memory } from './memory.js';
import {
  contextOptionsSchema,
  failuresOptionsSchema,
  idSchema,
  listOptionsSchema,
  type MaintenanceScope,
  maintainOptionsSchema,
  maintenanceScopeSchema,
  querySchema,
  reprocessOptionsSchema,
  updateSchema,
} from './options.js';

/** What the methods are built from: everything createMemory() opened or was given. */
export interface MemoryDeps {
  store: MemoryStore;
  embedder: EmbeddingModel | undefined;
  llm: LanguageModel | undefined;
  queue: InferenceQueue;
  runner: InferenceRunner;
  clock: Clock;
  ids: IdGenerator;
  /** Who is recorded as the actor in history. */
  actor: string;
  /** Defaults merged into every search. */
  searchDefaults: Partial<SearchOptions> | undefined;
  /** The profile namespace (`getProfile` is `profile.get`). */
  profile: ProfileSlots;
  /** Throws STORE_CLOSED once the memory is closed; every method calls it first. */
  ensureOpen: () => void;
  /** Reads entities and relations from new memories (absent with `graph: false`). */
  graph: GraphStep | undefined;
  /** Upkeep settings: the decay curve (undefined: decay off) and the default budget of a run. */
  maintenance: MaintenanceSettings;
  /** The access rule in front of every scoped call (grants, bound keys, audit). */
  gate: AccessGate;
}

/** The parsed `maintenance` option of createMemory(). */
export interface MaintenanceSettings {
  strength: StrengthPolicy | undefined;
  maxLlmCalls: number;
  maxMemories: number;
  /** Runs maintain() on a timer every this many ms, when set. */
  intervalMs: number | undefined;
  /** Told the outcome of every scheduled run. */
  onRun: ((run: MaintenanceRun) => void) | undefined;
  /** Audit rows older than this are erased by tenant-wide and whole-store runs. */
  auditRetentionMs: number;
}

/**
 * The writes: add, update, forget, forgetScope, restore.
 *
 * @example
 * const writes = createWriteMethods(deps);
 * await writes.add('I moved to Lisbon', { userId: 'alice' });
 */
export function createWriteMethods(
  deps: MemoryDeps,
): Pick<Memory, 'add' | 'update' | 'forget' | 'forgetScope' | 'restore'> {
  const { store, embedder, clock, ids, actor, ensureOpen, gate } = deps;
  return {
    async add(content, addOptions) {
      ensureOpen();
      const decision = await gate.decide(addOptions ?? {}, 'write', 'add');
      const context = {
        store,
        embedder,
        llm: deps.llm,
        clock,
        ids,
        actor: gate.actorOf(decision, actor),
        runner: deps.runner,
        graph: deps.graph,
      };
      return addMemory(context, content, addOptions, decision.scope);
    },
    async update(id, update, scopeOptions) {
      ensureOpen();
      const decision = await gate.decide(scopeOptions, 'write', 'update');
      const scope = decision.scope;
      const memoryId = parseInput(idSchema, id, 'memory id');
      const { metadata, ...revision } = parseInput(updateSchema, update, 'update');
      return reviseMemory({
        store,
        embedder,
        clock,
        ids,
        actor: gate.actorOf(decision, actor),
        scope,
        id: memoryId,
        revision: { ...revision, metadata: metadata as JsonObject | undefined },
        graph: deps.graph,
      });
    },
    async forget(id, scopeOptions) {
      ensureOpen();
      const decision = await gate.decide(scopeOptions, 'write', 'forget');
      const memoryId = parseInput(idSchema, id, 'memory id');
      const at = clock.now();
      return forgetMemory({
        store,
        embedder,
        scope: decision.scope,
        id: memoryId,
        at,
        actor: gate.actorOf(decision, actor),
      });
    },
    async forgetScope(scopeOptions) {
      ensureOpen();
      // Forgetting a space deletes it: that takes admin on the space (named, or filled in by a space-bound
      // key); a user's or agent's scope, write.
      const request = scopeOptions ?? {};
      const space = requestedSpace(gate.callerOf(request.caller), request);
      const access = space === undefined ? 'write' : 'admin';
      const scope = await gate.resolve(request, access, 'forgetScope');
      return forgetScope({ store, queue: deps.queue, scope, at: clock.now(), actor });
    },
    async restore(rows) {
      ensureOpen();
      return store.restore({ rows });
    },
  };
}

/**
 * The reads: search, context, get, list, history, getProfile, usage, dump.
 *
 * @example
 * const reads = createReadMethods(deps);
 * const { results } = await reads.search('where does alice live', { userId: 'alice' });
 */
export function createReadMethods(
  deps: MemoryDeps,
): Pick<Memory, 'search' | 'context' | 'get' | 'list' | 'history' | 'getProfile' | 'usage' | 'dump'> {
  const { store, embedder, clock, ensureOpen, gate } = deps;
  return {
    async search(query, searchOptions) {
      ensureOpen();
      const text = parseInput(querySchema, query, 'query');
      const { tenantId, userId, agentId, sessionId, spaceId, caller, includeSpaces, ...rest } =
        searchOptions ?? {};
      const request = { tenantId, userId, agentId, sessionId, spaceId, caller };
      const scope = await gate.resolve(request, 'read', 'search', { includeSpaces: includeSpaces ?? true });
      const options = { ...deps.searchDefaults, ...rest };
      const strength = deps.maintenance.strength;
      return searchMemories({ store, embedder, query: text, scope, options, now: clock.now(), strength });
    },
    async context(query, contextOptions) {
      ensureOpen();
      const text = parseInput(querySchema, query, 'query');
      const { caller, ...options } = contextOptions ?? {};
      const parsed = parseInput(contextOptionsSchema, options, 'context options');
      const includeSpaces = parsed.includeSpaces ?? true;
      return assembleContext({
        store,
        embedder,
        query: text,
        scope: await gate.resolve({ ...pickScope(parsed), caller }, 'read', 'context', { includeSpaces }),
        budgetTokens: parsed.budgetTokens,
        now: clock.now(),
        recentTurns: parsed.recentTurns,
        sessionOnly: parsed.sessionOnly,
        search: deps.searchDefaults,
      });
    },
    async get(id, scopeOptions) {
      ensureOpen();
      const scope = await gate.resolve(scopeOptions, 'read', 'get');
      const memoryId = parseInput(idSchema, id, 'memory id');
      const record = await store.getMemory({ scope, id: memoryId });
      if (record === undefined) throw notFound('Memory', memoryId);
      return record;
    },
    async list(listOptions) {
      ensureOpen();
      const { caller, ...options } = listOptions ?? {};
      const parsed = parseInput(listOptionsSchema, options, 'list options');
      const scope = await gate.resolve({ ...pickScope(parsed), caller }, 'read', 'list');
      const filter: MemoryFilter = { now: clock.now() };
      if (parsed.kinds !== undefined) filter.kinds = parsed.kinds;
      if (parsed.includeHistory !== undefined) filter.includeHistory = parsed.includeHistory;
      if (parsed.asOf !== undefined) filter.asOf = parsed.asOf;
      if (parsed.knownAt !== undefined) filter.knownAt = parsed.knownAt;
      if (parsed.filters?.metadata !== undefined) filter.metadata = parsed.filters.metadata;
      if (parsed.filters?.observedFrom !== undefined) filter.observedFrom = parsed.filters.observedFrom;
      if (parsed.filters?.observedTo !== undefined) filter.observedTo = parsed.filters.observedTo;
      const page: Parameters<MemoryStore['listMemories']>[0] = { scope, filter, limit: parsed.limit };
      if (parsed.cursor !== undefined) page.cursor = parsed.cursor;
      if (parsed.order !== undefined) page.order = parsed.order;
      return store.listMemories(page);
    },
    async history(id, scopeOptions) {
      ensureOpen();
      const scope = await gate.resolve(scopeOptions, 'read', 'history');
      return store.listHistory({ scope, memoryId: parseInput(idSchema, id, 'memory id') });
    },
    async getProfile(profileOptions) {
      ensureOpen();
      return deps.profile.get(profileOptions ?? {});
    },
    async usage(scopeOptions) {
      ensureOpen();
      const scope = await gate.resolve(scopeOptions ?? {}, 'read', 'usage');
      return { scope, ...(await store.getUsage({ scope })) };
    },
    dump(dumpOptions = {}) {
      ensureOpen();
      return store.dump(dumpOptions.scope === undefined ? {} : { scope: parseScope(dumpOptions.scope) });
    },
  };
}

/**
 * Inference and upkeep: flush, failures, reprocess, reembed, purgeExpired, maintain, unmerge, unarchive.
 *
 * @example
 * const upkeep = createUpkeepMethods(deps);
 * const { memories, usage } = await upkeep.flush({ userId: 'alice' });
 */
export function createUpkeepMethods(
  deps: MemoryDeps,
): Pick<
  Memory,
  'flush' | 'failures' | 'reprocess' | 'reembed' | 'purgeExpired' | 'maintain' | 'unmerge' | 'unarchive'
> {
  const { store, runner, clock, ensureOpen } = deps;
  return {
    async flush(flushOptions) {
      ensureOpen();
      const fields = parseInput(maintenanceScopeSchema, flushOptions ?? {}, 'flush options');
      return runner.flush(maintenanceScope(fields));
    },
    async failures(failuresOptions) {
      ensureOpen();
      const { limit, ...scopeFields } = parseInput(
        failuresOptionsSchema,
        failuresOptions ?? {},
        'failures options',
      );
      const scope = maintenanceScope(scopeFields);
      return runner.failures({ limit, scope });
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
        scope,
        messageIds,
      });
    },
    async reembed(reembedOptions = {}) {
      ensureOpen();
      return reembedMemories({ store, embedder: deps.embedder, ...reembedOptions });
    },
    async purgeExpired(purgeOptions) {
      ensureOpen();
      const fields = parseInput(maintenanceScopeSchema, purgeOptions ?? {}, 'purge options');
      return store.purgeExpired({ now: clock.now(), scope: maintenanceScope(fields) });
    },
    async maintain(maintainOptions) {
      ensureOpen();
      const { onProgress, ...rest } = maintainOptions ?? {};
      const { steps, maxLlmCalls, maxMemories, full, ...scopeFields } = parseInput(
        maintainOptionsSchema,
        rest,
        'maintain options',
      );
      const settings = deps.maintenance;
      return runMaintenance(
        {
          store,
          embedder: deps.embedder,
          llm: deps.llm,
          clock,
          ids: deps.ids,
          actor: deps.actor === 'sdk' ? 'maintain' : deps.actor,
          graph: deps.graph,
          strength: settings.strength,
          auditRetentionMs: settings.auditRetentionMs,
        },
        {
          scope: maintenanceScope(scopeFields),
          steps: new Set(steps ?? maintainSteps),
          maxLlmCalls: maxLlmCalls ?? settings.maxLlmCalls,
          maxMemories: maxMemories ?? settings.maxMemories,
          full: full ?? false,
          onProgress,
        },
      );
    },
    async unmerge(id, scopeOptions) {
      ensureOpen();
      const scope = await deps.gate.resolve(scopeOptions, 'write', 'unmerge');
      const memoryId = parseInput(idSchema, id, 'memory id');
      return store.unmergeMemory({ scope, id: memoryId, at: clock.now(), actor: deps.actor });
    },
    async unarchive(id, scopeOptions) {
      ensureOpen();
      const scope = await deps.gate.resolve(scopeOptions, 'write', 'unarchive');
      const memoryId = parseInput(idSchema, id, 'memory id');
      return store.restoreMemory({ scope, id: memoryId, at: clock.now(), actor: deps.actor });
    },
  };
}

function pickScope(value: {
  tenantId?: string | undefined;
  userId?: string | undefined;
  agentId?: string | undefined;
  sessionId?: string | undefined;
  spaceId?: string | undefined;
}): ScopeInput {
  return {
    tenantId: value.tenantId,
    userId: value.userId,
    agentId: value.agentId,
    sessionId: value.sessionId,
    spaceId: value.spaceId,
  };
}

/** A maintenance scope: undefined (every tenant), a whole tenant, or a parsed scope. */
function maintenanceScope(fields: MaintenanceScope): Scope | undefined {
  if (
    fields.userId === undefined &&
    fields.agentId === undefined &&
    fields.sessionId === undefined &&
    fields.spaceId === undefined
  ) {
    return fields.tenantId === undefined ? undefined : { tenantId: fields.tenantId };
  }
  return parseScope(fields);
}
