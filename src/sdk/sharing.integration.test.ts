// Sharing through the SDK, on SQLite and PostgreSQL: the three uses the docs show (a team of agents sharing
// task knowledge, a household's shared facts, an organisation's procedures read by every support agent),
// what context() labels, the audit trail, revocation, and erasure with the space.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import type { Memory } from './create-memory.js';
import { codeOf, type SdkBackend, sdkBackends } from './test-support/sdk-backends.js';

const backends = sdkBackends('sharing', 'mnemo-sharing-');
const t1 = { tenantId: 't1' };
const agent = (id: string) => ({ type: 'agent' as const, id });
const user = (id: string) => ({ type: 'user' as const, id });
const space = (id: string) => ({ type: 'space' as const, id });

describe.each(backends)('sharing on %s', (_name, makeBackend) => {
  let backend: SdkBackend;
  let memory: Memory;
  const clock = createFixedClock('2026-03-02T09:00:00Z');

  beforeEach(async () => {
    backend = makeBackend();
    clock.set('2026-03-02T09:00:00Z');
    memory = await backend.open({ clock });
  });
  afterEach(async () => {
    await memory.close();
    await backend.cleanup();
  });

  const texts = (results: { memory: { text: string } }[]) => results.map((result) => result.memory.text);

  it('a team of agents shares task knowledge: the writer writes, the reader reads, the outsider gets nothing', async () => {
    await memory.spaces.create({ ...t1, name: 'research', description: 'What the research team learned' });
    await memory.grants.grant({
      ...t1,
      principal: agent('writer'),
      target: space('research'),
      role: 'write',
    });
    await memory.grants.grant({ ...t1, principal: agent('reader'), target: space('research'), role: 'read' });
    const added = await memory.add('The vendor API rate-limits at 100 requests per minute', {
      ...t1,
      agentId: 'writer',
      spaceId: 'research',
    });
    expect(added.memories[0]!.scope).toEqual({ tenantId: 't1', spaceId: 'research' });
    const history = await memory.history(added.memories[0]!.id, { ...t1, spaceId: 'research' });
    expect(history[0]!.actor).toBe('agent:writer');

    const found = await memory.search('vendor rate limits', {
      ...t1,
      agentId: 'reader',
      spaceId: 'research',
    });
    expect(texts(found.results)).toEqual(['The vendor API rate-limits at 100 requests per minute']);
    // Without naming the space, the reader's own search also draws on what it was granted, labelled by scope.
    const across = await memory.search('vendor rate limits', { ...t1, agentId: 'reader' });
    expect(across.results.map((result) => result.memory.scope.spaceId)).toEqual(['research']);
    const alone = await memory.search('vendor rate limits', {
      ...t1,
      agentId: 'reader',
      includeSpaces: false,
    });
    expect(alone.results).toEqual([]);

    const before = (await memory.list({ ...t1, spaceId: 'research' })).items.length;
    expect(
      await codeOf(memory.add('I rewrite the notes', { ...t1, agentId: 'reader', spaceId: 'research' })),
    ).toBe('FORBIDDEN');
    const id = added.memories[0]!.id;
    expect(await codeOf(memory.forget(id, { ...t1, agentId: 'reader', spaceId: 'research' }))).toBe(
      'FORBIDDEN',
    );
    expect(
      await codeOf(
        memory.update(id, { text: 'no limit' }, { ...t1, agentId: 'reader', spaceId: 'research' }),
      ),
    ).toBe('FORBIDDEN');
    expect((await memory.list({ ...t1, spaceId: 'research' })).items.length).toBe(before);

    expect(await codeOf(memory.search('vendor', { ...t1, agentId: 'outsider', spaceId: 'research' }))).toBe(
      'FORBIDDEN',
    );
    expect((await memory.search('vendor rate limits', { ...t1, agentId: 'outsider' })).results).toEqual([]);
    // Another tenant never sees the space, grants or not.
    expect(
      await codeOf(memory.search('vendor', { tenantId: 't2', agentId: 'reader', spaceId: 'research' })),
    ).toBe('FORBIDDEN');
  });

  it("a household's shared facts reach each member's context, labelled as the household's", async () => {
    await memory.spaces.create({ ...t1, name: 'Home', id: 'home' });
    for (const member of ['ana', 'ben']) {
      await memory.grants.grant({ ...t1, principal: user(member), target: space('home'), role: 'write' });
    }
    await memory.add('The wifi password is on the fridge', {
      ...t1,
      userId: 'ana',
      spaceId: 'home',
      kind: 'fact',
    });
    await memory.add('I prefer green tea', { ...t1, userId: 'ben', kind: 'fact' });
    const context = await memory.context('where is the wifi password', {
      ...t1,
      userId: 'ben',
      budgetTokens: 500,
    });
    const shared = context.items.find((item) => item.text === 'The wifi password is on the fridge');
    expect(shared?.from).toBe('space:home');
    expect(context.text).toContain('space:home');
    const own = context.items.find((item) => item.text === 'I prefer green tea');
    expect(own === undefined || own.from === undefined).toBe(true);
    // Ana's own memory stays hers: Ben reads the household, not Ana.
    await memory.add('I am planning a surprise for Ben', { ...t1, userId: 'ana', kind: 'fact' });
    const benSees = await memory.search('surprise', { ...t1, userId: 'ben' });
    expect(texts(benSees.results)).not.toContain('I am planning a surprise for Ben');
  });

  it("an organisation's procedures are read by every support agent, and a grant on a user opens a profile read-only", async () => {
    await memory.spaces.create({ ...t1, name: 'procedures' });
    await memory.add('Always confirm the order number before issuing a refund', {
      ...t1,
      spaceId: 'procedures',
      kind: 'procedure',
    });
    for (const id of ['support-1', 'support-2']) {
      await memory.grants.grant({ ...t1, principal: agent(id), target: space('procedures'), role: 'read' });
    }
    for (const id of ['support-1', 'support-2']) {
      const context = await memory.context('customer wants a refund', {
        ...t1,
        userId: 'carol',
        agentId: id,
      });
      expect(
        context.items.some((item) => item.kind === 'procedure' && item.from === 'space:procedures'),
      ).toBe(true);
    }

    await memory.profile.set('food.allergies', 'peanuts', { ...t1, userId: 'carol' });
    await memory.grants.grant({ ...t1, principal: agent('support-1'), target: user('carol'), role: 'read' });
    const caller = {
      surface: 'rest' as const,
      keyId: 'k-support',
      role: 'write' as const,
      boundAgentId: 'support-1',
    };
    const profile = await memory.getProfile({ ...t1, userId: 'carol', caller });
    expect(profile.food?.allergies?.value).toBe('peanuts');
    expect(
      await codeOf(memory.profile.set('food.allergies', 'none', { ...t1, userId: 'carol', caller })),
    ).toBe('FORBIDDEN');
    const other = { ...caller, boundAgentId: 'support-2' };
    expect(await codeOf(memory.getProfile({ ...t1, userId: 'carol', caller: other }))).toBe('FORBIDDEN');
    expect((await memory.getProfile({ ...t1, userId: 'carol' })).food?.allergies?.value).toBe('peanuts');
  });

  it('revoking a grant takes effect on the next request, and the audit log tells who did what where', async () => {
    await memory.spaces.create({ ...t1, name: 'research' });
    await memory.grants.grant({ ...t1, principal: agent('reader'), target: space('research'), role: 'read' });
    await memory.add('Paper draft is in the shared drive', { ...t1, spaceId: 'research', kind: 'fact' });
    const reader = { ...t1, agentId: 'reader', spaceId: 'research' };
    expect((await memory.search('paper draft', reader)).results).toHaveLength(1);
    expect((await memory.search('paper draft', reader)).results).toHaveLength(1);
    expect(
      await memory.grants.revoke({ ...t1, principal: agent('reader'), target: space('research') }),
    ).toEqual({
      revoked: true,
    });
    expect(await codeOf(memory.search('paper draft', reader))).toBe('FORBIDDEN');
    expect((await memory.search('paper draft', { ...t1, agentId: 'reader' })).results).toEqual([]);

    const log = (await memory.audit({ ...t1, spaceId: 'research' })).items;
    const row = (action: string, operation: string, principal: string) =>
      log.find(
        (entry) => entry.action === action && entry.operation === operation && entry.principal === principal,
      );
    expect(row('read', 'search', 'agent:reader')?.count).toBe(2);
    expect(row('denied', 'search', 'agent:reader')?.detail).toMatch(/no grant/);
    expect(row('write', 'add', 'owner')?.surface).toBe('sdk');
    expect(row('admin', 'revoke', 'owner')).toBeDefined();
    // A bound key may not read the tenant's whole log.
    const bound = { surface: 'rest' as const, keyId: 'k', role: 'admin' as const, boundAgentId: 'reader' };
    expect(await codeOf(memory.audit({ ...t1, caller: bound }))).toBe('FORBIDDEN');
  });

  it('deleting a space erases its memories, grants and audit trail, and nothing else', async () => {
    await memory.spaces.create({ ...t1, name: 'scratch' });
    await memory.spaces.create({ ...t1, name: 'keep' });
    await memory.grants.grant({ ...t1, principal: agent('a'), target: space('scratch'), role: 'write' });
    await memory.add('temporary note', { ...t1, agentId: 'a', spaceId: 'scratch' });
    await memory.add('kept note', { ...t1, spaceId: 'keep', kind: 'fact' });
    expect(
      await codeOf(
        memory.spaces.delete('scratch', {
          ...t1,
          caller: { surface: 'rest', keyId: 'k', boundAgentId: 'a' },
        }),
      ),
    ).toBe('FORBIDDEN');
    // A key bound to the space with role write writes in it, but forgetting its (implied) scope deletes the
    // space: that takes admin.
    const spaceKey = {
      surface: 'rest' as const,
      keyId: 'k-space',
      role: 'write' as const,
      boundSpaceId: 'scratch',
    };
    expect(await codeOf(memory.forgetScope({ ...t1, caller: spaceKey }))).toBe('FORBIDDEN');
    expect((await memory.spaces.list(t1)).map((entry) => entry.id)).toEqual(['keep', 'scratch']);
    const erased = await memory.spaces.delete('scratch', t1);
    expect(erased.memories).toBeGreaterThan(0);
    expect((await memory.spaces.list(t1)).map((entry) => entry.id)).toEqual(['keep']);
    expect(await memory.grants.list(t1)).toEqual([]);
    expect((await memory.audit(t1)).items.filter((entry) => entry.scope.spaceId === 'scratch')).toEqual([]);
    expect(texts((await memory.search('note', { ...t1, spaceId: 'keep' })).results)).toEqual(['kept note']);
    expect(await codeOf(memory.search('note', { ...t1, spaceId: 'scratch' }))).toBe('NOT_FOUND');
    expect(await codeOf(memory.spaces.create({ ...t1, name: 'keep' }))).toBe('CONFLICT');
    expect(
      await codeOf(
        memory.grants.grant({ ...t1, principal: agent('a'), target: space('nope'), role: 'read' }),
      ),
    ).toBe('NOT_FOUND');
    expect(
      await codeOf(
        memory.grants.grant({ ...t1, principal: agent('a'), target: space('keep'), role: 'owner' as 'read' }),
      ),
    ).toBe('INVALID_INPUT');
  });
  it('dumps carry spaces and grants, and a restore brings the space back whole', async () => {
    await memory.spaces.create({ ...t1, name: 'research', description: 'notes' });
    await memory.grants.grant({ ...t1, principal: agent('reader'), target: space('research'), role: 'read' });
    await memory.add('The lab opens at eight', { ...t1, spaceId: 'research', kind: 'fact' });
    await memory.add('I like tea', { ...t1, userId: 'u', kind: 'fact' });
    const rows = [];
    for await (const row of memory.dump({ scope: { ...t1, spaceId: 'research' } })) rows.push(row);
    expect(rows.map((row) => row.type).slice(0, 2)).toEqual(['space', 'grant']);
    expect(rows.some((row) => row.type === 'memory' && row.memory.text === 'I like tea')).toBe(false);
    const userRows = [];
    for await (const row of memory.dump({ scope: { ...t1, userId: 'u' } })) userRows.push(row.type);
    expect(userRows).not.toContain('space');

    await memory.spaces.delete('research', t1);
    // The grant went with the space: the reader is refused before anyone learns whether the space exists.
    expect(await codeOf(memory.search('lab', { ...t1, agentId: 'reader', spaceId: 'research' }))).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(memory.search('lab', { ...t1, spaceId: 'research' }))).toBe('NOT_FOUND');
    const counts = await memory.restore(rows);
    expect(counts).toMatchObject({ spaces: 1, grants: 1, memories: 1 });
    expect(await memory.spaces.get('research', t1)).toMatchObject({ name: 'research', description: 'notes' });
    const found = await memory.search('when does the lab open', {
      ...t1,
      agentId: 'reader',
      spaceId: 'research',
    });
    expect(texts(found.results)).toEqual(['The lab opens at eight']);
    expect(await memory.restore(rows)).toMatchObject({ spaces: 0, grants: 0, memories: 0 });
  });
  it('upkeep works on a space like on a user: restatements merge there and nowhere else', async () => {
    await memory.spaces.create({ ...t1, name: 'research' });
    const inSpace = { ...t1, spaceId: 'research', kind: 'fact' as const };
    await memory.add('The team enjoys hiking in the Alps', inSpace);
    clock.advance(60_000);
    await memory.add('The team really enjoys hiking in the Alps', inSpace);
    await memory.add('The team enjoys hiking in the Alps', { ...t1, userId: 'u', kind: 'fact' });
    const report = await memory.maintain({ ...t1, spaceId: 'research', steps: ['consolidate'] });
    expect(report.merged).toHaveLength(1);
    const current = await memory.list({ ...t1, spaceId: 'research', kinds: ['fact'] });
    expect(current.items.map((item) => item.scope)).toEqual([{ tenantId: 't1', spaceId: 'research' }]);
    expect((await memory.list({ ...t1, userId: 'u', kinds: ['fact'] })).items).toHaveLength(1);
  });
  it('keeps audit rows for the retention only: a tenant-wide run erases older ones, a user run none', async () => {
    await memory.add('old note', { ...t1, userId: 'u', kind: 'fact' });
    await memory.search('note', { ...t1, userId: 'u' });
    await memory.add('other tenant note', { tenantId: 't2', userId: 'u', kind: 'fact' });
    clock.advance(366 * 86_400_000);
    await memory.add('new note', { ...t1, userId: 'u', kind: 'fact' });
    const before = (await memory.audit(t1)).items.length;
    expect((await memory.maintain({ ...t1, userId: 'u', steps: ['expire'] })).auditPurged).toBe(0);
    const report = await memory.maintain({ ...t1, steps: ['expire'] });
    expect(report.auditPurged).toBe(2);
    const left = (await memory.audit(t1)).items;
    expect(left.length).toBe(before - 2);
    expect(left.every((entry) => Date.parse(entry.lastAt) >= clock.now() - 365 * 86_400_000)).toBe(true);
    expect((await memory.audit({ tenantId: 't2' })).items.length).toBeGreaterThan(0);
  });
});
