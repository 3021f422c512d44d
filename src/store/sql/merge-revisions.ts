// Upkeep's revisions, written once for every SQL store: merge several current memories into one (and undo
// it), archive a faded memory and restore it. Each runs inside the caller's write transaction with its history.
import { MnemoError, notFound } from '../../core/errors.js';
import type { MemoryRecord } from '../../core/records.js';
import { scopeContains } from '../../core/scope.js';
import type { MaintenanceStore } from '../maintenance-store.js';
import { type MemoryRows, rowInScope } from './memory-rows.js';
import { rereadWithHistory } from './revisions.js';
import type { MemoryColumns } from './rows.js';
import { sql } from './sql.js';

export type MergeInput = Parameters<MaintenanceStore['mergeMemories']>[0];
export type UnmergeInput = Parameters<MaintenanceStore['unmergeMemory']>[0];
export type ArchiveInput = Parameters<MaintenanceStore['archiveMemory']>[0];
export type RestoreInput = Parameters<MaintenanceStore['restoreMemory']>[0];

const conflict = (message: string, details: Record<string, string | null>) =>
  new MnemoError({ code: 'CONFLICT', message, details });

/** The row of memory `id` for a change: NOT_FOUND outside the scope, CONFLICT unless current (when asked). */
async function writableRow<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  tx: Tx,
  input: { scope: MergeInput['scope']; id: string; current?: boolean },
): Promise<Row> {
  const row = await rowInScope(rows, tx, { scope: input.scope, id: input.id, access: 'write' });
  if (row === undefined) throw notFound('Memory', input.id);
  if (input.current === true && row.retired_at !== null) {
    throw conflict(`Memory ${input.id} is not current; only current memories can be merged or archived.`, {
      id: input.id,
      supersededBy: row.superseded_by,
    });
  }
  return row;
}

/**
 * Merges current memories into `replacement` (see MaintenanceStore.mergeMemories).
 *
 * @example
 * const { merged, sources } = await mergeIn(rows, tx, { scope, ids: [a, b], replacement, at, actor });
 */
export async function mergeIn<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  tx: Tx,
  input: MergeInput,
): Promise<{ merged: MemoryRecord; sources: MemoryRecord[] }> {
  const ids = [...new Set(input.ids)];
  if (ids.length < 2) {
    throw new MnemoError({ code: 'INVALID_INPUT', message: 'A merge needs at least two distinct memories.' });
  }
  const before: MemoryRecord[] = [];
  for (const id of ids) {
    const row = await writableRow(rows, tx, { scope: input.scope, id, current: true });
    const record = rows.record(row);
    if (!scopeContains(record.scope, input.replacement.record.scope)) {
      throw new MnemoError({
        code: 'INVALID_INPUT',
        message: 'The merged memory must lie inside the scope of every memory it merges, never wider.',
      });
    }
    before.push(record);
  }
  const record: MemoryRecord = { ...input.replacement.record, supersedes: ids[0] as string };
  delete record.supersededBy;
  delete record.retiredAt;
  delete record.archivedAt;
  await rows.insert(tx, { ...input.replacement, record });
  const change = { event: 'merge' as const, at: input.at, actor: input.actor, reason: input.reason };
  const sources: MemoryRecord[] = [];
  for (const source of before) {
    await rows.update(tx, source.id, sql`retired_at = ${input.at}, superseded_by = ${record.id}`);
    sources.push(await rereadWithHistory(rows, tx, { ...change, id: source.id, before: source }));
  }
  const merged = await rereadWithHistory(rows, tx, { ...change, id: record.id, before: undefined });
  return { merged, sources };
}

/**
 * Undoes a merge (see MaintenanceStore.unmergeMemory). Returns the restored sources and the merged row, which
 * the caller erases (with its graph) in the same transaction.
 *
 * @example
 * const { restored, merged } = await unmergeIn(rows, tx, { scope, id, at, actor });
 */
export async function unmergeIn<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  tx: Tx,
  input: UnmergeInput,
): Promise<{ restored: MemoryRecord[]; merged: Row }> {
  const row = await writableRow(rows, tx, { scope: input.scope, id: input.id });
  const record = rows.record(row);
  const sourceIds = record.attributes.mergedFrom;
  if (row.retired_at !== null || !Array.isArray(sourceIds)) {
    throw conflict(`Memory ${input.id} is not a current merged memory; there is no merge to undo.`, {
      id: input.id,
    });
  }
  const restored: MemoryRecord[] = [];
  for (const id of sourceIds) {
    if (typeof id !== 'string') continue;
    const source = await rows.byId(tx, id, { lock: true });
    if (source === undefined || source.superseded_by !== record.id) continue;
    const before = rows.record(source);
    await rows.update(tx, id, sql`retired_at = NULL, superseded_by = NULL`);
    restored.push(
      await rereadWithHistory(rows, tx, {
        id,
        event: 'unmerge',
        before,
        at: input.at,
        actor: input.actor,
        reason: `merge ${record.id} undone`,
      }),
    );
  }
  return { restored, merged: row };
}

/**
 * Archives a current memory (see MaintenanceStore.archiveMemory).
 *
 * @example
 * const archived = await archiveIn(rows, tx, { scope, id, at, actor, reason: 'strength 0.03' });
 */
export async function archiveIn<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  tx: Tx,
  input: ArchiveInput,
): Promise<MemoryRecord> {
  const row = await writableRow(rows, tx, { scope: input.scope, id: input.id, current: true });
  const before = rows.record(row);
  await rows.update(tx, input.id, sql`archived_at = ${input.at}, retired_at = ${input.at}`);
  return rereadWithHistory(rows, tx, { ...input, event: 'archive', before });
}

/**
 * Restores an archived memory (see MaintenanceStore.restoreMemory).
 *
 * @example
 * const current = await restoreIn(rows, tx, { scope, id, at, actor });
 */
export async function restoreIn<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  tx: Tx,
  input: RestoreInput,
): Promise<MemoryRecord> {
  const row = await writableRow(rows, tx, { scope: input.scope, id: input.id });
  if (row.archived_at === null || row.superseded_by !== null || row.valid_to !== null) {
    throw conflict(`Memory ${input.id} is not archived; only archived memories can be restored.`, {
      id: input.id,
    });
  }
  const before = rows.record(row);
  await rows.update(tx, input.id, sql`archived_at = NULL, retired_at = NULL`);
  return rereadWithHistory(rows, tx, { ...input, event: 'restore', before, reason: undefined });
}
