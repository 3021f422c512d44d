// The work after an add and the inference work around it: infer now or queue, drain due batches, replay
// failures, run the background timer; automatic session summaries are injected (lifecycle/auto-summaries.ts).
import { MnemoError, toMnemoError } from '../../core/errors.js';
import type { JsonObject, MemoryRecord, Message, Usage } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { LanguageModel } from '../../models/language-model.js';
import type { AddResult } from '../add-messages.js';
import {
  createWorkLog,
  drainQueue,
  type ExtractionFailure,
  type InferenceContext,
  type InferenceFailure,
  isModelError,
  listFailures,
  reprocessFailures,
  type WorkLog,
} from './buffered-ingest.js';
import { inferMemories } from './infer-memories.js';
import type { BatchPolicy, InferenceQueue, SessionActivity } from './inference-queue.js';

/** How an add treats its messages after logging them. */
export type AddMode = 'raw' | 'infer' | 'buffer';

/** What `flush()` did: batches inferred, sessions summarised, their usage, and what failed. */
export interface FlushResult {
  batches: number;
  /** Inferred memories and session summaries written. */
  memories: MemoryRecord[];
  usage: Usage;
  failures: InferenceFailure[];
  /** Messages still waiting for inference inside the scope afterwards. */
  pending: number;
  warnings: string[];
}

/** What `reprocess()` did. */
export interface ReprocessResult {
  /** Messages whose extraction succeeded (their failures are cleared). */
  reprocessed: number;
  memories: MemoryRecord[];
  usage: Usage;
  /** Batches that failed again (recorded with one more attempt). */
  failures: InferenceFailure[];
  warnings: string[];
}

/** The inference part of `status()`. */
export interface InferenceStatus {
  queue: { provider: string; durable: boolean; pending: number; failed: number };
  batchPolicy: BatchPolicy;
  summaries: SummaryThresholds | null;
  background: null | {
    intervalMs: number;
    lastRunAt?: string;
    lastError?: { code: string; message: string };
  };
}

/** When a session is summarised: after `afterTokens` new tokens, or `idleMs` after its latest message. */
export interface SummaryThresholds {
  afterTokens: number;
  idleMs: number;
}

/**
 * Automatic session summaries as the runner drives them (`createSessionSummarizer` in
 * lifecycle/auto-summaries.ts builds one); at most one summarisation per session at a time.
 */
export interface SessionSummarizer {
  readonly thresholds: SummaryThresholds;
  /** Adds the messages' tokens to their session's unsummarised total (no-op without a session). */
  noteActivity(scope: Scope, messages: Message[], at: number): Promise<SessionActivity | undefined>;
  /** Idle sessions inside `scope` with anything unsummarised, oldest first. */
  idleSessions(input: { scope?: Scope | undefined; limit: number }): Promise<SessionActivity[]>;
  /** Summarises each session that is due, recording summaries, usage and warnings. */
  summarizeDue(sessions: SessionActivity[], log: WorkLog): Promise<void>;
}

/** What the runner is built from: the inference context, with the model optional and the queue resolved. */
export interface InferenceRunnerOptions extends Omit<InferenceContext, 'queue' | 'llm'> {
  /** The queue, and whether it survives a restart (for `status()`). */
  queue: { queue: InferenceQueue; durable: boolean };
  llm: LanguageModel | undefined;
  /** Builds the session summarizer once a model is there; leave it out to turn automatic summaries off. */
  summaries?: ((context: InferenceContext) => SessionSummarizer) | undefined;
}

export interface InferenceRunner {
  afterAdd(input: { raw: AddResult; scope: Scope; metadata: JsonObject; mode: AddMode }): Promise<AddResult>;
  flush(scope: Scope | undefined): Promise<FlushResult>;
  reprocess(input: {
    scope?: Scope | undefined;
    messageIds?: string[] | undefined;
  }): Promise<ReprocessResult>;
  failures(input: { scope?: Scope | undefined; limit: number }): Promise<ExtractionFailure[]>;
  /** Runs due batches and idle summaries everywhere (the background timer's work). */
  runDue(): Promise<void>;
  /** Starts the background timer (unref'd, so it never keeps the process alive). */
  startBackground(intervalMs: number): void;
  /** Stops the timer and waits for a run in flight. */
  stopBackground(): Promise<void>;
  status(): Promise<InferenceStatus>;
}

/** At most this many due batches and idle sessions are handled inside one add. */
const DUE_WORK_PER_ADD = 4;

/**
 * Creates the runner for one memory engine.
 *
 * @example
 * const runner = createInferenceRunner({ store, queue: { queue, durable: true }, llm, embedder, clock, ids,
 *   actor: 'sdk', policy: batchPolicyDefaults,
 *   summaries: (context) => createSessionSummarizer(context, summaryThresholdDefaults) });
 * const result = await runner.afterAdd({ raw, scope, metadata: {}, mode: 'buffer' });
 */
export function createInferenceRunner(options: InferenceRunnerOptions): InferenceRunner {
  const { store, clock } = options;
  const queue = options.queue.queue;
  const context: InferenceContext | undefined =
    options.llm === undefined
      ? undefined
      : {
          store,
          queue,
          llm: options.llm,
          embedder: options.embedder,
          clock,
          ids: options.ids,
          actor: options.actor,
          policy: options.policy,
          limits: options.limits,
          graph: options.graph,
        };
  const summarizer: SessionSummarizer | undefined =
    context === undefined ? undefined : options.summaries?.(context);
  const background: {
    timer?: NodeJS.Timeout | undefined;
    intervalMs?: number | undefined;
    running?: Promise<void> | undefined;
  } = {};
  const lastRun: { at?: number; error?: { code: string; message: string } } = {};

  const requireModel = (what: string): InferenceContext => {
    if (context !== undefined) return context;
    throw new MnemoError({
      code: 'UNSUPPORTED',
      message: `${what} needs a language model; none is configured (set MNEMO_LLM_BASE_URL and MNEMO_LLM_MODEL, or pass \`llm\`).`,
    });
  };

  async function inferNow(
    model: InferenceContext,
    input: { raw: AddResult; scope: Scope; metadata: JsonObject },
    result: AddResult,
    log: WorkLog,
  ) {
    try {
      const inferred = await inferMemories({
        store,
        llm: model.llm,
        embedder: model.embedder,
        limits: model.limits,
        clock,
        ids: model.ids,
        scope: input.scope,
        newMessages: input.raw.messages,
        actor: model.actor,
        metadata: input.metadata,
        graph: model.graph,
      });
      log.memories.push(...inferred.memories);
      log.warnings.push(...inferred.warnings);
      log.ledger.add(input.scope, inferred.usage);
      result.operations = inferred.operations;
    } catch (error) {
      if (!isModelError(error)) throw error;
      // The raw messages are stored: record the failure against them so `reprocess()` can replay it.
      await queue.recordFailure({ messages: input.raw.messages, error, at: clock.now() });
      result.extractionError = error.toJSON();
      log.warnings.push(
        `Extraction failed (${error.code}: ${error.message}); the ${input.raw.messages.length} messages are stored and can be reprocessed.`,
      );
    }
  }

  async function finish(log: WorkLog, at: number): Promise<Usage> {
    await log.ledger.record(store, at);
    return log.ledger.total();
  }

  const runner: InferenceRunner = {
    async afterAdd(input) {
      const now = clock.now();
      const log = createWorkLog();
      log.ledger.add(input.scope, input.raw.usage);
      const result: AddResult = { ...input.raw };
      if (input.mode === 'infer' && context !== undefined) await inferNow(context, input, result, log);
      if (input.mode === 'buffer') await queue.enqueue({ messages: input.raw.messages, at: now });
      const activity = await summarizer?.noteActivity(input.scope, input.raw.messages, now);
      if (input.mode !== 'raw' && context !== undefined) {
        const nearby = neighbourhood(input.scope);
        await drainQueue(context, { scope: nearby, force: false, maxBatches: DUE_WORK_PER_ADD }, log);
        if (summarizer !== undefined) {
          const idle = await summarizer.idleSessions({ scope: nearby, limit: DUE_WORK_PER_ADD });
          await summarizer.summarizeDue(activity === undefined ? idle : [activity, ...idle], log);
        }
      }
      const own = new Set(input.raw.messages.map((message) => message.id));
      const ownFailure = log.failures.find((failure) => failure.messageIds.some((id) => own.has(id)));
      if (ownFailure !== undefined && result.extractionError === undefined) {
        result.extractionError = ownFailure.error;
      }
      if (input.mode === 'buffer') result.pending = (await queue.counts({ scope: input.scope })).pending;
      result.memories = [...input.raw.memories, ...log.memories];
      result.warnings = [...input.raw.warnings, ...log.warnings];
      result.usage = await finish(log, now);
      return result;
    },
    async flush(scope) {
      const now = clock.now();
      const log = createWorkLog();
      if (context === undefined) {
        const { pending } = await queue.counts({ scope });
        if (pending > 0) requireModel(`flush (${pending} message(s) wait for inference)`);
      } else {
        await drainQueue(context, { scope, force: true, maxBatches: 100 }, log);
        if (summarizer !== undefined) {
          const idle = await summarizer.idleSessions({
            scope,
            limit: 1_000,
          });
          await summarizer.summarizeDue(idle, log);
        }
      }
      const { pending } = await queue.counts({ scope });
      return {
        batches: log.batches,
        memories: log.memories,
        usage: await finish(log, now),
        failures: log.failures,
        pending,
        warnings: log.warnings,
      };
    },
    async reprocess(input) {
      const model = requireModel('reprocess');
      const now = clock.now();
      const log = createWorkLog();
      const reprocessed = await reprocessFailures(model, input, log);
      return {
        reprocessed,
        memories: log.memories,
        usage: await finish(log, now),
        failures: log.failures,
        warnings: log.warnings,
      };
    },
    failures: (input) => listFailures(queue, input),
    async runDue() {
      if (context === undefined) return;
      const log = createWorkLog();
      await drainQueue(context, { force: false, maxBatches: 100 }, log);
      if (summarizer !== undefined) {
        await summarizer.summarizeDue(await summarizer.idleSessions({ limit: 100 }), log);
      }
      await finish(log, clock.now());
    },
    startBackground(intervalMs) {
      if (context === undefined || background.timer !== undefined) return;
      background.intervalMs = intervalMs;
      background.timer = setInterval(() => {
        if (background.running !== undefined) return;
        background.running = runner
          .runDue()
          .then(() => {
            lastRun.at = clock.now();
            delete lastRun.error;
          })
          .catch((error: unknown) => {
            // Nobody awaits the timer: the error is kept for status() rather than thrown into the void.
            lastRun.at = clock.now();
            const failure = toMnemoError(error);
            lastRun.error = { code: failure.code, message: failure.message };
          })
          .finally(() => {
            background.running = undefined;
          });
      }, intervalMs);
      background.timer.unref();
    },
    async stopBackground() {
      if (background.timer !== undefined) clearInterval(background.timer);
      background.timer = undefined;
      await background.running;
    },
    async status() {
      const counts = await queue.counts();
      return {
        queue: { provider: queue.provider, durable: options.queue.durable, ...counts },
        batchPolicy: options.policy,
        summaries: summarizer?.thresholds ?? null,
        background:
          background.intervalMs === undefined
            ? null
            : {
                intervalMs: background.intervalMs,
                ...(lastRun.at === undefined ? {} : { lastRunAt: new Date(lastRun.at).toISOString() }),
                ...(lastRun.error === undefined ? {} : { lastError: lastRun.error }),
              },
      };
    },
  };
  return runner;
}

/** Where an add looks for other due work: its user/agent without the session, else its own scope. */
function neighbourhood(scope: Scope): Scope {
  if (scope.userId === undefined && scope.agentId === undefined) return scope;
  // Only the session goes: what the access check set (e.g. `withoutUsers`) stays.
  const { sessionId: _session, ...wider } = scope;
  return wider;
}
