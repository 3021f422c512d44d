// Reads on the audit log without a write per read: the gate counts them here by the row they add up into
// (store/access-store.ts `auditAggregateKey`) and records them in one transaction about once a second, so a
// search never waits for the write lock (nor fails while another process holds it).
import { MnemoError } from '../core/errors.js';
import type { AuditWrite } from '../store/access-store.js';
import { auditAggregateKey } from '../store/access-store.js';

/** How long counted reads wait before they are written. */
const FLUSH_DELAY_MS = 1_000;
/** More distinct rows than this are written at once. */
const MAX_PENDING = 1_000;

export interface ReadAudit {
  /** Counts one read (or records a refused read with the next flush). */
  add(entry: AuditWrite): void;
  /** Writes what was counted; what could not be written stays for the next flush. */
  flush(): Promise<void>;
  /** Writes what is left and stops the timer. */
  close(): Promise<void>;
}

/**
 * A buffer of read audit rows over `record` (the store's `access.recordAudit`).
 *
 * @example
 * const reads = createReadAudit((entries) => store.access.recordAudit(entries));
 * reads.add({ tenantId: 't1', scope, principals: [], surface: 'sdk', action: 'read', operation: 'search', at: Date.now() });
 */
export function createReadAudit(record: (entries: readonly AuditWrite[]) => Promise<void>): ReadAudit {
  let pending = new Map<string, AuditWrite>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let sequence = 0;

  const schedule = () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      flush().catch(retryUnlessClosed);
    }, FLUSH_DELAY_MS);
    timer.unref();
  };

  async function flush(): Promise<void> {
    if (flushing !== undefined) await flushing;
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    flushing = record([...batch.values()]).then(
      () => undefined,
      (error: unknown) => {
        // Nothing is lost: the rows go back and the next flush tries again.
        for (const [key, entry] of batch) merge(key, entry);
        throw error;
      },
    );
    try {
      await flushing;
    } finally {
      flushing = undefined;
    }
  }

  /** A failed flush is retried a second later, unless the store was closed under it (nothing can take the rows). */
  function retryUnlessClosed(error: unknown): void {
    if (error instanceof MnemoError && error.code === 'STORE_CLOSED') {
      pending.clear();
      return;
    }
    schedule();
  }

  function merge(key: string, entry: AuditWrite): void {
    const held = pending.get(key);
    if (held === undefined) {
      pending.set(key, { ...entry });
      return;
    }
    held.count = (held.count ?? 1) + (entry.count ?? 1);
    held.lastAt = Math.max(held.lastAt ?? held.at, entry.lastAt ?? entry.at);
  }

  return {
    add(entry) {
      merge(auditAggregateKey(entry) ?? `once:${sequence++}`, entry);
      if (pending.size >= MAX_PENDING) {
        flush().catch(retryUnlessClosed);
      } else schedule();
    },
    flush,
    async close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await flush();
    },
  };
}
