// The agent's working set through the SDK, on SQLite and PostgreSQL: facts written by hand, core blocks,
// profile slots, working memory, edits that keep their time, and the two times (asOf / knownAt).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import type { Memory } from './create-memory.js';
import { createRoutingModel, operations } from './test-support/inference-fixture.js';
import { codeOf, type SdkBackend, sdkBackends } from './test-support/sdk-backends.js';

const backends = sdkBackends('working-set', 'mnemo-working-set-');

const erin = { userId: 'erin' };

describe.each(backends)('working set on %s', (_name, makeBackend) => {
  let backend: SdkBackend;
  let memory: Memory;
  const clock = createFixedClock('2024-06-01T12:00:00Z');

  beforeEach(async () => {
    backend = makeBackend();
    clock.set('2024-06-01T12:00:00Z');
    memory = await backend.open({ clock });
  });
  afterEach(async () => {
    await memory.close();
    await backend.cleanup();
  });

  it('writes facts and procedures by hand, long-term (without the session), once', async () => {
    const fact = await memory.add('Erin is allergic to peanuts', { ...erin, sessionId: 's9', kind: 'fact' });
    const record = fact.memories[0]!;
    expect(record).toMatchObject({ kind: 'fact', scope: { tenantId: 'default', userId: 'erin' } });
    expect(record.attributes).toMatchObject({ direct: true, sessionId: 's9' });
    expect(fact.messages).toEqual([]);
    const again = await memory.add('Erin is allergic to peanuts', { ...erin, kind: 'fact' });
    expect(again.memories[0]!.id).toBe(record.id);
    expect(again.operations).toEqual([{ op: 'ADD', status: 'duplicate', targetId: record.id }]);
    await memory.add('Answer in short sentences', { ...erin, kind: 'procedure' });
    const kinds = (await memory.list({ ...erin, sessionId: 'another' })).items
      .map((item) => item.kind)
      .sort();
    expect(kinds).toEqual(['fact', 'procedure']);
    expect(await codeOf(memory.add([{ content: 'a' }, { content: 'b' }], { ...erin, kind: 'fact' }))).toBe(
      'INVALID_INPUT',
    );
    expect(await codeOf(memory.add('x', { ...erin, kind: 'profile' as 'fact' }))).toBe('INVALID_INPUT');
    expect(await codeOf(memory.add('Erin likes coffee', { ...erin, kind: 'fact', infer: true }))).toBe(
      'INVALID_INPUT',
    );
    const said = await memory.add(
      [
        {
          role: 'assistant',
          name: 'Ada',
          content: 'Erin likes tea',
          observedAt: '2024-01-01',
          metadata: { a: 1 },
        },
      ],
      { ...erin, kind: 'fact', metadata: { b: 2 } },
    );
    expect(said.memories[0]).toMatchObject({
      observedAt: '2024-01-01T00:00:00.000Z',
      metadata: { a: 1, b: 2 },
      source: { origin: 'assistant', trust: 'medium', attributedTo: 'Ada' },
    });
  });

  it('keeps core blocks: versions in history, limits and read-only enforced, user and agent blocks both seen', async () => {
    const persona = await memory.core.set('persona', 'Answer in Portuguese.', { ...erin, limit: 40 });
    expect(persona).toMatchObject({
      label: 'persona',
      value: 'Answer in Portuguese.',
      limit: 40,
      readOnly: false,
    });
    await memory.core.set('style', 'Be warm.', { agentId: 'cook', readOnly: true });
    const appended = await memory.core.append('persona', 'Be brief.', erin);
    expect(appended.value).toBe('Answer in Portuguese.\nBe brief.');
    expect(await codeOf(memory.core.append('persona', 'x'.repeat(40), erin))).toBe('INVALID_INPUT');
    expect((await memory.core.get('persona', erin)).value).toBe('Answer in Portuguese.\nBe brief.');
    const replaced = await memory.core.replace('persona', 'Portuguese', 'Spanish', erin);
    expect(replaced.value).toBe('Answer in Spanish.\nBe brief.');
    expect(await codeOf(memory.core.replace('persona', 'Klingon', 'x', erin))).toBe('INVALID_INPUT');
    expect(await codeOf(memory.core.append('style', 'Be cold.', { agentId: 'cook' }))).toBe('FORBIDDEN');
    const seen = await memory.core.list({ ...erin, agentId: 'cook', sessionId: 's1' });
    expect(seen.map((block) => block.label)).toEqual(['persona', 'style']);
    expect((await memory.core.list({ userId: 'bob', agentId: 'other' })).map((block) => block.label)).toEqual(
      [],
    );
    const history = await memory.history(replaced.id, erin);
    expect(history.filter((entry) => entry.event === 'supersede').length).toBeGreaterThan(0);
    expect((await memory.list({ ...erin, kinds: ['core'], includeHistory: true })).items).toHaveLength(3);
    expect(await memory.core.delete('persona', erin)).toEqual({ deleted: true });
    expect(await codeOf(memory.core.get('persona', erin))).toBe('NOT_FOUND');
    expect(await codeOf(memory.core.set('persona', 'x', { sessionId: 's1' }))).toBe('SCOPE_REQUIRED');
    expect(await codeOf(memory.core.set('bad label!', 'x', erin))).toBe('INVALID_INPUT');
  });

  it('sets profile slots by hand, and update() of a profile memory changes the profile', async () => {
    const slot = await memory.profile.set('food.allergies', 'peanuts', { ...erin, sessionId: 's1' });
    expect((await memory.getProfile(erin)).food?.allergies?.value).toBe('peanuts');
    clock.advance(1000);
    await memory.profile.set('food.allergies', 'peanuts and shellfish', erin);
    expect((await memory.profile.get(erin)).food?.allergies?.value).toBe('peanuts and shellfish');
    const current = (await memory.profile.get(erin)).food!.allergies!;
    await memory.update(current.memoryId, { text: 'shellfish' }, erin);
    expect((await memory.getProfile(erin)).food?.allergies?.value).toBe('shellfish');
    expect(
      (await memory.profile.get({ ...erin, asOf: slot.observedAt })).food?.allergies?.value,
    ).toBeDefined();
    expect(await memory.profile.unset('food.allergies', erin)).toEqual({ removed: true });
    expect(await memory.profile.get(erin)).toEqual({});
    expect(await codeOf(memory.profile.set('nodot', 'x', erin))).toBe('INVALID_INPUT');
  });

  it('keeps working memory per session, with a TTL, and erases it with the session', async () => {
    const s9 = { ...erin, sessionId: 's9' };
    await memory.working.set('plan', 'book the flight', s9);
    await memory.working.set('budget', { max: 500, currency: 'EUR' }, { ...s9, ttlMs: 60_000 });
    expect((await memory.working.get('plan', s9)).value).toBe('book the flight');
    expect((await memory.working.list(s9)).map((entry) => entry.key)).toEqual(['budget', 'plan']);
    expect(await memory.working.list({ ...erin, sessionId: 's8' })).toEqual([]);
    clock.advance(60_001);
    expect((await memory.working.list(s9)).map((entry) => entry.key)).toEqual(['plan']);
    expect(await codeOf(memory.working.set('plan', 'x', erin))).toBe('SCOPE_REQUIRED');
    expect(await codeOf(memory.working.get('missing', s9))).toBe('NOT_FOUND');
    await memory.forgetScope(s9);
    expect(await memory.working.list(s9)).toEqual([]);
  });

  it('edits keep their time: "last March" stays grounded against when it was said', async () => {
    const { memories } = await memory.add('We met last March', { ...erin, observedAt: '2024-05-10' });
    clock.set('2025-02-01T00:00:00Z');
    const { current } = await memory.update(memories[0]!.id, { text: 'We first met last March' }, erin);
    expect(current.observedAt).toBe('2024-05-10T00:00:00.000Z');
    expect(current.attributes.dates).toMatchObject([{ start: '2024-03-01', end: '2024-03-31' }]);
    const { current: moved } = await memory.update(
      current.id,
      { text: 'We met last March', observedAt: '2025-01-15' },
      erin,
    );
    expect(moved.attributes.dates).toMatchObject([{ start: '2024-03-01' }]);
    expect(moved.observedAt).toBe('2025-01-15T00:00:00.000Z');
  });

  it('answers asOf (what was true) and knownAt (what Mnemo knew) for a fact updated by hand', async () => {
    clock.set('2024-01-10T12:00:00Z');
    const { memories } = await memory.add('I live in Berlin', { ...erin, kind: 'fact' });
    clock.set('2024-06-05T12:00:00Z');
    const beforeUpdate = clock.now() - 1;
    await memory.update(
      memories[0]!.id,
      { text: 'I moved to Lisbon last March', observedAt: clock.now() },
      erin,
    );
    const texts = async (options: { asOf?: string | number; knownAt?: number }) =>
      (await memory.list({ ...erin, ...options })).items.map((item) => item.text);
    expect(await texts({ asOf: '2024-04-01' })).toEqual(['I moved to Lisbon last March']);
    expect(await texts({ asOf: '2024-02-01' })).toEqual(['I live in Berlin']);
    expect(await texts({ knownAt: beforeUpdate })).toEqual(['I live in Berlin']);
    expect(await texts({})).toEqual(['I moved to Lisbon last March']);
    const searched = await memory.search('Berlin or Lisbon', { ...erin, asOf: '2024-04-01' });
    expect(searched.results.map((result) => result.memory.text)).toEqual(['I moved to Lisbon last March']);
  });
});

describe.each(backends)('inferred supersession answers both times on %s', (_name, makeBackend) => {
  let backend: SdkBackend;
  let memory: Memory | undefined;
  afterEach(async () => {
    await memory?.close();
    await backend.cleanup();
  });

  it('asOf between a move and its telling gives the new home; knownAt before it the old one', async () => {
    backend = makeBackend();
    const clock = createFixedClock('2024-01-10T12:00:00Z');
    const llm = createRoutingModel({
      extract: (turns) =>
        turns[0]?.includes('Berlin')
          ? operations([{ op: 'ADD', kind: 'fact', text: 'Erin lives in Berlin.', sourceTurns: [0] }])
          : operations([
              { op: 'SUPERSEDE', id: 1, text: 'Erin moved to Lisbon in March 2024.', sourceTurns: [0] },
            ]),
    });
    memory = await backend.open({ clock, llm, summaries: false });
    await memory.add('I live in Berlin', { ...erin, sessionId: 's1' });
    clock.set('2024-06-05T12:00:00Z');
    const beforeUpdate = clock.now() - 1;
    await memory.add('I moved to Lisbon last March', { ...erin, sessionId: 's2' });
    const facts = async (options: { asOf?: string; knownAt?: number }) =>
      (await memory!.list({ ...erin, kinds: ['fact'], ...options })).items.map((item) => item.text);
    expect(await facts({})).toEqual(['Erin moved to Lisbon in March 2024.']);
    expect(await facts({ asOf: '2024-04-01' })).toEqual(['Erin moved to Lisbon in March 2024.']);
    expect(await facts({ asOf: '2024-02-01' })).toEqual(['Erin lives in Berlin.']);
    expect(await facts({ knownAt: beforeUpdate })).toEqual(['Erin lives in Berlin.']);
  });
});
