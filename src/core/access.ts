// Sharing and permissions: spaces, grants, callers, and THE access rule, written once. The store applies it
// inside its own transaction (store/sql/access.ts `authorize`) before any scoped read or write, so every
// surface (SDK, CLI, REST, MCP, dashboard) obeys the same check.
import { z } from 'zod';
import { MnemoError } from './errors.js';
import { describeScope, parseScope, type Scope, scopeSchema } from './scope.js';

/** What a grant allows: read ⊂ write ⊂ admin (admin also manages the space's grants and deletes it). */
export const grantRoles = ['read', 'write', 'admin'] as const;
export type GrantRole = (typeof grantRoles)[number];
/** What one operation needs. */
export type AccessLevel = GrantRole;

const roleRank: Record<GrantRole, number> = { read: 0, write: 1, admin: 2 };

/** True when `role` allows `needed`. */
export function roleAllows(role: GrantRole, needed: AccessLevel): boolean {
  return roleRank[role] >= roleRank[needed];
}

/** The surfaces a request arrives through, as the audit log names them. */
export const surfaces = ['sdk', 'cli', 'rest', 'mcp', 'dashboard'] as const;
export type Surface = (typeof surfaces)[number];

/** A space: a named, shared memory pool inside a tenant. Its memories have the scope `{ tenantId, spaceId: id }`. */
export interface Space {
  id: string;
  tenantId: string;
  name: string;
  description: string | undefined;
  createdAt: string;
}

/** Who a grant is given to. */
export const principalTypes = ['user', 'agent', 'key'] as const;
export interface PrincipalRef {
  type: (typeof principalTypes)[number];
  id: string;
}

/** What a grant opens: a space, or a user's memory (read or write on `{ userId }` and below). */
export const grantTargetTypes = ['space', 'user'] as const;
export interface GrantTarget {
  type: (typeof grantTargetTypes)[number];
  id: string;
}

export interface Grant {
  tenantId: string;
  principal: PrincipalRef;
  target: GrantTarget;
  role: GrantRole;
  createdAt: string;
}

/**
 * Who is calling. An embedded SDK call passes nothing (the owner of the store); the servers build one from
 * the API key. A key bound to a user, agent or space can act only as that principal / in that space.
 */
export interface Caller {
  surface: Surface;
  keyId?: string | undefined;
  /** The key's role: a ceiling on every operation. Undefined: no ceiling (embedded, CLI, auth off). */
  role?: GrantRole | undefined;
  boundUserId?: string | undefined;
  boundAgentId?: string | undefined;
  boundSpaceId?: string | undefined;
}

/** The owner of an embedded store: no key, no binding, every right. */
export const ownerCaller: Caller = { surface: 'sdk' };

/** The scope fields of a request as the caller sent them (`spaceId` may come with the acting user/agent). */
export interface AccessRequest {
  tenantId?: string | undefined;
  userId?: string | undefined;
  agentId?: string | undefined;
  sessionId?: string | undefined;
  spaceId?: string | undefined;
}

/** What the rule decided: where the operation goes, who acted, and which grant (if any) it relied on. */
export interface AccessDecision {
  /** The scope the operation reads or writes (reads may carry `sharedSpaces`). */
  scope: Scope;
  /** The identities acting: the key, and the user/agent it is bound to or the request names. */
  principals: PrincipalRef[];
  /** The grant that opened a scope the caller does not own; undefined for its own scope. */
  grant: Grant | undefined;
}

/** A principal as one string for logs and history, e.g. `agent:writer`. */
export function describePrincipal(principal: PrincipalRef): string {
  return `${principal.type}:${principal.id}`;
}

/** True when a caller is bound to a user or an agent: it acts only as them. */
export function boundToPrincipal(caller: Caller): boolean {
  return caller.boundUserId !== undefined || caller.boundAgentId !== undefined;
}

/** True when a caller is bound to anything (a user, an agent or a space). */
export function isBound(caller: Caller): boolean {
  return boundToPrincipal(caller) || caller.boundSpaceId !== undefined;
}

/**
 * True when a request acts as the store's owner: no bound key, and no user or agent among the acting
 * identities (an embedded call naming nobody, the CLI on its file, an unbound tenant key).
 */
export function actsAsOwner(caller: Caller, principals: readonly PrincipalRef[]): boolean {
  return !isBound(caller) && principals.every((principal) => principal.type === 'key');
}

/** True when `grant` was given to one of `principals`. */
export function holdsGrant(principals: readonly PrincipalRef[], grant: Grant): boolean {
  return principals.some((p) => p.type === grant.principal.type && p.id === grant.principal.id);
}

/** The identities a request acts as: a bound key's, else the user and agent it names; the key itself too. */
export function principalsOf(caller: Caller, request: AccessRequest): PrincipalRef[] {
  const principals: PrincipalRef[] = [];
  const bound = boundToPrincipal(caller);
  const userId = bound ? caller.boundUserId : request.userId;
  const agentId = bound ? caller.boundAgentId : request.agentId;
  if (agentId !== undefined) principals.push({ type: 'agent', id: agentId });
  if (userId !== undefined) principals.push({ type: 'user', id: userId });
  if (caller.keyId !== undefined) principals.push({ type: 'key', id: caller.keyId });
  return principals;
}

/** The strongest role any of `principals` holds on `target`, from `grants`. */
export function grantedRole(
  grants: readonly Grant[],
  principals: readonly PrincipalRef[],
  target: GrantTarget,
): Grant | undefined {
  let best: Grant | undefined;
  for (const grant of grants) {
    if (grant.target.type !== target.type || grant.target.id !== target.id) continue;
    if (!holdsGrant(principals, grant)) continue;
    if (best === undefined || roleRank[grant.role] > roleRank[best.role]) best = grant;
  }
  return best;
}

export function forbiddenError(message: string, details: Record<string, unknown>): MnemoError {
  return new MnemoError({ code: 'FORBIDDEN', message, details });
}

/**
 * THE access rule: may `caller` do `access` on the scope `request` names, given the grants its identities
 * hold? Returns the decision, or throws FORBIDDEN (INVALID_INPUT/SCOPE_REQUIRED for a malformed request).
 *
 * - A key's role is a ceiling on everything it does.
 * - A key bound to a space acts only in that space, with the key's role. A key bound to a user or agent
 *   acts only as that principal: a request naming another agent is refused, and the bound levels fill in
 *   the ones the request leaves out.
 * - A space needs a grant (read/write/admin) held by one of the acting identities — unless nobody is named
 *   and no bound key acts (the owner: an embedded call, the CLI on its own file, a tenant-wide key).
 * - A user's memory: its own user (and unbound callers, as ever) reach it; a bound caller acting for
 *   another principal needs a grant on that user (a support agent reading a customer's profile).
 *
 * @example
 * decideAccess({ caller: ownerCaller, request: { tenantId: 't1', agentId: 'reader', spaceId: 'research' },
 *   access: 'write', grants: [readGrant] }); // throws FORBIDDEN: agent:reader holds read
 */
export function decideAccess(input: {
  caller: Caller;
  request: AccessRequest;
  access: AccessLevel;
  grants: readonly Grant[];
}): AccessDecision {
  const { caller, access, grants } = input;
  const request = { ...input.request };
  const tenantId = request.tenantId ?? 'default';
  if (caller.role !== undefined && !roleAllows(caller.role, access)) {
    throw forbiddenError(
      `This API key has role "${caller.role}"; this request needs "${access}" or higher.`,
      { role: caller.role, needed: access },
    );
  }
  if (caller.boundSpaceId !== undefined) {
    request.spaceId = requestedSpace(caller, request);
    if (request.spaceId !== caller.boundSpaceId) {
      throw forbiddenError(
        `This caller is bound to space "${caller.boundSpaceId}" (by its API key); it cannot reach other scopes.`,
        {
          boundSpaceId: caller.boundSpaceId,
        },
      );
    }
  }
  const bound = boundToPrincipal(caller);
  if (caller.boundAgentId !== undefined) {
    if (request.agentId !== undefined && request.agentId !== caller.boundAgentId) {
      throw forbiddenError(
        `This caller acts as agent "${caller.boundAgentId}" (bound by its API key or MCP connection); it cannot act as agent "${request.agentId}".`,
        { boundAgentId: caller.boundAgentId, agentId: request.agentId },
      );
    }
    if (request.spaceId === undefined) request.agentId = caller.boundAgentId;
  }
  if (caller.boundUserId !== undefined && request.spaceId === undefined && request.userId === undefined) {
    request.userId = caller.boundUserId;
  }
  const principals = principalsOf(caller, request);

  if (request.spaceId !== undefined) {
    if (request.sessionId !== undefined) {
      throw new MnemoError({
        code: 'INVALID_INPUT',
        message: 'A space has no sessions: leave sessionId out when you name a spaceId.',
      });
    }
    const scope = parseScope({ tenantId, spaceId: request.spaceId });
    if (caller.boundSpaceId !== undefined) return { scope, principals, grant: undefined };
    if (actsAsOwner(caller, principals)) return { scope, principals, grant: undefined };
    return {
      scope,
      principals,
      grant: requireGrant(grants, principals, { type: 'space', id: request.spaceId }, access),
    };
  }

  const scope = parseScope({
    tenantId,
    userId: request.userId,
    agentId: request.agentId,
    sessionId: request.sessionId,
  });
  if (bound && caller.boundUserId === undefined && scope.userId === undefined) {
    // A caller bound to an agent alone: its own memories, not those of the users it served (each of those
    // needs a grant on the user and a request naming the user).
    return { scope: { ...scope, withoutUsers: true }, principals, grant: undefined };
  }
  if (!bound || scope.userId === undefined || scope.userId === caller.boundUserId) {
    if (bound && caller.boundUserId !== undefined && scope.userId === undefined) {
      throw forbiddenError(
        `This caller acts as user "${caller.boundUserId}" (bound by its API key or MCP connection); it cannot reach ${describeScope(scope)}.`,
        {
          boundUserId: caller.boundUserId,
        },
      );
    }
    return { scope, principals, grant: undefined };
  }
  return {
    scope,
    principals,
    grant: requireGrant(grants, principals, { type: 'user', id: scope.userId }, access),
  };
}

/**
 * The space a request reaches: the one it names, or, for a key bound to a space, that space when the
 * request names no user or agent (the binding fills it in).
 *
 * @example
 * requestedSpace({ surface: 'rest', keyId: 'k', boundSpaceId: 'research' }, {}); // 'research'
 */
export function requestedSpace(caller: Caller, request: AccessRequest): string | undefined {
  if (request.spaceId !== undefined) return request.spaceId;
  const namesNobody = request.userId === undefined && request.agentId === undefined;
  return namesNobody ? caller.boundSpaceId : undefined;
}

function requireGrant(
  grants: readonly Grant[],
  principals: readonly PrincipalRef[],
  target: GrantTarget,
  access: AccessLevel,
): Grant {
  const grant = grantedRole(grants, principals, target);
  if (grant !== undefined && roleAllows(grant.role, access)) return grant;
  const who = principals.map(describePrincipal).join(', ') || 'this caller';
  const what = `${target.type} "${target.id}"`;
  throw forbiddenError(
    grant === undefined
      ? `${who} has no grant on ${what}; ask its admin for one (mnemo ${target.type} grant / memory.grants.grant).`
      : `${who} holds "${grant.role}" on ${what}; this request needs "${access}".`,
    { target, needed: access, held: grant?.role ?? null, principals: principals.map(describePrincipal) },
  );
}

/** The spaces among `grants` that `principals` may read: what a read across shared memory adds. */
export function readableSpaces(grants: readonly Grant[], principals: readonly PrincipalRef[]): string[] {
  const spaces = new Set<string>();
  for (const grant of grants) {
    if (grant.target.type !== 'space') continue;
    if (holdsGrant(principals, grant)) {
      spaces.add(grant.target.id);
    }
  }
  return [...spaces].sort();
}

const idPart = scopeSchema.shape.userId.unwrap();

/** A space to create: `id` (the `spaceId` memories name) defaults to `name`. */
export const spaceInputSchema = z.strictObject({
  tenantId: idPart.default('default'),
  id: idPart.optional(),
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).optional(),
});
export type SpaceInput = z.input<typeof spaceInputSchema>;

export const principalRefSchema = z.strictObject({ type: z.enum(principalTypes), id: idPart });
export const grantTargetSchema = z.strictObject({ type: z.enum(grantTargetTypes), id: idPart });

/** A grant to give or take back. */
export const grantInputSchema = z.strictObject({
  tenantId: idPart.default('default'),
  principal: principalRefSchema,
  target: grantTargetSchema,
  role: z.enum(grantRoles),
});
export type GrantInput = z.input<typeof grantInputSchema>;
export const revokeInputSchema = grantInputSchema.omit({ role: true });
export type RevokeInput = z.input<typeof revokeInputSchema>;

/** Who is calling, on any scoped call's options: the servers set it from the API key (see `Caller`). */
export const callerSchema = z.strictObject({
  surface: z.enum(surfaces),
  keyId: idPart.optional(),
  role: z.enum(grantRoles).optional(),
  boundUserId: idPart.optional(),
  boundAgentId: idPart.optional(),
  boundSpaceId: idPart.optional(),
});

/** The scope fields of a call and, optionally, who is making it. */
export type ScopeRequest = {
  tenantId?: string | undefined;
  userId?: string | undefined;
  agentId?: string | undefined;
  sessionId?: string | undefined;
  spaceId?: string | undefined;
  caller?: Caller | undefined;
};

/**
 * Turns a call's scope fields into the scope it may use, applying the access rule (the SDK's resolver runs
 * `store.access.authorize`). `includeSpaces` (reads) adds the spaces the caller was granted. Other keys of the
 * request (a method's own options) are ignored, so callers may pass their options whole.
 */
export type ScopeResolver = (
  request: ScopeRequest,
  access: AccessLevel,
  operation: string,
  options?: { includeSpaces?: boolean | undefined },
) => Promise<Scope>;

/**
 * A resolver that only parses (no grants, no audit): for code that owns the store outright, such as tests
 * of one namespace. A space is reachable only by naming it alone.
 *
 * @example
 * const scope = await parseOnlyResolver({ userId: 'alice' }, 'read', 'get');
 */
export const parseOnlyResolver: ScopeResolver = async (request) => {
  const { caller: _caller, ...fields } = request;
  return parseScope(fields);
};

/**
 * Tenant-wide administration (creating spaces, listing every grant, the whole audit log): the owner, or a
 * key bound to nothing whose role is admin. Throws FORBIDDEN otherwise.
 *
 * @example
 * requireTenantAdmin({ surface: 'rest', keyId: 'k1', role: 'write' }, 'create a space'); // throws FORBIDDEN
 */
export function requireTenantAdmin(caller: Caller, what: string): void {
  if (isBound(caller) || (caller.role !== undefined && caller.role !== 'admin')) {
    throw forbiddenError(
      `Only the tenant's admin (an unbound admin key, or the store's owner) may ${what}.`,
      {
        needed: 'admin',
      },
    );
  }
}
