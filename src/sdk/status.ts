// status(): what the engine is running on and can do, as data.

import type { InferenceStatus } from '../ingest/infer/inference-runner.js';
import type { MaintenanceScheduleStatus } from '../lifecycle/maintain/schedule.js';
import { type EmbeddingModel, embeddingModelKey, embeddingSpaceMismatch } from '../models/embedding-model.js';
import type { LanguageModel } from '../models/language-model.js';
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
  llm: null | {
    provider: string;
    modelId: string;
    capabilities: LanguageModel['capabilities'];
  };
  /** Buffered ingestion, extraction failures, automatic summaries and the background timer. */
  inference: InferenceStatus;
  /** Scheduled upkeep (`createMemory({ maintenance: { intervalMs } })`): its interval and last run. */
  maintenance: MaintenanceScheduleStatus;
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
  llm: LanguageModel | undefined;
  inference: InferenceStatus;
  maintenance: MaintenanceScheduleStatus;
  /** Why the inference queue is not durable, when it is not. */
  queueWarning?: string | undefined;
  /** What the orphan repair at open did or could not do (reported by the first status() only). */
  repairWarnings?: readonly string[] | undefined;
}): Promise<MemoryStatus> {
  const { store, embedder, llm, inference } = input;
  const stats = await store.stats();
  const warnings: string[] = [];
  const key = embedder === undefined ? undefined : embeddingModelKey(embedder);
  const matchesStore =
    key !== undefined && (stats.embeddingSpace === undefined || stats.embeddingSpace.model === key);
  if (key !== undefined && !matchesStore) {
    const stored = stats.embeddingSpace?.model ?? 'another model';
    const consequence = 'new memories are stored without vectors and search is lexical only';
    warnings.push(embeddingSpaceMismatch({ stored, embedder: key, consequence }));
  }
  if (embedder === undefined) warnings.push('No embedder: search is lexical only.');
  else if (embedder.capabilities.similarityFloor === undefined)
    warnings.push(
      `The embedder ${key} declares no similarityFloor: every vector candidate counts as evidence, so unrelated ` +
        'memories can come back. Set the embedder option similarityFloor (MNEMO_EMBED_SIMILARITY_FLOOR).',
    );
  if (input.queueWarning !== undefined) warnings.push(input.queueWarning);
  warnings.push(...(input.repairWarnings ?? []));
  if (inference.queue.failed > 0) {
    warnings.push(
      `${inference.queue.failed} message(s) failed extraction: list them with failures(), replay with reprocess() (\`mnemo reprocess\`).`,
    );
  }
  if (inference.queue.pending > 0 && llm === undefined) {
    warnings.push(
      `${inference.queue.pending} buffered message(s) wait for inference, but no language model is configured.`,
    );
  }
  if (inference.background?.lastError !== undefined) {
    warnings.push(
      `The last background run failed (${inference.background.lastError.code}: ${inference.background.lastError.message}).`,
    );
  }
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
    llm:
      llm === undefined
        ? null
        : { provider: llm.provider, modelId: llm.modelId, capabilities: llm.capabilities },
    inference,
    maintenance: input.maintenance,
    capabilities: {
      rawMode: true,
      inferredMode: llm !== undefined,
      lexicalSearch: store.capabilities.fullTextSearch,
      vectorSearch: store.capabilities.vectorSearch && matchesStore,
      semanticSearch: matchesStore && embedder?.capabilities.semantic === true,
    },
    warnings,
  };
}
