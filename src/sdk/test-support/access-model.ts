// An independent statement of the sharing rules of issue 15, for the sharing property test: who may read or
// write which scope, with which grants. Written from the rules, not from core/access.ts, so the
// property checks the implementation against a second reading of the rules.
import type { Caller, GrantRole } from '../../core/access.js';
import type { Scope } from '../../core/scope.js';

/** The tenant the property acts in; a second one holds look-alike data nobody in the first may reach. */
export const TENANT = 't1';
export const OTHER_TENANT = 't2';

export type Role = GrantRole;
const rank: Record<Role, number> = { read: 0, write: 1, admin: 2 };

/** An API key the property calls through: a role, and at most one binding (a user and/or agent, or a space). */
export interface KeySpec {
  keyId: string;
  role: Role;
  boundUserId?: string;
  boundAgentId?: string;
  boundSpaceId?: string;
}

/** Who makes a call: the store's owner (no caller), or one of the run's keys. */
export type Who = { kind: 'owner' } | { kind: 'key'; index: number };

/** The scope fields of a call, as the property sends them. */
export interface Request {
  userId?: string;
  agentId?: string;
  spaceId?: string;
}

export type Identity = `${'user' | 'agent' | 'key'}:${string}`;
export type Target = `${'space' | 'user'}:${string}`;

/** What the rules say of one call. */
export type Verdict =
  | { allowed: true; scope: Scope; identities: Identity[]; through?: Target }
  | { allowed: false; code: 'FORBIDDEN' | 'NOT_FOUND' | 'SCOPE_REQUIRED' | 'CONFLICT' };

/** The state the rules read: the tenant's spaces, its grants, the run's keys. */
export interface AccessModel {
  spaces: Set<string>;
  /** `identity → target → role`, e.g. `agent:a1 → space:sp1 → write`. */
  grants: Map<string, Role>;
  keys: KeySpec[];
}

export const grantKey = (identity: Identity, target: Target): string => `${identity}>${target}`;

/** The Caller the SDK gets for `who` (undefined for the owner). */
export function callerOf(model: AccessModel, who: Who): Caller | undefined {
  if (who.kind === 'owner') return undefined;
  const spec = model.keys[who.index]!;
  const caller: Caller = { surface: 'rest', keyId: spec.keyId, role: spec.role };
  if (spec.boundUserId !== undefined) caller.boundUserId = spec.boundUserId;
  if (spec.boundAgentId !== undefined) caller.boundAgentId = spec.boundAgentId;
  if (spec.boundSpaceId !== undefined) caller.boundSpaceId = spec.boundSpaceId;
  return caller;
}

/** The strongest role any of `identities` holds on `target`. */
export function heldRole(
  model: AccessModel,
  identities: readonly Identity[],
  target: Target,
): Role | undefined {
  let best: Role | undefined;
  for (const identity of identities) {
    const role = model.grants.get(grantKey(identity, target));
    if (role !== undefined && (best === undefined || rank[role] > rank[best])) best = role;
  }
  return best;
}

const holds = (
  model: AccessModel,
  identities: readonly Identity[],
  target: Target,
  needed: Role,
): boolean => {
  const role = heldRole(model, identities, target);
  return role !== undefined && rank[role] >= rank[needed];
};

/**
 * The rules of the issue, read afresh:
 * - a key's role caps every call; a key bound to a space reaches that space only;
 * - a key bound to a user/agent acts only as that user/agent (naming another agent is refused; its binding
 *   fills what the request leaves out), and needs a grant on any other user whose memory it reaches;
 * - a space needs a grant held by the acting identities (the user/agent the request names, or the key's
 *   binding, or the key itself), unless nobody is named and no bound key acts (the owner);
 * - an unknown space is NOT_FOUND once the call is allowed.
 */
export function verdictOf(model: AccessModel, who: Who, request: Request, needed: Role): Verdict {
  const key = who.kind === 'key' ? model.keys[who.index] : undefined;
  const denied = { allowed: false, code: 'FORBIDDEN' } as const;
  if (key !== undefined && rank[key.role] < rank[needed]) return denied;
  const inSpace = (spaceId: string, identities: Identity[], through?: Target): Verdict =>
    !model.spaces.has(spaceId)
      ? { allowed: false, code: 'NOT_FOUND' }
      : through === undefined
        ? { allowed: true, scope: { tenantId: TENANT, spaceId }, identities }
        : { allowed: true, scope: { tenantId: TENANT, spaceId }, identities, through };
  const keyIdentity: Identity[] = key === undefined ? [] : [`key:${key.keyId}`];
  if (key?.boundSpaceId !== undefined) {
    const namesNothing =
      request.spaceId === undefined && request.userId === undefined && request.agentId === undefined;
    const spaceId = namesNothing ? key.boundSpaceId : request.spaceId;
    return spaceId === key.boundSpaceId ? inSpace(spaceId, keyIdentity) : denied;
  }
  const bound = key !== undefined && (key.boundUserId !== undefined || key.boundAgentId !== undefined);
  if (
    bound &&
    key.boundAgentId !== undefined &&
    request.agentId !== undefined &&
    request.agentId !== key.boundAgentId
  ) {
    return denied;
  }
  const actingUser = bound ? key.boundUserId : request.userId;
  const actingAgent = bound ? key.boundAgentId : request.agentId;
  const identities: Identity[] = [
    ...(actingAgent === undefined ? [] : [`agent:${actingAgent}` as const]),
    ...(actingUser === undefined ? [] : [`user:${actingUser}` as const]),
    ...keyIdentity,
  ];
  if (request.spaceId !== undefined) {
    const owner = !bound && request.userId === undefined && request.agentId === undefined;
    if (owner) return inSpace(request.spaceId, identities);
    if (!holds(model, identities, `space:${request.spaceId}`, needed)) return denied;
    return inSpace(request.spaceId, identities, `space:${request.spaceId}`);
  }
  const userId = request.userId ?? (bound ? key.boundUserId : undefined);
  const agentId = bound && key.boundAgentId !== undefined ? key.boundAgentId : request.agentId;
  if (userId === undefined && agentId === undefined) return { allowed: false, code: 'SCOPE_REQUIRED' };
  const scope: Scope = { tenantId: TENANT };
  if (userId !== undefined) scope.userId = userId;
  if (agentId !== undefined) scope.agentId = agentId;
  if (bound && userId !== undefined && userId !== key.boundUserId) {
    if (!holds(model, identities, `user:${userId}`, needed)) return denied;
    return { allowed: true, scope, identities, through: `user:${userId}` };
  }
  return { allowed: true, scope, identities };
}

/** The spaces a read of a user scope also covers: those any acting identity holds a grant on (any role). */
export function sharedSpacesOf(model: AccessModel, identities: readonly Identity[]): string[] {
  return [...model.spaces]
    .filter((spaceId) => heldRole(model, identities, `space:${spaceId}`) !== undefined)
    .sort();
}

/**
 * What the principal behind `who` may reach at all, whatever its request says: the promise that no
 * operation returns or changes a memory outside the principal's grants. The owner and unbound keys reach their
 * whole tenant; a bound key reaches its own user's memory, users and spaces it holds grants on, and agent-wide
 * memory of its own agent (a key bound to a user alone: of any agent, whose shared memory serves every user).
 */
export function principalReaches(
  model: AccessModel,
  who: Who,
  record: Scope,
  needed: 'read' | 'write',
): boolean {
  if (record.tenantId !== TENANT) return false;
  const key = who.kind === 'key' ? model.keys[who.index] : undefined;
  if (key === undefined) return true;
  if (key.boundSpaceId !== undefined) return record.spaceId === key.boundSpaceId;
  const bound = key.boundUserId !== undefined || key.boundAgentId !== undefined;
  if (!bound) return true;
  const identities: Identity[] = [`key:${key.keyId}`];
  if (key.boundUserId !== undefined) identities.push(`user:${key.boundUserId}`);
  if (key.boundAgentId !== undefined) identities.push(`agent:${key.boundAgentId}`);
  if (record.spaceId !== undefined) return holds(model, identities, `space:${record.spaceId}`, needed);
  if (record.userId !== undefined) {
    return record.userId === key.boundUserId || holds(model, identities, `user:${record.userId}`, needed);
  }
  // Agent-wide memory: its own agent's, or (read only) any agent's for a key bound to a user alone.
  if (key.boundAgentId === undefined) return needed === 'read';
  return record.agentId === key.boundAgentId;
}

/**
 * True when the rules leave open how much of its decided scope a call sees, so the checks bound it from above
 * only (never a memory beyond `principalReaches`) instead of demanding all of it: a key bound to an agent alone
 * naming no user. Its scope names no user, which the visibility rule reads as every user's memories with that
 * agent; the issue only says such a key reaches a user's memory through a grant on that user, not whether its
 * grants widen a read that names nobody.
 */
export function reachIsLoose(model: AccessModel, who: Who, request: Request): boolean {
  const key = who.kind === 'key' ? model.keys[who.index] : undefined;
  return (
    key !== undefined &&
    key.boundAgentId !== undefined &&
    key.boundUserId === undefined &&
    request.userId === undefined &&
    request.spaceId === undefined
  );
}

/** Whether `record` lies inside `scope` (forgetScope's containment): equal on every level `scope` names. */
export function contains(scope: Scope, record: Scope): boolean {
  if (scope.tenantId !== record.tenantId) return false;
  if (scope.spaceId !== undefined || record.spaceId !== undefined) return scope.spaceId === record.spaceId;
  return (
    (scope.userId === undefined || scope.userId === record.userId) &&
    (scope.agentId === undefined || scope.agentId === record.agentId)
  );
}
