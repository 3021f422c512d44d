import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphFacts } from '../core/graph.js';
import { type ExtractGraphInput, extractGraph as extractWith } from './extract-graph.js';
import { loadTagger, type Tagger } from './tagger.js';

let tagger: Tagger;
beforeAll(async () => {
  tagger = await loadTagger();
});
const extractGraph = (input: Omit<ExtractGraphInput, 'tagger'>) => extractWith({ ...input, tagger });

const JUNE = Date.parse('2024-06-05T00:00:00Z');

/** The relations of a text as readable triples. */
function triples(facts: GraphFacts): string[] {
  const name = (index: number) => facts.entities[index]?.name ?? '?';
  return facts.relations.map((relation) => {
    const object =
      'entity' in relation.object ? name(relation.object.entity) : `"${relation.object.literal}"`;
    return `${name(relation.subject)} ${relation.predicate} ${object}`;
  });
}

describe('extractGraph', () => {
  it.each([
    ['My sister Emma lives in Berlin.', ['Emma sister_of alice', 'Emma lives_in Berlin']],
    ['Emma moved to Paris last month.', ['Emma lives_in Paris']],
    ['I work at Google and I love hiking.', ['alice works_at Google', 'alice likes "hiking"']],
    ["I'm employed by Microsoft.", ['alice works_at Microsoft']],
    ['I just adopted a puppy named Oscar!', ['alice has_pet Oscar']],
    ['I was born in Lisbon.', ['alice born_in Lisbon']],
    ["I'm planning to visit Tokyo next year.", ['alice plans_to "visit Tokyo"']],
    ['My husband John hates cilantro.', ['John married_to alice', 'John dislikes "cilantro"']],
    ['We went to Yosemite last summer.', ['alice visited Yosemite']],
  ])('reads %j', (text, expected) => {
    expect(triples(extractGraph({ text, speaker: 'alice', observedAt: JUNE }))).toEqual(expected);
  });

  it.each([
    ['just like you are doing!'],
    ["I'd love to see a picture."],
    ['Wow, Caroline, sounds like the parade was fun.'],
    ['I love it so much.'],
  ])('reads no relation from %j', (text) => {
    expect(extractGraph({ text, speaker: 'alice', observedAt: JUNE }).relations).toEqual([]);
  });

  it('types entities with the NLP tagger and cleans their names', () => {
    const facts = extractGraph({
      text: 'Caroline met Dr. Smith from Google at Stanford University in Boston.',
      observedAt: JUNE,
    });
    const types = Object.fromEntries(facts.entities.map((entity) => [entity.name, entity.type]));
    expect(types).toMatchObject({ Caroline: 'person', Google: 'organization', Boston: 'place' });
    expect(Object.keys(types)).toContain('Stanford University');
  });

  it('dates a relation by the grounded date its sentence names', () => {
    const facts = extractGraph({
      text: 'Emma moved to Paris last month.',
      observedAt: JUNE,
      dates: [
        {
          text: 'last month',
          start: '2024-05-01',
          end: '2024-05-31',
          granularity: 'month',
          label: 'May 2024',
        },
      ],
    });
    expect(facts.relations[0]?.validFrom).toBe(Date.parse('2024-05-01T00:00:00Z'));
  });

  it('links "my sister" without a name only to a sister already introduced', () => {
    const facts = extractGraph({ text: 'My sister is coming over.', speaker: 'alice', observedAt: JUNE });
    expect(facts.entities).toContainEqual({ name: "alice's sister", type: 'person', mustExist: true });
  });

  it('resolves "I" to nobody without a speaker (assistant text)', () => {
    expect(extractGraph({ text: 'I live in Paris.', observedAt: JUNE }).relations).toEqual([]);
  });

  it('reads only the first 2,000 characters', () => {
    const text = `${'word '.repeat(500)} I live in Paris.`;
    expect(extractGraph({ text, speaker: 'alice', observedAt: JUNE }).relations).toEqual([]);
  });
});
