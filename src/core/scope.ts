// Scope: tenant → user → agent → session. Every read and write carries one; none can be widened.
import { z } from 'zod';
import { MnemoError } from './errors.js';

const scopePart = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters')
  .refine(
    (value) => ![...value].some((char) => char.charCodeAt(0) < 0x20),
    'must not contain control characters',
  );

export const scopeSchema = z.object({
  tenantId: scopePart.default('default'),
  userId: scopePart.optional(),
  agentId: scopePart.optional(),
  sessionId: scopePart.optional(),
});

/** A parsed scope: `tenantId` always set, the narrower levels when given. */
export type Scope = z.infer<typeof scopeSchema>;
/** What callers pass: every field optional, `tenantId` defaults to `"default"`. */
export type ScopeInput = z.input<typeof scopeSchema>;

export const DEFAULT_TENANT = 'default';

/**
 * Parses a scope and insists on at least one of `userId`, `agentId`, `sessionId`: Mnemo never reads
 * or writes a whole tenant by accident.
 */
export function parseScope(input: unknown): Scope {
  const parsed = scopeSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: `Invalid scope: ${z.prettifyError(parsed.error)}`,
      details: { issues: parsed.error.issues },
    });
  }
  const scope = stripUndefined(parsed.data);
  if (scope.userId === undefined && scope.agentId === undefined && scope.sessionId === undefined) {
    throw new MnemoError({
      code: 'SCOPE_REQUIRED',
      message:
        'A scope needs at least one of userId, agentId or sessionId (use --user/--agent/--session on the CLI).',
    });
  }
  return scope;
}

/** True when `record` lies inside `filter`: same tenant, and equal on every level `filter` names. */
export function scopeContains(filter: Scope, record: Scope): boolean {
  return (
    filter.tenantId === record.tenantId &&
    (filter.userId === undefined || filter.userId === record.userId) &&
    (filter.agentId === undefined || filter.agentId === record.agentId) &&
    (filter.sessionId === undefined || filter.sessionId === record.sessionId)
  );
}

/** True when two scopes are the same on every level (tenant, user, agent, session). */
export function sameScope(left: Scope, right: Scope): boolean {
  return (
    left.tenantId === right.tenantId &&
    left.userId === right.userId &&
    left.agentId === right.agentId &&
    left.sessionId === right.sessionId
  );
}

/** A short human label for a scope, e.g. `default/user:alice/session:s1`. */
export function describeScope(scope: Scope): string {
  const parts = [scope.tenantId];
  if (scope.userId !== undefined) parts.push(`user:${scope.userId}`);
  if (scope.agentId !== undefined) parts.push(`agent:${scope.agentId}`);
  if (scope.sessionId !== undefined) parts.push(`session:${scope.sessionId}`);
  return parts.join('/');
}

function stripUndefined(scope: Scope): Scope {
  const out: Scope = { tenantId: scope.tenantId };
  if (scope.userId !== undefined) out.userId = scope.userId;
  if (scope.agentId !== undefined) out.agentId = scope.agentId;
  if (scope.sessionId !== undefined) out.sessionId = scope.sessionId;
  return out;
}
