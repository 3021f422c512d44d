// Writes a resolved plan: builds records, drops exact and near duplicates, embeds in batches, then persists.
import type { GraphStep } from '../../core/graph.js';
import type { IdGenerator } from '../../core/ids.js';
import type { JsonObject, MemoryRecord, Message } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { EmbeddingModel } from '../../models/embedding-model.js';
import type { MemoryStore, MemoryWrite } from '../../store/memory-store.js';
import { isNearDuplicate, nearDuplicateDefaults } from '../dedupe.js';
import { embedWrites } from '../embed-documents.js';
import { buildInferredMemory, type InferredMemoryDraft, parseModelDate } from './build-inferred-memory.js';
import type { AppliedOperation } from './infer-schema.js';
import { graphFactsFromModel } from './llm-graph-facts.js';
import type { OperationPlan, PlannedChange } from './resolve-operations.js';

/** Importance given to what the user explicitly asked to remember. */
export const EXPLICIT_IMPORTANCE = 1;
const DEFAULT_IMPORTANCE = 0.5;

export interface ApplyInput {
  store: MemoryStore;
  embedder?: EmbeddingModel | undefined;
  ids: IdGenerator;
  /** Where the memories are written (the batch scope without its session). */
  scope: Scope;
  newMessages: Message[];
  /** Indexes of new turns that explicitly ask to remember something. */
  explicitTurns: Set<number>;
  known: MemoryRecord[];
  plan: OperationPlan;
  metadata: JsonObject;
  actor: string;
  now: number;
  /** Links each new memory into the knowledge graph (absent with the graph off). */
  graph?: GraphStep | undefined;
}

export interface ApplyResult {
  memories: MemoryRecord[];
  operations: AppliedOperation[];
  warnings: string[];
  embeddingCalls: number;
}

interface Pending {
  change: Exclude<PlannedChange, { type: 'invalidate' }>;
  /** The record and tokens, and once embedded its vector: what the store is handed. */
  draft: MemoryWrite;
}

function sourcesOf(input: ApplyInput, turns: number[] | null | undefined): Message[] {
  const picked = (turns ?? [])
    .map((index) => input.newMessages[index])
    .filter((message): message is Message => message !== undefined);
  return picked.length > 0 ? [...new Set(picked)] : input.newMessages;
}

function draftFor(input: ApplyInput, change: Pending['change']): InferredMemoryDraft {
  const { op } = change;
  const sources = sourcesOf(input, op.sourceTurns);
  const latestAt = Math.max(...sources.map((message) => Date.parse(message.observedAt)));
  const explicit = (op.sourceTurns ?? []).some((index) => input.explicitTurns.has(index));
  const previous = change.type === 'supersede' ? change.target : undefined;
  const kind = op.op === 'ADD' ? op.kind : (previous?.kind as 'fact' | 'profile' | 'procedure');
  const attributes: JsonObject = {};
  if (kind === 'profile') {
    const topic = op.op === 'ADD' ? op.topic : previous?.attributes.topic;
    const slot = op.op === 'ADD' ? op.slot : previous?.attributes.slot;
    if (typeof topic === 'string') attributes.topic = topic.trim().toLowerCase();
    if (typeof slot === 'string') attributes.slot = slot.trim().toLowerCase();
    attributes.value = op.value ?? op.text;
  }
  if (explicit) attributes.explicit = true;
  const importance = Math.max(
    op.importance ?? previous?.importance ?? DEFAULT_IMPORTANCE,
    explicit ? EXPLICIT_IMPORTANCE : 0,
  );
  const validFrom = parseModelDate(op.validFrom, latestAt);
  const attributedTo = op.op === 'ADD' ? op.attributedTo : undefined;
  const draft: InferredMemoryDraft = buildInferredMemory({
    id: input.ids(),
    scope: input.scope,
    kind,
    text: op.text,
    sources,
    ...(attributedTo ? { attributedTo } : {}),
    importance,
    validFrom,
    attributes,
    metadata: input.metadata,
    now: input.now,
  });
  const graph = graphFactsFromModel(op, (text) => parseModelDate(text, latestAt));
  if (graph !== undefined) {
    for (const relation of graph.relations) relation.fact = op.text;
    draft.graph = graph;
  }
  return draft;
}

/** Drops exact duplicates (same hash in the batch, or a current memory with it) and near-duplicates of known memories. */
async function dropDuplicates(input: ApplyInput, pending: Pending[], report: Map<number, AppliedOperation>) {
  const hashes = pending.map((entry) => entry.draft.record.hash);
  const stored = await input.store.findByHash({ scope: input.scope, hashes, now: input.now });
  const storedByHash = new Map(stored.map((record) => [record.hash, record]));
  const seen = new Set<string>();
  return pending.filter((entry) => {
    const { record } = entry.draft;
    const { index, op } = entry.change;
    const target = entry.change.type === 'supersede' ? entry.change.target : undefined;
    const existing = storedByHash.get(record.hash);
    if (
      seen.has(record.hash) ||
      (existing !== undefined && existing.id !== target?.id) ||
      target?.hash === record.hash
    ) {
      const matched = existing ?? target;
      report.set(index, {
        op: op.op,
        status: 'duplicate',
        ...(matched === undefined ? {} : { targetId: matched.id }),
      });
      return false;
    }
    seen.add(record.hash);
    if (entry.change.type !== 'add') return true;
    const near = input.known.find(
      (known) =>
        known.kind === record.kind && isNearDuplicate({ text: record.text, otherText: known.text }).duplicate,
    );
    if (near === undefined) return true;
    report.set(index, { op: 'ADD', status: 'near-duplicate', targetId: near.id, detail: 'token Jaccard' });
    return false;
  });
}

/** ADDs whose vector is within cosine 0.95 of a current memory of the same kind become near-duplicates. */
async function dropVectorDuplicates(
  input: ApplyInput,
  pending: Pending[],
  report: Map<number, AppliedOperation>,
) {
  if (!input.store.capabilities.vectorSearch) return pending;
  const kept: Pending[] = [];
  for (const entry of pending) {
    if (entry.change.type !== 'add' || entry.draft.embedding === undefined) {
      kept.push(entry);
      continue;
    }
    const [best] = await input.store.searchVector({
      scope: input.scope,
      embedding: entry.draft.embedding,
      filter: { kinds: [entry.draft.record.kind], now: input.now },
      limit: 1,
    });
    if (best !== undefined && best.similarity >= nearDuplicateDefaults.cosine) {
      report.set(entry.change.index, {
        op: 'ADD',
        status: 'near-duplicate',
        targetId: best.id,
        detail: 'cosine',
      });
      continue;
    }
    kept.push(entry);
  }
  return kept;
}

/**
 * Applies a plan: one `insertMemories` transaction for every ADD, then one `supersedeMemory` or
 * `invalidateMemory` per changed memory (each its own transaction with its history entry). Nothing
 * is deleted: a change retires the old version.
 */
export async function applyOperations(input: ApplyInput): Promise<ApplyResult> {
  const warnings = [...input.plan.warnings];
  const report = new Map(input.plan.settled);
  const built: Pending[] = input.plan.changes
    .filter((change): change is Pending['change'] => change.type !== 'invalidate')
    .map((change) => ({ change, draft: draftFor(input, change) }));
  let pending = await dropDuplicates(input, built, report);
  const embedded = await embedWrites({
    store: input.store,
    embedder: input.embedder,
    memories: pending.map((entry) => entry.draft),
  });
  warnings.push(...embedded.warnings);
  const embeddingCalls = embedded.calls;
  pending = await dropVectorDuplicates(input, pending, report);
  await input.graph?.(pending.map((entry) => entry.draft));
  const memories: MemoryRecord[] = [];
  const adds = pending.filter((entry) => entry.change.type === 'add');
  if (adds.length > 0) {
    await input.store.insertMemories({
      memories: adds.map((entry) => entry.draft),
      actor: input.actor,
      at: input.now,
    });
    for (const entry of adds) {
      memories.push(entry.draft.record);
      report.set(entry.change.index, { op: 'ADD', status: 'applied', memoryId: entry.draft.record.id });
    }
  }
  for (const entry of pending) {
    if (entry.change.type !== 'supersede') continue;
    const { target, index, op } = entry.change;
    entry.draft.record.supersedes = target.id;
    const validTo = entry.draft.record.validFrom ?? entry.draft.record.observedAt;
    const { current } = await input.store.supersedeMemory({
      scope: input.scope,
      id: target.id,
      replacement: entry.draft,
      validTo: Date.parse(validTo),
      at: input.now,
      actor: input.actor,
      reason: 'inferred from new turns',
    });
    memories.push(current);
    report.set(index, { op: op.op, status: 'applied', memoryId: current.id, targetId: target.id });
  }
  for (const change of input.plan.changes) {
    if (change.type !== 'invalidate') continue;
    const sources = sourcesOf(input, change.op.sourceTurns);
    const latestAt = Math.max(...sources.map((message) => Date.parse(message.observedAt)));
    const validTo = parseModelDate(change.op.validTo, latestAt) ?? latestAt;
    const record = await input.store.invalidateMemory({
      scope: input.scope,
      id: change.target.id,
      validTo,
      at: input.now,
      actor: input.actor,
      reason: change.op.reason,
    });
    memories.push(record);
    report.set(change.index, {
      op: 'INVALIDATE',
      status: 'applied',
      memoryId: record.id,
      targetId: record.id,
    });
  }
  const operations = [...report.entries()].sort(([left], [right]) => left - right).map(([, value]) => value);
  return { memories, operations, warnings, embeddingCalls };
}
