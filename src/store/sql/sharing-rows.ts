// The sharing tables' rows: mapping to Space and Grant, their place in dumps and restores, and their erasure
// with the scope they name (used by the access store and by both backends' forgetScope, dump and restore).
import type { Grant, GrantRole, GrantTarget, PrincipalRef, Space } from '../../core/access.js';
import type { Scope } from '../../core/scope.js';
import type { StoreDumpRow } from '../memory-store.js';
import type { Dialect, SqlConnection } from './dialect.js';
import { scopeColumnsWithin } from './scope-storage.js';
import { sql } from './sql.js';

export interface SpaceRow {
  tenant_id: string;
  id: string;
  name: string;
  description: string | null;
  created_at: number | string;
}

export interface GrantRow {
  tenant_id: string;
  principal_type: string;
  principal_id: string;
  target_type: string;
  target_id: string;
  role: string;
  created_at: number | string;
}

export const iso = (ms: number | string): string => new Date(Number(ms)).toISOString();

export function spaceFromRow(row: SpaceRow): Space {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    description: row.description ?? undefined,
    createdAt: iso(row.created_at),
  };
}

export function grantFromRow(row: GrantRow): Grant {
  return {
    tenantId: row.tenant_id,
    principal: { type: row.principal_type as PrincipalRef['type'], id: row.principal_id },
    target: { type: row.target_type as GrantTarget['type'], id: row.target_id },
    role: row.role as GrantRole,
    createdAt: iso(row.created_at),
  };
}

/**
 * Erases, with a scope, the audit rows about it and the sharing rows that name it: a forgotten user's
 * grants (given to it or on it) and the audit rows where that person acted, a deleted space's grants and the
 * space itself. An agent's grants and the record of what it did elsewhere stay: an agent is not a person,
 * and a key bound to an agent must not be able to wipe the trail of its own acts.
 *
 * @example
 * await eraseAccessIn(dialect, connection, { tenantId: 't1', userId: 'alice' });
 */
export async function eraseAccessIn(
  dialect: Dialect,
  connection: SqlConnection,
  scope: Scope,
): Promise<void> {
  const audit = dialect.table('audit_log');
  const grants = dialect.table('grants');
  await connection.run(sql`DELETE FROM ${audit} WHERE ${scopeColumnsWithin(scope)}`);
  const tenant = scope.tenantId;
  const whole = (level: 'userId' | 'spaceId') =>
    (['userId', 'agentId', 'spaceId', 'sessionId'] as const).every(
      (other) => other === level || scope[other] === undefined,
    ) && scope[level] !== undefined;
  if (whole('userId')) {
    const userId = scope.userId as string;
    await connection.run(
      sql`DELETE FROM ${audit} WHERE tenant_id = ${tenant} AND principal_user = ${userId}`,
    );
    await connection.run(
      sql`DELETE FROM ${grants} WHERE tenant_id = ${tenant} AND ((principal_type = 'user' AND principal_id = ${userId})
          OR (target_type = 'user' AND target_id = ${userId}))`,
    );
  }
  if (scope.spaceId !== undefined) {
    await connection.run(
      sql`DELETE FROM ${grants} WHERE tenant_id = ${tenant} AND target_type = 'space' AND target_id = ${scope.spaceId}`,
    );
    await connection.run(
      sql`DELETE FROM ${dialect.table('spaces')} WHERE tenant_id = ${tenant} AND id = ${scope.spaceId}`,
    );
  }
}

/**
 * The sharing rows of a dump: every space and grant, or, for a space scope, that space and its grants (a
 * user's or agent's dump carries none: spaces are the tenant's).
 *
 * @example
 * for await (const row of sharingDumpRows(access, { tenantId: 't1', spaceId: 'research' })) …
 */
export async function* sharingDumpRows(
  dialect: () => Dialect,
  scope: Scope | undefined,
): AsyncIterable<Extract<StoreDumpRow, { type: 'space' | 'grant' }>> {
  if (scope !== undefined && scope.spaceId === undefined) return;
  const where = (column: string) =>
    scope === undefined
      ? sql`1 = 1`
      : sql`tenant_id = ${scope.tenantId} AND ${sql.raw(column)} = ${scope.spaceId}`;
  const spaces = await dialect().all<SpaceRow>(
    sql`SELECT * FROM ${dialect().table('spaces')} WHERE ${where('id')} ORDER BY tenant_id, id`,
  );
  for (const row of spaces) yield { type: 'space', space: spaceFromRow(row) };
  const grants = await dialect().all<GrantRow>(
    sql`SELECT * FROM ${dialect().table('grants')}
        WHERE ${scope === undefined ? sql`1 = 1` : sql`target_type = 'space' AND ${where('target_id')}`}
        ORDER BY tenant_id, target_type, target_id, principal_type, principal_id`,
  );
  for (const row of grants) yield { type: 'grant', grant: grantFromRow(row) };
}

/**
 * Writes a dump's space or grant row verbatim inside a restore's transaction; false when it was there.
 *
 * @example
 * await restoreSharingIn(dialect, connection, { type: 'space', space });
 */
export async function restoreSharingIn(
  dialect: Dialect,
  connection: SqlConnection,
  row: Extract<StoreDumpRow, { type: 'space' | 'grant' }>,
): Promise<boolean> {
  if (row.type === 'space') {
    const { space } = row;
    const result = await connection.run(
      sql`INSERT INTO ${dialect.table('spaces')} (tenant_id, id, name, description, created_at)
          VALUES (${space.tenantId}, ${space.id}, ${space.name}, ${space.description ?? null}, ${Date.parse(space.createdAt)})
          ON CONFLICT DO NOTHING`,
    );
    return result.changes > 0;
  }
  const { grant } = row;
  const result = await connection.run(
    sql`INSERT INTO ${dialect.table('grants')}
          (tenant_id, principal_type, principal_id, target_type, target_id, role, created_at)
        VALUES (${grant.tenantId}, ${grant.principal.type}, ${grant.principal.id}, ${grant.target.type},
          ${grant.target.id}, ${grant.role}, ${Date.parse(grant.createdAt)})
        ON CONFLICT DO NOTHING`,
  );
  return result.changes > 0;
}

/**
 * A dump with the sharing rows first.
 *
 * @example
 * return withSharingRows(() => dialect, input.scope, dumpRows(…));
 */
export async function* withSharingRows(
  dialect: () => Dialect,
  scope: Scope | undefined,
  rows: AsyncIterable<StoreDumpRow>,
): AsyncIterable<StoreDumpRow> {
  yield* sharingDumpRows(dialect, scope);
  yield* rows;
}
