import { describe, expect, it } from 'vitest';
import type { Message } from '../core/records.js';
import { buildEpisode } from './build-episode.js';

function message(overrides: Partial<Message> = {}): Message {
  return {
    id: 'm1',
    scope: { tenantId: 'default', userId: 'alice', sessionId: 's1' },
    role: 'user',
    content: 'I moved to Lisbon last March',
    observedAt: '2024-05-10T09:00:00.000Z',
    seq: 3,
    metadata: { dia_id: 'D1:3' },
    createdAt: '2024-05-10T09:00:00.000Z',
    ...overrides,
  };
}

describe('buildEpisode', () => {
  it('grounds relative dates into attributes and the index text', () => {
    const { record, tokens } = buildEpisode({
      message: message(),
      id: 'e1',
      now: 0,
      importance: 0.5,
      metadata: {},
    });
    expect(record.attributes.dates).toEqual([
      expect.objectContaining({ start: '2024-03-01', end: '2024-03-31', label: 'March 2024' }),
    ]);
    expect(record.indexText).toMatch(/^alice: I moved to Lisbon last March .*March 2024/);
    expect(tokens).toContain('lisbon');
    expect(tokens).toContain('2024');
  });

  it('records provenance, speaker, session and sequence', () => {
    const { record } = buildEpisode({
      message: message({ name: 'Alice' }),
      id: 'e1',
      now: 0,
      importance: 0.7,
      metadata: { tag: 'x' },
    });
    expect(record).toMatchObject({
      kind: 'episode',
      importance: 0.7,
      observedAt: '2024-05-10T09:00:00.000Z',
      metadata: { dia_id: 'D1:3', tag: 'x' },
      source: { messageIds: ['m1'], attributedTo: 'Alice', origin: 'user', trust: 'high' },
      attributes: { speaker: 'Alice', role: 'user', seq: 3, sessionId: 's1' },
    });
  });

  it('records named entities as attributes', () => {
    const { record } = buildEpisode({
      message: message({ content: 'Yesterday I met Maria Silva at Google in Paris' }),
      id: 'e1',
      now: 0,
      importance: 0.5,
      metadata: {},
    });
    const entities = record.attributes.entities as { people: string[]; places: string[] };
    expect(entities.people.join(' ')).toContain('Maria');
    expect(entities.places).toContain('Paris');
  });
});
