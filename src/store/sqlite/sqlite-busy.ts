// Lock waits for every SQLite connection of Mnemo (store, inference queue, API keys): SQLite never sleeps
// inside the event loop (busy_timeout 0); a busy call is retried after an asynchronous backoff, within a budget.

import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { MnemoError } from '../../core/errors.js';

/** Default total time a busy call is retried before it fails with STORE_BUSY. */
export const DEFAULT_BUSY_BUDGET_MS = 5_000;

/** How SQLite commits: NORMAL (the default in WAL mode) or FULL (an fsync of the log at every commit). */
export type SqliteSynchronous = 'normal' | 'full';

/** The `synchronous` values Mnemo accepts, for option and environment validation. */
export const sqliteSynchronousValues: readonly SqliteSynchronous[] = ['normal', 'full'];

const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED']);

/** True for the driver errors that mean "another connection holds a lock; try again". */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (BUSY_CODES.has(code) || code.startsWith('SQLITE_BUSY_'));
}

/**
 * The STORE_BUSY error. Its message names no file: it may travel over HTTP (REST maps it to 503 with
 * `Retry-After`, read from `details.retryAfterSeconds`).
 */
export function storeBusy(options: { waitedMs: number; cause?: unknown }): MnemoError {
  return new MnemoError({
    code: 'STORE_BUSY',
    message: `The database is locked by another process (waited ${Math.round(options.waitedMs)} ms); retry later, or raise busyTimeoutMs.`,
    details: { retryAfterSeconds: 1 },
    cause: options.cause,
  });
}

/** The pause before attempt `attempt + 1`: 1, 2, 4 … 100 ms, ±50% so that waiting processes spread out. */
function backoffMs(attempt: number): number {
  return Math.min(100, 2 ** attempt) * (0.5 + Math.random());
}

/**
 * Runs a SQLite call (or an asynchronous transaction); while it fails because the file is locked, waits asynchronously and
 * tries again until `budgetMs` have passed, then throws STORE_BUSY. The uncontended call runs at once.
 *
 * @example
 * const row = await retryWhileBusy(() => db.prepare('SELECT 1').get(), { budgetMs: 5_000 });
 */
export async function retryWhileBusy<T>(
  operation: () => T | Promise<T>,
  options: { budgetMs: number },
): Promise<T> {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      const waitedMs = performance.now() - started;
      const remainingMs = options.budgetMs - waitedMs;
      if (remainingMs <= 0) throw storeBusy({ waitedMs, cause: error });
      await sleep(Math.min(remainingMs, backoffMs(attempt)));
    }
  }
}

/**
 * The pragmas every Mnemo connection shares: no lock wait inside SQLite (see retryWhileBusy), WAL,
 * the chosen durability, and secure_delete (freed bytes are zeroed, so an erased row leaves no copy).
 * Reading the file header can meet a lock, so call it through retryWhileBusy.
 */
export function configureConnection(
  db: Database.Database,
  options: { synchronous?: SqliteSynchronous | undefined; wal?: boolean | undefined },
): void {
  db.pragma('busy_timeout = 0');
  if (options.wal ?? true) db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${(options.synchronous ?? 'normal') === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('secure_delete = ON');
}

/**
 * Checkpoints the whole write-ahead log into the database file and truncates the log to zero bytes. SQLite
 * cannot do that while another connection holds a read transaction on an older snapshot (its pages must
 * stay readable), so this retries asynchronously until `budgetMs` have passed. True when the log is empty.
 */
export async function truncateWal(db: Database.Database, options: { budgetMs: number }): Promise<boolean> {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      if (result === undefined || result.busy === 0) return true;
    } catch (error) {
      if (!isBusyError(error)) throw error;
    }
    const remainingMs = options.budgetMs - (performance.now() - started);
    if (remainingMs <= 0) return false;
    await sleep(Math.min(remainingMs, backoffMs(attempt)));
  }
}

/** What keeps the log from being reset: another connection's write lock, else its open read transaction. */
export function walBlocker(db: Database.Database): 'writer' | 'reader' {
  try {
    db.prepare('BEGIN IMMEDIATE').run();
    db.prepare('ROLLBACK').run();
    return 'reader';
  } catch (error) {
    if (isBusyError(error)) return 'writer';
    throw error;
  }
}

/**
 * The STORE_BUSY error of an erase that another connection kept from finishing. `erased: false`: nothing
 * changed. `erased: true`: the data is gone from every read, but the reader's snapshot keeps copies in the
 * database files until it ends.
 */
export function eraseBlocked(options: {
  erased: boolean;
  blocker: 'writer' | 'reader';
  waitedMs: number;
  cause?: unknown;
}): MnemoError {
  const waited = `waited ${Math.round(options.waitedMs)} ms; busyTimeoutMs sets the wait`;
  const blocker =
    options.blocker === 'writer'
      ? 'another process holds the write lock of the database'
      : 'another connection keeps a read transaction open on the database';
  const message = options.erased
    ? `Erased, and no read returns it any more, but ${blocker}, so copies stay in the database files until it ends (${waited}); the next write or close removes them, or retry to wait again.`
    : `Nothing was erased: ${blocker}, and a snapshot it can read would keep copies of the erased data in the database files (${waited}). Retry when it has finished.`;
  return new MnemoError({
    code: 'STORE_BUSY',
    message,
    details: { erased: options.erased, blocker: options.blocker, retryAfterSeconds: 1 },
    cause: options.cause,
  });
}

/**
 * SQLite driver errors become MnemoErrors: constraint violations are CONFLICT, the rest STORE_FAILED.
 *
 * @example
 * throw toStoreError(error);
 */
export function toStoreError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (error instanceof MnemoError || typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new MnemoError({
      code: 'CONFLICT',
      message: `The write conflicts with stored data: ${message}`,
      cause: error,
    });
  }
  return new MnemoError({
    code: 'STORE_FAILED',
    message: `SQLite failed: ${message}`,
    details: { sqliteCode: code },
    cause: error,
  });
}

/** The size of a file in bytes, 0 when it does not exist. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return 0;
    throw error;
  }
}

/**
 * Waits until no other connection holds a read transaction, before an erase. A log whose every frame is
 * already in the database file lets a checkpoint finish beside a reader of the file, so `commitFrame` first
 * commits one frame: the truncating checkpoint then succeeds only when no snapshot is open. STORE_BUSY
 * (`erased: false`) when a writer or a reader outlasts the budget.
 *
 * @example
 * await untilNoOtherSnapshot({ db, budgetMs: 5_000, commitFrame: () => writeOneFrame() });
 */
export async function untilNoOtherSnapshot(input: {
  db: Database.Database;
  budgetMs: number;
  commitFrame: () => Promise<unknown>;
}): Promise<void> {
  const started = performance.now();
  try {
    await input.commitFrame();
  } catch (error) {
    if (error instanceof MnemoError && error.code === 'STORE_BUSY')
      throw eraseBlocked({
        erased: false,
        blocker: 'writer',
        waitedMs: performance.now() - started,
        cause: error,
      });
    throw error;
  }
  if (!(await truncateWal(input.db, { budgetMs: input.budgetMs }))) {
    throw eraseBlocked({
      erased: false,
      blocker: walBlocker(input.db),
      waitedMs: performance.now() - started,
    });
  }
}

/**
 * After an erase committed: empties the log (waiting up to `budgetMs` for a reader); the STORE_BUSY error
 * (`erased: true`) to throw when a reader keeps copies in it, else undefined.
 *
 * @example
 * const blocked = await erasedCopiesLeft(db, { budgetMs: 5_000 });
 */
export async function erasedCopiesLeft(
  db: Database.Database,
  options: { budgetMs: number },
): Promise<MnemoError | undefined> {
  const started = performance.now();
  if (await truncateWal(db, options)) return undefined;
  return eraseBlocked({ erased: true, blocker: walBlocker(db), waitedMs: performance.now() - started });
}

/**
 * One attempt, no wait, to checkpoint and truncate the log: true when it is empty.
 *
 * @example
 * if (tryTruncateWal(db)) walResetPending = false;
 */
export function tryTruncateWal(db: Database.Database): boolean {
  try {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    return result?.busy === 0;
  } catch (error) {
    if (!isBusyError(error)) throw toStoreError(error);
    return false;
  }
}
