// The MemoryFilter semantics as one pure predicate, for backends and tests that filter in memory.
import type { MemoryRecord } from '../core/records.js';
import type { MemoryFilter } from './memory-store.js';

const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));

/**
 * True when `record` passes `filter` (scope is checked elsewhere). Every backend implements exactly this:
 * - never expired at `now` (expiresAt null or > now), whatever else is asked;
 * - with `knownAt` K: created at or before K (Mnemo knew it then); K defaults to `now`;
 * - the memory's validity ends at `validTo` (else at `retiredAt`) once it was retired at or before K; a
 *   memory retired after K was still open-ended at K (the change was not yet known);
 * - with `asOf` T: valid at T — validFrom (default observedAt) <= T and the end is absent or after T.
 *   A superseded memory still answers for the time it was true ("I live in Berlin" until the move);
 * - without `asOf`: current at K — observed at or before K and its validity not ended at K (memories
 *   that become true later, such as a planned move, are current already);
 * - `includeHistory` drops the validity conditions (never the expiry, nor `knownAt`'s creation bound);
 * - then kinds, the observed range and metadata equality.
 *
 * @example
 * matchesMemoryFilter(record, { now: Date.now(), kinds: ['fact'] });
 */
export function matchesMemoryFilter(record: MemoryRecord, filter: MemoryFilter): boolean {
  const observedAt = Date.parse(record.observedAt);
  const expiresAt = ms(record.expiresAt);
  if (expiresAt !== undefined && expiresAt <= filter.now) return false;
  const known = filter.knownAt ?? filter.now;
  if (filter.knownAt !== undefined && Date.parse(record.createdAt) > known) return false;
  if (!filter.includeHistory) {
    const retiredAt = ms(record.retiredAt);
    const end = retiredAt !== undefined && retiredAt > known ? undefined : (ms(record.validTo) ?? retiredAt);
    if (filter.asOf !== undefined) {
      const from = ms(record.validFrom) ?? observedAt;
      if (from > filter.asOf || (end !== undefined && end <= filter.asOf)) return false;
    } else if (observedAt > known || (end !== undefined && end <= known)) return false;
  }
  if (filter.kinds !== undefined && !filter.kinds.includes(record.kind)) return false;
  if (filter.observedFrom !== undefined && observedAt < filter.observedFrom) return false;
  if (filter.observedTo !== undefined && observedAt > filter.observedTo) return false;
  for (const [key, value] of Object.entries(filter.metadata ?? {})) {
    if (!Object.hasOwn(record.metadata, key) || record.metadata[key] !== value) return false;
  }
  return true;
}
