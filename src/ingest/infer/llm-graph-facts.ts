// The graph part of the one extraction call: each ADD or SUPERSEDE may name the entities its memory is about
// and the relations between them. Read leniently — a malformed entry is dropped, never the call — and
// bounded, so a model cannot grow the graph without limit from one memory.
import { z } from 'zod';
import {
  type EntityMention,
  type EntityType,
  entityKey,
  entityTypes,
  type GraphFacts,
  type RelationMention,
} from '../../core/graph.js';

/** At most this many entities and relations are read per memory. */
const MAX_GRAPH_ITEMS = 10;
/** How sure a relation the model stated is taken to be. */
const MODEL_CONFIDENCE = 0.85;

const name = z.string().trim().min(1).max(200);
const entitySchema = z.object({
  name,
  type: z.string().trim().toLowerCase().pipe(z.enum(entityTypes)).catch('thing'),
  aliases: z.array(name).max(5).nullish().catch(undefined),
});
const relationSchema = z.object({
  subject: name,
  predicate: z.string().trim().min(1).max(64),
  object: name,
  validFrom: z.string().trim().min(1).max(64).nullish().catch(undefined),
  validTo: z.string().trim().min(1).max(64).nullish().catch(undefined),
});

/** The graph fields an operation may carry, as the response schema reads them (anything, checked later). */
export const graphFieldsSchema = {
  entities: z.array(z.unknown()).nullish(),
  relations: z.array(z.unknown()).nullish(),
};

/** Words models use for the predicates the offline patterns also produce, so both meet in one graph. */
const PREDICATE_SYNONYMS: Readonly<Record<string, string>> = {
  moved_to: 'lives_in',
  resides_in: 'lives_in',
  lives_at: 'lives_in',
  based_in: 'lives_in',
  works_for: 'works_at',
  employed_at: 'works_at',
  employed_by: 'works_at',
  studies: 'studies_at',
  attends: 'studies_at',
  spouse_of: 'married_to',
  wife_of: 'married_to',
  husband_of: 'married_to',
  loves: 'likes',
  enjoys: 'likes',
  hates: 'dislikes',
  owns_pet: 'has_pet',
};

/**
 * A predicate as stored: snake_case, lower case, with common synonyms folded.
 *
 * @example
 * normalizePredicate('Moved to'); // 'lives_in'
 */
export function normalizePredicate(predicate: string): string {
  const snake = predicate
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return PREDICATE_SYNONYMS[snake] ?? snake;
}

/**
 * The GraphFacts of one operation's `entities` and `relations`, or undefined when it names none. A relation's
 * end that names a listed entity links it; any other object stays a literal.
 *
 * @example
 * graphFactsFromModel({ entities: [{ name: 'Emma', type: 'person' }], relations: [] }, (text) => undefined);
 */
export function graphFactsFromModel(
  fields: { entities?: unknown[] | null | undefined; relations?: unknown[] | null | undefined },
  parseDate: (text: string | null | undefined) => number | undefined,
): GraphFacts | undefined {
  const entities: EntityMention[] = [];
  const indexOf = new Map<string, number>();
  const addEntity = (entity: { name: string; type: EntityType; aliases?: string[] | null | undefined }) => {
    const key = entityKey(entity.name);
    if (key === '') return undefined;
    const known = indexOf.get(key);
    if (known !== undefined) return known;
    if (entities.length >= MAX_GRAPH_ITEMS) return undefined;
    const mention: EntityMention = { name: entity.name, type: entity.type };
    if (entity.aliases !== undefined && entity.aliases !== null && entity.aliases.length > 0) {
      mention.aliases = entity.aliases;
    }
    entities.push(mention);
    indexOf.set(key, entities.length - 1);
    return entities.length - 1;
  };
  for (const item of (fields.entities ?? []).slice(0, MAX_GRAPH_ITEMS)) {
    const parsed = entitySchema.safeParse(item);
    if (parsed.success) addEntity(parsed.data);
  }
  const relations: RelationMention[] = [];
  for (const item of (fields.relations ?? []).slice(0, MAX_GRAPH_ITEMS)) {
    const parsed = relationSchema.safeParse(item);
    if (!parsed.success) continue;
    const { subject, predicate, object, validFrom, validTo } = parsed.data;
    const subjectIndex = indexOf.get(entityKey(subject)) ?? addEntity({ name: subject, type: 'thing' });
    if (subjectIndex === undefined) continue;
    const objectIndex = indexOf.get(entityKey(object));
    const relation: RelationMention = {
      subject: subjectIndex,
      predicate: normalizePredicate(predicate),
      object: objectIndex === undefined ? { literal: object } : { entity: objectIndex },
      fact: '',
      confidence: MODEL_CONFIDENCE,
    };
    const from = parseDate(validFrom);
    const to = parseDate(validTo);
    if (from !== undefined) relation.validFrom = from;
    if (to !== undefined) relation.validTo = to;
    if (relation.predicate !== '') relations.push(relation);
  }
  return entities.length === 0 ? undefined : { entities, relations };
}
