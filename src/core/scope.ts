// Scope: tenant → user → agent → session, or tenant → space. Every read and write carries one; none can be
// widened (a read reaches shared spaces only through `sharedSpaces`, which grants set; see core/access.ts).
import { z } from 'zod';
import { MnemoError } from './errors.js';
import { textSchema } from './validate.js';

const scopePart = textSchema
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
  /** A shared memory pool of the tenant (see core/access.ts); never combined with the other levels. */
  spaceId: scopePart.optional(),
});

/**
 * A parsed scope: `tenantId` always set, the narrower levels when given. A space scope is `{ tenantId,
 * spaceId }` alone. `sharedSpaces` never comes from input: only the access check (core/access.ts) sets it,
 * on read scopes, to the spaces the caller was granted.
 */
export type Scope = z.infer<typeof scopeSchema> & {
  readonly sharedSpaces?: readonly string[];
  /**
   * Set only by the access check, for a caller bound to an agent but to no user: without a user, the
   * scope spans the agent's own memories (no user), never users' memories with that agent (those need a
   * grant on the user, and a request naming the user).
   */
  readonly withoutUsers?: true;
};
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
  if (scope.spaceId !== undefined) {
    if (scope.userId !== undefined || scope.agentId !== undefined || scope.sessionId !== undefined) {
      throw new MnemoError({
        code: 'INVALID_INPUT',
        message:
          'A space scope is { tenantId, spaceId } alone: a memory lives in one user scope or one space, never both.',
      });
    }
    return scope;
  }
  if (scope.userId === undefined && scope.agentId === undefined && scope.sessionId === undefined) {
    throw new MnemoError({
      code: 'SCOPE_REQUIRED',
      message:
        'A scope needs at least one of userId, agentId, sessionId or spaceId (use --user/--agent/--session/--space on the CLI).',
    });
  }
  return scope;
}

/**
 * Storage keeps a space in the user level under a prefix no validated id can contain (ids refuse control
 * characters), so every table, index and partition serves spaces without a fifth scope column, and no user
 * id can ever name a space's rows.
 */
const SPACE_LEVEL_PREFIX = '\u0001space:';

/**
 * The value a scope stores in its user level: the user id, a space's reserved form, or undefined.
 *
 * @example
 * userLevelOf({ tenantId: 't1', userId: 'alice' }); // 'alice'
 * userLevelOf({ tenantId: 't1', spaceId: 'research' }) === '\u0001space:research'; // true
 */
export function userLevelOf(scope: {
  userId?: string | undefined;
  spaceId?: string | undefined;
  withoutUsers?: true | undefined;
}): string | undefined {
  if (scope.spaceId !== undefined) return `${SPACE_LEVEL_PREFIX}${scope.spaceId}`;
  // '' is how storage says "no user": a scope without users spans only rows that name none.
  return scope.userId ?? (scope.withoutUsers ? '' : undefined);
}

/**
 * The scope of stored levels ('' or undefined for absent ones): the inverse of `userLevelOf`.
 *
 * @example
 * scopeFromLevels({ tenantId: 't1', userLevel: '\u0001space:research' }); // { tenantId: 't1', spaceId: 'research' }
 */
export function scopeFromLevels(levels: {
  tenantId: string;
  userLevel?: string | undefined;
  agentId?: string | undefined;
  sessionId?: string | undefined;
}): Scope {
  const scope: Scope = { tenantId: levels.tenantId };
  const { userLevel } = levels;
  if (userLevel !== undefined && userLevel !== '') {
    if (userLevel.startsWith(SPACE_LEVEL_PREFIX)) scope.spaceId = userLevel.slice(SPACE_LEVEL_PREFIX.length);
    else scope.userId = userLevel;
  }
  if (levels.agentId !== undefined && levels.agentId !== '') scope.agentId = levels.agentId;
  if (levels.sessionId !== undefined && levels.sessionId !== '') scope.sessionId = levels.sessionId;
  return scope;
}

/**
 * True when `record` lies inside `filter`: same tenant, and equal on every level `filter` names (the
 * filter's scope and everything below it). Used where a scope is a container — forgetting a scope,
 * usage totals, stats, dumps and the message log — never to decide what a read sees (see `isVisible`).
 */
export function scopeContains(filter: Scope, record: Scope): boolean {
  const userLevel = userLevelOf(filter);
  return (
    filter.tenantId === record.tenantId &&
    (userLevel === undefined || userLevel === (userLevelOf(record) ?? '')) &&
    (filter.agentId === undefined || filter.agentId === record.agentId) &&
    (filter.sessionId === undefined || filter.sessionId === record.sessionId)
  );
}

/**
 * One shape of scope a caller may see, in stored levels (`userId` holds `userLevelOf`, so a space's pattern
 * names its reserved user level). Per level: a string matches that value, `null` matches records that leave
 * the level out, and a missing key matches anything.
 */
export interface ScopePattern {
  tenantId: string;
  userId?: string | null;
  agentId?: string | null;
  sessionId?: string | null;
}

/** `read`: what searches and lists return. `write`: what updates and forgets by id may change. */
export type ScopeAccess = 'read' | 'write';

/**
 * THE visibility rule, written once: the scope patterns a caller with `scope` may see. Stores compile
 * these patterns to SQL; `isVisible` checks one record against them.
 *
 * A caller sees its own scope, everything below it, and its ancestors inside the same user:
 * - with a user: that user's memories whose agent and session each equal the caller's or are absent
 *   (levels the caller leaves out match anything) — {user u, session s} sees u's session-less memories
 *   and s's, never another session's; {user u, agent a} sees u's agent-less memories and a's;
 * - agent-wide memories (agent a, no user; no session or the caller's session) are seen by callers that
 *   name agent a — for `read` only: a user's caller may not change an agent's shared memory;
 * - without a user: everything below the caller (every level it names is equal), plus the agent-wide
 *   memories of its agent when it also names a session.
 * - a space scope: that space's memories, and nothing else;
 * - `sharedSpaces` (set only by the access check, for reads): those spaces' memories too.
 * Never another tenant, never another user's, another agent's or another session's memories, never a space
 * the caller was not granted.
 *
 * @example
 * visibleScopePatterns({ tenantId: 't', userId: 'u', sessionId: 's' })
 * // [{ tenantId: 't', userId: 'u', sessionId: 's' }, { tenantId: 't', userId: 'u', sessionId: null }]
 */
export function visibleScopePatterns(scope: Scope, access: ScopeAccess = 'read'): ScopePattern[] {
  const { tenantId, userId, agentId, sessionId } = scope;
  const levels = (value: string | undefined): Array<string | null | undefined> =>
    value === undefined ? [undefined] : [value, null];
  const patterns: ScopePattern[] = [];
  if (scope.spaceId !== undefined) {
    patterns.push(spacePattern(tenantId, scope.spaceId));
  } else if (userId !== undefined) {
    for (const agent of levels(agentId)) {
      for (const session of levels(sessionId)) {
        patterns.push(pattern({ tenantId, userId, agentId: agent, sessionId: session }));
      }
    }
  } else {
    patterns.push(pattern({ tenantId, userId: scope.withoutUsers ? null : undefined, agentId, sessionId }));
  }
  if (agentId !== undefined && access === 'read') {
    // The agent's own memories, shared by every user it serves.
    const sessions = userId === undefined ? (sessionId === undefined ? [] : [null]) : levels(sessionId);
    for (const session of sessions) {
      patterns.push(pattern({ tenantId, userId: null, agentId, sessionId: session ?? null }));
    }
  }
  if (access === 'read') {
    for (const spaceId of scope.sharedSpaces ?? []) {
      if (spaceId !== scope.spaceId) patterns.push(spacePattern(tenantId, spaceId));
    }
  }
  return patterns;
}

function spacePattern(tenantId: string, spaceId: string): ScopePattern {
  return { tenantId, userId: userLevelOf({ spaceId }) ?? null, agentId: null, sessionId: null };
}

/** A pattern with its `undefined` levels (match anything) left out, so patterns compare and compile exactly. */
function pattern(levels: {
  tenantId: string;
  userId?: string | null | undefined;
  agentId?: string | null | undefined;
  sessionId?: string | null | undefined;
}): ScopePattern {
  const out: ScopePattern = { tenantId: levels.tenantId };
  if (levels.userId !== undefined) out.userId = levels.userId;
  if (levels.agentId !== undefined) out.agentId = levels.agentId;
  if (levels.sessionId !== undefined) out.sessionId = levels.sessionId;
  return out;
}

/** True when `record` matches `pattern` (see ScopePattern). */
export function matchesScopePattern(pattern: ScopePattern, record: Scope): boolean {
  const level = (wanted: string | null | undefined, actual: string | undefined): boolean =>
    wanted === undefined || (wanted === null ? actual === undefined : wanted === actual);
  return (
    pattern.tenantId === record.tenantId &&
    level(pattern.userId, userLevelOf(record)) &&
    level(pattern.agentId, record.agentId) &&
    level(pattern.sessionId, record.sessionId)
  );
}

/**
 * True when a caller with `scope` may see (`read`) or change (`write`) a memory of scope `record`.
 *
 * @example
 * isVisible({ tenantId: 'default', userId: 'erin', sessionId: 's9' }, { tenantId: 'default', userId: 'erin' }) // true
 */
export function isVisible(scope: Scope, record: Scope, access: ScopeAccess = 'read'): boolean {
  return visibleScopePatterns(scope, access).some((candidate) => matchesScopePattern(candidate, record));
}

/**
 * The scope without the shared spaces a read was granted: the caller's own (its conversation, its profile).
 *
 * @example
 * ownScope({ tenantId: 't1', userId: 'u1', sharedSpaces: ['research'] }); // { tenantId: 't1', userId: 'u1' }
 */
export function ownScope(scope: Scope): Scope {
  if (scope.sharedSpaces === undefined) return scope;
  const { sharedSpaces: _shared, ...own } = scope;
  return own;
}

/**
 * The levels of a scope alone (tenant, user, agent, session, space), without what the access check adds
 * for reads (`sharedSpaces`, `withoutUsers`): the scope a new record or message is stored in.
 *
 * @example
 * scopeLevels({ tenantId: 't1', agentId: 'a', withoutUsers: true }); // { tenantId: 't1', agentId: 'a' }
 */
export function scopeLevels(scope: Scope): Scope {
  const { sharedSpaces: _shared, withoutUsers: _withoutUsers, ...levels } = scope;
  return levels;
}

/** True when two scopes are the same on every level (tenant, user, agent, session). */
export function sameScope(left: Scope, right: Scope): boolean {
  return (
    left.tenantId === right.tenantId &&
    left.userId === right.userId &&
    left.agentId === right.agentId &&
    left.sessionId === right.sessionId &&
    left.spaceId === right.spaceId
  );
}

/**
 * A key that is equal for two scopes exactly when `sameScope` says they are the same: for maps and sets of
 * exact scopes.
 *
 * @example
 * scopeKey({ tenantId: 't1', userId: 'alice' }); // '["t1","alice","",""]'
 */
export function scopeKey(scope: Scope): string {
  return JSON.stringify([
    scope.tenantId,
    userLevelOf(scope) ?? '',
    scope.agentId ?? '',
    scope.sessionId ?? '',
  ]);
}

/** A short human label for a scope, e.g. `default/user:alice/session:s1`. */
export function describeScope(scope: Scope): string {
  const parts = [scope.tenantId];
  if (scope.spaceId !== undefined) parts.push(`space:${scope.spaceId}`);
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
  if (scope.spaceId !== undefined) out.spaceId = scope.spaceId;
  return out;
}
