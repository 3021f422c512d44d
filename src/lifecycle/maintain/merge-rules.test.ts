// The offline consolidation rules and the loss guard, as tables: what is clearly the same, what is the same
// statement negated, what is only related, and what a merge may not drop.
import { describe, expect, it } from 'vitest';
import type { MemoryRecord } from '../../core/records.js';
import { contentUnits, coverage, NEGATION } from './loss-guard.js';
import { type Judged, judgePair, mergeGroups } from './merge-rules.js';

let clock = Date.parse('2025-01-01T00:00:00Z');
function judged(text: string, kind: MemoryRecord['kind'] = 'fact'): Judged {
  clock += 60_000;
  const at = new Date(clock).toISOString();
  const record = {
    id: `m${clock}`,
    scope: { tenantId: 't', userId: 'u' },
    kind,
    text,
    indexText: text,
    attributes: {},
    metadata: {},
    importance: 0.5,
    confidence: 1,
    source: { messageIds: [], origin: 'user', trust: 'high' },
    observedAt: at,
    createdAt: at,
    accessCount: 0,
    hash: text,
  } satisfies MemoryRecord;
  return { record, units: contentUnits(text) };
}

describe('judgePair (offline)', () => {
  const cases: Array<[string, string, 'merge' | 'contradiction' | 'related' | 'distinct']> = [
    ['I enjoy hiking in the Alps', 'I really enjoy hiking in the Alps', 'merge'],
    ['Alice lives in Lisbon.', 'alice lives in lisbon', 'merge'],
    ['I like sushi', 'I like sushi a lot', 'merge'],
    ['I have 2 kids', 'I have 3 kids', 'related'],
    ['I like sushi', "I don't like sushi", 'contradiction'],
    ['I eat meat', 'I never eat meat', 'contradiction'],
    ['My sister Emma lives in Berlin', 'My sister Anna lives in Berlin', 'related'],
    ['I enjoy hiking in the Alps', 'I like to hike in the Alps mountains', 'related'],
    ['I drink coffee every morning', 'Every morning I have a cup of coffee', 'related'],
    ['I live in Denver', 'My sister lives in Denver', 'related'],
    ['Denver is where I live', 'Home for me is Denver', 'merge'],
    ['I love cilantro', "I can't stand cilantro", 'contradiction'],
    ['I adore olives', 'I love olives', 'merge'],
    ['I love olives', 'I hate olives', 'contradiction'],
    ["I'm allergic to eggs", 'As I said before, I have an allergy to eggs', 'merge'],
    ['Just so you know, I still really enjoy coffee', 'I really enjoy coffee', 'merge'],
    ['I spend my Saturdays cycling', 'I spend my Saturdays skiing', 'related'],
    ["I don't go running anymore", "I don't go hiking anymore", 'related'],
    ['My partner is Ana', "I'm dating Ana", 'merge'],
    ['My wife is Ana', 'My sister is Ana', 'related'],
    ["I'm based in Denver", 'I live in Denver', 'merge'],
    ['I moved to Denver', 'I was born in Denver', 'related'],
    ['I play the guitar', 'My dentist appointment is on Monday', 'distinct'],
    ['I like sushi', 'I like sushi and ramen with my brother Tom on Fridays', 'related'],
  ];
  it.each(cases)('%j vs %j → %s', (left, right, expected) => {
    expect(judgePair(judged(left), judged(right)).verdict).toBe(expected);
  });

  it('keeps the text that says more, or the newer wording when both say the same', () => {
    const short = judged('I enjoy hiking in the Alps');
    const long = judged('I enjoy hiking in the Alps in summer');
    const verdict = judgePair(long, short);
    expect(verdict.verdict === 'merge' && verdict.keep).toBe(long);
    const older = judged('I enjoy hiking in the Alps');
    const newer = judged('I really enjoy hiking in the Alps');
    const same = judgePair(older, newer);
    expect(same.verdict === 'merge' && same.keep).toBe(newer);
  });

  it('never merges across kinds', () => {
    expect(judgePair(judged('Answer in French', 'procedure'), judged('Answer in French')).verdict).toBe(
      'distinct',
    );
  });

  it('names the newer statement of a contradiction', () => {
    const older = judged('I like sushi');
    const newer = judged("I don't like sushi anymore");
    const verdict = judgePair(older, newer);
    expect(verdict.verdict === 'contradiction' && verdict.newer).toBe(newer);
    expect(verdict.verdict === 'contradiction' && verdict.older).toBe(older);
  });
});

describe('the loss guard', () => {
  const cases: Array<[string, string, boolean, boolean]> = [
    // source, result, kept offline (strict), kept for a model's paraphrase
    ['I enjoy hiking in the Alps', 'I really enjoy hiking in the Alps', true, true],
    ['I have 2 kids', 'I have 3 kids', false, false],
    ['My sister Emma lives in Berlin', 'My sister lives in Berlin', false, false],
    ['I like sushi', "I don't like sushi", false, false],
    ['I moved to Lisbon', 'I relocated to Lisbon', false, true],
    ['I moved to Lisbon in March', 'I relocated to Lisbon', false, false],
  ];
  it.each(cases)('%j → %j: strict %s, paraphrase %s', (source, result, strict, paraphrase) => {
    const from = contentUnits(source);
    const to = contentUnits(result);
    expect(coverage(from, to, { strict: true }).kept).toBe(strict);
    expect(coverage(from, to, { strict: false }).kept).toBe(paraphrase);
  });

  it('reads names, numbers and negation as units no paraphrase may lose', () => {
    expect([...contentUnits("My friend Emma doesn't own 2 cats").strict].sort()).toEqual(
      ['2', NEGATION, 'emma'].sort(),
    );
    expect([...contentUnits("My friend Emma doesn't own 2 cats").all].sort()).toEqual(
      ['2', NEGATION, 'cat', 'emma', 'friend'].sort(),
    );
  });
});

describe('mergeGroups', () => {
  it('groups chains of merges and leaves out a member the kept text does not cover', () => {
    const a = judged('I enjoy hiking in the Alps');
    const b = judged('I really enjoy hiking in the Alps');
    const c = judged('I enjoy hiking in the Alps in summer');
    const d = judged('I enjoy skiing in the Alps');
    const byId = new Map([a, b, c, d].map((item) => [item.record.id, item]));
    const groups = mergeGroups(byId, [
      [a.record.id, b.record.id],
      [b.record.id, c.record.id],
      [c.record.id, d.record.id],
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.keep).toBe(c);
    expect(groups[0]!.members.map((member) => member.record.id).sort()).toEqual(
      [a, b, c].map((member) => member.record.id).sort(),
    );
  });
});
