// The REST edge as a hostile client meets it: every invalid value is a 400 that changes nothing, bodies are
// JSON only, a server without auth answers only its own loopback pages, and rate limits answer 429.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authHeaders,
  createRestFixture,
  type LooseJson,
  type RestFixture,
} from '../test-support/rest-fixture.js';
import { createRestApp } from './create-rest-app.js';

let fixture: RestFixture;
let app: ReturnType<typeof createRestApp>;

beforeEach(async () => {
  fixture = await createRestFixture();
  app = createRestApp({ memory: fixture.memory, keys: fixture.keys });
});
afterEach(async () => {
  await fixture.cleanup();
});

async function send(
  target: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  method: string,
  path: string,
  init: { headers?: Record<string, string> | undefined; body?: string | undefined } = {},
) {
  const response = await target.request(path, {
    method,
    headers: init.headers ?? {},
    body: init.body ?? null,
  });
  const json = response.headers.get('content-type')?.includes('json') ? await response.json() : {};
  return { status: response.status, headers: response.headers, json: json as LooseJson };
}

function post(path: string, body: unknown, key = fixture.secrets.acmeWrite) {
  return send(app, 'POST', path, {
    headers: authHeaders(key),
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Messages and memories in the whole store, to show a refused request wrote nothing. */
async function counts() {
  const stats = await fixture.memory.store.stats();
  return { messages: stats.messages, memories: stats.memories };
}

/** `{"a":{"a":…1…}}` as JSON text, `levels` objects deep. */
function nestedJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

describe('a refused add changes nothing', () => {
  it.each([
    ['an expiry past year 9999 (9e15)', { userId: 'p', text: 'x', expiresAt: 9e15 }],
    ['the largest JS date', { userId: 'p', text: 'see you tomorrow', expiresAt: '+275760-09-13T00:00:00Z' }],
    ['a fractional epoch', { userId: 'p', messages: [{ role: 'user', content: 'x', observedAt: 1.5 }] }],
    ['an impossible calendar date', { userId: 'p', text: 'x', observedAt: '2024-02-30' }],
    ['29 February of a common year', { userId: 'p', text: 'x', observedAt: '2023-02-29T10:00:00Z' }],
    ['a non-ISO date', { userId: 'p', text: 'x', observedAt: 'May 10 2024' }],
    ['a NUL in metadata', { userId: 'p', text: 'x', metadata: { note: 'a\u0000b' } }],
    ['a lone surrogate deep in metadata', { userId: 'p', text: 'x', metadata: { a: [{ b: 'x\uD800y' }] } }],
    ['a lone surrogate in a metadata key', { userId: 'p', text: 'x', metadata: { '\uDC00': 1 } }],
    ['a lone surrogate in the text', { userId: 'p', text: 'half an emoji \uD83D' }],
    ['a NUL in a message name', { userId: 'p', messages: [{ content: 'x', name: 'a\u0000' }] }],
    ['a lone surrogate in the user id', { userId: 'p\uD800', text: 'x' }],
    [
      'an unknown field in a message',
      { userId: 'p', messages: [{ role: 'user', content: 'x', mood: 'happy' }] },
    ],
    ['an importance above 1', { userId: 'p', text: 'x', importance: 1.5 }],
  ])('refuses %s with 400 INVALID_INPUT', async (_name, body) => {
    const before = await counts();
    const { status, json } = await post('/v1/memories', body);
    expect(status).toBe(400);
    expect(json.error.code).toBe('INVALID_INPUT');
    expect(await counts()).toEqual(before);
  });

  it('refuses 4,000 levels of metadata in an 8 KB body with 400, not a stack overflow', async () => {
    const body = `{"userId":"p","text":"x","metadata":${nestedJson(4_000)}}`;
    expect(body.length).toBeLessThan(30_000);
    const before = await counts();
    const { status, json } = await post('/v1/memories', body);
    expect(status).toBe(400);
    expect(json.error.message).toContain('nests deeper than 64 levels');
    expect(await counts()).toEqual(before);
  });

  it('refuses metadata deeper than 32 levels, even inside the body nesting limit', async () => {
    const { status, json } = await post(
      '/v1/memories',
      `{"userId":"p","text":"x","metadata":${nestedJson(40)}}`,
    );
    expect(status).toBe(400);
    expect(json.error.message).toContain('must not nest deeper than 32 levels');
  });

  it('says which date was wrong and why', async () => {
    const { json } = await post('/v1/memories', { userId: 'p', text: 'x', observedAt: '2024-02-30' });
    expect(json.error.message).toContain('2024-02 has no day 30');
  });

  it('still accepts valid dates, metadata and text at the edges of the ranges', async () => {
    const { status } = await post('/v1/memories', {
      userId: 'p',
      text: 'an emoji 😀 is a surrogate pair',
      observedAt: '2024-02-29T23:59:59.999Z',
      expiresAt: '9999-12-31T00:00:00Z',
      metadata: JSON.parse(nestedJson(31)),
    });
    expect(status).toBe(201);
  });
});

describe('every surface refuses invalid values with 400', () => {
  it.each([
    ['POST', '/v1/search', { userId: 'p', query: 'x', asOf: '+275760-09-13T00:00:00Z' }],
    ['POST', '/v1/search', { userId: 'p', query: 'null \u0000 byte' }],
    ['POST', '/v1/search', { userId: 'p', query: 'x', filters: { metadata: { '\uD800': 'x' } } }],
    ['POST', '/v1/search', { userId: 'p', query: 'x', candidates: 5_000 }],
    ['POST', '/v1/context', { userId: 'p', query: 'x\uDFFF' }],
    ['PUT', '/v1/core/persona', { userId: 'p', value: 'a\u0000' }],
    ['PUT', '/v1/working/plan', { userId: 'p', sessionId: 's', value: { a: 'x\uD800' } }],
    ['PUT', '/v1/working/plan', { userId: 'p', sessionId: 's', value: 1, expiresAt: 9e15 }],
    ['PUT', '/v1/profile/food.allergies', { userId: 'p', value: 'peanuts\u0000' }],
  ])('%s %s %j', async (method, path, body) => {
    const before = await counts();
    const { status, json } = await send(app, method, path, {
      headers: authHeaders(fixture.secrets.acmeWrite),
      body: JSON.stringify(body),
    });
    expect(status).toBe(400);
    expect(json.error.code).toBe('INVALID_INPUT');
    expect(await counts()).toEqual(before);
  });

  it('refuses a working-memory value nested past its limit without a stack overflow', async () => {
    const { status } = await send(app, 'PUT', '/v1/working/plan', {
      headers: authHeaders(fixture.secrets.acmeWrite),
      body: `{"userId":"p","sessionId":"s","value":${nestedJson(50)}}`,
    });
    expect(status).toBe(400);
  });

  it.each([
    '/v1/memories?userId=p&asOf=2024-02-30',
    '/v1/memories?userId=p&knownAt=%2B275760-09-13T00:00:00Z',
    '/v1/memories?userId=p%00',
    '/v1/profile?userId=p&asOf=99999999999999999',
  ])('GET %s', async (path) => {
    const { status, json } = await send(app, 'GET', path, { headers: authHeaders(fixture.secrets.acmeRead) });
    expect(status).toBe(400);
    expect(json.error.code).toBe('INVALID_INPUT');
  });

  it('refuses unknown fields in a PATCH body', async () => {
    const added = await post('/v1/memories', { userId: 'p', text: 'I live in Porto' });
    const id = added.json.memories[0].id as string;
    const { status } = await send(app, 'PATCH', `/v1/memories/${id}?userId=p`, {
      headers: authHeaders(fixture.secrets.acmeWrite),
      body: JSON.stringify({ text: 'I live in Lisbon', owner: 'mallory' }),
    });
    expect(status).toBe(400);
    const got = await send(app, 'GET', `/v1/memories/${id}?userId=p`, {
      headers: authHeaders(fixture.secrets.acmeRead),
    });
    expect(got.json.text).toBe('I live in Porto');
  });
});

describe("a tenantId that is not the key's", () => {
  it.each([
    ['POST', '/v1/search', { tenantId: 'globex', userId: 'p', query: 'x' }],
    ['POST', '/v1/context', { tenantId: 'globex', userId: 'p', query: 'x' }],
    ['POST', '/v1/flush', { tenantId: 'globex' }],
    ['PUT', '/v1/core/persona', { tenantId: 'globex', userId: 'p', value: 'v' }],
    ['PUT', '/v1/working/plan', { tenantId: 'globex', userId: 'p', sessionId: 's', value: 1 }],
    ['PUT', '/v1/profile/food.allergies', { tenantId: 'globex', userId: 'p', value: 'v' }],
    ['DELETE', '/v1/scopes?tenantId=globex&userId=p', undefined],
    ['GET', '/v1/usage?tenantId=globex&userId=p', undefined],
    ['GET', '/v1/profile?tenantId=globex&userId=p', undefined],
    ['GET', '/v1/working?tenantId=globex&userId=p&sessionId=s', undefined],
  ])('is refused with 403 on %s %s', async (method, path, body) => {
    const { status, json } = await send(app, method, path, {
      headers: authHeaders(fixture.secrets.acmeAdmin),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(status).toBe(403);
    expect(json.error.code).toBe('FORBIDDEN');
  });
});

describe('bodies are JSON only', () => {
  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
  ])('refuses %s with 415 and writes nothing', async (_name, type) => {
    const before = await counts();
    const { status, json } = await send(app, 'POST', '/v1/memories', {
      headers: { authorization: `Bearer ${fixture.secrets.acmeWrite}`, 'content-type': type },
      body: JSON.stringify({ userId: 'p', text: 'x' }),
    });
    expect(status).toBe(415);
    expect(json.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await counts()).toEqual(before);
  });

  it('refuses a body without a content type (a typeless Blob is a CORS simple request)', async () => {
    const response = await app.request('/v1/memories', {
      method: 'POST',
      headers: { authorization: `Bearer ${fixture.secrets.acmeWrite}` },
      body: new Blob([JSON.stringify({ userId: 'p', text: 'x' })]),
    });
    expect(response.status).toBe(415);
  });

  it('accepts JSON with a charset', async () => {
    const { status } = await send(app, 'POST', '/v1/memories', {
      headers: {
        authorization: `Bearer ${fixture.secrets.acmeWrite}`,
        'content-type': 'application/json; charset=utf-8',
      },
      body: JSON.stringify({ userId: 'p', text: 'x' }),
    });
    expect(status).toBe(201);
  });
});

describe('without auth, only this loopback server’s own pages', () => {
  let open: ReturnType<typeof createRestApp>;
  beforeEach(() => {
    open = createRestApp({ memory: fixture.memory, auth: false });
  });

  it('refuses a text/plain POST (the CSRF simple request) with 415', async () => {
    const before = await counts();
    const { status } = await send(open, 'POST', 'http://localhost:8787/v1/memories', {
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ userId: 'p', text: 'x' }),
    });
    expect(status).toBe(415);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['a foreign Host (DNS rebinding)', 'http://evil.example:8787/v1/memories?userId=p', {}],
    ['a foreign Origin', 'http://localhost:8787/v1/memories?userId=p', { origin: 'http://evil.example' }],
    ['another local port', 'http://localhost:8787/v1/memories?userId=p', { origin: 'http://localhost:3000' }],
    ['an opaque Origin', 'http://localhost:8787/v1/memories?userId=p', { origin: 'null' }],
    ['a foreign Host on the dashboard', 'http://rebound.example:8787/', {}],
  ])('refuses %s with 403', async (_name, url, headers) => {
    const { status, json } = await send(open, 'GET', url, { headers });
    expect(status).toBe(403);
    expect(json.error.code).toBe('FORBIDDEN');
  });

  it.each([
    ['localhost', 'http://localhost:8787', {}],
    ['127.0.0.1', 'http://127.0.0.1:8787', { origin: 'http://127.0.0.1:8787' }],
    ['[::1]', 'http://[::1]:8787', { origin: 'http://[::1]:8787' }],
  ])('answers requests to %s from its own pages', async (_name, base, headers) => {
    const written = await send(open, 'POST', `${base}/v1/memories`, {
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ userId: 'p', text: 'x' }),
    });
    expect(written.status).toBe(201);
    expect((await send(open, 'GET', `${base}/`, { headers })).status).toBe(200);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After past the burst, per key, and lets the key through again later', async () => {
    let now = 1_000_000;
    const limited = createRestApp({
      memory: fixture.memory,
      keys: fixture.keys,
      rateLimit: { requestsPerMinute: 60, burst: 2, now: () => now },
    });
    const get = (key: string) => send(limited, 'GET', '/v1/memories?userId=p', { headers: authHeaders(key) });
    expect((await get(fixture.secrets.acmeRead)).status).toBe(200);
    expect((await get(fixture.secrets.acmeRead)).status).toBe(200);
    const refused = await get(fixture.secrets.acmeRead);
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe('RATE_LIMITED');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await get(fixture.secrets.acmeWrite)).status).toBe(200);
    now += 1_000;
    expect((await get(fixture.secrets.acmeRead)).status).toBe(200);
  });

  it('counts /mcp calls against the same key', async () => {
    const limited = createRestApp({
      memory: fixture.memory,
      keys: fixture.keys,
      rateLimit: { requestsPerMinute: 60, burst: 1, now: () => 0 },
    });
    const headers = {
      ...authHeaders(fixture.secrets.acmeRead),
      accept: 'application/json, text/event-stream',
    };
    expect((await send(limited, 'GET', '/v1/memories?userId=p', { headers })).status).toBe(200);
    const mcp = await limited.request('/mcp', {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(mcp.status).toBe(429);
    expect(mcp.headers.get('retry-after')).toBe('1');
  });
});

describe('forgetting a scope', () => {
  it('reports the messages it erased as well as the memories', async () => {
    await post('/v1/memories', { userId: 'p', messages: [{ content: 'one' }, { content: 'two' }] });
    const { status, json } = await send(app, 'DELETE', '/v1/scopes?userId=p', {
      headers: authHeaders(fixture.secrets.acmeWrite),
    });
    expect(status).toBe(200);
    expect(json).toEqual({ memories: 2, messages: 2 });
  });
});
