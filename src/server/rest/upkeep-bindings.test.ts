// Tenant-wide upkeep and bound keys (issue 15): POST /v1/maintain and /v1/purge need an admin key bound to
// nothing; POST /v1/flush with a key bound to a user flushes that user only, and keys bound to an agent or a
// space cannot flush — on real SQLite files and, with MNEMO_TEST_POSTGRES_URL, on PostgreSQL.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory, type Memory } from '../../sdk/create-memory.js';
import { createRoutingModel, operations } from '../../sdk/test-support/inference-fixture.js';
import { type RestBackend, restBackends } from '../test-support/rest-backends.js';
import {
  createRestFixture,
  type LooseJson,
  type RestFixture,
  restCaller,
} from '../test-support/rest-fixture.js';
import { createRestApp } from './create-rest-app.js';

describe.each(restBackends('upkeep_bindings'))('tenant-wide upkeep with bound keys on $name', ({ open }) => {
  let backend: RestBackend;
  let call: ReturnType<typeof restCaller>;

  beforeEach(async () => {
    backend = await open();
    call = restCaller(createRestApp({ memory: backend.memory, keys: backend.keys }));
    const past = new Date(Date.now() - 60_000).toISOString();
    await backend.memory.spaces.create({ tenantId: 'acme', name: 'research' });
    for (const scope of [{ userId: 'alice' }, { userId: 'bob' }, { spaceId: 'research' }]) {
      const { status } = await call('POST', '/v1/memories', backend.secrets.acmeWrite, {
        kind: 'fact',
        text: `The gate code of ${Object.values(scope)[0]} is 4417`,
        ...scope,
        expiresAt: past,
      });
      expect(status).toBe(201);
    }
  });
  afterEach(async () => {
    await backend.cleanup();
  });

  it.each([
    ['a user', { userId: 'alice' }],
    ['an agent', { agentId: 'lead' }],
    ['a space', { spaceId: 'research' }],
  ])(
    'refuses maintain and purge to an admin key bound to %s (403, nothing erased)',
    async (_what, binding) => {
      const secret = (await backend.keys.create({ tenantId: 'acme', role: 'admin', ...binding })).key;
      for (const route of ['/v1/maintain', '/v1/purge']) {
        for (const body of [{}, { userId: 'alice' }]) {
          const { status, json } = await call('POST', route, secret, body);
          expect([status, json.error.code], `${route} ${JSON.stringify(body)}`).toEqual([403, 'FORBIDDEN']);
        }
      }
      expect((await backend.memory.store.stats()).memories).toBe(3);
    },
  );

  it('lets an unbound admin key maintain one space, purge another scope, then the tenant', async () => {
    const space = await call('POST', '/v1/maintain', backend.secrets.acmeAdmin, {
      spaceId: 'research',
      maxLlmCalls: 0,
    });
    expect([space.status, space.json.purged]).toEqual([200, 1]);
    expect((await backend.memory.store.stats()).memories).toBe(2);
    const alice = await call('POST', '/v1/purge', backend.secrets.acmeAdmin, { userId: 'alice' });
    expect([alice.status, alice.json]).toEqual([200, { purged: 1 }]);
    const { status, json } = await call('POST', '/v1/purge', backend.secrets.acmeAdmin, {});
    expect([status, json]).toEqual([200, { purged: 1 }]);
    expect((await backend.memory.store.stats()).memories).toBe(0);
  });
});

describe('POST /v1/flush with bound keys', () => {
  let fixture: RestFixture;
  let inferring: Memory;
  let call: ReturnType<typeof restCaller>;
  const key = async (fields: { userId?: string; agentId?: string; spaceId?: string }) =>
    (await fixture.keys.create({ tenantId: 'acme', role: 'write', ...fields })).key;
  const pending = async () => (await inferring.status()).inference.queue.pending;

  beforeEach(async () => {
    fixture = await createRestFixture();
    inferring = await createMemory({
      store: path.join(fixture.dir, 'inferring.db'),
      llm: createRoutingModel({
        extract: (turns) =>
          operations([{ op: 'ADD', kind: 'fact', text: `Fact: ${turns.join(' ')}`, sourceTurns: [0] }]),
      }),
      summaries: false,
      buffer: { minBatch: 10 },
    });
    call = restCaller(createRestApp({ memory: inferring, keys: fixture.keys }));
    await inferring.spaces.create({ tenantId: 'acme', name: 'research' });
    for (const [scope, content] of [
      [{ userId: 'alice', sessionId: 's1' }, 'I play the cello'],
      [{ userId: 'bob', sessionId: 's1' }, 'I keep bees'],
      [{ spaceId: 'research' }, 'The cache cut latency'],
    ] as const) {
      const added = await call('POST', '/v1/memories', fixture.secrets.acmeWrite, {
        messages: [{ role: 'user', content }],
        ...scope,
        buffer: true,
      });
      expect(added.status).toBe(201);
    }
  });
  afterEach(async () => {
    await inferring.close();
    await fixture.cleanup();
  });

  it("flushes only the bound user's messages for a key bound to a user", async () => {
    const flushed = await call('POST', '/v1/flush', await key({ userId: 'alice' }), {});
    expect(flushed.status).toBe(200);
    expect(flushed.json.memories.map((record: LooseJson) => [record.text, record.scope])).toEqual([
      ['Fact: I play the cello', { tenantId: 'acme', userId: 'alice' }],
    ]);
    expect(await pending()).toBe(2);
  });

  it.each([
    ['a key bound to the space', 'bound', {}],
    ['a key bound to nothing naming the space', 'unbound', { spaceId: 'research' }],
  ])("flushes only the space's messages for %s", async (_what, which, body) => {
    const secret = which === 'bound' ? await key({ spaceId: 'research' }) : fixture.secrets.acmeWrite;
    const flushed = await call('POST', '/v1/flush', secret, body);
    expect(flushed.status).toBe(200);
    expect(flushed.json.memories.map((record: LooseJson) => [record.text, record.scope])).toEqual([
      ['Fact: The cache cut latency', { tenantId: 'acme', spaceId: 'research' }],
    ]);
    expect(await pending()).toBe(2);
  });

  it.each([
    ['an agent', { agentId: 'support' }, {}],
    ['a space, naming a user', { spaceId: 'research' }, { userId: 'alice' }],
    ['a user, naming another user', { userId: 'alice' }, { userId: 'bob' }],
    ['a user, naming a space', { userId: 'alice' }, { spaceId: 'research' }],
    ['a user and agent, naming another agent', { userId: 'alice', agentId: 'a1' }, { agentId: 'a2' }],
  ])('refuses a key bound to %s with 403 and flushes nothing', async (_what, binding, body) => {
    const { status, json } = await call('POST', '/v1/flush', await key(binding), body);
    expect([status, json.error.code]).toEqual([403, 'FORBIDDEN']);
    expect(await pending()).toBe(3);
  });

  it('lets a key bound to nothing flush the whole tenant', async () => {
    const flushed = await call('POST', '/v1/flush', fixture.secrets.acmeWrite, {});
    expect(flushed.status).toBe(200);
    expect(flushed.json.memories).toHaveLength(3);
    expect(await pending()).toBe(0);
  });
});
