// add(): the SDK's write orchestrator: validate, replay a keyed retry, then write by hand (`kind`) or log the
// turns in one transaction and hand them to inference; a keyed add keeps its final result.
import type { Clock } from '../core/clock.js';
import { MnemoError } from '../core/errors.js';
import type { GraphStep } from '../core/graph.js';
import type { IdGenerator } from '../core/ids.js';
import type { JsonObject } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import { parseInput } from '../core/validate.js';
import { type AddResult, addMessages } from '../ingest/add-messages.js';
import { type AddDirectMemoryInput, addDirectMemory } from '../ingest/direct-memory.js';
import { addIdempotency, keptAddResult, recordedAdd } from '../ingest/idempotency.js';
import type { AddMode, InferenceRunner } from '../ingest/infer/inference-runner.js';
import { addContentSchema, type MessageInput, type ParsedMessageInput } from '../ingest/message-input.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import type { LanguageModel } from '../models/language-model.js';
import type { MemoryStore } from '../store/memory-store.js';
import type { AddCallOptions } from './memory.js';
import { addOptionsSchema } from './options.js';

/** What an add needs from the engine. */
export interface AddContext {
  store: MemoryStore;
  embedder: EmbeddingModel | undefined;
  llm: LanguageModel | undefined;
  clock: Clock;
  ids: IdGenerator;
  actor: string;
  runner: InferenceRunner;
  /** Reads entities and relations from new memories (absent with `graph: false`). */
  graph: GraphStep | undefined;
}

/**
 * `memory.add()`: see the Memory interface for the contract.
 *
 * @example
 * const result = await addMemory(context, 'I moved to Lisbon', { userId: 'alice', idempotencyKey: 'k1' }, scope);
 */
export async function addMemory(
  context: AddContext,
  content: string | MessageInput[],
  addOptions: AddCallOptions | undefined,
  scope: Scope,
): Promise<AddResult> {
  const { store, clock } = context;
  const parsedContent = parseInput(addContentSchema, content, 'content');
  const { caller: _caller, ...options } = addOptions ?? {};
  const { idempotencyKey, ...parsed } = parseInput(addOptionsSchema, options, 'add options');
  const idempotency =
    idempotencyKey === undefined
      ? undefined
      : addIdempotency({
          scope,
          key: idempotencyKey,
          request: { content: parsedContent, options: parsed },
          now: clock.now(),
        });
  if (idempotency !== undefined) {
    const earlier = await recordedAdd({ store, scope, idempotency, now: clock.now() });
    if (earlier !== undefined) return earlier;
  }
  const written = {
    store,
    embedder: context.embedder,
    clock,
    ids: context.ids,
    actor: context.actor,
    graph: context.graph,
  };
  if (parsed.kind !== undefined && parsed.kind !== 'episode') {
    return addDirectMemory({
      ...written,
      scope,
      kind: parsed.kind,
      ...directWrite(parsedContent, parsed),
      importance: parsed.importance,
      expiresAt: parsed.expiresAt,
      idempotency,
    });
  }
  const mode = addModeOf(parsed, context.llm !== undefined);
  const messages =
    typeof parsedContent === 'string' ? [{ role: 'user' as const, content: parsedContent }] : parsedContent;
  const metadata = (parsed.metadata ?? {}) as JsonObject;
  // Raw messages are stored first (in one transaction), so a failed extraction loses nothing.
  const raw = await addMessages({
    ...written,
    scope,
    messages,
    observedAt: parsed.observedAt,
    metadata,
    importance: parsed.importance ?? 0.5,
    expiresAt: parsed.expiresAt,
    origin: parsed.imported === true ? 'import' : undefined,
    idempotency: idempotency === undefined ? undefined : { ...idempotency, inferenceFollows: mode !== 'raw' },
  });
  // A retry of a keyed add returns what the first call did; it does not run inference again.
  if (raw.replayed === true) return raw;
  const result = await context.runner.afterAdd({ raw, scope, metadata, mode });
  if (idempotency !== undefined && mode !== 'raw') {
    const { tenantId, key } = idempotency;
    await store.updateIdempotencyResult({ tenantId, key, result: keptAddResult(result, true) });
  }
  return result;
}

/**
 * What `add(…, { kind })` writes: one text, or one message whose own time, metadata, speaker and role
 * count (like a turn's). Inference does not apply to a memory written by hand.
 */
function directWrite(
  content: string | ParsedMessageInput[],
  parsed: {
    kind?: string | undefined;
    infer?: boolean | undefined;
    buffer?: boolean | undefined;
    observedAt?: number | undefined;
    metadata?: unknown;
    imported?: boolean | undefined;
  },
): Pick<AddDirectMemoryInput, 'text' | 'observedAt' | 'metadata' | 'origin' | 'attributedTo'> {
  if (parsed.infer === true || parsed.buffer === true) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: `add(…, { kind: '${parsed.kind}' }) writes the memory as given; it cannot be combined with infer or buffer.`,
    });
  }
  const message = typeof content === 'string' ? { content } : content.length === 1 ? content[0] : undefined;
  if (message === undefined) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: `add(…, { kind: '${parsed.kind}' }) writes one memory: pass one text, not a list of messages.`,
    });
  }
  const turn = typeof content === 'string' ? undefined : content[0];
  const metadata = { ...(turn?.metadata ?? {}), ...((parsed.metadata ?? {}) as JsonObject) } as JsonObject;
  const observedAt = turn?.observedAt ?? parsed.observedAt;
  const origin =
    parsed.imported === true ? 'import' : turn === undefined ? undefined : originOfRole[turn.role];
  return {
    text: message.content,
    metadata,
    observedAt,
    origin,
    attributedTo: turn?.name,
  };
}

const originOfRole = { user: 'user', assistant: 'assistant', system: 'system', tool: 'tool' } as const;

/** How an add treats its messages: raw only, inferred now, or queued for batched inference. */
function addModeOf(
  parsed: { infer?: boolean | undefined; buffer?: boolean | undefined },
  hasModel: boolean,
): AddMode {
  if (parsed.buffer === true && parsed.infer === false) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: 'buffer: true queues messages for inference; it cannot be combined with infer: false.',
    });
  }
  const infer = parsed.buffer === true || (parsed.infer ?? hasModel);
  if (infer && !hasModel) {
    throw new MnemoError({
      code: 'UNSUPPORTED',
      message: `${parsed.buffer === true ? 'buffer' : 'infer'}: true needs a language model; none is configured (set MNEMO_LLM_BASE_URL or pass \`llm\`).`,
    });
  }
  if (!infer) return 'raw';
  return parsed.buffer === true ? 'buffer' : 'infer';
}
