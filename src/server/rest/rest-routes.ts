// The REST routes as data: method, path, role, schemas and handler. The app and openapi.json both read this table.
import { notFound } from '../../core/errors.js';
import type { Memory } from '../../sdk/create-memory.js';
import type { CallerOption } from '../../sdk/memory.js';
import type { ListOptions } from '../../sdk/options.js';
import { forbidden } from './error-response.js';
import { graphRoutes } from './graph-routes.js';
import { maintainRoutes, upkeepScope } from './maintain-routes.js';
import { readJsonBody, readOptionalJsonBody, readQuery } from './request-input.js';
import { pathParameter, queryScope, type RestRoute, splitScope } from './rest-route.js';
import {
  addBodySchema,
  contextBodySchema,
  flushBodySchema,
  listQuerySchema,
  scopeQuerySchema,
  searchBodySchema,
  updateBodySchema,
} from './rest-schemas.js';
import { sharingRoutes } from './sharing-routes.js';
import { workingSetRoutes } from './working-set-routes.js';

/**
 * The routes of `/v1`.
 *
 * @example
 * for (const route of restRoutes(memory)) console.log(route.method, route.path);
 */
export function restRoutes(memory: Memory): RestRoute[] {
  const routes: RestRoute[] = [
    {
      method: 'post',
      path: '/v1/memories',
      role: 'write',
      summary:
        'Store messages (or one text) and index them as memories; `kind` writes one fact, procedure, insight or summary directly.',
      headers: {
        'Idempotency-Key':
          'Makes the request safe to retry: a repeat with the same key (1-255 printable ASCII characters, 24 h) returns the first result and writes nothing; the answer then carries `Idempotent-Replayed: true`.',
      },
      body: addBodySchema,
      status: 201,
      async handle(c) {
        const { scope, rest } = splitScope(c, await readJsonBody(c, addBodySchema, 'add request'));
        const { messages, text, ...options } = rest;
        const principal = c.get('principal');
        // System messages are trusted like the operator's own words: only an admin key may write them.
        if (principal.role !== 'admin' && (messages ?? []).some((message) => message.role === 'system')) {
          throw forbidden(
            `Role "system" is trusted as the operator's own words; this API key has role "${principal.role}" and may write user, assistant and tool messages only.`,
          );
        }
        // A retry with the same Idempotency-Key (same tenant, 24 h) stores nothing and answers the first result.
        const idempotencyKey = c.req.header('Idempotency-Key');
        const result = await memory.add(messages ?? text ?? '', {
          ...scope,
          ...options,
          idempotencyKey,
        });
        if (result.replayed === true) c.header('Idempotent-Replayed', 'true');
        return result;
      },
    },
    {
      method: 'get',
      path: '/v1/memories',
      role: 'read',
      summary: 'List memories in a scope, newest first, with cursor pagination.',
      query: listQuerySchema,
      status: 200,
      async handle(c) {
        const { scope, rest } = splitScope(c, readQuery(c, listQuerySchema, 'list query'));
        const options: ListOptions & CallerOption = { ...scope };
        if (rest.kinds !== undefined) options.kinds = rest.kinds;
        if (rest.limit !== undefined) options.limit = rest.limit;
        if (rest.cursor !== undefined) options.cursor = rest.cursor;
        if (rest.includeHistory !== undefined) options.includeHistory = rest.includeHistory;
        if (rest.asOf !== undefined) options.asOf = rest.asOf;
        if (rest.knownAt !== undefined) options.knownAt = rest.knownAt;
        if (rest.order !== undefined) options.order = rest.order;
        return memory.list(options);
      },
    },
    {
      method: 'get',
      path: '/v1/memories/{id}',
      role: 'read',
      summary: 'Get one memory.',
      query: scopeQuerySchema,
      status: 200,
      handle: async (c) => memory.get(pathParameter(c, 'id'), queryScope(c)),
    },
    {
      method: 'patch',
      path: '/v1/memories/{id}',
      role: 'write',
      summary:
        'Update a memory: new text supersedes it (history keeps the old version); other fields patch it.',
      query: scopeQuerySchema,
      body: updateBodySchema,
      status: 200,
      async handle(c) {
        const scope = queryScope(c);
        const update = await readJsonBody(c, updateBodySchema, 'update request');
        return memory.update(pathParameter(c, 'id'), update, scope);
      },
    },
    {
      method: 'delete',
      path: '/v1/memories/{id}',
      role: 'write',
      summary: 'Forget a memory and all its versions for real.',
      query: scopeQuerySchema,
      status: 200,
      handle: async (c) => memory.forget(pathParameter(c, 'id'), queryScope(c)),
    },
    {
      method: 'get',
      path: '/v1/memories/{id}/history',
      role: 'read',
      summary: 'The change history of a memory.',
      query: scopeQuerySchema,
      status: 200,
      async handle(c) {
        const id = pathParameter(c, 'id');
        const history = await memory.history(id, queryScope(c));
        // Every memory has at least its `add` entry: none means unknown here (or another tenant's).
        if (history.length === 0) throw notFound('Memory', id);
        return { history };
      },
    },
    {
      method: 'post',
      path: '/v1/search',
      role: 'read',
      summary: 'Hybrid search in a scope; `explain: true` adds the score breakdown.',
      body: searchBodySchema,
      status: 200,
      async handle(c) {
        const { scope, rest } = splitScope(c, await readJsonBody(c, searchBodySchema, 'search request'));
        const { query, ...options } = rest;
        return memory.search(query, { ...scope, ...options });
      },
    },
    {
      method: 'delete',
      path: '/v1/scopes',
      role: 'write',
      summary:
        'Forget everything in a user, agent or session scope (never wider), or in a space (`spaceId`: needs admin on it; the space goes too).',
      query: scopeQuerySchema,
      status: 200,
      handle: async (c) => memory.forgetScope(queryScope(c)),
    },
  ];
  routes.push(
    {
      method: 'get',
      path: '/v1/usage',
      role: 'read',
      summary:
        'Model usage accumulated by a scope: LLM calls, input and output tokens, embedding calls, latency.',
      query: scopeQuerySchema,
      status: 200,
      handle: async (c) => memory.usage(queryScope(c)),
    },
    {
      method: 'post',
      path: '/v1/flush',
      role: 'write',
      summary:
        "Infer every buffered message of the scope or space now (`buffer: true` adds) and summarise idle sessions. A key bound to a user flushes only that user's messages, one bound to a space only that space's; a key bound to an agent alone cannot flush (403).",
      body: flushBodySchema,
      optionalBody: true,
      status: 200,
      async handle(c) {
        const fields = await readOptionalJsonBody(c, flushBodySchema, 'flush request');
        return memory.flush(upkeepScope(c.get('principal'), fields, 'flush'));
      },
    },
  );
  routes.push({
    method: 'post',
    path: '/v1/context',
    role: 'read',
    summary:
      'Assemble a ready-to-inject context section (core blocks, working memory, profile, procedures, relevant memories, summary, recent turns) within a token budget.',
    body: contextBodySchema,
    status: 200,
    async handle(c) {
      const { scope, rest } = splitScope(c, await readJsonBody(c, contextBodySchema, 'context request'));
      const { query, ...options } = rest;
      return memory.context(query, { ...scope, ...options });
    },
  });
  routes.push(
    ...workingSetRoutes(memory),
    ...graphRoutes(memory),
    ...maintainRoutes(memory),
    ...sharingRoutes(memory),
  );
  return routes;
}
