// Consolidation of one exact scope: each memory new since the last run is compared with its nearest current
// neighbours (vector and lexical search, same kind, same exact scope). Clear restatements are merged and the
// same statement negated is resolved newest first, by the offline rules (merge-rules.ts); what is only
// related goes to the model in batches when one is configured (consolidate-llm.ts).
import type { MemoryKind, MemoryRecord } from '../../core/records.js';
import { type Scope, sameScope } from '../../core/scope.js';
import { analyzeQuery } from '../../models/text-analyzer.js';
import type { MaintenanceWatermark } from '../../store/maintenance-store.js';
import { consolidateWithModel } from './consolidate-llm.js';
import { contentUnits } from './loss-guard.js';
import { type Judged, judgePair, mergeGroups } from './merge-rules.js';
import { resolveRelationContradictions } from './relation-contradictions.js';
import type { UpkeepContext } from './upkeep-context.js';
import { retireContradicted, writeMerge } from './upkeep-writes.js';

/** Kinds consolidation works on: statements about the world. Episodes are the log of what was said. */
export const consolidatedKinds: readonly MemoryKind[] = ['fact', 'procedure', 'insight'];

/** Neighbours compared with each new memory, from each of vector and lexical search. */
const NEIGHBOURS = 8;
/** New memories read per page. */
const PAGE = 200;

/** What consolidating one scope got through: the new watermark and how many new memories are left. */
export interface ScopeProgress {
  watermark?: MaintenanceWatermark | undefined;
  left: number;
}

/**
 * Consolidates the memories of exactly `scope` created after `after`, within the run's budget.
 *
 * @example
 * const { watermark, left } = await consolidateScope(context, scope, state.watermark);
 */
export async function consolidateScope(
  context: UpkeepContext,
  scope: Scope,
  after: MaintenanceWatermark | undefined,
): Promise<ScopeProgress> {
  let watermark = after;
  let changed = false;
  for (;;) {
    const limit = Math.min(PAGE, context.budget.memories);
    // With the budget spent, one row is still read: the count of what is left goes in the report.
    const page = await context.store.listCreatedAfter({
      scope,
      after: watermark,
      kinds: consolidatedKinds,
      limit: Math.max(limit, 1),
      now: context.now,
    });
    if (limit <= 0 || page.items.length === 0) {
      if (changed) await resolveRelationContradictions(context, scope);
      return { watermark, left: limit <= 0 ? page.total : 0 };
    }
    context.budget.memories -= page.items.length;
    context.report.examined += page.items.length;
    changed = true;
    await consolidatePage(context, scope, page.items);
    const last = page.items[page.items.length - 1] as MemoryRecord;
    watermark = { at: Date.parse(last.createdAt), id: last.id };
    // Merges written on the way are new too: the loop reads on until nothing is left after the watermark.
  }
}

async function consolidatePage(context: UpkeepContext, scope: Scope, fresh: MemoryRecord[]): Promise<void> {
  const judged = await neighbourhoods(context, scope, fresh);
  const merges: Array<[string, string]> = [];
  const contradictions: Array<{ newer: Judged; older: Judged }> = [];
  const related: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const [id, neighbours] of judged.neighbours) {
    const self = judged.byId.get(id) as Judged;
    for (const other of neighbours) {
      const key = [id, other.record.id].sort().join(' ');
      if (seen.has(key)) continue;
      seen.add(key);
      const verdict = judgePair(self, other);
      if (verdict.verdict === 'merge') merges.push([id, other.record.id]);
      else if (verdict.verdict === 'contradiction') contradictions.push(verdict);
      else if (verdict.verdict === 'related') related.push([id, other.record.id]);
    }
  }
  const retired = new Set<string>();
  for (const { newer, older } of contradictions) {
    if (retired.has(older.record.id) || retired.has(newer.record.id)) continue;
    if (await retireContradicted(context, { newer: newer.record, older: older.record, rule: 'negation' })) {
      retired.add(older.record.id);
    }
  }
  const groups = mergeGroups(
    judged.byId,
    merges.filter(([a, b]) => !retired.has(a) && !retired.has(b)),
    (member, keep) => judgePair(member, keep).verdict === 'merge',
  );
  for (const group of groups) {
    for (const member of await writeMerge(context, group, { text: group.keep.record.text, by: 'offline' })) {
      retired.add(member);
    }
  }
  if (context.llm !== undefined && context.budget.llmCalls > 0) {
    await consolidateWithModel(
      context,
      related.filter(([a, b]) => !retired.has(a) && !retired.has(b)),
      judged.byId,
    );
  }
}

/** Each new memory's current neighbours of the same kind in exactly `scope`, read once with their units. */
async function neighbourhoods(
  context: UpkeepContext,
  scope: Scope,
  fresh: MemoryRecord[],
): Promise<{ byId: Map<string, Judged>; neighbours: Map<string, Judged[]> }> {
  const { store, now } = context;
  const vectors = await store.getVectors({ scope, ids: fresh.map((record) => record.id) });
  const hitsOf = new Map<string, Set<string>>();
  for (const record of fresh) {
    const filter = { now, kinds: [record.kind] };
    const vector = vectors.get(record.id);
    const [lexical, semantic] = await Promise.all([
      store.searchLexical({ scope, terms: analyzeQuery(record.text), filter, limit: NEIGHBOURS }),
      vector === undefined
        ? Promise.resolve([])
        : store.searchVector({ scope, embedding: vector, filter, limit: NEIGHBOURS }),
    ]);
    const ids = new Set([...lexical, ...semantic].map((hit) => hit.id));
    ids.delete(record.id);
    hitsOf.set(record.id, ids);
  }
  const wanted = [...new Set([...hitsOf.values()].flatMap((ids) => [...ids]))].filter(
    (id) => !hitsOf.has(id),
  );
  const others = (await store.getMemories({ scope, ids: wanted })).filter(
    (record) => sameScope(record.scope, scope) && record.retiredAt === undefined,
  );
  const otherVectors = await store.getVectors({ scope, ids: others.map((record) => record.id) });
  const byId = new Map<string, Judged>();
  for (const record of fresh) {
    byId.set(record.id, { record, units: contentUnits(record.text), vector: vectors.get(record.id) });
  }
  for (const record of others) {
    byId.set(record.id, { record, units: contentUnits(record.text), vector: otherVectors.get(record.id) });
  }
  const neighbours = new Map<string, Judged[]>();
  for (const [id, ids] of hitsOf) {
    neighbours.set(
      id,
      [...ids].flatMap((other) => byId.get(other) ?? []),
    );
  }
  return { byId, neighbours };
}
