// The AccessStore, written once over the Dialect seam: spaces, grants, the access check and the audit log
// (tables `spaces`, `grants`, `audit_log`; SQLite migration 13, PostgreSQL 9; see access-schema.ts).
import {
  type AccessDecision,
  decideAccess,
  type Grant,
  type GrantRole,
  type GrantTarget,
  isBound,
  type PrincipalRef,
  principalsOf,
  readableSpaces,
  requestedSpace,
  type Space,
  type Surface,
} from '../../core/access.js';
import { MnemoError, notFound } from '../../core/errors.js';
import { uuidV7 } from '../../core/ids.js';
import type { Page } from '../../core/records.js';
import {
  type AccessStore,
  type AuditAction,
  type AuditEntry,
  type AuditQuery,
  type AuditWrite,
  type AuthorizeInput,
  auditAggregateKey,
  auditPrincipal,
  deniedScope,
} from '../access-store.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { scopeOfRow } from '../row-mapping.js';
import type { Dialect, SqlConnection } from './dialect.js';
import { scopeColumnsKey, scopeColumnsWithin } from './scope-storage.js';
import { type GrantRow, grantFromRow, iso, type SpaceRow, spaceFromRow } from './sharing-rows.js';
import { type SqlFragment, sql } from './sql.js';

interface AuditRow {
  id: string;
  tenant_id: string;
  user_id: string;
  agent_id: string;
  session_id: string;
  principal: string;
  surface: string;
  action: string;
  operation: string;
  count: number | string;
  at: number | string;
  last_at: number | string;
  detail: string | null;
}

function auditFromRow(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    scope: scopeOfRow(row),
    principal: row.principal,
    surface: row.surface as Surface,
    action: row.action as AuditAction,
    operation: row.operation,
    count: Number(row.count),
    at: iso(row.at),
    lastAt: iso(row.last_at),
    detail: row.detail ?? undefined,
  };
}

/**
 * Spaces, grants, authorisation and audit over a dialect. `run` is the store's own statement runner (its
 * transactions and retry policy), so these share the memories' connection and locking.
 *
 * @example
 * const access = new SqlAccessStore((mode, work) => store.statements(mode, work), () => dialect);
 */
export class SqlAccessStore implements AccessStore {
  constructor(
    private readonly run: <T>(
      mode: 'read' | 'write',
      work: (connection: SqlConnection) => Promise<T>,
    ) => Promise<T>,
    private readonly dialect: () => Dialect,
  ) {}

  private table(name: string): SqlFragment {
    return this.dialect().table(name);
  }

  async createSpace(input: { space: Omit<Space, 'createdAt'>; at: number }): Promise<Space> {
    const { space, at } = input;
    return this.run('write', async (connection) => {
      const row = await connection.get<SpaceRow>(
        sql`INSERT INTO ${this.table('spaces')} (tenant_id, id, name, description, created_at)
            VALUES (${space.tenantId}, ${space.id}, ${space.name}, ${space.description ?? null}, ${at})
            ON CONFLICT DO NOTHING RETURNING *`,
      );
      if (row === undefined) {
        throw new MnemoError({
          code: 'CONFLICT',
          message: `Tenant "${space.tenantId}" already has a space "${space.id}".`,
          details: { tenantId: space.tenantId, spaceId: space.id },
        });
      }
      return spaceFromRow(row);
    });
  }

  async getSpace(input: { tenantId: string; id: string }): Promise<Space | undefined> {
    return this.run('read', (connection) => this.spaceIn(connection, input.tenantId, input.id));
  }

  private async spaceIn(connection: SqlConnection, tenantId: string, id: string): Promise<Space | undefined> {
    const row = await connection.get<SpaceRow>(
      sql`SELECT * FROM ${this.table('spaces')} WHERE tenant_id = ${tenantId} AND id = ${id}`,
    );
    return row === undefined ? undefined : spaceFromRow(row);
  }

  async listSpaces(input: { tenantId: string }): Promise<Space[]> {
    const rows = await this.run('read', (connection) =>
      connection.all<SpaceRow>(
        sql`SELECT * FROM ${this.table('spaces')} WHERE tenant_id = ${input.tenantId}
            ORDER BY ${this.dialect().binaryOrder(sql`id`)}`,
      ),
    );
    return rows.map(spaceFromRow);
  }

  async findSpaceTenants(input: { id: string }): Promise<string[]> {
    const rows = await this.run('read', (connection) =>
      connection.all<{ tenant_id: string }>(
        sql`SELECT tenant_id FROM ${this.table('spaces')} WHERE id = ${input.id}
            ORDER BY ${this.dialect().binaryOrder(sql`tenant_id`)}`,
      ),
    );
    return rows.map((row) => row.tenant_id);
  }

  async putGrant(input: {
    tenantId: string;
    principal: PrincipalRef;
    target: GrantTarget;
    role: GrantRole;
    at: number;
  }): Promise<Grant> {
    const { tenantId, principal, target, role, at } = input;
    return this.run('write', async (connection) => {
      if (target.type === 'space' && (await this.spaceIn(connection, tenantId, target.id)) === undefined) {
        throw notFound('Space', target.id);
      }
      const row = await connection.get<GrantRow>(
        sql`INSERT INTO ${this.table('grants')}
              (tenant_id, principal_type, principal_id, target_type, target_id, role, created_at)
            VALUES (${tenantId}, ${principal.type}, ${principal.id}, ${target.type}, ${target.id}, ${role}, ${at})
            ON CONFLICT (tenant_id, principal_type, principal_id, target_type, target_id)
            DO UPDATE SET role = excluded.role
            RETURNING *`,
      );
      return grantFromRow(row as GrantRow);
    });
  }

  async deleteGrant(input: {
    tenantId: string;
    principal: PrincipalRef;
    target: GrantTarget;
  }): Promise<boolean> {
    const { tenantId, principal, target } = input;
    const result = await this.run('write', (connection) =>
      connection.run(
        sql`DELETE FROM ${this.table('grants')} WHERE tenant_id = ${tenantId}
            AND principal_type = ${principal.type} AND principal_id = ${principal.id}
            AND target_type = ${target.type} AND target_id = ${target.id}`,
      ),
    );
    return result.changes > 0;
  }

  async listGrants(input: {
    tenantId: string;
    principal?: PrincipalRef | undefined;
    target?: GrantTarget | undefined;
  }): Promise<Grant[]> {
    const clauses = [sql`tenant_id = ${input.tenantId}`];
    if (input.principal !== undefined) {
      clauses.push(sql`principal_type = ${input.principal.type} AND principal_id = ${input.principal.id}`);
    }
    if (input.target !== undefined) {
      clauses.push(sql`target_type = ${input.target.type} AND target_id = ${input.target.id}`);
    }
    const rows = await this.run('read', (connection) =>
      connection.all<GrantRow>(
        sql`SELECT * FROM ${this.table('grants')} WHERE ${sql.join(clauses, ' AND ')}
            ORDER BY target_type, target_id, principal_type, principal_id`,
      ),
    );
    return rows.map(grantFromRow);
  }

  async authorize(input: AuthorizeInput): Promise<AccessDecision> {
    const { caller, request, access, at } = input;
    const tenantId = request.tenantId ?? 'default';
    const principals = principalsOf(caller, request);
    const reading = access === 'read';
    // Grants decide only for a space, a bound caller, or a read that draws on granted spaces; an unbound
    // call on a user's scope (every embedded add) skips the lookup.
    const needsGrants =
      isBound(caller) ||
      requestedSpace(caller, request) !== undefined ||
      (reading && input.includeGrantedSpaces === true);
    const outcome = await this.run(reading ? 'read' : 'write', async (connection) => {
      const grants = needsGrants ? await this.grantsOfIn(connection, tenantId, principals) : [];
      let decision: AccessDecision;
      try {
        decision = decideAccess({ caller, request, access, grants });
      } catch (error) {
        if (!(error instanceof MnemoError) || error.code !== 'FORBIDDEN' || reading) throw error;
        // The refusal is recorded (this transaction commits), then thrown to the caller.
        const scope = deniedScope(tenantId, request, caller);
        await this.auditIn(connection, {
          tenantId,
          scope,
          principals,
          surface: caller.surface,
          action: 'denied',
          operation: input.operation,
          detail: error.message,
          at,
        });
        return { denied: error };
      }
      const { spaceId } = decision.scope;
      if (spaceId !== undefined && (await this.spaceIn(connection, tenantId, spaceId)) === undefined) {
        throw notFound('Space', spaceId);
      }
      if (input.includeGrantedSpaces && access === 'read' && spaceId === undefined) {
        const shared = readableSpaces(grants, decision.principals);
        if (shared.length > 0) decision = { ...decision, scope: { ...decision.scope, sharedSpaces: shared } };
      }
      if (input.audit && !reading) {
        await this.auditIn(connection, {
          tenantId,
          scope: decision.scope,
          principals: decision.principals,
          surface: caller.surface,
          action: access === 'admin' ? 'admin' : 'write',
          operation: input.operation,
          detail: input.detail,
          at,
        });
      }
      return { decision };
    });
    if ('denied' in outcome) throw outcome.denied;
    return outcome.decision;
  }

  private async grantsOfIn(
    connection: SqlConnection,
    tenantId: string,
    principals: readonly PrincipalRef[],
  ): Promise<Grant[]> {
    if (principals.length === 0) return [];
    const matches = principals.map(
      (principal) => sql`(principal_type = ${principal.type} AND principal_id = ${principal.id})`,
    );
    const rows = await connection.all<GrantRow>(
      sql`SELECT * FROM ${this.table('grants')} WHERE tenant_id = ${tenantId} AND (${sql.join(matches, ' OR ')})`,
    );
    return rows.map(grantFromRow);
  }

  async recordAudit(entries: readonly AuditWrite[]): Promise<void> {
    if (entries.length === 0) return;
    await this.run('write', async (connection) => {
      for (const entry of entries) await this.auditIn(connection, entry);
    });
  }

  private async auditIn(connection: SqlConnection, entry: AuditWrite): Promise<void> {
    const principal = auditPrincipal(entry.principals);
    const named = (type: PrincipalRef['type']) => entry.principals.find((p) => p.type === type)?.id ?? '';
    const key = scopeColumnsKey(entry.scope);
    // Reads share one row per hour, principal, surface, operation and scope; everything else is its own row.
    const aggregate = auditAggregateKey(entry);
    const count = entry.count ?? 1;
    const lastAt = entry.lastAt ?? entry.at;
    await connection.run(
      sql`INSERT INTO ${this.table('audit_log')} AS a (id, ${key.columns}, principal, principal_user, principal_agent,
            key_id, surface, action, operation, count, at, last_at, detail, aggregate_key)
          VALUES (${uuidV7()}, ${key.values}, ${principal}, ${named('user')}, ${named('agent')}, ${named('key')},
            ${entry.surface}, ${entry.action}, ${entry.operation}, ${count}, ${entry.at}, ${lastAt},
            ${entry.detail ?? null}, ${aggregate})
          ON CONFLICT (aggregate_key) DO UPDATE SET count = a.count + excluded.count,
            last_at = CASE WHEN excluded.last_at > a.last_at THEN excluded.last_at ELSE a.last_at END`,
    );
  }

  async purgeAudit(input: { before: number; tenantId?: string | undefined }): Promise<{ purged: number }> {
    const tenant = input.tenantId === undefined ? sql`1 = 1` : sql`tenant_id = ${input.tenantId}`;
    const result = await this.run('write', (connection) =>
      connection.run(
        sql`DELETE FROM ${this.table('audit_log')} WHERE ${tenant} AND last_at < ${input.before}`,
      ),
    );
    return { purged: result.changes };
  }

  async listAudit(query: AuditQuery): Promise<Page<AuditEntry>> {
    const clauses = [
      query.scope === undefined ? sql`tenant_id = ${query.tenantId}` : scopeColumnsWithin(query.scope),
    ];
    if (query.scope !== undefined && query.scope.tenantId !== query.tenantId) clauses.push(sql`1 = 0`);
    if (query.principal !== undefined) {
      const column = { user: 'principal_user', agent: 'principal_agent', key: 'key_id' }[
        query.principal.type
      ];
      clauses.push(sql`${sql.raw(column)} = ${query.principal.id}`);
    }
    if (query.action !== undefined) clauses.push(sql`action = ${query.action}`);
    if (query.since !== undefined) clauses.push(sql`last_at >= ${query.since}`);
    if (query.cursor !== undefined) {
      const [lastAt, id] = decodeCursor(query.cursor, 2);
      clauses.push(sql`(last_at < ${lastAt} OR (last_at = ${lastAt} AND id < ${id}))`);
    }
    const rows = await this.run('read', (connection) =>
      connection.all<AuditRow>(
        sql`SELECT * FROM ${this.table('audit_log')} WHERE ${sql.join(clauses, ' AND ')}
            ORDER BY last_at DESC, id DESC LIMIT ${query.limit + 1}`,
      ),
    );
    const items = rows.slice(0, query.limit).map(auditFromRow);
    const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
    return last === undefined
      ? { items }
      : { items, nextCursor: encodeCursor([Number(last.last_at), last.id]) };
  }
}
