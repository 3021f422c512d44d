import { describe, expect, it } from 'vitest';
import type { Entity, GraphFacts } from '../core/graph.js';
import type { GraphStore } from '../store/graph-store.js';
import { fitOf, jaroWinkler, resolveEntities } from './resolve-entities.js';

const entity = (
  id: string,
  name: string,
  type: Entity['type'] = 'person',
  aliases: string[] = [],
): Entity => ({
  id,
  scope: { tenantId: 't', userId: 'u' },
  name,
  aliases,
  type,
  firstSeen: '2024-01-01T00:00:00.000Z',
  lastSeen: '2024-01-01T00:00:00.000Z',
});

/** A store that answers candidate lookups from a fixed list and records what it was asked. */
function storeWith(candidates: Entity[]): GraphStore & { asked: unknown[] } {
  const asked: unknown[] = [];
  const unused = () => Promise.reject(new Error('not used by resolution'));
  return {
    asked,
    findEntities: async (input) => {
      asked.push(input);
      return candidates;
    },
    listEntities: unused,
    getEntities: unused,
    listRelations: unused,
    listMentions: unused,
    mergeEntities: unused,
    unmergeEntities: unused,
    listMerges: unused,
  };
}

describe('jaroWinkler', () => {
  it.each([
    ['caroline', 'caroline', 1],
    ['caroline', 'carolin', 0.975],
    ['martha', 'marhta', 0.961],
    ['emma', 'paris', 0],
  ])('%s ~ %s = %d', (a, b, expected) => {
    expect(jaroWinkler(a, b)).toBeCloseTo(expected, 2);
  });
});

describe('fitOf', () => {
  it.each([
    ['mel', 'person', entity('1', 'Melanie'), 'nickname'],
    ['emma', 'person', entity('1', 'Emma Stone'), 'first name'],
    ['kathrine', 'person', entity('1', 'Katherine'), 'spelling'],
    ['emma', 'person', entity('1', 'Em', 'person', ['Emma']), 'alias'],
    ['paris', 'place', entity('1', 'Parisa', 'person'), undefined],
    ['al', 'person', entity('1', 'Alice'), undefined],
  ] as const)('%s (%s) against %o is %s', (key, type, candidate, expected) => {
    expect(fitOf(key, type, candidate)).toBe(expected);
  });
});

describe('resolveEntities', () => {
  it('points a nickname at the one stored entity it fits, with one bounded lookup', async () => {
    const store = storeWith([entity('m1', 'Melanie')]);
    const facts: GraphFacts = { entities: [{ name: 'Mel', type: 'person' }], relations: [] };
    await resolveEntities({ store, scope: { tenantId: 't', userId: 'u' }, facts: [facts] });
    expect(facts.entities[0]?.entityId).toBe('m1');
    expect(store.asked).toEqual([expect.objectContaining({ keys: ['mel'], prefixes: ['mel'], limit: 200 })]);
  });

  it("lets the memory's embedding choose between two entities a name fits, when one is clearly closer", async () => {
    const stone = entity('stone', 'Emma Stone');
    const watson = entity('watson', 'Emma Watson');
    const vectors = new Map([
      ['m-film', Float32Array.from([1, 0, 0])],
      ['m-garden', Float32Array.from([0, 1, 0])],
    ]);
    const store = {
      ...storeWith([stone, watson]),
      listMentions: async () => [
        { entityId: 'stone', memoryId: 'm-film', observedAt: '2024-01-01T00:00:00.000Z' },
        { entityId: 'watson', memoryId: 'm-garden', observedAt: '2024-01-01T00:00:00.000Z' },
      ],
      getVectors: async ({ ids }: { ids: string[] }) =>
        new Map(ids.flatMap((id) => (vectors.has(id) ? [[id, vectors.get(id)!] as const] : []))),
    };
    const scope = { tenantId: 't', userId: 'u' };
    const near = (embedding: number[]) => {
      const facts: GraphFacts = { entities: [{ name: 'Emma', type: 'person' }], relations: [] };
      return { facts, embedding: Float32Array.from(embedding) };
    };
    const garden = near([0.1, 0.9, 0]);
    await resolveEntities({ store, scope, facts: [garden.facts], embeddings: [garden.embedding] });
    expect(garden.facts.entities[0]?.entityId).toBe('watson');
    const between = near([0.7, 0.7, 0]);
    await resolveEntities({ store, scope, facts: [between.facts], embeddings: [between.embedding] });
    expect(between.facts.entities[0]?.entityId).toBeUndefined();
  });

  it('resolves nothing when two stored entities fit', async () => {
    const store = storeWith([entity('1', 'Emma Stone'), entity('2', 'Emma Watson')]);
    const facts: GraphFacts = { entities: [{ name: 'Emma', type: 'person' }], relations: [] };
    await resolveEntities({ store, scope: { tenantId: 't', userId: 'u' }, facts: [facts] });
    expect(facts.entities[0]?.entityId).toBeUndefined();
  });

  it('writes a short name as the longer one of the same batch', async () => {
    const store = storeWith([]);
    const facts: GraphFacts = {
      entities: [
        { name: 'Mel', type: 'person' },
        { name: 'Melanie', type: 'person' },
      ],
      relations: [],
    };
    await resolveEntities({ store, scope: { tenantId: 't', userId: 'u' }, facts: [facts] });
    expect(facts.entities[0]).toEqual({ name: 'Melanie', type: 'person', aliases: ['Mel'] });
  });
});
