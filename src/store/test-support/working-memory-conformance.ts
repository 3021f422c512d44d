// Conformance cases for working memory: exact-scope entries, upserts, expiry, the entry limit and erasure.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMnemoError } from '../../core/errors.js';
import type { JsonValue } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { MemoryStore } from '../memory-store.js';
import { T0 } from './fixtures.js';

const session: Scope = { tenantId: 't1', userId: 'wanda', agentId: 'planner', sessionId: 's1' };
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isMnemoError(error) ? error.code : error).toBe(code);
}

/**
 * Registers the working-memory conformance cases for a store factory.
 *
 * @example
 * itKeepsWorkingMemory(async () => ({ store, cleanup }));
 */
export function itKeepsWorkingMemory(
  createStore: () => Promise<{ store: MemoryStore; cleanup: () => Promise<void> }>,
): void {
  describe('working memory', () => {
    let store: MemoryStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await createStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    const set = (
      key: string,
      value: JsonValue,
      options: { scope?: Scope; at?: number; expiresAt?: number } = {},
    ) =>
      store.setWorkingEntry({
        scope: options.scope ?? session,
        key,
        value,
        at: options.at ?? T0,
        expiresAt: options.expiresAt,
        maxEntries: 3,
      });
    const list = (scope: Scope = session, now = T0, keys?: string[]) =>
      store.listWorkingEntries({ scope, now, keys });
    const values = async (scope: Scope = session, now = T0) =>
      Object.fromEntries((await list(scope, now)).map((entry) => [entry.key, entry.value]));

    it('round-trips string, number, object and array values, listed by key', async () => {
      const plan = { steps: ['search', 'book'], done: false, budget: null, nested: { n: 1.5 } };
      const written = await set('plan', plan);
      expect(written).toEqual({
        key: 'plan',
        value: plan,
        scope: session,
        createdAt: iso(T0),
        updatedAt: iso(T0),
      });
      await set('city', 'Lisbon');
      await set('count', 42);
      await store.setWorkingEntry({
        scope: session,
        key: 'Zeta',
        value: [1, 'two', { three: 3 }],
        at: T0,
        maxEntries: 4,
      });
      const entries = await list();
      expect(entries.map((entry) => entry.key)).toEqual(['Zeta', 'city', 'count', 'plan']);
      expect(entries).toContainEqual(written);
      expect(await values()).toEqual({ Zeta: [1, 'two', { three: 3 }], city: 'Lisbon', count: 42, plan });
      expect((await list(session, T0, ['count', 'missing'])).map((entry) => entry.value)).toEqual([42]);
      expect(await list(session, T0, [])).toEqual([]);
    });

    it('replaces a value and expiry in place, keeping createdAt and moving updatedAt', async () => {
      await set('step', 1, { expiresAt: T0 + 10 * MINUTE });
      const replaced = await set('step', { n: 2 }, { at: T0 + MINUTE });
      expect(replaced).toEqual({
        key: 'step',
        value: { n: 2 },
        scope: session,
        createdAt: iso(T0),
        updatedAt: iso(T0 + MINUTE),
      });
      expect(await list(session, T0 + 20 * MINUTE)).toEqual([replaced]);
    });

    it('keeps an entry to exactly its scope: no other session, agent, user, tenant or the session-less user', async () => {
      await set('secret', 'only in s1');
      const others: Scope[] = [
        { ...session, sessionId: 's2' },
        { ...session, agentId: 'critic' },
        { tenantId: 't1', userId: 'wanda', sessionId: 's1' },
        { ...session, userId: 'xavier' },
        { ...session, tenantId: 't2' },
        { tenantId: 't1', userId: 'wanda' },
        { tenantId: 't1', userId: 'wanda', agentId: 'planner' },
      ];
      for (const scope of others) {
        expect(await list(scope)).toEqual([]);
        expect(await store.deleteWorkingEntries({ scope, now: T0 })).toEqual({ deleted: 0 });
      }
      expect(await values()).toEqual({ secret: 'only in s1' });
    });

    it('hides an expired entry, and purgeExpired removes it without counting it as a memory', async () => {
      await set('temp', 'short-lived', { expiresAt: T0 + MINUTE });
      await set('kept', 'no expiry');
      expect(await values(session, T0 + MINUTE - 1)).toEqual({ kept: 'no expiry', temp: 'short-lived' });
      expect(await values(session, T0 + MINUTE)).toEqual({ kept: 'no expiry' });
      expect(await store.purgeExpired({ now: T0 + MINUTE })).toEqual({ purged: 0 });
      expect(await values(session, T0)).toEqual({ kept: 'no expiry' });
    });

    it('refuses a new key beyond maxEntries and writes nothing, but replaces an existing key at the limit', async () => {
      await set('a', 1);
      await set('b', 2);
      await set('c', 3);
      await expectCode(set('d', 4, { at: T0 + MINUTE }), 'INVALID_INPUT');
      expect(await values()).toEqual({ a: 1, b: 2, c: 3 });
      await set('c', 30, { at: T0 + MINUTE });
      expect(await values()).toEqual({ a: 1, b: 2, c: 30 });
    });

    it('drops expired entries before counting toward maxEntries', async () => {
      await set('a', 1, { expiresAt: T0 + MINUTE });
      await set('b', 2);
      await set('c', 3);
      await set('d', 4, { at: T0 + MINUTE });
      expect(await values(session, T0)).toEqual({ b: 2, c: 3, d: 4 });
    });

    it('deletes by keys and clears a session, counting the live entries deleted', async () => {
      await set('a', 1);
      await set('b', 2);
      await set('c', 3);
      await set('a', 'other session', { scope: { ...session, sessionId: 's2' } });
      expect(await store.deleteWorkingEntries({ scope: session, keys: ['a', 'missing'], now: T0 })).toEqual({
        deleted: 1,
      });
      expect(await store.deleteWorkingEntries({ scope: session, keys: [], now: T0 })).toEqual({ deleted: 0 });
      expect(await values()).toEqual({ b: 2, c: 3 });
      await set('gone', 'expired', { expiresAt: T0 + MINUTE });
      // The expired entry is deleted too, but only live entries are counted.
      expect(await store.deleteWorkingEntries({ scope: session, now: T0 + MINUTE })).toEqual({ deleted: 2 });
      expect(await list()).toEqual([]);
      expect(await values({ ...session, sessionId: 's2' })).toEqual({ a: 'other session' });
    });

    it('refuses a scope without a session', async () => {
      await expectCode(set('plan', 'x', { scope: { tenantId: 't1', userId: 'wanda' } }), 'INVALID_INPUT');
      expect(await list({ tenantId: 't1', userId: 'wanda' })).toEqual([]);
    });

    it('is erased by forgetScope of its session or its user, and nothing else is', async () => {
      const s2 = { ...session, sessionId: 's2' };
      const neighbour = { ...session, userId: 'xavier' };
      await set('plan', 'in s1');
      await set('plan', 'in s2', { scope: s2 });
      await set('plan', 'xavier', { scope: neighbour });
      await store.forgetScope({ scope: session, at: T0, actor: 'test' });
      expect(await list()).toEqual([]);
      expect(await values(s2)).toEqual({ plan: 'in s2' });
      await store.forgetScope({ scope: { tenantId: 't1', userId: 'wanda' }, at: T0, actor: 'test' });
      expect(await list(s2)).toEqual([]);
      expect(await values(neighbour)).toEqual({ plan: 'xavier' });
    });
  });
}
