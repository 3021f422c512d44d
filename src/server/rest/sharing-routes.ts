// The REST routes of sharing: spaces, grants and the audit log. Every handler passes the key's Caller to the
// SDK, which applies THE access rule (core/access.ts) in the store: a refusal is a 403 FORBIDDEN, audited.
import type { Memory } from '../../sdk/create-memory.js';
import { readJsonBody, readQuery } from './request-input.js';
import { boundScope } from './rest-auth.js';
import { pathParameter, type RestContext, type RestRoute, splitScope } from './rest-route.js';
import {
  auditPageSchema,
  auditQuerySchema,
  grantBodySchema,
  grantListSchema,
  grantSchema,
  grantsQuerySchema,
  revokeBodySchema,
  revokeResultSchema,
  spaceCreateBodySchema,
  spaceDeleteResultSchema,
  spaceListSchema,
  spaceSchema,
  tenantQuerySchema,
} from './sharing-schemas.js';

const spaceParameter = { id: 'The space id (the `spaceId` its memories carry), percent-encoded.' };

/** The tenant of a request (bound to the key's: another one is a 403) and the Caller the SDK checks. */
function tenantAndCaller(c: RestContext, tenantId: string | undefined) {
  const { tenantId: bound, caller } = boundScope(c.get('principal'), { tenantId });
  return { tenantId: bound, caller };
}

/** The tenant query of the space routes, validated. */
function tenantOfQuery(c: RestContext, what: string) {
  return tenantAndCaller(c, readQuery(c, tenantQuerySchema, what).tenantId);
}

function spaceRoutes(memory: Memory): RestRoute[] {
  return [
    {
      method: 'post',
      path: '/v1/spaces',
      role: 'admin',
      summary:
        "Create a space, a shared memory pool of the key's tenant (409 when its id is taken). Needs an admin key bound to no user, agent or space.",
      body: spaceCreateBodySchema,
      response: spaceSchema,
      status: 201,
      async handle(c) {
        const { tenantId, ...space } = await readJsonBody(c, spaceCreateBodySchema, 'space');
        return memory.spaces.create({ ...tenantAndCaller(c, tenantId), ...space });
      },
    },
    {
      method: 'get',
      path: '/v1/spaces',
      role: 'read',
      summary:
        "The tenant's spaces: all of them for a key bound to nothing, the ones granted to (or bound to) a bound key.",
      query: tenantQuerySchema,
      response: spaceListSchema,
      status: 200,
      handle: async (c) => ({ spaces: await memory.spaces.list(tenantOfQuery(c, 'spaces query')) }),
    },
    {
      method: 'get',
      path: '/v1/spaces/{id}',
      role: 'read',
      summary: 'One space (a bound key needs a read grant on it, or to be bound to it).',
      pathParameters: spaceParameter,
      query: tenantQuerySchema,
      response: spaceSchema,
      status: 200,
      handle: async (c) => memory.spaces.get(pathParameter(c, 'id'), tenantOfQuery(c, 'space query')),
    },
    {
      method: 'delete',
      path: '/v1/spaces/{id}',
      role: 'admin',
      summary:
        'Delete a space with every memory, message, grant and audit row in it (an unbound admin key, or admin on the space).',
      pathParameters: spaceParameter,
      query: tenantQuerySchema,
      response: spaceDeleteResultSchema,
      status: 200,
      handle: async (c) => memory.spaces.delete(pathParameter(c, 'id'), tenantOfQuery(c, 'space query')),
    },
  ];
}

function grantRoutes(memory: Memory): RestRoute[] {
  return [
    {
      method: 'get',
      path: '/v1/grants',
      role: 'read',
      summary:
        "The tenant's grants, optionally of one principal and/or on one target; a bound key sees the grants it holds and those of what it administers.",
      query: grantsQuerySchema,
      response: grantListSchema,
      status: 200,
      async handle(c) {
        const query = readQuery(c, grantsQuerySchema, 'grants query');
        const grants = await memory.grants.list({
          ...tenantAndCaller(c, query.tenantId),
          principal:
            query.principalType === undefined || query.principalId === undefined
              ? undefined
              : { type: query.principalType, id: query.principalId },
          target:
            query.targetType === undefined || query.targetId === undefined
              ? undefined
              : { type: query.targetType, id: query.targetId },
        });
        return { grants };
      },
    },
    {
      method: 'post',
      path: '/v1/grants',
      role: 'admin',
      summary:
        "Give (or change) a role: `read`, `write` or `admin` on a space, or on a user's memory. Needs admin on the target (an unbound admin key has it).",
      body: grantBodySchema,
      response: grantSchema,
      status: 200,
      async handle(c) {
        const { tenantId, ...grant } = await readJsonBody(c, grantBodySchema, 'grant');
        return memory.grants.grant({ ...tenantAndCaller(c, tenantId), ...grant });
      },
    },
    {
      method: 'post',
      path: '/v1/grants/revoke',
      role: 'admin',
      summary: "Take a grant back: the principal's next request no longer has it. Needs admin on the target.",
      body: revokeBodySchema,
      response: revokeResultSchema,
      status: 200,
      async handle(c) {
        const { tenantId, ...grant } = await readJsonBody(c, revokeBodySchema, 'grant to revoke');
        return memory.grants.revoke({ ...tenantAndCaller(c, tenantId), ...grant });
      },
    },
  ];
}

function auditRoute(memory: Memory): RestRoute {
  return {
    method: 'get',
    path: '/v1/audit',
    role: 'admin',
    summary:
      'The audit log, newest first: writes and administration one row each, reads aggregated per hour, denials. The whole tenant needs an unbound admin key; a scope or space needs admin on it (a bound key without a scope gets its own).',
    query: auditQuerySchema,
    response: auditPageSchema,
    status: 200,
    async handle(c) {
      const { scope, rest } = splitScope(c, readQuery(c, auditQuerySchema, 'audit query'));
      const { principalType, principalId, ...options } = rest;
      const principal = c.get('principal');
      const named =
        scope.userId !== undefined ||
        scope.agentId !== undefined ||
        scope.sessionId !== undefined ||
        scope.spaceId !== undefined;
      // A bound key naming no scope asks about the one it is bound to (the whole tenant is not its to read).
      if (!named) {
        if (principal.spaceId !== undefined) scope.spaceId = principal.spaceId;
        else if (principal.userId !== undefined) scope.userId = principal.userId;
        else if (principal.agentId !== undefined) scope.agentId = principal.agentId;
      }
      return memory.audit({
        ...scope,
        ...options,
        principal:
          principalType === undefined || principalId === undefined
            ? undefined
            : { type: principalType, id: principalId },
      });
    },
  };
}

/**
 * The routes of `/v1/spaces`, `/v1/grants` and `/v1/audit`, merged into the route table by `restRoutes`.
 *
 * @example
 * const routes = [...memoryRoutes, ...sharingRoutes(memory)];
 */
export function sharingRoutes(memory: Memory): RestRoute[] {
  return [...spaceRoutes(memory), ...grantRoutes(memory), auditRoute(memory)];
}
