// The graph half of the store contract: entities, relations, mentions and merges, under the same scope and
// visibility rules as memories. Graph rows are written with the memories they come from (MemoryWrite.graph)
// and erased with them.
import type { Entity, EntityMerge, EntityType, Relation } from '../core/graph.js';
import type { Page } from '../core/records.js';
import type { Scope } from '../core/scope.js';

export interface EntityQuery {
  scope: Scope;
  /** Entities with an alias containing this text (case-insensitive). */
  query?: string | undefined;
  type?: EntityType | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface RelationQuery {
  scope: Scope;
  /** Relations with one of these entities as subject or object. */
  entityIds?: readonly string[] | undefined;
  predicate?: string | undefined;
  /** Epoch ms, valid time: relations that held at this instant. */
  asOf?: number | undefined;
  /** Epoch ms, record time: relations as Mnemo knew them at this instant. */
  knownAt?: number | undefined;
  /** Only relations still open (ignored with `asOf`). */
  current?: boolean | undefined;
  limit: number;
}

/** A memory that mentions an entity. */
export interface GraphMention {
  entityId: string;
  memoryId: string;
  observedAt: string;
}

export interface GraphStore {
  /** Entities the scope may see (through a visible mention), most recently mentioned first. */
  listEntities(input: EntityQuery): Promise<Page<Entity>>;
  /** Entities by id, in the order asked; a merged id returns the entity it was merged into. */
  getEntities(input: { scope: Scope; ids: readonly string[] }): Promise<Entity[]>;
  /** Candidates by alias key or alias prefix, found through the alias index (entity resolution, query linking). */
  findEntities(input: {
    scope: Scope;
    keys: readonly string[];
    prefixes?: readonly string[] | undefined;
    limit: number;
  }): Promise<Entity[]>;
  /** Relations the scope may see, oldest validFrom first. */
  listRelations(input: RelationQuery): Promise<Relation[]>;
  /** Visible memories mentioning the entities, newest first, at most `limitPerEntity` each. */
  listMentions(input: {
    scope: Scope;
    entityIds: readonly string[];
    limitPerEntity: number;
  }): Promise<GraphMention[]>;
  /** Merges `mergeId` into `keepId`, recording what moved; NOT_FOUND unless both are live and writable. */
  mergeEntities(input: {
    scope: Scope;
    keepId: string;
    mergeId: string;
    at: number;
    actor: string;
  }): Promise<EntityMerge>;
  /** Undoes a merge; CONFLICT when a later merge moved its entities again. */
  unmergeEntities(input: { scope: Scope; mergeId: string; at: number }): Promise<EntityMerge>;
  /** Merges involving `entityId` (or all the scope may change), newest first. */
  listMerges(input: { scope: Scope; entityId?: string | undefined; limit: number }): Promise<EntityMerge[]>;
}
