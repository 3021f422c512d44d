// The audit half of the AccessStore conformance suite (store/access-conformance.ts): reads adding up per hour,
// the filters and paging of listAudit, tenants kept apart, and forgetScope erasing the sharing rows it names.
import { describe, expect, it } from 'vitest';
import type { PrincipalRef } from '../../core/access.js';
import type { Scope } from '../../core/scope.js';
import type { AuditQuery, AuditWrite } from '../access-store.js';
import type { MemoryStore } from '../memory-store.js';
import { makeMemoryWrite, T0 } from './fixtures.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const agent = (id: string): PrincipalRef => ({ type: 'agent', id });
const user = (id: string): PrincipalRef => ({ type: 'user', id });
const key = (id: string): PrincipalRef => ({ type: 'key', id });
const alice: Scope = { tenantId: 't1', userId: 'alice' };
const bob: Scope = { tenantId: 't1', userId: 'bob' };
const research: Scope = { tenantId: 't1', spaceId: 'research' };
const household: Scope = { tenantId: 't1', spaceId: 'household' };

function entry(
  action: AuditWrite['action'],
  scope: Scope,
  principals: PrincipalRef[],
  at: number,
  operation = action === 'read' ? 'search' : 'add',
): AuditWrite {
  return { tenantId: scope.tenantId, scope, principals, surface: 'sdk', action, operation, at };
}

/**
 * Registers the audit-log and erasure cases of the AccessStore conformance suite, over the store the
 * enclosing suite opens for each test.
 *
 * @example
 * itKeepsTheAuditLog(() => store);
 */
export function itKeepsTheAuditLog(current: () => MemoryStore): void {
  const list = async (query: Partial<AuditQuery> = {}) =>
    (await current().access.listAudit({ tenantId: 't1', limit: 100, ...query })).items;
  /** Each row as `operation@hour` (hours after T0 of its last occurrence), newest first. */
  const labels = async (query: Partial<AuditQuery> = {}) =>
    (await list(query)).map((row) => `${row.operation}@${(Date.parse(row.lastAt) - T0) / HOUR}`);

  describe('the audit log', () => {
    it('adds reads of one hour, principal, surface, operation and scope into one row, across calls', async () => {
      const store = current();
      await store.access.recordAudit([entry('read', alice, [user('alice')], T0 + MINUTE)]);
      await store.access.recordAudit([entry('read', alice, [user('alice')], T0 + 10 * MINUTE)]);
      const [row, ...rest] = await list();
      expect(rest).toEqual([]);
      expect(row).toMatchObject({
        scope: alice,
        principal: 'user:alice',
        action: 'read',
        operation: 'search',
        count: 2,
        at: new Date(T0 + MINUTE).toISOString(),
        lastAt: new Date(T0 + 10 * MINUTE).toISOString(),
      });
      // Counted batches add their counts; a late-arriving earlier read keeps the latest lastAt.
      await store.access.recordAudit([
        { ...entry('read', alice, [user('alice')], T0 + 2 * MINUTE), count: 3 },
      ]);
      expect(await list()).toMatchObject([{ count: 5, lastAt: new Date(T0 + 10 * MINUTE).toISOString() }]);
    });

    it('keeps reads of different hours, principals, operations or scopes, and every write, apart', async () => {
      const store = current();
      await store.access.recordAudit([
        entry('read', alice, [user('alice')], T0 + 59 * MINUTE),
        entry('read', alice, [user('alice')], T0 + 61 * MINUTE),
        entry('read', alice, [agent('helper'), user('alice')], T0 + 61 * MINUTE),
        entry('read', alice, [user('alice')], T0 + 62 * MINUTE, 'context'),
        entry('read', { ...alice, agentId: 'helper' }, [user('alice')], T0 + 62 * MINUTE),
        entry('write', alice, [user('alice')], T0 + 63 * MINUTE),
        entry('write', alice, [user('alice')], T0 + 63 * MINUTE),
      ]);
      const rows = await list();
      expect(rows).toHaveLength(7);
      expect(rows.every((row) => row.count === 1)).toBe(true);
    });

    it('filters by scope (containment), principal, action and time, pages newest first, per tenant', async () => {
      const store = current();
      await store.access.recordAudit([
        entry('read', alice, [user('alice')], T0 + 1 * HOUR, 'r1'),
        entry('read', { ...alice, agentId: 'helper' }, [agent('helper'), user('alice')], T0 + 2 * HOUR, 'r2'),
        entry('write', bob, [user('bob')], T0 + 3 * HOUR, 'w3'),
        entry('write', research, [agent('writer'), key('k1')], T0 + 4 * HOUR, 'w4'),
        entry('denied', research, [agent('reader')], T0 + 5 * HOUR, 'd5'),
        entry('write', { tenantId: 't2', userId: 'alice' }, [user('alice')], T0 + 6 * HOUR, 'w6'),
      ]);
      expect(await labels()).toEqual(['d5@5', 'w4@4', 'w3@3', 'r2@2', 'r1@1']);
      expect(await labels({ scope: alice })).toEqual(['r2@2', 'r1@1']);
      expect(await labels({ scope: { ...alice, agentId: 'helper' } })).toEqual(['r2@2']);
      expect(await labels({ scope: research })).toEqual(['d5@5', 'w4@4']);
      expect(await labels({ scope: household })).toEqual([]);
      expect(await labels({ principal: user('alice') })).toEqual(['r2@2', 'r1@1']);
      expect(await labels({ principal: agent('writer') })).toEqual(['w4@4']);
      expect(await labels({ principal: key('k1') })).toEqual(['w4@4']);
      expect(await labels({ principal: agent('alice') })).toEqual([]);
      expect(await labels({ scope: alice, principal: agent('helper') })).toEqual(['r2@2']);
      expect(await labels({ action: 'write' })).toEqual(['w4@4', 'w3@3']);
      expect(await labels({ action: 'denied' })).toEqual(['d5@5']);
      expect(await labels({ since: T0 + 3 * HOUR })).toEqual(['d5@5', 'w4@4', 'w3@3']);
      // Paging: two by two, the cursor continuing where the page stopped, none after the last.
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.access.listAudit({ tenantId: 't1', limit: 2, cursor });
        seen.push(...page.items.map((row) => row.operation));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined);
      expect(seen).toEqual(['d5', 'w4', 'w3', 'r2', 'r1']);
      expect(pages).toBe(3);
      // Tenants: each sees its own rows; a scope of another tenant finds nothing.
      expect(await labels({ tenantId: 't2' })).toEqual(['w6@6']);
      expect(await labels({ tenantId: 't2', principal: user('alice') })).toEqual(['w6@6']);
      expect(await labels({ scope: { tenantId: 't2', userId: 'alice' } })).toEqual([]);
      expect(await labels({ tenantId: 't3' })).toEqual([]);
    });
  });

  describe('erasure with forgetScope', () => {
    const memoryIn = async (scope: Scope, text: string) => {
      const write = makeMemoryWrite({ scope, text });
      await current().insertMemories({ memories: [write], actor: 'test', at: T0 });
      return write.record.id;
    };
    const grantsOf = async (tenantId: string) =>
      (await current().access.listGrants({ tenantId }))
        .map((g) => `${g.principal.type}:${g.principal.id}>${g.target.type}:${g.target.id}`)
        .sort();
    const operations = async (tenantId: string) =>
      (await list({ tenantId })).map((row) => row.operation).sort();
    const memoryIds = async (scope: Scope) =>
      (await current().listMemories({ scope, filter: { now: T0 + HOUR }, limit: 100 })).items.map(
        (m) => m.id,
      );

    /** Two tenants with the same names: spaces, grants both ways, audit rows about and by each principal. */
    async function seed(): Promise<void> {
      const store = current();
      for (const tenantId of ['t1', 't2']) {
        for (const id of ['research', 'household']) {
          await store.access.createSpace({
            space: { tenantId, id, name: id, description: undefined },
            at: T0,
          });
        }
        const put = (principal: PrincipalRef, target: { type: 'space' | 'user'; id: string }) =>
          store.access.putGrant({ tenantId, principal, target, role: 'write', at: T0 });
        await put(user('alice'), { type: 'space', id: 'research' });
        await put(user('alice'), { type: 'user', id: 'bob' });
        await put(agent('support'), { type: 'user', id: 'alice' });
        await put(user('bob'), { type: 'space', id: 'research' });
        await put(agent('writer'), { type: 'space', id: 'research' });
        await put(agent('writer'), { type: 'space', id: 'household' });
        const at = (scope: Omit<Scope, 'tenantId'>) => ({ tenantId, ...scope }) as Scope;
        await store.access.recordAudit([
          entry('read', at({ userId: 'alice' }), [user('alice')], T0, 'about-alice'),
          entry('read', at({ userId: 'alice', sessionId: 's1' }), [user('alice')], T0, 'about-alice-s1'),
          entry(
            'read',
            at({ userId: 'alice', agentId: 'support' }),
            [agent('support')],
            T0,
            'about-alice-support',
          ),
          entry(
            'write',
            at({ spaceId: 'research' }),
            [agent('helper'), user('alice')],
            T0,
            'alice-in-research',
          ),
          entry('read', at({ userId: 'bob' }), [user('bob')], T0, 'about-bob'),
          entry('write', at({ spaceId: 'research' }), [agent('writer')], T0, 'writer-in-research'),
          entry('write', at({ spaceId: 'household' }), [agent('writer')], T0, 'writer-in-household'),
          entry('admin', at({ spaceId: 'research' }), [], T0, 'grant-on-research'),
        ]);
      }
    }

    const everything = [
      'about-alice',
      'about-alice-s1',
      'about-alice-support',
      'about-bob',
      'alice-in-research',
      'grant-on-research',
      'writer-in-household',
      'writer-in-research',
    ];
    const allGrants = [
      'agent:support>user:alice',
      'agent:writer>space:household',
      'agent:writer>space:research',
      'user:alice>space:research',
      'user:alice>user:bob',
      'user:bob>space:research',
    ];

    it('erases with a user the audit rows about the user, the rows where the user acted and the grants naming the user', async () => {
      await seed();
      const aliceMemory = await memoryIn(alice, 'alice likes tea');
      const bobMemory = await memoryIn(bob, 'bob likes coffee');
      const otherAlice = await memoryIn({ tenantId: 't2', userId: 'alice' }, 'alice elsewhere');
      const erased = await current().forgetScope({ scope: alice, at: T0 + HOUR, actor: 'test' });
      expect(erased.memories).toBe(1);
      expect(await operations('t1')).toEqual([
        'about-bob',
        'grant-on-research',
        'writer-in-household',
        'writer-in-research',
      ]);
      expect(await grantsOf('t1')).toEqual([
        'agent:writer>space:household',
        'agent:writer>space:research',
        'user:bob>space:research',
      ]);
      expect(await memoryIds(alice)).toEqual([]);
      expect(await memoryIds(bob)).toEqual([bobMemory]);
      expect(aliceMemory).not.toBe(bobMemory);
      // Another tenant's alice keeps everything.
      expect(await operations('t2')).toEqual(everything);
      expect(await grantsOf('t2')).toEqual(allGrants);
      expect(await memoryIds({ tenantId: 't2', userId: 'alice' })).toEqual([otherAlice]);
      expect((await current().access.listSpaces({ tenantId: 't1' })).map((s) => s.id)).toEqual([
        'household',
        'research',
      ]);
    });

    it("keeps a user's grants and user-wide rows when only one of the user's sessions is forgotten", async () => {
      await seed();
      await current().forgetScope({ scope: { ...alice, sessionId: 's1' }, at: T0 + HOUR, actor: 'test' });
      expect(await operations('t1')).toEqual(everything.filter((name) => name !== 'about-alice-s1'));
      expect(await grantsOf('t1')).toEqual(allGrants);
    });

    it("erases with an agent's memory the rows about it, and keeps its grants and the record of what it did elsewhere", async () => {
      // An agent is not a person: forgetting its memory is no reason to drop the permissions an admin gave
      // it, nor (when the agent itself asks, with a key bound to it) to let it wipe the trail of its acts.
      await seed();
      await current().forgetScope({
        scope: { tenantId: 't1', agentId: 'writer' },
        at: T0 + HOUR,
        actor: 'test',
      });
      expect(await operations('t1')).toEqual(everything);
      expect(await grantsOf('t1')).toEqual(allGrants);
      await current().forgetScope({
        scope: { tenantId: 't1', agentId: 'support' },
        at: T0 + HOUR,
        actor: 'test',
      });
      expect(await operations('t1')).toEqual(everything.filter((name) => name !== 'about-alice-support'));
      expect(await grantsOf('t1')).toEqual(allGrants);
      expect(await operations('t2')).toEqual(everything);
    });

    it('erases with a space the space, its grants, its memories and its audit rows, and nothing of another', async () => {
      await seed();
      const inResearch = [
        await memoryIn(research, 'the budget is 10k'),
        await memoryIn(research, 'ship friday'),
      ];
      const inHousehold = await memoryIn(household, 'the wifi password is on the fridge');
      const otherResearch = await memoryIn({ tenantId: 't2', spaceId: 'research' }, 'another budget');
      const aliceMemory = await memoryIn(alice, 'alice likes tea');
      expect((await memoryIds(research)).sort()).toEqual([...inResearch].sort());
      const erased = await current().forgetScope({ scope: research, at: T0 + HOUR, actor: 'test' });
      expect(erased.memories).toBe(2);
      expect(await current().access.getSpace({ tenantId: 't1', id: 'research' })).toBeUndefined();
      expect((await current().access.listSpaces({ tenantId: 't1' })).map((s) => s.id)).toEqual(['household']);
      expect((await current().access.listSpaces({ tenantId: 't2' })).map((s) => s.id)).toEqual([
        'household',
        'research',
      ]);
      expect(await grantsOf('t1')).toEqual([
        'agent:support>user:alice',
        'agent:writer>space:household',
        'user:alice>user:bob',
      ]);
      expect(await operations('t1')).toEqual([
        'about-alice',
        'about-alice-s1',
        'about-alice-support',
        'about-bob',
        'writer-in-household',
      ]);
      expect(await memoryIds(research)).toEqual([]);
      expect(await memoryIds(household)).toEqual([inHousehold]);
      expect(await memoryIds(alice)).toEqual([aliceMemory]);
      expect(await memoryIds({ tenantId: 't2', spaceId: 'research' })).toEqual([otherResearch]);
      expect(await operations('t2')).toEqual(everything);
      expect(await grantsOf('t2')).toEqual(allGrants);
    });
  });
}
