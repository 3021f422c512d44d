// Upkeep's bookkeeping and reads, written once for every SQL backend: per-scope progress and claims
// (`maintenance_state`, one row per exact scope, like usage totals) and the reads that find what changed or
// faded since the last run.
import type { MemoryKind } from '../../core/records.js';
import { type Scope, scopeKey } from '../../core/scope.js';
import type { MaintenanceScopeInfo, MaintenanceState, MaintenanceWatermark } from '../maintenance-store.js';
import { scopeOfRow } from '../row-mapping.js';
import type { SqlConnection } from './dialect.js';
import type { TimeColumn } from './rows.js';
import { type SqlFragment, sql } from './sql.js';
import type { StoreSchema } from './store-schema.js';

interface ScopeRow {
  tenant_id: string;
  user_id: string;
  agent_id: string;
  session_id: string;
}

interface StateRow extends ScopeRow {
  watermark_at: TimeColumn | null;
  watermark_id: string | null;
  reflected_count: number;
  last_run_at: TimeColumn | null;
}

function stateOfRow(row: StateRow): MaintenanceState {
  const state: MaintenanceState = { scope: scopeOfRow(row), reflectedCount: Number(row.reflected_count) };
  if (row.watermark_at !== null && row.watermark_id !== null) {
    state.watermark = { at: Number(row.watermark_at), id: row.watermark_id };
  }
  if (row.last_run_at !== null) state.lastRunAt = Number(row.last_run_at);
  return state;
}

const STATE_COLUMNS = sql.raw('s.watermark_at, s.watermark_id, s.reflected_count, s.last_run_at');

/**
 * Every exact scope inside `scope` (every tenant when undefined) that holds memories, with its count, newest creation and upkeep state.
 *
 * @example
 * const scopes = await maintenanceScopesIn(schema, connection, { tenantId: 't1', userId: 'h' });
 */
export async function maintenanceScopesIn(
  schema: StoreSchema,
  connection: SqlConnection,
  scope: Scope | undefined,
): Promise<MaintenanceScopeInfo[]> {
  const within = scope === undefined ? sql`1 = 1` : await schema.scopes.within(connection, scope);
  const memories = schema.scopes.columns('m');
  const rows = await connection.all<ScopeRow & { memories: number | string; latest_at: TimeColumn }>(
    sql`SELECT ${memories.select}, COUNT(*) AS memories, MAX(m.created_at) AS latest_at
        FROM ${schema.dialect.table('memories')} m ${memories.join} WHERE ${within}
        GROUP BY ${memories.select}`,
  );
  const states = schema.scopes.columns('s');
  const stateRows = await connection.all<StateRow>(
    sql`SELECT ${states.select}, ${STATE_COLUMNS}
        FROM ${schema.dialect.table('maintenance_state')} s ${states.join} WHERE ${within}`,
  );
  const byScope = new Map(stateRows.map((row) => [scopeKey(scopeOfRow(row)), stateOfRow(row)]));
  return rows
    .map((row) => {
      const exact = scopeOfRow(row);
      return {
        scope: exact,
        memories: Number(row.memories),
        latestCreatedAt: Number(row.latest_at),
        state: byScope.get(scopeKey(exact)),
      };
    })
    .sort((left, right) => scopeKey(left.scope).localeCompare(scopeKey(right.scope)));
}

/**
 * Claims exactly `scope` for `owner` until `now + leaseMs` unless another owner's claim is still running;
 * returns the state, or undefined when the scope is taken. One statement, atomic on both backends.
 *
 * @example
 * const state = await claimMaintenanceIn(schema, connection, { scope, owner: 'pid-1', now, leaseMs: 300_000 });
 */
export async function claimMaintenanceIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: { scope: Scope; owner: string; now: number; leaseMs: number },
): Promise<MaintenanceState | undefined> {
  const key = await schema.scopes.key(connection, input.scope);
  const until = input.now + input.leaseMs;
  const claimed = await connection.run(
    sql`INSERT INTO ${schema.dialect.table('maintenance_state')} AS t (${key.columns}, reflected_count,
          claimed_by, claim_until)
        VALUES (${key.values}, 0, ${input.owner}, ${until})
        ON CONFLICT (${key.columns}) DO UPDATE SET claimed_by = excluded.claimed_by, claim_until = excluded.claim_until
        WHERE t.claimed_by IS NULL OR t.claim_until <= ${input.now} OR t.claimed_by = ${input.owner}`,
  );
  if (claimed.changes === 0) return undefined;
  const exact = (await schema.scopes.exact(connection, input.scope)) as SqlFragment;
  const states = schema.scopes.columns('s');
  const row = await connection.get<StateRow>(
    sql`SELECT ${states.select}, ${STATE_COLUMNS}
        FROM ${schema.dialect.table('maintenance_state')} s ${states.join} WHERE ${exact}`,
  );
  return row === undefined ? { scope: input.scope, reflectedCount: 0 } : stateOfRow(row);
}

/**
 * Records progress (when given) and releases `owner`'s claim on exactly `scope`; a claim taken over by
 * another owner after it expired is left alone.
 *
 * @example
 * await releaseMaintenanceIn(schema, connection, { scope, owner, at: Date.now(), watermark });
 */
export async function releaseMaintenanceIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: {
    scope: Scope;
    owner: string;
    at: number;
    watermark?: MaintenanceWatermark | undefined;
    reflectedCount?: number | undefined;
  },
): Promise<void> {
  const exact = await schema.scopes.exact(connection, input.scope);
  if (exact === undefined) return;
  const sets = [sql`claimed_by = NULL`, sql`claim_until = NULL`, sql`last_run_at = ${input.at}`];
  if (input.watermark !== undefined) {
    sets.push(sql`watermark_at = ${input.watermark.at}`, sql`watermark_id = ${input.watermark.id}`);
  }
  if (input.reflectedCount !== undefined) sets.push(sql`reflected_count = ${input.reflectedCount}`);
  await connection.run(
    sql`UPDATE ${schema.dialect.table('maintenance_state')} SET ${sql.join(sets)}
        WHERE ${exact} AND claimed_by = ${input.owner}`,
  );
}

/**
 * Erases the upkeep state of every scope inside `scope` (forgetScope: no row may name a forgotten scope).
 *
 * @example
 * await eraseMaintenanceStateIn(schema, connection, scope);
 */
export async function eraseMaintenanceStateIn(
  schema: StoreSchema,
  connection: SqlConnection,
  scope: Scope,
): Promise<void> {
  await connection.run(
    sql`DELETE FROM ${schema.dialect.table('maintenance_state')} WHERE ${await schema.scopes.within(connection, scope)}`,
  );
}

/** Ids in the order asked, read as records through the backend's select. */
async function idsOf(connection: SqlConnection, query: SqlFragment): Promise<string[]> {
  return (await connection.all<{ id: string }>(query)).map((row) => row.id);
}

/**
 * Ids of current memories of exactly `scope` created after `after`, oldest first, and how many there are.
 *
 * @example
 * const { ids, total } = await createdAfterIn(schema, connection, { scope, limit: 100, now: Date.now() });
 */
export async function createdAfterIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: {
    scope: Scope;
    after?: MaintenanceWatermark | undefined;
    kinds?: readonly MemoryKind[] | undefined;
    limit: number;
    now: number;
  },
): Promise<{ ids: string[]; total: number }> {
  const exact = await schema.scopes.exact(connection, input.scope);
  if (exact === undefined) return { ids: [], total: 0 };
  const clauses = [
    exact,
    schema.filter({ now: input.now, kinds: input.kinds ? [...input.kinds] : undefined }),
  ];
  if (input.after !== undefined) {
    clauses.push(sql`(m.created_at, m.id) > (${input.after.at}, ${input.after.id})`);
  }
  const where = sql.join(clauses, ' AND ');
  const table = schema.dialect.table('memories');
  const ids = await idsOf(
    connection,
    sql`SELECT m.id FROM ${table} m WHERE ${where} ORDER BY m.created_at, m.id LIMIT ${input.limit}`,
  );
  const counted = await connection.get<{ total: number | string }>(
    sql`SELECT COUNT(*) AS total FROM ${table} m WHERE ${where}`,
  );
  return { ids, total: Number(counted?.total ?? 0) };
}

/**
 * Ids of current, unarchived memories of exactly `scope` (of `kinds`, importance below 1) idle longer than
 * `idleUnitMs × (0.5 + importance) × (1 + accessCount)`, least recently touched first.
 *
 * @example
 * const ids = await fadingIn(schema, connection, { scope, idleUnitMs, kinds: ['episode'], limit: 500, now });
 */
export async function fadingIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: { scope: Scope; idleUnitMs: number; kinds: readonly MemoryKind[]; limit: number; now: number },
): Promise<string[]> {
  const exact = await schema.scopes.exact(connection, input.scope);
  if (exact === undefined || input.kinds.length === 0) return [];
  const touched = sql`COALESCE(m.last_accessed_at, m.created_at)`;
  // The shortest archive line (importance 0, never recalled) bounds the scan; the exact line follows.
  const unit = Math.round(input.idleUnitMs);
  const shortest = input.now - Math.ceil(unit * 0.5);
  return idsOf(
    connection,
    sql`SELECT m.id FROM ${schema.dialect.table('memories')} m
        WHERE ${exact} AND ${schema.filter({ now: input.now, kinds: [...input.kinds] })}
          AND m.archived_at IS NULL AND m.importance < 1 AND ${touched} < ${shortest}
          AND ${input.now} - ${touched} > ${unit} * (0.5 + m.importance) * (1 + m.access_count)
        ORDER BY ${touched}, m.id LIMIT ${input.limit}`,
  );
}
