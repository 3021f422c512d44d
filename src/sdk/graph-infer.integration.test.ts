// The graph from the one extraction call: entities and relations the model names join the graph with the
// fact they belong to, malformed entries are dropped without losing the fact, and the call count stays one.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMockLanguageModel } from '../testing/index.js';
import { createMemory, type Memory } from './create-memory.js';

let directory: string;
let memory: Memory;

beforeEach(() => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-graph-infer-'));
});
afterEach(async () => {
  await memory.close();
  rmSync(directory, { recursive: true, force: true });
});

const alice = { userId: 'alice' };

describe('graph facts from the language model', () => {
  it('links the entities and relations of an inferred fact in the same single call', async () => {
    const llm = createMockLanguageModel({
      responses: [
        JSON.stringify({
          operations: [
            {
              op: 'ADD',
              kind: 'fact',
              text: "Alice's sister Emma moved to Paris in May 2024.",
              sourceTurns: [0],
              entities: [
                { name: 'Emma', type: 'person', aliases: ["Alice's sister"] },
                { name: 'Paris', type: 'place' },
                { name: 'Alice', type: 'person' },
              ],
              relations: [
                { subject: 'Emma', predicate: 'moved to', object: 'Paris', validFrom: '2024-05' },
                { subject: 'Emma', predicate: 'sister_of', object: 'Alice' },
              ],
            },
          ],
        }),
      ],
    });
    memory = await createMemory({ store: path.join(directory, 'mnemo.db'), llm });
    const result = await memory.add('My sister Emma moved to Paris last month', {
      ...alice,
      observedAt: '2024-06-05',
    });
    expect(result.usage.llmCalls).toBe(1);
    expect(llm.calls).toHaveLength(1);
    const system = JSON.stringify(llm.calls[0]);
    expect(system).toContain('"relations"');
    const fact = result.memories.find((record) => record.kind === 'fact');
    const episode = result.memories.find((record) => record.kind === 'episode');
    const { relations } = await memory.graph.entity('Emma', alice);
    // The episode's offline reading and the model's fact state the same relation: one relation, two sources.
    const livesIn = relations.filter((relation) => relation.predicate === 'lives_in');
    expect(livesIn).toHaveLength(1);
    expect(livesIn[0]).toMatchObject({
      object: { name: 'Paris', type: 'place' },
      validFrom: '2024-05-01T00:00:00.000Z',
      confidence: 0.85,
    });
    expect(livesIn[0]?.sourceMemoryIds.sort()).toEqual([episode?.id, fact?.id].sort());
    expect(relations.map((relation) => relation.predicate)).toContain('sister_of');
  });

  it('drops malformed graph entries and keeps the fact', async () => {
    const llm = createMockLanguageModel({
      responses: [
        JSON.stringify({
          operations: [
            {
              op: 'ADD',
              kind: 'fact',
              text: 'Alice works at Acme.',
              sourceTurns: [0],
              entities: [{ name: 'Acme', type: 'company!' }, { nope: true }, 'Bob', { name: '' }],
              relations: [{ subject: 'Alice', predicate: 'works at', object: 'Acme' }, { subject: 'Alice' }],
            },
          ],
        }),
      ],
    });
    memory = await createMemory({ store: path.join(directory, 'mnemo.db'), llm });
    const result = await memory.add('I work at Acme', alice);
    expect(result.memories.map((record) => record.kind).sort()).toEqual(['episode', 'fact']);
    const acme = await memory.graph.entity('Acme', alice);
    expect(acme.entity.type).toBe('organization');
    expect(acme.relations.map((relation) => relation.predicate)).toEqual(['works_at']);
    expect(acme.relations[0]?.sourceMemoryIds).toHaveLength(2);
    expect((await memory.graph.entities(alice)).items.map((entity) => entity.name)).not.toContain('Bob');
  });
});
