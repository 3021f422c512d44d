// The structured profile (topic → slot → value) of a scope, read from its current `profile` memories.
import type { Scope } from '../../core/scope.js';
import type { MemoryStore } from '../../store/memory-store.js';

export interface ProfileSlot {
  value: string;
  memoryId: string;
  /** When it was said, ISO-8601 UTC. */
  observedAt: string;
}

export type Profile = Record<string, Record<string, ProfileSlot>>;

const PAGE_SIZE = 200;
/** A profile is small; reading stops after this many slots so a runaway scope cannot stall a call. */
const MAX_SLOTS = 2_000;

/**
 * Reads the profile of a scope: one entry per topic/slot from the current `profile` memories (when two
 * are current for one slot, the most recently observed wins). `now` (epoch ms) decides what is
 * current; pass `asOf` to read the profile as it was at an earlier instant.
 *
 * @example
 * const profile = await getProfile({ store, scope: parseScope({ userId: 'alice' }), now: Date.now() });
 * profile.preferences?.food?.value // 'vegetarian'
 */
export async function getProfile(input: {
  store: MemoryStore;
  scope: Scope;
  now: number;
  asOf?: number | undefined;
}): Promise<Profile> {
  const profile: Profile = {};
  let cursor: string | undefined;
  let read = 0;
  do {
    const page = await input.store.listMemories({
      scope: input.scope,
      filter: {
        kinds: ['profile'],
        now: input.now,
        asOf: input.asOf,
      },
      limit: PAGE_SIZE,
      cursor,
    });
    for (const record of page.items) {
      const { topic, slot, value } = record.attributes;
      if (typeof topic !== 'string' || typeof slot !== 'string') continue;
      const slots = profile[topic] ?? {};
      const existing = slots[slot];
      if (existing === undefined || Date.parse(existing.observedAt) < Date.parse(record.observedAt)) {
        slots[slot] = {
          value: typeof value === 'string' ? value : record.text,
          memoryId: record.id,
          observedAt: record.observedAt,
        };
      }
      profile[topic] = slots;
    }
    read += page.items.length;
    cursor = page.nextCursor;
  } while (cursor !== undefined && read < MAX_SLOTS);
  return profile;
}
