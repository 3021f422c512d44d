// The sharing property (issue 15, point 6): random API keys (bound or not), spaces, grants (given and taken
// back) and SDK calls with and without a caller; after every call the store holds exactly what an independent
// model of the rules (access-model.ts) says, and no call returned or changed a memory outside its principal's
// reach. One step's run and checks live in access-steps.ts and access-checks.ts.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { MemoryStore } from '../../store/memory-store.js';
import { createMemory } from '../create-memory.js';
import { type Coverage, emptyCoverage, snapshotOf } from './access-checks.js';
import {
  type AccessModel,
  grantKey,
  type Identity,
  type KeySpec,
  OTHER_TENANT,
  type Request,
  type Role,
  type Target,
  TENANT,
  type Who,
} from './access-model.js';
import { type Operation, type RunState, runStep } from './access-steps.js';

/** Users, agents and spaces the runs draw from. `sp1` is a user's id and a space's: the two must never mix. */
const USERS = ['u1', 'u2', 'sp1'] as const;
const AGENTS = ['a1', 'a2', 'a3'] as const;
/** sp1 and sp2 exist when a run starts; sp3 only once an operation creates it. */
const SPACES = ['sp1', 'sp2', 'sp3'] as const;
const WORDS = ['apple', 'river', 'stone'] as const;
const ROLES = ['read', 'write', 'admin'] as const;

const user = fc.constantFrom(...USERS);
const agent = fc.constantFrom(...AGENTS);
const space = fc.constantFrom(...SPACES);
/** One word, or all of them (a query every memory matches, so reads return all they may). */
const word = fc.oneof(fc.constantFrom(...WORDS), fc.constant(WORDS.join(' ')));
const role = fc.constantFrom<Role>(...ROLES);

/** Drops undefined fields (the SDK's options are exact). */
function compact<T>(value: object): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

const keysArbitrary: fc.Arbitrary<KeySpec[]> = fc
  .array(
    fc.record({
      role,
      // Bindings favour the identities grants name most (u1, u2, a1, a2).
      binding: fc.oneof(
        { weight: 1, arbitrary: fc.constant({}) },
        { weight: 2, arbitrary: fc.record({ boundUserId: fc.constantFrom('u1', 'u2') }) },
        { weight: 1, arbitrary: fc.record({ boundAgentId: fc.constantFrom('a1', 'a2') }) },
        { weight: 2, arbitrary: fc.record({ boundUserId: user, boundAgentId: fc.constantFrom('a1', 'a2') }) },
        { weight: 1, arbitrary: fc.record({ boundSpaceId: space }) },
      ),
    }),
    { minLength: 3, maxLength: 3 },
  )
  .map((specs) => specs.map((spec, index) => ({ keyId: `k${index + 1}`, role: spec.role, ...spec.binding })));

const whoArbitrary: fc.Arbitrary<Who> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'owner' as const }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 2 }).map((index) => ({ kind: 'key' as const, index })) },
);

const requestArbitrary: fc.Arbitrary<Request> = fc
  .oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        userId: fc.option(user, { nil: undefined, freq: 3 }),
        agentId: fc.option(agent, { nil: undefined, freq: 2 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        spaceId: space,
        userId: fc.option(user, { nil: undefined, freq: 4 }),
        agentId: fc.option(agent, { nil: undefined, freq: 2 }),
      }),
    },
  )
  .map((fields) => compact<Request>(fields));

const identityArbitrary: fc.Arbitrary<Identity> = fc.oneof(
  user.map((id): Identity => `user:${id}`),
  agent.map((id): Identity => `agent:${id}`),
  fc.constantFrom<Identity>('key:k1', 'key:k2', 'key:k3'),
);
const targetArbitrary: fc.Arbitrary<Target> = fc.oneof(
  { weight: 3, arbitrary: space.map((id): Target => `space:${id}`) },
  { weight: 2, arbitrary: user.map((id): Target => `user:${id}`) },
);

const scoped = {
  who: whoArbitrary,
  request: requestArbitrary,
  as: fc.option(fc.nat({ max: 1000 }), { nil: undefined, freq: 2 }),
};

/** Grants a run starts with (given by the owner), so reads and writes through grants are common. */
const initialGrantsArbitrary = fc.array(
  fc.record({
    principal: fc.oneof(
      {
        weight: 3,
        arbitrary: fc.constantFrom<Identity>('agent:a1', 'agent:a2', 'user:u1', 'key:k1', 'key:k2', 'key:k3'),
      },
      { weight: 1, arbitrary: identityArbitrary },
    ),
    target: fc.oneof(
      space.map((id): Target => `space:${id}`),
      fc.constantFrom<Target>('user:u1', 'user:u2'),
    ),
    role,
  }),
  { minLength: 2, maxLength: 8 },
);
type InitialGrant = { principal: Identity; target: Target; role: Role };
const pick = fc.nat({ max: 1000 });
const operationArbitrary: fc.Arbitrary<Operation> = fc
  .oneof(
    { weight: 4, arbitrary: fc.record({ type: fc.constant('add' as const), ...scoped, word }) },
    {
      weight: 5,
      arbitrary: fc.record({
        type: fc.constant('search' as const),
        ...scoped,
        word,
        includeSpaces: fc.option(fc.boolean(), { nil: undefined }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('context' as const), ...scoped, word }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('list' as const), ...scoped }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('get' as const), ...scoped, pick }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('history' as const), ...scoped, pick }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('update' as const), ...scoped, pick, word }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('forget' as const), ...scoped, pick }) },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('forgetScope' as const),
        who: whoArbitrary,
        // Naming nothing lets a bound key's binding choose the scope (a space-bound key: its space).
        request: fc.oneof(fc.constant({}), requestArbitrary),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        type: fc.constant('grant' as const),
        who: whoArbitrary,
        principal: identityArbitrary,
        target: targetArbitrary,
        role,
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        type: fc.constant('revoke' as const),
        who: whoArbitrary,
        principal: identityArbitrary,
        target: targetArbitrary,
        pick: fc.option(pick, { nil: undefined, freq: 4 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ type: fc.constant('createSpace' as const), who: whoArbitrary, spaceId: space }),
    },
  )
  .map((fields) => compact<Operation>(fields));

/** What every run starts from, in both tenants: spaces, a grant in the other tenant, and a few memories. */
async function seed(state: RunState, grants: readonly InitialGrant[]): Promise<void> {
  const { memory } = state;
  for (const spaceId of ['sp1', 'sp2']) {
    await memory.spaces.create({ tenantId: TENANT, name: spaceId });
    state.model.spaces.add(spaceId);
  }
  for (const { principal, target, role } of grants) {
    if (target === 'space:sp3') continue;
    const [principalType, principalId] = principal.split(':') as ['user' | 'agent' | 'key', string];
    const [targetType, targetId] = target.split(':') as ['space' | 'user', string];
    await memory.grants.grant({
      tenantId: TENANT,
      principal: { type: principalType, id: principalId },
      target: { type: targetType, id: targetId },
      role,
    });
    state.model.grants.set(grantKey(principal, target), role);
  }
  await memory.spaces.create({ tenantId: OTHER_TENANT, name: 'sp1' });
  // Grants of another tenant open nothing here.
  for (const principal of [
    { type: 'agent', id: 'a1' },
    { type: 'key', id: 'k1' },
  ] as const) {
    await memory.grants.grant({
      tenantId: OTHER_TENANT,
      principal,
      target: { type: 'space', id: 'sp1' },
      role: 'admin',
    });
    await memory.grants.grant({
      tenantId: OTHER_TENANT,
      principal,
      target: { type: 'user', id: 'u2' },
      role: 'admin',
    });
  }
  const scopes: Array<Record<string, string>> = [
    { tenantId: TENANT, userId: 'u1' },
    { tenantId: TENANT, userId: 'u2' },
    { tenantId: TENANT, userId: 'u1', agentId: 'a1' },
    { tenantId: TENANT, userId: 'u2', agentId: 'a2' },
    { tenantId: TENANT, agentId: 'a1' },
    { tenantId: TENANT, userId: 'sp1' },
    { tenantId: TENANT, spaceId: 'sp1' },
    { tenantId: TENANT, spaceId: 'sp2' },
    { tenantId: OTHER_TENANT, userId: 'u2' },
    { tenantId: OTHER_TENANT, agentId: 'a1' },
    { tenantId: OTHER_TENANT, spaceId: 'sp1' },
  ];
  for (const [index, scope] of scopes.entries()) {
    const text = `${WORDS[index % WORDS.length]} seed ${index}`;
    const { memories } = await memory.add(text, { ...scope, kind: 'fact' });
    for (const record of memories) {
      state.current.set(record.id, { scope: record.scope, text });
      state.seen.set(record.id, record.scope);
    }
  }
  state.snapshot = await snapshotOf(state.store);
}

/**
 * After a grant is taken back, the next calls are its principal reading the target again: its own scope
 * (whose reads covered the space through the grant), then the space or user itself.
 */
function probesAfterRevoke(model: AccessModel, principal: Identity, target: Target): Operation[] {
  const [principalType, principalId] = principal.split(':') as ['user' | 'agent' | 'key', string];
  const [targetType, targetId] = target.split(':') as ['space' | 'user', string];
  const targetRequest: Request = targetType === 'space' ? { spaceId: targetId } : { userId: targetId };
  const everything = WORDS.join(' ');
  if (principalType === 'key') {
    const who: Who = { kind: 'key', index: model.keys.findIndex((key) => key.keyId === principalId) };
    return [
      { type: 'search', who, request: {}, word: everything },
      { type: 'search', who, request: targetRequest, word: everything },
    ];
  }
  const named: Request = principalType === 'agent' ? { agentId: principalId } : { userId: principalId };
  if (targetType === 'space') {
    return [
      { type: 'search', who: { kind: 'owner' }, request: named, word: everything },
      { type: 'list', who: { kind: 'owner' }, request: { ...named, ...targetRequest } },
    ];
  }
  const index = model.keys.findIndex((key) =>
    principalType === 'agent' ? key.boundAgentId === principalId : key.boundUserId === principalId,
  );
  return index < 0 ? [] : [{ type: 'list', who: { kind: 'key', index }, request: targetRequest }];
}

/** The runs must have reached every case the property is about, often enough to mean something. */
function expectCoverage(coverage: Coverage, numRuns: number): void {
  const floor = Math.max(3, Math.floor(numRuns / 10));
  const short = Object.entries(coverage).filter(([, count]) => count < floor);
  expect(short, `coverage below ${floor}: ${JSON.stringify(coverage)}`).toEqual([]);
}

export interface PropertyStore {
  store: MemoryStore;
  cleanup: () => Promise<void>;
}

/**
 * Registers the sharing property for a backend: each run opens a fresh initialised store (`open`), wraps it
 * in `createMemory({ store })`, and plays random operations through the SDK.
 *
 * @example
 * itSharesOnlyWhatIsGranted('sqlite', openTempSqlite, { numRuns: 60, seed: 15 });
 */
export function itSharesOnlyWhatIsGranted(
  name: string,
  open: () => Promise<PropertyStore>,
  options: { numRuns: number; seed: number; timeoutMs: number },
): void {
  it(
    `property (${name}): no call returns or changes a memory outside its principal's grants; a revoke holds at once`,
    async () => {
      const coverage = emptyCoverage();
      const property = fc.asyncProperty(
        keysArbitrary,
        initialGrantsArbitrary,
        fc.array(operationArbitrary, { minLength: 8, maxLength: 24 }),
        async (keys, grants, operations) => {
          const { store, cleanup } = await open();
          const memory = await createMemory({ store, graph: false }).catch(async (error: unknown) => {
            await store.close();
            await cleanup();
            throw error;
          });
          const state: RunState = {
            coverage,
            memory,
            store,
            model: { spaces: new Set(), grants: new Map(), keys },
            current: new Map(),
            seen: new Map(),
            counter: 0,
            snapshot: undefined,
          };
          try {
            await seed(state, grants);
            for (const operation of operations) {
              const revoked = await runStep(state, operation);
              if (revoked !== undefined) {
                for (const probe of probesAfterRevoke(state.model, revoked.principal, revoked.target)) {
                  await runStep(state, probe, true);
                }
              }
            }
          } finally {
            await memory.close();
            await cleanup();
          }
        },
      );
      const details = await fc.check(property, {
        numRuns: options.numRuns,
        seed: options.seed,
        // A failure's shrinking is bounded too (runs in flight finish and clean up), so the report (seed, path,
        // counterexample) always gets out.
        skipAllAfterTimeLimit: options.timeoutMs - 20_000,
      });
      if (details.failed) {
        const cause =
          details.errorInstance instanceof Error
            ? details.errorInstance.message
            : String(details.errorInstance);
        throw new Error(`${fc.defaultReportMessage(details)}\n\nThe failed check: ${cause}`);
      }
      expectCoverage(coverage, options.numRuns);
    },
    options.timeoutMs,
  );
}

/**
 * The side doors the property found, as plain examples on the same backend (each a minimal counterexample):
 * a key bound to an agent alone reaching users' memories by naming nobody, and a write key bound to a space
 * deleting the space through forgetScope (deleting a space takes admin).
 *
 * @example
 * itClosesTheSideDoorsItFound('sqlite', openTempSqlite);
 */
export function itClosesTheSideDoorsItFound(name: string, open: () => Promise<PropertyStore>): void {
  const withMemory = async (run: (memory: Awaited<ReturnType<typeof createMemory>>) => Promise<void>) => {
    const { store, cleanup } = await open();
    const memory = await createMemory({ store, graph: false }).catch(async (error: unknown) => {
      await store.close();
      await cleanup();
      throw error;
    });
    try {
      await run(memory);
    } finally {
      await memory.close();
      await cleanup();
    }
  };
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'allowed',
      (error: { code?: string }) => error.code ?? String(error),
    );

  it(`(${name}) a key bound to an agent alone neither reads nor erases a user's memory without a grant, naming no user`, async () => {
    await withMemory(async (memory) => {
      const support = { surface: 'mcp', keyId: 'k1', role: 'write', boundAgentId: 'support' } as const;
      const scope = { tenantId: TENANT, userId: 'alice', agentId: 'support' };
      const [secret] = (await memory.add('alice card ends 4242', { ...scope, kind: 'fact' })).memories;
      expect(await codeOf(memory.list({ tenantId: TENANT, userId: 'alice', caller: support }))).toBe(
        'FORBIDDEN',
      );
      const listed = await memory.list({ tenantId: TENANT, caller: support });
      expect(listed.items.map((record) => record.text)).toEqual([]);
      expect(await codeOf(memory.forget(secret!.id, { tenantId: TENANT, caller: support }))).toBe(
        'NOT_FOUND',
      );
      expect((await memory.list(scope)).items.map((record) => record.id)).toEqual([secret!.id]);
    });
  });

  it(`(${name}) a write key bound to a space cannot delete the space through forgetScope`, async () => {
    await withMemory(async (memory) => {
      await memory.spaces.create({ tenantId: TENANT, name: 'research' });
      await memory.add('the budget is 10k', { tenantId: TENANT, spaceId: 'research', kind: 'fact' });
      const pool = { surface: 'rest', keyId: 'k2', role: 'write', boundSpaceId: 'research' } as const;
      expect(await codeOf(memory.spaces.delete('research', { tenantId: TENANT, caller: pool }))).toBe(
        'FORBIDDEN',
      );
      expect(await codeOf(memory.forgetScope({ tenantId: TENANT, caller: pool }))).toBe('FORBIDDEN');
      expect((await memory.spaces.list({ tenantId: TENANT })).map((space) => space.id)).toEqual(['research']);
      expect((await memory.list({ tenantId: TENANT, spaceId: 'research' })).items).toHaveLength(1);
    });
  });
}
