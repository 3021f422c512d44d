// Conformance cases for the knowledge graph: entities found by name and alias, relations opened and closed
// (never overwritten), bitemporal reads, visibility, merges and their undo, and erasure with memories.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMnemoError } from '../../core/errors.js';
import type { GraphFacts } from '../../core/graph.js';
import type { Scope } from '../../core/scope.js';
import type { MemoryStore } from '../memory-store.js';
import { makeMemoryWrite } from './fixtures.js';

const alice: Scope = { tenantId: 't1', userId: 'alice' };
const aliceSession: Scope = { tenantId: 't1', userId: 'alice', sessionId: 's1' };
const aliceOtherSession: Scope = { tenantId: 't1', userId: 'alice', sessionId: 's2' };
const bob: Scope = { tenantId: 't1', userId: 'bob' };
const otherTenant: Scope = { tenantId: 't2', userId: 'alice' };
const DAY = 86_400_000;
const JAN = Date.parse('2024-01-10T00:00:00Z');
const MAY = Date.parse('2024-05-01T00:00:00Z');

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isMnemoError(error) ? error.code : error).toBe(code);
}

const livesIn = (person: string, city: string, validFrom: number): GraphFacts => ({
  entities: [
    { name: person, type: 'person' },
    { name: city, type: 'place' },
  ],
  relations: [
    {
      subject: 0,
      predicate: 'lives_in',
      object: { entity: 1 },
      fact: `${person} lives in ${city}.`,
      validFrom,
      confidence: 0.8,
    },
  ],
});

/**
 * Registers the graph conformance cases for a store factory.
 *
 * @example
 * itKeepsTheGraph(async () => ({ store, cleanup }));
 */
export function itKeepsTheGraph(
  createStore: () => Promise<{ store: MemoryStore; cleanup: () => Promise<void> }>,
): void {
  describe('knowledge graph', () => {
    let store: MemoryStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await createStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    const remember = async (
      scope: Scope,
      text: string,
      graph: GraphFacts,
      observedAt = JAN,
      at = observedAt,
    ) => {
      const write = { ...makeMemoryWrite({ scope, text, observedAt }), graph };
      await store.insertMemories({ memories: [write], actor: 'test', at });
      return write.record;
    };
    const relationsOf = async (
      name: string,
      scope: Scope = alice,
      extra: { asOf?: number; knownAt?: number } = {},
    ) => {
      const [entity] = await store.findEntities({ scope, keys: [name.toLowerCase()], limit: 1 });
      if (entity === undefined) return [];
      return store.listRelations({ scope, entityIds: [entity.id], limit: 100, ...extra });
    };

    it('finds or creates entities by name and alias, and lists them with their aliases and mentions', async () => {
      await remember(alice, 'My sister Emma lives in Berlin.', {
        entities: [
          { name: 'Emma', type: 'person', aliases: ["alice's sister"] },
          { name: 'Berlin', type: 'place' },
        ],
        relations: [],
      });
      await remember(alice, "Emma's garden is lovely.", {
        entities: [{ name: "Emma's", type: 'person' }],
        relations: [],
      });
      const page = await store.listEntities({ scope: alice, limit: 10 });
      expect(page.items.map((entity) => entity.name).sort()).toEqual(['Berlin', 'Emma']);
      const emma = page.items.find((entity) => entity.name === 'Emma');
      expect(emma).toMatchObject({ type: 'person', mentions: 2, aliases: ["alice's sister"] });
      const [bySister] = await store.findEntities({ scope: alice, keys: ['alice sister'], limit: 5 });
      expect(bySister?.id).toBe(emma?.id);
      const [byPrefix] = await store.findEntities({ scope: alice, keys: [], prefixes: ['ber'], limit: 5 });
      expect(byPrefix?.name).toBe('Berlin');
    });

    it('closes a functional relation that a later one contradicts, and keeps both', async () => {
      await remember(alice, 'Emma lives in Berlin.', livesIn('Emma', 'Berlin', JAN));
      const moved = await remember(
        alice,
        'Emma moved to Paris.',
        livesIn('Emma', 'Paris', MAY),
        MAY + 35 * DAY,
      );
      const relations = await relationsOf('Emma');
      const berlin = relations.find(
        (relation) => 'name' in relation.object && relation.object.name === 'Berlin',
      );
      const paris = relations.find(
        (relation) => 'name' in relation.object && relation.object.name === 'Paris',
      );
      expect(berlin?.validTo).toBe(new Date(MAY).toISOString());
      expect(berlin?.invalidatedBy).toBe(paris?.id);
      expect(paris?.validTo).toBeUndefined();
      expect(paris?.sourceMemoryIds).toEqual([moved.id]);
      expect((await relationsOf('Emma', alice, { asOf: MAY - DAY })).map((relation) => relation.id)).toEqual([
        berlin?.id,
      ]);
      // Before Mnemo learned of the move, Berlin was still open.
      const known = await relationsOf('Emma', alice, { knownAt: MAY });
      expect(known.map((relation) => relation.validTo)).toEqual([undefined]);
    });

    it('opens a relation told late as already closed by the newer one', async () => {
      await remember(alice, 'Emma lives in Paris.', livesIn('Emma', 'Paris', MAY));
      await remember(alice, 'Emma lived in Berlin.', livesIn('Emma', 'Berlin', JAN), JAN, MAY + DAY);
      const relations = await relationsOf('Emma');
      expect(relations.map((relation) => [relation.validFrom, relation.validTo])).toEqual([
        [new Date(JAN).toISOString(), new Date(MAY).toISOString()],
        [new Date(MAY).toISOString(), undefined],
      ]);
    });

    it('adds a source to a relation said again instead of opening another', async () => {
      const first = await remember(alice, 'Emma lives in Berlin.', livesIn('Emma', 'Berlin', JAN));
      const again = await remember(
        alice,
        'Emma still lives in Berlin.',
        livesIn('Emma', 'Berlin', JAN + DAY),
      );
      const relations = await relationsOf('Emma');
      expect(relations).toHaveLength(1);
      expect(relations[0]?.sourceMemoryIds.sort()).toEqual([first.id, again.id].sort());
    });

    it("shows nothing of another user's, tenant's or session's graph", async () => {
      await remember(aliceSession, 'Emma lives in Berlin.', livesIn('Emma', 'Berlin', JAN));
      for (const scope of [bob, otherTenant, aliceOtherSession]) {
        expect((await store.listEntities({ scope, limit: 10 })).items).toEqual([]);
        expect(await store.findEntities({ scope, keys: ['emma'], limit: 5 })).toEqual([]);
        expect(await store.listRelations({ scope, limit: 10 })).toEqual([]);
      }
      expect((await store.listEntities({ scope: alice, limit: 10 })).items).toHaveLength(2);
      expect(await relationsOf('Emma', aliceSession)).toHaveLength(1);
    });

    it('forgetting a memory removes what rests only on it and reopens what it closed', async () => {
      await remember(alice, 'Emma lives in Berlin.', livesIn('Emma', 'Berlin', JAN));
      const moved = await remember(alice, 'Emma moved to Paris.', livesIn('Emma', 'Paris', MAY), MAY);
      await store.forgetMemory({ scope: alice, id: moved.id, at: MAY + DAY, actor: 'test' });
      const relations = await relationsOf('Emma');
      expect(relations).toHaveLength(1);
      expect(relations[0]).toMatchObject({ object: { name: 'Berlin' } });
      expect(relations[0]?.validTo).toBeUndefined();
      const names = (await store.listEntities({ scope: alice, limit: 10 })).items.map(
        (entity) => entity.name,
      );
      expect(names.sort()).toEqual(['Berlin', 'Emma']);
    });

    it('purging an expired memory removes its graph like a forget', async () => {
      const write = {
        ...makeMemoryWrite({
          scope: alice,
          text: 'Emma lives in Berlin.',
          observedAt: JAN,
          expiresAt: JAN + DAY,
        }),
        graph: livesIn('Emma', 'Berlin', JAN),
      };
      await store.insertMemories({ memories: [write], actor: 'test', at: JAN });
      expect(await relationsOf('Emma')).toHaveLength(1);
      expect((await store.purgeExpired({ now: JAN + 2 * DAY })).purged).toBe(1);
      expect(await store.listRelations({ scope: alice, limit: 10 })).toEqual([]);
      expect((await store.listEntities({ scope: alice, limit: 10 })).items).toEqual([]);
    });

    it('forgetting a scope removes its whole graph', async () => {
      await remember(aliceSession, 'Emma lives in Berlin.', livesIn('Emma', 'Berlin', JAN));
      await remember(bob, 'Emma lives in Rome.', livesIn('Emma', 'Rome', JAN));
      await store.forgetScope({ scope: alice, at: MAY, actor: 'test' });
      expect((await store.listEntities({ scope: alice, limit: 10 })).items).toEqual([]);
      expect(await store.listRelations({ scope: alice, limit: 10 })).toEqual([]);
      expect((await store.listEntities({ scope: bob, limit: 10 })).items).toHaveLength(2);
    });

    it('merges two entities and undoes the merge exactly', async () => {
      await remember(alice, 'Emma lives in Berlin.', livesIn('Emma', 'Berlin', JAN));
      await remember(alice, 'Em lives in Berlin.', livesIn('Em', 'Berlin', JAN + DAY));
      const [emma] = await store.findEntities({ scope: alice, keys: ['emma'], limit: 1 });
      const [em] = await store.findEntities({ scope: alice, keys: ['em'], limit: 1 });
      if (emma === undefined || em === undefined) throw new Error('fixture entities missing');
      const merge = await store.mergeEntities({
        scope: alice,
        keepId: emma.id,
        mergeId: em.id,
        at: MAY,
        actor: 'test',
      });
      const merged = (await store.listEntities({ scope: alice, limit: 10 })).items;
      expect(merged.map((entity) => entity.name).sort()).toEqual(['Berlin', 'Emma']);
      expect(merged.find((entity) => entity.name === 'Emma')).toMatchObject({ aliases: ['Em'], mentions: 2 });
      expect((await store.getEntities({ scope: alice, ids: [em.id] }))[0]?.id).toBe(emma.id);
      expect(await relationsOf('Emma')).toHaveLength(2);
      await expectCode(
        store.mergeEntities({ scope: bob, keepId: emma.id, mergeId: em.id, at: MAY, actor: 't' }),
        'NOT_FOUND',
      );
      const undone = await store.unmergeEntities({ scope: alice, mergeId: merge.id, at: MAY + DAY });
      expect(undone.undoneAt).toBe(new Date(MAY + DAY).toISOString());
      const after = (await store.listEntities({ scope: alice, limit: 10 })).items;
      expect(after.map((entity) => entity.name).sort()).toEqual(['Berlin', 'Em', 'Emma']);
      expect(await relationsOf('Emma')).toHaveLength(1);
      expect(await relationsOf('Em')).toHaveLength(1);
      await expectCode(store.unmergeEntities({ scope: alice, mergeId: merge.id, at: MAY }), 'CONFLICT');
      expect((await store.listMerges({ scope: alice, entityId: emma.id, limit: 10 }))[0]?.id).toBe(merge.id);
    });

    it('links a mention that must exist only when it does', async () => {
      const write = await remember(alice, 'My sister is visiting.', {
        entities: [{ name: "alice's sister", type: 'person', mustExist: true }],
        relations: [],
      });
      expect((await store.listEntities({ scope: alice, limit: 10 })).items).toEqual([]);
      await remember(alice, 'My sister Emma.', {
        entities: [{ name: 'Emma', type: 'person', aliases: ["alice's sister"] }],
        relations: [],
      });
      await remember(alice, 'My sister called.', {
        entities: [{ name: "alice's sister", type: 'person', mustExist: true }],
        relations: [],
      });
      const mentions = await store.listMentions({
        scope: alice,
        entityIds: [(await store.listEntities({ scope: alice, limit: 1 })).items[0]?.id ?? ''],
        limitPerEntity: 10,
      });
      expect(mentions).toHaveLength(2);
      expect(mentions.map((mention) => mention.memoryId)).not.toContain(write.id);
    });
  });
}
