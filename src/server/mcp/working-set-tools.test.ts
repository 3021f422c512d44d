// The working-set tools (core memory, working memory, profile slots) through the SDK client, on real SQLite.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory, type Memory } from '../../sdk/create-memory.js';
import {
  callTool,
  connectInMemory,
  errorCode,
  structured,
  TEST_TENANT,
  textOf,
} from './test-support/mcp-test-client.js';
import type { CoreBlockView, WorkingEntryView } from './working-set-tools.js';

let directory: string;
let memory: Memory;
let client: Client;
const alice = { tenantId: TEST_TENANT, userId: 'alice' };

const call = (name: string, args: Record<string, unknown>): Promise<CallToolResult> =>
  callTool(client, name, args);

const blockOf = (result: CallToolResult) => structured<{ block: CoreBlockView }>(result).block;
const entryOf = (result: CallToolResult) => structured<{ entry: WorkingEntryView }>(result).entry;

beforeEach(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-mcp-working-set-'));
  memory = await createMemory({ store: path.join(directory, 'mnemo.db') });
  client = await connectInMemory({ memory, defaultUserId: 'alice' });
});

afterEach(async () => {
  await client.close();
  await memory.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('core memory tools', () => {
  it('shows the blocks with core_memory_list, with their limits', async () => {
    expect(textOf(await call('core_memory_list', {}))).toBe('No core memory blocks in this scope.');
    await memory.core.set('human', 'Name: Alice.', { ...alice, limit: 200, description: 'About the user' });
    const result = await call('core_memory_list', {});
    expect(structured<{ blocks: CoreBlockView[] }>(result).blocks).toMatchObject([
      { label: 'human', value: 'Name: Alice.', characters: 12, limit: 200, readOnly: false, userId: 'alice' },
    ]);
    expect(textOf(result)).toContain(
      '<block label="human" characters="12/200" description="About the user">',
    );
  });

  it('appends on a new line with core_memory_append, as the SDK then reads it', async () => {
    await memory.core.set('human', 'Name: Alice.', alice);
    const block = blockOf(
      await call('core_memory_append', { label: 'human', content: 'Allergic to peanuts 🥜' }),
    );
    expect(block.value).toBe('Name: Alice.\nAllergic to peanuts 🥜');
    expect((await memory.core.get('human', alice)).value).toBe(block.value);
  });

  it('replaces every occurrence with core_memory_replace, and deletes with an empty new_content', async () => {
    await memory.core.set('human', 'Lives in Lisbon. Works in Lisbon.', alice);
    const replaced = blockOf(
      await call('core_memory_replace', { label: 'human', old_content: 'Lisbon', new_content: 'Porto' }),
    );
    expect(replaced.value).toBe('Lives in Porto. Works in Porto.');
    const deleted = blockOf(
      await call('core_memory_replace', { label: 'human', old_content: ' Works in Porto.', new_content: '' }),
    );
    expect(deleted.value).toBe('Lives in Porto.');
  });

  it('reaches the agent’s own blocks with agentId', async () => {
    await memory.core.set('persona', 'I am Cook, a kitchen helper.', {
      tenantId: TEST_TENANT,
      agentId: 'cook',
    });
    const block = blockOf(
      await call('core_memory_append', { label: 'persona', content: 'I answer briefly.', agentId: 'cook' }),
    );
    expect(block).toMatchObject({
      agentId: 'cook',
      value: 'I am Cook, a kitchen helper.\nI answer briefly.',
    });
  });

  it('refuses an append past the block’s limit with INVALID_INPUT and leaves the block as it was', async () => {
    await memory.core.set('human', 'Name: Alice.', { ...alice, limit: 20 });
    const result = await call('core_memory_append', {
      label: 'human',
      content: 'Loves long walks on the beach.',
    });
    expect(errorCode(result)).toBe('INVALID_INPUT');
    expect(textOf(result)).toMatch(/at most 20 characters/);
    expect((await memory.core.get('human', alice)).value).toBe('Name: Alice.');
  });

  it.each([
    ['core_memory_append', { label: 'persona', content: 'I may swear.' }],
    ['core_memory_replace', { label: 'persona', old_content: 'polite', new_content: 'rude' }],
  ])('refuses %s on a read-only block with FORBIDDEN', async (name, args) => {
    await memory.core.set('persona', 'I am polite.', { ...alice, readOnly: true });
    expect(errorCode(await call(name, args))).toBe('FORBIDDEN');
    expect((await memory.core.get('persona', alice)).value).toBe('I am polite.');
  });

  it.each([
    ['core_memory_append', { label: 'nonexistent', content: 'x' }],
    ['core_memory_replace', { label: 'nonexistent', old_content: 'x', new_content: 'y' }],
  ])('answers %s on an unknown label with NOT_FOUND', async (name, args) => {
    expect(errorCode(await call(name, args))).toBe('NOT_FOUND');
  });

  it('answers INVALID_INPUT when old_content is not in the block', async () => {
    await memory.core.set('human', 'Name: Alice.', alice);
    const result = await call('core_memory_replace', {
      label: 'human',
      old_content: 'Bob',
      new_content: 'Eve',
    });
    expect(errorCode(result)).toBe('INVALID_INPUT');
    expect(textOf(result)).toMatch(/does not contain the text to replace/);
  });
});

describe('working memory tools', () => {
  const session = { sessionId: 's1' };

  it('sets, gets, lists and deletes entries of one session, values as any JSON', async () => {
    const plan = { steps: ['find flights', 'book hotel'], done: 0 };
    const set = entryOf(await call('working_memory_set', { key: 'plan', value: plan, ...session }));
    expect(set).toMatchObject({ key: 'plan', value: plan, sessionId: 's1', userId: 'alice' });
    await call('working_memory_set', { key: 'budget', value: 1200, ...session });
    expect(entryOf(await call('working_memory_get', { key: 'plan', ...session })).value).toEqual(plan);
    const listed = await call('working_memory_list', session);
    expect(structured<{ entries: WorkingEntryView[] }>(listed).entries.map((entry) => entry.key)).toEqual([
      'budget',
      'plan',
    ]);
    expect(textOf(listed)).toContain('- budget = 1200');
    expect(
      structured<{ deleted: boolean }>(await call('working_memory_delete', { key: 'plan', ...session })),
    ).toEqual({ key: 'plan', deleted: true });
    expect(
      structured<{ deleted: boolean }>(await call('working_memory_delete', { key: 'plan', ...session })),
    ).toEqual({ key: 'plan', deleted: false });
    expect((await memory.working.list({ ...alice, ...session })).map((entry) => entry.key)).toEqual([
      'budget',
    ]);
  });

  it('gives an entry an expiry with ttlSeconds', async () => {
    const before = Date.now();
    const entry = entryOf(
      await call('working_memory_set', { key: 'otp', value: '1234', ttlSeconds: 60, ...session }),
    );
    const expiresAt = Date.parse(entry.expiresAt ?? '');
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('keeps each session’s entries to itself', async () => {
    await call('working_memory_set', { key: 'plan', value: 'mine', ...session });
    expect(errorCode(await call('working_memory_get', { key: 'plan', sessionId: 's2' }))).toBe('NOT_FOUND');
    expect(
      structured<{ entries: unknown[] }>(await call('working_memory_list', { sessionId: 's2' })).entries,
    ).toEqual([]);
  });

  it.each([
    ['working_memory_set', { key: 'plan', value: 'x' }],
    ['working_memory_get', { key: 'plan' }],
    ['working_memory_list', {}],
    ['working_memory_delete', { key: 'plan' }],
  ])('answers %s without a sessionId with INVALID_INPUT naming it', async (name, args) => {
    const result = await call(name, args);
    expect(errorCode(result)).toBe('INVALID_INPUT');
    expect(textOf(result)).toContain('sessionId');
  });

  it.each([
    [{ key: 'plan', ...session }, 'value'],
    [{ key: 'plan', value: 'x', ttlSeconds: 0, ...session }, 'ttlSeconds'],
    [{ key: '   ', value: 'x', ...session }, 'key'],
  ])('answers working_memory_set %j with INVALID_INPUT', async (args, field) => {
    const result = await call('working_memory_set', args);
    expect(errorCode(result)).toBe('INVALID_INPUT');
    expect(textOf(result)).toMatch(new RegExp(field));
  });
});

describe('profile tools', () => {
  it('sets a slot with set_profile that get_profile and the SDK then show', async () => {
    const set = structured<{ topic: string; slot: string; value: string; memoryId: string }>(
      await call('set_profile', { slot: 'Food.Allergies', value: 'peanuts' }),
    );
    expect(set).toMatchObject({ topic: 'food', slot: 'allergies', value: 'peanuts' });
    const profile = await call('get_profile', {});
    expect(structured<{ profile: unknown }>(profile).profile).toEqual({
      food: { allergies: { value: 'peanuts', memoryId: set.memoryId, observedAt: expect.any(String) } },
    });
    expect(textOf(profile)).toContain('- food.allergies: peanuts');
    expect((await memory.profile.get(alice)).food?.allergies?.value).toBe('peanuts');
  });

  it('supersedes the slot’s value when it is set again', async () => {
    await call('set_profile', { slot: 'home.city', value: 'Lisbon' });
    await call('set_profile', { slot: 'home.city', value: 'Porto' });
    expect((await memory.profile.get(alice)).home?.city?.value).toBe('Porto');
  });

  it.each([[{ slot: 'allergies', value: 'peanuts' }], [{ slot: 'food.allergies', value: '  ' }]])(
    'answers set_profile %j with INVALID_INPUT',
    async (args) => {
      expect(errorCode(await call('set_profile', args))).toBe('INVALID_INPUT');
    },
  );
});
