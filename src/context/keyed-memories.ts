// Memories addressed by a key inside one scope (a core block by its label, a profile slot by topic and
// slot): find the current one, and write a new version of it so history keeps every change.
import type { ScopeResolver } from '../core/access.js';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { JsonObject, MemoryKind, MemoryRecord } from '../core/records.js';
import { type Scope, sameScope } from '../core/scope.js';
import { embedWrites } from '../ingest/embed-documents.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import type { MemoryStore, MemoryWrite } from '../store/memory-store.js';

/** What keyed writers need from the engine. */
export interface KeyedMemoryDeps {
  store: MemoryStore;
  embedder?: EmbeddingModel | undefined;
  clock: Clock;
  ids: IdGenerator;
  actor: string;
  /** The access rule in front of every scoped call (the SDK's gate; `parseOnlyResolver` in tests). */
  resolve: ScopeResolver;
}

/** A scope holds few keyed memories; reading stops here so a runaway scope cannot stall a call. */
const MAX_KEYED = 1_000;

/**
 * The current memories of `kind` the caller sees whose attributes match, oldest first. With `exactScope`,
 * only those in exactly that scope.
 */
export async function currentKeyed(
  deps: Pick<KeyedMemoryDeps, 'store' | 'clock'>,
  input: {
    scope: Scope;
    kind: MemoryKind;
    matches: (attributes: JsonObject) => boolean;
    exactScope?: boolean | undefined;
  },
): Promise<MemoryRecord[]> {
  const found: MemoryRecord[] = [];
  let cursor: string | undefined;
  let read = 0;
  do {
    const page = await deps.store.listMemories({
      scope: input.scope,
      filter: { kinds: [input.kind], now: deps.clock.now() },
      limit: 200,
      order: 'asc',
      cursor,
    });
    for (const record of page.items) {
      if (record.retiredAt !== undefined || !input.matches(record.attributes)) continue;
      if (input.exactScope === true && !sameScope(record.scope, input.scope)) continue;
      found.push(record);
    }
    read += page.items.length;
    cursor = page.nextCursor;
  } while (cursor !== undefined && read < MAX_KEYED);
  return found;
}

/**
 * Writes `write` as the new version of the key: supersedes the current memory (its validity ends now), or
 * inserts the first one. Leftover duplicates of the key (two writers racing) are retired too.
 */
export async function writeKeyedVersion(
  deps: KeyedMemoryDeps,
  input: { write: MemoryWrite; existing: MemoryRecord[]; reason: string },
): Promise<MemoryRecord> {
  const { store, actor } = deps;
  const now = deps.clock.now();
  // Keyed writes return the record, not warnings: status() reports a store of another model.
  await embedWrites({ store, embedder: deps.embedder, memories: [input.write] });
  const [latest, ...older] = [...input.existing].reverse();
  for (const duplicate of older) {
    await store.invalidateMemory({
      scope: duplicate.scope,
      id: duplicate.id,
      validTo: now,
      at: now,
      actor,
      reason: input.reason,
    });
  }
  if (latest === undefined) {
    await store.insertMemories({ memories: [input.write], actor, at: now });
    return input.write.record;
  }
  input.write.record.supersedes = latest.id;
  const { current } = await store.supersedeMemory({
    scope: latest.scope,
    id: latest.id,
    replacement: input.write,
    validTo: now,
    at: now,
    actor,
    reason: input.reason,
  });
  return current;
}

/** Retires the current memories of a key (validity ends now); history keeps them. True when there were any. */
export async function retireKeyed(
  deps: Pick<KeyedMemoryDeps, 'store' | 'clock' | 'actor'>,
  input: { existing: MemoryRecord[]; reason: string },
): Promise<boolean> {
  const now = deps.clock.now();
  for (const record of input.existing) {
    await deps.store.invalidateMemory({
      scope: record.scope,
      id: record.id,
      validTo: now,
      at: now,
      actor: deps.actor,
      reason: input.reason,
    });
  }
  return input.existing.length > 0;
}
