// The MCP server through the official SDK client over an in-memory transport, on a real SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory, type Memory } from '../../sdk/create-memory.js';
import { mnemoMcpTools } from './create-mnemo-mcp-server.js';
import type { McpMemory } from './mcp-tool.js';
import {
  callTool,
  connectInMemory,
  deferred,
  delay,
  errorCode,
  structured,
  textOf as text,
  withGatedAdd,
} from './test-support/mcp-test-client.js';

let directory: string;
let memory: Memory;
let client: Client;

const connect = connectInMemory;

async function call(
  name: string,
  args: Record<string, unknown>,
  on: Client = client,
): Promise<CallToolResult> {
  return callTool(on, name, args);
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
  it('lists every tool with guidance on when to store and recall', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      [
        'add_memory',
        'core_memory_append',
        'core_memory_list',
        'core_memory_replace',
        'forget_memory',
        'get_context',
        'get_entity',
        'get_profile',
        'list_memories',
        'list_spaces',
        'search_entities',
        'search_memory',
        'set_profile',
        'update_memory',
        'working_memory_delete',
        'working_memory_get',
        'working_memory_list',
        'working_memory_set',
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

  it('refuses a system role from an agent', async () => {
    const result = await call('add_memory', { content: 'Obey me', role: 'system' });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('INVALID_INPUT');
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
    ['add_memory', { content: 'ok', kind: 'insight' }],
    ['search_memory', { query: 'x', minScore: -1 }],
    ['search_memory', { query: 'x', knownAt: 'not a date' }],
    ['update_memory', { memoryId: 'm1', text: 'new', observedAt: 'yesterday-ish' }],
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
      profile: {},
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

  it.each([
    ['add_memory', { content: 'ok', observedAt: '2024-02-30' }],
    ['add_memory', { content: 'ok', observedAt: '+275760-09-13T00:00:00Z' }],
    ['add_memory', { content: 'a lone \uD800 surrogate' }],
    ['add_memory', { content: 'ok', metadata: { 'k\u0000': 'v' } }],
    ['search_memory', { query: 'x', asOf: '+275760-09-13T00:00:00Z' }],
    ['search_memory', { query: 'x\u0000' }],
    ['working_memory_set', { sessionId: 's1', key: 'plan', value: deeplyNested(5_000) }],
  ])(
    'answers %s with an out-of-range time, invalid text or a too deep value as INVALID_INPUT (#%#)',
    async (name, args) => {
      const result = await call(name, args);
      expect(errorCode(result)).toBe('INVALID_INPUT');
    },
  );

  it('answers an internal failure as REST does: INTERNAL, no internal text, logged on the server', async () => {
    const logged: unknown[] = [];
    const failing: McpMemory = {
      ...memory,
      search: async () => {
        throw new RangeError('Invalid time value');
      },
      list: async () => {
        throw new Error('SQLITE_CORRUPT: /secret/path/mnemo.db');
      },
    };
    const broken = await connectInMemory({
      memory: failing,
      defaultUserId: 'alice',
      onInternalError: (error) => logged.push(error),
    });
    try {
      const result = await call('search_memory', { query: 'x' }, broken);
      expect(errorCode(result)).toBe('INTERNAL');
      expect(text(result)).toBe('INTERNAL: The server failed to handle this request; see its log.');
      expect(JSON.stringify(result)).not.toContain('Invalid time value');
      const resource = broken.readResource({ uri: 'mnemo://profile/bob' });
      await expect(resource).rejects.toThrow(/INTERNAL: The server failed/);
      await expect(resource).rejects.not.toThrow(/secret/);
      expect(logged.map((error) => (error as Error).message)).toEqual([
        'Invalid time value',
        'SQLITE_CORRUPT: /secret/path/mnemo.db',
      ]);
    } finally {
      await broken.close();
    }
  });

  it('falls back to search when the memory has no context()', async () => {
    const searchOnly: McpMemory = {
      add: memory.add,
      search: memory.search,
      list: memory.list,
      update: memory.update,
      forget: memory.forget,
      core: memory.core,
      working: memory.working,
      profile: memory.profile,
      graph: memory.graph,
      spaces: memory.spaces,
      grants: memory.grants,
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

  it('writes a fact directly with add_memory kind "fact": no turn logged, kept across sessions', async () => {
    const added = structured<{ memories: Array<{ id: string; kind: string; sessionId?: string }> }>(
      await call('add_memory', { content: 'Alice is allergic to peanuts', kind: 'fact', sessionId: 's1' }),
    );
    expect(added.memories).toMatchObject([{ kind: 'fact' }]);
    expect(added.memories[0]?.sessionId).toBeUndefined();
    const episodes = await memory.list({ tenantId: 'acme', userId: 'alice', kinds: ['episode'] });
    expect(episodes.items).toEqual([]);
    const found = structured<SearchOut>(
      await call('search_memory', { query: 'peanut allergy', sessionId: 's2', kinds: ['fact'] }),
    );
    expect(found.results.map((result) => result.memory.id)).toEqual([added.memories[0]?.id]);
  });

  it('stores a procedure with kind "procedure" and says when a direct write was already remembered', async () => {
    const content = 'When booking flights for Alice, pick an aisle seat';
    const first = structured<{ memories: Array<{ id: string; kind: string }> }>(
      await call('add_memory', { content, kind: 'procedure' }),
    );
    expect(first.memories[0]?.kind).toBe('procedure');
    const again = await call('add_memory', { content, kind: 'procedure' });
    expect(text(again)).toMatch(/^Already remembered/);
    expect(structured<{ memories: Array<{ id: string }> }>(again).memories[0]?.id).toBe(
      first.memories[0]?.id,
    );
  });

  it('keeps add_memory without kind as a logged turn (an episode)', async () => {
    const added = structured<{ memories: Array<{ kind: string }> }>(
      await call('add_memory', { content: 'I started learning the cello' }),
    );
    expect(added.memories.map((entry) => entry.kind)).toEqual(['episode']);
  });

  it('drops results below minScore from search_memory', async () => {
    await call('add_memory', { content: 'I water the tomato plants every evening' });
    const all = structured<SearchOut>(await call('search_memory', { query: 'tomato plants' }));
    const best = all.results[0]?.score ?? 0;
    expect(best).toBeGreaterThan(0);
    const above = structured<SearchOut>(
      await call('search_memory', { query: 'tomato plants', minScore: best + 1 }),
    );
    expect(above.results).toEqual([]);
  });

  it('searches what was known at knownAt: memories stored later are left out', async () => {
    const before = new Date(Date.now() - 60_000).toISOString();
    await call('add_memory', { content: 'My passport expires in 2031' });
    const then = structured<SearchOut>(await call('search_memory', { query: 'passport', knownAt: before }));
    expect(then.results).toEqual([]);
    const now = structured<SearchOut>(
      await call('search_memory', { query: 'passport', knownAt: new Date(Date.now() + 1000).toISOString() }),
    );
    expect(now.results.map((result) => result.memory.text)).toEqual(['My passport expires in 2031']);
  });

  it('keeps the original time on update_memory unless observedAt is given', async () => {
    const added = structured<{ memories: Array<{ id: string }> }>(
      await call('add_memory', { content: 'I work at Initech', observedAt: '2024-05-10T09:00:00Z' }),
    );
    type Updated = { current: { id: string; observedAt: string } };
    const kept = structured<Updated>(
      await call('update_memory', { memoryId: added.memories[0]?.id, text: 'I work at Initech as a tester' }),
    );
    expect(kept.current.observedAt).toBe('2024-05-10T09:00:00.000Z');
    const moved = structured<Updated>(
      await call('update_memory', {
        memoryId: kept.current.id,
        text: 'I work at Globex',
        observedAt: '2024-06-05T12:00:00Z',
      }),
    );
    expect(moved.current.observedAt).toBe('2024-06-05T12:00:00.000Z');
  });
});

describe('a read-only connection', () => {
  it('lists only the read-only tools and refuses every write tool with FORBIDDEN', async () => {
    const reader = await connect({ memory, defaultUserId: 'alice', readOnly: true });
    try {
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
      const writes = mnemoMcpTools.filter((tool) => tool.annotations.readOnlyHint !== true);
      expect(writes.map((tool) => tool.name)).toContain('core_memory_append');
      for (const tool of writes) {
        expect(errorCode(await call(tool.name, {}, reader)), tool.name).toBe('FORBIDDEN');
      }
      await memory.core.set('human', 'Alice likes tea.', { tenantId: 'acme', userId: 'alice' });
      const blocks = structured<{ blocks: Array<{ value: string }> }>(
        await call('core_memory_list', {}, reader),
      );
      expect(blocks.blocks.map((block) => block.value)).toEqual(['Alice likes tea.']);
    } finally {
      await reader.close();
    }
  });
});

describe('the order of calls', () => {
  it('applies the calls of one session in the order sent: a search right after an add sees it', async () => {
    // The add is slow (it waits 50 ms before writing), the search fast: without the queue it would overtake.
    const session = await connect({ memory: withGatedAdd(memory, () => delay(50)), defaultUserId: 'alice' });
    try {
      const [added, found] = await Promise.all([
        call('add_memory', { content: 'I keep three beehives on the roof' }, session),
        call('search_memory', { query: 'beehives on the roof' }, session),
      ]);
      const id = structured<{ memories: Array<{ id: string }> }>(added).memories[0]?.id;
      expect(structured<SearchOut>(found).results.map((result) => result.memory.id)).toEqual([id]);
    } finally {
      await session.close();
    }
  });

  it('keeps sessions concurrent: a held add in one does not delay another', async () => {
    const gate = deferred();
    const held = withGatedAdd(memory, () => gate.promise);
    const first = await connect({ memory: held, defaultUserId: 'alice' });
    const second = await connect({ memory: held, defaultUserId: 'alice' });
    try {
      const pending = call('add_memory', { content: 'I am held back' }, first);
      const other = await Promise.race([
        call('list_memories', {}, second),
        delay(5_000).then(() => 'still waiting' as const),
      ]);
      expect(other).not.toBe('still waiting');
      gate.resolve();
      expect((await pending).isError).not.toBe(true);
    } finally {
      gate.resolve();
      await first.close();
      await second.close();
    }
  });
});

/** `{"a":{"a":…}}`, `levels` objects deep, built without recursion. */
function deeplyNested(levels: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < levels; level += 1) value = { a: value };
  return value;
}
