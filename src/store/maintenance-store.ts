// What upkeep (maintain()) needs from a store beyond reads and writes: merges that supersede several
// memories at once (and their undo), archive and restore, per-scope progress with a claim so one process
// works on a scope at a time, and the reads that find what changed or faded since the last run.
import type { MemoryKind, MemoryRecord } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import type { MemoryWrite } from './memory-store.js';

/** A position in a scope's memories ordered by creation: everything at or before it was examined. */
export interface MaintenanceWatermark {
  /** Epoch ms, the `createdAt` of the last memory examined. */
  at: number;
  id: string;
}

/** How far upkeep got in one exact scope (tenant, user, agent, session). */
export interface MaintenanceState {
  scope: Scope;
  watermark?: MaintenanceWatermark | undefined;
  /** How many memories the scope held when insights were last reflected from it. */
  reflectedCount: number;
  /** Epoch ms of the last finished run. */
  lastRunAt?: number | undefined;
}

/** An exact scope that holds memories, with what upkeep knows about it. */
export interface MaintenanceScopeInfo {
  scope: Scope;
  /** Memories stored in exactly this scope (current or not). */
  memories: number;
  /** Epoch ms of the newest `createdAt`. */
  latestCreatedAt: number;
  state?: MaintenanceState | undefined;
}

export interface MaintenanceStore {
  /**
   * Writes `replacement` as the one current memory standing for the memories `ids` (all current, all inside
   * `scope`): each source is retired with `supersededBy` = the replacement (its validity is not ended: a
   * merge says the same thing once, it does not contradict). History: `merge` on every source and on the
   * replacement. NOT_FOUND for an id outside the scope, CONFLICT when one is already retired.
   */
  mergeMemories(input: {
    scope: Scope;
    ids: readonly string[];
    replacement: MemoryWrite;
    at: number;
    actor: string;
    reason?: string | undefined;
  }): Promise<{ merged: MemoryRecord; sources: MemoryRecord[] }>;
  /**
   * Undoes a merge: the sources still retired by it become current again (history `unmerge`), and the merged
   * memory is erased (rows, index, vector, graph, its own history), leaving an `unmerge` tombstone. NOT_FOUND
   * outside the scope; CONFLICT unless `id` is a current merged memory.
   */
  unmergeMemory(input: {
    scope: Scope;
    id: string;
    at: number;
    actor: string;
  }): Promise<{ restored: MemoryRecord[]; erasedId: string }>;
  /**
   * Archives a current memory: `archivedAt` and `retiredAt` = `at`, so default reads no longer return it;
   * kept with its history. History `archive`. CONFLICT when it is not current.
   */
  archiveMemory(input: {
    scope: Scope;
    id: string;
    at: number;
    actor: string;
    reason?: string | undefined;
  }): Promise<MemoryRecord>;
  /** Makes an archived memory current again. History `restore`. CONFLICT when it is not archived. */
  restoreMemory(input: { scope: Scope; id: string; at: number; actor: string }): Promise<MemoryRecord>;
  /** Every exact scope inside `scope` (every tenant when absent) that holds memories, with its upkeep state. */
  listMaintenanceScopes(input: { scope?: Scope | undefined }): Promise<MaintenanceScopeInfo[]>;
  /**
   * Claims exactly `scope` for `owner` until `now + leaseMs`, unless another owner holds an unexpired claim
   * (then undefined). Returns the scope's state.
   */
  claimMaintenance(input: {
    scope: Scope;
    owner: string;
    now: number;
    leaseMs: number;
  }): Promise<MaintenanceState | undefined>;
  /** Records progress (when given) and releases `owner`'s claim on exactly `scope`. */
  releaseMaintenance(input: {
    scope: Scope;
    owner: string;
    at: number;
    watermark?: MaintenanceWatermark | undefined;
    reflectedCount?: number | undefined;
  }): Promise<void>;
  /**
   * Current memories of exactly `scope` created after `after` (all when absent), oldest first, at most
   * `limit`; with `count`, also how many there are in all.
   */
  listCreatedAfter(input: {
    scope: Scope;
    after?: MaintenanceWatermark | undefined;
    kinds?: readonly MemoryKind[] | undefined;
    limit: number;
    now: number;
  }): Promise<{ items: MemoryRecord[]; total: number }>;
  /**
   * Current, unarchived memories of exactly `scope`, of `kinds` and importance below 1, idle (since their
   * last write or recall) longer than `idleUnitMs × (0.5 + importance) × (1 + accessCount)` — the forgetting
   * curve's archive line (core/strength.ts) — least recently touched first.
   */
  listFading(input: {
    scope: Scope;
    idleUnitMs: number;
    kinds: readonly MemoryKind[];
    limit: number;
    now: number;
  }): Promise<MemoryRecord[]>;
}
