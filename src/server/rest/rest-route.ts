// One REST route as data (method, path, role, schemas, handler) and the helpers its handlers share.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { ScopeRequest } from '../../core/access.js';
import type { Memory } from '../../sdk/create-memory.js';
import type { ApiKeyRole } from '../../store/keys/api-key-store.js';
import { readQuery } from './request-input.js';
import { boundScope, type RestVariables } from './rest-auth.js';
import { scopeQuerySchema } from './rest-schemas.js';

export type RestContext = Context<{ Variables: RestVariables }>;

/** One REST route. `path` is in OpenAPI form (`/v1/memories/{id}`); every `{name}` is a path parameter. */
export interface RestRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  role: ApiKeyRole;
  summary: string;
  /** What each path parameter is, for openapi.json (a parameter left out is documented as a plain string). */
  pathParameters?: Record<string, string> | undefined;
  /** Optional request headers the route reads, by name, with what they do (for openapi.json). */
  headers?: Record<string, string> | undefined;
  body?: z.ZodType | undefined;
  /** The body may be left out (an empty body stands for `{}`); openapi.json then marks it optional. */
  optionalBody?: boolean | undefined;
  query?: z.ZodType | undefined;
  /** The success body, for openapi.json (documented as any object when left out). */
  response?: z.ZodType | undefined;
  /** The success status (200 unless said). */
  status: ContentfulStatusCode;
  handle(c: RestContext, memory: Memory): Promise<unknown>;
}

/** The scope fields a REST request may carry (body or query string). */
export interface ScopeFields {
  tenantId?: string | undefined;
  userId?: string | undefined;
  agentId?: string | undefined;
  sessionId?: string | undefined;
  spaceId?: string | undefined;
}

/**
 * Splits validated request fields into the scope (bound to the caller's tenant, with the Caller the SDK checks
 * grants and key bindings against) and the route's own fields.
 *
 * @example
 * const { scope, rest } = splitScope(c, await readJsonBody(c, searchBodySchema, 'search request'));
 * await memory.search(rest.query, { ...scope, ...options });
 */
export function splitScope<Fields extends ScopeFields>(
  c: RestContext,
  fields: Fields,
): { scope: ScopeRequest; rest: Omit<Fields, keyof ScopeFields> } {
  const { tenantId, userId, agentId, sessionId, spaceId, ...rest } = fields;
  return { scope: requestScope(c, { tenantId, userId, agentId, sessionId, spaceId }), rest };
}

/** The scope of a route that takes only a scope in its query string, bound to the caller's tenant. */
export function queryScope(c: RestContext): ScopeRequest {
  return requestScope(c, readQuery(c, scopeQuerySchema, 'scope query'));
}

/**
 * `boundScope`, with the space of a space-bound key named when the request names no user, agent or space
 * (as the access rule fills it in): an operation whose needed right depends on whether it names a space
 * (forgetting a space takes admin, a user's scope write) then sees the space the key will act in.
 */
function requestScope(c: RestContext, fields: ScopeFields): ScopeRequest {
  const principal = c.get('principal');
  const names = fields.userId !== undefined || fields.agentId !== undefined || fields.spaceId !== undefined;
  if (principal.spaceId === undefined || names) return boundScope(principal, fields);
  return boundScope(principal, { ...fields, spaceId: principal.spaceId });
}

/** A path parameter, percent-decoded by Hono ('' when absent, which the SDK then refuses as invalid). */
export function pathParameter(c: Context, name: string): string {
  return c.req.param(name) ?? '';
}

/** The Hono form of an OpenAPI path: `/v1/core/{label}/append` → `/v1/core/:label/append`. */
export function honoPath(path: string): string {
  return path.replaceAll(/\{(\w+)\}/g, ':$1');
}

/** The names of the path parameters of an OpenAPI path, in order. */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');
}
