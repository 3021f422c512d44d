// Conformance cases for upkeep's store methods: merges and their undo, archive and restore, per-scope claims
// and watermarks, the reads of what changed or faded, and expiry inside one scope.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMnemoError } from '../../core/errors.js';
import type { Scope } from '../../core/scope.js';
import type { MemoryStore } from '../memory-store.js';
import { makeMemoryWrite, T0 } from './fixtures.js';

const hana: Scope = { tenantId: 't1', userId: 'hana' };
const hanaChat: Scope = { tenantId: 't1', userId: 'hana', sessionId: 's1' };
const omar: Scope = { tenantId: 't1', userId: 'omar' };
const DAY = 86_400_000;

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return isMnemoError(error) ? error.code : error === undefined ? undefined : String(error);
}

/**
 * Registers the upkeep conformance cases for a store factory.
 *
 * @example
 * itKeepsUpkeep(async () => ({ store, cleanup }));
 */
export function itKeepsUpkeep(
  createStore: () => Promise<{ store: MemoryStore; cleanup: () => Promise<void> }>,
): void {
  describe('upkeep', () => {
    let store: MemoryStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await createStore());
    });
    afterEach(async () => {
      await cleanup();
    });
    const insert = async (
      scope: Scope,
      text: string,
      extra: { createdAt?: number; expiresAt?: number } = {},
    ) => {
      const write = makeMemoryWrite({ scope, text, ...extra });
      await store.insertMemories({ memories: [write], actor: 'test', at: extra.createdAt ?? T0 });
      return write.record;
    };

    it('merges current memories into one that supersedes them, and unmerge undoes it', async () => {
      const a = await insert(hana, 'enjoys hiking in the Alps');
      const b = await insert(hana, 'really enjoys hiking in the Alps');
      const replacement = makeMemoryWrite({ scope: hana, text: b.text });
      replacement.record.attributes = { mergedFrom: [a.id, b.id] };
      const at = T0 + DAY;
      const { merged, sources } = await store.mergeMemories({
        scope: hana,
        ids: [a.id, b.id],
        replacement,
        at,
        actor: 'test',
      });
      expect(merged).toMatchObject({ id: replacement.record.id, supersedes: a.id });
      expect(merged.retiredAt).toBeUndefined();
      expect(sources.map((source) => [source.supersededBy, source.retiredAt, source.validTo])).toEqual([
        [merged.id, new Date(at).toISOString(), undefined],
        [merged.id, new Date(at).toISOString(), undefined],
      ]);
      const current = await store.listMemories({ scope: hana, filter: { now: at }, limit: 10 });
      expect(current.items.map((record) => record.id)).toEqual([merged.id]);
      expect((await store.listHistory({ scope: hana, memoryId: a.id })).map((entry) => entry.event)).toEqual([
        'add',
        'merge',
      ]);
      expect(
        (await store.listHistory({ scope: hana, memoryId: merged.id })).map((entry) => entry.event),
      ).toEqual(['merge']);
      expect(
        await codeOf(
          store.mergeMemories({
            scope: hana,
            ids: [a.id, b.id],
            replacement: makeMemoryWrite({ scope: hana, text: 'x' }),
            at,
            actor: 'test',
          }),
        ),
      ).toBe('CONFLICT');

      const undone = await store.unmergeMemory({ scope: hana, id: merged.id, at: at + 1, actor: 'test' });
      expect(undone.erasedId).toBe(merged.id);
      expect(undone.restored.map((record) => [record.id, record.retiredAt, record.supersededBy])).toEqual([
        [a.id, undefined, undefined],
        [b.id, undefined, undefined],
      ]);
      expect(await store.getMemory({ scope: hana, id: merged.id })).toBeUndefined();
      expect(
        (await store.listHistory({ scope: hana, memoryId: merged.id })).map((entry) => [
          entry.event,
          entry.after,
        ]),
      ).toEqual([['unmerge', undefined]]);
      expect(await codeOf(store.unmergeMemory({ scope: hana, id: a.id, at, actor: 'test' }))).toBe(
        'CONFLICT',
      );
    });

    it('refuses a merge outside the scope, of one memory, or written wider than its sources', async () => {
      const a = await insert(hanaChat, 'drinks tea');
      const b = await insert(hanaChat, 'drinks green tea');
      const o = await insert(omar, 'drinks coffee');
      const write = () => makeMemoryWrite({ scope: hanaChat, text: 'drinks green tea' });
      expect(
        await codeOf(
          store.mergeMemories({
            scope: hanaChat,
            ids: [a.id, o.id],
            replacement: write(),
            at: T0,
            actor: 't',
          }),
        ),
      ).toBe('NOT_FOUND');
      expect(
        await codeOf(
          store.mergeMemories({
            scope: hanaChat,
            ids: [a.id, a.id],
            replacement: write(),
            at: T0,
            actor: 't',
          }),
        ),
      ).toBe('INVALID_INPUT');
      const wider = makeMemoryWrite({ scope: hana, text: 'drinks green tea' });
      expect(
        await codeOf(
          store.mergeMemories({ scope: hana, ids: [a.id, b.id], replacement: wider, at: T0, actor: 't' }),
        ),
      ).toBe('INVALID_INPUT');
      expect((await store.listMemories({ scope: hana, filter: { now: T0 }, limit: 10 })).items).toHaveLength(
        2,
      );
    });

    it('archives a current memory out of default reads and restores it', async () => {
      const a = await insert(hana, 'once tried pottery');
      const archived = await store.archiveMemory({
        scope: hana,
        id: a.id,
        at: T0 + DAY,
        actor: 'test',
        reason: 'faded',
      });
      expect(archived.archivedAt).toBe(new Date(T0 + DAY).toISOString());
      expect((await store.listMemories({ scope: hana, filter: { now: T0 + DAY }, limit: 10 })).items).toEqual(
        [],
      );
      const all = await store.listMemories({
        scope: hana,
        filter: { now: T0 + DAY, includeHistory: true },
        limit: 10,
      });
      expect(all.items.map((record) => record.id)).toEqual([a.id]);
      expect(await codeOf(store.archiveMemory({ scope: hana, id: a.id, at: T0, actor: 't' }))).toBe(
        'CONFLICT',
      );
      const restored = await store.restoreMemory({ scope: hana, id: a.id, at: T0 + 2 * DAY, actor: 'test' });
      expect([restored.archivedAt, restored.retiredAt]).toEqual([undefined, undefined]);
      expect((await store.listHistory({ scope: hana, memoryId: a.id })).map((entry) => entry.event)).toEqual([
        'add',
        'archive',
        'restore',
      ]);
      expect(await codeOf(store.restoreMemory({ scope: hana, id: a.id, at: T0, actor: 't' }))).toBe(
        'CONFLICT',
      );
      expect(await codeOf(store.restoreMemory({ scope: omar, id: a.id, at: T0, actor: 't' }))).toBe(
        'NOT_FOUND',
      );
    });

    it('claims a scope for one owner at a time and keeps its watermark', async () => {
      await insert(hana, 'likes tea');
      await insert(hanaChat, 'said hello');
      await insert(omar, 'likes coffee');
      const scopes = await store.listMaintenanceScopes({ scope: hana });
      expect(scopes.map((info) => [info.scope, info.memories, info.state])).toEqual([
        [hana, 1, undefined],
        [hanaChat, 1, undefined],
      ]);
      expect((await store.listMaintenanceScopes({})).length).toBe(3);
      const state = await store.claimMaintenance({ scope: hana, owner: 'a', now: T0, leaseMs: 1_000 });
      expect(state).toEqual({ scope: hana, reflectedCount: 0 });
      expect(
        await store.claimMaintenance({ scope: hana, owner: 'b', now: T0 + 500, leaseMs: 1_000 }),
      ).toBeUndefined();
      expect(
        await store.claimMaintenance({ scope: hanaChat, owner: 'b', now: T0 + 500, leaseMs: 1_000 }),
      ).toBeDefined();
      await store.releaseMaintenance({
        scope: hana,
        owner: 'a',
        at: T0 + 600,
        watermark: { at: T0, id: 'm1' },
        reflectedCount: 3,
      });
      const again = await store.claimMaintenance({ scope: hana, owner: 'b', now: T0 + 700, leaseMs: 1_000 });
      expect(again).toEqual({
        scope: hana,
        watermark: { at: T0, id: 'm1' },
        reflectedCount: 3,
        lastRunAt: T0 + 600,
      });
      expect(
        await store.claimMaintenance({ scope: hana, owner: 'c', now: T0 + 2_000, leaseMs: 1_000 }),
      ).toBeDefined();
      await store.forgetScope({ scope: hana, at: T0, actor: 'test' });
      expect(await store.listMaintenanceScopes({ scope: hana })).toEqual([]);
      await insert(hana, 'likes tea again');
      expect((await store.listMaintenanceScopes({ scope: hana }))[0]?.state).toBeUndefined();
    });

    it('reads what was created after a watermark and what faded past the archive line', async () => {
      const first = await insert(hana, 'first', { createdAt: T0 });
      const second = await insert(hana, 'second', { createdAt: T0 + DAY });
      const third = await insert(hana, 'third', { createdAt: T0 + 2 * DAY });
      await insert(hanaChat, 'in a session', { createdAt: T0 });
      const now = T0 + 3 * DAY;
      const page = await store.listCreatedAfter({ scope: hana, limit: 2, now });
      expect([page.items.map((record) => record.id), page.total]).toEqual([[first.id, second.id], 3]);
      const rest = await store.listCreatedAfter({
        scope: hana,
        after: { at: T0 + DAY, id: second.id },
        limit: 2,
        now,
      });
      expect([rest.items.map((record) => record.id), rest.total]).toEqual([[third.id], 1]);
      // Importance 0.5, never recalled: the line is idleUnit × 1 × 1.
      const fading = await store.listFading({
        scope: hana,
        idleUnitMs: 2.5 * DAY,
        kinds: ['fact'],
        limit: 10,
        now,
      });
      expect(fading.map((record) => record.id)).toEqual([first.id]);
      await store.recordAccess({ scope: hana, ids: [first.id], at: T0 + 2.5 * DAY });
      const afterRecall = await store.listFading({
        scope: hana,
        idleUnitMs: 2.5 * DAY,
        kinds: ['fact'],
        limit: 10,
        now,
      });
      expect(afterRecall).toEqual([]);
      expect(
        await store.listFading({ scope: hana, idleUnitMs: DAY / 4, kinds: ['episode'], limit: 10, now }),
      ).toEqual([]);
    });

    it('purges expired memories inside one scope only', async () => {
      await insert(hana, 'door code 1234', { expiresAt: T0 + 1 });
      await insert(omar, 'door code 5678', { expiresAt: T0 + 1 });
      expect(await store.purgeExpired({ now: T0 + 10, scope: hana })).toEqual({ purged: 1 });
      const left = await store.listMemories({
        scope: omar,
        filter: { now: T0, includeHistory: true },
        limit: 10,
      });
      expect(left.items.map((record) => record.text)).toEqual(['door code 5678']);
    });
  });
}
