// One REST route as data (method, path, role, schemas, handler) and the helpers its handlers share.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { ScopeInput } from '../../core/scope.js';
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

/** The scope of a route that takes only a scope in its query string, bound to the caller's tenant. */
export function queryScope(c: RestContext): ScopeInput {
  return boundScope(c.get('principal'), readQuery(c, scopeQuerySchema, 'scope query'));
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
