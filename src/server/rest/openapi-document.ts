// openapi.json: an OpenAPI 3.1 document generated from the same zod schemas that validate the requests.
import { z } from 'zod';
import { pathParameterNames, type RestRoute } from './rest-route.js';

type JsonSchema = Record<string, unknown>;

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: {
          type: 'string',
          description: 'Stable error code, e.g. INVALID_INPUT, NOT_FOUND, UNAUTHORIZED',
        },
        message: { type: 'string' },
        details: { type: 'object' },
      },
    },
  },
};

const errorStatuses: Record<string, string> = {
  '400': 'Invalid input (malformed JSON, wrong types, missing scope)',
  '401': 'Missing, unknown or revoked API key',
  '403':
    "FORBIDDEN: the key's role is too low, the request names another tenant, the key is bound to another user, agent or space, or no grant allows it (refusals are audited; nothing is changed)",
  '404': 'Not found in this scope and tenant',
  '409': 'Conflicts with the current state (e.g. unmerge of a memory that is not a merge)',
  '413': 'Body larger than the server limit',
  '415': 'A body not sent as Content-Type: application/json',
  '429': 'Rate limit of the key passed (see the Retry-After header)',
  '500': 'Internal error (no internals are returned)',
};

/** Shared schemas of the document; `$defs` of each request schema are moved here so `$ref`s resolve. */
interface Components {
  schemas: Record<string, JsonSchema>;
  byRaw: Map<string, string>;
}

function toJsonSchema(schema: z.ZodType, components: Components): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as JsonSchema;
  delete json.$schema;
  const definitions = (json.$defs ?? {}) as Record<string, JsonSchema>;
  delete json.$defs;
  // zod names the definition of a schema with an `id` (Entity, Relation) after it, and copies the id into
  // it: not a keyword of OpenAPI's JSON Schema.
  delete json.id;
  for (const definition of Object.values(definitions)) delete definition.id;
  const targets = new Map<string, string>();
  for (const [name, definition] of Object.entries(definitions)) {
    // The same zod schema yields the same raw definition: reuse its component instead of adding a twin.
    const raw = JSON.stringify(definition);
    const known = components.byRaw.get(raw);
    if (known !== undefined) {
      targets.set(name, known);
      continue;
    }
    const base = name.replace(/^_+/, '') || 'Schema';
    let target = base;
    for (let suffix = 2; components.schemas[target] !== undefined; suffix += 1) target = `${base}${suffix}`;
    components.byRaw.set(raw, target);
    targets.set(name, target);
  }
  // Recursive definitions (such as JSON values) point at themselves: rewrite their refs too.
  const rewrite = (value: JsonSchema): JsonSchema => {
    let text = JSON.stringify(value);
    for (const [name, target] of targets) {
      text = text.replaceAll(`"#/$defs/${name}"`, `"#/components/schemas/${target}"`);
    }
    return JSON.parse(text) as JsonSchema;
  };
  for (const [name, definition] of Object.entries(definitions)) {
    components.schemas[targets.get(name)!] = rewrite(definition);
  }
  return rewrite(json);
}

/**
 * The JSON Schema of a success body. A named schema (zod `id`) is referenced as its component, so that every
 * route answering an Entity points at one `#/components/schemas/Entity`.
 */
function responseSchema(schema: z.ZodType, components: Components): JsonSchema {
  if (z.globalRegistry.get(schema)?.id === undefined) return toJsonSchema(schema, components);
  // zod inlines a named schema at the top but references it from inside: wrap it, and take the reference.
  const wrapped = toJsonSchema(z.array(schema), components);
  return wrapped.items as JsonSchema;
}

function queryParameters(schema: z.ZodType, components: Components): JsonSchema[] {
  const json = toJsonSchema(schema, components);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    const parameter: JsonSchema = { name, in: 'query', required: required.has(name), schema: rest };
    if (typeof description === 'string') parameter.description = description;
    return parameter;
  });
}

function operation(route: RestRoute, components: Components): JsonSchema {
  const parameters: JsonSchema[] = pathParameterNames(route.path).map((name) => {
    const parameter: JsonSchema = { name, in: 'path', required: true, schema: { type: 'string' } };
    const description = route.pathParameters?.[name];
    if (description !== undefined) parameter.description = description;
    return parameter;
  });
  if (route.query !== undefined) parameters.push(...queryParameters(route.query, components));
  for (const [name, description] of Object.entries(route.headers ?? {})) {
    parameters.push({
      name,
      in: 'header',
      required: false,
      description,
      schema: { type: 'string', maxLength: 255 },
    });
  }
  const responses: JsonSchema = {
    [String(route.status)]: {
      description: 'Success',
      content: {
        'application/json': {
          schema:
            route.response === undefined ? { type: 'object' } : responseSchema(route.response, components),
        },
      },
    },
  };
  for (const [status, description] of Object.entries(errorStatuses)) {
    responses[status] = {
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  const result: JsonSchema = {
    summary: route.summary,
    description: `Needs an API key with role \`${route.role}\` or higher.`,
    parameters,
    responses,
  };
  if (route.body !== undefined) {
    result.requestBody = {
      required: route.optionalBody !== true,
      content: { 'application/json': { schema: toJsonSchema(route.body, components) } },
    };
  }
  return result;
}

/**
 * Builds the OpenAPI 3.1 document of the given routes, plus `/healthz` and `/openapi.json`.
 *
 * @example
 * const document = buildOpenApiDocument({ routes: restRoutes(memory), version: '0.1.0' });
 */
export function buildOpenApiDocument(options: { routes: RestRoute[]; version: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {
    '/healthz': {
      get: {
        summary: 'Liveness check (no key needed).',
        security: [],
        responses: { '200': { description: 'OK' } },
      },
    },
    '/openapi.json': {
      get: {
        summary: 'This document (no key needed).',
        security: [],
        responses: { '200': { description: 'OK' } },
      },
    },
  };
  const components: Components = { schemas: { Error: errorSchema }, byRaw: new Map() };
  for (const route of options.routes) {
    const entry = paths[route.path] ?? {};
    entry[route.method] = operation(route, components);
    paths[route.path] = entry;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mnemo REST API',
      version: options.version,
      description:
        "Long-term memory for AI agents. Every /v1 request is bound to the tenant of its API key; a key bound to a user or agent acts only as that principal (the binding fills in the userId/agentId a request leaves out), a key bound to a space reaches only that space. `spaceId` names a shared space wherever userId/agentId/sessionId are accepted; reaching a space, or another user's memory from a bound key, needs a grant (see /v1/grants).",
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer mnemo_…' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
      schemas: components.schemas,
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths,
  };
}
