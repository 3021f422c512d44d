// Memories written by hand, with no LLM: facts, procedures, insights and summaries from add(…, { kind }),
// and the building block of profile slots and core blocks. Grounded, indexed, deduplicated, embedded.

import type { Clock } from '../core/clock.js';
import type { GraphStep } from '../core/graph.js';
import { contentHash } from '../core/hashing.js';
import type { IdGenerator } from '../core/ids.js';
import type { GroundedDate, JsonObject, MemoryKind, MemoryRecord, Origin, Trust } from '../core/records.js';
import { type Scope, scopeLevels } from '../core/scope.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import { analyze } from '../models/text-analyzer.js';
import type { MemoryStore, MemoryWrite } from '../store/memory-store.js';
import type { AddResult } from './add-messages.js';
import { embedWrites } from './embed-documents.js';
import { extractEntities } from './entities.js';
import { type AddIdempotency, idempotencyWrite, replayAdd } from './idempotency.js';
import { formatDateIndexText, groundDates } from './time-grounding.js';

/** Kinds `add(text, { kind })` writes directly. Profile slots and core blocks have their own calls. */
export const directKinds = ['fact', 'procedure', 'insight', 'summary'] as const;
export type DirectKind = (typeof directKinds)[number];

/** Kinds that describe the world and so carry a valid time (`validFrom`), grounded from their text. */
const worldKinds: ReadonlySet<MemoryKind> = new Set(['fact', 'profile', 'procedure', 'insight']);
/** Kinds that belong to one session; every other kind written by hand is long-term (session stripped). */
const sessionKinds: ReadonlySet<MemoryKind> = new Set(['summary', 'episode']);

/** What an origin is trusted with by default (as a turn's role is): an assistant's words less than a person's. */
const trustOfOrigin: Record<Origin, Trust> = {
  user: 'high',
  system: 'high',
  import: 'high',
  assistant: 'medium',
  tool: 'low',
};

/** Importance of what someone wrote down on purpose (the same as an explicit "remember that …"). */
export const HAND_WRITTEN_IMPORTANCE = 1;

/**
 * When a statement became true, by default: the start of the first date it mentions that is not after
 * the moment it was said ("I moved to Lisbon last March", said in June → 1 March). Dates in the future
 * describe plans, not validity, so they are ignored. Undefined when there is none (then `observedAt` counts).
 *
 * @example
 * defaultValidFrom(groundDates({ text: 'I moved to Lisbon last March', reference: Date.parse('2024-06-05') }), Date.parse('2024-06-05'))
 * // Date.parse('2024-03-01T00:00:00Z')
 */
export function defaultValidFrom(dates: readonly GroundedDate[], observedAt: number): number | undefined {
  for (const date of dates) {
    const start = Date.parse(`${date.start}T00:00:00Z`);
    if (Number.isFinite(start) && start <= observedAt) return start;
  }
  return undefined;
}

/** The scope a hand-written memory of `kind` lives in: long-term kinds drop the session (kept in attributes). */
export function directScope(kind: MemoryKind, scope: Scope): Scope {
  if (sessionKinds.has(kind) || scope.sessionId === undefined) return scope;
  if (scope.userId === undefined && scope.agentId === undefined) return scope;
  const { sessionId: _session, ...longTerm } = scope;
  return longTerm;
}

export interface BuildDirectMemoryOptions {
  id: string;
  /** The scope as the caller gave it; see `directScope` for where the memory lands. */
  scope: Scope;
  kind: MemoryKind;
  text: string;
  /** Epoch ms: when it was said or written. */
  observedAt: number;
  now: number;
  importance: number;
  metadata?: JsonObject | undefined;
  /** Extra attributes (profile: topic, slot, value; core: label, limit…). */
  attributes?: JsonObject | undefined;
  /** Words placed before the text in the index (a profile slot's topic, a core block's label). */
  indexPrefix?: string | undefined;
  attributedTo?: string | undefined;
  origin?: Origin | undefined;
  trust?: Trust | undefined;
  /** Epoch ms. */
  expiresAt?: number | undefined;
  /** Epoch ms; default `defaultValidFrom` of the text for kinds that describe the world. */
  validFrom?: number | undefined;
}

/**
 * Builds a hand-written memory: grounded dates and entities as attributes, an index text that carries
 * them, provenance with no source message.
 *
 * @example
 * const { record, tokens } = buildDirectMemory({ id: uuidV7(), scope, kind: 'fact', text: 'Erin is allergic to peanuts',
 *   observedAt: Date.now(), now: Date.now(), importance: 1 });
 */
export function buildDirectMemory(options: BuildDirectMemoryOptions): MemoryWrite {
  const { kind, text, observedAt } = options;
  const dates = groundDates({ text, reference: observedAt });
  const scope = scopeLevels(directScope(kind, options.scope));
  const attributes: JsonObject = {
    direct: true,
    dates: dates.map((date) => ({ ...date })),
    entities: { ...extractEntities(text) },
    ...(options.attributes ?? {}),
  };
  if (options.scope.sessionId !== undefined) attributes.sessionId = options.scope.sessionId;
  const dateText = formatDateIndexText(dates);
  const indexText = [`${options.indexPrefix ?? ''}${text}`, dateText].filter((part) => part !== '').join(' ');
  const record: MemoryRecord = {
    id: options.id,
    scope,
    kind,
    text,
    indexText,
    attributes,
    metadata: options.metadata ?? {},
    importance: Math.min(1, Math.max(0, options.importance)),
    confidence: 1,
    source: {
      messageIds: [],
      origin: options.origin ?? 'user',
      trust: options.trust ?? trustOfOrigin[options.origin ?? 'user'],
    },
    observedAt: new Date(observedAt).toISOString(),
    createdAt: new Date(options.now).toISOString(),
    accessCount: 0,
    hash: contentHash(kind, text),
  };
  if (options.attributedTo !== undefined) record.source.attributedTo = options.attributedTo;
  const validFrom =
    options.validFrom ?? (worldKinds.has(kind) ? defaultValidFrom(dates, observedAt) : undefined);
  if (validFrom !== undefined) record.validFrom = new Date(validFrom).toISOString();
  if (options.expiresAt !== undefined) record.expiresAt = new Date(options.expiresAt).toISOString();
  return { record, tokens: analyze(indexText) };
}

export interface AddDirectMemoryInput {
  store: MemoryStore;
  embedder?: EmbeddingModel | undefined;
  clock: Clock;
  ids: IdGenerator;
  actor: string;
  scope: Scope;
  kind: DirectKind;
  text: string;
  /** Epoch ms (default now). */
  observedAt?: number | undefined;
  importance?: number | undefined;
  metadata?: JsonObject | undefined;
  expiresAt?: number | undefined;
  origin?: Origin | undefined;
  /** Who said or wrote it, when known. */
  attributedTo?: string | undefined;
  /** Keeps the result under this key, in the same transaction as the memory. */
  idempotency?: AddIdempotency | undefined;
  /** Reads the graph facts of new memories (entities, relations); absent when the graph is off. */
  graph?: GraphStep | undefined;
}

/**
 * `add(text, { kind })`: writes one memory of that kind directly (no message is logged, no LLM). A current
 * memory of the same kind and text that the caller can see is not written twice: it is returned with
 * a `duplicate` operation.
 *
 * @example
 * const { memories } = await addDirectMemory({ store, embedder, clock, ids, actor: 'sdk',
 *   scope: parseScope({ userId: 'erin' }), kind: 'fact', text: 'Erin is allergic to peanuts' });
 */
export async function addDirectMemory(input: AddDirectMemoryInput): Promise<AddResult> {
  const started = performance.now();
  const now = input.clock.now();
  const write = buildDirectMemory({
    id: input.ids(),
    scope: input.scope,
    kind: input.kind,
    text: input.text,
    observedAt: input.observedAt ?? now,
    now,
    importance: input.importance ?? HAND_WRITTEN_IMPORTANCE,
    metadata: input.metadata,
    expiresAt: input.expiresAt,
    origin: input.origin,
    attributedTo: input.attributedTo,
  });
  const usage = (embeddingCalls: number) => ({
    llmCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    embeddingCalls,
    latencyMs: Math.round((performance.now() - started) * 100) / 100,
  });
  const [existing] = (
    await input.store.findByHash({ scope: write.record.scope, hashes: [write.record.hash], now })
  ).filter((record) => record.kind === input.kind && record.retiredAt === undefined);
  if (existing !== undefined) {
    const duplicate: AddResult = {
      memories: [existing],
      messages: [],
      usage: usage(0),
      warnings: [`Already remembered as ${existing.id}; nothing new was written.`],
      operations: [{ op: 'ADD', status: 'duplicate', targetId: existing.id }],
    };
    if (input.idempotency === undefined) return duplicate;
    return keep(input, { result: duplicate, memories: [], targetId: existing.id, at: now });
  }
  const embedded = await embedWrites({ store: input.store, embedder: input.embedder, memories: [write] });
  await input.graph?.([write]);
  const result: AddResult = {
    memories: [write.record],
    messages: [],
    usage: usage(embedded.calls),
    warnings: embedded.warnings,
    operations: [{ op: 'ADD', status: 'applied', memoryId: write.record.id }],
  };
  return keep(input, { result, memories: [write], targetId: write.record.id, at: now });
}

/** Writes the memories (if any) with the idempotency record in one transaction; a replay wins. */
async function keep(
  input: AddDirectMemoryInput,
  write: { result: AddResult; memories: MemoryWrite[]; targetId: string; at: number },
): Promise<AddResult> {
  const outcome = await input.store.appendTurns({
    messages: [],
    memories: write.memories,
    ...(input.idempotency === undefined
      ? {}
      : {
          idempotency: idempotencyWrite({
            idempotency: input.idempotency,
            result: write.result,
            complete: true,
            targetIds: [write.targetId],
          }),
        }),
    actor: input.actor,
    at: write.at,
  });
  if (outcome.status === 'replayed')
    return replayAdd({ store: input.store, scope: input.scope, record: outcome.record });
  return write.result;
}
