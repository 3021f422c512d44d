// The graph's part of a write: each new memory's facts read offline (graph/extract-graph.ts), then resolved
// against the stored graph with one bounded lookup per scope (graph/resolve-entities.ts). The store links
// them in the memory's own transaction.
import type { GraphFacts, GraphStep } from '../core/graph.js';
import type { GroundedDate, MemoryKind, MemoryRecord } from '../core/records.js';
import type { GraphStore } from '../store/graph-store.js';
import type { MemoryStore } from '../store/memory-store.js';
import { extractGraph } from './extract-graph.js';
import { resolveEntities } from './resolve-entities.js';
import { loadTagger, type Tagger } from './tagger.js';

/** Kinds whose text says something about the world; summaries and core blocks restate or instruct. */
const GRAPH_KINDS: ReadonlySet<MemoryKind> = new Set(['episode', 'fact', 'profile', 'insight']);

/** Who "I" is in a memory: a person who spoke it (a named or user turn, or the person a fact is about). */
function speakerOf(record: MemoryRecord): string | undefined {
  const role = record.attributes.role;
  if (role === 'assistant' || role === 'system' || role === 'tool') {
    return record.source.attributedTo !== undefined && record.source.attributedTo !== role
      ? record.source.attributedTo
      : undefined;
  }
  const speaker = record.attributes.speaker;
  if (typeof speaker === 'string' && speaker !== '') return speaker;
  return record.source.attributedTo ?? record.scope.userId;
}

function datesOf(record: MemoryRecord): GroundedDate[] {
  const dates = record.attributes.dates;
  return Array.isArray(dates) ? (dates as unknown as GroundedDate[]) : [];
}

/**
 * The offline graph facts of one memory, or undefined when it names no entity.
 *
 * @example
 * graphFactsOf(episode, await loadTagger()); // { entities: [{ name: 'Emma', type: 'person' }, …], relations: […] }
 */
export function graphFactsOf(record: MemoryRecord, tagger: Tagger): GraphFacts | undefined {
  if (!GRAPH_KINDS.has(record.kind)) return undefined;
  const facts = extractGraph({
    text: record.text,
    tagger,
    speaker: speakerOf(record),
    observedAt: Date.parse(record.validFrom ?? record.observedAt),
    dates: datesOf(record),
  });
  return facts.entities.length === 0 ? undefined : facts;
}

/**
 * The GraphStep the SDK hands the write path: offline facts for writes without their own, then one bounded
 * resolution lookup per user (and agent) scope.
 *
 * @example
 * const graph = createGraphStep({ store });
 * await graph(writes); // writes[i].graph set where a memory names an entity
 */
export function createGraphStep(options: {
  store: GraphStore & Partial<Pick<MemoryStore, 'getVectors'>>;
}): GraphStep {
  return async (writes) => {
    const tagger = await loadTagger();
    for (const write of writes) {
      if (write.graph !== undefined) continue;
      const facts = graphFactsOf(write.record, tagger);
      if (facts !== undefined) write.graph = facts;
    }
    const byScope = new Map<
      string,
      { record: MemoryRecord; facts: GraphFacts[]; embeddings: Array<Float32Array | undefined> }
    >();
    for (const write of writes) {
      if (write.graph === undefined) continue;
      const { tenantId, userId, agentId } = write.record.scope;
      const key = JSON.stringify([tenantId, userId ?? null, agentId ?? null]);
      const group = byScope.get(key) ?? { record: write.record, facts: [], embeddings: [] };
      group.facts.push(write.graph);
      group.embeddings.push(write.embedding);
      byScope.set(key, group);
    }
    for (const group of byScope.values()) {
      await resolveEntities({
        store: options.store,
        scope: group.record.scope,
        facts: group.facts,
        embeddings: group.embeddings,
      });
    }
  };
}
