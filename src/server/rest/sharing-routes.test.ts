// Sharing over REST (issue 15): keys bound to a user, an agent or a space, spaces and grants, checked in the
// store for every route — on a real SQLite file and, with MNEMO_TEST_POSTGRES_URL, on PostgreSQL. Every
// refusal is a 403 FORBIDDEN that leaves the store as it was.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryRecord } from '../../core/records.js';
import { type RestBackend, restBackends } from '../test-support/rest-backends.js';
import { type LooseJson, restCaller } from '../test-support/rest-fixture.js';
import { createRestApp } from './create-rest-app.js';

describe.each(restBackends('sharing'))('sharing over REST on $name', ({ open }) => {
  let backend: RestBackend;
  let app: ReturnType<typeof createRestApp>;
  let call: ReturnType<typeof restCaller>;
  /** Keys bound to a principal, by name. */
  let bound: Record<
    'aliceRead' | 'aliceWrite' | 'writer' | 'reader' | 'outsider' | 'support' | 'research',
    string
  >;
  let alice: MemoryRecord;
  let bob: MemoryRecord;

  const key = async (
    fields: { userId?: string; agentId?: string; spaceId?: string },
    role: 'read' | 'write',
  ) => (await backend.keys.create({ tenantId: 'acme', role, ...fields })).key;

  async function addFact(secret: string, text: string, scope: LooseJson): Promise<MemoryRecord> {
    const { status, json } = await call('POST', '/v1/memories', secret, { kind: 'fact', text, ...scope });
    expect(status, JSON.stringify(json)).toBe(201);
    return json.memories[0];
  }

  /** What a refused request must leave as it was: every row count, and bob's memory as written. */
  async function snapshot(): Promise<string> {
    const stats = await backend.memory.store.stats();
    const bobNow = await backend.memory.get(bob.id, { tenantId: 'acme', userId: 'bob' });
    const spaces = await backend.memory.spaces.list({ tenantId: 'acme' });
    const grants = await backend.memory.grants.list({ tenantId: 'acme' });
    return JSON.stringify([stats.memories, stats.messages, bobNow.text, bobNow.retiredAt, spaces, grants]);
  }

  async function expectForbidden(response: Promise<{ status: number; json: LooseJson }>) {
    const { status, json } = await response;
    expect(status, JSON.stringify(json)).toBe(403);
    expect(json.error.code).toBe('FORBIDDEN');
    return json;
  }

  beforeEach(async () => {
    backend = await open();
    app = createRestApp({ memory: backend.memory, keys: backend.keys });
    call = restCaller(app);
    const admin = backend.secrets.acmeAdmin;
    alice = await addFact(backend.secrets.acmeWrite, 'Alice drinks green tea', { userId: 'alice' });
    bob = await addFact(backend.secrets.acmeWrite, 'Bob keeps bees in the garden', { userId: 'bob' });
    for (const name of ['research', 'kitchen']) {
      expect((await call('POST', '/v1/spaces', admin, { name })).status).toBe(201);
    }
    for (const [agent, role] of [
      ['writer', 'write'],
      ['reader', 'read'],
    ] as const) {
      const grant = {
        principal: { type: 'agent', id: agent },
        target: { type: 'space', id: 'research' },
        role,
      };
      expect((await call('POST', '/v1/grants', admin, grant)).status).toBe(200);
    }
    bound = {
      aliceRead: await key({ userId: 'alice' }, 'read'),
      aliceWrite: await key({ userId: 'alice' }, 'write'),
      writer: await key({ agentId: 'writer' }, 'write'),
      reader: await key({ agentId: 'reader' }, 'write'),
      outsider: await key({ agentId: 'outsider' }, 'write'),
      support: await key({ agentId: 'support' }, 'write'),
      research: await key({ spaceId: 'research' }, 'write'),
    };
  });
  afterEach(async () => {
    await backend.cleanup();
  });

  describe('a key created with --user alice --role read', () => {
    it("cannot read bob's memories: 403 on GET /v1/memories?userId=bob and on a search of bob", async () => {
      const listed = await expectForbidden(call('GET', '/v1/memories?userId=bob', bound.aliceRead));
      expect(listed.error.message).toContain('alice');
      await expectForbidden(call('POST', '/v1/search', bound.aliceRead, { query: 'bees', userId: 'bob' }));
      await expectForbidden(call('GET', `/v1/memories/${bob.id}?userId=bob`, bound.aliceRead));
    });

    it("reads alice's memories, naming her or not (the binding fills her in)", async () => {
      for (const path of ['/v1/memories?userId=alice', '/v1/memories']) {
        const { status, json } = await call('GET', path, bound.aliceRead);
        expect(status).toBe(200);
        expect(json.items.map((item: MemoryRecord) => item.id)).toEqual([alice.id]);
      }
      const found = await call('POST', '/v1/search', bound.aliceRead, { query: 'green tea bees garden' });
      expect(found.status).toBe(200);
      expect(found.json.results.map((result: LooseJson) => result.memory.id)).toEqual([alice.id]);
    });

    it('gets 403 for every write and writes nothing', async () => {
      const before = await snapshot();
      await expectForbidden(call('POST', '/v1/memories', bound.aliceRead, { text: 'x', kind: 'fact' }));
      await expectForbidden(
        call('POST', '/v1/memories', bound.aliceRead, { text: 'x', kind: 'fact', userId: 'alice' }),
      );
      await expectForbidden(call('PATCH', `/v1/memories/${alice.id}`, bound.aliceRead, { text: 'changed' }));
      await expectForbidden(call('DELETE', `/v1/memories/${alice.id}`, bound.aliceRead));
      await expectForbidden(call('DELETE', '/v1/scopes', bound.aliceRead));
      expect(await snapshot()).toBe(before);
      expect((await backend.memory.get(alice.id, { tenantId: 'acme', userId: 'alice' })).text).toBe(
        'Alice drinks green tea',
      );
    });
  });

  describe('every scoped route checks the key binding in the store', () => {
    it.each([
      ['GET', '/v1/memories?userId=bob'],
      ['GET', '/v1/memories/{bob}?userId=bob'],
      ['GET', '/v1/memories/{bob}/history?userId=bob'],
      ['GET', '/v1/usage?userId=bob'],
      ['POST', '/v1/search', { query: 'bees', userId: 'bob' }],
      ['POST', '/v1/context', { query: 'bees', userId: 'bob' }],
      ['GET', '/v1/core?userId=bob'],
      ['GET', '/v1/core/persona?userId=bob'],
      ['GET', '/v1/working?userId=bob&sessionId=s1'],
      ['GET', '/v1/working/plan?userId=bob&sessionId=s1'],
      ['GET', '/v1/profile?userId=bob'],
      ['GET', '/v1/graph/entities?userId=bob'],
      ['GET', '/v1/graph/entities/Bob?userId=bob'],
      ['GET', '/v1/graph/entities/Bob/neighbours?userId=bob'],
      ['GET', '/v1/graph/relations?userId=bob'],
      ['GET', '/v1/graph/merges?userId=bob'],
    ])('refuses %s %s of another user to a user-bound key', async (method, path, body?: LooseJson) => {
      await expectForbidden(call(method, path.replace('{bob}', bob.id), bound.aliceRead, body));
    });

    it.each([
      ['POST', '/v1/memories', { text: 'Bob hates bees', kind: 'fact', userId: 'bob' }],
      ['PATCH', '/v1/memories/{bob}?userId=bob', { text: 'Bob hates bees' }],
      ['DELETE', '/v1/memories/{bob}?userId=bob'],
      ['DELETE', '/v1/scopes?userId=bob'],
      ['POST', '/v1/memories/{bob}/unarchive?userId=bob'],
      ['POST', '/v1/memories/{bob}/unmerge?userId=bob'],
      ['POST', '/v1/flush', { userId: 'bob' }],
      ['PUT', '/v1/core/persona', { userId: 'bob', value: 'Terse.' }],
      ['POST', '/v1/core/persona/append', { userId: 'bob', text: 'More.' }],
      ['POST', '/v1/core/persona/replace', { userId: 'bob', oldText: 'a', newText: 'b' }],
      ['DELETE', '/v1/core/persona?userId=bob'],
      ['PUT', '/v1/working/plan', { userId: 'bob', sessionId: 's1', value: { step: 1 } }],
      ['DELETE', '/v1/working/plan?userId=bob&sessionId=s1'],
      ['DELETE', '/v1/working?userId=bob&sessionId=s1'],
      ['PUT', '/v1/profile/food.likes', { userId: 'bob', value: 'honey' }],
      ['DELETE', '/v1/profile/food.likes?userId=bob'],
      ['POST', '/v1/graph/merges', { userId: 'bob', keep: 'Bob', merge: 'Robert' }],
      ['DELETE', '/v1/graph/merges/m1?userId=bob'],
    ])(
      'refuses %s %s in another user to a user-bound write key, changing nothing',
      async (method, path, body?: LooseJson) => {
        const before = await snapshot();
        await expectForbidden(call(method, path.replace('{bob}', bob.id), bound.aliceWrite, body));
        expect(await snapshot()).toBe(before);
      },
    );

    it("writes in the key's own user when the request names nobody", async () => {
      const written = await addFact(bound.aliceWrite, 'Alice moved to Porto', {});
      expect(written.scope).toEqual({ tenantId: 'acme', userId: 'alice' });
      const core = await call('PUT', '/v1/core/persona', bound.aliceWrite, { value: 'Brief answers.' });
      expect(core.status).toBe(200);
      const blocks = await backend.memory.core.list({ tenantId: 'acme', userId: 'alice' });
      expect(blocks.map((block) => block.value)).toEqual(['Brief answers.']);
    });
  });

  describe('spaces and agent-bound keys', () => {
    it('lets agent writer write to the space it may write, and agent reader find it there', async () => {
      const shared = await addFact(bound.writer, 'The benchmark uses three seeds', { spaceId: 'research' });
      expect(shared.scope).toEqual({ tenantId: 'acme', spaceId: 'research' });
      const listed = await call('GET', '/v1/memories?spaceId=research', bound.reader);
      expect(listed.status).toBe(200);
      expect(listed.json.items.map((item: MemoryRecord) => item.id)).toEqual([shared.id]);
      // A search naming no scope reads the agent's own memory and the spaces it was granted.
      const found = await call('POST', '/v1/search', bound.reader, { query: 'benchmark seeds' });
      expect(found.json.results.map((result: LooseJson) => result.memory.id)).toEqual([shared.id]);
      expect(found.json.results[0].memory.scope.spaceId).toBe('research');
      const narrow = await call('POST', '/v1/search', bound.reader, {
        query: 'benchmark',
        includeSpaces: false,
      });
      expect(narrow.json.results).toEqual([]);
    });

    it('refuses agent reader a write to the space it may only read (403, nothing written)', async () => {
      const before = await snapshot();
      const json = await expectForbidden(
        call('POST', '/v1/memories', bound.reader, { text: 'x', kind: 'fact', spaceId: 'research' }),
      );
      expect(json.error.details).toMatchObject({ needed: 'write', held: 'read' });
      expect(await snapshot()).toBe(before);
    });

    it('shows agent outsider nothing of the space, and refuses it the space by name', async () => {
      await addFact(bound.writer, 'The benchmark uses three seeds', { spaceId: 'research' });
      const found = await call('POST', '/v1/search', bound.outsider, { query: 'benchmark seeds' });
      expect(found.status).toBe(200);
      expect(found.json.results).toEqual([]);
      await expectForbidden(call('GET', '/v1/memories?spaceId=research', bound.outsider));
      await expectForbidden(
        call('POST', '/v1/search', bound.outsider, { query: 'seeds', spaceId: 'research' }),
      );
    });

    it('refuses an agent-bound key that names another agent (403, nothing written)', async () => {
      const before = await snapshot();
      await expectForbidden(call('GET', '/v1/memories?agentId=writer', bound.reader));
      await expectForbidden(call('POST', '/v1/search', bound.reader, { query: 'x', agentId: 'writer' }));
      await expectForbidden(
        call('POST', '/v1/memories', bound.reader, {
          text: 'x',
          kind: 'fact',
          agentId: 'writer',
          spaceId: 'research',
        }),
      );
      await expectForbidden(
        call('POST', '/v1/memories', bound.writer, { text: 'x', kind: 'fact', agentId: 'reader' }),
      );
      expect(await snapshot()).toBe(before);
    });

    it('lets a space-bound key reach that space only', async () => {
      const written = await addFact(bound.research, 'Seeds are 1, 2 and 3', {});
      expect(written.scope).toEqual({ tenantId: 'acme', spaceId: 'research' });
      const listed = await call('GET', '/v1/memories', bound.research);
      expect(listed.json.items.map((item: MemoryRecord) => item.id)).toEqual([written.id]);
      const before = await snapshot();
      await expectForbidden(call('GET', '/v1/memories?userId=alice', bound.research));
      await expectForbidden(call('GET', '/v1/memories?spaceId=kitchen', bound.research));
      await expectForbidden(call('POST', '/v1/search', bound.research, { query: 'tea', userId: 'alice' }));
      await expectForbidden(
        call('POST', '/v1/memories', bound.research, { text: 'x', kind: 'fact', spaceId: 'kitchen' }),
      );
      await expectForbidden(
        call('POST', '/v1/memories', bound.research, { text: 'x', kind: 'fact', userId: 'bob' }),
      );
      // Forgetting the space deletes it: that takes admin, which this write key's role does not reach.
      await expectForbidden(call('DELETE', '/v1/scopes', bound.research));
      await expectForbidden(call('DELETE', '/v1/scopes?spaceId=research', bound.research));
      expect(await snapshot()).toBe(before);
      const spaces = await call('GET', '/v1/spaces', bound.research);
      expect(spaces.json.spaces.map((space: LooseJson) => space.id)).toEqual(['research']);
    });
  });

  describe("a grant of read on user alice's memory to agent support", () => {
    const grant = { principal: { type: 'agent', id: 'support' }, target: { type: 'user', id: 'alice' } };

    it('lets the support-bound key read alice but not write her, until it is revoked', async () => {
      await expectForbidden(call('GET', '/v1/memories?userId=alice', bound.support));
      const given = await call('POST', '/v1/grants', backend.secrets.acmeAdmin, { ...grant, role: 'read' });
      expect(given.status).toBe(200);
      expect(given.json).toMatchObject({ tenantId: 'acme', ...grant, role: 'read' });

      const read = await call('GET', '/v1/memories?userId=alice', bound.support);
      expect(read.status).toBe(200);
      expect(read.json.items.map((item: MemoryRecord) => item.id)).toEqual([alice.id]);
      const profile = await call('GET', '/v1/profile?userId=alice', bound.support);
      expect(profile.status).toBe(200);

      const before = await snapshot();
      const refused = await expectForbidden(
        call('POST', '/v1/memories', bound.support, {
          text: 'Alice hates tea',
          kind: 'fact',
          userId: 'alice',
        }),
      );
      expect(refused.error.details).toMatchObject({ needed: 'write', held: 'read' });
      await expectForbidden(
        call('PATCH', `/v1/memories/${alice.id}?userId=alice`, bound.support, { text: 'no' }),
      );
      await expectForbidden(call('GET', '/v1/memories?userId=bob', bound.support));
      expect(await snapshot()).toBe(before);

      const revoked = await call('POST', '/v1/grants/revoke', backend.secrets.acmeAdmin, grant);
      expect(revoked).toMatchObject({ status: 200, json: { revoked: true } });
      await expectForbidden(call('GET', '/v1/memories?userId=alice', bound.support));
      await expectForbidden(call('POST', '/v1/search', bound.support, { query: 'tea', userId: 'alice' }));
    });
  });
  it("serves /mcp as the key's binding too: a user-bound key cannot add to another user", async () => {
    const addMemory = async (secret: string, args: LooseJson) => {
      const response = await app.request('/mcp', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${secret}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'add_memory', arguments: { kind: 'fact', ...args } },
        }),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as LooseJson).result;
    };
    const before = await snapshot();
    const refused = await addMemory(bound.aliceWrite, { content: 'Bob hates bees', userId: 'bob' });
    expect(refused.isError).toBe(true);
    expect(refused.content[0].text).toContain('FORBIDDEN');
    expect(await snapshot()).toBe(before);
    const own = await addMemory(bound.aliceWrite, { content: 'Alice moved to Porto' });
    expect(own.isError).not.toBe(true);
    const texts = (await backend.memory.list({ tenantId: 'acme', userId: 'alice' })).items.map(
      (item) => item.text,
    );
    expect(texts.sort()).toEqual(['Alice drinks green tea', 'Alice moved to Porto']);
  });
});
