// A fast-check property for the store conformance suite: random scopes and operations, and no read or
// change ever reaches a memory outside the one visibility rule (core/scope.ts).
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { isMnemoError } from '../../core/errors.js';
import { isVisible, type Scope, scopeContains } from '../../core/scope.js';
import type { MemoryStore } from '../memory-store.js';
import { fixtureEmbedding, makeMemoryWrite, T0 } from './fixtures.js';

const now = T0 + 1000 * 3_600_000;

const scopeArbitrary: fc.Arbitrary<Scope> = fc
  .record({
    tenantId: fc.constantFrom('t1', 't2'),
    userId: fc.option(fc.constantFrom('u1', 'u2'), { nil: undefined }),
    agentId: fc.option(fc.constantFrom('a1', 'a2'), { nil: undefined }),
    sessionId: fc.option(fc.constantFrom('s1', 's2'), { nil: undefined }),
  })
  .filter(
    (scope) => scope.userId !== undefined || scope.agentId !== undefined || scope.sessionId !== undefined,
  )
  .map(
    (scope) =>
      Object.fromEntries(
        Object.entries(scope).filter(([, value]) => value !== undefined),
      ) as unknown as Scope,
  );

const operationArbitrary = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('insert' as const),
      scope: scopeArbitrary,
      word: fc.constantFrom('apple', 'river', 'stone'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('forgetScope' as const), scope: scopeArbitrary }) },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant('forget' as const), scope: scopeArbitrary, pick: fc.nat() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant('supersede' as const), scope: scopeArbitrary, pick: fc.nat() }),
  },
);

/** Rules that hold whatever the exact visibility rule says: they guard the rule itself. */
function neverCrosses(reader: Scope, record: Scope): void {
  expect(record.tenantId).toBe(reader.tenantId);
  if (reader.userId !== undefined && record.userId !== undefined) expect(record.userId).toBe(reader.userId);
  if (reader.agentId !== undefined && record.agentId !== undefined)
    expect(record.agentId).toBe(reader.agentId);
  if (reader.sessionId !== undefined && record.sessionId !== undefined)
    expect(record.sessionId).toBe(reader.sessionId);
}

/**
 * Registers the scope-isolation property test for a store factory: random inserts, forgets (by id and by
 * scope) and supersessions through random scopes; after each step every read through random scopes (list,
 * get, lexical and vector search) returns exactly what the visibility rule allows, a change by id succeeds
 * exactly when the rule lets that scope change the memory, and forgetScope erases exactly its own scope.
 *
 * @example
 * itKeepsScopesApart(async () => ({ store, cleanup }));
 */
export function itKeepsScopesApart(
  createStore: () => Promise<{ store: MemoryStore; cleanup: () => Promise<void> }>,
): void {
  it('property: every read and change follows the visibility rule, and forgetScope stays inside its scope', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(operationArbitrary, { minLength: 1, maxLength: 12 }),
        fc.array(scopeArbitrary, { minLength: 2, maxLength: 4 }),
        async (operations, readers) => {
          const { store, cleanup } = await createStore();
          try {
            // The model: current memories by id, with their scope.
            const model = new Map<string, Scope>();
            for (const op of operations) {
              await apply(store, model, op);
              for (const reader of readers) await expectReadsFollowTheRule(store, model, reader);
            }
          } finally {
            await cleanup();
          }
        },
      ),
      { numRuns: 25 },
    );
  });
}

type Operation = typeof operationArbitrary extends fc.Arbitrary<infer T> ? T : never;

async function apply(store: MemoryStore, model: Map<string, Scope>, op: Operation): Promise<void> {
  if (op.type === 'insert') {
    const write = makeMemoryWrite({ scope: op.scope, text: `${op.word} memory` });
    await store.insertMemories({ memories: [write], actor: 'prop', at: T0 });
    model.set(write.record.id, op.scope);
    return;
  }
  if (op.type === 'forgetScope') {
    await store.forgetScope({ scope: op.scope, at: now, actor: 'prop' });
    for (const [id, recordScope] of model) if (scopeContains(op.scope, recordScope)) model.delete(id);
    return;
  }
  const ids = [...model.keys()];
  const id = ids[op.pick % Math.max(1, ids.length)];
  if (id === undefined) return;
  const target = model.get(id)!;
  const allowed = isVisible(op.scope, target, 'write');
  try {
    if (op.type === 'forget') {
      await store.forgetMemory({ scope: op.scope, id, at: now, actor: 'prop' });
      model.delete(id);
    } else {
      const replacement = makeMemoryWrite({ scope: target, text: 'stone memory revised' });
      await store.supersedeMemory({ scope: op.scope, id, replacement, at: T0, actor: 'prop' });
      model.delete(id);
      model.set(replacement.record.id, target);
    }
    expect(allowed).toBe(true);
  } catch (error) {
    if (!isMnemoError(error) || error.code !== 'NOT_FOUND') throw error;
    expect(allowed).toBe(false);
  }
}

async function expectReadsFollowTheRule(
  store: MemoryStore,
  model: Map<string, Scope>,
  reader: Scope,
): Promise<void> {
  const expected = [...model]
    .filter(([, recordScope]) => isVisible(reader, recordScope))
    .map(([id]) => id)
    .sort();
  const listed = (await store.listMemories({ scope: reader, filter: { now }, limit: 100 })).items;
  for (const record of listed) neverCrosses(reader, record.scope);
  expect(listed.map((record) => record.id).sort()).toEqual(expected);
  const got = await store.getMemories({ scope: reader, ids: [...model.keys()] });
  expect(got.map((record) => record.id).sort()).toEqual(expected);
  const hits = await store.searchLexical({
    scope: reader,
    terms: ['apple', 'river', 'stone', 'memori'],
    filter: { now },
    limit: 100,
  });
  expect(hits.map((hit) => hit.id).sort()).toEqual(expected);
  const nearest = await store.searchVector({
    scope: reader,
    embedding: fixtureEmbedding('apple memory'),
    filter: { now },
    limit: 100,
  });
  expect(nearest.map((hit) => hit.id).sort()).toEqual(expected);
}
