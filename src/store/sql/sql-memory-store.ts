// The MemoryStore rules every SQL backend shares, written once: revisions (supersede, invalidate, patch),
// inserts with their history, the forget cascade and the SCOPE_REQUIRED guard. A backend (SqliteStore,
// PostgresStore) extends it with its transactions and its MemoryRows; everything else it implements itself.
import { MnemoError } from '../../core/errors.js';
import type {
  JsonValue,
  MemoryRecord,
  Message,
  Usage,
  UsageTotals,
  WorkingEntry,
} from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type {
  IdempotencyRecord,
  MemoryStore,
  MemoryWrite,
  NewMessage,
  TurnsOutcome,
  TurnsWrite,
} from '../memory-store.js';
import type { SqlConnection } from './dialect.js';
import { addMemories, type MemoryRows } from './memory-rows.js';
import {
  type ForgetInput,
  forgetIn,
  type InvalidateInput,
  invalidateIn,
  type PatchInput,
  patchIn,
  type SupersedeInput,
  supersedeIn,
} from './revisions.js';
import type { MemoryColumns } from './rows.js';
import {
  appendTurnsIn,
  idempotencyRecordIn,
  logMessageIn,
  markOrphanScanDoneIn,
  needsOrphanScanIn,
  updateIdempotencyResultIn,
} from './turns.js';
import { readUsageIn, recordUsageIn, type StoreSchema } from './usage.js';
import {
  deleteWorkingEntriesIn,
  listWorkingEntriesIn,
  type SetWorkingEntryInput,
  setWorkingEntryIn,
} from './working-memory.js';

export type ForgetScopeInput = Parameters<MemoryStore['forgetScope']>[0];

/**
 * Throws SCOPE_REQUIRED unless the scope names a user, agent or session: no call erases a whole tenant.
 *
 * @example
 * requireNarrowScope({ tenantId: 't1', userId: 'alice' }); // passes
 */
export function requireNarrowScope(scope: Scope): void {
  if (scope.userId === undefined && scope.agentId === undefined && scope.sessionId === undefined) {
    throw new MnemoError({
      code: 'SCOPE_REQUIRED',
      message: 'forgetScope needs a userId, agentId or sessionId; it never erases a whole tenant.',
    });
  }
}

/**
 * The shared half of a SQL MemoryStore. `Tx` is what a backend's transaction hands its steps (a SQLite
 * connection, a PostgreSQL client), `Row` its memory row.
 *
 * @example
 * class MyStore extends SqlMemoryStore<Client, Row> implements MemoryStore { … }
 */
export abstract class SqlMemoryStore<Tx, Row extends MemoryColumns> {
  /** The backend's steps on memory rows. */
  protected abstract readonly rows: MemoryRows<Tx, Row>;
  /** Runs `work` as one write transaction (retried by the backend's policy). */
  protected abstract write<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs an erase as one write transaction, leaving no copy of the erased data behind (see SqliteStore). */
  protected abstract erase<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Erases everything inside a scope already checked by `requireNarrowScope` (see forgetScope). */
  protected abstract eraseScope(input: ForgetScopeInput): Promise<{ memories: number; messages: number }>;
  /** The dialect and scope layout of the open store (STORE_CLOSED before `init()`). */
  protected abstract get schema(): StoreSchema;
  /**
   * Runs statements through the seam: `read` (a snapshot where the backend needs one), `write` (one write
   * transaction), or `single` (one statement, atomic alone: SQLite still takes its write lock; PostgreSQL
   * runs it on the pool without a BEGIN round trip).
   */
  protected abstract statements<T>(
    mode: 'read' | 'write' | 'single',
    work: (connection: SqlConnection) => Promise<T>,
  ): Promise<T>;

  async insertMemories(input: { memories: MemoryWrite[]; actor: string; at: number }): Promise<void> {
    await this.write((tx) => addMemories(this.rows, tx, input));
  }

  async supersedeMemory(input: SupersedeInput): Promise<{ previous: MemoryRecord; current: MemoryRecord }> {
    return this.write((tx) => supersedeIn(this.rows, tx, input));
  }

  async invalidateMemory(input: InvalidateInput): Promise<MemoryRecord> {
    return this.write((tx) => invalidateIn(this.rows, tx, input));
  }

  async patchMemory(input: PatchInput): Promise<MemoryRecord> {
    return this.write((tx) => patchIn(this.rows, tx, input));
  }

  async forgetMemory(input: ForgetInput): Promise<{ forgottenIds: string[] }> {
    const chain = await this.erase((tx) => forgetIn(this.rows, tx, input));
    return { forgottenIds: chain.map((row) => row.id) };
  }

  async setWorkingEntry(input: SetWorkingEntryInput): Promise<WorkingEntry> {
    return this.statements('write', (connection) => setWorkingEntryIn(this.schema, connection, input));
  }

  async listWorkingEntries(input: { scope: Scope; keys?: string[]; now: number }): Promise<WorkingEntry[]> {
    return this.statements('read', (connection) => listWorkingEntriesIn(this.schema, connection, input));
  }

  async deleteWorkingEntries(input: {
    scope: Scope;
    keys?: string[];
    now: number;
  }): Promise<{ deleted: number }> {
    return this.statements('single', (connection) => deleteWorkingEntriesIn(this.schema, connection, input));
  }

  async recordUsage(input: { scope: Scope; usage: Usage; at: number }): Promise<void> {
    await this.statements('single', (connection) => recordUsageIn(this.schema, connection, input));
  }

  async getUsage(input: { scope: Scope }): Promise<UsageTotals> {
    return this.statements('read', (connection) => readUsageIn(this.schema, connection, input.scope));
  }

  async appendMessages(input: { messages: NewMessage[] }): Promise<Message[]> {
    return this.statements('write', async (connection) => {
      const logged: Message[] = [];
      for (const message of input.messages) logged.push(await logMessageIn(this.schema, connection, message));
      return logged;
    });
  }

  async appendTurns(input: TurnsWrite): Promise<TurnsOutcome> {
    return this.write((tx) => appendTurnsIn(this.rows, this.schema, tx, input));
  }

  async getIdempotencyRecord(input: {
    tenantId: string;
    key: string;
    now: number;
  }): Promise<IdempotencyRecord | undefined> {
    return this.statements('read', (connection) =>
      idempotencyRecordIn(this.schema.dialect, connection, input),
    );
  }

  async updateIdempotencyResult(input: { tenantId: string; key: string; result: JsonValue }): Promise<void> {
    await this.statements('single', (connection) =>
      updateIdempotencyResultIn(this.schema.dialect, connection, input),
    );
  }

  async needsOrphanScan(): Promise<boolean> {
    return this.statements('read', (connection) => needsOrphanScanIn(this.schema.dialect, connection));
  }

  async markOrphanScanDone(): Promise<void> {
    await this.statements('single', (connection) => markOrphanScanDoneIn(this.schema.dialect, connection));
  }

  async forgetScope(input: ForgetScopeInput): Promise<{ memories: number; messages: number }> {
    requireNarrowScope(input.scope);
    return this.eraseScope(input);
  }
}
