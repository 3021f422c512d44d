// maintain() through the SDK, on SQLite and PostgreSQL: restatements merged with a loss guard and undone,
// contradictions resolved newest first, expiry purged, decay archiving what fades (and unarchive), claims and
// incremental runs, the budget, forgetting through a merge.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import type { Memory } from './create-memory.js';
import { codeOf, type SdkBackend, sdkBackends } from './test-support/sdk-backends.js';

const backends = sdkBackends('maintain', 'mnemo-maintain-');
const h = { userId: 'h' };
const DAY = 86_400_000;

describe.each(backends)('maintain() on %s', (_name, makeBackend) => {
  let backend: SdkBackend;
  let memory: Memory;
  const clock = createFixedClock('2025-01-10T12:00:00Z');
  const fact = async (text: string, extra: Record<string, unknown> = {}) => {
    const { memories } = await memory.add(text, { ...h, kind: 'fact', ...extra });
    clock.advance(60_000);
    return memories[0]!;
  };
  const current = async () =>
    (await memory.list({ ...h, kinds: ['fact'] })).items.map((record) => record.text).sort();

  beforeEach(async () => {
    clock.set('2025-01-10T12:00:00Z');
    backend = makeBackend();
    memory = await backend.open({ clock });
  });
  afterEach(async () => {
    await memory.close();
    await backend.cleanup();
  });

  it('merges a restatement into one current memory that cites both, and unmerge undoes it', async () => {
    const first = await fact('I enjoy hiking in the Alps');
    const second = await fact('I really enjoy hiking in the Alps');
    await fact('I have 2 kids');
    await fact('I have 3 kids');
    const report = await memory.maintain(h);
    expect(report.merged).toHaveLength(1);
    const merge = report.merged[0]!;
    expect(merge.sources.sort()).toEqual([first.id, second.id].sort());
    expect(merge.by).toBe('offline');
    expect(await current()).toEqual(['I have 2 kids', 'I have 3 kids', merge.text].sort());
    const merged = await memory.get(merge.id, h);
    expect(merged.attributes.mergedFrom).toEqual(expect.arrayContaining([first.id, second.id]));
    expect((await memory.history(merge.id, h)).map((entry) => entry.event)).toEqual(['merge']);
    const old = await memory.get(first.id, h);
    expect(old.supersededBy).toBe(merge.id);
    expect((await memory.history(first.id, h)).map((entry) => entry.event)).toEqual(['add', 'merge']);

    const undone = await memory.unmerge(merge.id, h);
    expect(undone.restored.map((record) => record.id).sort()).toEqual([first.id, second.id].sort());
    expect(await codeOf(memory.get(merge.id, h))).toBe('NOT_FOUND');
    expect(await current()).toEqual(
      [
        'I enjoy hiking in the Alps',
        'I really enjoy hiking in the Alps',
        'I have 2 kids',
        'I have 3 kids',
      ].sort(),
    );
    expect((await memory.history(first.id, h)).map((entry) => entry.event)).toEqual([
      'add',
      'merge',
      'unmerge',
    ]);
    expect(await codeOf(memory.unmerge(first.id, h))).toBe('CONFLICT');
  });

  it('retires the older of a statement and its negation, keeping both in history', async () => {
    const older = await fact('I like sushi');
    const newer = await fact("I don't like sushi");
    const report = await memory.maintain(h);
    expect(report.superseded).toEqual([{ id: older.id, by: newer.id, rule: 'negation' }]);
    expect(await current()).toEqual(["I don't like sushi"]);
    const history = await memory.history(older.id, h);
    expect(history.at(-1)).toMatchObject({ event: 'invalidate' });
    expect(history.at(-1)?.reason).toContain(newer.id);
  });

  it('retires a fact whose relation a newer statement closed, not one that still says something true', async () => {
    const paris = await fact('I live in Paris');
    const parisAndCheese = await fact('I live in Paris and I love cheese');
    clock.advance(30 * DAY);
    const lisbon = await fact('I moved to Lisbon');
    const report = await memory.maintain(h);
    expect(report.superseded).toContainEqual({ id: paris.id, by: lisbon.id, rule: 'relation' });
    expect(report.superseded.map((entry) => entry.id)).not.toContain(parisAndCheese.id);
    expect(await current()).toEqual(['I live in Paris and I love cheese', 'I moved to Lisbon']);
  });

  it('purges expired memories and erases them as forget does', async () => {
    await fact('Door code is 4711', { expiresAt: clock.now() + 1_000 });
    clock.advance(5_000);
    const report = await memory.maintain(h);
    expect(report.purged).toBe(1);
    const rows = [];
    for await (const row of memory.dump({ scope: h })) rows.push(row);
    expect(JSON.stringify(rows)).not.toContain('4711');
  });

  it('archives memories that faded, never pinned ones, and unarchive restores them', async () => {
    const faded = await fact('I once tried a pottery class', { importance: 0.3 });
    const kept = await fact('I tried a climbing gym', { importance: 0.3, metadata: { pinned: true } });
    const remembered = await fact('My passport number ends in 42');
    clock.advance(30 * DAY);
    expect((await memory.maintain(h)).archived).toEqual([]);
    clock.advance(400 * DAY);
    const report = await memory.maintain(h);
    expect(report.archived.map((entry) => entry.id)).toEqual([faded.id]);
    expect(report.archived[0]!.strength).toBeLessThan(0.05);
    expect(await current()).toEqual(['I tried a climbing gym', 'My passport number ends in 42']);
    const archived = (await memory.list({ ...h, includeHistory: true })).items.find((r) => r.id === faded.id);
    expect(archived?.archivedAt).toBeDefined();
    const restored = await memory.unarchive(faded.id, h);
    expect(restored.archivedAt).toBeUndefined();
    expect(await current()).toContain('I once tried a pottery class');
    expect(await codeOf(memory.unarchive(kept.id, h))).toBe('CONFLICT');
    expect(remembered.importance).toBe(1);
  });

  it('is incremental: a second run examines nothing new, and a new restatement is merged next time', async () => {
    await fact('I enjoy hiking in the Alps');
    const first = await memory.maintain(h);
    expect(first.examined).toBe(1);
    const second = await memory.maintain(h);
    expect(second.examined).toBe(0);
    expect(second.complete).toBe(true);
    await fact('I enjoy hiking in the Alps a lot');
    const third = await memory.maintain(h);
    // The new fact, and the merged memory it became (written during the run, so examined in it too).
    expect(third.examined).toBe(2);
    expect(third.merged).toHaveLength(1);
    expect((await memory.maintain(h)).examined).toBe(0);
  });

  it('stops at maxMemories and reports what is left for the next run', async () => {
    for (let index = 0; index < 5; index++) await fact(`Fact number ${index} about gardening tomatoes`);
    const first = await memory.maintain({ ...h, maxMemories: 2 });
    expect(first.examined).toBe(2);
    expect(first.complete).toBe(false);
    expect(first.remaining.memories).toBe(3);
    const second = await memory.maintain(h);
    expect(second.examined).toBe(3);
    expect(second.complete).toBe(true);
  });

  it('skips a scope another run holds, and takes it once the claim expires', async () => {
    await fact('I enjoy hiking in the Alps');
    await fact('I really enjoy hiking in the Alps');
    const scope = { tenantId: 'default', userId: 'h' };
    const held = await memory.store.claimMaintenance({
      scope,
      owner: 'other',
      now: clock.now(),
      leaseMs: 60_000,
    });
    expect(held).toBeDefined();
    const blocked = await memory.maintain(h);
    expect(blocked.scopes.skipped).toBe(1);
    expect(blocked.merged).toEqual([]);
    expect(blocked.complete).toBe(false);
    clock.advance(120_000);
    expect((await memory.maintain(h)).merged).toHaveLength(1);
  });

  it('two engines maintaining the same store at once do the work once', async () => {
    for (let index = 0; index < 6; index++) {
      await fact(`I enjoy hiking in the Alps with friend number ${index}`);
      await fact(`I really enjoy hiking in the Alps with friend number ${index}`);
    }
    const other = await backend.open({ clock });
    try {
      const reports = await Promise.all([memory.maintain(h), other.maintain(h)]);
      const merged = reports.flatMap((report) => report.merged);
      expect(merged).toHaveLength(6);
      expect(new Set(merged.flatMap((merge) => merge.sources)).size).toBe(12);
      expect((await current()).length).toBe(6);
      expect(reports.reduce((sum, report) => sum + report.scopes.skipped, 0)).toBeLessThanOrEqual(1);
    } finally {
      await other.close();
    }
  });

  it('forgetting one source of a merge erases the merged memory too', async () => {
    const first = await fact('I enjoy hiking in the Alps');
    await fact('I really enjoy hiking in the Alps');
    const [merge] = (await memory.maintain(h)).merged;
    const { forgottenIds } = await memory.forget(first.id, h);
    expect(forgottenIds).toContain(merge!.id);
    expect(await current()).toEqual([]);
  });

  it('refuses bad options and unknown ids, changing nothing', async () => {
    await fact('I enjoy hiking in the Alps');
    expect(await codeOf(memory.maintain({ ...h, maxMemories: 0 }))).toBe('INVALID_INPUT');
    expect(await codeOf(memory.maintain({ ...h, steps: ['dream' as 'expire'] }))).toBe('INVALID_INPUT');
    expect(await codeOf(memory.unmerge('nope', h))).toBe('NOT_FOUND');
    expect(await codeOf(memory.unarchive('nope', h))).toBe('NOT_FOUND');
    expect(await current()).toEqual(['I enjoy hiking in the Alps']);
  });
});
