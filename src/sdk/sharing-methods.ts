// `memory.spaces`, `memory.grants` and `memory.audit()`: sharing memory between agents and users under
// explicit grants, every administration passing the same access rule as reads and writes (core/access.ts).
import { z } from 'zod';
import {
  type Caller,
  type Grant,
  type GrantInput,
  grantInputSchema,
  grantTargetSchema,
  holdsGrant,
  isBound,
  type PrincipalRef,
  principalRefSchema,
  principalsOf,
  type RevokeInput,
  readableSpaces,
  requireTenantAdmin,
  revokeInputSchema,
  type Space,
  type SpaceInput,
  spaceInputSchema,
} from '../core/access.js';
import type { Clock } from '../core/clock.js';
import { notFound } from '../core/errors.js';
import type { Page } from '../core/records.js';
import { scopeSchema } from '../core/scope.js';
import { timeInputSchema } from '../core/time-input.js';
import { parseInput, textSchema } from '../core/validate.js';
import { forgetScope } from '../ingest/forget-memory.js';
import type { InferenceQueue } from '../ingest/infer/inference-queue.js';
import { type AuditEntry, auditActions } from '../store/access-store.js';
import type { MemoryStore } from '../store/memory-store.js';
import type { AccessGate } from './access-gate.js';

type WithCaller = { caller?: Caller | undefined };
const tenantSchema = z.object({ tenantId: scopeSchema.shape.tenantId });

/** The `memory.spaces` namespace. */
export interface SpaceMethods {
  /** Creates a space (tenant admin). `id`, the `spaceId` memories name, defaults to `name`. */
  create(input: SpaceInput & WithCaller): Promise<Space>;
  /** One space; NOT_FOUND when the tenant has none with this id. */
  get(id: string, options?: { tenantId?: string | undefined } & WithCaller): Promise<Space>;
  /** The tenant's spaces: all of them for its admin, the ones granted to a bound caller otherwise. */
  list(options?: { tenantId?: string | undefined } & WithCaller): Promise<Space[]>;
  /** Deletes a space with every memory, message, grant and audit row in it (tenant or space admin). */
  delete(
    id: string,
    options?: { tenantId?: string | undefined } & WithCaller,
  ): Promise<{ memories: number; messages: number }>;
}

/** The `memory.grants` namespace. */
export interface GrantMethods {
  /** Gives (or changes) a role: a space's grants need admin on the space, a user's on the user. */
  grant(input: GrantInput & WithCaller): Promise<Grant>;
  /** Takes a grant back; the next request of the principal no longer has it. */
  revoke(input: RevokeInput & WithCaller): Promise<{ revoked: boolean }>;
  /** Grants of the tenant, optionally of one principal and/or on one target. */
  list(
    options?: {
      tenantId?: string | undefined;
      principal?: PrincipalRef | undefined;
      target?: Grant['target'] | undefined;
    } & WithCaller,
  ): Promise<Grant[]>;
}

/** What createMemory() adds to the Memory handle for sharing. */
export interface SharingMethods {
  spaces: SpaceMethods;
  grants: GrantMethods;
  /** The audit log, newest first: the whole tenant for its admin, or one scope/space for whoever administers it. */
  audit(options?: AuditOptions): Promise<Page<AuditEntry>>;
}

const auditQuerySchema = z.strictObject({
  tenantId: scopeSchema.shape.tenantId,
  userId: scopeSchema.shape.userId,
  agentId: scopeSchema.shape.agentId,
  sessionId: scopeSchema.shape.sessionId,
  spaceId: scopeSchema.shape.spaceId,
  principal: principalRefSchema.optional(),
  action: z.enum(auditActions).optional(),
  since: timeInputSchema.optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  cursor: textSchema.max(512).optional(),
});
export type AuditOptions = z.input<typeof auditQuerySchema> & WithCaller;

/**
 * Builds the sharing namespaces over the store's AccessStore, behind the same gate as every scoped call.
 *
 * @example
 * const { spaces, grants } = createSharingMethods({ store, queue, clock, gate, actor: 'sdk' });
 * await spaces.create({ tenantId: 't1', name: 'research' });
 * await grants.grant({ tenantId: 't1', principal: { type: 'agent', id: 'writer' }, target: { type: 'space', id: 'research' }, role: 'write' });
 */
export function createSharingMethods(deps: {
  store: MemoryStore;
  queue: InferenceQueue;
  clock: Clock;
  gate: AccessGate;
  actor: string;
}): SharingMethods {
  const { store, clock, gate } = deps;
  const access = store.access;
  const tenantOf = (options: { tenantId?: string | undefined } | undefined) =>
    parseInput(tenantSchema, { tenantId: options?.tenantId }, 'tenant').tenantId;
  const targetRequest = (tenantId: string, target: Grant['target'], caller: Caller | undefined) =>
    target.type === 'space'
      ? { tenantId, spaceId: target.id, caller }
      : { tenantId, userId: target.id, caller };

  const spaces: SpaceMethods = {
    async create(input) {
      const { caller, ...fields } = input;
      const parsed = parseInput(spaceInputSchema, fields, 'space');
      const who = gate.callerOf(caller);
      requireTenantAdmin(who, 'create a space');
      const id = parseInput(
        scopeSchema.shape.userId,
        parsed.id ?? parsed.name,
        'space id (defaults to its name)',
      );
      const at = clock.now();
      const space = await access.createSpace({
        space: {
          tenantId: parsed.tenantId,
          id: id as string,
          name: parsed.name,
          description: parsed.description,
        },
        at,
      });
      await access.recordAudit([
        {
          tenantId: space.tenantId,
          scope: { tenantId: space.tenantId, spaceId: space.id },
          principals: principalsOf(who, {}),
          surface: who.surface,
          action: 'admin',
          operation: 'space.create',
          at,
        },
      ]);
      return space;
    },
    async get(id, options) {
      const tenantId = tenantOf(options);
      const spaceId = parseInput(scopeSchema.shape.userId, id, 'space id') as string;
      await gate.decide({ tenantId, spaceId, caller: options?.caller }, 'read', 'space.get');
      const space = await access.getSpace({ tenantId, id: spaceId });
      if (space === undefined) throw notFound('Space', spaceId);
      return space;
    },
    async list(options) {
      const tenantId = tenantOf(options);
      const who = gate.callerOf(options?.caller);
      const all = await access.listSpaces({ tenantId });
      if (!isBound(who)) return all;
      const granted = new Set(readableSpaces(await access.listGrants({ tenantId }), principalsOf(who, {})));
      if (who.boundSpaceId !== undefined) granted.add(who.boundSpaceId);
      return all.filter((space) => granted.has(space.id));
    },
    async delete(id, options) {
      const tenantId = tenantOf(options);
      const spaceId = parseInput(scopeSchema.shape.userId, id, 'space id') as string;
      const decision = await gate.decide(
        { tenantId, spaceId, caller: options?.caller },
        'admin',
        'space.delete',
      );
      return forgetScope({
        store,
        queue: deps.queue,
        scope: decision.scope,
        at: clock.now(),
        actor: gate.actorOf(decision, deps.actor),
      });
    },
  };

  const grants: GrantMethods = {
    async grant(input) {
      const { caller, ...fields } = input;
      const parsed = parseInput(grantInputSchema, fields, 'grant');
      const detail = `${parsed.principal.type}:${parsed.principal.id} → ${parsed.role}`;
      await gate.decide(targetRequest(parsed.tenantId, parsed.target, caller), 'admin', 'grant', { detail });
      return access.putGrant({ ...parsed, at: clock.now() });
    },
    async revoke(input) {
      const { caller, ...fields } = input;
      const parsed = parseInput(revokeInputSchema, fields, 'grant to revoke');
      const detail = `${parsed.principal.type}:${parsed.principal.id}`;
      await gate.decide(targetRequest(parsed.tenantId, parsed.target, caller), 'admin', 'revoke', { detail });
      return { revoked: await access.deleteGrant(parsed) };
    },
    async list(options) {
      const tenantId = tenantOf(options);
      const principal =
        options?.principal === undefined
          ? undefined
          : parseInput(principalRefSchema, options.principal, 'principal');
      const target =
        options?.target === undefined ? undefined : parseInput(grantTargetSchema, options.target, 'target');
      const who = gate.callerOf(options?.caller);
      const listed = await access.listGrants({ tenantId, principal, target });
      if (!isBound(who)) return listed;
      // A bound caller sees the grants it holds, and those of spaces it administers.
      const own = principalsOf(who, {});
      const holds = (grant: Grant) => holdsGrant(own, grant);
      const administers = new Set(
        listed
          .filter((grant) => holds(grant) && grant.role === 'admin')
          .map((grant) => `${grant.target.type}:${grant.target.id}`),
      );
      return listed.filter(
        (grant) => holds(grant) || administers.has(`${grant.target.type}:${grant.target.id}`),
      );
    },
  };

  async function audit(options: AuditOptions = {}): Promise<Page<AuditEntry>> {
    const { caller, ...fields } = options;
    const parsed = parseInput(auditQuerySchema, fields, 'audit options');
    // Reads counted in the last second are written first, so the log answers with everything so far.
    await gate.flushAudit();
    const { tenantId, userId, agentId, sessionId, spaceId } = parsed;
    const named =
      userId !== undefined || agentId !== undefined || sessionId !== undefined || spaceId !== undefined;
    const scope = named
      ? (await gate.decide({ tenantId, userId, agentId, sessionId, spaceId, caller }, 'admin', 'audit')).scope
      : undefined;
    if (!named) requireTenantAdmin(gate.callerOf(caller), 'read the whole audit log');
    return access.listAudit({
      tenantId,
      scope,
      principal: parsed.principal,
      action: parsed.action,
      since: parsed.since,
      limit: parsed.limit,
      cursor: parsed.cursor,
    });
  }

  return { spaces, grants, audit };
}
