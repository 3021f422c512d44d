// update(): a new version of a memory (supersession, history keeps the old one) when its content or time
// changes, and an in-place patch of importance, confidence, metadata and expiry. Edits keep their time.

import type { Clock } from '../core/clock.js';
import { MnemoError, notFound } from '../core/errors.js';
import type { GraphStep } from '../core/graph.js';
import { contentHash } from '../core/hashing.js';
import type { IdGenerator } from '../core/ids.js';
import type { JsonObject, MemoryRecord } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import { analyze } from '../models/text-analyzer.js';
import type { MemoryPatch, MemoryStore, MemoryWrite } from '../store/memory-store.js';
import { defaultValidFrom } from './direct-memory.js';
import { embedWrites } from './embed-documents.js';
import { extractEntities } from './entities.js';
import { formatDateIndexText, groundDates } from './time-grounding.js';

/**
 * What an update may change. Times are epoch ms. A field absent or `undefined` is left unchanged; `null`
 * clears it, and only `expiresAt` can be cleared (`validTo` only ends the old version when a new one is
 * written, and `metadata` is replaced as a whole).
 */
export interface MemoryRevision {
  /** New content: a new version supersedes the old one. */
  text?: string | undefined;
  /** When the new version was said (default: the original statement's time, so the edit keeps its place). */
  observedAt?: number | undefined;
  /** When the new version became true (default: grounded from its text, else unchanged or `observedAt`). */
  validFrom?: number | undefined;
  /** When the old version stopped being true (default: when the new one became true). */
  validTo?: number | undefined;
  importance?: number | undefined;
  confidence?: number | undefined;
  metadata?: JsonObject | undefined;
  /** A new expiry; `null` clears it (the memory no longer expires). */
  expiresAt?: number | null | undefined;
  /** Why: recorded in history when a new version is written. */
  reason?: string | undefined;
}

/** Kinds that describe the world and carry a valid time grounded from their text. */
const worldKinds = new Set(['fact', 'profile', 'procedure', 'insight']);

/** What the index puts before a memory's text: its profile slot, core label, or speaker. */
export function indexPrefixOf(record: Pick<MemoryRecord, 'kind' | 'attributes'>): string {
  const { topic, slot, label, speaker } = record.attributes;
  if (record.kind === 'profile' && typeof topic === 'string' && typeof slot === 'string')
    return `${topic} ${slot}: `;
  if (record.kind === 'core' && typeof label === 'string') return `${label}: `;
  return typeof speaker === 'string' ? `${speaker}: ` : '';
}

/**
 * The replacement record for a content or time change: same kind, scope and provenance; relative dates
 * grounded against when the new version was said (by default the original statement's time, not the
 * edit's); a profile slot's value follows its text.
 *
 * @example
 * const { record } = buildRevision({ previous, text: 'I live in Porto now', id: uuidV7(), now, actor: 'sdk' });
 */
export function buildRevision(options: {
  previous: MemoryRecord;
  text: string;
  id: string;
  now: number;
  actor: string;
  observedAt?: number | undefined;
  validFrom?: number | undefined;
}): { record: MemoryRecord; tokens: string[] } {
  const { previous, text, now } = options;
  const observedAt = options.observedAt ?? Date.parse(previous.observedAt);
  const dates = groundDates({ text, reference: observedAt });
  const dateText = formatDateIndexText(dates);
  const body = `${indexPrefixOf(previous)}${text}`;
  const indexText = dateText.length > 0 ? `${body} ${dateText}` : body;
  const attributes: JsonObject = {
    ...previous.attributes,
    dates: dates.map((date) => ({ ...date })),
    entities: { ...extractEntities(text) },
    editedBy: options.actor,
  };
  if (previous.kind === 'profile') attributes.value = text;
  const record: MemoryRecord = {
    ...previous,
    id: options.id,
    text,
    indexText,
    attributes,
    observedAt: new Date(observedAt).toISOString(),
    createdAt: new Date(now).toISOString(),
    accessCount: 0,
    hash: contentHash(previous.kind, text),
  };
  delete record.retiredAt;
  delete record.supersededBy;
  delete record.validTo;
  delete record.validFrom;
  delete record.lastAccessedAt;
  delete record.embeddingModel;
  const grounded = worldKinds.has(previous.kind) ? defaultValidFrom(dates, observedAt) : undefined;
  const validFrom =
    options.validFrom ??
    grounded ??
    (options.observedAt === undefined && previous.validFrom !== undefined
      ? Date.parse(previous.validFrom)
      : undefined);
  if (validFrom !== undefined) record.validFrom = new Date(validFrom).toISOString();
  record.supersedes = previous.id;
  return { record, tokens: analyze(indexText) };
}

export interface ReviseMemoryInput {
  store: MemoryStore;
  embedder?: EmbeddingModel | undefined;
  clock: Clock;
  ids: IdGenerator;
  actor: string;
  scope: Scope;
  id: string;
  revision: MemoryRevision;
  /** Reads the graph facts of the new version; absent when the graph is off. */
  graph?: GraphStep | undefined;
}

/**
 * Applies an update: text or time changes write a new version (the old one's validity ends when the new
 * one begins, unless `validTo` says otherwise); importance, confidence, metadata and expiry are patched
 * on the current version. A core block's text must stay within its limit.
 *
 * @example
 * const { previous, current } = await reviseMemory({ store, embedder, clock, ids, actor: 'sdk', scope, id,
 *   revision: { text: 'I moved to Lisbon last March', observedAt: Date.parse('2024-06-05') } });
 */
export async function reviseMemory(
  input: ReviseMemoryInput,
): Promise<{ previous: MemoryRecord; current: MemoryRecord }> {
  const { store, scope, revision, actor } = input;
  const now = input.clock.now();
  let previous = await store.getMemory({ scope, id: input.id });
  if (previous === undefined) throw notFound('Memory', input.id);
  let current = previous;
  if (revision.text !== undefined || revision.observedAt !== undefined || revision.validFrom !== undefined) {
    const text = revision.text ?? previous.text;
    checkCoreLimit(previous, text);
    const replacement: MemoryWrite = buildRevision({
      previous,
      text,
      id: input.ids(),
      now,
      actor,
      observedAt: revision.observedAt,
      validFrom: revision.validFrom,
    });
    // update() returns the two versions, not warnings: status() reports a store of another model.
    await embedWrites({ store, embedder: input.embedder, memories: [replacement] });
    await input.graph?.([replacement]);
    const result = await store.supersedeMemory({
      scope,
      id: previous.id,
      replacement,
      validTo: revision.validTo ?? Date.parse(replacement.record.validFrom ?? replacement.record.observedAt),
      at: now,
      actor,
      reason: revision.reason,
    });
    previous = result.previous;
    current = result.current;
  }
  const patch: MemoryPatch = {
    importance: revision.importance,
    confidence: revision.confidence,
    metadata: revision.metadata,
    expiresAt:
      revision.expiresAt === undefined || revision.expiresAt === null
        ? revision.expiresAt
        : new Date(revision.expiresAt).toISOString(),
  };
  if (Object.values(patch).some((value) => value !== undefined)) {
    current = await store.patchMemory({ scope, id: current.id, patch, at: now, actor });
  }
  return { previous, current };
}

/** A core block never grows past its limit; the write is refused, never truncated. */
export function checkCoreLimit(record: Pick<MemoryRecord, 'kind' | 'attributes'>, text: string): void {
  const limit = record.attributes.limit;
  if (record.kind !== 'core' || typeof limit !== 'number' || text.length <= limit) return;
  const label = typeof record.attributes.label === 'string' ? record.attributes.label : 'core';
  throw new MnemoError({
    code: 'INVALID_INPUT',
    message: `Core block "${label}" holds at most ${limit} characters; the new value has ${text.length}. Shorten it, or raise the block's limit (core set with a larger limit: --limit on the CLI, limit in the SDK and REST).`,
    details: { label, limit, length: text.length },
  });
}
