// How history events are stored compactly on every backend: an `add` references the memory row instead of
// copying it, and its snapshot is rebuilt on read.
//
// The rule. An `add` event stores, in place of the full `after` snapshot, only the fields of the added record
// that the memory row may no longer tell: the ones that change without a history event of their own
// (`accessCount`, `lastAccessedAt` by recordAccess; `embeddingModel` by re-embedding or a new embedding space).
// Every other change to a memory writes an event that keeps the `before` state, so the state right after the
// add is the `before` of the memory's next such event or, when there is none, the memory row itself.
// `indexText` follows the row: a re-index rewrites every snapshot's index text, so rebuilt ones agree.
//
// Stored form of an add's `after`: null (nothing to remember: no accesses, the row's embedding model), a
// residue object of the volatile fields (`embeddingModel: null` meaning "none"), or — in files written before
// this rule, or restored from a dump — a full snapshot, recognised by its `id`.
import type { HistoryEntry, MemoryRecord } from '../core/records.js';

/** The fields that change without a history event; an add event keeps their values at add time. */
const VOLATILE_FIELDS = ['accessCount', 'lastAccessedAt', 'embeddingModel'] as const;

/** What an add event stores for `after`: what the row cannot tell later. */
export type AddResidue = Partial<Record<(typeof VOLATILE_FIELDS)[number], string | number | null>>;

/**
 * The residue an add event stores for the record it added, given the embedding model the row was written
 * with; undefined when the row tells it all (the usual case: no accesses, the same model).
 *
 * @example
 * addEventResidue(record, record.embeddingModel ?? null); // undefined
 */
export function addEventResidue(record: MemoryRecord, storedModel: string | null): AddResidue | undefined {
  const residue: AddResidue = {};
  if (record.accessCount !== 0) residue.accessCount = record.accessCount;
  if (record.lastAccessedAt !== undefined) residue.lastAccessedAt = record.lastAccessedAt;
  if ((record.embeddingModel ?? null) !== storedModel) residue.embeddingModel = record.embeddingModel ?? null;
  return Object.keys(residue).length === 0 ? undefined : residue;
}

/** True when a stored `after` is a full snapshot (older files, restored dumps) rather than a residue. */
export function isFullSnapshot(stored: unknown): stored is MemoryRecord {
  return typeof stored === 'object' && stored !== null && 'id' in stored;
}

/**
 * The `after` of an add event rebuilt from its stored residue and the memory's state right after the add
 * (`base`: the `before` of its next event, else the memory row).
 *
 * @example
 * rebuildAddSnapshot(null, currentRecord); // currentRecord with accessCount 0 and no lastAccessedAt
 */
export function rebuildAddSnapshot(residue: AddResidue | null, base: MemoryRecord): MemoryRecord {
  const record: MemoryRecord = { ...base, accessCount: 0 };
  delete record.lastAccessedAt;
  const embeddingModel = residue?.embeddingModel === undefined ? base.embeddingModel : residue.embeddingModel;
  delete record.embeddingModel;
  if (typeof residue?.accessCount === 'number') record.accessCount = residue.accessCount;
  if (typeof residue?.lastAccessedAt === 'string') record.lastAccessedAt = residue.lastAccessedAt;
  if (typeof embeddingModel === 'string') record.embeddingModel = embeddingModel;
  return record;
}

/** True when a stored event's `after` must be rebuilt (an add that stored a residue, not a snapshot). */
export function needsAddBase(event: string, storedAfter: unknown): boolean {
  return event === 'add' && !isFullSnapshot(storedAfter);
}

/**
 * The public entry of a stored event: a full `after` as stored, an add's residue rebuilt on `base` (the
 * memory's state right after the add; undefined only if the memory is gone, which erasing prevents).
 */
export function withAddAfter(
  entry: HistoryEntry,
  storedAfter: unknown,
  base: MemoryRecord | undefined,
): HistoryEntry {
  if (!needsAddBase(entry.event, storedAfter)) return entry;
  const resolved: HistoryEntry = { ...entry };
  delete resolved.after;
  if (base !== undefined)
    resolved.after = rebuildAddSnapshot((storedAfter ?? null) as AddResidue | null, base);
  return resolved;
}
