import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Memory } from '../sdk/create-memory.js';
import { isLoopbackHost, type RunningServer, startServer } from './serve.js';
import { authHeaders, createRestFixture, type RestFixture } from './test-support/rest-fixture.js';

let fixture: RestFixture;
let server: RunningServer | undefined;

beforeEach(async () => {
  fixture = await createRestFixture();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await fixture.cleanup();
});

describe('startServer', () => {
  it('serves the REST API on 127.0.0.1 over real HTTP', async () => {
    server = await startServer({ memory: fixture.memory, keys: fixture.keys, port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const added = await fetch(`${server.url}/v1/memories`, {
      method: 'POST',
      headers: authHeaders(fixture.secrets.acmeWrite),
      body: JSON.stringify({ text: 'I keep bees on the roof', userId: 'alice' }),
    });
    expect(added.status).toBe(201);
    const search = await fetch(`${server.url}/v1/search`, {
      method: 'POST',
      headers: authHeaders(fixture.secrets.acmeRead),
      body: JSON.stringify({ query: 'bees', userId: 'alice' }),
    });
    const body = (await search.json()) as { results: { memory: { text: string } }[] };
    expect(body.results[0]?.memory.text).toBe('I keep bees on the roof');
    const unauthorised = await fetch(`${server.url}/v1/memories?userId=alice`);
    expect(unauthorised.status).toBe(401);
  });

  it('answers 413 over HTTP for a body over the limit', async () => {
    server = await startServer({ memory: fixture.memory, keys: fixture.keys, port: 0, bodyLimitBytes: 1024 });
    const response = await fetch(`${server.url}/v1/memories`, {
      method: 'POST',
      headers: authHeaders(fixture.secrets.acmeWrite),
      body: JSON.stringify({ text: 'y'.repeat(4096), userId: 'alice' }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 413 for a chunked body (no content-length) over the limit, and stores nothing', async () => {
    server = await startServer({ memory: fixture.memory, keys: fixture.keys, port: 0, bodyLimitBytes: 1024 });
    const payload = new TextEncoder().encode(JSON.stringify({ text: 'z'.repeat(8192), userId: 'alice' }));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < payload.length; offset += 512)
          controller.enqueue(payload.slice(offset, offset + 512));
        controller.close();
      },
    });
    const response = await fetch(`${server.url}/v1/memories`, {
      method: 'POST',
      headers: authHeaders(fixture.secrets.acmeWrite),
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect((await fixture.memory.list({ tenantId: 'acme', userId: 'alice' })).items).toHaveLength(0);
  });

  it('refuses to serve without auth on a non-loopback host', async () => {
    await expect(
      startServer({ memory: fixture.memory, auth: false, host: '0.0.0.0', port: 0 }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('serves without auth on loopback, binding nothing to a key', async () => {
    server = await startServer({ memory: fixture.memory, auth: false, port: 0 });
    const response = await fetch(`${server.url}/v1/memories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'open house', userId: 'alice', tenantId: 'lab' }),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { memories: { scope: { tenantId: string } }[] };
    expect(body.memories[0]?.scope.tenantId).toBe('lab');
  });

  it('without auth, refuses a text/plain POST (415), a rebound Host and a foreign Origin (403) over real HTTP', async () => {
    server = await startServer({ memory: fixture.memory, auth: false, port: 0 });
    const csrf = await fetch(`${server.url}/v1/memories`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ text: 'planted by a web page', userId: 'alice' }),
    });
    expect(csrf.status).toBe(415);
    const foreign = await fetch(`${server.url}/v1/memories?userId=alice`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(await requestWithHost(server.url, 'evil.example')).toBe(403);
    expect(await requestWithHost(server.url, `localhost:${new URL(server.url).port}`)).toBe(200);
    expect((await fixture.memory.list({ tenantId: 'default', userId: 'alice' })).items).toHaveLength(0);
  });

  it('answers 429 with Retry-After once a key has used its rate limit', async () => {
    server = await startServer({
      memory: fixture.memory,
      keys: fixture.keys,
      port: 0,
      rateLimit: { requestsPerMinute: 1, burst: 3 },
    });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await fetch(`${server.url}/v1/memories?userId=alice`, {
        headers: authHeaders(fixture.secrets.acmeRead),
      });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('finishes an in-flight add before closing', async () => {
    // Slow the write down so close() surely starts while it is in flight.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const slowMemory: Memory = {
      ...fixture.memory,
      async add(content, options) {
        entered();
        await gate;
        return fixture.memory.add(content, options);
      },
    };
    server = await startServer({ memory: slowMemory, keys: fixture.keys, port: 0 });
    const request = fetch(`${server.url}/v1/memories`, {
      method: 'POST',
      headers: authHeaders(fixture.secrets.acmeWrite),
      body: JSON.stringify({ text: 'written during shutdown', userId: 'alice' }),
    });
    await started;
    const closing = server.close();
    let closed = false;
    void closing.then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    release();
    const response = await request;
    expect(response.status).toBe(201);
    await closing;
    const page = await fixture.memory.list({ tenantId: 'acme', userId: 'alice' });
    expect(page.items.map((item) => item.text)).toEqual(['written during shutdown']);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['[::1]', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['192.168.1.10', false],
    ['::', false],
    ['example.com', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

/** The status of `GET /healthz` sent with a chosen `Host` header (fetch does not let one set it). */
function requestWithHost(url: string, host: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path: '/healthz', headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end();
  });
}
