import { describe, expect, it } from 'vitest';
import type { Entity, Relation } from '../core/graph.js';
import type { GraphStore } from '../store/graph-store.js';
import { graphCandidates, queryKeys } from './graph-candidates.js';

const scope = { tenantId: 't', userId: 'u' };
const entity = (id: string, name: string, mentions: number): Entity => ({
  id,
  scope,
  name,
  aliases: [],
  type: 'person',
  firstSeen: '2024-01-01T00:00:00.000Z',
  lastSeen: '2024-01-01T00:00:00.000Z',
  mentions,
});
const relation = (id: string, predicate: string, object: string, fact: string, source: string): Relation => ({
  id,
  scope,
  subject: { id: 'mel', name: 'Melanie', type: 'person' },
  predicate,
  object: { literal: object },
  fact,
  validFrom: '2024-01-01T00:00:00.000Z',
  observedAt: '2024-01-01T00:00:00.000Z',
  recordedAt: '2024-01-01T00:00:00.000Z',
  sourceMemoryIds: [source],
  confidence: 0.8,
});

/** A graph store answering from fixed mentions and relations. */
function store(input: { mentions: Record<string, string[]>; relations: Relation[] }): GraphStore {
  const unused = () => Promise.reject(new Error('not used'));
  return {
    listMentions: async ({ entityIds }) =>
      entityIds.flatMap((entityId) =>
        (input.mentions[entityId] ?? []).map((memoryId) => ({
          entityId,
          memoryId,
          observedAt: '2024-01-01T00:00:00.000Z',
        })),
      ),
    listRelations: async () => input.relations,
    findEntities: unused,
    listEntities: unused,
    getEntities: unused,
    mergeEntities: unused,
    unmergeEntities: unused,
    listMerges: unused,
  };
}

describe('queryKeys', () => {
  it('offers words, pairs and triples, possessives folded', () => {
    const keys = queryKeys("Where does Emma Stone's sister live?");
    expect(keys).toEqual(expect.arrayContaining(['emma', 'emma stone', 'stone sister', 'emma stone sister']));
    expect(keys).not.toContain("stone's");
  });
});

describe('graphCandidates', () => {
  const relations = [
    relation('r1', 'likes', 'pottery', 'I love pottery.', 'm-pottery'),
    relation('r2', 'works_at', 'the clinic', 'I work at the clinic.', 'm-clinic'),
  ];

  it('scores the relation of the kind the question asks for above the others', async () => {
    const evidence = await graphCandidates({
      store: store({ mentions: {}, relations }),
      scope,
      entities: [entity('mel', 'Melanie', 300)],
      terms: ['activ', 'melani', 'partak'],
      query: 'What activities does Melanie partake in?',
    });
    expect(evidence.get('m-pottery')?.score).toBeGreaterThan(evidence.get('m-clinic')?.score ?? 0);
    expect(evidence.get('m-pottery')).toMatchObject({
      entities: ['Melanie'],
      facts: ['I love pottery.'],
      hops: 1,
    });
  });

  it('counts a mention of a rare entity more than one of an entity mentioned everywhere', async () => {
    const evidence = await graphCandidates({
      store: store({ mentions: { emma: ['m-emma'], mel: ['m-mel'] }, relations: [] }),
      scope,
      entities: [entity('emma', 'Emma', 2), entity('mel', 'Melanie', 300)],
      terms: [],
      query: 'Emma and Melanie',
    });
    expect(evidence.get('m-emma')?.score).toBeGreaterThan(5 * (evidence.get('m-mel')?.score ?? 0));
  });

  it('finds nothing without linked entities', async () => {
    const evidence = await graphCandidates({
      store: store({ mentions: {}, relations }),
      scope,
      entities: [],
      terms: ['x'],
      query: 'x',
    });
    expect(evidence.size).toBe(0);
  });
});
