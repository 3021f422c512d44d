// `memory.graph`: the knowledge graph as the SDK, CLI, REST and MCP read and curate it. Entities are named
// by id or by any of their names; every call takes the caller's scope and sees only what it may see.
import { z } from 'zod';
import type { AccessLevel, ScopeRequest, ScopeResolver } from '../core/access.js';
import type { Clock } from '../core/clock.js';
import { MnemoError } from '../core/errors.js';
import { type Entity, type EntityMerge, entityKey, entityTypes, type Relation } from '../core/graph.js';
import type { Page } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import { type TimeInput, timeInputSchema } from '../core/time-input.js';
import { parseInput, textSchema } from '../core/validate.js';
import type { GraphStore } from '../store/graph-store.js';

const MAX_RELATIONS = 1_000;
const nameSchema = textSchema.trim().min(1, 'must not be empty').max(512, 'must be at most 512 characters');
const limitSchema = z.number().int().min(1).max(MAX_RELATIONS);

const entitiesSchema = z.object({
  query: textSchema.max(512).optional(),
  type: z.enum(entityTypes).optional(),
  limit: limitSchema.max(500).default(50),
  cursor: textSchema.max(512).optional(),
});
const relationsSchema = z.object({
  entity: nameSchema.optional(),
  predicate: textSchema.max(128).optional(),
  asOf: timeInputSchema.optional(),
  knownAt: timeInputSchema.optional(),
  current: z.boolean().optional(),
  limit: limitSchema.default(200),
});
const neighboursSchema = z.object({
  hops: z.union([z.literal(1), z.literal(2)]).default(1),
  asOf: timeInputSchema.optional(),
  limit: limitSchema.max(200).default(50),
});

type ScopeFields = ScopeRequest;

export interface EntityDetail {
  entity: Entity;
  /** Every relation of the entity the caller may see, current and closed, oldest first. */
  relations: Relation[];
  merges: EntityMerge[];
}

export interface Neighbour {
  entity: Entity;
  /** 1 for a direct relation, 2 through one entity between. */
  hops: 1 | 2;
  /** The relations that connect it (the last hop's). */
  via: Relation[];
}

async function splitScope<T extends ScopeFields>(
  resolve: ScopeResolver,
  options: T,
  access: AccessLevel,
  operation: string,
): Promise<{ scope: Scope; rest: Omit<T, keyof ScopeFields> }> {
  const { tenantId, userId, agentId, sessionId, spaceId, caller, ...rest } = options;
  const request = { tenantId, userId, agentId, sessionId, spaceId, caller };
  return { scope: await resolve(request, access, operation), rest };
}

/**
 * The entity an id or a name stands for (the most recently mentioned when several share the name).
 *
 * @example
 * const emma = await findEntity(store, scope, 'Emma');
 */
export async function findEntity(store: GraphStore, scope: Scope, nameOrId: string): Promise<Entity> {
  const name = parseInput(nameSchema, nameOrId, 'entity');
  const [byId] = await store.getEntities({ scope, ids: [name] });
  if (byId !== undefined) return byId;
  const [byName] = await store.findEntities({ scope, keys: [entityKey(name)], limit: 1 });
  if (byName !== undefined) return byName;
  throw new MnemoError({
    code: 'NOT_FOUND',
    message: `No entity named or with id "${name}" in this scope (list them with graph entities).`,
    details: { entity: name },
  });
}

/** The graph namespace of the Memory handle. */
export interface GraphMethods {
  /** Entities the scope may see, most recently mentioned first. */
  entities(
    options: ScopeFields & {
      query?: string | undefined;
      type?: Entity['type'] | undefined;
      limit?: number | undefined;
      cursor?: string | undefined;
    },
  ): Promise<Page<Entity>>;
  /** One entity (by id or name) with its relations over time and its merges. */
  entity(
    nameOrId: string,
    options: ScopeFields & { asOf?: TimeInput | undefined; knownAt?: TimeInput | undefined },
  ): Promise<EntityDetail>;
  /** Relations, optionally of one entity, valid `asOf` a time or known at `knownAt`. */
  relations(
    options: ScopeFields & {
      entity?: string | undefined;
      predicate?: string | undefined;
      asOf?: TimeInput | undefined;
      knownAt?: TimeInput | undefined;
      current?: boolean | undefined;
      limit?: number | undefined;
    },
  ): Promise<Relation[]>;
  /** Entities related to one within one or two hops. */
  neighbours(
    nameOrId: string,
    options: ScopeFields & {
      hops?: 1 | 2 | undefined;
      asOf?: TimeInput | undefined;
      limit?: number | undefined;
    },
  ): Promise<{ entity: Entity; neighbours: Neighbour[] }>;
  /** Merges `merge` into `keep` (ids or names); the merge is recorded and can be undone. */
  mergeEntities(keep: string, merge: string, options: ScopeFields): Promise<EntityMerge>;
  /** Undoes a merge by its id. */
  unmergeEntities(mergeId: string, options: ScopeFields): Promise<EntityMerge>;
  /** Merges, newest first, optionally of one entity. */
  merges(
    options: ScopeFields & { entity?: string | undefined; limit?: number | undefined },
  ): Promise<EntityMerge[]>;
}

/**
 * Builds `memory.graph`.
 *
 * @example
 * const graph = createGraphMethods({ store, clock, actor: 'sdk' });
 * const { relations } = await graph.entity('Emma', { userId: 'u' });
 */
export function createGraphMethods(deps: {
  store: GraphStore;
  clock: Clock;
  actor: string;
  resolve: ScopeResolver;
}): GraphMethods {
  const { store, clock, actor } = deps;
  const read = <T extends ScopeFields>(options: T, operation: string) =>
    splitScope(deps.resolve, options, 'read', `graph.${operation}`);
  const write = <T extends ScopeFields>(options: T, operation: string) =>
    splitScope(deps.resolve, options, 'write', `graph.${operation}`);
  return {
    async entities(options) {
      const { scope, rest } = await read(options, 'entities');
      const parsed = parseInput(entitiesSchema, rest, 'entities options');
      return store.listEntities({ scope, ...parsed });
    },
    async entity(nameOrId, options) {
      const { scope, rest } = await read(options, 'entity');
      const parsed = parseInput(relationsSchema.pick({ asOf: true, knownAt: true }), rest, 'entity options');
      const entity = await findEntity(store, scope, nameOrId);
      const [relations, merges] = await Promise.all([
        store.listRelations({ scope, entityIds: [entity.id], ...parsed, limit: MAX_RELATIONS }),
        store.listMerges({ scope, entityId: entity.id, limit: 100 }),
      ]);
      return { entity, relations, merges };
    },
    async relations(options) {
      const { scope, rest } = await read(options, 'relations');
      const { entity, ...parsed } = parseInput(relationsSchema, rest, 'relations options');
      const entityIds = entity === undefined ? undefined : [(await findEntity(store, scope, entity)).id];
      return store.listRelations({ scope, entityIds, ...parsed });
    },
    async neighbours(nameOrId, options) {
      const { scope, rest } = await read(options, 'neighbours');
      const parsed = parseInput(neighboursSchema, rest, 'neighbours options');
      const entity = await findEntity(store, scope, nameOrId);
      return { entity, neighbours: await neighboursOf(store, scope, entity, parsed) };
    },
    async mergeEntities(keep, merge, options) {
      const { scope } = await write(options, 'mergeEntities');
      const [kept, merged] = [await findEntity(store, scope, keep), await findEntity(store, scope, merge)];
      return store.mergeEntities({ scope, keepId: kept.id, mergeId: merged.id, at: clock.now(), actor });
    },
    async unmergeEntities(mergeId, options) {
      const { scope } = await write(options, 'unmergeEntities');
      return store.unmergeEntities({
        scope,
        mergeId: parseInput(nameSchema, mergeId, 'merge id'),
        at: clock.now(),
      });
    },
    async merges(options) {
      const { scope, rest } = await read(options, 'merges');
      const parsed = parseInput(
        z.object({ entity: nameSchema.optional(), limit: limitSchema.max(500).default(100) }),
        rest,
        'merges options',
      );
      const entityId =
        parsed.entity === undefined ? undefined : (await findEntity(store, scope, parsed.entity)).id;
      return store.listMerges({ scope, entityId, limit: parsed.limit });
    },
  };
}

/** Entities within `hops` relations of `entity` (valid `asOf`, else current or past), nearest first. */
async function neighboursOf(
  store: GraphStore,
  scope: Scope,
  entity: Entity,
  options: { hops: 1 | 2; asOf?: number | undefined; limit: number },
): Promise<Neighbour[]> {
  const found = new Map<string, { hops: 1 | 2; via: Relation[] }>();
  let frontier = [entity.id];
  for (let hop = 1 as 1 | 2; hop <= options.hops; hop = (hop + 1) as 1 | 2) {
    const relations = await store.listRelations({
      scope,
      entityIds: frontier,
      asOf: options.asOf,
      limit: MAX_RELATIONS,
    });
    const next: string[] = [];
    for (const relation of relations) {
      for (const end of [relation.subject, relation.object]) {
        if (!('id' in end) || end.id === entity.id || frontier.includes(end.id)) continue;
        const known = found.get(end.id);
        if (known !== undefined && known.hops < hop) continue;
        if (known === undefined) next.push(end.id);
        found.set(end.id, { hops: hop, via: [...(known?.via ?? []), relation] });
      }
    }
    frontier = next.slice(0, options.limit);
    if (frontier.length === 0) break;
  }
  const ids = [...found.keys()].slice(0, options.limit);
  const entities = await store.getEntities({ scope, ids });
  return entities.flatMap((neighbour) => {
    const link = found.get(neighbour.id);
    return link === undefined ? [] : [{ entity: neighbour, hops: link.hops, via: link.via }];
  });
}
