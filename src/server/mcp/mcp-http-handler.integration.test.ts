// MCP over streamable HTTP: the official SDK client against the handler on a real 127.0.0.1 server, two tenants,
// and the order of one session's calls.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MnemoError } from '../../core/errors.js';
import { createMemory, type Memory } from '../../sdk/create-memory.js';
import { mnemoMcpTools } from './create-mnemo-mcp-server.js';
import {
  type CreateMcpHttpHandlerOptions,
  createMcpHttpHandler,
  type McpTenant,
} from './mcp-http-handler.js';
import { deferred, delay, withGatedAdd } from './test-support/mcp-test-client.js';

const KEYS: Record<string, string> = { 'key-acme': 'acme', 'key-globex': 'globex' };

let directory: string;
let memory: Memory;
let url: URL;
const clients: Client[] = [];
const servers: Array<ReturnType<typeof serve>> = [];

function resolveTenant(request: Request): McpTenant | string {
  const header = request.headers.get('authorization') ?? '';
  const key = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  if (key === '')
    throw new MnemoError({ code: 'UNAUTHORIZED', message: 'Send Authorization: Bearer <key>.' });
  if (key === 'key-reader') return { tenantId: 'acme', readOnly: true };
  if (key === 'key-blocked')
    throw new MnemoError({ code: 'FORBIDDEN', message: 'This key may not use MCP.' });
  const tenant = KEYS[key];
  if (tenant === undefined) throw new MnemoError({ code: 'UNAUTHORIZED', message: 'Unknown API key.' });
  return tenant;
}

/** Serves the handler on 127.0.0.1 (a free port) until the tests end; answers its /mcp URL. */
async function listen(options: Pick<CreateMcpHttpHandlerOptions, 'memory'>): Promise<URL> {
  const handler = createMcpHttpHandler({ memory: options.memory, resolveTenant });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: handler, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return new URL(`http://127.0.0.1:${port}/mcp`);
}

async function connect(key: string, at: URL = url): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(at, {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  const client = new Client({ name: 'mnemo-http-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

function sessionOf(client: Client): string | undefined {
  return (client.transport as StreamableHTTPClientTransport | undefined)?.sessionId;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function texts(result: CallToolResult): string[] {
  const found = result.structuredContent as { results?: Array<{ memory: { text: string } }> };
  return (found.results ?? []).map((entry) => entry.memory.text);
}

beforeAll(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-mcp-http-'));
  memory = await createMemory({ store: path.join(directory, 'mnemo.db') });
  url = await listen({ memory });
});

afterAll(async () => {
  for (const client of clients) await client.close();
  for (const server of servers) {
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  }
  await memory.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('createMcpHttpHandler', () => {
  it('lists the tools to an authenticated client', async () => {
    const client = await connect('key-acme');
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(mnemoMcpTools.map((tool) => tool.name));
  });

  it('stores, recalls, corrects and forgets over HTTP', async () => {
    const client = await connect('key-acme');
    const added = await call(client, 'add_memory', {
      content: 'I prefer window seats on flights',
      userId: 'u1',
    });
    const id = (added.structuredContent as { memories: Array<{ id: string }> }).memories[0]?.id ?? '';
    expect(texts(await call(client, 'search_memory', { query: 'seat preference', userId: 'u1' }))).toEqual([
      'I prefer window seats on flights',
    ]);
    const context = await call(client, 'get_context', { query: 'book a flight', userId: 'u1' });
    expect((context.structuredContent as { text: string }).text).toContain('window seats');
    const updated = await call(client, 'update_memory', {
      memoryId: id,
      text: 'I prefer aisle seats',
      userId: 'u1',
    });
    const newId = (updated.structuredContent as { current: { id: string } }).current.id;
    expect(texts(await call(client, 'search_memory', { query: 'seat preference', userId: 'u1' }))).toEqual([
      'I prefer aisle seats',
    ]);
    await call(client, 'forget_memory', { memoryId: newId, userId: 'u1' });
    expect(texts(await call(client, 'search_memory', { query: 'seat preference', userId: 'u1' }))).toEqual(
      [],
    );
  });

  it('answers bad arguments with an INVALID_INPUT tool error', async () => {
    const client = await connect('key-acme');
    const result = await call(client, 'search_memory', { query: 42, userId: 'u1' });
    expect(result.isError).toBe(true);
    expect((result.structuredContent as { error: { code: string } }).error.code).toBe('INVALID_INPUT');
  });

  it('keeps each API key inside its own tenant', async () => {
    const acme = await connect('key-acme');
    const globex = await connect('key-globex');
    await call(acme, 'add_memory', { content: 'The launch code name is Bluebird', userId: 'shared-user' });
    expect(
      texts(await call(acme, 'search_memory', { query: 'launch code name', userId: 'shared-user' })),
    ).toEqual(['The launch code name is Bluebird']);
    expect(
      texts(await call(globex, 'search_memory', { query: 'launch code name', userId: 'shared-user' })),
    ).toEqual([]);
    const listed = await call(globex, 'list_memories', { userId: 'shared-user' });
    expect((listed.structuredContent as { memories: unknown[] }).memories).toEqual([]);
  });

  it('gives a read-only key the recall tools only', async () => {
    const writer = await connect('key-acme');
    await call(writer, 'add_memory', { content: 'I run every Sunday morning', userId: 'u2' });
    const reader = await connect('key-reader');
    const names = (await reader.listTools()).tools.map((tool) => tool.name).sort();
    expect(names).toEqual([
      'core_memory_list',
      'get_context',
      'get_entity',
      'get_profile',
      'list_memories',
      'list_spaces',
      'search_entities',
      'search_memory',
      'working_memory_get',
      'working_memory_list',
    ]);
    expect(texts(await call(reader, 'search_memory', { query: 'running', userId: 'u2' }))).toEqual([
      'I run every Sunday morning',
    ]);
    for (const [name, args] of [
      ['add_memory', { content: 'sneaky write' }],
      ['core_memory_append', { label: 'human', content: 'sneaky' }],
      ['working_memory_set', { key: 'k', value: 1, sessionId: 's1' }],
      ['set_profile', { slot: 'food.likes', value: 'sneaky' }],
    ] as const) {
      const refused = await call(reader, name, { ...args, userId: 'u2' });
      expect(refused.isError, name).toBe(true);
      expect((refused.structuredContent as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    }
    const listed = await call(writer, 'list_memories', { userId: 'u2' });
    expect((listed.structuredContent as { memories: unknown[] }).memories).toHaveLength(1);
  });

  it.each([
    [undefined, 401, 'UNAUTHORIZED'],
    ['key-wrong', 401, 'UNAUTHORIZED'],
    ['key-blocked', 403, 'FORBIDDEN'],
  ])('rejects key %s with %i before any MCP work', async (key, status, code) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    const body = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it('refuses to connect the SDK client without a key', async () => {
    const client = new Client({ name: 'anonymous', version: '1.0.0' });
    await expect(client.connect(new StreamableHTTPClientTransport(url))).rejects.toThrow(/401|UNAUTHORIZED/);
  });

  it('answers GET with 405, as a stateless endpoint', async () => {
    const response = await fetch(url, {
      headers: { authorization: 'Bearer key-acme', accept: 'text/event-stream' },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    await response.body?.cancel();
  });

  it('opens a session on initialize: its answer carries an Mcp-Session-Id, one per client', async () => {
    const first = await connect('key-acme');
    const second = await connect('key-acme');
    expect(sessionOf(first)).toMatch(/^[0-9a-f-]{36}$/);
    expect(sessionOf(second)).toMatch(/^[0-9a-f-]{36}$/);
    expect(sessionOf(first)).not.toBe(sessionOf(second));
  });

  it('applies the calls of one session in the order sent: a search right after an add sees it', async () => {
    // The add waits 50 ms before writing and the search is fast: without the session's queue it would overtake.
    const slow = await listen({ memory: withGatedAdd(memory, () => delay(50)) });
    const client = await connect('key-acme', slow);
    await client.listTools();
    const [added, found] = await Promise.all([
      call(client, 'add_memory', { content: 'The spare key is under the blue flowerpot', userId: 'u3' }),
      call(client, 'search_memory', { query: 'where is the spare key', userId: 'u3' }),
    ]);
    expect(added.isError).not.toBe(true);
    expect(texts(found)).toEqual(['The spare key is under the blue flowerpot']);
  });

  it('keeps sessions concurrent: a held add in one does not delay another', async () => {
    const gate = deferred();
    const held = await listen({ memory: withGatedAdd(memory, () => gate.promise) });
    const first = await connect('key-acme', held);
    const second = await connect('key-acme', held);
    try {
      const pending = call(first, 'add_memory', { content: 'I wait for the gate', userId: 'u4' });
      const other = await Promise.race([
        call(second, 'list_memories', { userId: 'u4' }),
        delay(5_000).then(() => 'still waiting' as const),
      ]);
      expect(other).not.toBe('still waiting');
      gate.resolve();
      expect((await pending).isError).not.toBe(true);
    } finally {
      gate.resolve();
    }
  });
});
