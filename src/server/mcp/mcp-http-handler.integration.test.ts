// MCP over streamable HTTP: the official SDK client against the handler on a real 127.0.0.1 server, two tenants.
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
import { createMcpHttpHandler, type McpTenant } from './mcp-http-handler.js';

const KEYS: Record<string, string> = { 'key-acme': 'acme', 'key-globex': 'globex' };

let directory: string;
let memory: Memory;
let server: ReturnType<typeof serve>;
let url: URL;
const clients: Client[] = [];

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

async function connect(key: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  const client = new Client({ name: 'mnemo-http-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
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
  const handler = createMcpHttpHandler({ memory, resolveTenant });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: handler, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  url = new URL(`http://127.0.0.1:${port}/mcp`);
});

afterAll(async () => {
  for (const client of clients) await client.close();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  await memory.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('createMcpHttpHandler', () => {
  it('lists the tools to an authenticated client', async () => {
    const client = await connect('key-acme');
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('get_context');
    expect(tools).toHaveLength(7);
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
    expect(names).toEqual(['get_context', 'get_profile', 'list_memories', 'search_memory']);
    expect(texts(await call(reader, 'search_memory', { query: 'running', userId: 'u2' }))).toEqual([
      'I run every Sunday morning',
    ]);
    const refused = await call(reader, 'add_memory', { content: 'sneaky write', userId: 'u2' });
    expect(refused.isError).toBe(true);
    expect((refused.structuredContent as { error: { code: string } }).error.code).toBe('FORBIDDEN');
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
});
