// Idempotent adds: the key a client sends, the hash of its request, what is kept of the result (ids, never
// content) and how a retry gets that result back without writing again.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { JsonValue, MemoryRecord, Message, Usage } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import type { IdempotencyRecord, IdempotencyWrite, MemoryStore } from '../store/memory-store.js';
import { idempotencyKeyReused } from '../store/turn-errors.js';
import type { AddResult } from './add-messages.js';

/** How long a key is remembered: a retry within 24 hours of the first call returns its result. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** A client's idempotency key: 1-255 printable ASCII characters (as an HTTP header carries it). */
export const idempotencyKeySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** One keyed add: the tenant the key belongs to, the key, the request's hash and when it expires. */
export interface AddIdempotency {
  tenantId: string;
  key: string;
  requestHash: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms. */
  expiresAt: number;
}

/**
 * The idempotency of an add: keyed by tenant, with the hash of everything else the request says (content,
 * scope, options), so the same key with another request is refused.
 *
 * @example
 * const keyed = addIdempotency({ scope, key: 'order-42', request: { content, options }, now: Date.now() });
 */
export function addIdempotency(input: {
  scope: Scope;
  key: string;
  request: unknown;
  now: number;
}): AddIdempotency {
  return {
    tenantId: input.scope.tenantId,
    key: input.key,
    requestHash: createHash('sha256').update(canonicalJson(input.request)).digest('hex'),
    createdAt: input.now,
    expiresAt: input.now + IDEMPOTENCY_TTL_MS,
  };
}

/** JSON with object keys sorted at every level (undefined fields left out), so equal requests hash alike. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, field]) => field !== undefined)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
}

/** What is kept of an add's result: ids, usage and warnings. `complete` is false until inference finished. */
interface KeptAddResult {
  complete: boolean;
  messageIds: string[];
  memoryIds: string[];
  usage: Usage;
  warnings: string[];
  operations?: AddResult['operations'];
  extractionError?: AddResult['extractionError'];
  pending?: number;
}

/** The result to keep for a key (no content: erasing what the add wrote leaves no copy here). */
export function keptAddResult(result: AddResult, complete: boolean): JsonValue {
  const kept: KeptAddResult = {
    complete,
    messageIds: result.messages.map((message) => message.id),
    memoryIds: result.memories.map((memory) => memory.id),
    usage: result.usage,
    warnings: result.warnings,
  };
  if (result.operations !== undefined)
    kept.operations = result.operations.map(({ detail: _detail, ...operation }) => operation);
  if (result.extractionError !== undefined) kept.extractionError = result.extractionError;
  if (result.pending !== undefined) kept.pending = result.pending;
  return kept as unknown as JsonValue;
}

/** The record written with an add: its kept result, tied to the ids it must not outlive. */
export function idempotencyWrite(input: {
  idempotency: AddIdempotency;
  result: AddResult;
  complete: boolean;
  targetIds: string[];
}): IdempotencyWrite {
  return {
    ...input.idempotency,
    result: keptAddResult(input.result, input.complete),
    targetIds: input.targetIds,
  };
}

/**
 * The result of an earlier add with this key, read back from the store (what it wrote, as it is now:
 * forgotten items are absent), or undefined when the key is new. The same key with another request is a
 * CONFLICT.
 *
 * @example
 * const earlier = await recordedAdd({ store, scope, idempotency, now: Date.now() });
 * if (earlier !== undefined) return earlier;
 */
export async function recordedAdd(input: {
  store: MemoryStore;
  scope: Scope;
  idempotency: AddIdempotency;
  now: number;
}): Promise<AddResult | undefined> {
  const { tenantId, key, requestHash } = input.idempotency;
  const record = await input.store.getIdempotencyRecord({ tenantId, key, now: input.now });
  if (record === undefined) return undefined;
  if (record.requestHash !== requestHash) throw idempotencyKeyReused(key);
  return replayAdd({ store: input.store, scope: input.scope, record });
}

/** An add's result rebuilt from its idempotency record, marked `replayed`. */
export async function replayAdd(input: {
  store: MemoryStore;
  scope: Scope;
  record: IdempotencyRecord;
}): Promise<AddResult> {
  const kept = input.record.result as unknown as KeptAddResult;
  const messages: Message[] = await input.store.getMessages({ scope: input.scope, ids: kept.messageIds });
  const memories: MemoryRecord[] = await input.store.getMemories({ scope: input.scope, ids: kept.memoryIds });
  const warnings = [...kept.warnings];
  if (!kept.complete) {
    warnings.push(
      'This add was stored but its inference did not finish (the process stopped first); run ' +
        'reprocess({ messageIds }) (`mnemo reprocess`) to extract from these messages.',
    );
  }
  const result: AddResult = { memories, messages, usage: kept.usage, warnings, replayed: true };
  if (kept.operations !== undefined) result.operations = kept.operations;
  if (kept.extractionError !== undefined) result.extractionError = kept.extractionError;
  if (kept.pending !== undefined) result.pending = kept.pending;
  return result;
}
