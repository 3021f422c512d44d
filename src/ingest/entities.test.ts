// Table tests for entity extraction: people, places, organizations and topic nouns.
import { describe, expect, it } from 'vitest';
import { extractEntities, MAX_ENTITY_TEXT_CHARS } from './entities.js';

describe('extractEntities', () => {
  it.each([
    {
      text: 'Maria flew from Lisbon to Berlin to visit Google.',
      people: ['Maria'],
      places: ['Lisbon', 'Berlin'],
      organizations: ['Google'],
    },
    {
      text: "Alice's sister Maria met Dr. John Smith of the United Nations and Acme Corp. The meeting was long.",
      people: ['Alice', 'Maria', 'John Smith'],
      places: [],
      organizations: ['United Nations', 'Acme Corp'],
    },
    {
      text: 'I work at Microsoft in New York with Bob. Bob likes New York!',
      people: ['Bob'],
      places: ['New York'],
      organizations: ['Microsoft'],
    },
    {
      text: 'Yesterday I went to the LGBTQ support group with Caroline. Painting helps me relax.',
      people: ['Caroline'],
      places: [],
      organizations: [],
    },
    {
      text: 'Melanie took the kids camping at Yosemite National Park last summer',
      people: ['Melanie'],
      places: ['Yosemite National Park'],
      organizations: [],
    },
  ])('names in $text', ({ text, people, places, organizations }) => {
    const entities = extractEntities(text);
    expect(entities.people).toEqual(people);
    expect(entities.places).toEqual(places);
    expect(entities.organizations).toEqual(organizations);
  });

  it.each([
    {
      text: 'My dog Rex loves the park. The park near my house has a lake and the dog swims there.',
      first: 'dog',
      has: 'park',
    },
    {
      text: 'The conference budget was huge, and the conference hall was cold. Machine learning was the theme.',
      first: 'conference',
      has: 'budget',
    },
  ])('topics of $text', ({ text, first, has }) => {
    const { topics } = extractEntities(text);
    expect(topics[0]).toBe(first);
    expect(topics.map((topic) => topic.toLowerCase())).toContain(has);
    expect(topics.length).toBeLessThanOrEqual(5);
    expect(topics.every((topic) => topic.toLowerCase() !== 'my' && !/^my /i.test(topic))).toBe(true);
  });

  it.each([[''], ['   '], ['?!...']])('returns empty lists for %j', (text) => {
    expect(extractEntities(text)).toEqual({ people: [], places: [], organizations: [], topics: [] });
  });

  it('analyses only the first MAX_ENTITY_TEXT_CHARS characters of huge text', () => {
    const text = `${'The weather is fine. '.repeat(Math.ceil(MAX_ENTITY_TEXT_CHARS / 21))} Maria went to Paris.`;
    const entities = extractEntities(text);
    expect(entities.people).toEqual([]);
    expect(entities.places).toEqual([]);
    expect(entities.topics).toContain('weather');
  });

  it('ignores absurdly long tokens', () => {
    expect(extractEntities('x'.repeat(100_000)).topics).toEqual([]);
  });
});
