// How SQLite stores a row's scope: the partition of (tenant, user, agent) and the session column.
import { type Scope, userLevelOf } from '../../core/scope.js';
import type { SqlConnection } from '../sql/dialect.js';
import type { ScopeStorage } from '../sql/scope-storage.js';
import { type SqlFragment, sql } from '../sql/sql.js';

/** The partition of exactly `scope` ('' for absent levels), created when asked to. */
async function partitionOf(
  connection: SqlConnection,
  scope: Scope,
  options: { create: boolean },
): Promise<number | undefined> {
  const key = [scope.tenantId, userLevelOf(scope) ?? '', scope.agentId ?? ''] as const;
  if (options.create) {
    await connection.run(
      sql`INSERT INTO partitions (tenant_id, user_id, agent_id) VALUES (${key[0]}, ${key[1]}, ${key[2]}) ON CONFLICT DO NOTHING`,
    );
  }
  const row = await connection.get<{ id: number }>(
    sql`SELECT id FROM partitions WHERE tenant_id = ${key[0]} AND user_id = ${key[1]} AND agent_id = ${key[2]}`,
  );
  return row?.id;
}

/**
 * Scopes on SQLite: a partition id per (tenant, user, agent), the session in its own column.
 *
 * @example
 * const where = await sqliteScopes.within(connection, { tenantId: 't1', userId: 'alice' });
 */
export const sqliteScopes: ScopeStorage = {
  async key(connection, scope) {
    const partition = await partitionOf(connection, scope, { create: true });
    return { columns: sql`partition_id, session_id`, values: sql`${partition}, ${scope.sessionId ?? ''}` };
  },
  async exact(connection, scope): Promise<SqlFragment | undefined> {
    const partition = await partitionOf(connection, scope, { create: false });
    return partition === undefined
      ? undefined
      : sql`partition_id = ${partition} AND session_id = ${scope.sessionId ?? ''}`;
  },
  async within(connection, scope) {
    const levels = [sql`tenant_id = ${scope.tenantId}`];
    const userLevel = userLevelOf(scope);
    if (userLevel !== undefined) levels.push(sql`user_id = ${userLevel}`);
    if (scope.agentId !== undefined) levels.push(sql`agent_id = ${scope.agentId}`);
    const rows = await connection.all<{ id: number }>(
      sql`SELECT id FROM partitions WHERE ${sql.join(levels, ' AND ')}`,
    );
    if (rows.length === 0) return sql`0`;
    const partitions = sql`partition_id IN (${sql.list(rows.map((row) => row.id))})`;
    return scope.sessionId === undefined
      ? partitions
      : sql`${partitions} AND session_id = ${scope.sessionId}`;
  },
  columns: (alias) => ({
    join: sql.raw(`JOIN partitions ${alias}_p ON ${alias}_p.id = ${alias}.partition_id`),
    select: sql.raw(`${alias}_p.tenant_id, ${alias}_p.user_id, ${alias}_p.agent_id, ${alias}.session_id`),
  }),
};
