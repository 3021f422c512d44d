import { describe, expect, it } from 'vitest';
import {
  type CurrentMemory,
  latestTruths,
  lostTruths,
  measureDrift,
  statementsOf,
  typeKey,
} from './drift-metrics.js';
import type { DriftStatement } from './drift-stream.js';

/** A statement of user `u` on day `day` of January 2025. */
function said(
  id: string,
  slot: string,
  value: string,
  day: number,
  type: DriftStatement['type'] = 'new',
  form?: DriftStatement['form'],
  refersTo?: string,
): DriftStatement {
  const statement: DriftStatement = {
    id,
    userId: 'u',
    slot,
    value,
    text: `${slot} is ${value}`,
    observedAt: new Date(Date.UTC(2025, 0, day)).toISOString(),
    type,
  };
  if (form !== undefined) statement.form = form;
  if (refersTo !== undefined) statement.refersTo = refersTo;
  return statement;
}

// Home: Lisbon (s1), restated (s2, s3 verbatim → same memory as s1), moved to Porto (s4). Sushi: liked
// (s5), then disliked (s6, a flip). Pet: Luna said by mistake (s7), corrected to Milo (s8).
const statements: DriftStatement[] = [
  said('s1', 'home', 'Lisbon', 1),
  said('s2', 'home', 'Lisbon', 2, 'restatement', 'paraphrase', 's1'),
  said('s3', 'home', 'Lisbon', 3, 'restatement', 'verbatim', 's1'),
  said('s4', 'home', 'Porto', 4, 'change'),
  said('s5', 'likes:sushi', 'like', 5),
  said('s6', 'likes:sushi', 'dislike', 6, 'flip'),
  said('s7', 'pet', 'Luna', 7),
  said('s8', 'pet', 'Milo', 8, 'correction', undefined, 's7'),
];
const written = new Map<string, string[]>([
  ['m1', ['s1', 's3']],
  ['m2', ['s2']],
  ['m4', ['s4']],
  ['m5', ['s5']],
  ['m6', ['s6']],
  ['m7', ['s7']],
  ['m8', ['s8']],
]);
const everything: CurrentMemory[] = [...written.keys()].map((id) => ({ id }));

describe('latestTruths', () => {
  it('takes each slot’s last value and the statement that set it, even out of order', () => {
    const truths = latestTruths([...statements].reverse());
    expect([...truths.values()].map((truth) => [truth.slot, truth.value, truth.setBy.id])).toEqual([
      ['home', 'Porto', 's4'],
      ['likes:sushi', 'dislike', 's6'],
      ['pet', 'Milo', 's8'],
    ]);
  });

  it('keeps the first statement of the final run of one value as the one that set it', () => {
    const truths = latestTruths([
      said('a', 'home', 'Lisbon', 1),
      said('b', 'home', 'Porto', 2, 'change'),
      said('c', 'home', 'Porto', 3, 'restatement', 'filler'),
    ]);
    expect(truths.get('u/home')?.setBy.id).toBe('b');
  });
});

describe('statementsOf', () => {
  it('follows merges recursively and survives a cycle', () => {
    const merges = new Map([
      ['m9', ['m1', 'm2']],
      ['m10', ['m9', 'm4', 'm10']],
    ]);
    expect(statementsOf('m10', { written, merges }).sort()).toEqual(['s1', 's2', 's3', 's4']);
    expect(statementsOf('unknown', { written, merges })).toEqual([]);
  });
});

describe('typeKey', () => {
  it.each([
    [{ type: 'new' as const }, 'new'],
    [{ type: 'restatement' as const, form: 'reorder' as const }, 'restatement/reorder'],
    [{ type: 'correction' as const }, 'correction'],
  ])('%o is reported as %s', (statement, key) => {
    expect(typeKey(statement)).toBe(key);
  });
});

describe('measureDrift', () => {
  it('counts one duplicate and four stale memories when nothing was maintained', () => {
    const measured = measureDrift({ statements, written, current: everything });
    // m2 restates m1 (Lisbon); m1, m2 (Lisbon), m5 (likes sushi) and m7 (Luna) are stale.
    expect(measured).toMatchObject({
      currentMemories: 7,
      unattributed: 0,
      conflated: 0,
      duplicates: 1,
      stale: 4,
      truths: 3,
      truthsRecalled: 3,
      recall: 1,
      searchRecall: null,
      missingTruths: [],
    });
    expect(measured.duplicateRate).toBeCloseTo(1 / 7, 10);
    expect(measured.staleRate).toBeCloseTo(4 / 7, 10);
  });

  it('reports per type what is represented, redundant and stale, and which truths each type set', () => {
    const { byType, staleBy, staleByFamily } = measureDrift({ statements, written, current: everything });
    expect(byType.new).toEqual({
      statements: 3,
      represented: 3,
      redundant: 0,
      stale: 3,
      withRestated: 0,
      truths: 0,
      truthsRecalled: 0,
    });
    expect(byType['restatement/paraphrase']).toMatchObject({
      statements: 1,
      redundant: 1,
      stale: 1,
      withRestated: 0,
    });
    expect(byType['restatement/verbatim']).toMatchObject({
      statements: 1,
      represented: 1,
      redundant: 0,
      withRestated: 1,
    });
    expect(byType.change).toMatchObject({ truths: 1, truthsRecalled: 1, stale: 0 });
    expect(byType.flip).toMatchObject({ truths: 1, truthsRecalled: 1 });
    expect(byType.correction).toMatchObject({ truths: 1, truthsRecalled: 1 });
    expect(staleBy).toEqual({
      change: { statements: 3, stillCurrent: 3 },
      flip: { statements: 1, stillCurrent: 1 },
      correction: { statements: 1, stillCurrent: 1 },
    });
    expect(staleByFamily).toEqual({
      home: { statements: 3, stillCurrent: 3 },
      likes: { statements: 1, stillCurrent: 1 },
      pet: { statements: 1, stillCurrent: 1 },
    });
  });

  it('treats a merged memory as its sources and a retired one as gone', () => {
    // Upkeep merged m1 and m2 into m9 and retired the stale m5 and m7.
    const current: CurrentMemory[] = [
      { id: 'm9', mergedFrom: ['m1', 'm2'] },
      { id: 'm4' },
      { id: 'm6' },
      { id: 'm8' },
    ];
    const measured = measureDrift({ statements, written, current });
    expect(measured).toMatchObject({ currentMemories: 4, duplicates: 0, stale: 1, truthsRecalled: 3 });
    expect(measured.byType['restatement/paraphrase']).toMatchObject({
      represented: 1,
      redundant: 0,
      withRestated: 1,
    });
    expect(measured.staleBy.flip).toEqual({ statements: 1, stillCurrent: 0 });
  });

  it('finds merges from the upkeep reports when the merged memory was merged again', () => {
    const merges = new Map([['m9', ['m1', 'm2']]]);
    const current: CurrentMemory[] = [{ id: 'm11', mergedFrom: ['m9', 'm4'] }];
    const measured = measureDrift({ statements, written, merges, current });
    // m11 stands for Lisbon and Porto: one memory, two values of one slot.
    expect(measured).toMatchObject({ conflated: 1, duplicates: 0, stale: 1, truthsRecalled: 1 });
    expect(measured.missingTruths).toEqual([
      { userId: 'u', slot: 'likes:sushi', value: 'dislike' },
      { userId: 'u', slot: 'pet', value: 'Milo' },
    ]);
  });

  it('counts memories from outside the stream as unattributed, neither duplicate nor stale', () => {
    const measured = measureDrift({ statements, written, current: [{ id: 'm4' }, { id: 'insight-1' }] });
    expect(measured).toMatchObject({ currentMemories: 2, unattributed: 1, duplicates: 0, stale: 0 });
  });

  it('scores search recall at k by the memories standing for the slot’s value', () => {
    const measured = measureDrift({
      statements,
      written,
      current: everything,
      k: 2,
      searches: [
        { userId: 'u', slot: 'home', memoryIds: ['m1', 'm4'] },
        { userId: 'u', slot: 'likes:sushi', memoryIds: ['m5', 'm1', 'm6'] },
        { userId: 'u', slot: 'pet', memoryIds: [] },
      ],
    });
    expect(measured.searchRecall).toEqual({ k: 2, questions: 3, hits: 1, rate: 1 / 3 });
  });

  it('gives rates of 0 over an empty store', () => {
    const measured = measureDrift({ statements: [], written: new Map(), current: [] });
    expect(measured).toMatchObject({ duplicateRate: 0, staleRate: 0, recall: 0, truths: 0 });
  });
});

describe('lostTruths', () => {
  it('lists the values missing after that were there before', () => {
    const missing = (values: string[]) => ({
      missingTruths: values.map((value) => ({ userId: 'u', slot: 'home', value })),
    });
    expect(lostTruths(missing(['Lisbon']), missing(['Lisbon', 'Porto']))).toEqual([
      { userId: 'u', slot: 'home', value: 'Porto' },
    ]);
    expect(lostTruths(missing([]), missing([]))).toEqual([]);
  });
});
