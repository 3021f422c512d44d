// Conformance cases for the two times of a memory: valid time (`asOf`) and record time (`knownAt`).
import { beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../core/scope.js';
import type { MemoryFilter, MemoryStore } from '../memory-store.js';
import { makeMemoryWrite } from './fixtures.js';

const erin: Scope = { tenantId: 't1', userId: 'erin' };
const at = (iso: string) => Date.parse(iso);
/** When Mnemo learned of Berlin, of Lisbon, and of the cat's death. */
const LEARNED_BERLIN = at('2024-01-10T12:00:00Z');
const LEARNED_LISBON = at('2024-06-05T12:00:00Z');
const LEARNED_CAT_GONE = at('2024-07-01T12:00:00Z');
const NOW = at('2024-07-15T00:00:00Z');

/**
 * Registers the valid-time / record-time table for a store factory: "I live in Berlin" (said 2024-01-10)
 * superseded by "I moved to Lisbon last March" (said 2024-06-05, true since March); a cat invalidated
 * since 2024-06-20; a planned move that becomes true in August; an expired note.
 *
 * @example
 * itAnswersBothTimes(async () => ({ store, cleanup }));
 */
export function itAnswersBothTimes(
  createStore: () => Promise<{ store: MemoryStore; cleanup: () => Promise<void> }>,
): void {
  describe('two times: asOf (valid time) and knownAt (record time)', () => {
    let store: MemoryStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await createStore());
      const berlin = makeMemoryWrite({ scope: erin, text: 'I live in Berlin', observedAt: LEARNED_BERLIN });
      const cat = makeMemoryWrite({ scope: erin, text: 'I have a cat', observedAt: LEARNED_BERLIN });
      const expired = makeMemoryWrite({
        scope: erin,
        text: 'a note that expired',
        observedAt: LEARNED_BERLIN,
        expiresAt: at('2024-07-01T00:00:00Z'),
      });
      await store.insertMemories({ memories: [berlin, cat, expired], actor: 'test', at: LEARNED_BERLIN });
      const lisbon = makeMemoryWrite({
        scope: erin,
        text: 'I moved to Lisbon last March',
        observedAt: LEARNED_LISBON,
        validFrom: at('2024-03-01T00:00:00Z'),
      });
      await store.supersedeMemory({
        scope: erin,
        id: berlin.record.id,
        replacement: lisbon,
        validTo: at('2024-03-01T00:00:00Z'),
        at: LEARNED_LISBON,
        actor: 'test',
      });
      await store.invalidateMemory({
        scope: erin,
        id: cat.record.id,
        validTo: at('2024-06-20T00:00:00Z'),
        at: LEARNED_CAT_GONE,
        actor: 'test',
      });
      const porto = makeMemoryWrite({
        scope: erin,
        text: 'I will move to Porto in August',
        observedAt: LEARNED_CAT_GONE,
        validFrom: at('2024-08-01T00:00:00Z'),
      });
      await store.insertMemories({ memories: [porto], actor: 'test', at: LEARNED_CAT_GONE });
    });

    const texts = async (filter: Omit<MemoryFilter, 'now'>) =>
      (await store.listMemories({ scope: erin, filter: { now: NOW, ...filter }, limit: 20 })).items
        .map((record) => record.text)
        .sort();

    it.each<[string, Omit<MemoryFilter, 'now'>, string[]]>([
      [
        'now: current facts and the planned move',
        {},
        ['I moved to Lisbon last March', 'I will move to Porto in August'],
      ],
      ['asOf before anything was true', { asOf: at('2023-12-01T00:00:00Z') }, []],
      [
        'asOf February: Berlin and the cat',
        { asOf: at('2024-02-01T00:00:00Z') },
        ['I have a cat', 'I live in Berlin'],
      ],
      [
        'asOf April: Lisbon alone for the home',
        { asOf: at('2024-04-01T00:00:00Z') },
        ['I have a cat', 'I moved to Lisbon last March'],
      ],
      [
        'asOf late June: the cat is gone',
        { asOf: at('2024-06-25T00:00:00Z') },
        ['I moved to Lisbon last March'],
      ],
      [
        'asOf August: the move happened',
        { asOf: at('2024-08-02T00:00:00Z') },
        ['I moved to Lisbon last March', 'I will move to Porto in August'],
      ],
      [
        'knownAt a moment before the update: Berlin alone',
        { knownAt: LEARNED_LISBON - 1 },
        ['I have a cat', 'I live in Berlin'],
      ],
      ['knownAt the update', { knownAt: LEARNED_LISBON }, ['I have a cat', 'I moved to Lisbon last March']],
      ['knownAt before Mnemo learned anything', { knownAt: LEARNED_BERLIN - 1 }, []],
      [
        'knownAt before the update, asOf April: still Berlin',
        { knownAt: LEARNED_LISBON - 1, asOf: at('2024-04-01T00:00:00Z') },
        ['I have a cat', 'I live in Berlin'],
      ],
      [
        'knownAt after the update, asOf February: Berlin',
        { knownAt: LEARNED_LISBON + 1, asOf: at('2024-02-01T00:00:00Z') },
        ['I have a cat', 'I live in Berlin'],
      ],
      [
        'knownAt before the cat was invalidated, asOf late June: the cat',
        { knownAt: LEARNED_CAT_GONE - 1, asOf: at('2024-06-25T00:00:00Z') },
        ['I have a cat', 'I moved to Lisbon last March'],
      ],
      [
        'includeHistory: every version, never the expired one',
        { includeHistory: true },
        [
          'I have a cat',
          'I live in Berlin',
          'I moved to Lisbon last March',
          'I will move to Porto in August',
        ],
      ],
      [
        'includeHistory with knownAt: only what was known then',
        { includeHistory: true, knownAt: LEARNED_LISBON - 1 },
        ['I have a cat', 'I live in Berlin'],
      ],
    ])('%s', async (_name, filter, expected) => {
      try {
        expect(await texts(filter)).toEqual(expected);
        const hits = await store.searchLexical({
          scope: erin,
          terms: ['live', 'move', 'cat', 'lisbon', 'berlin', 'porto', 'note'],
          filter: { now: NOW, ...filter },
          limit: 20,
        });
        expect(hits.length).toBe(expected.length);
      } finally {
        await cleanup();
      }
    });
  });
}
