// Authentication and authorisation of REST requests: API key → principal (tenant, role), role checks, tenant binding.
import type { Context, MiddlewareHandler } from 'hono';
import type { ScopeInput } from '../../core/scope.js';
import type { ApiKeyRole, ApiKeyStore } from '../keys/api-key-store.js';
import { forbidden, unauthorized } from './error-response.js';

/** Who is calling: the key's tenant and role, or (without auth) no tenant binding and every right. */
export interface Principal {
  /** The tenant every request of this key is bound to; undefined only when auth is off. */
  tenantId: string | undefined;
  role: ApiKeyRole;
  keyId: string | undefined;
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
  const lastTouched = new Map<string, number>();
  return async (c, next) => {
    if (options.keys === undefined) {
      c.set('principal', { tenantId: undefined, role: 'admin', keyId: undefined });
      return next();
    }
    const key = readKey(c);
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
      await options.keys.touch({ id: record.id, at: now });
    }
    c.set('principal', { tenantId: record.tenantId, role: record.role, keyId: record.id });
    return next();
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
 * The scope of a request, bound to the caller's tenant: a `tenantId` that differs from the key's is refused
 * with 403 rather than silently replaced, so a misconfigured client learns about it at once.
 */
export function boundScope(
  principal: Principal,
  fields: { tenantId?: string; userId?: string; agentId?: string; sessionId?: string },
): ScopeInput {
  if (
    principal.tenantId !== undefined &&
    fields.tenantId !== undefined &&
    fields.tenantId !== principal.tenantId
  ) {
    throw forbidden(
      `This API key belongs to tenant "${principal.tenantId}"; it cannot use tenant "${fields.tenantId}".`,
    );
  }
  const scope: ScopeInput = { tenantId: principal.tenantId ?? fields.tenantId };
  if (fields.userId !== undefined) scope.userId = fields.userId;
  if (fields.agentId !== undefined) scope.agentId = fields.agentId;
  if (fields.sessionId !== undefined) scope.sessionId = fields.sessionId;
  return scope;
}

function readKey(c: Context): string | undefined {
  const authorization = c.req.header('authorization');
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  const header = c.req.header('x-api-key')?.trim();
  return header === undefined || header === '' ? undefined : header;
}
