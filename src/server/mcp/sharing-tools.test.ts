// Shared spaces over MCP: connections that act as agents (stdio's --agent binding), spaceId on the tools,
// list_spaces, and denials as FORBIDDEN tool errors, all checked by the store on a real SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory, type Memory } from '../../sdk/create-memory.js';
import { stdioCaller } from './run-mcp-stdio.js';
import type { SpaceView } from './space-tools.js';
import {
  callTool,
  connectInMemory,
  errorCode,
  structured,
  TEST_TENANT,
  textOf,
} from './test-support/mcp-test-client.js';

const tenantId = TEST_TENANT;
let directory: string;
let memory: Memory;
const clients: Client[] = [];

/** A connection acting as `agentId`, as `mnemo mcp --agent <agentId>` serves it. */
async function asAgent(agentId: string, userId?: string): Promise<Client> {
  const client = await connectInMemory({
    memory,
    defaultAgentId: agentId,
    defaultUserId: userId,
    caller: stdioCaller({ agentId, userId }),
  });
  clients.push(client);
  return client;
}

interface Found {
  results: Array<{ memory: { id: string; text: string; spaceId?: string } }>;
}

const texts = (result: CallToolResult) => structured<Found>(result).results.map((hit) => hit.memory.text);

async function spaceTexts(): Promise<string[]> {
  return (await memory.list({ tenantId, spaceId: 'research' })).items.map((item) => item.text);
}

beforeEach(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-mcp-sharing-'));
  memory = await createMemory({ store: path.join(directory, 'mnemo.db') });
  await memory.spaces.create({ tenantId, name: 'research', description: 'What the research agents found' });
  await memory.spaces.create({ tenantId, name: 'ops' });
  const grant = (agent: string, role: 'read' | 'write') =>
    memory.grants.grant({
      tenantId,
      principal: { type: 'agent', id: agent },
      target: { type: 'space', id: 'research' },
      role,
    });
  await grant('writer', 'write');
  await grant('reader', 'read');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  await memory.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('sharing over MCP', () => {
  it('writer adds to the space; reader finds it; outsider finds nothing', async () => {
    const writer = await asAgent('writer');
    const added = await callTool(writer, 'add_memory', {
      content: 'The enzyme assay works best at 37 degrees',
      kind: 'fact',
      spaceId: 'research',
    });
    const stored = structured<{ memories: Array<{ spaceId?: string; agentId?: string }> }>(added).memories;
    expect(stored).toHaveLength(1);
    expect(stored[0]?.spaceId).toBe('research');
    expect(stored[0]?.agentId).toBeUndefined();
    expect(textOf(added)).toContain('space:research');
    expect(await spaceTexts()).toEqual(['The enzyme assay works best at 37 degrees']);

    const reader = await asAgent('reader');
    // Named space, and through the grant without naming it; either way labelled with where it came from.
    expect(
      texts(await callTool(reader, 'search_memory', { query: 'enzyme assay', spaceId: 'research' })),
    ).toEqual(['The enzyme assay works best at 37 degrees']);
    const implicit = await callTool(reader, 'search_memory', { query: 'enzyme assay temperature' });
    expect(structured<Found>(implicit).results.map((hit) => hit.memory.spaceId)).toEqual(['research']);
    expect(textOf(implicit)).toContain('space:research');
    const context = structured<{ text: string; items: Array<{ from?: string }> }>(
      await callTool(reader, 'get_context', { query: 'how warm should the enzyme assay be' }),
    );
    expect(context.text).toContain('37 degrees');
    expect(context.items.map((item) => item.from)).toContain('space:research');
    const listed = structured<{ memories: Array<{ text: string }> }>(
      await callTool(reader, 'list_memories', { spaceId: 'research' }),
    );
    expect(listed.memories.map((item) => item.text)).toEqual(['The enzyme assay works best at 37 degrees']);

    const outsider = await asAgent('outsider');
    expect(texts(await callTool(outsider, 'search_memory', { query: 'enzyme assay temperature' }))).toEqual(
      [],
    );
    const context2 = structured<{ text: string }>(
      await callTool(outsider, 'get_context', { query: 'enzyme assay temperature' }),
    );
    expect(context2.text).not.toContain('37 degrees');
    expect(
      errorCode(await callTool(outsider, 'search_memory', { query: 'enzyme', spaceId: 'research' })),
    ).toBe('FORBIDDEN');
    expect(errorCode(await callTool(outsider, 'list_memories', { spaceId: 'research' }))).toBe('FORBIDDEN');
  });

  it('refuses the reader’s writes to the space as FORBIDDEN tool errors, writing nothing', async () => {
    const writer = await asAgent('writer');
    const added = structured<{ memories: Array<{ id: string }> }>(
      await callTool(writer, 'add_memory', {
        content: 'Samples are kept in freezer B',
        kind: 'fact',
        spaceId: 'research',
      }),
    );
    const id = added.memories[0]?.id ?? '';
    const reader = await asAgent('reader');
    const refused = await callTool(reader, 'add_memory', {
      content: 'Samples moved to freezer C',
      kind: 'fact',
      spaceId: 'research',
    });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(textOf(refused)).toMatch(/^FORBIDDEN: .*agent:reader holds "read" on space "research"/);
    expect(
      errorCode(
        await callTool(reader, 'update_memory', { memoryId: id, text: 'freezer C', spaceId: 'research' }),
      ),
    ).toBe('FORBIDDEN');
    expect(errorCode(await callTool(reader, 'forget_memory', { memoryId: id, spaceId: 'research' }))).toBe(
      'FORBIDDEN',
    );
    expect(await spaceTexts()).toEqual(['Samples are kept in freezer B']);

    // The writer may change what it shared.
    const updated = structured<{ current: { text: string; spaceId?: string } }>(
      await callTool(writer, 'update_memory', {
        memoryId: id,
        text: 'Samples are kept in freezer C',
        spaceId: 'research',
      }),
    );
    expect(updated.current).toMatchObject({ text: 'Samples are kept in freezer C', spaceId: 'research' });
    expect(await spaceTexts()).toEqual(['Samples are kept in freezer C']);
  });

  it('refuses a call naming another agent than the connection’s identity', async () => {
    const reader = await asAgent('reader');
    const impersonated = await callTool(reader, 'add_memory', {
      content: 'Written as the writer',
      kind: 'fact',
      agentId: 'writer',
      spaceId: 'research',
    });
    expect(errorCode(impersonated)).toBe('FORBIDDEN');
    expect(textOf(impersonated)).toContain('cannot act as agent "writer"');
    expect(
      errorCode(
        await callTool(reader, 'search_memory', {
          query: 'anything',
          agentId: 'writer',
          spaceId: 'research',
        }),
      ),
    ).toBe('FORBIDDEN');
    // Outside spaces too: the writer's own memory is not reachable by naming it.
    await memory.add('Writer private note', { tenantId, agentId: 'writer', kind: 'fact' });
    expect(errorCode(await callTool(reader, 'list_memories', { agentId: 'writer' }))).toBe('FORBIDDEN');
    expect(await spaceTexts()).toEqual([]);
    const denied = await memory.audit({ tenantId, action: 'denied' });
    expect(denied.items.length).toBeGreaterThan(0);
    expect(denied.items.every((entry) => entry.surface === 'mcp')).toBe(true);
    expect(denied.items.map((entry) => entry.principal)).toContain('agent:reader');
  });

  it('lists the spaces a connection may use with its role in each', async () => {
    const spacesOf = async (client: Client) =>
      structured<{ spaces: SpaceView[] }>(await callTool(client, 'list_spaces', {})).spaces;
    expect(await spacesOf(await asAgent('writer'))).toEqual([
      { id: 'research', name: 'research', description: 'What the research agents found', role: 'write' },
    ]);
    const reader = await asAgent('reader');
    expect(await spacesOf(reader)).toEqual([
      { id: 'research', name: 'research', description: 'What the research agents found', role: 'read' },
    ]);
    expect(textOf(await callTool(reader, 'list_spaces', {}))).toContain(
      '- research: research (read) — What the research agents found',
    );
    const outsider = await asAgent('outsider');
    expect(await spacesOf(outsider)).toEqual([]);
    expect(textOf(await callTool(outsider, 'list_spaces', {}))).toBe(
      'No shared spaces are open to this connection.',
    );
    // The store's owner (no identity) may use every space.
    const owner = await connectInMemory({ memory });
    clients.push(owner);
    expect((await spacesOf(owner)).map((space) => [space.id, space.role])).toEqual([
      ['ops', 'admin'],
      ['research', 'admin'],
    ]);
  });

  it('takes a revoked grant away on the next call', async () => {
    await memory.add('Grant-protected finding', { tenantId, spaceId: 'research', kind: 'fact' });
    const reader = await asAgent('reader');
    expect(texts(await callTool(reader, 'search_memory', { query: 'finding', spaceId: 'research' }))).toEqual(
      ['Grant-protected finding'],
    );
    await memory.grants.revoke({
      tenantId,
      principal: { type: 'agent', id: 'reader' },
      target: { type: 'space', id: 'research' },
    });
    expect(
      errorCode(await callTool(reader, 'search_memory', { query: 'finding', spaceId: 'research' })),
    ).toBe('FORBIDDEN');
    expect(texts(await callTool(reader, 'search_memory', { query: 'finding' }))).toEqual([]);
    expect(structured<{ spaces: SpaceView[] }>(await callTool(reader, 'list_spaces', {})).spaces).toEqual([]);
  });

  it('shares core blocks and profile slots in a space: read for readers, edits for writers', async () => {
    await memory.core.set('procedures', 'Label every sample.', { tenantId, spaceId: 'research', limit: 200 });
    const reader = await asAgent('reader');
    const blocks = structured<{ blocks: Array<{ label: string; value: string; spaceId?: string }> }>(
      await callTool(reader, 'core_memory_list', { spaceId: 'research' }),
    ).blocks;
    expect(blocks.map((block) => [block.label, block.value, block.spaceId])).toEqual([
      ['procedures', 'Label every sample.', 'research'],
    ]);
    expect(
      errorCode(
        await callTool(reader, 'core_memory_append', {
          label: 'procedures',
          content: 'x',
          spaceId: 'research',
        }),
      ),
    ).toBe('FORBIDDEN');
    const writer = await asAgent('writer');
    await callTool(writer, 'core_memory_append', {
      label: 'procedures',
      content: 'Log the freezer temperature.',
      spaceId: 'research',
    });
    expect((await memory.core.get('procedures', { tenantId, spaceId: 'research' })).value).toBe(
      'Label every sample.\nLog the freezer temperature.',
    );
    expect(
      errorCode(
        await callTool(reader, 'set_profile', { slot: 'lab.city', value: 'Lyon', spaceId: 'research' }),
      ),
    ).toBe('FORBIDDEN');
    structured(
      await callTool(writer, 'set_profile', { slot: 'lab.city', value: 'Lyon', spaceId: 'research' }),
    );
    const profile = structured<{
      spaceId?: string;
      profile: Record<string, Record<string, { value: string }>>;
    }>(await callTool(reader, 'get_profile', { spaceId: 'research' }));
    expect(profile.spaceId).toBe('research');
    expect(profile.profile.lab?.city?.value).toBe('Lyon');
  });

  it('finds the entities of a space’s memories with the graph tools, for its readers only', async () => {
    const writer = await asAgent('writer');
    structured(
      await callTool(writer, 'add_memory', {
        content: 'Dr. Emma Stone lives in Berlin.',
        spaceId: 'research',
      }),
    );
    const reader = await asAgent('reader');
    const found = structured<{ entities: Array<{ name: string; spaceId?: string }> }>(
      await callTool(reader, 'search_entities', { query: 'Emma', spaceId: 'research' }),
    ).entities;
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((entity) => entity.spaceId === 'research')).toBe(true);
    const name = found[0]?.name ?? '';
    const detail = structured<{ entity: { spaceId?: string } }>(
      await callTool(reader, 'get_entity', { name, spaceId: 'research' }),
    );
    expect(detail.entity.spaceId).toBe('research');
    const outsider = await asAgent('outsider');
    expect(
      errorCode(await callTool(outsider, 'search_entities', { query: 'Emma', spaceId: 'research' })),
    ).toBe('FORBIDDEN');
  });

  it('binds a stdio --user identity: its own memory, never another user’s without a grant', async () => {
    await memory.add('Bob keeps bees', { tenantId, userId: 'bob', kind: 'fact' });
    const alice = await connectInMemory({
      memory,
      defaultUserId: 'alice',
      caller: stdioCaller({ userId: 'alice' }),
    });
    clients.push(alice);
    structured(await callTool(alice, 'add_memory', { content: 'Alice grows tomatoes', kind: 'fact' }));
    expect(texts(await callTool(alice, 'search_memory', { query: 'tomatoes' }))).toEqual([
      'Alice grows tomatoes',
    ]);
    expect(errorCode(await callTool(alice, 'search_memory', { query: 'bees', userId: 'bob' }))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await callTool(alice, 'get_profile', { userId: 'bob' }))).toBe('FORBIDDEN');
    await expect(alice.readResource({ uri: 'mnemo://profile/bob' })).rejects.toThrow(/FORBIDDEN/);
    // A grant on bob's memory opens it for reading, not writing.
    await memory.grants.grant({
      tenantId,
      principal: { type: 'user', id: 'alice' },
      target: { type: 'user', id: 'bob' },
      role: 'read',
    });
    expect(texts(await callTool(alice, 'search_memory', { query: 'bees', userId: 'bob' }))).toEqual([
      'Bob keeps bees',
    ]);
    expect(
      errorCode(await callTool(alice, 'add_memory', { content: 'x', userId: 'bob', kind: 'fact' })),
    ).toBe('FORBIDDEN');
  });

  it('records the writer’s write to the space as its own: in history, and as an MCP write in the audit log', async () => {
    const writer = await asAgent('writer');
    const added = structured<{ memories: Array<{ id: string }> }>(
      await callTool(writer, 'add_memory', { content: 'Audit me', kind: 'fact', spaceId: 'research' }),
    );
    const history = await memory.history(added.memories[0]?.id ?? '', { tenantId, spaceId: 'research' });
    expect(history.map((entry) => entry.actor)).toEqual(['agent:writer']);
    const trail = await memory.audit({ tenantId, spaceId: 'research', action: 'write' });
    expect(trail.items.map((entry) => [entry.principal, entry.surface, entry.action])).toContainEqual([
      'agent:writer',
      'mcp',
      'write',
    ]);
  });
});
