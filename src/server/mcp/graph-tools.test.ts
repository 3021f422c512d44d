// The knowledge-graph tools (search_entities, get_entity) through the SDK client, on real SQLite.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory, type Memory } from '../../sdk/create-memory.js';
import type { EntityView, RelationView } from './graph-tools.js';
import {
  callTool,
  connectInMemory,
  errorCode,
  structured,
  TEST_TENANT,
  textOf,
} from './test-support/mcp-test-client.js';

let directory: string;
let memory: Memory;
let client: Client;
const alice = { tenantId: TEST_TENANT, userId: 'alice' };

const call = (name: string, args: Record<string, unknown>, on: Client = client): Promise<CallToolResult> =>
  callTool(on, name, args);

interface EntityOut {
  entity: EntityView;
  current: RelationView[];
  past: RelationView[];
  sourceMemoryIds: string[];
}

const objectName = (relation: RelationView) =>
  'literal' in relation.object ? relation.object.literal : relation.object.name;

beforeEach(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-mcp-graph-'));
  memory = await createMemory({ store: path.join(directory, 'mnemo.db') });
  client = await connectInMemory({ memory, defaultUserId: 'alice' });
  await memory.add('My sister Emma lives in Berlin.', { ...alice, observedAt: '2024-01-10' });
  await memory.add('Emma moved to Paris last month.', { ...alice, observedAt: '2024-06-05' });
});

afterEach(async () => {
  await client.close();
  await memory.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('search_entities', () => {
  it('finds the people and places the user mentioned, with their types', async () => {
    const result = await call('search_entities', {});
    const entities = structured<{ entities: EntityView[] }>(result).entities;
    const typeOf = (name: string) => entities.find((entity) => entity.name === name)?.type;
    expect([typeOf('Emma'), typeOf('Berlin'), typeOf('Paris')]).toEqual(['person', 'place', 'place']);
    expect(entities.find((entity) => entity.name === 'Emma')).toMatchObject({ userId: 'alice' });
    expect(JSON.stringify(entities)).not.toContain(TEST_TENANT);
    expect(textOf(result)).toMatch(
      /^- Emma \(person; also "alice's sister"\) · 2 mentions, last 2024-06-05 \[/m,
    );
  });

  it('narrows by query, type and limit', async () => {
    const byName = structured<{ entities: EntityView[] }>(await call('search_entities', { query: 'emm' }));
    expect(byName.entities.map((entity) => entity.name)).toEqual(['Emma']);
    const places = structured<{ entities: EntityView[] }>(
      await call('search_entities', { type: 'place', limit: 1 }),
    );
    expect(places.entities).toHaveLength(1);
    expect(places.entities[0]?.type).toBe('place');
  });

  it('says so when nothing matches, and sees nothing of another user', async () => {
    expect(textOf(await call('search_entities', { query: 'Zanzibar' }))).toBe(
      'No entities found in this scope.',
    );
    const bob = structured<{ entities: EntityView[] }>(await call('search_entities', { userId: 'bob' }));
    expect(bob.entities).toEqual([]);
  });

  it.each([
    [{ type: 'alien' }, 'type'],
    [{ limit: 0 }, 'limit'],
    [{ limit: 51 }, 'limit'],
  ])('answers %j with INVALID_INPUT naming the argument', async (args, field) => {
    const result = await call('search_entities', args);
    expect(errorCode(result)).toBe('INVALID_INPUT');
    expect(textOf(result)).toContain(field);
  });
});

describe('get_entity', () => {
  it('separates what holds now from what held before, with dates and source memories', async () => {
    const result = await call('get_entity', { name: 'emma' });
    const out = structured<EntityOut>(result);
    expect(out.entity).toMatchObject({ name: 'Emma', type: 'person', aliases: ["alice's sister"] });
    const currentPlaces = out.current.filter((relation) => relation.predicate === 'lives_in');
    expect(currentPlaces.map(objectName)).toEqual(['Paris']);
    expect(out.past.map(objectName)).toEqual(['Berlin']);
    const berlin = out.past[0]!;
    expect(berlin.validFrom).toBe('2024-01-10T00:00:00.000Z');
    expect(Date.parse(berlin.validTo ?? '')).toBeLessThanOrEqual(Date.parse('2024-06-05'));
    const memories = (await memory.list(alice)).items.map((record) => record.id);
    expect(out.sourceMemoryIds.sort()).toEqual([...memories].sort());
    expect(berlin.sourceMemoryIds).toHaveLength(1);

    const text = textOf(result);
    const [currentPart, pastPart] = text.split('Past (no longer true):');
    expect(currentPart).toContain('Current (holds now):');
    expect(currentPart).toMatch(
      /- Emma lives_in Paris \(since 2024-0[45]-\d\d\) — "Emma moved to Paris last month\." \[memories: /,
    );
    expect(pastPart).toMatch(
      /- Emma lives_in Berlin \(2024-01-10 to 2024-0[45]-\d\d\) — "My sister Emma lives in Berlin\." \[memories: /,
    );
    expect(currentPart).not.toContain('Berlin (');
  });

  it('finds the entity by id too', async () => {
    const { entity } = structured<EntityOut>(await call('get_entity', { name: 'Emma' }));
    expect(structured<EntityOut>(await call('get_entity', { name: entity.id })).entity.name).toBe('Emma');
  });

  it('answers NOT_FOUND for an unknown name and for another user’s entity', async () => {
    expect(errorCode(await call('get_entity', { name: 'Nobody' }))).toBe('NOT_FOUND');
    expect(errorCode(await call('get_entity', { name: 'Emma', userId: 'bob' }))).toBe('NOT_FOUND');
  });

  it('answers INVALID_INPUT without a name, and SCOPE_REQUIRED without any user', async () => {
    expect(errorCode(await call('get_entity', {}))).toBe('INVALID_INPUT');
    const anonymous = await connectInMemory({ memory });
    try {
      expect(errorCode(await call('get_entity', { name: 'Emma' }, anonymous))).toBe('SCOPE_REQUIRED');
    } finally {
      await anonymous.close();
    }
  });

  it('is available on a read-only connection', async () => {
    const reader = await connectInMemory({ memory, defaultUserId: 'alice', readOnly: true });
    try {
      const out = structured<EntityOut>(await call('get_entity', { name: 'Emma' }, reader));
      expect(out.entity.name).toBe('Emma');
      expect(
        structured<{ entities: EntityView[] }>(await call('search_entities', {}, reader)).entities,
      ).not.toEqual([]);
    } finally {
      await reader.close();
    }
  });
});

describe('graph tools and the tenant', () => {
  it('never reach another tenant’s entities', async () => {
    const globex = { tenantId: 'globex', userId: 'alice' };
    await memory.add('Olga lives in Riga.', { ...globex, observedAt: '2024-01-10' });
    const theirs = (await memory.graph.entities(globex)).items.map((entity) => entity.name);
    expect(theirs).toContain('Olga');
    const names = structured<{ entities: EntityView[] }>(await call('search_entities', {})).entities.map(
      (entity) => entity.name,
    );
    expect(names).not.toContain('Olga');
    expect(errorCode(await call('get_entity', { name: 'Olga' }))).toBe('NOT_FOUND');
  });
});
