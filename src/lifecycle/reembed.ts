// reembed(): switch the store's embedding space to the current embedder and re-embed every memory, page by page.
import { MnemoError } from '../core/errors.js';
import { embedDocuments, switchEmbeddingSpace } from '../ingest/embed-documents.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import type { MemoryStore } from '../store/memory-store.js';

export interface ReembedOptions {
  /** Memories read and written per page (default 256); the embedder is called in its own batch size. */
  batchSize?: number | undefined;
  /** Called after each page with how many memories were re-embedded so far. */
  onProgress?: ((done: number) => void) | undefined;
}

/**
 * Re-embeds every memory that has no vector of the current embedder, after making that embedder's model the
 * store's embedding space. Embedding goes through the one write policy (`embedDocuments`: batches, and a
 * remote embedder's cache), so a text embedded before costs no call.
 *
 * @example
 * const { reembedded, model } = await reembedMemories({ store, embedder, onProgress: (done) => log(done) });
 */
export async function reembedMemories(
  input: { store: MemoryStore; embedder: EmbeddingModel | undefined } & ReembedOptions,
): Promise<{ reembedded: number; model: string }> {
  const { store, embedder } = input;
  if (embedder === undefined) {
    throw new MnemoError({
      code: 'CONFIG_INVALID',
      message: 'reembed needs an embedder; none is configured.',
    });
  }
  const model = await switchEmbeddingSpace({ store, embedder });
  let reembedded = 0;
  let cursor: string | undefined;
  do {
    const page = await store.listForReembed({
      limit: input.batchSize ?? 256,
      cursor,
    });
    if (page.items.length === 0) break;
    const { vectors } = await embedDocuments({
      store,
      embedder,
      texts: page.items.map((item) => item.indexText),
    });
    await store.writeEmbeddings({
      items: page.items.map((item, index) => ({ id: item.id, embedding: vectors[index]! })),
      model,
    });
    reembedded += page.items.length;
    input.onProgress?.(reembedded);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return { reembedded, model };
}
