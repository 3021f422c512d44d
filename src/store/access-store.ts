// What sharing needs from a store: spaces, grants, the access check (THE rule of core/access.ts, applied in
// the store's own transaction with the grants it holds at that moment) and the audit log.
import type {
  AccessDecision,
  AccessLevel,
  AccessRequest,
  Caller,
  Grant,
  GrantRole,
  GrantTarget,
  PrincipalRef,
  Space,
  Surface,
} from '../core/access.js';
import { describePrincipal, requestedSpace } from '../core/access.js';
import type { Page } from '../core/records.js';
import { type Scope, scopeKey } from '../core/scope.js';

/** Reads are aggregated into one audit row per this window (and principal, surface, operation, scope). */
export const READ_AUDIT_WINDOW_MS = 60 * 60 * 1000;

/** How an audit row names who acted: `agent:writer,user:alice`, or `owner` when nobody is named. */
export function auditPrincipal(principals: readonly PrincipalRef[]): string {
  return principals.length === 0 ? 'owner' : principals.map(describePrincipal).join(',');
}

/**
 * The row a read adds up into (null for anything else, one row each): scope, principal, surface, operation
 * and hour.
 *
 * @example
 * auditAggregateKey({ action: 'read', scope, principals: [], surface: 'sdk', operation: 'search', at, tenantId: 't1' });
 */
export function auditAggregateKey(entry: AuditWrite): string | null {
  if (entry.action !== 'read') return null;
  return JSON.stringify([
    scopeKey(entry.scope),
    auditPrincipal(entry.principals),
    entry.surface,
    entry.operation,
    Math.floor(entry.at / READ_AUDIT_WINDOW_MS),
  ]);
}

/** What an audit row says was done: a read, a write, grant/space administration, or a refusal. */
export const auditActions = ['read', 'write', 'admin', 'denied'] as const;
export type AuditAction = (typeof auditActions)[number];

/**
 * One row of the audit log. Writes, administration and denials are one row per operation; reads are
 * aggregated per hour, principal, surface, operation and scope (`count` reads between `at` and `lastAt`).
 */
export interface AuditEntry {
  id: string;
  tenantId: string;
  /** The scope or space read or written (for administration: the space or user the grant is on). */
  scope: Scope;
  /** Who acted: `agent:writer`, `user:alice`, `key:<id>`, or `owner` (an embedded or CLI call naming nobody). */
  principal: string;
  surface: Surface;
  action: AuditAction;
  /** The operation: `search`, `add`, `grant`, … */
  operation: string;
  count: number;
  /** ISO time of the first (or only) occurrence. */
  at: string;
  /** ISO time of the last occurrence (equal to `at` for single operations). */
  lastAt: string;
  /** Why a request was refused, or what an administration changed. */
  detail: string | undefined;
}

/** An audit row to write. */
export interface AuditWrite {
  tenantId: string;
  scope: Scope;
  principals: readonly PrincipalRef[];
  surface: Surface;
  action: AuditAction;
  operation: string;
  detail?: string | undefined;
  /** Epoch ms (of the first occurrence, for several reads). */
  at: number;
  /** Reads only: how many reads this row stands for (default 1), the last at `lastAt`. */
  count?: number | undefined;
  lastAt?: number | undefined;
}

export interface AuditQuery {
  tenantId: string;
  /** Rows about this scope and everything inside it (containment, as forgetScope). */
  scope?: Scope | undefined;
  /** Rows where this principal acted (`{ type: 'agent', id: 'writer' }`). */
  principal?: PrincipalRef | undefined;
  action?: AuditAction | undefined;
  /** Epoch ms: rows whose last occurrence is at or after. */
  since?: number | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface AuthorizeInput {
  caller: Caller;
  request: AccessRequest;
  access: AccessLevel;
  /** Named in the audit log (`search`, `add`, …). */
  operation: string;
  /** Reads only: add the spaces the acting identities may read to the decided scope (`sharedSpaces`). */
  includeGrantedSpaces?: boolean | undefined;
  /** Epoch ms. */
  at: number;
  /**
   * Writes and administration: record the audit row of an allowed request in the check's transaction
   * (denials of them are always recorded). Reads never write here, so they never wait for a write lock:
   * the caller aggregates them and records them with `recordAudit` (see sdk/read-audit.ts).
   */
  audit: boolean;
  /** Kept on the audit row (what an administration changed). */
  detail?: string | undefined;
}

/**
 * Spaces, grants, the access check and the audit log, in the store's own database. Every method is one
 * transaction; `authorize` reads the grants as they are when it runs, so a revoked grant stops the next request.
 */
export interface AccessStore {
  /** Creates a space; CONFLICT when the tenant already has one with this id. */
  createSpace(input: { space: Omit<Space, 'createdAt'>; at: number }): Promise<Space>;
  getSpace(input: { tenantId: string; id: string }): Promise<Space | undefined>;
  /** The tenant's spaces by id. */
  listSpaces(input: { tenantId: string }): Promise<Space[]>;
  /** The tenants that have a space with this id, sorted (the CLI finds a space's tenant when none is given). */
  findSpaceTenants(input: { id: string }): Promise<string[]>;
  /** Gives (or changes) `role` to a principal on a target. A space target must exist (NOT_FOUND). */
  putGrant(input: {
    tenantId: string;
    principal: PrincipalRef;
    target: GrantTarget;
    role: GrantRole;
    at: number;
  }): Promise<Grant>;
  /** Takes a grant back; false when there was none. */
  deleteGrant(input: { tenantId: string; principal: PrincipalRef; target: GrantTarget }): Promise<boolean>;
  /** The tenant's grants, narrowed to a principal and/or a target. */
  listGrants(input: {
    tenantId: string;
    principal?: PrincipalRef | undefined;
    target?: GrantTarget | undefined;
  }): Promise<Grant[]>;
  /**
   * THE access check (core/access.ts `decideAccess`) over the grants held now: returns the decision, or
   * throws FORBIDDEN (NOT_FOUND for an unknown space). A write or administration records its audit row, or
   * its denial, in the same transaction; a read only reads.
   */
  authorize(input: AuthorizeInput): Promise<AccessDecision>;
  /** Records audit rows in one transaction; reads of one hour, principal, surface, operation and scope add up. */
  recordAudit(entries: readonly AuditWrite[]): Promise<void>;
  /** Audit rows, newest first. */
  listAudit(query: AuditQuery): Promise<Page<AuditEntry>>;
  /** Erases audit rows whose last occurrence is before `before` (epoch ms), of one tenant or all. */
  purgeAudit(input: { before: number; tenantId?: string | undefined }): Promise<{ purged: number }>;
}

/** The scope a refused request aimed at, for its audit row (malformed requests fall back to the tenant). */
export function deniedScope(tenantId: string, request: AccessRequest, caller: Caller): Scope {
  const spaceId = requestedSpace(caller, request);
  if (spaceId !== undefined) return { tenantId, spaceId };
  const scope: Scope = { tenantId };
  if (request.userId !== undefined) scope.userId = request.userId;
  if (request.agentId !== undefined) scope.agentId = request.agentId;
  if (request.sessionId !== undefined) scope.sessionId = request.sessionId;
  return scope;
}
