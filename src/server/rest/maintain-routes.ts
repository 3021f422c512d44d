// The REST routes of upkeep: run maintain() or purge expired memories (unbound admin keys, bound to the key's
// tenant), and undo what upkeep did to one memory (unmerge, unarchive).
import { requireTenantAdmin, type ScopeRequest } from '../../core/access.js';
import { invalidInput } from '../../core/errors.js';
import type { Memory } from '../../sdk/create-memory.js';
import type { MaintenanceScope } from '../../sdk/options.js';
import { forbidden } from './error-response.js';
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
import { boundScope, callerOf, type Principal } from './rest-auth.js';
import { pathParameter, type RestContext, type RestRoute } from './rest-route.js';
import { scopeQuerySchema } from './rest-schemas.js';

const idParameter = { id: 'The memory id.' };

/**
 * The scope of a route on one memory, from the query string (as every `/v1/memories/{id}` route takes it) or
 * from a JSON body, not both; bound to the caller's tenant.
 */
async function scopeOfQueryOrBody(c: RestContext, what: string): Promise<ScopeRequest> {
  const query = readQuery(c, scopeQuerySchema, `${what} query`);
  const body = await readOptionalJsonBody(c, memoryScopeBodySchema, what);
  const named = (fields: object) => Object.values(fields).some((value) => value !== undefined);
  if (named(query) && named(body)) {
    throw invalidInput(`The ${what} takes its scope in the query string or in the body, not both.`);
  }
  return boundScope(c.get('principal'), named(body) ? body : query);
}

/**
 * The scope of an upkeep call (flush, maintain, purge), which the SDK runs without a grant check: a key bound
 * to nothing reaches its tenant, or the scope or space it names; a key bound to a space only that space; a
 * key bound to a user only that user's scope (and its agent's, when bound to one). A key bound to an agent
 * alone is refused (403): what such a run returns would be the memories of the users the agent serves.
 *
 * @example
 * upkeepScope({ tenantId: 'acme', role: 'write', keyId: 'k1', userId: 'alice' }, {}, 'flush');
 * // { tenantId: 'acme', userId: 'alice' }
 */
export function upkeepScope(
  principal: Principal,
  fields: MaintenanceScope,
  operation: string,
): MaintenanceScope {
  const { caller: _caller, ...scope } = boundScope(principal, fields);
  if (principal.userId === undefined && principal.agentId === undefined && principal.spaceId === undefined) {
    return scope;
  }
  if (principal.spaceId !== undefined) {
    const names = scope.userId ?? scope.agentId ?? scope.sessionId;
    if (names !== undefined || (scope.spaceId !== undefined && scope.spaceId !== principal.spaceId)) {
      throw forbidden(
        `This API key is bound to space "${principal.spaceId}"; it cannot ${operation} another scope.`,
      );
    }
    return { tenantId: scope.tenantId, spaceId: principal.spaceId };
  }
  if (principal.userId === undefined) {
    throw forbidden(
      `This API key is bound to agent "${principal.agentId}"; ${operation} needs a key bound to a user, a space or nothing.`,
    );
  }
  if (scope.spaceId !== undefined || (scope.userId !== undefined && scope.userId !== principal.userId)) {
    const target = scope.spaceId === undefined ? `user "${scope.userId}"` : `space "${scope.spaceId}"`;
    throw forbidden(`This API key acts as user "${principal.userId}"; it cannot ${operation} ${target}.`);
  }
  if (principal.agentId !== undefined && scope.agentId !== undefined && scope.agentId !== principal.agentId) {
    throw forbidden(
      `This API key acts as agent "${principal.agentId}"; it cannot ${operation} agent "${scope.agentId}".`,
    );
  }
  const bound: MaintenanceScope = { ...scope, userId: principal.userId };
  const agentId = scope.agentId ?? principal.agentId;
  if (agentId !== undefined) bound.agentId = agentId;
  return bound;
}

/** Tenant-wide upkeep needs the tenant's admin: an unbound admin key (bound keys get 403). */
function requireUpkeepAdmin(c: RestContext, what: string): void {
  requireTenantAdmin(callerOf(c.get('principal'), 'rest'), what);
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
        "Run upkeep in the key's tenant (or one scope or space of it): erase expired memories, merge restatements, retire contradicted ones, reflect insights (LLM), archive faded ones; bounded by `maxLlmCalls` and `maxMemories`. Answers the MaintainReport. Needs an admin key bound to no user, agent or space (403 otherwise).",
      body: maintainBodySchema,
      optionalBody: true,
      response: maintainReportSchema,
      status: 200,
      async handle(c) {
        const { tenantId, userId, agentId, sessionId, spaceId, ...options } = await readOptionalJsonBody(
          c,
          maintainBodySchema,
          'maintain request',
        );
        requireUpkeepAdmin(c, 'run upkeep');
        const fields = { tenantId, userId, agentId, sessionId, spaceId };
        const scope = upkeepScope(c.get('principal'), fields, 'maintain');
        return memory.maintain({ ...scope, ...options });
      },
    },
    {
      method: 'post',
      path: '/v1/purge',
      role: 'admin',
      summary:
        "Erase the memories of the key's tenant (or one scope or space of it) that are past their `expiresAt`, as forget does. Needs an admin key bound to no user, agent or space (403 otherwise).",
      body: purgeBodySchema,
      optionalBody: true,
      response: purgeResultSchema,
      status: 200,
      async handle(c) {
        const fields = await readOptionalJsonBody(c, purgeBodySchema, 'purge request');
        requireUpkeepAdmin(c, 'purge expired memories');
        return memory.purgeExpired(upkeepScope(c.get('principal'), fields, 'purge'));
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
