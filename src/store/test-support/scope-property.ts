// A fast-check property for the store conformance suite: random inserts and forgetScope calls never cross scopes.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Scope } from '../../core/scope.js';
import type { MemoryStore } from '../memory-store.js';
import { fixtureEmbedding, makeMemoryWrite, T0 } from './fixtures.js';

const now = T0 + 1000 * 3_600_000;

function contains(filter: Scope, record: Scope): boolean {
  return (
    record.tenantId === filter.tenantId &&
    record.userId === filter.userId &&
    (filter.agentId === undefined || record.agentId === filter.agentId)
  );
}

/**
 * Registers the scope-isolation property test for a store factory.
 *
 * @example
 * itKeepsScopesApart(async () => ({ store, cleanup }));
 */
export function itKeepsScopesApart(
  createStore: () => Promise<{ store: MemoryStore; cleanup: () => Promise<void> }>,
): void {
  it('property: reads never cross scopes and forgetScope never touches another scope', async () => {
    const scopeArbitrary = fc.record({
      tenantId: fc.constantFrom('t1', 't2'),
      userId: fc.constantFrom('u1', 'u2'),
      agentId: fc.option(fc.constantFrom('a1', 'a2'), { nil: undefined }),
    });
    const operation = fc.oneof(
      fc.record({
        type: fc.constant('insert' as const),
        scope: scopeArbitrary,
        word: fc.constantFrom('apple', 'river', 'stone'),
      }),
      fc.record({ type: fc.constant('forget' as const), scope: scopeArbitrary }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 12 }), async (operations) => {
        const { store: fresh, cleanup: done } = await createStore();
        try {
          const model = new Map<string, Scope>();
          for (const op of operations) {
            const scope = Object.fromEntries(
              Object.entries(op.scope).filter(([, value]) => value !== undefined),
            ) as Scope;
            if (op.type === 'insert') {
              const write = makeMemoryWrite({ scope, text: `${op.word} memory` });
              await fresh.insertMemories({ memories: [write], actor: 'prop', at: T0 });
              model.set(write.record.id, scope);
            } else {
              await fresh.forgetScope({ scope, at: now, actor: 'prop' });
              for (const [id, recordScope] of model) {
                if (contains(scope, recordScope)) model.delete(id);
              }
            }
            for (const scope of [
              { tenantId: 't1', userId: 'u1' },
              { tenantId: 't2', userId: 'u2', agentId: 'a1' },
            ] as Scope[]) {
              const listed = (await fresh.listMemories({ scope, filter: { now }, limit: 100 })).items;
              const expected = [...model]
                .filter(([, recordScope]) => contains(scope, recordScope))
                .map(([id]) => id);
              expect(listed.map((r) => r.id).sort()).toEqual(expected.sort());
              const hits = await fresh.searchLexical({
                scope,
                terms: ['apple', 'river', 'stone', 'memori'],
                filter: { now },
                limit: 100,
              });
              expect(hits.map((hit) => hit.id).sort()).toEqual(expected.sort());
              const nearest = await fresh.searchVector({
                scope,
                embedding: fixtureEmbedding('apple memory'),
                filter: { now },
                limit: 100,
              });
              expect(nearest.map((hit) => hit.id).sort()).toEqual(expected.sort());
            }
          }
        } finally {
          await done();
        }
      }),
      { numRuns: 25 },
    );
  });
}
