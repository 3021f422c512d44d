// createMemory(): wiring only. It opens the store, the embedder and the inference queue, builds the runner,
// and returns the Memory handle as namespaces built from those injected deps (sdk/memory-methods.ts).
import os from 'node:os';
import path from 'node:path';
import { createCoreBlocks } from '../context/core-blocks.js';
import { createProfileSlots } from '../context/profile-slots.js';
import { createWorkingMemory } from '../context/working-memory.js';
import { systemClock } from '../core/clock.js';
import { MnemoError } from '../core/errors.js';
import { uuidV7 } from '../core/ids.js';
import { strengthDefaults } from '../core/strength.js';
import { parseInput } from '../core/validate.js';
import { createGraphMethods } from '../graph/graph-methods.js';
import { createGraphStep } from '../graph/graph-step.js';
import { type BatchPolicy, batchPolicyDefaults } from '../ingest/infer/inference-queue.js';
import { createInferenceRunner, type SummaryThresholds } from '../ingest/infer/inference-runner.js';
import { createSessionSummarizer, summaryThresholdDefaults } from '../lifecycle/auto-summaries.js';
import { maintainDefaults } from '../lifecycle/maintain/maintain.js';
import { createMaintenanceSchedule } from '../lifecycle/maintain/schedule.js';
import { createAccessGate } from './access-gate.js';
import type { CreateMemoryOptions, Memory } from './memory.js';
import {
  createReadMethods,
  createUpkeepMethods,
  createWriteMethods,
  type MaintenanceSettings,
  type MemoryDeps,
} from './memory-methods.js';
import {
  backgroundOptionSchema,
  batchPolicySchema,
  type MaintenanceOption,
  maintenanceOptionSchema,
  summariesOptionSchema,
} from './options.js';
import { repairAtOpen } from './repair-at-open.js';
import { learnDimensions, resolveEmbedder } from './resolve-embedder.js';
import { resolveInferenceQueue } from './resolve-inference-queue.js';
import { resolveStore } from './resolve-store.js';
import { createSharingMethods, type SharingMethods } from './sharing-methods.js';
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
  const llm = options.llm;
  const settings = inferenceSettings(options);
  const { store, embedder, queue } = await openResources(options);
  // A store written by an older version may hold messages a crash left without their episode.
  let repairWarnings = await repairAtOpen({ store, embedder, clock, ids });
  const summaries = settings.summaries;
  const graph = options.graph === false ? undefined : createGraphStep({ store });
  const runner = createInferenceRunner({
    store,
    graph,
    queue,
    llm,
    embedder,
    clock,
    ids,
    actor,
    limits: options.inferLimits,
    policy: settings.policy,
    summaries: summaries === undefined ? undefined : (context) => createSessionSummarizer(context, summaries),
  });
  if (settings.backgroundMs !== undefined) runner.startBackground(settings.backgroundMs);
  const maintenance = maintenanceSettings(options.maintenance);
  let closed = false;
  const ensureOpen = () => {
    if (closed)
      throw new MnemoError({
        code: 'STORE_CLOSED',
        message: 'This memory was closed; call createMemory() again.',
      });
  };

  const gate = createAccessGate({ store, clock, audit: options.audit ?? true });
  const keyed = { store, embedder, clock, ids, actor, resolve: gate.resolve };
  const profile = guarded(createProfileSlots(keyed), ensureOpen);
  const deps: MemoryDeps = {
    ...keyed,
    llm,
    queue: queue.queue,
    runner,
    searchDefaults: options.searchDefaults,
    profile,
    ensureOpen,
    graph,
    maintenance,
    gate,
  };
  const upkeep = createUpkeepMethods(deps);
  const schedule = createMaintenanceSchedule({
    run: () => upkeep.maintain(),
    clock,
    onRun: maintenance.onRun,
  });
  if (maintenance.intervalMs !== undefined) schedule.start(maintenance.intervalMs);
  const memory: Memory = {
    store,
    embedder,
    llm,
    core: guarded(createCoreBlocks(keyed), ensureOpen),
    working: guarded(createWorkingMemory({ store, clock, resolve: gate.resolve }), ensureOpen),
    profile,
    graph: guarded(createGraphMethods({ store, clock, actor, resolve: gate.resolve }), ensureOpen),
    ...sharing(createSharingMethods({ store, queue: queue.queue, clock, gate, actor }), ensureOpen),
    ...createWriteMethods(deps),
    ...createReadMethods(deps),
    ...upkeep,
    async status() {
      ensureOpen();
      const inference = await runner.status();
      const queueWarning = queue.warning;
      const status = await buildStatus({
        store,
        embedder,
        llm,
        inference,
        maintenance: schedule.status(),
        queueWarning,
        repairWarnings,
      });
      // The repair done at open is news once.
      repairWarnings = [];
      return status;
    },
    async close() {
      if (closed) return;
      closed = true;
      await schedule.stop();
      await runner.stopBackground();
      try {
        // The reads counted in the last second go to the audit log before the store closes.
        await gate.close();
      } finally {
        await queue.queue.close();
        await store.close();
      }
    },
    async [Symbol.asyncDispose]() {
      await memory.close();
    },
  };
  return memory;
}

/** Opens the store, the embedder (its dimensions learned) and the inference queue; on failure, closes the store. */
async function openResources(options: CreateMemoryOptions) {
  const store = await resolveStore(options.store ?? defaultStorePath());
  const embedder = resolveEmbedder(options.embedder, store);
  try {
    await learnDimensions(embedder);
    const queue = await resolveInferenceQueue({
      store,
      ...(options.inferenceQueue === undefined ? {} : { queue: options.inferenceQueue }),
    });
    return { store, embedder, queue };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** Wraps every method of a namespace so it refuses to run once the memory is closed. */
/** The sharing namespaces, each method checking first that the memory is open. */
function sharing(methods: SharingMethods, ensureOpen: () => void): SharingMethods {
  return {
    spaces: guarded(methods.spaces, ensureOpen),
    grants: guarded(methods.grants, ensureOpen),
    audit: (options) => {
      ensureOpen();
      return methods.audit(options);
    },
  };
}

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

/** Validates the inference options before anything is opened. */
function inferenceSettings(options: CreateMemoryOptions): {
  policy: BatchPolicy;
  summaries: SummaryThresholds | undefined;
  backgroundMs: number | undefined;
} {
  // Spread over the defaults, so an option given as undefined must be left out, not overwrite its default.
  const defined = <T extends object>(value: T) =>
    Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as {
      [Key in keyof T]?: Exclude<T[Key], undefined>;
    };
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

/** Validates the `maintenance` option: `false` turns decay and the timer off; fields override the defaults. */
function maintenanceSettings(option: MaintenanceOption | undefined): MaintenanceSettings {
  const parsed = parseInput(maintenanceOptionSchema, option ?? {}, 'maintenance option');
  if (parsed === false) {
    return {
      strength: undefined,
      maxLlmCalls: maintainDefaults.maxLlmCalls,
      maxMemories: maintainDefaults.maxMemories,
      intervalMs: undefined,
      onRun: undefined,
      auditRetentionMs: AUDIT_RETENTION_DAYS * DAY_MS,
    };
  }
  return {
    strength: {
      halfLifeDays: parsed.halfLifeDays ?? strengthDefaults.halfLifeDays,
      archiveBelow: parsed.archiveBelow ?? strengthDefaults.archiveBelow,
    },
    maxLlmCalls: parsed.maxLlmCalls ?? maintainDefaults.maxLlmCalls,
    maxMemories: parsed.maxMemories ?? maintainDefaults.maxMemories,
    intervalMs: parsed.intervalMs,
    onRun: parsed.onRun,
    auditRetentionMs: (parsed.auditRetentionDays ?? AUDIT_RETENTION_DAYS) * DAY_MS,
  };
}

/** How long the audit log keeps a row by default: a year. */
const AUDIT_RETENTION_DAYS = 365;
const DAY_MS = 86_400_000;
