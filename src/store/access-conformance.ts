// The backend-agnostic AccessStore conformance suite: spaces, grants, the access check, the audit log and
// their erasure with forgetScope, the same on every backend (see access-store.integration.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessLevel, AccessRequest, Caller, PrincipalRef } from '../core/access.js';
import { isMnemoError } from '../core/errors.js';
import type { Scope } from '../core/scope.js';
import type { AuthorizeInput } from './access-store.js';
import type { StoreFactory } from './conformance.js';
import type { MemoryStore } from './memory-store.js';
import { itKeepsTheAuditLog } from './test-support/audit-conformance.js';
import { makeMemoryWrite, T0 } from './test-support/fixtures.js';

const owner: Caller = { surface: 'sdk' };
const agent = (id: string): PrincipalRef => ({ type: 'agent', id });
const user = (id: string): PrincipalRef => ({ type: 'user', id });
const key = (id: string): PrincipalRef => ({ type: 'key', id });
const onSpace = (id: string) => ({ type: 'space', id }) as const;
const onUser = (id: string) => ({ type: 'user', id }) as const;

/** The MnemoError code a promise rejects with; undefined when it resolves. */
async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (error === undefined) return undefined;
  return isMnemoError(error) ? error.code : String(error);
}

/** The store's helpers every access test uses: spaces, grants and authorize with defaults. */
function accessHelpers(store: () => MemoryStore) {
  return {
    createSpace: (id: string, tenantId = 't1', description?: string) =>
      store().access.createSpace({ space: { tenantId, id, name: `${id} pool`, description }, at: T0 }),
    grant: (
      principal: PrincipalRef,
      target: { type: 'space' | 'user'; id: string },
      role: AccessLevel,
      tenantId = 't1',
    ) => store().access.putGrant({ tenantId, principal, target, role, at: T0 }),
    authorize: (
      caller: Caller,
      request: AccessRequest,
      access: AccessLevel,
      extra: Partial<Omit<AuthorizeInput, 'caller' | 'request' | 'access'>> = {},
    ) =>
      store().access.authorize({
        caller,
        request: { tenantId: 't1', ...request },
        access,
        operation: 'test',
        at: T0,
        audit: false,
        ...extra,
      }),
    audit: async (tenantId = 't1') => (await store().access.listAudit({ tenantId, limit: 1000 })).items,
  };
}

/**
 * Registers the AccessStore conformance tests for one backend.
 *
 * @example
 * describeAccessConformance('sqlite', async () => ({ store, cleanup }));
 */
export function describeAccessConformance(name: string, createStore: StoreFactory): void {
  describe(`AccessStore conformance: ${name}`, () => {
    let store: MemoryStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await createStore());
    });
    afterEach(async () => {
      await cleanup();
    });
    const { createSpace, grant, authorize, audit } = accessHelpers(() => store);

    describe('spaces', () => {
      it('creates a space once per tenant: the same id again is a CONFLICT, in another tenant its own space', async () => {
        const created = await createSpace('research', 't1', 'what the team learned');
        expect(created).toEqual({
          id: 'research',
          tenantId: 't1',
          name: 'research pool',
          description: 'what the team learned',
          createdAt: new Date(T0).toISOString(),
        });
        expect(await codeOf(createSpace('research'))).toBe('CONFLICT');
        const elsewhere = await createSpace('research', 't2');
        expect(elsewhere.tenantId).toBe('t2');
        expect(elsewhere.description).toBeUndefined();
        expect(await store.access.getSpace({ tenantId: 't1', id: 'research' })).toEqual(created);
      });

      it("gets and lists a tenant's own spaces only, by id", async () => {
        await createSpace('research');
        await createSpace('household');
        await createSpace('secret', 't2');
        expect((await store.access.listSpaces({ tenantId: 't1' })).map((space) => space.id)).toEqual([
          'household',
          'research',
        ]);
        expect((await store.access.listSpaces({ tenantId: 't2' })).map((space) => space.id)).toEqual([
          'secret',
        ]);
        expect(await store.access.listSpaces({ tenantId: 't3' })).toEqual([]);
        expect(await store.access.getSpace({ tenantId: 't1', id: 'secret' })).toBeUndefined();
        expect(await store.access.getSpace({ tenantId: 't2', id: 'research' })).toBeUndefined();
      });
    });

    describe('grants', () => {
      it('upserts a grant: a second put changes the role and keeps one row', async () => {
        await createSpace('research');
        const first = await grant(agent('writer'), onSpace('research'), 'read');
        expect(first).toMatchObject({
          tenantId: 't1',
          principal: agent('writer'),
          target: onSpace('research'),
          role: 'read',
        });
        const second = await grant(agent('writer'), onSpace('research'), 'write');
        expect(second.role).toBe('write');
        expect(await store.access.listGrants({ tenantId: 't1' })).toEqual([second]);
      });

      it("refuses a grant on an unknown space (or another tenant's) with NOT_FOUND; a user target needs no row", async () => {
        await createSpace('research', 't2');
        expect(await codeOf(grant(agent('writer'), onSpace('nowhere'), 'read'))).toBe('NOT_FOUND');
        expect(await codeOf(grant(agent('writer'), onSpace('research'), 'read'))).toBe('NOT_FOUND');
        expect(await store.access.listGrants({ tenantId: 't1' })).toEqual([]);
        const onAlice = await grant(agent('support'), onUser('alice'), 'read');
        expect(onAlice.target).toEqual(onUser('alice'));
      });

      it('deletes a grant once: true, then false; other grants stay', async () => {
        await createSpace('research');
        await grant(agent('writer'), onSpace('research'), 'write');
        await grant(agent('reader'), onSpace('research'), 'read');
        const revoke = { tenantId: 't1', principal: agent('writer'), target: onSpace('research') } as const;
        expect(await store.access.deleteGrant(revoke)).toBe(true);
        expect(await store.access.deleteGrant(revoke)).toBe(false);
        expect(
          await store.access.deleteGrant({ ...revoke, tenantId: 't2', principal: agent('reader') }),
        ).toBe(false);
        expect((await store.access.listGrants({ tenantId: 't1' })).map((g) => g.principal)).toEqual([
          agent('reader'),
        ]);
      });

      it('lists grants narrowed to a principal and/or a target, inside the tenant', async () => {
        await createSpace('research');
        await createSpace('household');
        await createSpace('research', 't2');
        await grant(agent('writer'), onSpace('research'), 'write');
        await grant(agent('writer'), onSpace('household'), 'read');
        await grant(agent('reader'), onSpace('research'), 'read');
        await grant(agent('writer'), onUser('alice'), 'read');
        await grant(agent('writer'), onSpace('research'), 'admin', 't2');
        const names = (grants: { principal: PrincipalRef; target: { id: string }; role: string }[]) =>
          grants.map((g) => `${g.principal.type}:${g.principal.id}>${g.target.id}:${g.role}`).sort();
        expect(names(await store.access.listGrants({ tenantId: 't1', principal: agent('writer') }))).toEqual([
          'agent:writer>alice:read',
          'agent:writer>household:read',
          'agent:writer>research:write',
        ]);
        expect(names(await store.access.listGrants({ tenantId: 't1', target: onSpace('research') }))).toEqual(
          ['agent:reader>research:read', 'agent:writer>research:write'],
        );
        expect(
          names(
            await store.access.listGrants({
              tenantId: 't1',
              principal: agent('writer'),
              target: onUser('alice'),
            }),
          ),
        ).toEqual(['agent:writer>alice:read']);
        expect(await store.access.listGrants({ tenantId: 't1', principal: user('writer') })).toEqual([]);
        expect(names(await store.access.listGrants({ tenantId: 't2' }))).toEqual([
          'agent:writer>research:admin',
        ]);
      });
    });

    describe('authorize', () => {
      beforeEach(async () => {
        await createSpace('research');
        await createSpace('household');
      });

      it('lets the owner (nobody named, no bound key) do anything in a space, relying on no grant', async () => {
        for (const access of ['read', 'write', 'admin'] as const) {
          const decision = await authorize(owner, { spaceId: 'research' }, access);
          expect(decision).toEqual({
            scope: { tenantId: 't1', spaceId: 'research' },
            principals: [],
            grant: undefined,
          });
        }
        const unboundKey: Caller = { surface: 'rest', keyId: 'k1', role: 'write' };
        const viaKey = await authorize(unboundKey, { spaceId: 'research' }, 'write');
        expect(viaKey.principals).toEqual([key('k1')]);
        expect(await codeOf(authorize(unboundKey, { spaceId: 'research' }, 'admin'))).toBe('FORBIDDEN');
      });

      it('needs a grant for a named agent: read opens reads only, write opens writes, revoking closes at once', async () => {
        expect(await codeOf(authorize(owner, { agentId: 'reader', spaceId: 'research' }, 'read'))).toBe(
          'FORBIDDEN',
        );
        await grant(agent('reader'), onSpace('research'), 'read');
        const decision = await authorize(owner, { agentId: 'reader', spaceId: 'research' }, 'read');
        expect(decision.scope).toEqual({ tenantId: 't1', spaceId: 'research' });
        expect(decision.principals).toEqual([agent('reader')]);
        expect(decision.grant).toMatchObject({ principal: agent('reader'), role: 'read' });
        expect(await codeOf(authorize(owner, { agentId: 'reader', spaceId: 'research' }, 'write'))).toBe(
          'FORBIDDEN',
        );
        expect(await codeOf(authorize(owner, { agentId: 'reader', spaceId: 'household' }, 'read'))).toBe(
          'FORBIDDEN',
        );
        await grant(agent('reader'), onSpace('research'), 'write');
        expect(
          (await authorize(owner, { agentId: 'reader', spaceId: 'research' }, 'write')).grant?.role,
        ).toBe('write');
        expect(await codeOf(authorize(owner, { agentId: 'reader', spaceId: 'research' }, 'admin'))).toBe(
          'FORBIDDEN',
        );
        await store.access.deleteGrant({
          tenantId: 't1',
          principal: agent('reader'),
          target: onSpace('research'),
        });
        expect(await codeOf(authorize(owner, { agentId: 'reader', spaceId: 'research' }, 'read'))).toBe(
          'FORBIDDEN',
        );
      });

      it("counts any named identity's grant, the strongest one, and never another tenant's", async () => {
        await grant(user('alice'), onSpace('research'), 'read');
        await grant(agent('helper'), onSpace('research'), 'write');
        const both = await authorize(
          owner,
          { userId: 'alice', agentId: 'helper', spaceId: 'research' },
          'read',
        );
        expect(both.grant?.role).toBe('write');
        await createSpace('research', 't2');
        await grant(agent('outsider'), onSpace('research'), 'admin', 't2');
        expect(await codeOf(authorize(owner, { agentId: 'outsider', spaceId: 'research' }, 'read'))).toBe(
          'FORBIDDEN',
        );
      });

      it('holds a key bound to an agent to that agent: its grants, its scope, never another agent', async () => {
        const reader: Caller = { surface: 'rest', keyId: 'k1', role: 'write', boundAgentId: 'reader' };
        expect(await codeOf(authorize(reader, { spaceId: 'research' }, 'read'))).toBe('FORBIDDEN');
        await grant(agent('reader'), onSpace('research'), 'read');
        const decision = await authorize(reader, { spaceId: 'research' }, 'read');
        expect(decision.principals).toEqual([agent('reader'), key('k1')]);
        expect(await codeOf(authorize(reader, { spaceId: 'research' }, 'write'))).toBe('FORBIDDEN');
        expect(await codeOf(authorize(reader, { agentId: 'writer', spaceId: 'research' }, 'read'))).toBe(
          'FORBIDDEN',
        );
        expect(await codeOf(authorize(reader, { agentId: 'writer', userId: 'alice' }, 'read'))).toBe(
          'FORBIDDEN',
        );
        expect((await authorize(reader, {}, 'write')).scope.agentId).toBe('reader');
        // Another user's memory takes a grant on that user.
        expect(await codeOf(authorize(reader, { userId: 'alice' }, 'read'))).toBe('FORBIDDEN');
        await grant(agent('reader'), onUser('alice'), 'read');
        const alice = await authorize(reader, { userId: 'alice' }, 'read');
        expect(alice.scope).toEqual({ tenantId: 't1', userId: 'alice', agentId: 'reader' });
        expect(await codeOf(authorize(reader, { userId: 'alice' }, 'write'))).toBe('FORBIDDEN');
      });

      it("keeps a key bound to an agent alone out of a user's memory without a grant, even naming no user", async () => {
        const reader: Caller = { surface: 'mcp', keyId: 'k1', role: 'write', boundAgentId: 'reader' };
        const insert = async (scope: Scope, text: string) => {
          const write = makeMemoryWrite({ scope, text });
          await store.insertMemories({ memories: [write], actor: 'test', at: T0 });
          return write.record.id;
        };
        const own = await insert({ tenantId: 't1', agentId: 'reader' }, 'reader keeps notes in markdown');
        const alices = await insert(
          { tenantId: 't1', userId: 'alice', agentId: 'reader' },
          'alice card ends 4242',
        );
        // Naming alice is refused without a grant on alice; naming nobody must not reach her either.
        expect(await codeOf(authorize(reader, { userId: 'alice' }, 'read'))).toBe('FORBIDDEN');
        const reads = (await authorize(reader, {}, 'read')).scope;
        const listed = await store.listMemories({ scope: reads, filter: { now: T0 + 1 }, limit: 100 });
        expect(listed.items.map((memory) => memory.id)).toEqual([own]);
        expect(await store.getMemories({ scope: reads, ids: [alices] })).toEqual([]);
        const writes = (await authorize(reader, {}, 'write')).scope;
        expect(
          await codeOf(store.forgetMemory({ scope: writes, id: alices, at: T0 + 1, actor: 'test' })),
        ).toBe('NOT_FOUND');
      });

      it("holds a key bound to a user to that user's memory unless a user grant opens another's", async () => {
        const alice: Caller = { surface: 'rest', keyId: 'k2', role: 'write', boundUserId: 'alice' };
        expect((await authorize(alice, {}, 'write')).scope).toEqual({ tenantId: 't1', userId: 'alice' });
        expect((await authorize(alice, { agentId: 'helper' }, 'write')).scope).toEqual({
          tenantId: 't1',
          userId: 'alice',
          agentId: 'helper',
        });
        expect(await codeOf(authorize(alice, { userId: 'bob' }, 'read'))).toBe('FORBIDDEN');
        await grant(user('alice'), onUser('bob'), 'read');
        expect((await authorize(alice, { userId: 'bob' }, 'read')).grant?.role).toBe('read');
        expect(await codeOf(authorize(alice, { userId: 'bob' }, 'write'))).toBe('FORBIDDEN');
        // A grant to the key itself counts as one of the acting identities.
        await grant(key('k2'), onUser('bob'), 'write');
        expect((await authorize(alice, { userId: 'bob' }, 'write')).grant?.principal).toEqual(key('k2'));
        expect(await codeOf(authorize(alice, { spaceId: 'research' }, 'read'))).toBe('FORBIDDEN');
      });

      it("holds a key bound to a space to that space, within the key's role", async () => {
        const pool: Caller = { surface: 'mcp', keyId: 'k3', role: 'read', boundSpaceId: 'research' };
        expect((await authorize(pool, {}, 'read')).scope).toEqual({ tenantId: 't1', spaceId: 'research' });
        expect((await authorize(pool, { spaceId: 'research' }, 'read')).grant).toBeUndefined();
        expect(await codeOf(authorize(pool, { spaceId: 'research' }, 'write'))).toBe('FORBIDDEN');
        expect(await codeOf(authorize(pool, { spaceId: 'household' }, 'read'))).toBe('FORBIDDEN');
        expect(await codeOf(authorize(pool, { userId: 'alice' }, 'read'))).toBe('FORBIDDEN');
      });

      it('caps everything at the key role, whatever the grants', async () => {
        const readKey: Caller = { surface: 'rest', keyId: 'k4', role: 'read', boundAgentId: 'writer' };
        await grant(agent('writer'), onSpace('research'), 'admin');
        expect((await authorize(readKey, { spaceId: 'research' }, 'read')).grant?.role).toBe('admin');
        expect(await codeOf(authorize(readKey, { spaceId: 'research' }, 'write'))).toBe('FORBIDDEN');
        expect(
          await codeOf(authorize({ surface: 'rest', keyId: 'k5', role: 'read' }, { userId: 'a' }, 'write')),
        ).toBe('FORBIDDEN');
      });

      it('answers NOT_FOUND for an unknown space once the decision allows it, FORBIDDEN before', async () => {
        expect(await codeOf(authorize(owner, { spaceId: 'nowhere' }, 'read'))).toBe('NOT_FOUND');
        expect(await codeOf(authorize(owner, { spaceId: 'nowhere' }, 'write', { audit: true }))).toBe(
          'NOT_FOUND',
        );
        expect(await codeOf(authorize(owner, { agentId: 'writer', spaceId: 'nowhere' }, 'read'))).toBe(
          'FORBIDDEN',
        );
        const pool: Caller = { surface: 'rest', keyId: 'k3', role: 'write', boundSpaceId: 'gone' };
        expect(await codeOf(authorize(pool, {}, 'read'))).toBe('NOT_FOUND');
        expect(await audit()).toEqual([]);
      });

      it('adds the spaces the acting identities may read to a read of their own scope, on request only', async () => {
        await grant(agent('helper'), onSpace('research'), 'read');
        await grant(user('alice'), onSpace('household'), 'write');
        await createSpace('elsewhere', 't2');
        await grant(agent('helper'), onSpace('elsewhere'), 'read', 't2');
        const request = { userId: 'alice', agentId: 'helper' };
        const shared = await authorize(owner, request, 'read', { includeGrantedSpaces: true });
        expect(shared.scope).toEqual({
          tenantId: 't1',
          userId: 'alice',
          agentId: 'helper',
          sharedSpaces: ['household', 'research'],
        });
        expect((await authorize(owner, request, 'read')).scope.sharedSpaces).toBeUndefined();
        expect(
          (await authorize(owner, request, 'write', { includeGrantedSpaces: true })).scope.sharedSpaces,
        ).toBeUndefined();
        const bob = await authorize(owner, { userId: 'bob' }, 'read', { includeGrantedSpaces: true });
        expect(bob.scope.sharedSpaces).toBeUndefined();
      });

      it("records an allowed write's audit row and a denied write's, each in the call itself; reads write none", async () => {
        await grant(agent('reader'), onSpace('research'), 'read');
        const request = { agentId: 'reader', spaceId: 'research' };
        await authorize(owner, request, 'read', { audit: true, operation: 'search' });
        expect(
          await codeOf(authorize(owner, { agentId: 'nobody', spaceId: 'research' }, 'read', { audit: true })),
        ).toBe('FORBIDDEN');
        expect(await audit()).toEqual([]);
        const writer: Caller = { surface: 'rest', keyId: 'k9', boundAgentId: 'writer' };
        await grant(agent('writer'), onSpace('research'), 'write');
        await authorize(writer, { spaceId: 'research' }, 'write', {
          audit: true,
          operation: 'add',
          at: T0 + 1,
        });
        await authorize(writer, { spaceId: 'research' }, 'write', {
          audit: false,
          operation: 'add',
          at: T0 + 2,
        });
        expect(
          await codeOf(authorize(owner, request, 'write', { audit: false, operation: 'add', at: T0 + 3 })),
        ).toBe('FORBIDDEN');
        const [denied, written, ...rest] = await audit();
        expect(rest).toEqual([]);
        expect(written).toMatchObject({
          tenantId: 't1',
          scope: { tenantId: 't1', spaceId: 'research' },
          principal: 'agent:writer,key:k9',
          surface: 'rest',
          action: 'write',
          operation: 'add',
          count: 1,
          at: new Date(T0 + 1).toISOString(),
        });
        expect(denied).toMatchObject({
          scope: { tenantId: 't1', spaceId: 'research' },
          principal: 'agent:reader',
          surface: 'sdk',
          action: 'denied',
          operation: 'add',
          at: new Date(T0 + 3).toISOString(),
        });
        expect(denied?.detail).toContain('agent:reader');
        await authorize(owner, { spaceId: 'research' }, 'admin', {
          audit: true,
          operation: 'grant',
          detail: 'x',
          at: T0 + 4,
        });
        expect((await audit())[0]).toMatchObject({
          action: 'admin',
          principal: 'owner',
          operation: 'grant',
          detail: 'x',
        });
      });
    });

    itKeepsTheAuditLog(() => store);
  });
}
