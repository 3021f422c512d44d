// The REST routes of upkeep: run maintain() or purge expired memories (admin keys, bound to the key's tenant),
// and undo what upkeep did to one memory (unmerge, unarchive).
import { invalidInput } from '../../core/errors.js';
import type { ScopeInput } from '../../core/scope.js';
import type { Memory } from '../../sdk/create-memory.js';
import {
  maintainBodySchema,
  maintainReportSchema,
  memoryRecordSchema,
  memoryScopeBodySchema,
  purgeBodySchema,
  purgeResultSchema,
  unmergeResultSchema,
} from './maintain-schemas.js';
import { readOptionalJsonBody, readQuery } from './request-input.js';
import { boundScope } from './rest-auth.js';
import { pathParameter, type RestContext, type RestRoute } from './rest-route.js';
import { scopeQuerySchema } from './rest-schemas.js';

const idParameter = { id: 'The memory id.' };

/**
 * The scope of a route on one memory, from the query string (as every `/v1/memories/{id}` route takes it) or
 * from a JSON body, not both; bound to the caller's tenant.
 */
async function scopeOfQueryOrBody(c: RestContext, what: string): Promise<ScopeInput> {
  const query = readQuery(c, scopeQuerySchema, `${what} query`);
  const body = await readOptionalJsonBody(c, memoryScopeBodySchema, what);
  const named = (fields: object) => Object.values(fields).some((value) => value !== undefined);
  if (named(query) && named(body)) {
    throw invalidInput(`The ${what} takes its scope in the query string or in the body, not both.`);
  }
  return boundScope(c.get('principal'), named(body) ? body : query);
}

/**
 * The upkeep routes, merged into the route table by `restRoutes`.
 *
 * @example
 * const routes = [...memoryRoutes, ...maintainRoutes(memory)];
 */
export function maintainRoutes(memory: Memory): RestRoute[] {
  return [
    {
      method: 'post',
      path: '/v1/maintain',
      role: 'admin',
      summary:
        "Run upkeep in the key's tenant (or one scope of it): erase expired memories, merge restatements, retire contradicted ones, reflect insights (LLM), archive faded ones; bounded by `maxLlmCalls` and `maxMemories`. Answers the MaintainReport.",
      body: maintainBodySchema,
      optionalBody: true,
      response: maintainReportSchema,
      status: 200,
      async handle(c) {
        const { tenantId, userId, agentId, sessionId, ...options } = await readOptionalJsonBody(
          c,
          maintainBodySchema,
          'maintain request',
        );
        const scope = boundScope(c.get('principal'), { tenantId, userId, agentId, sessionId });
        return memory.maintain({ ...scope, ...options });
      },
    },
    {
      method: 'post',
      path: '/v1/purge',
      role: 'admin',
      summary:
        "Erase the memories of the key's tenant (or one scope of it) that are past their `expiresAt`, as forget does.",
      body: purgeBodySchema,
      optionalBody: true,
      response: purgeResultSchema,
      status: 200,
      async handle(c) {
        const fields = await readOptionalJsonBody(c, purgeBodySchema, 'purge request');
        return memory.purgeExpired(boundScope(c.get('principal'), fields));
      },
    },
    {
      method: 'post',
      path: '/v1/memories/{id}/unmerge',
      role: 'write',
      summary:
        'Undo a merge made by upkeep: its sources become current again and the merged memory is erased (a tombstone stays). 409 when the memory is not a merge.',
      pathParameters: { id: 'The merged memory (`merged[].id` of the MaintainReport).' },
      query: scopeQuerySchema,
      body: memoryScopeBodySchema,
      optionalBody: true,
      response: unmergeResultSchema,
      status: 200,
      handle: async (c) =>
        memory.unmerge(pathParameter(c, 'id'), await scopeOfQueryOrBody(c, 'unmerge request')),
    },
    {
      method: 'post',
      path: '/v1/memories/{id}/unarchive',
      role: 'write',
      summary:
        'Make a memory that upkeep archived (its strength faded) current again. 409 when it is not archived.',
      pathParameters: idParameter,
      query: scopeQuerySchema,
      body: memoryScopeBodySchema,
      optionalBody: true,
      response: memoryRecordSchema,
      status: 200,
      handle: async (c) =>
        memory.unarchive(pathParameter(c, 'id'), await scopeOfQueryOrBody(c, 'unarchive request')),
    },
  ];
}
