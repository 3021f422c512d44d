// The MemoryStore rules every SQL backend shares, written once: revisions (supersede, invalidate, patch),
// inserts with their history, the forget cascade and the SCOPE_REQUIRED guard. A backend (SqliteStore,
// PostgresStore) extends it with its transactions and its MemoryRows; everything else it implements itself.
import { MnemoError } from '../../core/errors.js';
import type { Entity, EntityMerge, Relation } from '../../core/graph.js';
import type {
  HistoryEntry,
  JsonValue,
  MemoryRecord,
  Message,
  Page,
  Usage,
  UsageTotals,
  WorkingEntry,
} from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { AccessStore } from '../access-store.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { EntityQuery, GraphMention, GraphStore, RelationQuery } from '../graph-store.js';
import type { MaintenanceScopeInfo, MaintenanceState, MaintenanceStore } from '../maintenance-store.js';
import type {
  IdempotencyRecord,
  MemoryFilter,
  MemoryStore,
  MemoryWrite,
  NewMessage,
  TurnsOutcome,
  TurnsWrite,
} from '../memory-store.js';
import { SqlAccessStore } from './access.js';
import type { SqlConnection } from './dialect.js';
import { eraseGraphOfMemoriesIn } from './graph-erase.js';
import { listMergesIn, mergeEntitiesIn, unmergeEntitiesIn } from './graph-merges.js';
import {
  entitiesByIdIn,
  findEntitiesIn,
  listEntitiesIn,
  listRelationsIn,
  mentionsOfIn,
} from './graph-reads.js';
import { applyGraphFactsIn } from './graph-writes.js';
import { historyEntriesIn, type StoredHistoryRow } from './history.js';
import {
  claimMaintenanceIn,
  createdAfterIn,
  fadingIn,
  maintenanceScopesIn,
  releaseMaintenanceIn,
} from './maintenance.js';
import { addMemories, type MemoryRows } from './memory-rows.js';
import {
  type ArchiveInput,
  archiveIn,
  type MergeInput,
  mergeIn,
  type RestoreInput,
  restoreIn,
  type UnmergeInput,
  unmergeIn,
} from './merge-revisions.js';
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
import { type MemoryColumns, type MessageColumns, messageFromRow } from './rows.js';
import { type SqlFragment, sql } from './sql.js';
import type { StoreSchema } from './store-schema.js';
import {
  appendTurnsIn,
  idempotencyRecordIn,
  logMessageIn,
  markOrphanScanDoneIn,
  needsOrphanScanIn,
  updateIdempotencyResultIn,
} from './turns.js';
import { readUsageIn, recordUsageIn } from './usage.js';
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
  if (
    scope.userId === undefined &&
    scope.agentId === undefined &&
    scope.sessionId === undefined &&
    scope.spaceId === undefined
  ) {
    throw new MnemoError({
      code: 'SCOPE_REQUIRED',
      message: 'forgetScope needs a userId, agentId, sessionId or spaceId; it never erases a whole tenant.',
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
  /** Spaces, grants, the access check and the audit log, on the store's own connection. */
  readonly access: AccessStore = new SqlAccessStore(
    (mode, work) => this.statements(mode, work),
    () => this.schema.dialect,
  );
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

  async getMessages(input: { scope: Scope; ids: string[] }): Promise<Message[]> {
    if (input.ids.length === 0) return [];
    return this.statements('read', async (connection) => {
      const { scopes, messagesWithIds } = this.schema;
      const rows = await connection.all<MessageColumns>(
        sql`${messagesWithIds(input.ids)} AND ${await scopes.within(connection, input.scope)}`,
      );
      const byId = new Map(rows.map((row) => [row.id, messageFromRow(row)]));
      return input.ids.flatMap((id) => byId.get(id) ?? []);
    });
  }

  /** Messages in `seq` order (then observedAt, id), bounded by seq, a page at a time. */
  async listMessages(input: {
    scope: Scope;
    fromSeq?: number;
    toSeq?: number;
    limit: number;
    cursor?: string;
  }): Promise<Page<Message>> {
    return this.statements('read', async (connection) => {
      const clauses = [await this.schema.scopes.within(connection, input.scope)];
      if (input.fromSeq !== undefined) clauses.push(sql`g.seq >= ${input.fromSeq}`);
      if (input.toSeq !== undefined) clauses.push(sql`g.seq <= ${input.toSeq}`);
      if (input.cursor !== undefined) {
        const [seq, observed, id] = decodeCursor(input.cursor, 3);
        clauses.push(sql`(g.seq, g.observed_at, g.id) > (${seq}, ${observed}, ${id})`);
      }
      const rows = await connection.all<MessageColumns>(
        sql`${this.schema.messageSelect} WHERE ${sql.join(clauses, ' AND ')}
            ORDER BY g.seq, g.observed_at, g.id LIMIT ${input.limit + 1}`,
      );
      const items = rows.slice(0, input.limit);
      const last = items[items.length - 1];
      return {
        items: items.map(messageFromRow),
        ...(rows.length > input.limit && last !== undefined
          ? { nextCursor: encodeCursor([last.seq, Number(last.observed_at), last.id]) }
          : {}),
      };
    });
  }

  async getMemories(input: { scope: Scope; ids: string[] }): Promise<MemoryRecord[]> {
    if (input.ids.length === 0) return [];
    return this.statements('read', async (connection) =>
      this.recordsIn(connection, input.ids, await this.schema.visible(connection, 'm', input.scope)),
    );
  }

  /** Newest first by default (by observedAt, then id), a page at a time. */
  async listMemories(input: {
    scope: Scope;
    filter: MemoryFilter;
    limit: number;
    cursor?: string;
    order?: 'asc' | 'desc';
  }): Promise<Page<MemoryRecord>> {
    return this.statements('read', async (connection) => {
      const descending = (input.order ?? 'desc') === 'desc';
      const clauses = [
        await this.schema.visible(connection, 'm', input.scope),
        this.schema.filter(input.filter),
      ];
      if (input.cursor !== undefined) {
        const [observed, id] = decodeCursor(input.cursor, 2);
        clauses.push(sql`(m.observed_at, m.id) ${sql.raw(descending ? '<' : '>')} (${observed}, ${id})`);
      }
      const direction = sql.raw(descending ? 'DESC' : 'ASC');
      const rows = await connection.all<Row>(
        sql`${this.schema.memorySelect} WHERE ${sql.join(clauses, ' AND ')}
            ORDER BY m.observed_at ${direction}, m.id ${direction} LIMIT ${input.limit + 1}`,
      );
      const items = rows.slice(0, input.limit);
      const last = items[items.length - 1];
      return {
        items: items.map((row) => this.rows.record(row)),
        ...(rows.length > input.limit && last !== undefined
          ? { nextCursor: encodeCursor([Number(last.observed_at), last.id]) }
          : {}),
      };
    });
  }

  async findByHash(input: { scope: Scope; hashes: string[]; now: number }): Promise<MemoryRecord[]> {
    if (input.hashes.length === 0) return [];
    return this.statements('read', async (connection) => {
      const { memorySelect } = this.schema;
      const visible = await this.schema.visible(connection, 'm', input.scope);
      const rows = await connection.all<Row>(
        sql`${memorySelect} WHERE ${visible} AND ${this.schema.filter({ now: input.now })}
            AND ${this.schema.hashIn(input.hashes)}`,
      );
      return rows.map((row) => this.rows.record(row));
    });
  }

  async listHistory(input: { scope: Scope; memoryId: string }): Promise<HistoryEntry[]> {
    return this.statements('read', async (connection) => {
      const visible = await this.schema.visible(connection, 'h', input.scope);
      const rows = await connection.all<StoredHistoryRow>(
        sql`${this.schema.historySelect} WHERE h.memory_id = ${input.memoryId} AND ${visible} ORDER BY h.at, h.rid`,
      );
      return historyEntriesIn(this.rows, this.schema, connection, rows);
    });
  }

  /** Stored history rows (a dump's) as public entries, adds' snapshots rebuilt (store/sql/history.ts). */
  protected historyEntries(rows: StoredHistoryRow[]): Promise<HistoryEntry[]> {
    return this.statements('read', (connection) =>
      historyEntriesIn(this.rows, this.schema, connection, rows),
    );
  }

  async insertMemories(input: { memories: MemoryWrite[]; actor: string; at: number }): Promise<void> {
    await this.write(async (tx) => {
      await addMemories(this.rows, tx, input);
      for (const write of input.memories) await this.applyGraph(tx, write, write.record, input.at);
    });
  }

  async supersedeMemory(input: SupersedeInput): Promise<{ previous: MemoryRecord; current: MemoryRecord }> {
    return this.write(async (tx) => {
      const revised = await supersedeIn(this.rows, tx, input);
      await this.applyGraph(tx, input.replacement, revised.current, input.at);
      return revised;
    });
  }

  private async applyGraph(tx: Tx, write: MemoryWrite, record: MemoryRecord, at: number): Promise<void> {
    if (write.graph === undefined) return;
    await applyGraphFactsIn(this.schema, this.rows.statements(tx), { record, facts: write.graph, at });
  }

  async invalidateMemory(input: InvalidateInput): Promise<MemoryRecord> {
    return this.write((tx) => invalidateIn(this.rows, tx, input));
  }

  async patchMemory(input: PatchInput): Promise<MemoryRecord> {
    return this.write((tx) => patchIn(this.rows, tx, input));
  }

  async forgetMemory(input: ForgetInput): Promise<{ forgottenIds: string[] }> {
    const chain = await this.erase(async (tx) => {
      const erased = await forgetIn(this.rows, tx, input);
      await eraseGraphOfMemoriesIn(
        this.schema,
        this.rows.statements(tx),
        erased.map((row) => row.id),
      );
      return erased;
    });
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

  async listEntities(input: EntityQuery): Promise<Page<Entity>> {
    return this.statements('read', (connection) => listEntitiesIn(this.schema, connection, input));
  }

  async getEntities(input: { scope: Scope; ids: readonly string[] }): Promise<Entity[]> {
    return this.statements('read', (connection) => entitiesByIdIn(this.schema, connection, input));
  }

  async findEntities(input: Parameters<GraphStore['findEntities']>[0]): Promise<Entity[]> {
    return this.statements('read', (connection) => findEntitiesIn(this.schema, connection, input));
  }

  async listRelations(input: RelationQuery): Promise<Relation[]> {
    return this.statements('read', (connection) => listRelationsIn(this.schema, connection, input));
  }

  async listMentions(input: Parameters<GraphStore['listMentions']>[0]): Promise<GraphMention[]> {
    return this.statements('read', (connection) => mentionsOfIn(this.schema, connection, input));
  }

  async mergeEntities(input: Parameters<GraphStore['mergeEntities']>[0]): Promise<EntityMerge> {
    return this.statements('write', (connection) => mergeEntitiesIn(this.schema, connection, input));
  }

  async unmergeEntities(input: Parameters<GraphStore['unmergeEntities']>[0]): Promise<EntityMerge> {
    return this.statements('write', (connection) => unmergeEntitiesIn(this.schema, connection, input));
  }

  async listMerges(input: Parameters<GraphStore['listMerges']>[0]): Promise<EntityMerge[]> {
    return this.statements('read', (connection) => listMergesIn(this.schema, connection, input));
  }

  async mergeMemories(input: MergeInput): Promise<{ merged: MemoryRecord; sources: MemoryRecord[] }> {
    return this.write(async (tx) => {
      const result = await mergeIn(this.rows, tx, input);
      await this.applyGraph(tx, input.replacement, result.merged, input.at);
      return result;
    });
  }

  async unmergeMemory(input: UnmergeInput): Promise<{ restored: MemoryRecord[]; erasedId: string }> {
    return this.erase(async (tx) => {
      const { restored, merged } = await unmergeIn(this.rows, tx, input);
      await eraseGraphOfMemoriesIn(this.schema, this.rows.statements(tx), [merged.id]);
      await this.rows.erase(tx, [merged], {
        tombstone: { event: 'unmerge', at: input.at, actor: input.actor },
      });
      return { restored, erasedId: merged.id };
    });
  }

  async archiveMemory(input: ArchiveInput): Promise<MemoryRecord> {
    return this.write((tx) => archiveIn(this.rows, tx, input));
  }

  async restoreMemory(input: RestoreInput): Promise<MemoryRecord> {
    return this.write((tx) => restoreIn(this.rows, tx, input));
  }

  async listMaintenanceScopes(input: { scope?: Scope | undefined }): Promise<MaintenanceScopeInfo[]> {
    return this.statements('read', (connection) => maintenanceScopesIn(this.schema, connection, input.scope));
  }

  async claimMaintenance(
    input: Parameters<MaintenanceStore['claimMaintenance']>[0],
  ): Promise<MaintenanceState | undefined> {
    return this.statements('write', (connection) => claimMaintenanceIn(this.schema, connection, input));
  }

  async releaseMaintenance(input: Parameters<MaintenanceStore['releaseMaintenance']>[0]): Promise<void> {
    await this.statements('write', (connection) => releaseMaintenanceIn(this.schema, connection, input));
  }

  async listCreatedAfter(
    input: Parameters<MaintenanceStore['listCreatedAfter']>[0],
  ): Promise<{ items: MemoryRecord[]; total: number }> {
    return this.statements('read', async (connection) => {
      const { ids, total } = await createdAfterIn(this.schema, connection, input);
      return { items: await this.recordsIn(connection, ids), total };
    });
  }

  async listFading(input: Parameters<MaintenanceStore['listFading']>[0]): Promise<MemoryRecord[]> {
    return this.statements('read', async (connection) =>
      this.recordsIn(connection, await fadingIn(this.schema, connection, input)),
    );
  }

  /** The records of `ids` that pass `where` (none: already scoped by the caller), in the order asked. */
  private async recordsIn(
    connection: SqlConnection,
    ids: string[],
    where?: SqlFragment,
  ): Promise<MemoryRecord[]> {
    if (ids.length === 0) return [];
    const select = this.schema.memoriesWithIds(ids);
    const rows = await connection.all<Row>(where === undefined ? select : sql`${select} AND ${where}`);
    const byId = new Map(rows.map((row) => [row.id, this.rows.record(row)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async forgetScope(input: ForgetScopeInput): Promise<{ memories: number; messages: number }> {
    requireNarrowScope(input.scope);
    return this.eraseScope(input);
  }
}
