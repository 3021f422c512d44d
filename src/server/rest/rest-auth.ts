// Authentication and authorisation of REST requests: API key → principal (tenant, role, binding), role
// checks, tenant binding, and the Caller every scoped SDK call receives (grants are checked in the store).
import type { MiddlewareHandler } from 'hono';
import type { Caller, ScopeRequest, Surface } from '../../core/access.js';
import type { ApiKeyRole, ApiKeyStore } from '../../store/keys/api-key-store.js';
import { forbidden, unauthorized } from './error-response.js';

/** Who is calling: the key's tenant and role, or (without auth) no tenant binding and every right. */
export interface Principal {
  /** The tenant every request of this key is bound to; undefined only when auth is off. */
  tenantId: string | undefined;
  role: ApiKeyRole;
  keyId: string | undefined;
  /** The surface the request says it came from: `dashboard` for the dashboard's own requests, else `rest`. */
  surface?: Surface | undefined;
  /** The user, agent or space the key is bound to (it acts only as / in it). */
  userId?: string | undefined;
  agentId?: string | undefined;
  spaceId?: string | undefined;
}

export interface RestVariables {
  principal: Principal;
}

const roleRank: Record<ApiKeyRole, number> = { read: 0, write: 1, admin: 2 };
/** How often a key's `lastUsedAt` is written at most (a write per request would cost throughput). */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Reads the key from `Authorization: Bearer …` or `x-api-key`, checks it and sets the principal.
 * With `keys: undefined` (auth off) every request is an unbound admin.
 *
 * @example
 * app.use('/v1/*', authenticate({ keys, now: Date.now }));
 */
export function authenticate(options: {
  keys: ApiKeyStore | undefined;
  now: () => number;
}): MiddlewareHandler<{ Variables: RestVariables }> {
  const check = createKeyCheck(options);
  return async (c, next) => {
    c.set('principal', await check(c.req.raw.headers));
    return next();
  };
}

/**
 * The key check on its own: request headers → principal, or 401. `/mcp` calls it inside its per-session
 * queue, so a session's requests are authenticated (and then applied) in the order they arrived.
 *
 * @example
 * const principal = await createKeyCheck({ keys, now: Date.now })(request.headers);
 */
export function createKeyCheck(options: {
  keys: ApiKeyStore | undefined;
  now: () => number;
}): (headers: Headers) => Promise<Principal> {
  const lastTouched = new Map<string, number>();
  return async (headers) => {
    const surface = surfaceOf(headers);
    if (options.keys === undefined) return { tenantId: undefined, role: 'admin', keyId: undefined, surface };
    const key = readKey(headers);
    if (key === undefined) {
      throw unauthorized('Missing API key: send `Authorization: Bearer <key>` or `x-api-key: <key>`.');
    }
    const record = await options.keys.findByKey(key);
    if (record === undefined)
      throw unauthorized('Unknown API key; create one with `mnemo keys create --tenant T`.');
    if (record.revokedAt !== undefined) throw unauthorized(`API key ${record.id} was revoked.`);
    const now = options.now();
    if (now - (lastTouched.get(record.id) ?? 0) >= TOUCH_INTERVAL_MS) {
      lastTouched.set(record.id, now);
      // Bookkeeping must not fail or delay the request (a locked database would): not awaited, and a use
      // that could not be recorded is retried with the key's next request.
      const retryNextTime = () => lastTouched.delete(record.id);
      options.keys.touch({ id: record.id, at: now }).then(({ recorded }) => {
        if (!recorded) retryNextTime();
      }, retryNextTime);
    }
    return {
      tenantId: record.tenantId,
      role: record.role,
      keyId: record.id,
      userId: record.userId,
      agentId: record.agentId,
      spaceId: record.spaceId,
      surface,
    };
  };
}

/** Route middleware: 403 unless the caller's role is at least `role`. */
export function requireRole(role: ApiKeyRole): MiddlewareHandler<{ Variables: RestVariables }> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (roleRank[principal.role] < roleRank[role]) {
      throw forbidden(`This API key has role "${principal.role}"; this request needs "${role}" or higher.`);
    }
    return next();
  };
}

/**
 * The Caller of a request's principal: the key, its role and binding, and the surface it came through.
 * With auth off there is no key and no ceiling (the server's operator is the store's owner).
 *
 * @example
 * callerOf({ tenantId: 't1', role: 'read', keyId: 'k1', userId: 'alice' }, 'rest');
 * // { surface: 'rest', keyId: 'k1', role: 'read', boundUserId: 'alice' }
 */
export function callerOf(principal: Principal, surface: Surface): Caller {
  const caller: Caller = { surface: surface === 'rest' ? (principal.surface ?? surface) : surface };
  if (principal.keyId === undefined) return caller;
  caller.keyId = principal.keyId;
  caller.role = principal.role;
  if (principal.userId !== undefined) caller.boundUserId = principal.userId;
  if (principal.agentId !== undefined) caller.boundAgentId = principal.agentId;
  if (principal.spaceId !== undefined) caller.boundSpaceId = principal.spaceId;
  return caller;
}

/**
 * The scope of a request, bound to the caller's tenant (a `tenantId` that differs from the key's is refused
 * with 403 rather than silently replaced, so a misconfigured client learns about it at once), with the
 * Caller the SDK checks grants and key bindings against.
 */
export function boundScope(
  principal: Principal,
  fields: {
    tenantId?: string | undefined;
    userId?: string | undefined;
    agentId?: string | undefined;
    sessionId?: string | undefined;
    spaceId?: string | undefined;
  },
  surface: Surface = 'rest',
): ScopeRequest {
  if (
    principal.tenantId !== undefined &&
    fields.tenantId !== undefined &&
    fields.tenantId !== principal.tenantId
  ) {
    throw forbidden(
      `This API key belongs to tenant "${principal.tenantId}"; it cannot use tenant "${fields.tenantId}".`,
    );
  }
  const scope: ScopeRequest = {
    tenantId: principal.tenantId ?? fields.tenantId,
    caller: callerOf(principal, surface),
  };
  if (fields.userId !== undefined) scope.userId = fields.userId;
  if (fields.agentId !== undefined) scope.agentId = fields.agentId;
  if (fields.sessionId !== undefined) scope.sessionId = fields.sessionId;
  if (fields.spaceId !== undefined) scope.spaceId = fields.spaceId;
  return scope;
}

function readKey(headers: Headers): string | undefined {
  const authorization = headers.get('authorization');
  if (authorization !== null) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  const header = headers.get('x-api-key')?.trim();
  return header === undefined || header === '' ? undefined : header;
}

/**
 * The dashboard labels its own requests (`x-mnemo-surface: dashboard`) so the audit log can tell them from
 * other REST clients; the label names a surface only, it grants nothing. Anything else is `rest`.
 */
function surfaceOf(headers: Headers): Surface {
  return headers.get('x-mnemo-surface')?.trim() === 'dashboard' ? 'dashboard' : 'rest';
}
