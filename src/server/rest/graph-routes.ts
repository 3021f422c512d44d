// The REST routes of the knowledge graph: entities, relations over time, neighbours, and merges by hand.
import type { z } from 'zod';
import type { Memory } from '../../sdk/create-memory.js';
import {
  entitiesQuerySchema,
  entityDetailSchema,
  entityMergeRecordSchema,
  entityPageSchema,
  entityQuerySchema,
  mergeBodySchema,
  mergeListSchema,
  mergesQuerySchema,
  neighboursQuerySchema,
  neighboursSchema,
  relationListSchema,
  relationsQuerySchema,
} from './graph-schemas.js';
import { readJsonBody, readQuery } from './request-input.js';
import {
  pathParameter,
  queryScope,
  type RestContext,
  type RestRoute,
  type ScopeFields,
  splitScope,
} from './rest-route.js';
import { scopeQuerySchema } from './rest-schemas.js';

const nameParameter = {
  nameOrId: 'The entity: its id, or any of its names and aliases (case-insensitive), percent-encoded.',
};

/** Reads the query and splits it into its scope (bound to the caller's tenant) and the options that are set. */
function readScopedQuery<Schema extends z.ZodType<ScopeFields>>(
  c: RestContext,
  schema: Schema,
  what: string,
) {
  const { scope, rest } = splitScope(c, readQuery(c, schema, what));
  return { ...scope, ...rest };
}

function entityRoutes(memory: Memory): RestRoute[] {
  return [
    {
      method: 'get',
      path: '/v1/graph/entities',
      role: 'read',
      summary:
        'Entities the scope may see (people, places, organisations, things), most recently mentioned first, with cursor pagination.',
      query: entitiesQuerySchema,
      response: entityPageSchema,
      status: 200,
      handle: async (c) =>
        memory.graph.entities(readScopedQuery(c, entitiesQuerySchema, 'graph entities query')),
    },
    {
      method: 'get',
      path: '/v1/graph/entities/{nameOrId}',
      role: 'read',
      summary:
        'One entity with its relations over time (current and closed, oldest first) and its merges; `asOf`/`knownAt` travel in time.',
      pathParameters: nameParameter,
      query: entityQuerySchema,
      response: entityDetailSchema,
      status: 200,
      handle: async (c) =>
        memory.graph.entity(
          pathParameter(c, 'nameOrId'),
          readScopedQuery(c, entityQuerySchema, 'graph entity query'),
        ),
    },
    {
      method: 'get',
      path: '/v1/graph/entities/{nameOrId}/neighbours',
      role: 'read',
      summary:
        'Entities related to one within one or two hops, nearest first, with the relations that connect them.',
      pathParameters: nameParameter,
      query: neighboursQuerySchema,
      response: neighboursSchema,
      status: 200,
      async handle(c) {
        const { hops, ...options } = readScopedQuery(c, neighboursQuerySchema, 'graph neighbours query');
        return memory.graph.neighbours(pathParameter(c, 'nameOrId'), {
          ...options,
          ...(hops === undefined ? {} : { hops: hops as 1 | 2 }),
        });
      },
    },
    {
      method: 'get',
      path: '/v1/graph/relations',
      role: 'read',
      summary:
        'Relations the scope may see, oldest first: of one `entity`, valid `asOf` a time, known at `knownAt`, or `current` only.',
      query: relationsQuerySchema,
      response: relationListSchema,
      status: 200,
      handle: async (c) => ({
        relations: await memory.graph.relations(
          readScopedQuery(c, relationsQuerySchema, 'graph relations query'),
        ),
      }),
    },
  ];
}

function mergeRoutes(memory: Memory): RestRoute[] {
  return [
    {
      method: 'get',
      path: '/v1/graph/merges',
      role: 'read',
      summary: 'Entity merges, newest first (undone ones carry `undoneAt`), optionally of one `entity`.',
      query: mergesQuerySchema,
      response: mergeListSchema,
      status: 200,
      handle: async (c) => ({
        merges: await memory.graph.merges(readScopedQuery(c, mergesQuerySchema, 'graph merges query')),
      }),
    },
    {
      method: 'post',
      path: '/v1/graph/merges',
      role: 'write',
      summary:
        'Merge the entity `merge` into `keep` (their names, mentions and relations move over); recorded, and undone with DELETE.',
      body: mergeBodySchema,
      response: entityMergeRecordSchema,
      status: 201,
      async handle(c) {
        const { scope, rest } = splitScope(c, await readJsonBody(c, mergeBodySchema, 'merge request'));
        return memory.graph.mergeEntities(rest.keep, rest.merge, scope);
      },
    },
    {
      method: 'delete',
      path: '/v1/graph/merges/{id}',
      role: 'write',
      summary: 'Undo a merge: the merged entity is separate again. Answers the merge with `undoneAt`.',
      pathParameters: { id: 'The merge id (from POST /v1/graph/merges or GET /v1/graph/merges).' },
      query: scopeQuerySchema,
      response: entityMergeRecordSchema,
      status: 200,
      handle: async (c) => memory.graph.unmergeEntities(pathParameter(c, 'id'), queryScope(c)),
    },
  ];
}

/**
 * The routes of `/v1/graph`, merged into the route table by `restRoutes`.
 *
 * @example
 * const routes = [...memoryRoutes, ...graphRoutes(memory)];
 */
export function graphRoutes(memory: Memory): RestRoute[] {
  return [...entityRoutes(memory), ...mergeRoutes(memory)];
}
