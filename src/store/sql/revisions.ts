// The revision rules of every SQL store, written once: supersede (a retired memory is a CONFLICT),
// invalidate, patch and forget, each inside the caller's write transaction, each with its history.
import { MnemoError, notFound } from '../../core/errors.js';
import type { HistoryEvent, MemoryRecord } from '../../core/records.js';
import { isVisible } from '../../core/scope.js';
import type { MemoryStore } from '../memory-store.js';
import { type MemoryRows, rowInScope } from './memory-rows.js';
import type { MemoryColumns } from './rows.js';
import { sql } from './sql.js';

export type SupersedeInput = Parameters<MemoryStore['supersedeMemory']>[0];
export type InvalidateInput = Parameters<MemoryStore['invalidateMemory']>[0];
export type PatchInput = Parameters<MemoryStore['patchMemory']>[0];
export type ForgetInput = Parameters<MemoryStore['forgetMemory']>[0];

async function reread<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  tx: Tx,
  id: string,
): Promise<MemoryRecord> {
  const row = await rows.byId(tx, id);
  if (row === undefined) throw notFound('Memory', id);
  return rows.record(row);
}

/** Memory `id` as the change left it, with that change's history entry (from `before` to it). */
export async function rereadWithHistory<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  tx: Tx,
  change: {
    id: string;
    event: HistoryEvent;
    before: MemoryRecord | undefined;
    at: number;
    actor: string;
    reason?: string | undefined;
  },
): Promise<MemoryRecord> {
  const after = await reread(rows, tx, change.id);
  await rows.history(tx, {
    memoryId: after.id,
    scope: after.scope,
    event: change.event,
    before: change.before,
    after,
    at: change.at,
    actor: change.actor,
    reason: change.reason,
  });
  return after;
}

/**
 * Supersedes a memory (see MemoryStore.supersedeMemory): NOT_FOUND outside the scope, INVALID_INPUT for a
 * replacement outside it, CONFLICT when the memory is already retired.
 *
 * @example
 * const { previous, current } = await supersedeIn(rows, tx, input);
 */
export async function supersedeIn<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  tx: Tx,
  input: SupersedeInput,
): Promise<{ previous: MemoryRecord; current: MemoryRecord }> {
  const row = await rowInScope(rows, tx, { scope: input.scope, id: input.id, access: 'write' });
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
  const before = rows.record(row);
  const record: MemoryRecord = { ...input.replacement.record, supersedes: input.id };
  delete record.supersededBy;
  delete record.retiredAt;
  await rows.insert(tx, { ...input.replacement, record });
  await rows.update(
    tx,
    input.id,
    sql`retired_at = ${input.at}, superseded_by = ${record.id}, valid_to = ${input.validTo ?? input.at}`,
  );
  const change = { event: 'supersede' as const, at: input.at, actor: input.actor, reason: input.reason };
  const previous = await rereadWithHistory(rows, tx, { ...change, id: input.id, before });
  const current = await rereadWithHistory(rows, tx, { ...change, id: record.id, before: previous });
  return { previous, current };
}

/**
 * Invalidates a memory (see MemoryStore.invalidateMemory); the first retirement time is kept.
 *
 * @example
 * const after = await invalidateIn(rows, tx, input);
 */
export async function invalidateIn<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  tx: Tx,
  input: InvalidateInput,
): Promise<MemoryRecord> {
  const row = await rowInScope(rows, tx, { scope: input.scope, id: input.id, access: 'write' });
  if (row === undefined) throw notFound('Memory', input.id);
  const before = rows.record(row);
  await rows.update(
    tx,
    input.id,
    sql`valid_to = ${input.validTo}, retired_at = COALESCE(retired_at, ${input.at})`,
  );
  return rereadWithHistory(rows, tx, {
    id: input.id,
    event: 'invalidate',
    before,
    at: input.at,
    actor: input.actor,
    reason: input.reason,
  });
}

/**
 * Changes fields that are not the content (see MemoryStore.patchMemory); history `update`.
 *
 * @example
 * const after = await patchIn(rows, tx, { scope, id, patch: { importance: 0.9 }, at, actor });
 */
export async function patchIn<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  tx: Tx,
  input: PatchInput,
): Promise<MemoryRecord> {
  const row = await rowInScope(rows, tx, { scope: input.scope, id: input.id, access: 'write' });
  if (row === undefined) throw notFound('Memory', input.id);
  const before = rows.record(row);
  const patch = input.patch;
  const expires =
    patch.expiresAt === undefined
      ? row.expires_at
      : patch.expiresAt === null
        ? null
        : Date.parse(patch.expiresAt);
  await rows.update(
    tx,
    input.id,
    sql`importance = ${patch.importance ?? row.importance}, confidence = ${patch.confidence ?? row.confidence},
        metadata = ${JSON.stringify(patch.metadata ?? before.metadata)}, expires_at = ${expires}`,
  );
  return rereadWithHistory(rows, tx, {
    id: input.id,
    event: 'update',
    before,
    at: input.at,
    actor: input.actor,
  });
}

/**
 * Erases memory `id` and its whole supersession chain, leaving `forget` tombstones (see
 * MemoryStore.forgetMemory); NOT_FOUND outside the scope. Returns the erased rows.
 *
 * @example
 * const chain = await forgetIn(rows, tx, { scope, id, at, actor });
 */
export async function forgetIn<Tx, Row extends MemoryColumns>(
  rows: MemoryRows<Tx, Row>,
  tx: Tx,
  input: ForgetInput,
): Promise<Row[]> {
  const row = await rowInScope(rows, tx, { scope: input.scope, id: input.id, access: 'write' });
  if (row === undefined) throw notFound('Memory', input.id);
  const chain = await rows.chain(tx, row);
  await rows.erase(tx, chain, { tombstone: { event: 'forget', at: input.at, actor: input.actor } });
  return chain;
}
