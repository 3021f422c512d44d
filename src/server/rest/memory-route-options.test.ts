// The SDK options the memory routes gained: `kind` on add, `knownAt` on list and search, `observedAt` on
// update, `sessionOnly` on context — each accepted, each effective, each bad value a 400.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryRecord } from '../../core/records.js';
import { createRestFixture, type RestFixture, restCaller } from '../test-support/rest-fixture.js';
import { createRestApp } from './create-rest-app.js';

let fixture: RestFixture;
let call: ReturnType<typeof restCaller>;

beforeEach(async () => {
  fixture = await createRestFixture();
  call = restCaller(createRestApp({ memory: fixture.memory, keys: fixture.keys }));
});
afterEach(async () => {
  await fixture.cleanup();
});

async function addText(key: string, userId: string, text: string): Promise<MemoryRecord> {
  const { status, json } = await call('POST', '/v1/memories', key, { text, userId });
  expect(status).toBe(201);
  return json.memories[0] as MemoryRecord;
}

describe('memory route options', () => {
  it('writes one fact directly with `kind`: no logged message, no episode', async () => {
    const { status, json } = await call('POST', '/v1/memories', fixture.secrets.acmeWrite, {
      text: 'Alice is allergic to peanuts',
      userId: 'alice',
      sessionId: 's1',
      kind: 'fact',
    });
    expect(status).toBe(201);
    expect(json.memories.map((memory: MemoryRecord) => memory.kind)).toEqual(['fact']);
    expect(json.memories[0].scope).toEqual({ tenantId: 'acme', userId: 'alice' });
    expect(json.messages).toEqual([]);
    const single = await call('POST', '/v1/memories', fixture.secrets.acmeWrite, {
      messages: [{ role: 'user', content: 'Stretch before running' }],
      userId: 'alice',
      kind: 'procedure',
    });
    expect(single.status).toBe(201);
    expect(single.json.memories[0].kind).toBe('procedure');
  });

  it('lists what was known at a record time with `knownAt`', async () => {
    const before = new Date(Date.now() - 60_000).toISOString();
    await addText(fixture.secrets.acmeWrite, 'alice', 'I live in Porto');
    const then = await call(
      'GET',
      `/v1/memories?userId=alice&knownAt=${encodeURIComponent(before)}`,
      fixture.secrets.acmeRead,
    );
    expect(then.status).toBe(200);
    expect(then.json.items).toHaveLength(0);
    const now = await call(
      'GET',
      `/v1/memories?userId=alice&knownAt=${Date.now() + 1000}`,
      fixture.secrets.acmeRead,
    );
    expect(now.json.items).toHaveLength(1);
  });

  it('keeps the said-at time of an edited memory unless `observedAt` is given', async () => {
    const { status, json } = await call('POST', '/v1/memories', fixture.secrets.acmeWrite, {
      text: 'I live in Porto',
      userId: 'alice',
      observedAt: '2024-03-01T09:00:00Z',
    });
    expect(status).toBe(201);
    const id = json.memories[0].id;
    const kept = await call('PATCH', `/v1/memories/${id}?userId=alice`, fixture.secrets.acmeWrite, {
      text: 'I live in Lisbon',
    });
    expect(kept.status).toBe(200);
    expect(kept.json.current.observedAt).toBe('2024-03-01T09:00:00.000Z');
    const moved = await call(
      'PATCH',
      `/v1/memories/${kept.json.current.id}?userId=alice`,
      fixture.secrets.acmeWrite,
      {
        text: 'I live in Faro',
        observedAt: '2024-06-05T12:00:00Z',
      },
    );
    expect(moved.status).toBe(200);
    expect(moved.json.current.observedAt).toBe('2024-06-05T12:00:00.000Z');
  });

  it('takes the record-time and score floors of search', async () => {
    await addText(fixture.secrets.acmeWrite, 'alice', 'My favourite food is grilled sardines');
    const { status, json } = await call('POST', '/v1/search', fixture.secrets.acmeRead, {
      query: 'sardines',
      userId: 'alice',
      knownAt: new Date(Date.now() - 60_000).toISOString(),
      minScore: 0,
      minSimilarity: 0.1,
    });
    expect(status).toBe(200);
    expect(json.results).toHaveLength(0);
  });

  it('keeps the context to this session with `sessionOnly`', async () => {
    await call('POST', '/v1/memories', fixture.secrets.acmeWrite, {
      text: 'I booked the ferry to Oslo',
      userId: 'alice',
      sessionId: 's1',
    });
    const request = { query: 'ferry to Oslo', userId: 'alice', sessionId: 's2', budgetTokens: 400 };
    const wide = await call('POST', '/v1/context', fixture.secrets.acmeRead, request);
    expect(wide.status).toBe(200);
    expect(wide.json.text).toContain('Oslo');
    const narrow = await call('POST', '/v1/context', fixture.secrets.acmeRead, {
      ...request,
      sessionOnly: true,
    });
    expect(narrow.status).toBe(200);
    expect(narrow.json.text).not.toContain('Oslo');
  });
});

describe('memory route options: bad input', () => {
  it.each([
    [
      '`kind` with two messages',
      { messages: [{ content: 'a' }, { content: 'b' }], userId: 'alice', kind: 'fact' },
    ],
    ['`kind` with infer', { text: 'a', userId: 'alice', kind: 'fact', infer: true }],
    ['`kind` with buffer', { text: 'a', userId: 'alice', kind: 'insight', buffer: true }],
    ['an unknown kind', { text: 'a', userId: 'alice', kind: 'profile' }],
  ])('rejects %s with 400 INVALID_INPUT and writes nothing', async (_name, body) => {
    const { status, json } = await call('POST', '/v1/memories', fixture.secrets.acmeWrite, body);
    expect(status).toBe(400);
    expect(json.error.code).toBe('INVALID_INPUT');
    expect(
      (await call('GET', '/v1/memories?userId=alice', fixture.secrets.acmeRead)).json.items,
    ).toHaveLength(0);
  });

  it('rejects an update with an unknown field or a bad observedAt', async () => {
    const memory = await addText(fixture.secrets.acmeWrite, 'alice', 'I live in Porto');
    for (const body of [{ text: 'x', colour: 'red' }, { text: 'x', observedAt: 'someday' }, {}]) {
      const { status, json } = await call(
        'PATCH',
        `/v1/memories/${memory.id}?userId=alice`,
        fixture.secrets.acmeWrite,
        body,
      );
      expect(status, JSON.stringify(body)).toBe(400);
      expect(json.error.code).toBe('INVALID_INPUT');
    }
  });

  it('rejects a context with a non-boolean sessionOnly and a list with a bad knownAt', async () => {
    const context = await call('POST', '/v1/context', fixture.secrets.acmeRead, {
      query: 'x',
      userId: 'alice',
      sessionOnly: 'yes',
    });
    expect(context.status).toBe(400);
    expect(
      (await call('GET', '/v1/memories?userId=alice&knownAt=not-a-date', fixture.secrets.acmeRead)).status,
    ).toBe(400);
  });
});
