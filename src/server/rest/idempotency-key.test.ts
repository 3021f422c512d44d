// POST /v1/memories with an Idempotency-Key header: a retry stores nothing and answers the first result;
// the same key with another body is a 409; keys belong to the key's tenant.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authHeaders,
  createRestFixture,
  type LooseJson,
  type RestFixture,
} from '../test-support/rest-fixture.js';
import { createRestApp } from './create-rest-app.js';

let fixture: RestFixture;
beforeEach(async () => {
  fixture = await createRestFixture();
});
afterEach(async () => {
  await fixture.cleanup();
});

async function post(secret: string, body: unknown, idempotencyKey?: string) {
  const app = createRestApp({ memory: fixture.memory, keys: fixture.keys });
  const response = await app.request('/v1/memories', {
    method: 'POST',
    headers: {
      ...authHeaders(secret),
      ...(idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey }),
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    replayed: response.headers.get('Idempotent-Replayed'),
    json: (await response.json()) as LooseJson,
  };
}

async function messageCount(tenantId: string): Promise<number> {
  return (await fixture.memory.store.stats({ scope: { tenantId, userId: 'alice' } })).messages;
}

describe('POST /v1/memories with Idempotency-Key', () => {
  it('stores once when the same request is sent twice with the same key', async () => {
    const { acmeWrite } = fixture.secrets;
    const first = await post(acmeWrite, { text: 'I moved to Lisbon', userId: 'alice' }, 'req-1');
    const second = await post(acmeWrite, { text: 'I moved to Lisbon', userId: 'alice' }, 'req-1');
    expect([first.status, second.status]).toEqual([201, 201]);
    expect([first.replayed, second.replayed]).toEqual([null, 'true']);
    expect(second.json.memories.map((memory: LooseJson) => memory.id)).toEqual(
      first.json.memories.map((memory: LooseJson) => memory.id),
    );
    expect(await messageCount('acme')).toBe(1);
    await post(acmeWrite, { text: 'I moved to Lisbon', userId: 'alice' });
    expect(await messageCount('acme')).toBe(2);
  });

  it('answers 409 for the same key with another body, and 400 for a malformed key', async () => {
    const { acmeWrite } = fixture.secrets;
    await post(acmeWrite, { text: 'one', userId: 'alice' }, 'req-2');
    const reused = await post(acmeWrite, { text: 'two', userId: 'alice' }, 'req-2');
    expect(reused.status).toBe(409);
    expect(reused.json.error.code).toBe('CONFLICT');
    const malformed = await post(acmeWrite, { text: 'three', userId: 'alice' }, 'x'.repeat(300));
    expect(malformed.status).toBe(400);
    expect(await messageCount('acme')).toBe(1);
  });

  it("keeps keys per tenant: another tenant's request with the same key is stored", async () => {
    const { acmeWrite, globexWrite } = fixture.secrets;
    await post(acmeWrite, { text: 'same words', userId: 'alice' }, 'req-3');
    const other = await post(globexWrite, { text: 'same words', userId: 'alice' }, 'req-3');
    expect([other.status, other.replayed]).toEqual([201, null]);
    expect(await messageCount('globex')).toBe(1);
  });
});
