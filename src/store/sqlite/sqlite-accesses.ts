// Access-count bumps of the SQLite store: bookkeeping of reads, written with one attempt and no wait, and
// kept (up to a bound) while another process holds the write lock, to go with the store's next write.
import type Database from 'better-sqlite3';
import type { Scope } from '../../core/scope.js';
import { isBusyError, toStoreError } from './sqlite-busy.js';
import { rowInScope } from './sqlite-memory-writes.js';
import { prepared } from './sqlite-rows.js';

/** Access-count bumps kept while the file is locked; beyond this the oldest are dropped (counts only). */
const MAX_PENDING_ACCESSES = 10_000;

interface Access {
  scope: Scope;
  ids: string[];
  at: number;
}

/**
 * The bumps not written yet.
 *
 * @example
 * accesses.add({ scope, ids, at });
 * await accesses.flush((work) => dialect.attempt('write', async () => work(db)));
 */
export class PendingAccesses {
  private pending: Access[] = [];

  get size(): number {
    return this.pending.length;
  }

  add(access: Access): void {
    this.pending.push(access);
  }

  /** Writes every pending bump in one attempt; a busy file keeps them (bounded) for the next flush. */
  async flush(attempt: (work: (db: Database.Database) => void) => Promise<void>): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      await attempt((db) => {
        const update = prepared(
          db,
          'UPDATE memories SET access_count = access_count + 1, last_accessed_at = ? WHERE rid = ?',
        );
        for (const access of batch) {
          for (const id of access.ids) {
            const row = rowInScope(db, access.scope, id);
            if (row !== undefined) update.run(access.at, row.rid);
          }
        }
      });
    } catch (error) {
      if (!isBusyError(error)) throw toStoreError(error);
      const kept = [...batch, ...this.pending];
      let ids = kept.reduce((total, access) => total + access.ids.length, 0);
      while (ids > MAX_PENDING_ACCESSES && kept.length > 1) ids -= kept.shift()?.ids.length ?? 0;
      this.pending = kept;
    }
  }
}
