// Supersede, invalidate and patch for the SQLite store: synchronous, run inside the caller's write transaction.
import type Database from 'better-sqlite3';
import { MnemoError, notFound } from '../../core/errors.js';
import type { MemoryRecord } from '../../core/records.js';
import { isVisible, type Scope, type ScopeAccess } from '../../core/scope.js';
import type { MemoryStore } from '../memory-store.js';
import { insertHistory, insertMemoryRow, memoryRowById } from './sqlite-memory-writes.js';
import { type MemoryRow, memoryFromRow } from './sqlite-rows.js';

export type SupersedeInput = Parameters<MemoryStore['supersedeMemory']>[0];
export type InvalidateInput = Parameters<MemoryStore['invalidateMemory']>[0];
export type PatchInput = Parameters<MemoryStore['patchMemory']>[0];

/** The memory row `id` when a caller with `scope` may see it (`read`) or change it (`write`). */
export function rowInScope(
  db: Database.Database,
  scope: Scope,
  id: string,
  access: ScopeAccess = 'read',
): MemoryRow | undefined {
  const row = memoryRowById(db, id);
  return row !== undefined && isVisible(scope, memoryFromRow(row).scope, access) ? row : undefined;
}

/** Supersedes a memory inside a write transaction (see MemoryStore.supersedeMemory). */
export function supersedeInTransaction(
  db: Database.Database,
  input: SupersedeInput,
): { previous: MemoryRecord; current: MemoryRecord } {
  const row = rowInScope(db, input.scope, input.id, 'write');
  if (row === undefined) throw notFound('Memory', input.id);
  if (!isVisible(input.scope, input.replacement.record.scope, 'write')) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: 'The replacement memory must lie inside the scope of the memory it supersedes.',
    });
  }
  if (row.retired_at !== null) {
    throw new MnemoError({
      code: 'CONFLICT',
      message: `Memory ${input.id} is already retired; supersede its current version instead.`,
      details: { id: input.id, supersededBy: row.superseded_by },
    });
  }
  const before = memoryFromRow(row);
  const record: MemoryRecord = { ...input.replacement.record, supersedes: input.id };
  delete record.supersededBy;
  delete record.retiredAt;
  insertMemoryRow(db, { ...input.replacement, record });
  db.prepare('UPDATE memories SET retired_at = ?, superseded_by = ?, valid_to = ? WHERE rid = ?').run(
    input.at,
    record.id,
    input.validTo ?? input.at,
    row.rid,
  );
  const previous = memoryFromRow(memoryRowById(db, input.id) as MemoryRow);
  const current = memoryFromRow(memoryRowById(db, record.id) as MemoryRow);
  const common = {
    event: 'supersede' as const,
    at: input.at,
    actor: input.actor,
    ...(input.reason === undefined ? {} : { reason: input.reason }),
  };
  insertHistory(db, { ...common, memoryId: previous.id, scope: previous.scope, before, after: previous });
  insertHistory(db, {
    ...common,
    memoryId: current.id,
    scope: current.scope,
    before: previous,
    after: current,
  });
  return { previous, current };
}

/** Invalidates a memory inside a write transaction (see MemoryStore.invalidateMemory). */
export function invalidateInTransaction(db: Database.Database, input: InvalidateInput): MemoryRecord {
  const row = rowInScope(db, input.scope, input.id, 'write');
  if (row === undefined) throw notFound('Memory', input.id);
  const before = memoryFromRow(row);
  db.prepare('UPDATE memories SET valid_to = ?, retired_at = COALESCE(retired_at, ?) WHERE rid = ?').run(
    input.validTo,
    input.at,
    row.rid,
  );
  const after = memoryFromRow(memoryRowById(db, input.id) as MemoryRow);
  insertHistory(db, {
    memoryId: after.id,
    scope: after.scope,
    event: 'invalidate',
    before,
    after,
    at: input.at,
    actor: input.actor,
    ...(input.reason === undefined ? {} : { reason: input.reason }),
  });
  return after;
}

/** Patches non-content fields inside a write transaction (see MemoryStore.patchMemory). */
export function patchInTransaction(db: Database.Database, input: PatchInput): MemoryRecord {
  const row = rowInScope(db, input.scope, input.id, 'write');
  if (row === undefined) throw notFound('Memory', input.id);
  const before = memoryFromRow(row);
  const patch = input.patch;
  db.prepare(
    'UPDATE memories SET importance = ?, confidence = ?, metadata = ?, expires_at = ? WHERE rid = ?',
  ).run(
    patch.importance ?? row.importance,
    patch.confidence ?? row.confidence,
    patch.metadata === undefined ? row.metadata : JSON.stringify(patch.metadata),
    'expiresAt' in patch
      ? patch.expiresAt === undefined
        ? null
        : Date.parse(patch.expiresAt)
      : row.expires_at,
    row.rid,
  );
  const after = memoryFromRow(memoryRowById(db, input.id) as MemoryRow);
  insertHistory(db, {
    memoryId: after.id,
    scope: after.scope,
    event: 'update',
    before,
    after,
    at: input.at,
    actor: input.actor,
  });
  return after;
}
