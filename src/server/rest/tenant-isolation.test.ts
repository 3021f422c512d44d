import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryRecord } from '../../core/records.js';
import { authHeaders, createRestFixture, type RestFixture } from '../test-support/rest-fixture.js';
import { createRestApp } from './create-rest-app.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are explored by the assertions themselves.
type LooseJson = Record<string, any>;
let fixture: RestFixture;
let app: ReturnType<typeof createRestApp>;
let acmeMemory: MemoryRecord;
let globexMemory: MemoryRecord;

async function call(method: string, path: string, key: string, body?: unknown) {
  const response = await app.request(path, {
    method,
    headers: authHeaders(key),
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as LooseJson };
}

beforeEach(async () => {
  fixture = await createRestFixture();
  app = createRestApp({ memory: fixture.memory, keys: fixture.keys });
  // Both tenants use the same user id, so only the tenant tells them apart.
  acmeMemory = (
    await call('POST', '/v1/memories', fixture.secrets.acmeWrite, {
      text: 'acme secret roadmap',
      userId: 'alice',
    })
  ).json.memories[0];
  globexMemory = (
    await call('POST', '/v1/memories', fixture.secrets.globexWrite, {
      text: 'globex secret roadmap',
      userId: 'alice',
    })
  ).json.memories[0];
});
afterEach(async () => {
  await fixture.cleanup();
});

describe('tenant isolation', () => {
  it('binds writes to the key tenant', () => {
    expect(acmeMemory.scope.tenantId).toBe('acme');
    expect(globexMemory.scope.tenantId).toBe('globex');
  });

  it('lists only the own tenant memories', async () => {
    const acme = await call('GET', '/v1/memories?userId=alice', fixture.secrets.acmeWrite);
    const globex = await call('GET', '/v1/memories?userId=alice', fixture.secrets.globexWrite);
    expect(acme.json.items.map((item: MemoryRecord) => item.id)).toEqual([acmeMemory.id]);
    expect(globex.json.items.map((item: MemoryRecord) => item.id)).toEqual([globexMemory.id]);
  });

  it.each([
    ['GET', ''],
    ['GET', '/history'],
    ['DELETE', ''],
  ])("answers 404 for another tenant's id on %s %s", async (method, suffix) => {
    const { status, json } = await call(
      method,
      `/v1/memories/${globexMemory.id}${suffix}?userId=alice`,
      fixture.secrets.acmeWrite,
    );
    expect(status).toBe(404);
    expect(json.error.code).toBe('NOT_FOUND');
  });

  it("answers 404 for a PATCH of another tenant's id and leaves it unchanged", async () => {
    const { status } = await call(
      'PATCH',
      `/v1/memories/${globexMemory.id}?userId=alice`,
      fixture.secrets.acmeWrite,
      {
        text: 'overwritten',
      },
    );
    expect(status).toBe(404);
    const still = await call(
      'GET',
      `/v1/memories/${globexMemory.id}?userId=alice`,
      fixture.secrets.globexWrite,
    );
    expect(still.json.text).toBe('globex secret roadmap');
  });

  it('never returns another tenant memory from search', async () => {
    const { json } = await call('POST', '/v1/search', fixture.secrets.acmeWrite, {
      query: 'secret roadmap globex',
      userId: 'alice',
      limit: 50,
    });
    const ids = json.results.map((result: { memory: MemoryRecord }) => result.memory.id);
    expect(ids).toContain(acmeMemory.id);
    expect(ids).not.toContain(globexMemory.id);
  });

  it('forgets a scope only inside the own tenant', async () => {
    const forgotten = await call('DELETE', '/v1/scopes?userId=alice', fixture.secrets.acmeWrite);
    expect(forgotten.json.memories).toBe(1);
    const acme = await call('GET', '/v1/memories?userId=alice', fixture.secrets.acmeWrite);
    expect(acme.json.items).toHaveLength(0);
    const globex = await call(
      'GET',
      `/v1/memories/${globexMemory.id}?userId=alice`,
      fixture.secrets.globexWrite,
    );
    expect(globex.status).toBe(200);
  });

  it('cannot reach another tenant by naming it', async () => {
    const { status } = await call(
      'GET',
      '/v1/memories?userId=alice&tenantId=globex',
      fixture.secrets.acmeWrite,
    );
    expect(status).toBe(403);
  });
});

describe('tenant isolation of the working set (core blocks, working memory, profile)', () => {
  beforeEach(async () => {
    const acme = fixture.secrets.acmeWrite;
    expect(
      (await call('PUT', '/v1/core/persona', acme, { userId: 'alice', value: 'acme persona' })).status,
    ).toBe(200);
    const working = { userId: 'alice', sessionId: 's1', value: 'acme plan' };
    expect((await call('PUT', '/v1/working/plan', acme, working)).status).toBe(200);
    expect(
      (await call('PUT', '/v1/profile/work.employer', acme, { userId: 'alice', value: 'Acme' })).status,
    ).toBe(200);
  });

  it("shows another tenant's key none of them", async () => {
    const globex = fixture.secrets.globexWrite;
    expect((await call('GET', '/v1/core?userId=alice', globex)).json.blocks).toEqual([]);
    expect((await call('GET', '/v1/core/persona?userId=alice', globex)).status).toBe(404);
    expect((await call('GET', '/v1/working?userId=alice&sessionId=s1', globex)).json.entries).toEqual([]);
    expect((await call('GET', '/v1/working/plan?userId=alice&sessionId=s1', globex)).status).toBe(404);
    expect((await call('GET', '/v1/profile?userId=alice', globex)).json.profile).toEqual({});
  });

  it('cannot change or delete them from another tenant: its writes land in its own tenant', async () => {
    const globex = fixture.secrets.globexWrite;
    expect(
      (await call('POST', '/v1/core/persona/append', globex, { userId: 'alice', text: 'x' })).status,
    ).toBe(404);
    expect((await call('DELETE', '/v1/core/persona?userId=alice', globex)).status).toBe(404);
    expect((await call('DELETE', '/v1/working/plan?userId=alice&sessionId=s1', globex)).status).toBe(404);
    expect((await call('DELETE', '/v1/working?userId=alice&sessionId=s1', globex)).json).toEqual({
      deleted: 0,
    });
    expect((await call('DELETE', '/v1/profile/work.employer?userId=alice', globex)).status).toBe(404);
    const own = await call('PUT', '/v1/core/persona', globex, { userId: 'alice', value: 'globex persona' });
    expect(own.json.scope.tenantId).toBe('globex');

    const acme = fixture.secrets.acmeWrite;
    expect((await call('GET', '/v1/core/persona?userId=alice', acme)).json.value).toBe('acme persona');
    expect((await call('GET', '/v1/working/plan?userId=alice&sessionId=s1', acme)).json.value).toBe(
      'acme plan',
    );
    expect((await call('GET', '/v1/profile?userId=alice', acme)).json.profile.work.employer.value).toBe(
      'Acme',
    );
  });

  it.each([
    ['GET', '/v1/core?userId=alice&tenantId=globex', undefined],
    ['PUT', '/v1/core/persona', { userId: 'alice', tenantId: 'globex', value: 'x' }],
    ['POST', '/v1/core/persona/append', { userId: 'alice', tenantId: 'globex', text: 'x' }],
    ['DELETE', '/v1/core/persona?userId=alice&tenantId=globex', undefined],
    ['GET', '/v1/working?userId=alice&sessionId=s1&tenantId=globex', undefined],
    ['PUT', '/v1/working/plan', { userId: 'alice', sessionId: 's1', tenantId: 'globex', value: 1 }],
    ['DELETE', '/v1/working?userId=alice&sessionId=s1&tenantId=globex', undefined],
    ['GET', '/v1/profile?userId=alice&tenantId=globex', undefined],
    ['PUT', '/v1/profile/work.employer', { userId: 'alice', tenantId: 'globex', value: 'x' }],
    ['DELETE', '/v1/profile/work.employer?userId=alice&tenantId=globex', undefined],
  ])('answers 403 to %s %s naming another tenant', async (method, path, body) => {
    const { status, json } = await call(method, path, fixture.secrets.acmeWrite, body);
    expect(status).toBe(403);
    expect(json.error.code).toBe('FORBIDDEN');
  });
});
