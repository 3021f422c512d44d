// The knowledge graph through the SDK, on SQLite and PostgreSQL: extraction on add, contradiction over time,
// graph-aware search with its explanation, updates, forgetting, merges, and `graph: false`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import type { Relation } from '../core/graph.js';
import { createMemory, type Memory } from './create-memory.js';
import { createTempDatabase } from './test-support/inference-fixture.js';
import { codeOf, type SdkBackend, sdkBackends } from './test-support/sdk-backends.js';

const backends = sdkBackends('graph', 'mnemo-graph-');
const u = { userId: 'u' };
const objectName = (relation: Relation) =>
  'name' in relation.object ? relation.object.name : relation.object.literal;

describe.each(backends)('knowledge graph on %s', (_name, makeBackend) => {
  let backend: SdkBackend;
  let memory: Memory;
  const clock = createFixedClock('2024-06-10T12:00:00Z');

  beforeEach(async () => {
    backend = makeBackend();
    memory = await backend.open({ clock });
    await memory.add('My sister Emma lives in Berlin.', { ...u, observedAt: '2024-01-10' });
    await memory.add('Emma moved to Paris last month.', { ...u, observedAt: '2024-06-05' });
  });
  afterEach(async () => {
    await memory.close();
    await backend.cleanup();
  });

  it('lists the people and places it read, typed', async () => {
    const { items } = await memory.graph.entities(u);
    const types = Object.fromEntries(items.map((entity) => [entity.name, entity.type]));
    expect(types).toMatchObject({ Emma: 'person', Berlin: 'place', Paris: 'place' });
    expect(items.find((entity) => entity.name === 'Emma')?.aliases).toEqual(["u's sister"]);
  });

  it('closes Emma in Berlin when she moves to Paris, around May 2024', async () => {
    const { relations } = await memory.graph.entity('Emma', u);
    const livesIn = relations.filter((relation) => relation.predicate === 'lives_in');
    expect(livesIn.map((relation) => [objectName(relation), relation.validFrom, relation.validTo])).toEqual([
      ['Berlin', '2024-01-10T00:00:00.000Z', '2024-05-01T00:00:00.000Z'],
      ['Paris', '2024-05-01T00:00:00.000Z', undefined],
    ]);
    const march = await memory.graph.relations({
      ...u,
      entity: 'Emma',
      asOf: '2024-03-01',
      predicate: 'lives_in',
    });
    expect(march.map(objectName)).toEqual(['Berlin']);
    const current = await memory.graph.relations({ ...u, entity: "u's sister", current: true });
    expect(current.map(objectName).sort()).toEqual(['Paris', 'u']);
  });

  it('links a later "my sister" to Emma and walks two hops', async () => {
    const written = await memory.add('My sister is visiting next week.', { ...u, observedAt: '2024-06-07' });
    const { entity } = await memory.graph.entity('Emma', u);
    expect(entity.mentions).toBe(3);
    const [episode] = written.memories;
    const mentioned = await memory.store.listMentions({
      scope: { tenantId: 'default', userId: 'u' },
      entityIds: [entity.id],
      limitPerEntity: 10,
    });
    expect(mentioned.map((mention) => mention.memoryId)).toContain(episode?.id);
    const { neighbours } = await memory.graph.neighbours('Berlin', { ...u, hops: 2 });
    expect(neighbours.map((neighbour) => [neighbour.entity.name, neighbour.hops]).sort()).toEqual([
      ['Emma', 1],
      ['Paris', 2],
      ['u', 2],
    ]);
  });

  it('explains a result the graph brought in', async () => {
    const { results } = await memory.search('Where does Emma live?', { ...u, explain: true });
    const moved = results.find((result) => result.memory.text.startsWith('Emma moved'));
    expect(moved?.explanation?.graph).toMatchObject({ hops: 1 });
    expect(moved?.explanation?.graph?.entities).toContain('Emma');
    expect(moved?.explanation?.graph?.facts).toContain('Emma moved to Paris last month.');
  });

  it('forgetting the move reopens Berlin; forgetting the scope removes the graph', async () => {
    const { items } = await memory.list(u);
    const move = items.find((record) => record.text.includes('Paris'));
    await memory.forget(move?.id ?? '', u);
    const relations = await memory.graph.relations({ ...u, entity: 'Emma', predicate: 'lives_in' });
    expect(relations.map((relation) => [objectName(relation), relation.validTo])).toEqual([
      ['Berlin', undefined],
    ]);
    expect((await memory.graph.entities(u)).items.map((entity) => entity.name)).not.toContain('Paris');
    await memory.forgetScope(u);
    expect((await memory.graph.entities(u)).items).toEqual([]);
  });

  it('re-reads an updated memory and merges by name, reversibly', async () => {
    const { items } = await memory.list(u);
    const first = items.find((record) => record.text.includes('Berlin'));
    await memory.update(first?.id ?? '', { text: 'My sister Emma lives in Munich.' }, u);
    const names = (await memory.graph.entities(u)).items.map((entity) => entity.name);
    expect(names).toContain('Munich');
    await memory.add('Emmy called from Paris.', { ...u, observedAt: '2024-06-08' });
    const merge = await memory.graph.mergeEntities('Emma', 'Emmy', u);
    expect((await memory.graph.entity('Emmy', u)).entity.name).toBe('Emma');
    await memory.graph.unmergeEntities(merge.id, u);
    expect((await memory.graph.entity('Emmy', u)).entity.name).toBe('Emmy');
  });

  it('refuses bad graph input without changing anything', async () => {
    expect(await codeOf(memory.graph.entity('Nobody', u))).toBe('NOT_FOUND');
    expect(await codeOf(memory.graph.entities({ ...u, limit: 0 }))).toBe('INVALID_INPUT');
    expect(await codeOf(memory.graph.relations({ ...u, asOf: 'not a date' }))).toBe('INVALID_INPUT');
    expect(await codeOf(memory.graph.entities({}))).toBe('SCOPE_REQUIRED');
    expect(await codeOf(memory.graph.mergeEntities('Emma', 'Emma', u))).toBe('INVALID_INPUT');
    expect((await memory.graph.merges(u)).length).toBe(0);
  });
});

describe('graph: false', () => {
  it('writes no graph but still answers graph reads', async () => {
    const database = createTempDatabase('mnemo-graph-off-');
    const memory = await createMemory({ store: database.path, graph: false });
    try {
      await memory.add('My sister Emma lives in Berlin.', u);
      expect((await memory.graph.entities(u)).items).toEqual([]);
    } finally {
      await memory.close();
      database.cleanup();
    }
  });
});
