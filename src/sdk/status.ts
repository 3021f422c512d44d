// status(): what the engine is running on and can do, as data.
import { type EmbeddingModel, embeddingModelKey } from '../models/embedding-model.js';
import type { MemoryStore, StoreCapabilities, StoreStats } from '../store/memory-store.js';

export interface MemoryStatus {
  store: { provider: string; path?: string; capabilities: StoreCapabilities; stats: StoreStats };
  embedder: null | {
    provider: string;
    modelId: string;
    dimensions: number;
    key: string;
    capabilities: EmbeddingModel['capabilities'];
    /** The store's vectors were made by this embedder. */
    matchesStore: boolean;
  };
  llm: null;
  capabilities: {
    rawMode: boolean;
    inferredMode: boolean;
    lexicalSearch: boolean;
    vectorSearch: boolean;
    semanticSearch: boolean;
  };
  warnings: string[];
}

export async function buildStatus(input: {
  store: MemoryStore;
  embedder: EmbeddingModel | undefined;
}): Promise<MemoryStatus> {
  const { store, embedder } = input;
  const stats = await store.stats();
  const warnings: string[] = [];
  const key = embedder === undefined ? undefined : embeddingModelKey(embedder);
  const matchesStore =
    key !== undefined && (stats.embeddingSpace === undefined || stats.embeddingSpace.model === key);
  if (key !== undefined && !matchesStore) {
    warnings.push(
      `Stored vectors come from ${stats.embeddingSpace?.model}, the embedder is ${key}: run \`mnemo reembed\`.`,
    );
  }
  if (embedder === undefined) warnings.push('No embedder: search is lexical only.');
  const storePath = 'path' in store && typeof store.path === 'string' ? store.path : undefined;
  return {
    store: {
      provider: store.provider,
      ...(storePath === undefined ? {} : { path: storePath }),
      capabilities: store.capabilities,
      stats,
    },
    embedder:
      embedder === undefined || key === undefined
        ? null
        : {
            provider: embedder.provider,
            modelId: embedder.modelId,
            dimensions: embedder.dimensions,
            key,
            capabilities: embedder.capabilities,
            matchesStore,
          },
    llm: null,
    capabilities: {
      rawMode: true,
      inferredMode: false,
      lexicalSearch: store.capabilities.fullTextSearch,
      vectorSearch: store.capabilities.vectorSearch && matchesStore,
      semanticSearch: matchesStore && embedder?.capabilities.semantic === true,
    },
    warnings,
  };
}
