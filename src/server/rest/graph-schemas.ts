// The zod schemas of the /v1/graph routes: queries and the merge body (validated), and the Entity, Relation
// and EntityMerge records they answer with (named components of openapi.json, checked against real answers).
import { z } from 'zod';
import { entityTypes } from '../../core/graph.js';
import { textSchema } from '../../core/validate.js';
import { booleanQuery, restScopeSchema, timeQuery } from './rest-schemas.js';

/** A whole number from `min` to `max` in a query string. */
function integerQuery(bounds: { min: number; max: number }) {
  return z
    .string()
    .regex(/^\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(bounds.min).max(bounds.max));
}

const entityName = textSchema.max(512).describe('An entity: its id, name or any alias (case-insensitive).');
const asOf = timeQuery.optional().describe('Valid time: the relations that held at this time.');
const knownAt = timeQuery.optional().describe('Record time: the relations as Mnemo knew them at this time.');

/** Query of `GET /v1/graph/entities`. */
export const entitiesQuerySchema = restScopeSchema
  .extend({
    query: textSchema
      .max(512)
      .optional()
      .describe('Only entities with a name or alias containing this text.'),
    type: z.enum(entityTypes).optional(),
    limit: integerQuery({ min: 1, max: 500 }).optional().describe('Page size, 1-500 (default 50).'),
    cursor: textSchema.max(512).optional().describe('The `nextCursor` of the previous page.'),
  })
  .strict();

/** Query of `GET /v1/graph/entities/{nameOrId}`. */
export const entityQuerySchema = restScopeSchema.extend({ asOf, knownAt }).strict();

/** Query of `GET /v1/graph/entities/{nameOrId}/neighbours`. */
export const neighboursQuerySchema = restScopeSchema
  .extend({
    hops: z
      .enum(['1', '2'])
      .transform((value) => (value === '1' ? 1 : 2))
      .optional()
      .describe('1 (direct relations, default) or 2.'),
    asOf,
    limit: integerQuery({ min: 1, max: 200 })
      .optional()
      .describe('At most this many neighbours, 1-200 (default 50).'),
  })
  .strict();

/** Query of `GET /v1/graph/relations`. */
export const relationsQuerySchema = restScopeSchema
  .extend({
    entity: entityName.optional(),
    predicate: textSchema.max(128).optional().describe('Only this predicate, e.g. `lives_in`.'),
    asOf,
    knownAt,
    current: booleanQuery.optional().describe('Only relations that still hold (ignored with `asOf`).'),
    limit: integerQuery({ min: 1, max: 1000 })
      .optional()
      .describe('At most this many, 1-1000 (default 200).'),
  })
  .strict();

/** Query of `GET /v1/graph/merges`. */
export const mergesQuerySchema = restScopeSchema
  .extend({
    entity: entityName.optional(),
    limit: integerQuery({ min: 1, max: 500 }).optional().describe('At most this many, 1-500 (default 100).'),
  })
  .strict();

/** `POST /v1/graph/merges`: merge the entity `merge` into `keep`. */
export const mergeBodySchema = restScopeSchema
  .extend({
    keep: entityName.describe('The entity that stays (id, name or alias).'),
    merge: entityName.describe('The entity merged into it: its names, mentions and relations move over.'),
  })
  .strict();

// The records the routes answer with. Named (`id`), they become shared components of openapi.json.
export const recordScope = z
  .object({
    tenantId: z.string(),
    userId: z.string().optional(),
    agentId: z.string().optional(),
    sessionId: z.string().optional(),
    spaceId: z.string().optional().describe('Set on what lives in a shared space (alone with tenantId).'),
  })
  .meta({ id: 'RecordScope' });

const isoTime = z.string().describe('ISO-8601 UTC.');

export const entityRecordSchema = z
  .object({
    id: z.string(),
    scope: recordScope,
    name: z.string(),
    aliases: z.array(z.string()).describe('Other names it goes by, excluding `name`.'),
    type: z.enum(entityTypes),
    summary: z.string().optional(),
    firstSeen: isoTime,
    lastSeen: isoTime,
    mentions: z.number().int().optional().describe('How many memories the caller may see mention it.'),
  })
  .meta({ id: 'Entity', description: 'Someone or something memories mention, resolved across its names.' });

const entityRefSchema = z
  .object({ id: z.string(), name: z.string(), type: z.enum(entityTypes) })
  .meta({ id: 'EntityRef' });

export const relationRecordSchema = z
  .object({
    id: z.string(),
    scope: recordScope,
    subject: entityRefSchema,
    predicate: z.string(),
    object: z.union([entityRefSchema, z.object({ literal: z.string() })]),
    fact: z.string().describe('The sentence it was read from.'),
    validFrom: isoTime,
    validTo: isoTime.optional().describe('When it stopped holding; absent while it holds.'),
    invalidatedBy: z.string().optional().describe('The relation that closed this one.'),
    observedAt: isoTime,
    recordedAt: isoTime,
    closedAt: isoTime.optional(),
    sourceMemoryIds: z.array(z.string()),
    confidence: z.number(),
  })
  .meta({
    id: 'Relation',
    description: 'A dated statement about an entity, valid from validFrom until validTo.',
  });

export const entityMergeRecordSchema = z
  .object({
    id: z.string(),
    keptId: z.string(),
    mergedId: z.string(),
    mergedName: z.string(),
    at: isoTime,
    actor: z.string(),
    undoneAt: isoTime.optional(),
  })
  .meta({ id: 'EntityMerge', description: 'A recorded merge of two entities, reversible by its id.' });

/** `GET /v1/graph/entities`. */
export const entityPageSchema = z.object({
  items: z.array(entityRecordSchema),
  nextCursor: z.string().optional(),
});

/** `GET /v1/graph/entities/{nameOrId}`. */
export const entityDetailSchema = z.object({
  entity: entityRecordSchema,
  relations: z.array(relationRecordSchema).describe('Current and closed, oldest first.'),
  merges: z.array(entityMergeRecordSchema),
});

/** `GET /v1/graph/entities/{nameOrId}/neighbours`. */
export const neighboursSchema = z.object({
  entity: entityRecordSchema,
  neighbours: z.array(
    z.object({
      entity: entityRecordSchema,
      hops: z.union([z.literal(1), z.literal(2)]),
      via: z.array(relationRecordSchema).describe('The relations of the last hop.'),
    }),
  ),
});

export const relationListSchema = z.object({ relations: z.array(relationRecordSchema) });
export const mergeListSchema = z.object({ merges: z.array(entityMergeRecordSchema) });
