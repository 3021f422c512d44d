// The temporal knowledge graph's records: entities (who and what a user talks about) and relations between
// them with a validity interval, plus the facts a write hands the store to resolve and link (GraphFacts).
import type { MemoryRecord } from './records.js';
import type { Scope } from './scope.js';

export const entityTypes = [
  'person',
  'place',
  'organization',
  'thing',
  'event',
  'animal',
  'concept',
] as const;
export type EntityType = (typeof entityTypes)[number];

/** Someone or something memories mention, resolved across its names. */
export interface Entity {
  id: string;
  /** The scope the entity is resolved in: its tenant, user and agent (never a session). */
  scope: Scope;
  name: string;
  /** Other names it goes by ("Em", "my sister" as "alice's sister"), excluding `name`. */
  aliases: string[];
  type: EntityType;
  summary?: string;
  /** When it was first and last mentioned, ISO-8601 UTC (observed time of the memories). */
  firstSeen: string;
  lastSeen: string;
  /** How many memories mention it (visible to the reader). */
  mentions?: number;
}

/** A dated statement about an entity: "Emma lives_in Berlin" from validFrom until validTo. */
export interface Relation {
  id: string;
  /** The scope of the memory that first stated it. */
  scope: Scope;
  subject: EntityRef;
  predicate: string;
  /** Another entity, or a literal value ("vegetarian", "hiking"). */
  object: EntityRef | { literal: string };
  /** The sentence it was read from. */
  fact: string;
  /** Valid time, ISO-8601 UTC; validTo absent while the relation holds. */
  validFrom: string;
  validTo?: string;
  /** The relation that closed this one (a contradiction), when one did. */
  invalidatedBy?: string;
  /** When it was said (the first source's observed time), ISO-8601 UTC. */
  observedAt: string;
  /** Record time: when Mnemo learned it, and when Mnemo closed it. */
  recordedAt: string;
  closedAt?: string;
  sourceMemoryIds: string[];
  confidence: number;
}

export interface EntityRef {
  id: string;
  name: string;
  type: EntityType;
}

/** A recorded merge of two entities, reversible with `unmergeEntities`. */
export interface EntityMerge {
  id: string;
  keptId: string;
  mergedId: string;
  mergedName: string;
  at: string;
  actor: string;
  undoneAt?: string;
}

/** An entity named in a write, before resolution against the stored graph. */
export interface EntityMention {
  /** The canonical name to resolve and store. */
  name: string;
  type: EntityType;
  /** Other surface forms seen for it in this text (nicknames, "alice's sister"). */
  aliases?: string[];
  /** An entity id already chosen by resolution (graph/resolve-entities.ts); the store re-checks it. */
  entityId?: string;
  /** Only link an entity that already exists ("my sister" before her name is known is not one). */
  mustExist?: boolean;
}

/** A relation read from a write; `subject`/`object` index into GraphFacts.entities. */
export interface RelationMention {
  subject: number;
  predicate: string;
  object: { entity: number } | { literal: string };
  fact: string;
  /** Epoch ms; default the memory's observed time. */
  validFrom?: number;
  /** Epoch ms, when the text itself says the relation ended. */
  validTo?: number;
  confidence: number;
}

/**
 * What a write says about the graph, applied by the store in the memory's own transaction: entities are
 * found or created by name and alias within the user's graph, relations opened (and contradicting ones
 * closed, see `functionalPredicates`).
 */
export interface GraphFacts {
  entities: EntityMention[];
  relations: RelationMention[];
}

/**
 * Predicates with one value at a time: a new object closes the relation with the old one ("moved to Paris"
 * ends "lives in Berlin"). Others accumulate (likes, visited, has_pet).
 */
export const functionalPredicates: ReadonlySet<string> = new Set([
  'lives_in',
  'works_at',
  'studies_at',
  'married_to',
  'dating',
  'born_in',
  'age',
  'job_title',
]);

/**
 * The first three letters of an alias key's first word: the index that finds "Mel" for "Melanie".
 *
 * @example
 * aliasPrefix('melanie smith'); // 'mel'
 */
export function aliasPrefix(key: string): string {
  return (key.split(' ')[0] ?? '').slice(0, 3);
}

/**
 * The lookup key of a name: lower case, possessive and punctuation stripped, spaces collapsed.
 *
 * @example
 * entityKey("Emma's"); // 'emma'
 * entityKey('  Dr.  Smith '); // 'dr smith'
 */
export function entityKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['’]s\b/g, '')
    .replace(/[^\p{L}\p{N}\s'’-]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * What the write path asks of the graph: for each new memory, the facts it states (`graph`, read offline
 * where the write brings none, e.g. from an LLM extraction), resolved against the stored graph. Fills
 * `graph` in place; a write's `embedding`, when it has one, helps tell apart two candidates a name fits.
 * Injected by the SDK (graph/graph-step.ts).
 */
export type GraphStep = (
  writes: Array<{
    record: MemoryRecord;
    graph?: GraphFacts | undefined;
    embedding?: Float32Array | undefined;
  }>,
) => Promise<void>;
