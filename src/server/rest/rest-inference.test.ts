// The REST inference routes: GET /v1/usage (usage per scope, bound to the key's tenant), POST /v1/flush and
// buffered adds, against real SQLite files and a mock model.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory, type Memory } from '../../sdk/create-memory.js';
import { createRoutingModel, operations } from '../../sdk/test-support/inference-fixture.js';
import { authHeaders, createRestFixture, type RestFixture } from '../test-support/rest-fixture.js';
import { createRestApp } from './create-rest-app.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are explored by the assertions themselves.
type LooseJson = Record<string, any>;
let fixture: RestFixture;
let inferring: Memory;

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
});
afterEach(async () => {
  await inferring.close();
  await fixture.cleanup();
});

async function call(memory: Memory, method: string, url: string, key: string, body?: unknown) {
  const app = createRestApp({ memory, keys: fixture.keys });
  const response = await app.request(url, {
    method,
    headers: authHeaders(key),
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as LooseJson };
}

describe('GET /v1/usage', () => {
  it('returns what the scope spent, as the sum of the usage each add returned', async () => {
    const { acmeWrite, acmeRead, globexWrite } = fixture.secrets;
    const first = await call(fixture.memory, 'POST', '/v1/memories', acmeWrite, {
      text: 'one',
      userId: 'alice',
    });
    const second = await call(fixture.memory, 'POST', '/v1/memories', acmeWrite, {
      text: 'two',
      userId: 'alice',
    });
    const usage = await call(fixture.memory, 'GET', '/v1/usage?userId=alice', acmeRead);
    expect(usage.status).toBe(200);
    expect(usage.json.scope).toEqual({ tenantId: 'acme', userId: 'alice' });
    expect(usage.json.embeddingCalls).toBe(
      first.json.usage.embeddingCalls + second.json.usage.embeddingCalls,
    );
    expect(usage.json.llmCalls).toBe(0);
    const otherTenant = await call(fixture.memory, 'GET', '/v1/usage?userId=alice', globexWrite);
    expect(otherTenant.json.embeddingCalls).toBe(0);
    const noScope = await call(fixture.memory, 'GET', '/v1/usage', acmeRead);
    expect(noScope.status).toBe(400);
    expect(noScope.json.error.code).toBe('SCOPE_REQUIRED');
  });

  it('is described in openapi.json', async () => {
    const app = createRestApp({ memory: fixture.memory, keys: fixture.keys });
    const document = (await (await app.request('/openapi.json')).json()) as LooseJson;
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/usage', '/v1/flush']));
  });
});

describe('POST /v1/flush with buffered adds', () => {
  it('queues with buffer: true, then infers the tenant’s pending messages on flush', async () => {
    const { acmeWrite, acmeRead, globexWrite } = fixture.secrets;
    const added = await call(inferring, 'POST', '/v1/memories', acmeWrite, {
      messages: [{ role: 'user', content: 'I play the cello' }],
      userId: 'alice',
      sessionId: 's1',
      buffer: true,
    });
    expect(added.status).toBe(201);
    expect(added.json.pending).toBe(1);
    expect(added.json.usage.llmCalls).toBe(0);
    await call(inferring, 'POST', '/v1/memories', globexWrite, {
      text: 'globex note',
      userId: 'zed',
      buffer: true,
    });

    expect((await call(inferring, 'POST', '/v1/flush', acmeRead, {})).status).toBe(403);
    const flushed = await call(inferring, 'POST', '/v1/flush', acmeWrite);
    expect(flushed.status).toBe(200);
    expect(flushed.json).toMatchObject({ batches: 1, pending: 0, failures: [] });
    expect(flushed.json.memories.map((record: LooseJson) => record.text)).toEqual(['Fact: I play the cello']);
    // globex's message is another tenant's: an acme key never flushes it.
    expect((await inferring.status()).inference.queue.pending).toBe(1);
  });
});
