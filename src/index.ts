// The public SDK surface of Mnemo: createMemory(), the domain types, the errors, the model seams.
export type { ContextItem, ContextResult, ContextSection } from './context/assemble-context.js';
export type { CoreBlock, CoreBlockSetOptions } from './context/core-blocks.js';
export type { WorkingSetOptions } from './context/working-memory.js';
export type {
  AccessLevel,
  Caller,
  Grant,
  GrantInput,
  GrantRole,
  GrantTarget,
  PrincipalRef,
  RevokeInput,
  ScopeRequest,
  Space,
  SpaceInput,
  Surface,
} from './core/access.js';
export type {
  Entity,
  EntityMerge,
  EntityRef,
  EntityType,
  GraphFacts,
  Relation,
} from './core/graph.js';
export * from './core/index.js';
export { memoryStrength, type Strength, type StrengthPolicy, strengthDefaults } from './core/strength.js';
export type { EntityDetail, GraphMethods, Neighbour } from './graph/graph-methods.js';
export type { AddResult, AddUsage } from './ingest/add-messages.js';
export type { ExtractionFailure, InferenceFailure } from './ingest/infer/buffered-ingest.js';
export {
  type BatchPolicy,
  createPostgresInferenceQueue,
  createSqliteInferenceQueue,
  type FailedInference,
  type InferenceQueue,
  type SessionActivity,
} from './ingest/infer/index.js';
export type { FlushResult, InferenceStatus, ReprocessResult } from './ingest/infer/inference-runner.js';
export type { MessageInput } from './ingest/message-input.js';
export type {
  InsightReport,
  MaintainProgress,
  MaintainReport,
  MaintainStep,
  MergeReport,
  RefusedMergeReport,
  SupersessionReport,
} from './lifecycle/maintain/maintain-report.js';
export type { MaintenanceRun, MaintenanceScheduleStatus } from './lifecycle/maintain/schedule.js';
export {
  type MnemoMiddlewareOptions,
  type MnemoMiddlewareStage,
  mnemoMiddleware,
} from './middleware/mnemo-middleware.js';
export { createAnthropicLanguageModel } from './models/anthropic-language-model.js';
export { createBuiltinEmbedder } from './models/builtin-embedder.js';
export { createCachedEmbedder } from './models/cached-embedder.js';
export { type EmbeddingModel, embeddingModelKey } from './models/embedding-model.js';
export type {
  GenerateOptions,
  GenerateResult,
  LanguageModel,
  StructuredOutputMode,
} from './models/language-model.js';
export { createOpenAICompatibleEmbedder } from './models/openai-compatible-embedder.js';
export { createOpenAICompatibleLanguageModel } from './models/openai-compatible-language-model.js';
export { generateStructured, parseStructuredOutput } from './models/structured-output.js';
export { analyze } from './models/text-analyzer.js';
export type {
  SearchExplanation,
  SearchOptions,
  SearchResponse,
  SearchResult,
} from './retrieve/search-memories.js';
export {
  type AddCallOptions,
  type CreateMemoryOptions,
  createMemory,
  defaultStorePath,
  type Memory,
  type SearchCallOptions,
} from './sdk/create-memory.js';
export type {
  AddOptions,
  ContextOptions,
  FailuresOptions,
  ListOptions,
  MaintainOptions,
  MaintenanceOption,
  MaintenanceScope,
  MemoryUpdate,
  ReprocessOptions,
} from './sdk/options.js';
export type { EmbedderConfig } from './sdk/resolve-embedder.js';
export type { StoreConfig } from './sdk/resolve-store.js';
export type { AuditOptions, GrantMethods, SharingMethods, SpaceMethods } from './sdk/sharing-methods.js';
export type { MemoryStatus } from './sdk/status.js';
export type { AccessStore, AuditAction, AuditEntry } from './store/access-store.js';
export { type CopyStoreResult, copyStore } from './store/copy-store.js';
export type { EntityQuery, GraphMention, GraphStore, RelationQuery } from './store/graph-store.js';
export type {
  MaintenanceScopeInfo,
  MaintenanceState,
  MaintenanceStore,
  MaintenanceWatermark,
} from './store/maintenance-store.js';
export type {
  MemoryFilter,
  MemoryStore,
  RestoreCounts,
  StoreCapabilities,
  StoreDumpRow,
  VacuumReport,
} from './store/memory-store.js';
export { createPostgresStore, type PostgresStoreOptions } from './store/postgres/postgres-store.js';
export type { SqliteSynchronous } from './store/sqlite/sqlite-busy.js';
export { createSqliteStore } from './store/sqlite/sqlite-store.js';
