// The zod schemas of the sharing routes: spaces, grants and the audit log. The requests are validated with
// them (400 and nothing changed otherwise); the answers are named components of openapi.json.
import { z } from 'zod';
import {
  grantRoles,
  grantTargetSchema,
  grantTargetTypes,
  principalRefSchema,
  principalTypes,
  surfaces,
} from '../../core/access.js';
import { textSchema } from '../../core/validate.js';
import { auditActions } from '../../store/access-store.js';
import { recordScope } from './graph-schemas.js';
import { restScopeSchema, timeQuery } from './rest-schemas.js';

const { tenantId } = restScopeSchema.shape;
const idPart = restScopeSchema.shape.userId.unwrap();

/** True when a text holds a control character (a name is one line of readable text). */
function hasControlCharacter(text: string): boolean {
  return [...text].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);
}

/** `GET /v1/spaces`, `GET|DELETE /v1/spaces/{id}`: the tenant alone. */
export const tenantQuerySchema = z.strictObject({ tenantId });

/** `POST /v1/spaces`: a space of the key's tenant; `id` (what memories name as `spaceId`) defaults to `name`. */
export const spaceCreateBodySchema = z.strictObject({
  tenantId,
  name: textSchema
    .trim()
    .min(1)
    .max(200)
    .refine((name) => !hasControlCharacter(name), 'must not contain control characters')
    .describe('What people call the space (1-200 characters); also its id when `id` is left out.'),
  id: idPart
    .optional()
    .describe('The `spaceId` memories name (default: the name); 1-256 characters, no control characters.'),
  description: textSchema.trim().max(2_000).optional().describe('What the space is for.'),
});

const principal = principalRefSchema.describe(
  'Who holds the grant: `{ type: "user" | "agent" | "key", id }` (a key by its id, as `mnemo keys list` shows it).',
);
const target = grantTargetSchema.describe(
  'What the grant opens: `{ type: "space", id }` or `{ type: "user", id }` (that user\'s memory).',
);

/** `POST /v1/grants`: give (or change) a role. */
export const grantBodySchema = z.strictObject({
  tenantId,
  principal,
  target,
  role: z
    .enum(grantRoles)
    .describe('read ⊂ write ⊂ admin (admin also manages the grants and deletes a space).'),
});

/** `POST /v1/grants/revoke`: take a grant back. */
export const revokeBodySchema = z.strictObject({ tenantId, principal, target });

const pairIssue = (type: string, id: string) => ({
  message: `send \`${type}\` and \`${id}\` together, or neither`,
  path: [id],
});

/** `GET /v1/grants`: optionally of one principal and/or on one target (type and id together). */
export const grantsQuerySchema = z
  .strictObject({
    tenantId,
    principalType: z.enum(principalTypes).optional(),
    principalId: idPart.optional(),
    targetType: z.enum(grantTargetTypes).optional(),
    targetId: idPart.optional(),
  })
  .refine(
    (query) => (query.principalType === undefined) === (query.principalId === undefined),
    pairIssue('principalType', 'principalId'),
  )
  .refine(
    (query) => (query.targetType === undefined) === (query.targetId === undefined),
    pairIssue('targetType', 'targetId'),
  );

/** `GET /v1/audit`: rows about a scope or space (or the whole tenant), of a principal, an action, since a time. */
export const auditQuerySchema = restScopeSchema
  .extend({
    principalType: z.enum(principalTypes).optional(),
    principalId: idPart.optional(),
    action: z.enum(auditActions).optional(),
    since: timeQuery
      .optional()
      .describe('Rows whose last occurrence is at or after this time (ISO-8601 or epoch ms).'),
    limit: z
      .string()
      .regex(/^\d+$/, 'must be an integer')
      .transform(Number)
      .pipe(z.number().int().min(1).max(1000))
      .optional()
      .describe('Rows per page, 1-1000 (default 100).'),
    cursor: textSchema.max(512).optional(),
  })
  .strict()
  .refine(
    (query) => (query.principalType === undefined) === (query.principalId === undefined),
    pairIssue('principalType', 'principalId'),
  );

const isoTime = z.string().describe('ISO-8601 UTC.');

export const spaceSchema = z
  .object({
    id: z.string().describe('The `spaceId` its memories carry.'),
    tenantId: z.string(),
    name: z.string(),
    description: z.string().optional(),
    createdAt: isoTime,
  })
  .meta({ id: 'Space', description: 'A named, shared memory pool of a tenant.' });

export const grantSchema = z
  .object({
    tenantId: z.string(),
    principal: z.object({ type: z.enum(principalTypes), id: z.string() }),
    target: z.object({ type: z.enum(grantTargetTypes), id: z.string() }),
    role: z.enum(grantRoles),
    createdAt: isoTime,
  })
  .meta({ id: 'Grant', description: 'A role a user, agent or key holds on a space or on a user’s memory.' });

export const auditEntrySchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    scope: recordScope.describe(
      'The scope or space read or written (for administration: what it was about).',
    ),
    principal: z
      .string()
      .describe('Who acted: `agent:writer,user:alice,key:<id>`, or `owner` when nobody was named.'),
    surface: z.enum(surfaces),
    action: z.enum(auditActions),
    operation: z.string().describe('search, add, grant, space.create, …'),
    count: z.number().int().describe('Reads are aggregated per hour: how many this row stands for.'),
    at: isoTime.describe('The first (or only) occurrence.'),
    lastAt: isoTime.describe('The last occurrence.'),
    detail: z.string().optional().describe('Why it was refused, or what an administration changed.'),
  })
  .meta({
    id: 'AuditEntry',
    description: 'Who read or wrote which scope or space, when, through which surface.',
  });

export const spaceListSchema = z.object({ spaces: z.array(spaceSchema) });
export const grantListSchema = z.object({ grants: z.array(grantSchema) });
export const revokeResultSchema = z.object({
  revoked: z.boolean().describe('False when the principal held no grant on the target.'),
});
export const spaceDeleteResultSchema = z.object({
  memories: z.number().int().describe('Memories erased with the space.'),
  messages: z.number().int().describe('Messages erased with the space.'),
});
export const auditPageSchema = z.object({
  items: z.array(auditEntrySchema).describe('Newest first.'),
  nextCursor: z.string().optional(),
});
