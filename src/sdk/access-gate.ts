// The SDK's one door to a scope: every scoped method asks `resolve` (or `decide`) for its scope, which runs
// the access rule in the store (store.access.authorize: grants as they are now, audit row, typed FORBIDDEN).
import {
  type AccessDecision,
  type AccessLevel,
  type Caller,
  callerSchema,
  describePrincipal,
  ownerCaller,
  type PrincipalRef,
  principalsOf,
  type ScopeRequest,
  type ScopeResolver,
} from '../core/access.js';
import type { Clock } from '../core/clock.js';
import { MnemoError } from '../core/errors.js';
import { DEFAULT_TENANT, type Scope, scopeSchema } from '../core/scope.js';
import { parseInput } from '../core/validate.js';
import { type AuditWrite, deniedScope } from '../store/access-store.js';
import type { MemoryStore } from '../store/memory-store.js';
import { createReadAudit } from './read-audit.js';

const requestFieldsSchema = scopeSchema.partial({ tenantId: true });

export interface AccessGate {
  /** The scope a call may use (see ScopeResolver). */
  resolve: ScopeResolver;
  /** The whole decision: the scope, who acted, and the grant relied on. */
  decide(
    request: ScopeRequest,
    access: AccessLevel,
    operation: string,
    options?: { includeSpaces?: boolean | undefined; detail?: string | undefined },
  ): Promise<AccessDecision>;
  /** The caller of a call's options, validated (the owner when absent). */
  callerOf(caller: unknown): Caller;
  /** The history actor of a decided write: the acting principals in a shared space, else `fallback`. */
  actorOf(decision: AccessDecision, fallback: string): string;
  /** Writes the reads counted so far to the audit log. */
  flushAudit(): Promise<void>;
  /** Writes what is left and stops counting (called by close()). */
  close(): Promise<void>;
}

/**
 * The gate over a store. `audit: false` records only denials.
 *
 * @example
 * const gate = createAccessGate({ store, clock, audit: true });
 * const scope = await gate.resolve({ agentId: 'reader', spaceId: 'research' }, 'read', 'search');
 */
function callerOf(caller: unknown): Caller {
  return caller === undefined ? ownerCaller : parseInput(callerSchema, caller, 'caller');
}

export function createAccessGate(deps: { store: MemoryStore; clock: Clock; audit: boolean }): AccessGate {
  const reads = createReadAudit((entries) => deps.store.access.recordAudit(entries));
  const decide: AccessGate['decide'] = async (request, access, operation, options) => {
    const { caller, ...fields } = request ?? {};
    const parsedCaller = callerOf(caller);
    const parsedFields = parseInput(requestFieldsSchema, fields, 'scope');
    const at = deps.clock.now();
    const read = (scope: Scope, principals: PrincipalRef[], extra: Partial<AuditWrite> = {}) =>
      reads.add({
        tenantId: scope.tenantId,
        scope,
        principals,
        surface: parsedCaller.surface,
        action: 'read',
        operation,
        at,
        ...extra,
      });
    let decision: AccessDecision;
    try {
      decision = await deps.store.access.authorize({
        caller: parsedCaller,
        request: parsedFields,
        access,
        operation,
        includeGrantedSpaces: options?.includeSpaces ?? false,
        at,
        audit: deps.audit,
        detail: options?.detail,
      });
    } catch (error) {
      // A refused read is recorded like a read: counted here, written within a second (never on the read's path).
      if (access === 'read' && error instanceof MnemoError && error.code === 'FORBIDDEN') {
        const tenantId = parsedFields.tenantId ?? DEFAULT_TENANT;
        const scope = deniedScope(tenantId, parsedFields, parsedCaller);
        read(scope, principalsOf(parsedCaller, parsedFields), { action: 'denied', detail: error.message });
      }
      throw error;
    }
    if (access === 'read' && deps.audit) {
      const { sharedSpaces, ...own } = decision.scope;
      read(own, decision.principals);
      // A read across granted spaces is a read of each of them, on the space's own trail.
      for (const spaceId of sharedSpaces ?? []) {
        read({ tenantId: own.tenantId, spaceId }, decision.principals, { detail: 'through a grant' });
      }
    }
    return decision;
  };
  return {
    decide,
    flushAudit: () => reads.flush(),
    close: () => reads.close(),
    callerOf,
    resolve: async (request, access, operation, options) =>
      (await decide(request, access, operation, options)).scope,
    actorOf: (decision, fallback) =>
      decision.scope.spaceId !== undefined && decision.principals.length > 0
        ? decision.principals.map(describePrincipal).join(',')
        : fallback,
  };
}
