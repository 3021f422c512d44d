// How a backend stores the scope of a row, the one place where SQLite (a partition id and the session) and
// PostgreSQL (four scope columns, '' for absent levels) differ for the tables keyed by exactly one scope.
import { type Scope, userLevelOf } from '../../core/scope.js';
import type { SqlConnection } from './dialect.js';
import { type SqlFragment, sql } from './sql.js';

/** The scope of a row to insert: its columns and their values, in the same order. */
export interface ScopeKey {
  columns: SqlFragment;
  values: SqlFragment;
}

export interface ScopeStorage {
  /** The columns and values that store exactly `scope` (SQLite creates the scope's partition). */
  key(connection: SqlConnection, scope: Scope): Promise<ScopeKey>;
  /** The condition for rows of exactly `scope`; undefined when no row can have it yet. */
  exact(connection: SqlConnection, scope: Scope): Promise<SqlFragment | undefined>;
  /** The condition for rows of `scope` and everything inside it (containment, never visibility). */
  within(connection: SqlConnection, scope: Scope): Promise<SqlFragment>;
  /**
   * The four scope levels of rows aliased `alias`, selected as `tenant_id, user_id, agent_id, session_id`
   * ('' for absent levels), and the join that reads them (SQLite joins the partition; PostgreSQL needs none).
   */
  columns(alias: string): { join: SqlFragment; select: SqlFragment };
}

/**
 * The levels `scope` names, over the four scope columns ('' stores an absent level): containment, the scope
 * and everything inside it.
 *
 * @example
 * scopeColumnsWithin({ tenantId: 't1', userId: 'alice' }); // tenant_id = ? AND user_id = ?
 */
export function scopeColumnsWithin(scope: Scope): SqlFragment {
  const clauses = [sql`tenant_id = ${scope.tenantId}`];
  const userLevel = userLevelOf(scope);
  if (userLevel !== undefined) clauses.push(sql`user_id = ${userLevel}`);
  if (scope.agentId !== undefined) clauses.push(sql`agent_id = ${scope.agentId}`);
  if (scope.sessionId !== undefined) clauses.push(sql`session_id = ${scope.sessionId}`);
  return sql.join(clauses, ' AND ');
}

/**
 * Exactly `scope` over the four scope columns ('' for absent levels).
 *
 * @example
 * scopeColumnsExact({ tenantId: 't1' }); // tenant_id = ? AND user_id = ? AND agent_id = ? AND session_id = ?
 */
export function scopeColumnsExact(scope: Scope): SqlFragment {
  return sql`tenant_id = ${scope.tenantId} AND user_id = ${userLevelOf(scope) ?? ''} AND agent_id = ${scope.agentId ?? ''}
    AND session_id = ${scope.sessionId ?? ''}`;
}

/**
 * The four scope columns and values of exactly `scope`, for an INSERT.
 *
 * @example
 * const key = scopeColumnsKey(scope); // columns: tenant_id, user_id, agent_id, session_id
 */
export function scopeColumnsKey(scope: Scope): ScopeKey {
  return {
    columns: sql`tenant_id, user_id, agent_id, session_id`,
    values: sql`${scope.tenantId}, ${userLevelOf(scope) ?? ''}, ${scope.agentId ?? ''}, ${scope.sessionId ?? ''}`,
  };
}
