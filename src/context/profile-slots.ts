// Profile slots written by hand (topic → slot → value), beside the ones inferred memory fills in: each
// slot is one current `profile` memory of the user, and a new value supersedes the old one.
import { z } from 'zod';
import type { AccessLevel, ScopeRequest, ScopeResolver } from '../core/access.js';
import type { Scope } from '../core/scope.js';
import { timeInputSchema } from '../core/time-input.js';
import { parseInput, textSchema } from '../core/validate.js';
import { buildDirectMemory, directScope, HAND_WRITTEN_IMPORTANCE } from '../ingest/direct-memory.js';
import { getProfile, type Profile, type ProfileSlot } from '../ingest/infer/get-profile.js';
import { currentKeyed, type KeyedMemoryDeps, retireKeyed, writeKeyedVersion } from './keyed-memories.js';

const nameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[\p{L}\p{N}_][\p{L}\p{N}_ -]{0,63}$/u, 'use 1-64 letters, digits, spaces, "_" or "-" (no dots)');
const valueSchema = textSchema.trim().min(1, 'must not be empty').max(2_000);

/** A profile slot's address: `topic.slot`, e.g. `food.allergies`. */
export function parseSlotPath(path: string): { topic: string; slot: string } {
  const dot = path.indexOf('.');
  return parseInput(
    z.object({ topic: nameSchema, slot: nameSchema }),
    dot < 0 ? { topic: path, slot: '' } : { topic: path.slice(0, dot), slot: path.slice(dot + 1) },
    `profile slot "${path}" (write it as <topic>.<slot>, e.g. food.allergies)`,
  );
}

async function slotScope(
  resolve: ScopeResolver,
  options: ScopeRequest,
  access: AccessLevel,
  operation: string,
): Promise<Scope> {
  // The resolver reads the scope fields and the caller, nothing else of the options.
  return directScope('profile', await resolve(options, access, operation));
}

/**
 * The `memory.profile` namespace: read the structured profile, set a slot, unset it.
 *
 * @example
 * await memory.profile.set('food.allergies', 'peanuts', { userId: 'erin' });
 * (await memory.profile.get({ userId: 'erin' })).food?.allergies?.value // 'peanuts'
 */
export function createProfileSlots(deps: KeyedMemoryDeps) {
  const slotsOf = (scope: Scope, topic: string, slot: string) =>
    currentKeyed(deps, {
      scope,
      kind: 'profile',
      exactScope: true,
      matches: (attributes) => attributes.topic === topic && attributes.slot === slot,
    });
  return {
    /** The profile the caller sees (its user's, and its agent's when one is named), optionally as of a time. */
    async get(options: ScopeRequest & { asOf?: string | number | Date | undefined } = {}): Promise<Profile> {
      const { asOf, ...scopeOptions } = options;
      const at = asOf === undefined ? undefined : parseInput(timeInputSchema, asOf, 'asOf');
      return getProfile({
        store: deps.store,
        scope: await deps.resolve(scopeOptions, 'read', 'profile.get'),
        now: deps.clock.now(),
        asOf: at,
      });
    },
    /** Sets `topic.slot` to `value` in the caller's user (and agent) scope, superseding the current value. */
    async set(
      path: string,
      value: string,
      options: ScopeRequest,
    ): Promise<ProfileSlot & { topic: string; slot: string }> {
      const { topic, slot } = parseSlotPath(path);
      const text = parseInput(valueSchema, value, 'profile value');
      const scope = await slotScope(deps.resolve, options, 'write', 'profile.set');
      const existing = await slotsOf(scope, topic, slot);
      const now = deps.clock.now();
      const write = buildDirectMemory({
        id: deps.ids(),
        scope,
        kind: 'profile',
        text,
        observedAt: now,
        now,
        importance: HAND_WRITTEN_IMPORTANCE,
        indexPrefix: `${topic} ${slot}: `,
        attributes: { topic, slot, value: text },
      });
      const record = await writeKeyedVersion(deps, { write, existing, reason: 'profile slot set' });
      return { topic, slot, value: text, memoryId: record.id, observedAt: record.observedAt };
    },
    /** Retires the slot's current value (history keeps it). */
    async unset(path: string, options: ScopeRequest): Promise<{ removed: boolean }> {
      const { topic, slot } = parseSlotPath(path);
      const scope = await slotScope(deps.resolve, options, 'write', 'profile.unset');
      const existing = await slotsOf(scope, topic, slot);
      return { removed: await retireKeyed(deps, { existing, reason: 'profile slot unset' }) };
    },
  };
}

export type ProfileSlots = ReturnType<typeof createProfileSlots>;
