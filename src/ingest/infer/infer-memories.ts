// The inferred-mode write path: gather context → one extraction+reconcile LLM call → resolve → dedupe → persist.

import type { Clock } from '../../core/clock.js';
import { isMnemoError, MnemoError } from '../../core/errors.js';
import type { GraphStep } from '../../core/graph.js';
import type { IdGenerator } from '../../core/ids.js';
import type { JsonObject, MemoryRecord, Message } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import { speakerOf } from '../../core/speaker.js';
import type { EmbeddingModel } from '../../models/embedding-model.js';
import type { LanguageModel } from '../../models/language-model.js';
import { generateStructured } from '../../models/structured-output.js';
import type { MemoryStore } from '../../store/memory-store.js';
import type { AddUsage } from '../add-messages.js';
import { applyOperations } from './apply-operations.js';
import {
  buildInferSystemPrompt,
  buildInferUserPrompt,
  gatherInferContext,
  inferLimitDefaults,
  memoryScopeOf,
} from './infer-context.js';
import { type AppliedOperation, type InferOperation, inferResponseSchema } from './infer-schema.js';
import { explicitRememberClause, resolveOperations } from './resolve-operations.js';

export interface InferMemoriesInput {
  store: MemoryStore;
  llm: LanguageModel;
  /** Embeds the new memories and enables vector near-duplicate checks when it matches the store. */
  embedder?: EmbeddingModel | undefined;
  clock: Clock;
  ids: IdGenerator;
  /** The batch's scope (may name a session; long-term memories are written without it). */
  scope: Scope;
  /** The batch: messages already logged by the caller (they carry ids and seq). */
  newMessages: Message[];
  limits?: { maxExistingMemories?: number | undefined; maxPreviousTurns?: number | undefined } | undefined;
  actor: string;
  /** Profile topics the model may use (default: basic_info, preferences, interests, work, relationships, health, goals). */
  profileSchema?: { topics: string[] } | undefined;
  /** Metadata copied onto every memory written. */
  metadata?: JsonObject | undefined;
  abortSignal?: AbortSignal | undefined;
  /** Links each new memory into the knowledge graph (absent with the graph off). */
  graph?: GraphStep | undefined;
}

export interface InferMemoriesResult {
  /** Memories written (ADD, SUPERSEDE's new version) or changed (INVALIDATE). */
  memories: MemoryRecord[];
  /** One report per operation the model returned, plus any explicit-request fallback, in order. */
  operations: AppliedOperation[];
  usage: AddUsage;
  warnings: string[];
}

/**
 * Extracts facts, profile slots and procedures from new turns and reconciles them with what is known,
 * in ONE model call per batch. The model sees the new turns, up to `maxPreviousTurns` earlier turns, the
 * session summary and at most `maxExistingMemories` relevant memories under short ids (1..N); its
 * ADD / SUPERSEDE / INVALIDATE / NOOP operations are mapped back to real ids and applied as new
 * versions (nothing is deleted). On `LLM_FAILED` / `LLM_OUTPUT_INVALID` it throws that error with
 * `details.messageIds`, so the caller can mark the (already logged) messages and reprocess them later.
 *
 * @example
 * const logged = await store.appendMessages({ messages });
 * const { memories, operations, usage } = await inferMemories({ store, llm, clock: systemClock, ids: uuidV7,
 *   scope, newMessages: logged, actor: 'sdk' });
 */
export async function inferMemories(input: InferMemoriesInput): Promise<InferMemoriesResult> {
  const started = performance.now();
  const now = input.clock.now();
  if (input.newMessages.length === 0) {
    return { memories: [], operations: [], usage: emptyUsage(0), warnings: [] };
  }
  const limits = {
    maxExistingMemories: input.limits?.maxExistingMemories ?? inferLimitDefaults.maxExistingMemories,
    maxPreviousTurns: input.limits?.maxPreviousTurns ?? inferLimitDefaults.maxPreviousTurns,
  };
  const memoryScope = memoryScopeOf(input.scope);
  const context = await gatherInferContext({
    store: input.store,
    embedder: input.embedder,
    scope: input.scope,
    newMessages: input.newMessages,
    limits,
    now,
  });
  const generated = await callModel(input, buildInferUserPrompt(context));
  const explicitTurns = new Map<number, string>();
  input.newMessages.forEach((message, index) => {
    const clause = explicitRememberClause(message);
    if (clause !== undefined) explicitTurns.set(index, clause);
  });
  const operations = withExplicitFallback(generated.value.operations, explicitTurns, input.newMessages);
  const apply = async (list: InferOperation[]) =>
    applyOperations({
      store: input.store,
      embedder: input.embedder,
      ids: input.ids,
      scope: memoryScope,
      newMessages: input.newMessages,
      explicitTurns: new Set(explicitTurns.keys()),
      graph: input.graph,
      known: context.known,
      plan: resolveOperations({
        operations: list,
        known: context.known,
        currentProfile: await listCurrentProfile(input.store, memoryScope, now),
      }),
      metadata: input.metadata ?? {},
      actor: input.actor,
      now,
    });
  const applied = await apply(operations);
  // "Remember that …" is stored even when the model's own ADD for that turn was dropped as a duplicate.
  const unmet = unmetExplicitTurns(operations, applied.operations, explicitTurns);
  if (unmet.size > 0) {
    const again = await apply(withExplicitFallback([], unmet, input.newMessages));
    applied.memories.push(...again.memories);
    applied.operations.push(...again.operations);
    applied.warnings.push(...again.warnings);
    applied.embeddingCalls += again.embeddingCalls;
  }
  return {
    memories: applied.memories,
    operations: applied.operations,
    usage: {
      llmCalls: generated.calls,
      inputTokens: generated.usage.inputTokens,
      outputTokens: generated.usage.outputTokens,
      embeddingCalls: context.embeddingCalls + applied.embeddingCalls,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
    },
    warnings: [...context.warnings, ...applied.warnings],
  };
}

function emptyUsage(latencyMs: number): AddUsage {
  return { llmCalls: 0, inputTokens: 0, outputTokens: 0, embeddingCalls: 0, latencyMs };
}

async function callModel(input: InferMemoriesInput, prompt: string) {
  try {
    return await generateStructured({
      model: input.llm,
      name: 'memory_operations',
      schema: inferResponseSchema,
      system: buildInferSystemPrompt(
        input.profileSchema === undefined ? {} : { profileTopics: input.profileSchema.topics },
      ),
      messages: [{ role: 'user', content: prompt }],
      temperature: 0,
      abortSignal: input.abortSignal,
    });
  } catch (error) {
    const messageIds = input.newMessages.map((message) => message.id);
    if (isMnemoError(error) && (error.code === 'LLM_FAILED' || error.code === 'LLM_OUTPUT_INVALID')) {
      throw new MnemoError({
        code: error.code,
        message: `Memory inference failed; the ${messageIds.length} message(s) are stored and can be reprocessed (mnemo reprocess). ${error.message}`,
        details: { ...(error.details ?? {}), messageIds, stage: 'infer' },
        cause: error,
      });
    }
    throw error;
  }
}

/** Guarantees "remember that …": when no model operation uses that turn, ADD the clause itself. */
function withExplicitFallback(
  operations: InferOperation[],
  explicitTurns: Map<number, string>,
  newMessages: Message[],
): InferOperation[] {
  const covered = new Set<number>();
  for (const op of operations) {
    if (op.op === 'ADD' || op.op === 'SUPERSEDE') for (const turn of op.sourceTurns ?? []) covered.add(turn);
  }
  const fallback: InferOperation[] = [];
  for (const [turn, clause] of explicitTurns) {
    if (covered.has(turn)) continue;
    const message = newMessages[turn] as Message;
    fallback.push({
      op: 'ADD',
      kind: 'fact',
      text: `${speakerOf(message)} asked to remember: ${clause}`,
      importance: 1,
      sourceTurns: [turn],
    });
  }
  return [...operations, ...fallback];
}

/** Explicit turns that no applied ADD or SUPERSEDE came from (reports are in operation order). */
function unmetExplicitTurns(
  operations: InferOperation[],
  reports: AppliedOperation[],
  explicitTurns: Map<number, string>,
): Map<number, string> {
  const met = new Set<number>();
  operations.forEach((op, index) => {
    if (reports[index]?.status !== 'applied' || (op.op !== 'ADD' && op.op !== 'SUPERSEDE')) return;
    for (const turn of op.sourceTurns ?? []) met.add(turn);
  });
  return new Map([...explicitTurns].filter(([turn]) => !met.has(turn)));
}

/** Current profile memories of the scope (a person's profile is small; capped at 500). */
async function listCurrentProfile(store: MemoryStore, scope: Scope, now: number): Promise<MemoryRecord[]> {
  const page = await store.listMemories({ scope, filter: { kinds: ['profile'], now }, limit: 500 });
  return page.items;
}

export interface ReprocessMessagesInput extends Omit<InferMemoriesInput, 'newMessages'> {
  /** The messages to run inference on again (e.g. those marked `extraction: failed`). */
  messages?: Message[] | undefined;
  /** Or their ids, loaded from the store within `scope`. */
  messageIds?: string[] | undefined;
}

/**
 * Reruns inference for messages that are already logged, one batch per session, in log order.
 * Throws the first failure (with `details.messageIds`), after the batches before it were applied.
 *
 * @example
 * await reprocessMessages({ store, llm, clock: systemClock, ids: uuidV7, scope, messageIds, actor: 'cli' });
 */
export async function reprocessMessages(input: ReprocessMessagesInput): Promise<InferMemoriesResult> {
  const started = performance.now();
  const loaded =
    input.messages ??
    (input.messageIds === undefined
      ? []
      : await input.store.getMessages({ scope: input.scope, ids: input.messageIds }));
  const bySession = new Map<string, Message[]>();
  for (const message of loaded) {
    const key = JSON.stringify(message.scope);
    bySession.set(key, [...(bySession.get(key) ?? []), message]);
  }
  const total: InferMemoriesResult = { memories: [], operations: [], usage: emptyUsage(0), warnings: [] };
  for (const batch of bySession.values()) {
    batch.sort((left, right) => left.seq - right.seq);
    const { messages: _messages, messageIds: _ids, ...rest } = input;
    const result = await inferMemories({
      ...rest,
      scope: batch[0]?.scope ?? input.scope,
      newMessages: batch,
    });
    total.memories.push(...result.memories);
    total.operations.push(...result.operations);
    total.warnings.push(...result.warnings);
    total.usage.llmCalls += result.usage.llmCalls;
    total.usage.inputTokens += result.usage.inputTokens;
    total.usage.outputTokens += result.usage.outputTokens;
    total.usage.embeddingCalls += result.usage.embeddingCalls;
  }
  total.usage.latencyMs = Math.round((performance.now() - started) * 100) / 100;
  return total;
}
