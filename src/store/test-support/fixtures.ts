// Test fixtures for store tests: MemoryRecord + tokens + a small deterministic embedding.
import { createHash } from 'node:crypto';
import { uuidV7 } from '../../core/ids.js';
import type { MemoryKind, MemoryRecord } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import { analyze } from '../../models/text-analyzer.js';
import type { MemoryWrite, NewMessage } from '../memory-store.js';

export const FIXTURE_DIMENSIONS = 16;
export const FIXTURE_MODEL = `test:hash-bag:${FIXTURE_DIMENSIONS}`;
export const T0 = Date.parse('2025-01-01T00:00:00.000Z');

/**
 * A normalised bag-of-hashed-words vector: texts sharing words point the same way.
 *
 * @example
 * fixtureEmbedding('I live in Lisbon').length // 16
 */
export function fixtureEmbedding(text: string): Float32Array {
  const vector = new Float32Array(FIXTURE_DIMENSIONS);
  for (const token of analyze(text, { keepStopwords: true })) {
    const digest = createHash('sha256').update(token).digest();
    vector[digest[0]! % FIXTURE_DIMENSIONS]! += digest[1]! % 2 === 0 ? 1 : -1;
  }
  const norm = Math.hypot(...vector) || 1;
  for (let index = 0; index < vector.length; index++) vector[index] = vector[index]! / norm;
  if (Math.hypot(...vector) === 0) vector[0] = 1;
  return vector;
}

export interface FixtureOptions {
  scope: Scope;
  text: string;
  kind?: MemoryKind;
  /** Epoch ms (default T0). */
  observedAt?: number;
  metadata?: MemoryRecord['metadata'];
  expiresAt?: number;
  /** Epoch ms: when it became true (default: unset, i.e. observedAt). */
  validFrom?: number;
  /** Epoch ms: when the store learned it (default: observedAt). */
  createdAt?: number;
  id?: string;
  /** Attach an embedding (default true). */
  embed?: boolean;
}

/**
 * A MemoryWrite ready for `insertMemories`.
 *
 * @example
 * await store.insertMemories({ memories: [makeMemoryWrite({ scope, text: 'likes tea' })], actor: 'test', at: T0 });
 */
export function makeMemoryWrite(options: FixtureOptions): MemoryWrite {
  const observedAt = options.observedAt ?? T0;
  const kind = options.kind ?? 'fact';
  const record: MemoryRecord = {
    id: options.id ?? uuidV7(),
    scope: options.scope,
    kind,
    text: options.text,
    indexText: options.text,
    attributes: {},
    metadata: options.metadata ?? {},
    importance: 0.5,
    confidence: 0.9,
    source: { messageIds: [], origin: 'user', trust: 'high' },
    observedAt: new Date(observedAt).toISOString(),
    createdAt: new Date(options.createdAt ?? observedAt).toISOString(),
    accessCount: 0,
    hash: createHash('sha256').update(`${kind}:${options.text.toLowerCase()}`).digest('hex'),
  };
  if (options.expiresAt !== undefined) record.expiresAt = new Date(options.expiresAt).toISOString();
  if (options.validFrom !== undefined) record.validFrom = new Date(options.validFrom).toISOString();
  const write: MemoryWrite = { record, tokens: analyze(options.text) };
  if (options.embed ?? true) {
    record.embeddingModel = FIXTURE_MODEL;
    write.embedding = fixtureEmbedding(options.text);
  }
  return write;
}

/**
 * A NewMessage for `appendMessages`.
 *
 * @example
 * await store.appendMessages({ messages: [makeNewMessage({ scope, content: 'hi' })] });
 */
export function makeNewMessage(options: {
  scope: Scope;
  content: string;
  observedAt?: number;
  role?: NewMessage['role'];
}): NewMessage {
  return {
    id: uuidV7(),
    scope: options.scope,
    role: options.role ?? 'user',
    content: options.content,
    observedAt: options.observedAt ?? T0,
    metadata: {},
    createdAt: options.observedAt ?? T0,
  };
}
