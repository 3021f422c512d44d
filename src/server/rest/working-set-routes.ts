// The REST routes of the working set an agent edits directly: core blocks, working memory, profile slots.
import type { z } from 'zod';
import type { ScopeRequest } from '../../core/access.js';
import { notFound } from '../../core/errors.js';
import type { JsonValue } from '../../core/records.js';
import type { Memory } from '../../sdk/create-memory.js';
import { readJsonBody, readQuery } from './request-input.js';
import {
  pathParameter,
  queryScope,
  type RestContext,
  type RestRoute,
  type ScopeFields,
  splitScope,
} from './rest-route.js';
import {
  coreAppendBodySchema,
  coreReplaceBodySchema,
  coreSetBodySchema,
  profileQuerySchema,
  profileSetBodySchema,
  scopeQuerySchema,
  workingSetBodySchema,
} from './rest-schemas.js';

const labelParameter = { label: 'The block label: 1-64 letters, digits, "_", "." or "-" (e.g. persona).' };
const keyParameter = { key: 'The entry key: 1-128 characters, percent-encoded in the path.' };
const pathOfSlot = { path: 'The slot as `topic.slot`, e.g. `food.allergies` (percent-encode spaces).' };

/** Reads a JSON body and splits it into its scope (bound to the caller's tenant) and its own fields. */
async function readScopedBody<Schema extends z.ZodType<ScopeFields>>(
  c: RestContext,
  schema: Schema,
  what: string,
): Promise<{ scope: ScopeRequest; fields: Omit<z.output<Schema>, keyof ScopeFields> }> {
  const { scope, rest } = splitScope(c, await readJsonBody(c, schema, what));
  return { scope, fields: rest };
}

function coreRoutes(memory: Memory): RestRoute[] {
  return [
    {
      method: 'get',
      path: '/v1/core',
      role: 'read',
      summary: "Every core block the scope sees (its user's and its agent's), most specific first.",
      query: scopeQuerySchema,
      status: 200,
      handle: async (c) => ({ blocks: await memory.core.list(queryScope(c)) }),
    },
    {
      method: 'get',
      path: '/v1/core/{label}',
      role: 'read',
      summary: 'One core block: the most specific block of this label the scope sees.',
      pathParameters: labelParameter,
      query: scopeQuerySchema,
      status: 200,
      handle: async (c) => memory.core.get(pathParameter(c, 'label'), queryScope(c)),
    },
    {
      method: 'put',
      path: '/v1/core/{label}',
      role: 'write',
      summary:
        'Create or replace a core block in exactly this user/agent scope (a new version; history keeps the old).',
      pathParameters: labelParameter,
      body: coreSetBodySchema,
      status: 200,
      async handle(c) {
        const { scope, fields } = await readScopedBody(c, coreSetBodySchema, 'core block request');
        const { value, ...settings } = fields;
        return memory.core.set(pathParameter(c, 'label'), value, { ...scope, ...settings });
      },
    },
    {
      method: 'post',
      path: '/v1/core/{label}/append',
      role: 'write',
      summary: 'Add text on a new line at the end of a block (refused with 403 for a read-only block).',
      pathParameters: labelParameter,
      body: coreAppendBodySchema,
      status: 200,
      async handle(c) {
        const { scope, fields } = await readScopedBody(c, coreAppendBodySchema, 'core append request');
        return memory.core.append(pathParameter(c, 'label'), fields.text, scope);
      },
    },
    {
      method: 'post',
      path: '/v1/core/{label}/replace',
      role: 'write',
      summary: 'Replace every occurrence of `oldText` in a block (refused with 403 for a read-only block).',
      pathParameters: labelParameter,
      body: coreReplaceBodySchema,
      status: 200,
      async handle(c) {
        const { scope, fields } = await readScopedBody(c, coreReplaceBodySchema, 'core replace request');
        return memory.core.replace(pathParameter(c, 'label'), fields.oldText, fields.newText, scope);
      },
    },
    {
      method: 'delete',
      path: '/v1/core/{label}',
      role: 'write',
      summary: 'Retire a core block (history keeps every version).',
      pathParameters: labelParameter,
      query: scopeQuerySchema,
      status: 200,
      handle: async (c) => memory.core.delete(pathParameter(c, 'label'), queryScope(c)),
    },
  ];
}

function workingRoutes(memory: Memory): RestRoute[] {
  return [
    {
      method: 'get',
      path: '/v1/working',
      role: 'read',
      summary: "Every live entry of a session's working memory, by key (the scope must name a session).",
      query: scopeQuerySchema,
      status: 200,
      handle: async (c) => ({ entries: await memory.working.list(queryScope(c)) }),
    },
    {
      method: 'get',
      path: '/v1/working/{key}',
      role: 'read',
      summary: 'One working-memory entry of the session.',
      pathParameters: keyParameter,
      query: scopeQuerySchema,
      status: 200,
      handle: async (c) => memory.working.get(pathParameter(c, 'key'), queryScope(c)),
    },
    {
      method: 'put',
      path: '/v1/working/{key}',
      role: 'write',
      summary: 'Set a working-memory entry of the session to any JSON value, optionally with a TTL.',
      pathParameters: keyParameter,
      body: workingSetBodySchema,
      status: 200,
      async handle(c) {
        const { scope, fields } = await readScopedBody(c, workingSetBodySchema, 'working memory request');
        const { value, ...expiry } = fields;
        return memory.working.set(pathParameter(c, 'key'), value as JsonValue, { ...scope, ...expiry });
      },
    },
    {
      method: 'delete',
      path: '/v1/working/{key}',
      role: 'write',
      summary: 'Delete one working-memory entry (404 when the session has no such entry).',
      pathParameters: keyParameter,
      query: scopeQuerySchema,
      status: 200,
      async handle(c) {
        const key = pathParameter(c, 'key');
        const result = await memory.working.delete(key, queryScope(c));
        if (!result.deleted) throw notFound('Working memory entry', key);
        return result;
      },
    },
    {
      method: 'delete',
      path: '/v1/working',
      role: 'write',
      summary: "Empty the session's working memory.",
      query: scopeQuerySchema,
      status: 200,
      handle: async (c) => memory.working.clear(queryScope(c)),
    },
  ];
}

function profileRoutes(memory: Memory): RestRoute[] {
  return [
    {
      method: 'get',
      path: '/v1/profile',
      role: 'read',
      summary:
        'The structured profile (topic → slot → { value, memoryId, observedAt }), optionally as of a time.',
      query: profileQuerySchema,
      status: 200,
      async handle(c) {
        const { scope, rest } = splitScope(c, readQuery(c, profileQuerySchema, 'profile query'));
        return { profile: await memory.profile.get({ ...scope, asOf: rest.asOf }) };
      },
    },
    {
      method: 'put',
      path: '/v1/profile/{path}',
      role: 'write',
      summary: 'Set a profile slot (`topic.slot`), superseding its current value.',
      pathParameters: pathOfSlot,
      body: profileSetBodySchema,
      status: 200,
      async handle(c) {
        const { scope, fields } = await readScopedBody(c, profileSetBodySchema, 'profile request');
        return memory.profile.set(pathParameter(c, 'path'), fields.value, scope);
      },
    },
    {
      method: 'delete',
      path: '/v1/profile/{path}',
      role: 'write',
      summary: 'Unset a profile slot (history keeps its values; 404 when the slot has no value).',
      pathParameters: pathOfSlot,
      query: scopeQuerySchema,
      status: 200,
      async handle(c) {
        const path = pathParameter(c, 'path');
        const result = await memory.profile.unset(path, queryScope(c));
        if (!result.removed) throw notFound('Profile slot', path);
        return result;
      },
    },
  ];
}

/**
 * The routes of `/v1/core`, `/v1/working` and `/v1/profile`, merged into the route table by `restRoutes`.
 *
 * @example
 * const routes = [...memoryRoutes, ...workingSetRoutes(memory)];
 */
export function workingSetRoutes(memory: Memory): RestRoute[] {
  return [...coreRoutes(memory), ...workingRoutes(memory), ...profileRoutes(memory)];
}
