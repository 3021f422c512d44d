// Shared spaces over MCP's streamable HTTP: real API keys bound to agents (and to a space) on a real SQLite
// file, `/mcp` of the REST app (as `mnemo serve` runs it, the key's Caller from `mcpTenantOf`), the SDK client
// on 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemory, type Memory } from '../../sdk/create-memory.js';
import { type ApiKeyCreateInput, type ApiKeyStore, openApiKeyStore } from '../../store/keys/api-key-store.js';
import { createRestApp } from '../rest/create-rest-app.js';
import type { SpaceView } from './space-tools.js';
import { errorCode, structured, textOf } from './test-support/mcp-test-client.js';

const tenantId = 't1';
let directory: string;
let memory: Memory;
let keys: ApiKeyStore;
let server: ReturnType<typeof serve>;
let url: URL;
const clients: Client[] = [];
const secrets: Record<string, string> = {};

async function connect(name: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { authorization: `Bearer ${secrets[name]}` } },
  });
  const client = new Client({ name: `mnemo-sharing-${name}`, version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function texts(result: CallToolResult): string[] {
  return structured<{ results: Array<{ memory: { text: string } }> }>(result).results.map(
    (hit) => hit.memory.text,
  );
}

async function spaceTexts(): Promise<string[]> {
  return (await memory.list({ tenantId, spaceId: 'research' })).items.map((item) => item.text);
}

beforeAll(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-mcp-sharing-http-'));
  const db = path.join(directory, 'mnemo.db');
  memory = await createMemory({ store: db });
  keys = await openApiKeyStore({ db });
  const bound: Record<string, ApiKeyCreateInput> = {
    writer: { tenantId, role: 'write', agentId: 'writer' },
    // A write key: the refusal to write the space must come from the grant, not from the key's role.
    reader: { tenantId, role: 'write', agentId: 'reader' },
    readerReadOnly: { tenantId, role: 'read', agentId: 'reader' },
    outsider: { tenantId, role: 'write', agentId: 'outsider' },
    researchOnly: { tenantId, role: 'read', spaceId: 'research' },
    admin: { tenantId, role: 'admin' },
  };
  for (const [name, input] of Object.entries(bound)) secrets[name] = (await keys.create(input)).key;

  await memory.spaces.create({ tenantId, name: 'research' });
  await memory.spaces.create({ tenantId, name: 'ops', description: 'Runbooks' });
  for (const [agent, role] of [
    ['writer', 'write'],
    ['reader', 'read'],
  ] as const) {
    await memory.grants.grant({
      tenantId,
      principal: { type: 'agent', id: agent },
      target: { type: 'space', id: 'research' },
      role,
    });
  }

  // What `mnemo serve` runs: the key checked at /mcp, then its tenant, role and binding on every tool call.
  const app = createRestApp({ memory, keys });
  server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
});

afterAll(async () => {
  for (const client of clients) await client.close();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  await memory.close();
  await keys.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('MCP over HTTP with keys bound to agents', () => {
  it('writer adds to the space, reader finds it and is refused writing, outsider finds nothing', async () => {
    const writer = await connect('writer');
    structured(
      await call(writer, 'add_memory', {
        content: 'The staging cluster restarts on Sundays',
        kind: 'fact',
        spaceId: 'research',
      }),
    );
    expect(await spaceTexts()).toEqual(['The staging cluster restarts on Sundays']);

    const reader = await connect('reader');
    expect(
      texts(await call(reader, 'search_memory', { query: 'staging cluster', spaceId: 'research' })),
    ).toEqual(['The staging cluster restarts on Sundays']);
    expect(texts(await call(reader, 'search_memory', { query: 'when does staging restart' }))).toEqual([
      'The staging cluster restarts on Sundays',
    ]);
    const refused = await call(reader, 'add_memory', {
      content: 'Staging restarts on Mondays now',
      kind: 'fact',
      spaceId: 'research',
    });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(textOf(refused)).toContain('holds "read" on space "research"');

    const outsider = await connect('outsider');
    expect(texts(await call(outsider, 'search_memory', { query: 'when does staging restart' }))).toEqual([]);
    expect(errorCode(await call(outsider, 'search_memory', { query: 'staging', spaceId: 'research' }))).toBe(
      'FORBIDDEN',
    );
    expect(await spaceTexts()).toEqual(['The staging cluster restarts on Sundays']);
  });

  it('refuses a tool call naming another agent than the key’s', async () => {
    const reader = await connect('reader');
    const impersonated = await call(reader, 'add_memory', {
      content: 'Pretending to be the writer',
      kind: 'fact',
      agentId: 'writer',
      spaceId: 'research',
    });
    expect(errorCode(impersonated)).toBe('FORBIDDEN');
    expect(textOf(impersonated)).toContain('cannot act as agent "writer"');
    expect(errorCode(await call(reader, 'list_memories', { agentId: 'writer' }))).toBe('FORBIDDEN');
    expect(await spaceTexts()).not.toContain('Pretending to be the writer');
    const denied = await memory.audit({ tenantId, action: 'denied' });
    expect(
      denied.items.some((entry) => entry.surface === 'mcp' && entry.principal.includes('agent:reader')),
    ).toBe(true);
  });

  it('gives a read key bound to the reader the recall tools only', async () => {
    const reader = await connect('readerReadOnly');
    expect(
      texts(await call(reader, 'search_memory', { query: 'staging cluster', spaceId: 'research' })),
    ).toEqual(['The staging cluster restarts on Sundays']);
    expect(errorCode(await call(reader, 'add_memory', { content: 'x', spaceId: 'research' }))).toBe(
      'FORBIDDEN',
    );
  });

  it('lists each key’s spaces with its role; a space-bound key reaches only its space', async () => {
    const spacesOf = async (name: string) =>
      structured<{ spaces: SpaceView[] }>(await call(await connect(name), 'list_spaces', {})).spaces.map(
        (space) => `${space.id}:${space.role}`,
      );
    expect(await spacesOf('writer')).toEqual(['research:write']);
    expect(await spacesOf('reader')).toEqual(['research:read']);
    expect(await spacesOf('readerReadOnly')).toEqual(['research:read']);
    expect(await spacesOf('outsider')).toEqual([]);
    expect(await spacesOf('researchOnly')).toEqual(['research:read']);
    expect(await spacesOf('admin')).toEqual(['ops:admin', 'research:admin']);

    const researchOnly = await connect('researchOnly');
    // Naming nothing reaches the key's space; naming a user does not.
    const listed = structured<{ memories: Array<{ text: string }> }>(
      await call(researchOnly, 'list_memories', {}),
    );
    expect(listed.memories.map((item) => item.text)).toEqual(['The staging cluster restarts on Sundays']);
    expect(errorCode(await call(researchOnly, 'list_memories', { userId: 'alice' }))).toBe('FORBIDDEN');
    expect(errorCode(await call(researchOnly, 'list_memories', { spaceId: 'ops' }))).toBe('FORBIDDEN');
  });
});
