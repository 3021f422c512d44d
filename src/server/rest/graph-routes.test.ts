import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { Entity, EntityMerge, Relation } from '../../core/graph.js';
import {
  createRestFixture,
  type LooseJson,
  type RestFixture,
  restCaller,
} from '../test-support/rest-fixture.js';
import { createRestApp } from './create-rest-app.js';
import { entityMergeRecordSchema, entityRecordSchema, relationRecordSchema } from './graph-schemas.js';

let fixture: RestFixture;
let app: ReturnType<typeof createRestApp>;
let call: ReturnType<typeof restCaller>;
let read: string;
let write: string;

beforeEach(async () => {
  fixture = await createRestFixture();
  app = createRestApp({ memory: fixture.memory, keys: fixture.keys });
  call = restCaller(app);
  read = fixture.secrets.acmeRead;
  write = fixture.secrets.acmeWrite;
  for (const [text, observedAt] of [
    ['My sister Emma lives in Berlin.', '2024-01-10'],
    ['Emma moved to Paris last month.', '2024-06-05'],
    ['Emma Schmidt works at Acme Corp.', '2024-06-10'],
  ] as const) {
    const added = await call('POST', '/v1/memories', write, { text, userId: 'alice', observedAt });
    expect(added.status).toBe(201);
  }
});
afterEach(async () => {
  await fixture.cleanup();
});

const objectName = (relation: Relation) =>
  'literal' in relation.object ? relation.object.literal : relation.object.name;

/** Asserts that a record has exactly the documented fields and types (openapi.json says what it holds). */
function expectDocumented(schema: z.ZodObject, record: unknown): void {
  expect(Object.keys(record as object).filter((key) => !(key in schema.shape))).toEqual([]);
  expect(schema.safeParse(record).error).toBeUndefined();
}

async function getOk(path: string, key = read): Promise<LooseJson> {
  const { status, json } = await call('GET', path, key);
  expect(status, JSON.stringify(json)).toBe(200);
  return json;
}

describe('GET /v1/graph/entities', () => {
  it('lists the entities of the user with their types, as documented', async () => {
    const page = await getOk('/v1/graph/entities?userId=alice');
    const items = page.items as Entity[];
    const typeOf = (name: string) => items.find((entity) => entity.name === name)?.type;
    expect([typeOf('Emma'), typeOf('Berlin'), typeOf('Paris'), typeOf('Acme Corp')]).toEqual([
      'person',
      'place',
      'place',
      'organization',
    ]);
    for (const entity of items) expectDocumented(entityRecordSchema, entity);
    expect(items.every((entity) => entity.scope.tenantId === 'acme')).toBe(true);
  });

  it('filters by query and type, and pages with limit and cursor', async () => {
    const places = (await getOk('/v1/graph/entities?userId=alice&type=place')).items as Entity[];
    expect(places.map((entity) => entity.name).sort()).toEqual(['Berlin', 'Paris']);
    const byText = (await getOk('/v1/graph/entities?userId=alice&query=emma')).items as Entity[];
    expect(byText.map((entity) => entity.name)).toContain('Emma');
    expect(byText.map((entity) => entity.name)).not.toContain('Paris');
    const first = await getOk('/v1/graph/entities?userId=alice&limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await getOk(
      `/v1/graph/entities?userId=alice&limit=2&cursor=${encodeURIComponent(first.nextCursor)}`,
    );
    const ids = [...first.items, ...second.items].map((entity: Entity) => entity.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('GET /v1/graph/entities/{nameOrId}', () => {
  it('answers the entity by any-case name or id, with current and closed relations and merges', async () => {
    const detail = await getOk('/v1/graph/entities/emma?userId=alice');
    expect(detail.entity.name).toBe('Emma');
    expectDocumented(entityRecordSchema, detail.entity);
    const lives = (detail.relations as Relation[]).filter((relation) => relation.predicate === 'lives_in');
    expect(lives.map((relation) => [objectName(relation), relation.validTo === undefined])).toEqual([
      ['Berlin', false],
      ['Paris', true],
    ]);
    for (const relation of detail.relations) expectDocumented(relationRecordSchema, relation);
    expect(detail.merges).toEqual([]);
    const byId = await getOk(`/v1/graph/entities/${detail.entity.id}?userId=alice`);
    expect(byId.entity.id).toBe(detail.entity.id);
  });

  it('reads the relations valid at asOf: Berlin in March 2024', async () => {
    const detail = await getOk('/v1/graph/entities/Emma?userId=alice&asOf=2024-03-01');
    const lives = (detail.relations as Relation[]).filter((relation) => relation.predicate === 'lives_in');
    expect(lives.map(objectName)).toEqual(['Berlin']);
  });

  it('takes a percent-encoded name with a space', async () => {
    const detail = await getOk(`/v1/graph/entities/${encodeURIComponent('Acme Corp')}?userId=alice`);
    expect(detail.entity).toMatchObject({ name: 'Acme Corp', type: 'organization' });
  });

  it('answers 404 NOT_FOUND for an unknown entity', async () => {
    const { status, json } = await call('GET', '/v1/graph/entities/Nobody?userId=alice', read);
    expect(status).toBe(404);
    expect(json.error).toMatchObject({ code: 'NOT_FOUND', details: { entity: 'Nobody' } });
  });
});

describe('GET /v1/graph/entities/{nameOrId}/neighbours and /v1/graph/relations', () => {
  it('answers the neighbours within the hops asked', async () => {
    const result = await getOk('/v1/graph/entities/Emma/neighbours?userId=alice&hops=1');
    expect(result.entity.name).toBe('Emma');
    const names = result.neighbours.map((neighbour: { entity: Entity }) => neighbour.entity.name);
    expect(names).toEqual(expect.arrayContaining(['Berlin', 'Paris']));
    expect(result.neighbours.every((neighbour: { hops: number }) => neighbour.hops === 1)).toBe(true);
    expect(result.neighbours[0].via.length).toBeGreaterThan(0);
  });

  it('filters relations by entity, predicate, current and asOf', async () => {
    const all = (await getOk('/v1/graph/relations?userId=alice&entity=Emma&predicate=lives_in')).relations;
    expect(all.map(objectName)).toEqual(['Berlin', 'Paris']);
    const current = (
      await getOk('/v1/graph/relations?userId=alice&entity=Emma&predicate=lives_in&current=true')
    ).relations;
    expect(current.map(objectName)).toEqual(['Paris']);
    const then = (await getOk('/v1/graph/relations?userId=alice&entity=Emma&asOf=2024-03-01')).relations;
    expect(then.map(objectName)).toContain('Berlin');
    expect(then.map(objectName)).not.toContain('Paris');
    const berlin = all[0] as Relation;
    expect(Date.parse(berlin.validTo ?? '')).toBeLessThanOrEqual(Date.parse('2024-06-05'));
  });
});

describe('/v1/graph/merges', () => {
  async function merge(keep: string, merged: string): Promise<EntityMerge> {
    const { status, json } = await call('POST', '/v1/graph/merges', write, {
      userId: 'alice',
      keep,
      merge: merged,
    });
    expect(status, JSON.stringify(json)).toBe(201);
    return json as EntityMerge;
  }

  it('merges with POST (201), lists the merge, and undoes it with DELETE', async () => {
    const created = await merge('Emma', 'Emma Schmidt');
    expectDocumented(entityMergeRecordSchema, created);
    expect(created).toMatchObject({ mergedName: 'Emma Schmidt', actor: 'rest' });
    const detail = await getOk('/v1/graph/entities/Emma?userId=alice');
    expect(detail.entity.aliases).toContain('Emma Schmidt');
    expect(detail.relations.map((relation: Relation) => relation.predicate)).toContain('works_at');
    expect((await getOk('/v1/graph/merges?userId=alice&entity=Emma')).merges).toEqual([created]);
    const undone = await call('DELETE', `/v1/graph/merges/${created.id}?userId=alice`, write);
    expect(undone.status).toBe(200);
    expect(undone.json).toMatchObject({ id: created.id, undoneAt: expect.any(String) });
    const names = (await getOk('/v1/graph/entities?userId=alice')).items.map((entity: Entity) => entity.name);
    expect(names).toEqual(expect.arrayContaining(['Emma', 'Emma Schmidt']));
    const again = await call('DELETE', `/v1/graph/merges/${created.id}?userId=alice`, write);
    expect(again.status).toBe(409);
  });

  it('answers 409 CONFLICT to undoing a merge whose entity was merged again since', async () => {
    const first = await merge('Emma', 'Emma Schmidt');
    await merge('Berlin', 'Emma');
    const { status, json } = await call('DELETE', `/v1/graph/merges/${first.id}?userId=alice`, write);
    expect(status).toBe(409);
    expect(json.error.code).toBe('CONFLICT');
  });

  it('answers 404 to a merge naming an unknown entity', async () => {
    const { status, json } = await call('POST', '/v1/graph/merges', write, {
      userId: 'alice',
      keep: 'Emma',
      merge: 'Nobody',
    });
    expect(status).toBe(404);
    expect(json.error.code).toBe('NOT_FOUND');
  });
});

describe('graph routes: bad input, scope and roles', () => {
  it.each([
    ['an unknown type', '/v1/graph/entities?userId=alice&type=alien'],
    ['a limit of zero', '/v1/graph/entities?userId=alice&limit=0'],
    ['a limit that is not a number', '/v1/graph/relations?userId=alice&limit=many'],
    ['three hops', '/v1/graph/entities/Emma/neighbours?userId=alice&hops=3'],
    ['an impossible date', '/v1/graph/relations?userId=alice&asOf=2024-02-30'],
    ['current=yes', '/v1/graph/relations?userId=alice&current=yes'],
    ['an unknown parameter', '/v1/graph/merges?userId=alice&colour=red'],
    ['a knownAt that is no date', '/v1/graph/entities/Emma?userId=alice&knownAt=soon'],
  ])('answers 400 INVALID_INPUT to %s', async (_name, path) => {
    const { status, json } = await call('GET', path, read);
    expect(status).toBe(400);
    expect(json.error.code).toBe('INVALID_INPUT');
    expect(json.error.message).toEqual(expect.any(String));
  });

  it.each([
    ['a missing keep', { userId: 'alice', merge: 'Emma' }],
    ['an empty merge', { userId: 'alice', keep: 'Emma', merge: '' }],
    ['an unknown field', { userId: 'alice', keep: 'Emma', merge: 'Paris', force: true }],
  ])('answers 400 INVALID_INPUT to a merge with %s', async (_name, body) => {
    const { status, json } = await call('POST', '/v1/graph/merges', write, body);
    expect(status).toBe(400);
    expect(json.error.code).toBe('INVALID_INPUT');
  });

  it.each([
    ['GET', '/v1/graph/entities', undefined],
    ['GET', '/v1/graph/entities/Emma', undefined],
    ['GET', '/v1/graph/entities/Emma/neighbours', undefined],
    ['GET', '/v1/graph/relations?entity=Emma', undefined],
    ['GET', '/v1/graph/merges', undefined],
    ['POST', '/v1/graph/merges', { keep: 'Emma', merge: 'Paris' }],
    ['DELETE', '/v1/graph/merges/some-id', undefined],
  ])(
    'answers 400 SCOPE_REQUIRED to %s %s without a scope, as the memory routes do',
    async (method, path, body) => {
      const { status, json } = await call(method, path, write, body);
      expect(status).toBe(400);
      expect(json.error.code).toBe('SCOPE_REQUIRED');
    },
  );

  it('lets a read key read, and answers 403 when it merges or unmerges', async () => {
    expect((await call('GET', '/v1/graph/merges?userId=alice', read)).status).toBe(200);
    const post = await call('POST', '/v1/graph/merges', read, {
      userId: 'alice',
      keep: 'Emma',
      merge: 'Paris',
    });
    expect(post.status).toBe(403);
    expect(post.json.error.code).toBe('FORBIDDEN');
    expect((await call('DELETE', '/v1/graph/merges/some-id?userId=alice', read)).status).toBe(403);
    expect((await getOk('/v1/graph/merges?userId=alice')).merges).toEqual([]);
  });
});

describe('graph routes: isolation', () => {
  const globex = () => fixture.secrets.globexWrite;

  it("keeps an entity of tenant acme invisible to tenant globex's key", async () => {
    const emma = (await getOk('/v1/graph/entities/Emma?userId=alice')).entity as Entity;
    expect((await getOk('/v1/graph/entities?userId=alice', globex())).items).toEqual([]);
    for (const path of [
      '/v1/graph/entities/Emma?userId=alice',
      `/v1/graph/entities/${emma.id}?userId=alice`,
      `/v1/graph/entities/${emma.id}/neighbours?userId=alice`,
      `/v1/graph/relations?userId=alice&entity=${emma.id}`,
    ]) {
      const { status, json } = await call('GET', path, globex());
      expect(status, path).toBe(404);
      expect(json.error.code).toBe('NOT_FOUND');
    }
    const merge = await call('POST', '/v1/graph/merges', globex(), {
      userId: 'alice',
      keep: 'Emma',
      merge: 'Paris',
    });
    expect(merge.status).toBe(404);
    const named = await call('GET', '/v1/graph/entities?userId=alice&tenantId=acme', globex());
    expect(named.status).toBe(403);
  });

  async function acmeMerge(): Promise<EntityMerge> {
    const created = await call('POST', '/v1/graph/merges', write, {
      userId: 'alice',
      keep: 'Emma',
      merge: 'Emma Schmidt',
    });
    expect(created.status).toBe(201);
    return created.json as EntityMerge;
  }

  it("keeps a merge of tenant acme out of globex's list and undo", async () => {
    const created = await acmeMerge();
    expect((await getOk('/v1/graph/merges?userId=alice', globex())).merges).toEqual([]);
    const undo = await call('DELETE', `/v1/graph/merges/${created.id}?userId=alice`, globex());
    expect(undo.status).toBeGreaterThanOrEqual(400);
    expect((await getOk('/v1/graph/merges?userId=alice')).merges[0].undoneAt).toBeUndefined();
  });

  // A merge of another tenant is answered like an unknown id: nothing tells the caller that it exists.
  it("answers 404 to globex's undo of an acme merge, as to an unknown id", async () => {
    const created = await acmeMerge();
    const undo = await call('DELETE', `/v1/graph/merges/${created.id}?userId=alice`, globex());
    expect(undo.status).toBe(404);
  });

  it("keeps another user's entities invisible in the same tenant", async () => {
    const emma = (await getOk('/v1/graph/entities/Emma?userId=alice')).entity as Entity;
    expect((await getOk('/v1/graph/entities?userId=bob')).items).toEqual([]);
    expect((await call('GET', `/v1/graph/entities/${emma.id}?userId=bob`, read)).status).toBe(404);
    expect((await getOk('/v1/graph/relations?userId=bob')).relations).toEqual([]);
  });
});

describe('graph routes in openapi.json', () => {
  it('documents every route, answering the Entity, Relation and EntityMerge components', async () => {
    const document = (await (await app.request('/openapi.json')).json()) as LooseJson;
    const operations = Object.entries(document.paths as Record<string, LooseJson>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        'GET /v1/graph/entities',
        'GET /v1/graph/entities/{nameOrId}',
        'GET /v1/graph/entities/{nameOrId}/neighbours',
        'GET /v1/graph/relations',
        'GET /v1/graph/merges',
        'POST /v1/graph/merges',
        'DELETE /v1/graph/merges/{id}',
      ]),
    );
    const schemas = document.components.schemas as Record<string, LooseJson>;
    for (const [name, schema] of [
      ['Entity', entityRecordSchema],
      ['Relation', relationRecordSchema],
      ['EntityMerge', entityMergeRecordSchema],
    ] as const) {
      expect(Object.keys(schemas[name]?.properties ?? {}).sort(), name).toEqual(
        Object.keys(schema.shape).sort(),
      );
      expect(schemas[name]?.id, name).toBeUndefined();
    }
    const success = (path: string, method: string, status: string) =>
      document.paths[path][method].responses[status].content['application/json'].schema;
    expect(success('/v1/graph/merges', 'post', '201')).toEqual({ $ref: '#/components/schemas/EntityMerge' });
    expect(success('/v1/graph/entities', 'get', '200').properties.items.items).toEqual({
      $ref: '#/components/schemas/Entity',
    });
    expect(success('/v1/graph/relations', 'get', '200').properties.relations.items).toEqual({
      $ref: '#/components/schemas/Relation',
    });
    expect(
      document.paths['/v1/graph/merges'].post.requestBody.content['application/json'].schema.required,
    ).toEqual(['keep', 'merge']);
    const text = JSON.stringify(document);
    expect(text).not.toContain('#/$defs/');
    for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g))
      expect(schemas[name as string]).toBeDefined();
  });
});
