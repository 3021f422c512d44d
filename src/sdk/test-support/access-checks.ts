// The checks of the sharing property (access-steps.ts runs them after every operation): what a call returned,
// what it changed, and whether the whole store still matches the model of the rules (access-model.ts).
import { expect } from 'vitest';
import { isMnemoError } from '../../core/errors.js';
import { describeScope, isVisible, type Scope } from '../../core/scope.js';
import type { MemoryStore } from '../../store/memory-store.js';
import {
  type AccessModel,
  grantKey,
  type Identity,
  OTHER_TENANT,
  principalReaches,
  type Target,
  TENANT,
  type Verdict,
  type Who,
} from './access-model.js';

/** The store at one moment, in the terms the checks compare. */
export interface Snapshot {
  /** Every memory row of every tenant (current or not): id → scope, text and lifecycle. */
  memories: Map<string, string>;
  scopes: Map<string, Scope>;
  history: number;
  messages: number;
  /** Grants and spaces of both tenants, as `t1 agent:a1>space:sp1=read` and `t1 space:sp1`. */
  sharing: string[];
}

/** How often the runs reached the cases the property is about: checked at the end, so a weak run fails. */
export interface Coverage {
  /** Memories a read returned from a space only a grant opened to it. */
  readThroughSpaceGrant: number;
  /** Memories of another user a bound key read through a user grant. */
  readThroughUserGrant: number;
  /** Writes a grant allowed (a named agent/user or a bound key in a space or another user's memory). */
  writeThroughGrant: number;
  /** Calls refused with FORBIDDEN, and with NOT_FOUND (an unknown space, a memory out of reach). */
  forbidden: number;
  notFound: number;
  /** Calls right after a revoke that the revoke turned away. */
  refusedAfterRevoke: number;
}

export const emptyCoverage = (): Coverage => ({
  readThroughSpaceGrant: 0,
  readThroughUserGrant: 0,
  writeThroughGrant: 0,
  forbidden: 0,
  notFound: 0,
  refusedAfterRevoke: 0,
});

/** What the checks read: the model of the rules, the memories it expects, and the coverage to count. */
export interface CheckState {
  model: AccessModel;
  /** The current memories of both tenants, as the model expects them. */
  current: Map<string, { scope: Scope; text: string }>;
  coverage: Coverage;
}

/** What an allowed operation may have changed: memories inside `within` (none without it), grants and spaces. */
export interface Effect {
  within?: (scope: Scope) => boolean;
  sharing: boolean;
}
export const readOnly: Effect = { sharing: false };

export type Attempt<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

export async function attempt<T>(run: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (!isMnemoError(error)) throw error;
    return { ok: false, code: error.code, message: error.message };
  }
}

/** The store as it is: every memory row, history and message counts, and both tenants' grants and spaces. */
export async function snapshotOf(store: MemoryStore): Promise<Snapshot> {
  const snapshot: Snapshot = { memories: new Map(), scopes: new Map(), history: 0, messages: 0, sharing: [] };
  for await (const row of store.dump()) {
    if (row.type === 'history') snapshot.history++;
    else if (row.type === 'message') snapshot.messages++;
    else if (row.type === 'memory') {
      const { memory } = row;
      const lifecycle = [memory.retiredAt, memory.supersededBy, memory.archivedAt, memory.expiresAt];
      snapshot.memories.set(
        memory.id,
        JSON.stringify([describeScope(memory.scope), memory.text, ...lifecycle]),
      );
      snapshot.scopes.set(memory.id, memory.scope);
    }
  }
  for (const tenantId of [TENANT, OTHER_TENANT]) {
    for (const grant of await store.access.listGrants({ tenantId })) {
      const identity = `${grant.principal.type}:${grant.principal.id}` as Identity;
      const target = `${grant.target.type}:${grant.target.id}` as Target;
      snapshot.sharing.push(`${tenantId} ${grantKey(identity, target)}=${grant.role}`);
    }
    for (const space of await store.access.listSpaces({ tenantId })) {
      snapshot.sharing.push(`${tenantId} space:${space.id}`);
    }
  }
  snapshot.sharing.sort();
  return snapshot;
}

/**
 * Between two snapshots, an operation changed only what its effect allows: memories inside the scope it may
 * write and its principal reaches, grants and spaces only when it administers them; never a message.
 */
export function expectChangesWithin(
  model: AccessModel,
  who: Who,
  effect: Effect,
  before: Snapshot,
  after: Snapshot,
  label: string,
): void {
  expect(after.messages, label).toBe(before.messages);
  if (!effect.sharing) expect(after.sharing, `${label} changed grants or spaces`).toEqual(before.sharing);
  if (effect.within === undefined) {
    expect(after.history, `${label} wrote history`).toBe(before.history);
    expect(after.memories, `${label} changed memories`).toEqual(before.memories);
    return;
  }
  const ids = new Set([...before.memories.keys(), ...after.memories.keys()]);
  for (const id of ids) {
    if (before.memories.get(id) === after.memories.get(id)) continue;
    const scope = (after.scopes.get(id) ?? before.scopes.get(id))!;
    const what = `${label} changed ${id} of ${describeScope(scope)}`;
    expect(effect.within(scope), `${what}: outside the scope it may write`).toBe(true);
    expect(principalReaches(model, who, scope, 'write'), `${what}: beyond the principal's grants`).toBe(true);
  }
}

/** The current memories of a snapshot (neither retired nor archived), as `[id, describeScope(scope)]`. */
export function currentOf(snapshot: Snapshot): Array<[string, string]> {
  return [...snapshot.memories].flatMap(([id, projection]): Array<[string, string]> => {
    const [scope, , retiredAt, supersededBy, archivedAt] = JSON.parse(projection) as Array<string | null>;
    return retiredAt === null && supersededBy === null && archivedAt === null ? [[id, scope!]] : [];
  });
}

/** The current memories, the tenant's grants and its spaces are exactly the model's. */
export function expectStoreMatchesModel(state: CheckState, snapshot: Snapshot, label: string): void {
  const current = currentOf(snapshot).map(([id, scope]) => `${id} ${scope}`);
  const expected = [...state.current].map(([id, { scope }]) => `${id} ${describeScope(scope)}`);
  expect(current.sort(), `after ${label}: current memories`).toEqual(expected.sort());
  const grants = [...state.model.grants].map(([key, role]) => `${TENANT} ${key}=${role}`);
  const spaces = [...state.model.spaces].map((id) => `${TENANT} space:${id}`);
  const ours = snapshot.sharing.filter((line) => line.startsWith(`${TENANT} `));
  expect(ours, `after ${label}: grants and spaces`).toEqual([...grants, ...spaces].sort());
}

/** Checks that a refused call failed with the model's code; true when it was refused. */
export function refused<T>(
  state: CheckState,
  verdict: Verdict,
  result: Attempt<T>,
  label: string,
): result is Attempt<T> & { ok: false } {
  if (verdict.allowed) {
    expect(result.ok ? 'allowed' : `${result.code}: ${result.message}`, `${label} should be allowed`).toBe(
      'allowed',
    );
    return false;
  }
  expect(result.ok ? 'allowed' : result.code, `${label} should be refused with ${verdict.code}`).toBe(
    verdict.code,
  );
  if (verdict.code === 'FORBIDDEN') state.coverage.forbidden++;
  if (verdict.code === 'NOT_FOUND') state.coverage.notFound++;
  return true;
}

export function expectReadable(
  state: CheckState,
  who: Who,
  own: Scope,
  shared: readonly string[],
  record: Scope,
  label: string,
): void {
  const what = `${label} returned a memory of ${describeScope(record)}`;
  expect(record.tenantId, what).toBe(TENANT);
  const viaGrant = record.spaceId !== undefined && shared.includes(record.spaceId);
  expect(
    viaGrant || isVisible(own, record, 'read'),
    `${what}: outside ${describeScope(own)} + [${shared}]`,
  ).toBe(true);
  if (record.spaceId !== undefined) expect(record.spaceId === own.spaceId || viaGrant, what).toBe(true);
  else {
    expect(own.spaceId, what).toBeUndefined();
    if (own.userId !== undefined && record.userId !== undefined) expect(record.userId, what).toBe(own.userId);
  }
  expect(principalReaches(state.model, who, record, 'read'), `${what}: beyond the principal's grants`).toBe(
    true,
  );
  if (viaGrant && !isVisible(own, record, 'read')) state.coverage.readThroughSpaceGrant++;
  const key = who.kind === 'key' ? state.model.keys[who.index] : undefined;
  const boundToUser = key?.boundUserId !== undefined || key?.boundAgentId !== undefined;
  if (boundToUser && record.userId !== undefined && record.userId !== key?.boundUserId) {
    state.coverage.readThroughUserGrant++;
  }
}

/** The current memories a read of `own` (plus `shared` spaces) must see. */
export function readableIds(state: CheckState, own: Scope, shared: readonly string[]): string[] {
  return [...state.current]
    .filter(
      ([, { scope }]) =>
        isVisible(own, scope, 'read') ||
        (scope.tenantId === TENANT && scope.spaceId !== undefined && shared.includes(scope.spaceId)),
    )
    .map(([id]) => id)
    .sort();
}
