// Contradictions the graph already knows: a functional relation ("lives in", "works at") closed by a newer
// value, or a "likes" answered later by a "dislikes" of the same thing (and back). A current statement all of
// whose relations are so outdated no longer says anything true: it is retired, newest statement first.
// Statements that still carry an open relation ("I live in Paris and love cheese") stay current.
import type { Relation } from '../../core/graph.js';
import type { MemoryRecord } from '../../core/records.js';
import { type Scope, sameScope } from '../../core/scope.js';
import { isNewer } from './merge-rules.js';
import type { UpkeepContext } from './upkeep-context.js';
import { retireContradicted } from './upkeep-writes.js';

/** Predicates that answer each other: a later one outdates an earlier one about the same object. */
const OPPOSITES: Readonly<Record<string, string>> = { likes: 'dislikes', dislikes: 'likes' };
/** Relations read per scope and run. */
const RELATIONS_READ = 5_000;
/** Kinds retired this way: statements about the world. Episodes say what was said, and stay. */
const RETIRED_KINDS = new Set(['fact', 'insight']);

const objectKey = (relation: Relation) =>
  'literal' in relation.object ? `literal:${relation.object.literal.toLowerCase()}` : relation.object.id;

/**
 * For each relation that a newer one outdates, the id of that newer relation.
 *
 * @example
 * const outdatedBy = outdatedRelations(relations, newestSourceTime); // Map { oldRelationId → newRelationId }
 */
export function outdatedRelations(
  relations: readonly Relation[],
  said: (relation: Relation) => number,
): Map<string, string> {
  const outdated = new Map<string, string>();
  for (const relation of relations) {
    if (relation.validTo !== undefined && relation.invalidatedBy !== undefined) {
      outdated.set(relation.id, relation.invalidatedBy);
    }
  }
  const open = relations.filter((relation) => relation.validTo === undefined);
  const bySubjectObject = new Map<string, Relation[]>();
  for (const relation of open) {
    if (OPPOSITES[relation.predicate] === undefined) continue;
    const key = `${relation.subject.id} ${objectKey(relation)}`;
    bySubjectObject.set(key, [...(bySubjectObject.get(key) ?? []), relation]);
  }
  for (const group of bySubjectObject.values()) {
    for (const relation of group) {
      const answer = group
        .filter((other) => other.predicate === OPPOSITES[relation.predicate] && said(other) > said(relation))
        .sort((a, b) => said(b) - said(a))[0];
      if (answer !== undefined) outdated.set(relation.id, answer.id);
    }
  }
  return outdated;
}

/**
 * Retires the current facts and insights of exactly `scope` whose every relation is outdated by a newer
 * statement (history `invalidate`, reason naming it).
 *
 * @example
 * await resolveRelationContradictions(context, scope);
 */
export async function resolveRelationContradictions(context: UpkeepContext, scope: Scope): Promise<void> {
  const relations = (await context.store.listRelations({ scope, limit: RELATIONS_READ })).filter((relation) =>
    sameScope(relation.scope, scope),
  );
  if (relations.length === 0) return;
  const sourceIds = [...new Set(relations.flatMap((relation) => relation.sourceMemoryIds))];
  const memories = new Map(
    (await context.store.getMemories({ scope, ids: sourceIds })).map((record) => [record.id, record]),
  );
  const successor = await successorsOf(context, scope, memories);
  const said = (relation: Relation) =>
    Math.max(
      0,
      ...relation.sourceMemoryIds.flatMap((id) => {
        const record = memories.get(id);
        return record === undefined ? [] : [Date.parse(record.observedAt)];
      }),
    );
  const outdated = outdatedRelations(relations, said);
  if (outdated.size === 0) return;
  const byId = new Map(relations.map((relation) => [relation.id, relation]));
  const relationsOf = new Map<string, Relation[]>();
  for (const relation of relations) {
    for (const id of relation.sourceMemoryIds)
      relationsOf.set(id, [...(relationsOf.get(id) ?? []), relation]);
  }
  for (const [id, stated] of relationsOf) {
    const record = memories.get(id);
    if (record === undefined || !isRetirable(record, scope)) continue;
    if (!stated.every((relation) => outdated.has(relation.id))) continue;
    const newer = newestStatement(stated, outdated, byId, (id) => successor(memories.get(id)), record);
    if (newer !== undefined) await retireContradicted(context, { newer, older: record, rule: 'relation' });
  }
}

function isRetirable(record: MemoryRecord, scope: Scope): boolean {
  return RETIRED_KINDS.has(record.kind) && record.retiredAt === undefined && sameScope(record.scope, scope);
}

/**
 * The current memory standing for each source: itself, or (when a merge or an edit retired it) the memory
 * that superseded it, followed a few steps.
 */
async function successorsOf(
  context: UpkeepContext,
  scope: Scope,
  memories: Map<string, MemoryRecord>,
): Promise<(record: MemoryRecord | undefined) => MemoryRecord | undefined> {
  for (let step = 0; step < 4; step++) {
    const wanted = [...memories.values()].flatMap((record) =>
      record.supersededBy !== undefined && !memories.has(record.supersededBy) ? [record.supersededBy] : [],
    );
    if (wanted.length === 0) break;
    for (const record of await context.store.getMemories({ scope, ids: [...new Set(wanted)] })) {
      memories.set(record.id, record);
    }
  }
  return (record) => {
    let current = record;
    for (let step = 0; step < 5 && current !== undefined && current.retiredAt !== undefined; step++) {
      current = current.supersededBy === undefined ? undefined : memories.get(current.supersededBy);
    }
    return current?.retiredAt === undefined ? current : undefined;
  };
}

/** The newest current memory stating a relation that outdates one of `stated`, said after `record`. */
function newestStatement(
  stated: readonly Relation[],
  outdated: ReadonlyMap<string, string>,
  byId: ReadonlyMap<string, Relation>,
  current: (id: string) => MemoryRecord | undefined,
  record: MemoryRecord,
): MemoryRecord | undefined {
  let newest: MemoryRecord | undefined;
  for (const relation of stated) {
    const answer = byId.get(outdated.get(relation.id) ?? '');
    for (const id of answer?.sourceMemoryIds ?? []) {
      const candidate = current(id);
      if (candidate === undefined || candidate.id === record.id) continue;
      if (!isNewer(candidate, record)) continue;
      if (newest === undefined || isNewer(candidate, newest)) newest = candidate;
    }
  }
  return newest;
}
