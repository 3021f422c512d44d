// Working memory: a per-session scratchpad of named entries (a plan, variables, intermediate results)
// that context() shows beside long-term memory and that goes away with its session or its TTL.
import { z } from 'zod';
import type { AccessLevel, ScopeRequest, ScopeResolver } from '../core/access.js';
import type { Clock } from '../core/clock.js';
import { MnemoError, notFound } from '../core/errors.js';
import type { JsonValue, WorkingEntry } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import { timeInputSchema } from '../core/time-input.js';
import { boundedJson, parseInput, textSchema } from '../core/validate.js';
import type { MemoryStore } from '../store/memory-store.js';

/** Bounds of one session's working memory. */
export const workingMemoryLimits = {
  /** Live entries per session. */
  entries: 256,
  /** Characters of one entry's value as JSON. */
  valueChars: 32_768,
  /** Levels of nested objects and arrays in one entry's value. */
  depth: 32,
  /** The longest time-to-live: a year. */
  ttlMs: 365 * 86_400_000,
} as const;

const keySchema = textSchema
  .trim()
  .min(1, 'must not be empty')
  .max(128)
  .refine(
    (value) => ![...value].some((char) => char.charCodeAt(0) < 0x20),
    'must not contain control characters',
  );
/** A value: any JSON, checked without recursion (depth, size, text) before `z.json()` walks it. */
export const workingValueSchema = boundedJson(
  { maxDepth: workingMemoryLimits.depth, maxChars: workingMemoryLimits.valueChars },
  z.json(),
);
const setOptionsSchema = z
  .object({
    ttlMs: z.number().int().min(1).max(workingMemoryLimits.ttlMs).optional(),
    expiresAt: timeInputSchema.optional(),
  })
  .refine(
    (value) => value.ttlMs === undefined || value.expiresAt === undefined,
    'give ttlMs or expiresAt, not both',
  );

export type WorkingSetOptions = ScopeRequest & {
  ttlMs?: number | undefined;
  expiresAt?: string | number | Date | undefined;
};

/** Working memory belongs to one session: the scope must name it. */
async function sessionScope(
  resolve: ScopeResolver,
  options: ScopeRequest,
  access: AccessLevel,
  operation: string,
): Promise<Scope> {
  // The resolver reads the scope fields and the caller; `ttlMs` and `expiresAt` are left aside.
  const scope = await resolve(options, access, operation);
  if (scope.sessionId === undefined) {
    throw new MnemoError({
      code: 'SCOPE_REQUIRED',
      message: 'Working memory belongs to a session: pass sessionId (--session).',
    });
  }
  return scope;
}

/**
 * The `memory.working` namespace. Entries belong to exactly the scope they were written with (tenant,
 * user, agent and session); they are never searched nor exported, and `forgetScope` of the session (or
 * its user) erases them.
 *
 * @example
 * await memory.working.set('plan', 'book the flight', { userId: 'erin', sessionId: 's9', ttlMs: 3_600_000 });
 * const { value } = await memory.working.get('plan', { userId: 'erin', sessionId: 's9' });
 */
export function createWorkingMemory(deps: { store: MemoryStore; clock: Clock; resolve: ScopeResolver }) {
  const { store, clock } = deps;
  const scopeOf = (options: ScopeRequest, access: AccessLevel, operation: string) =>
    sessionScope(deps.resolve, options, access, operation);
  return {
    async set(key: string, value: JsonValue, options: WorkingSetOptions): Promise<WorkingEntry> {
      const name = parseInput(keySchema, key, 'working memory key');
      const parsedValue = parseInput(workingValueSchema, value, 'working memory value') as JsonValue;
      const { ttlMs, expiresAt } = parseInput(
        setOptionsSchema,
        { ttlMs: options.ttlMs, expiresAt: options.expiresAt },
        'working memory options',
      );
      const scope = await scopeOf(options, 'write', 'working.set');
      const now = clock.now();
      const expiry = ttlMs === undefined ? expiresAt : now + ttlMs;
      if (expiry !== undefined && expiry <= now) {
        throw new MnemoError({ code: 'INVALID_INPUT', message: 'expiresAt must be in the future.' });
      }
      return store.setWorkingEntry({
        scope,
        key: name,
        value: parsedValue,
        expiresAt: expiry,
        at: now,
        maxEntries: workingMemoryLimits.entries,
      });
    },
    async get(key: string, options: ScopeRequest): Promise<WorkingEntry> {
      const name = parseInput(keySchema, key, 'working memory key');
      const [entry] = await store.listWorkingEntries({
        scope: await scopeOf(options, 'read', 'working.get'),
        keys: [name],
        now: clock.now(),
      });
      if (entry === undefined) throw notFound('Working memory entry', name);
      return entry;
    },
    /** Every live entry of the session, by key. */
    async list(options: ScopeRequest): Promise<WorkingEntry[]> {
      return store.listWorkingEntries({
        scope: await scopeOf(options, 'read', 'working.list'),
        now: clock.now(),
      });
    },
    async delete(key: string, options: ScopeRequest): Promise<{ deleted: boolean }> {
      const name = parseInput(keySchema, key, 'working memory key');
      const { deleted } = await store.deleteWorkingEntries({
        scope: await scopeOf(options, 'write', 'working.delete'),
        keys: [name],
        now: clock.now(),
      });
      return { deleted: deleted > 0 };
    },
    /** Empties the session's working memory. */
    async clear(options: ScopeRequest): Promise<{ deleted: number }> {
      return store.deleteWorkingEntries({
        scope: await scopeOf(options, 'write', 'working.clear'),
        now: clock.now(),
      });
    },
  };
}

export type WorkingMemory = ReturnType<typeof createWorkingMemory>;
