// forget() and forgetScope(): real erasure, with what the write path must do around the store's erase.
import type { Scope } from '../core/scope.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import type { MemoryStore } from '../store/memory-store.js';
import { releaseNeighbourContext } from './episode-neighbours.js';
import type { InferenceQueue } from './infer/inference-queue.js';

/**
 * Erases a memory and all its versions. A forgotten turn's words first leave the neighbouring episodes
 * that were indexed with them (`releaseNeighbourContext`), so nothing of it survives in their index.
 *
 * @example
 * const { forgottenIds } = await forgetMemory({ store, embedder, scope, id, at: Date.now(), actor: 'sdk' });
 */
export async function forgetMemory(input: {
  store: MemoryStore;
  embedder: EmbeddingModel | undefined;
  scope: Scope;
  id: string;
  at: number;
  actor: string;
}): Promise<{ forgottenIds: string[] }> {
  const { store, scope, id } = input;
  await releaseNeighbourContext({ store, embedder: input.embedder, scope, id });
  return store.forgetMemory({ scope, id, at: input.at, actor: input.actor });
}

/**
 * Erases everything inside a user, agent or session scope (the store refuses anything wider), then drops
 * what the inference queue still held for it: buffered messages, failures and session activity.
 *
 * @example
 * const { memories, messages } = await forgetScope({ store, queue, scope, at: Date.now(), actor: 'sdk' });
 */
export async function forgetScope(input: {
  store: MemoryStore;
  queue: InferenceQueue;
  scope: Scope;
  at: number;
  actor: string;
}): Promise<{ memories: number; messages: number }> {
  const forgotten = await input.store.forgetScope({ scope: input.scope, at: input.at, actor: input.actor });
  await input.queue.discardScope({ scope: input.scope });
  return forgotten;
}
