// Graph-aware recall: the entities a query names are linked through the alias index (its words and word
// pairs and triples as keys, never a scan), and the memories around them become candidates: those that
// mention them, those behind their relations (more when the relation's fact shares the query's words), and
// within two hops those that mention a related entity. Scores are damped for entities mentioned everywhere
// (a speaker's name), so the signal favours what is specific to the question.
import { type Entity, entityKey, type Relation } from '../core/graph.js';
import type { Scope } from '../core/scope.js';
import { analyze, countTermsIn } from '../models/text-analyzer.js';
import type { GraphStore } from '../store/graph-store.js';
import { PREDICATE_QUESTIONS } from './relation-patterns.js';

const MAX_QUERY_WORDS = 24;
const MAX_LINKED = 6;
const MENTIONS_PER_ENTITY = 40;
const MAX_RELATIONS = 200;
const MAX_NEIGHBOURS = 8;
const MENTIONS_PER_NEIGHBOUR = 8;
/** What a mention of a query entity is worth (times its specificity). */
const MENTION = 0.5;
/** What a relation of a query entity is worth when its fact shares nothing else with the question. */
const RELATION_FLOOR = 0.25;
/** What a mention of a related entity is worth, relative to the relation that leads to it. */
const SECOND_HOP = 0.25;
/** What a relation of the kind the question asks for is worth. */
const ASKED_RELATION = 0.75;

/** What joined a memory to the graph's candidates. */
export interface GraphEvidence {
  score: number;
  /** The linked entities it mentions or is related through. */
  entities: string[];
  /** Facts of the relations that brought it in. */
  facts: string[];
  /** 1: it mentions a query entity or states one of its relations; 2: it mentions a related entity. */
  hops: 1 | 2;
}

/**
 * The alias keys a query could name: its words, pairs and triples of words, possessives stripped.
 *
 * @example
 * queryKeys("Where did Emma's sister move?"); // ['where', 'did', 'emma', 'sister', 'move', 'where did', …]
 */
export function queryKeys(query: string): string[] {
  const words = query
    .split(/[^\p{L}\p{N}'’-]+/u)
    .map((word) => entityKey(word))
    .filter((word) => word.length >= 2)
    .slice(0, MAX_QUERY_WORDS);
  const keys = new Set<string>();
  for (let size = 1; size <= 3; size += 1) {
    for (let start = 0; start + size <= words.length; start += 1)
      keys.add(words.slice(start, start + size).join(' '));
  }
  return [...keys];
}

/**
 * The entities a query names, most specific first.
 *
 * @example
 * const linked = await linkQueryEntities({ store, scope, query: 'Where does Emma live now?' });
 */
export async function linkQueryEntities(input: {
  store: GraphStore;
  scope: Scope;
  query: string;
}): Promise<Entity[]> {
  const keys = queryKeys(input.query);
  if (keys.length === 0) return [];
  const found = await input.store.findEntities({ scope: input.scope, keys, limit: MAX_LINKED * 4 });
  return found.sort((a, b) => (a.mentions ?? 0) - (b.mentions ?? 0)).slice(0, MAX_LINKED);
}

/**
 * How much a mention of an entity says about a question naming it: about 1 for an entity mentioned a few
 * times, little for one mentioned everywhere (the speaker of a conversation), like a term's IDF.
 */
function specificity(entity: Pick<Entity, 'mentions'>): number {
  return 1 / (1 + (entity.mentions ?? 0) / 10);
}

function add(
  evidence: Map<string, GraphEvidence>,
  memoryId: string,
  score: number,
  detail: { entity: string; fact?: string; hops: 1 | 2 },
): void {
  const entry = evidence.get(memoryId) ?? { score: 0, entities: [], facts: [], hops: detail.hops };
  entry.score += score;
  if (!entry.entities.includes(detail.entity)) entry.entities.push(detail.entity);
  if (detail.fact !== undefined && !entry.facts.includes(detail.fact)) entry.facts.push(detail.fact);
  if (detail.hops < entry.hops) entry.hops = detail.hops;
  evidence.set(memoryId, entry);
}

/**
 * Memories connected to the linked entities within two hops, with the evidence for each (scores are raw:
 * the caller normalises them for fusion).
 *
 * @example
 * const evidence = await graphCandidates({ store, scope, entities: linked, terms: ['move'], asOf: undefined });
 */
export async function graphCandidates(input: {
  store: GraphStore;
  scope: Scope;
  entities: readonly Entity[];
  /** The query's analysed terms, to weigh relations whose fact shares them. */
  terms: readonly string[];
  /** The question itself, for the kinds of relation it asks for. */
  query: string;
  asOf?: number | undefined;
  knownAt?: number | undefined;
}): Promise<Map<string, GraphEvidence>> {
  const evidence = new Map<string, GraphEvidence>();
  if (input.entities.length === 0) return evidence;
  const { store, scope } = input;
  const weight = new Map(input.entities.map((entity) => [entity.id, specificity(entity)]));
  const mentions = await store.listMentions({
    scope,
    entityIds: input.entities.map((entity) => entity.id),
    limitPerEntity: MENTIONS_PER_ENTITY,
  });
  const nameOf = new Map(input.entities.map((entity) => [entity.id, entity.name]));
  for (const mention of mentions) {
    add(evidence, mention.memoryId, MENTION * (weight.get(mention.entityId) ?? 0), {
      entity: nameOf.get(mention.entityId) ?? '',
      hops: 1,
    });
  }
  const askedPredicates = new Set(
    PREDICATE_QUESTIONS.filter((kind) => kind.asks.test(input.query)).flatMap((kind) => kind.predicates),
  );
  const nameTerms = new Set(input.entities.flatMap((entity) => analyze(entity.name)));
  const terms = input.terms.filter((term) => !nameTerms.has(term));
  const relations = await store.listRelations({
    scope,
    entityIds: [...weight.keys()],
    asOf: input.asOf,
    knownAt: input.knownAt,
    limit: MAX_RELATIONS,
  });
  const neighbours = new Map<string, number>();
  for (const relation of relations) {
    const linked = weight.has(relation.subject.id)
      ? relation.subject
      : (relation.object as Relation['subject']);
    // A relation is a statement about the entity: it counts by what it shares with the rest of the question,
    // and fully when it is of the kind the question asks for.
    const overlap = terms.length === 0 ? 0 : countTermsIn(relationText(relation), terms) / terms.length;
    const asked = askedPredicates.has(relation.predicate) ? ASKED_RELATION : 0;
    const score = Math.max(overlap, asked, RELATION_FLOOR * (weight.get(linked.id) ?? 0));
    for (const memoryId of relation.sourceMemoryIds) {
      add(evidence, memoryId, score, { entity: linked.name, fact: relation.fact, hops: 1 });
    }
    const other = linked.id === relation.subject.id ? relation.object : relation.subject;
    if ('id' in other && !weight.has(other.id)) {
      neighbours.set(other.id, Math.max(neighbours.get(other.id) ?? 0, score));
    }
  }
  const nearest = [...neighbours].sort((a, b) => b[1] - a[1]).slice(0, MAX_NEIGHBOURS);
  if (nearest.length > 0) {
    const second = await store.listMentions({
      scope,
      entityIds: nearest.map(([id]) => id),
      limitPerEntity: MENTIONS_PER_NEIGHBOUR,
    });
    const through = new Map(nearest);
    const names = new Map(
      relations
        .flatMap((relation) => [relation.subject, relation.object])
        .flatMap((end) => ('id' in end ? [[end.id, end.name] as const] : [])),
    );
    for (const mention of second) {
      add(evidence, mention.memoryId, SECOND_HOP * (through.get(mention.entityId) ?? 0), {
        entity: names.get(mention.entityId) ?? '',
        hops: 2,
      });
    }
  }
  return evidence;
}

/** The words of a relation a query may share: its predicate, its ends and its fact. */
function relationText(relation: Relation): string {
  const object = 'literal' in relation.object ? relation.object.literal : relation.object.name;
  return `${relation.predicate.replaceAll('_', ' ')} ${object} ${relation.fact}`;
}
