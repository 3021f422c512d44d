// How PostgreSQL stores a row's scope: four columns, '' for the levels the scope leaves out.
import {
  type ScopeStorage,
  scopeColumnsExact,
  scopeColumnsKey,
  scopeColumnsWithin,
} from '../sql/scope-storage.js';
import { sql } from '../sql/sql.js';

/**
 * Scopes on PostgreSQL: the tenant, user, agent and session columns of the row itself.
 *
 * @example
 * const where = await postgresScopes.within(connection, { tenantId: 't1', userId: 'alice' });
 */
export const postgresScopes: ScopeStorage = {
  key: async (_connection, scope) => scopeColumnsKey(scope),
  exact: async (_connection, scope) => scopeColumnsExact(scope),
  within: async (_connection, scope) => scopeColumnsWithin(scope),
  columns: (alias) => ({
    join: sql.empty,
    select: sql.raw(`${alias}.tenant_id, ${alias}.user_id, ${alias}.agent_id, ${alias}.session_id`),
  }),
};
