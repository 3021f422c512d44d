// The MemoryFilter semantics as one pure predicate, for backends and tests that filter in memory.
import type { MemoryRecord } from '../core/records.js';
import type { MemoryFilter } from './memory-store.js';

const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));

/**
 * True when `record` passes `filter` (scope is checked elsewhere): current at `asOf ?? now` unless
 * `includeHistory`, never expired at `now`, and matching kinds, observed range and metadata.
 *
 * @example
 * matchesMemoryFilter(record, { now: Date.now(), kinds: ['fact'] });
 */
export function matchesMemoryFilter(record: MemoryRecord, filter: MemoryFilter): boolean {
  const observedAt = Date.parse(record.observedAt);
  const expiresAt = ms(record.expiresAt);
  if (expiresAt !== undefined && expiresAt <= filter.now) return false;
  if (!filter.includeHistory) {
    const at = filter.asOf ?? filter.now;
    const retiredAt = ms(record.retiredAt);
    const validTo = ms(record.validTo);
    if (observedAt > at) return false;
    if (retiredAt !== undefined && retiredAt <= at) return false;
    if (validTo !== undefined && validTo <= at) return false;
  }
  if (filter.kinds !== undefined && !filter.kinds.includes(record.kind)) return false;
  if (filter.observedFrom !== undefined && observedAt < filter.observedFrom) return false;
  if (filter.observedTo !== undefined && observedAt > filter.observedTo) return false;
  for (const [key, value] of Object.entries(filter.metadata ?? {})) {
    if (!Object.hasOwn(record.metadata, key) || record.metadata[key] !== value) return false;
  }
  return true;
}
