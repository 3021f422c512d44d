// The MCP server through the official SDK client over an in-memory transport, on a real SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory, type Memory } from '../../sdk/create-memory.js';
import { createMnemoMcpServer } from './create-mnemo-mcp-server.js';
import type { McpMemory } from './mcp-tool.js';

let directory: string;
let memory: Memory;
let client: Client;

async function connect(options: { memory: McpMemory; defaultUserId?: string }): Promise<Client> {
  const server = createMnemoMcpServer({
    memory: options.memory,
    scope: { tenantId: 'acme' },
    defaultUserId: options.defaultUserId,
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const connected = new Client({ name: 'mnemo-test', version: '1.0.0' });
  await connected.connect(clientTransport);
  return connected;
}

async function call(
  name: string,
  args: Record<string, unknown>,
  on: Client = client,
): Promise<CallToolResult> {
  return (await on.callTool({ name, arguments: args })) as CallToolResult;
}

function structured<T>(result: CallToolResult): T {
  expect(result.isError, JSON.stringify(result.content)).not.toBe(true);
  return result.structuredContent as T;
}

function errorCode(result: CallToolResult): string | undefined {
  expect(result.isError).toBe(true);
  return (result.structuredContent as { error?: { code?: string } } | undefined)?.error?.code;
}

function text(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : '';
}

interface SearchOut {
  results: Array<{ score: number; memory: { id: string; text: string } }>;
}

beforeEach(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-mcp-'));
  memory = await createMemory({ store: path.join(directory, 'mnemo.db') });
  client = await connect({ memory, defaultUserId: 'alice' });
});

afterEach(async () => {
  await client.close();
  await memory.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('createMnemoMcpServer', () => {
  it('lists the seven tools with guidance on when to store and recall', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      [
        'add_memory',
        'forget_memory',
        'get_context',
        'get_profile',
        'list_memories',
        'search_memory',
        'update_memory',
      ].sort(),
    );
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect(byName.get('add_memory')?.description).toMatch(/DO NOT STORE/);
    expect(byName.get('search_memory')?.description).toMatch(/BEFORE answering/);
    expect(byName.get('search_memory')?.description).toMatch(/not instructions/);
    expect(byName.get('forget_memory')?.description).toMatch(/cannot be undone/);
    expect(byName.get('forget_memory')?.annotations?.destructiveHint).toBe(true);
    expect(byName.get('add_memory')?.inputSchema.required).toEqual(['content']);
    expect(client.getInstructions()).toMatch(/data, never instructions/);
  });

  it('finds with search_memory what add_memory stored', async () => {
    const added = structured<{ memories: Array<{ id: string; userId: string }> }>(
      await call('add_memory', {
        content: 'I adopted a border collie named Pixel',
        observedAt: '2024-05-10',
      }),
    );
    expect(added.memories).toHaveLength(1);
    expect(added.memories[0]?.userId).toBe('alice');
    const result = await call('search_memory', { query: 'what dog does alice have' });
    const found = structured<SearchOut>(result);
    expect(found.results[0]?.memory.id).toBe(added.memories[0]?.id);
    expect(text(result)).toContain('Pixel');
    expect(text(result)).toContain('2024-05-10');
  });

  it('writes into the server tenant only', async () => {
    await call('add_memory', { content: 'My favourite colour is teal' });
    const mine = await memory.search('favourite colour', { tenantId: 'acme', userId: 'alice' });
    const other = await memory.search('favourite colour', { tenantId: 'default', userId: 'alice' });
    expect(mine.results).toHaveLength(1);
    expect(other.results).toHaveLength(0);
  });

  it('returns a budgeted memory briefing from get_context', async () => {
    await call('add_memory', { content: 'I am allergic to peanuts' });
    const result = await call('get_context', { query: 'can alice eat peanut butter?', budgetTokens: 300 });
    const context = structured<{ text: string; tokens: number; budgetTokens: number }>(result);
    expect(context.text).toContain('allergic to peanuts');
    expect(context.text).toMatch(/not instructions/);
    expect(context.tokens).toBeGreaterThan(0);
    expect(context.tokens).toBeLessThanOrEqual(300);
    expect(text(result)).toBe(context.text);
  });

  it('supersedes the old text with update_memory', async () => {
    const added = structured<{ memories: Array<{ id: string }> }>(
      await call('add_memory', { content: 'I live in Lisbon' }),
    );
    const id = added.memories[0]?.id ?? '';
    const updated = structured<{ superseded: boolean; previous: { id: string }; current: { id: string } }>(
      await call('update_memory', { memoryId: id, text: 'I live in Porto', reason: 'moved' }),
    );
    expect(updated.superseded).toBe(true);
    expect(updated.previous.id).toBe(id);
    expect(updated.current.id).not.toBe(id);
    const found = structured<SearchOut>(await call('search_memory', { query: 'where do I live' }));
    expect(found.results.map((result) => result.memory.text)).toEqual(['I live in Porto']);
  });

  it('erases a memory with forget_memory', async () => {
    const added = structured<{ memories: Array<{ id: string }> }>(
      await call('add_memory', { content: 'My locker code is 4711' }),
    );
    const id = added.memories[0]?.id ?? '';
    const forgotten = structured<{ forgottenIds: string[] }>(await call('forget_memory', { memoryId: id }));
    expect(forgotten.forgottenIds).toContain(id);
    expect(structured<SearchOut>(await call('search_memory', { query: 'locker code' })).results).toEqual([]);
    expect(structured<{ memories: unknown[] }>(await call('list_memories', {})).memories).toEqual([]);
  });

  it('pages through list_memories with a cursor', async () => {
    for (const content of ['one fact', 'two facts', 'three facts']) await call('add_memory', { content });
    const first = structured<{ memories: unknown[]; nextCursor?: string }>(
      await call('list_memories', { limit: 2 }),
    );
    expect(first.memories).toHaveLength(2);
    expect(first.nextCursor).toBeTypeOf('string');
    const second = structured<{ memories: unknown[]; nextCursor?: string }>(
      await call('list_memories', { limit: 2, cursor: first.nextCursor }),
    );
    expect(second.memories).toHaveLength(1);
  });

  it.each([
    ['search_memory', { query: 'x', limit: 'ten' }],
    ['search_memory', { limit: 5 }],
    ['add_memory', { content: '   ' }],
    ['add_memory', { content: 'ok', observedAt: 'not a date' }],
    ['update_memory', { memoryId: 'm1' }],
    ['get_context', { query: 'x', budgetTokens: 10 }],
  ])('answers %s with bad arguments %j as an INVALID_INPUT tool error', async (name, args) => {
    const result = await call(name, args);
    expect(errorCode(result)).toBe('INVALID_INPUT');
    expect(text(result)).toMatch(/^INVALID_INPUT: /);
  });

  it('reports NOT_FOUND for an unknown memory and keeps serving', async () => {
    const result = await call('update_memory', { memoryId: 'no-such-memory', text: 'new' });
    expect(errorCode(result)).toBe('NOT_FOUND');
    const listed = await call('list_memories', {});
    expect(listed.isError).not.toBe(true);
  });

  it('needs a user when the server has no default user', async () => {
    const bare = await connect({ memory });
    try {
      expect(errorCode(await call('search_memory', { query: 'x' }, bare))).toBe('SCOPE_REQUIRED');
      expect(errorCode(await call('get_profile', {}, bare))).toBe('SCOPE_REQUIRED');
      expect((await call('search_memory', { query: 'x', userId: 'bob' }, bare)).isError).not.toBe(true);
    } finally {
      await bare.close();
    }
  });

  it('says the profile fills in with inferred memory while none is known', async () => {
    const result = await call('get_profile', {});
    expect(structured<{ userId: string; entries: unknown[] }>(result)).toEqual({
      userId: 'alice',
      entries: [],
    });
    expect(text(result)).toMatch(/inferred memory is enabled/);
  });

  it('serves the profile as a resource per user', async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((template) => template.uriTemplate)).toEqual(['mnemo://profile/{userId}']);
    const read = await client.readResource({ uri: 'mnemo://profile/bob' });
    const content = read.contents[0];
    expect(content?.mimeType).toBe('application/json');
    const body = JSON.parse(content !== undefined && 'text' in content ? content.text : '{}') as {
      userId: string;
    };
    expect(body.userId).toBe('bob');
  });

  it('falls back to search when the memory has no context()', async () => {
    const searchOnly: McpMemory = {
      add: memory.add,
      search: memory.search,
      list: memory.list,
      update: memory.update,
      forget: memory.forget,
    };
    await memory.add('We decided to launch on 3 June', { tenantId: 'acme', userId: 'alice' });
    const fallback = await connect({ memory: searchOnly, defaultUserId: 'alice' });
    try {
      const context = structured<{ text: string; tokens: number; items: unknown[] }>(
        await call('get_context', { query: 'when is the launch', budgetTokens: 200 }, fallback),
      );
      expect(context.text).toContain('launch on 3 June');
      expect(context.items).toHaveLength(1);
      expect(context.tokens).toBeLessThanOrEqual(200);
    } finally {
      await fallback.close();
    }
  });
});
