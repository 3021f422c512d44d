// One step of the sharing property (access-property.ts): runs an operation through the SDK, checks its outcome
// against the independent model of the rules (access-model.ts), then checks the store (access-checks.ts).
import { expect } from 'vitest';
import type { Caller } from '../../core/access.js';
import { describeScope, isVisible, type Scope } from '../../core/scope.js';
import type { MemoryStore } from '../../store/memory-store.js';
import type { Memory } from '../memory.js';
import {
  type Attempt,
  attempt,
  type CheckState,
  currentOf,
  type Effect,
  expectChangesWithin,
  expectReadable,
  expectStoreMatchesModel,
  readableIds,
  readOnly,
  refused,
  type Snapshot,
  snapshotOf,
} from './access-checks.js';
import {
  type AccessModel,
  callerOf,
  contains,
  grantKey,
  type Identity,
  type Request,
  type Role,
  reachIsLoose,
  sharedSpacesOf,
  type Target,
  TENANT,
  type Verdict,
  verdictOf,
  type Who,
} from './access-model.js';

/**
 * `as` (when grants exist) replaces `who` and `request` with one of the grants held now: its principal acting
 * in the grant's target, or in its own scope (reading what the grant shares with it), or a key bound to it.
 */
type Scoped = { who: Who; request: Request; as?: number };
export type Operation =
  | ({ type: 'add' | 'context'; word: string } & Scoped)
  | ({ type: 'search'; word: string; includeSpaces?: boolean } & Scoped)
  | ({ type: 'list' | 'forgetScope' } & Scoped)
  | ({ type: 'get' | 'history' | 'forget'; pick: number } & Scoped)
  | ({ type: 'update'; pick: number; word: string } & Scoped)
  | { type: 'grant'; who: Who; principal: Identity; target: Target; role: Role }
  /** `pick` takes back one of the grants held now (when there is one) instead of `principal` on `target`. */
  | { type: 'revoke'; who: Who; principal: Identity; target: Target; pick?: number }
  | { type: 'createSpace'; who: Who; spaceId: string };

export interface RunState extends CheckState {
  memory: Memory;
  store: MemoryStore;
  /** Every memory id ever written, with its scope. */
  seen: Map<string, Scope>;
  counter: number;
  snapshot: Snapshot | undefined;
}

const describeWho = (model: AccessModel, who: Who) =>
  who.kind === 'owner' ? 'owner' : JSON.stringify(model.keys[who.index]);
const describeOperation = (model: AccessModel, operation: Operation) =>
  `${operation.type} by ${describeWho(model, operation.who)}: ${JSON.stringify(operation)}`;

/**
 * Runs one operation and checks it. Returns the grant a successful revoke took back (the property then
 * probes it at once).
 */
export async function runStep(
  state: RunState,
  operation: Operation,
  afterRevoke = false,
): Promise<{ principal: Identity; target: Target } | undefined> {
  const before = state.snapshot ?? (await snapshotOf(state.store));
  if ('request' in operation && operation.as !== undefined && state.model.grants.size > 0) {
    operation = { ...operation, ...asGrantee(state.model, operation.as) };
    delete operation.as;
  }
  if (operation.type === 'revoke' && operation.pick !== undefined && state.model.grants.size > 0) {
    const held = [...state.model.grants.keys()];
    const [principal, target] = held[operation.pick % held.length]!.split('>') as [Identity, Target];
    operation = { type: 'revoke', who: operation.who, principal, target };
  }
  const label = describeOperation(state.model, operation);
  // What the principal could reach is judged with the grants held when the call began (a forgotten space
  // or user takes its grants with it).
  const { spaces, grants, keys } = state.model;
  const reachBefore: AccessModel = { spaces: new Set(spaces), grants: new Map(grants), keys };
  const outcome = await perform(state, operation, label);
  const after = await snapshotOf(state.store);
  state.snapshot = after;
  if (afterRevoke && outcome === 'refused') state.coverage.refusedAfterRevoke++;
  const effect = outcome === 'refused' ? readOnly : outcome.effect;
  expectChangesWithin(reachBefore, operation.who, effect, before, after, label);
  if (outcome !== 'refused') outcome.sync?.(after);
  expectStoreMatchesModel(state, after, label);
  return outcome !== 'refused' && 'revoked' in outcome ? outcome.revoked : undefined;
}

/** A caller and request acting through one of the grants held now (see `Scoped.as`). */
function asGrantee(model: AccessModel, pick: number): { who: Who; request: Request } {
  const held = [...model.grants.keys()];
  const [identity, target] = held[pick % held.length]!.split('>') as [Identity, Target];
  const [principalType, principalId] = identity.split(':') as ['user' | 'agent' | 'key', string];
  const [targetType, targetId] = target.split(':') as ['space' | 'user', string];
  const inTarget = Math.floor(pick / held.length) % 2 === 0;
  const targetRequest: Request = targetType === 'space' ? { spaceId: targetId } : { userId: targetId };
  if (principalType === 'key') {
    const index = model.keys.findIndex((key) => key.keyId === principalId);
    return { who: { kind: 'key', index }, request: inTarget ? targetRequest : {} };
  }
  const boundKey = model.keys.findIndex((key) =>
    principalType === 'user' ? key.boundUserId === principalId : key.boundAgentId === principalId,
  );
  if (boundKey >= 0 && pick % 3 !== 0)
    return { who: { kind: 'key', index: boundKey }, request: inTarget ? targetRequest : {} };
  const named: Request = principalType === 'user' ? { userId: principalId } : { agentId: principalId };
  return { who: { kind: 'owner' }, request: inTarget ? { ...targetRequest, ...named } : named };
}

type Outcome =
  | 'refused'
  | {
      effect: Effect;
      revoked?: { principal: Identity; target: Target };
      /** Brings the model up to what the call did, once its changes are checked (see `reachIsLoose`). */
      sync?: (after: Snapshot) => void;
    };

function pickMemory(state: RunState, pick: number): [string, Scope] {
  const ids = [...state.current.keys()];
  const id = ids[pick % ids.length]!;
  return [id, state.current.get(id)!.scope];
}

const parts = (value: string) => value.split(':') as [string, string];

async function perform(state: RunState, operation: Operation, label: string): Promise<Outcome> {
  const { memory, model } = state;
  const caller = callerOf(model, operation.who);
  const withCaller: { caller?: Caller } = caller === undefined ? {} : { caller };
  if (operation.type === 'grant' || operation.type === 'revoke') {
    const [principalType, principalId] = parts(operation.principal);
    const [targetType, targetId] = parts(operation.target);
    const principal = { type: principalType as 'user' | 'agent' | 'key', id: principalId };
    const target = { type: targetType as 'space' | 'user', id: targetId };
    const request: Request = targetType === 'space' ? { spaceId: targetId } : { userId: targetId };
    const verdict = verdictOf(model, operation.who, request, 'admin');
    const key = grantKey(operation.principal, operation.target);
    if (operation.type === 'grant') {
      const input = { tenantId: TENANT, principal, target, role: operation.role, ...withCaller };
      const result = await attempt(() => memory.grants.grant(input));
      if (refused(state, verdict, result, label) || !result.ok) return 'refused';
      expect(result.value.role, label).toBe(operation.role);
      model.grants.set(key, operation.role);
      return { effect: { sharing: true } };
    }
    const result = await attempt(() =>
      memory.grants.revoke({ tenantId: TENANT, principal, target, ...withCaller }),
    );
    if (refused(state, verdict, result, label) || !result.ok) return 'refused';
    expect(result.value.revoked, label).toBe(model.grants.has(key));
    model.grants.delete(key);
    return {
      effect: { sharing: true },
      ...(result.value.revoked
        ? { revoked: { principal: operation.principal, target: operation.target } }
        : {}),
    };
  }
  if (operation.type === 'createSpace') {
    const spec = operation.who.kind === 'key' ? model.keys[operation.who.index] : undefined;
    const admin =
      spec === undefined ||
      (spec.role === 'admin' &&
        spec.boundUserId === undefined &&
        spec.boundAgentId === undefined &&
        spec.boundSpaceId === undefined);
    const verdict: Verdict = !admin
      ? { allowed: false, code: 'FORBIDDEN' }
      : model.spaces.has(operation.spaceId)
        ? { allowed: false, code: 'CONFLICT' }
        : { allowed: true, scope: { tenantId: TENANT, spaceId: operation.spaceId }, identities: [] };
    const result = await attempt(() =>
      memory.spaces.create({ tenantId: TENANT, name: operation.spaceId, ...withCaller }),
    );
    if (refused(state, verdict, result, label) || !result.ok) return 'refused';
    model.spaces.add(operation.spaceId);
    return { effect: { sharing: true } };
  }
  return performScoped(state, operation, label, withCaller);
}

async function performScoped(
  state: RunState,
  operation: Extract<Operation, Scoped>,
  label: string,
  withCaller: { caller?: Caller },
): Promise<Outcome> {
  const { memory, model } = state;
  const { who } = operation;
  const options = { tenantId: TENANT, ...operation.request, ...withCaller };
  const read = verdictOf(model, who, operation.request, 'read');
  // A loose reach is bounded from above only: a memory it leaves out may also be NOT_FOUND.
  const loose = reachIsLoose(model, who, operation.request);
  const notFoundWhenLoose = <T>(result: Attempt<T>) => {
    if (!loose || result.ok) return false;
    expect(result.code, label).toBe('NOT_FOUND');
    return true;
  };
  switch (operation.type) {
    case 'add': {
      const verdict = verdictOf(model, who, operation.request, 'write');
      const text = `${operation.word} note ${++state.counter}`;
      const result = await attempt(() => memory.add(text, { ...options, kind: 'fact' }));
      if (refused(state, verdict, result, label) || !result.ok || !verdict.allowed) return 'refused';
      expect(
        result.value.memories.map((record) => record.scope),
        label,
      ).toEqual([verdict.scope]);
      if (verdict.through !== undefined) state.coverage.writeThroughGrant++;
      for (const record of result.value.memories) {
        state.current.set(record.id, { scope: record.scope, text });
        state.seen.set(record.id, record.scope);
      }
      return { effect: { sharing: false, within: (scope) => isVisible(verdict.scope, scope, 'write') } };
    }
    case 'search':
    case 'context': {
      const includeSpaces = operation.type === 'search' ? operation.includeSpaces : undefined;
      const result =
        operation.type === 'search'
          ? await attempt(async () =>
              (
                await memory.search(operation.word, {
                  ...options,
                  limit: 200,
                  ...(includeSpaces === undefined ? {} : { includeSpaces }),
                })
              ).results.map((hit) => ({
                id: hit.memory.id,
                scope: hit.memory.scope,
                from: undefined as string | undefined,
              })),
            )
          : await attempt(async () =>
              (await memory.context(operation.word, { ...options, budgetTokens: 100_000 })).items.map(
                (item) => ({
                  id: item.id,
                  scope: state.seen.get(item.id),
                  from: item.from,
                }),
              ),
            );
      if (refused(state, read, result, label) || !result.ok || !read.allowed) return 'refused';
      const shared =
        (includeSpaces ?? true) && read.scope.spaceId === undefined
          ? sharedSpacesOf(model, read.identities)
          : [];
      for (const hit of result.value) {
        expect(hit.scope, `${label} cited ${hit.id}, a memory it never wrote`).toBeDefined();
        expectReadable(state, operation.who, read.scope, shared, hit.scope!, label);
        if (hit.from !== undefined) expect(hit.from, label).toBe(`space:${hit.scope!.spaceId}`);
      }
      if (operation.type === 'search' && !loose) {
        // Every readable current memory holding the word is found: the grants open what they say.
        const found = new Set(result.value.map((hit) => hit.id));
        const words = operation.word.split(' ');
        const holding = readableIds(state, read.scope, shared).filter((id) =>
          words.includes(state.current.get(id)!.text.split(' ')[0]!),
        );
        expect(
          holding.filter((id) => !found.has(id)),
          `${label} missed readable memories`,
        ).toEqual([]);
      }
      return { effect: readOnly };
    }
    case 'list': {
      const result = await attempt(() => memory.list({ ...options, limit: 1000 }));
      if (refused(state, read, result, label) || !result.ok || !read.allowed) return 'refused';
      for (const record of result.value.items)
        expectReadable(state, operation.who, read.scope, [], record.scope, label);
      if (!loose) {
        expect(result.value.items.map((record) => record.id).sort(), label).toEqual(
          readableIds(state, read.scope, []),
        );
      }
      return { effect: readOnly };
    }
    case 'get':
    case 'history': {
      const [id, scope] = pickMemory(state, operation.pick);
      const visible = read.allowed && isVisible(read.scope, scope, 'read');
      const verdict: Verdict =
        read.allowed && !visible && operation.type === 'get' ? { allowed: false, code: 'NOT_FOUND' } : read;
      if (operation.type === 'get') {
        const result = await attempt(() => memory.get(id, options));
        if (read.allowed && notFoundWhenLoose(result)) return 'refused';
        if (refused(state, verdict, result, label) || !result.ok || !read.allowed) return 'refused';
        expect(result.value.id, label).toBe(id);
        expectReadable(state, operation.who, read.scope, [], result.value.scope, label);
        return { effect: readOnly };
      }
      const result = await attempt(() => memory.history(id, options));
      if (refused(state, verdict, result, label) || !result.ok || !read.allowed) return 'refused';
      for (const entry of result.value) {
        expect(entry.memoryId, label).toBe(id);
        expectReadable(state, operation.who, read.scope, [], entry.scope, label);
      }
      const found = result.value.length > 0;
      if (loose) expect(!found || visible, `${label}: history of ${describeScope(scope)}`).toBe(true);
      else expect(found, `${label}: history of ${describeScope(scope)}`).toBe(visible);
      return { effect: readOnly };
    }
    case 'update':
    case 'forget': {
      const [id, scope] = pickMemory(state, operation.pick);
      const write = verdictOf(model, who, operation.request, 'write');
      const reachable = write.allowed && isVisible(write.scope, scope, 'write');
      const verdict: Verdict = write.allowed && !reachable ? { allowed: false, code: 'NOT_FOUND' } : write;
      const within = (changed: Scope) => write.allowed && isVisible(write.scope, changed, 'write');
      if (write.allowed && reachable && write.through !== undefined) state.coverage.writeThroughGrant++;
      if (operation.type === 'update') {
        const text = `${operation.word} revised ${++state.counter}`;
        const result = await attempt(() => memory.update(id, { text }, options));
        if (write.allowed && notFoundWhenLoose(result)) return 'refused';
        if (refused(state, verdict, result, label) || !result.ok) return 'refused';
        expect(result.value.previous.id, label).toBe(id);
        expect(result.value.current.scope, label).toEqual(scope);
        state.current.delete(id);
        state.current.set(result.value.current.id, { scope, text });
        state.seen.set(result.value.current.id, scope);
        return { effect: { sharing: false, within } };
      }
      const result = await attempt(() => memory.forget(id, options));
      if (write.allowed && notFoundWhenLoose(result)) return 'refused';
      if (refused(state, verdict, result, label) || !result.ok) return 'refused';
      expect(result.value.forgottenIds, label).toContain(id);
      state.current.delete(id);
      return { effect: { sharing: false, within } };
    }
    case 'forgetScope': {
      // Forgetting a space deletes it: that is the space's administration, not a write in it.
      const key = who.kind === 'key' ? model.keys[who.index] : undefined;
      const namesNothing = Object.keys(operation.request).length === 0;
      const onSpace =
        operation.request.spaceId !== undefined || (key?.boundSpaceId !== undefined && namesNothing);
      const verdict = verdictOf(model, who, operation.request, onSpace ? 'admin' : 'write');
      const result = await attempt(() => memory.forgetScope(options));
      if (refused(state, verdict, result, label) || !result.ok || !verdict.allowed) return 'refused';
      const effect = { sharing: true, within: (changed: Scope) => contains(verdict.scope, changed) };
      if (!loose) {
        forgetInModel(state, verdict.scope);
        return { effect };
      }
      // What a loose reach erased was checked against the principal's reach; the model follows it, and only
      // the grants of the forgotten agent itself may go with it.
      const sync = (after: Snapshot) => {
        const alive = new Set(currentOf(after).map(([id]) => id));
        for (const id of [...state.current.keys()]) if (!alive.has(id)) state.current.delete(id);
        for (const [grant, role] of [...model.grants]) {
          if (after.sharing.includes(`${TENANT} ${grant}=${role}`)) continue;
          expect(grant.startsWith(`agent:${verdict.scope.agentId}>`), `${label} took ${grant}`).toBe(true);
          model.grants.delete(grant);
        }
      };
      return { effect, sync };
    }
  }
}

/** forgetScope in the model: the memories inside, and the sharing rows that name a whole user, agent or space. */
function forgetInModel(state: RunState, scope: Scope): void {
  for (const [id, { scope: memoryScope }] of state.current) {
    if (contains(scope, memoryScope)) state.current.delete(id);
  }
  const { grants, spaces } = state.model;
  const drop = (test: (identity: string, target: string) => boolean) => {
    for (const key of [...grants.keys()]) {
      const [identity, target] = key.split('>') as [string, string];
      if (test(identity, target)) grants.delete(key);
    }
  };
  if (scope.spaceId !== undefined) {
    spaces.delete(scope.spaceId);
    drop((_identity, target) => target === `space:${scope.spaceId}`);
  } else if (scope.agentId === undefined && scope.userId !== undefined) {
    drop((identity, target) => identity === `user:${scope.userId}` || target === `user:${scope.userId}`);
  } else if (scope.userId === undefined && scope.agentId !== undefined) {
    drop((identity) => identity === `agent:${scope.agentId}`);
  }
}
