// The graph as a retrieval source: the memories connected to the entities a query names (graph/
// graph-candidates.ts), kept only where the search's filter admits them, with scores normalised to [0, 1]
// for fusion beside lexical and vector candidates.

import type { MemoryRecord } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import { type GraphEvidence, graphCandidates, linkQueryEntities } from '../graph/graph-candidates.js';
import { matchesMemoryFilter } from '../store/filter.js';
import type { MemoryFilter, MemoryStore } from '../store/memory-store.js';

/** At most this many graph candidates join the fusion (the best by graph score). */
const MAX_GRAPH_CANDIDATES = 60;

export interface GraphView {
  score: number;
  rank: number;
  normalized: number;
  evidence: GraphEvidence;
  /** The memory, already loaded (and checked against the filter). */
  record: MemoryRecord;
}

/**
 * The graph's candidates for a query, best first; empty when the query names no known entity.
 *
 * @example
 * const graph = await graphSignal({ store, scope, query: 'Where does Emma live?', terms: ['emma', 'live'], filter });
 */
export async function graphSignal(input: {
  store: MemoryStore;
  scope: Scope;
  query: string;
  terms: readonly string[];
  filter: MemoryFilter;
}): Promise<Map<string, GraphView>> {
  const { store, scope, filter } = input;
  const entities = await linkQueryEntities({ store, scope, query: input.query });
  if (entities.length === 0) return new Map();
  const evidence = await graphCandidates({
    store,
    scope,
    entities,
    terms: input.terms,
    query: input.query,
    asOf: filter.includeHistory === true ? undefined : filter.asOf,
    knownAt: filter.knownAt,
  });
  const best = [...evidence].sort((a, b) => b[1].score - a[1].score).slice(0, MAX_GRAPH_CANDIDATES);
  if (best.length === 0) return new Map();
  const admitted = new Map(
    (await store.getMemories({ scope, ids: best.map(([id]) => id) }))
      .filter((record) => matchesMemoryFilter(record, filter))
      .map((record) => [record.id, record]),
  );
  const views = new Map<string, GraphView>();
  for (const [id, entry] of best) {
    const record = admitted.get(id);
    if (record === undefined) continue;
    // Scores are absolute (capped at 1), not divided by the best: weak evidence stays weak when it is all there is.
    const score = entry.score;
    views.set(id, { score, rank: views.size + 1, normalized: Math.min(1, score), evidence: entry, record });
  }
  return views;
}
