// The sharing administration routes (issue 15): spaces, grants and the audit log over REST, malformed input
// refused with 400 and nothing changed, and their openapi.json — on a real SQLite file and, with
// MNEMO_TEST_POSTGRES_URL, on PostgreSQL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { MAX_BODY_NESTING } from '../../core/validate.js';
import { type RestBackend, restBackends } from '../test-support/rest-backends.js';
import { authHeaders, type LooseJson, restCaller } from '../test-support/rest-fixture.js';
import { createRestApp } from './create-rest-app.js';
import { auditEntrySchema, grantSchema, spaceSchema } from './sharing-schemas.js';

/** Asserts that an answer has exactly the documented fields and types (openapi.json says what it holds). */
function expectDocumented(schema: z.ZodObject, record: unknown): void {
  expect(Object.keys(record as object).filter((key) => !(key in schema.shape))).toEqual([]);
  expect(schema.safeParse(record).error).toBeUndefined();
}

describe.each(restBackends('sharing_admin'))('sharing administration over REST on $name', ({ open }) => {
  let backend: RestBackend;
  let app: ReturnType<typeof createRestApp>;
  let call: ReturnType<typeof restCaller>;
  let admin: string;

  const key = async (
    fields: { userId?: string; agentId?: string; spaceId?: string },
    role: 'read' | 'write' | 'admin',
  ) => (await backend.keys.create({ tenantId: 'acme', role, ...fields })).key;
  const grant = (agent: string, space: string, role: string) => ({
    principal: { type: 'agent', id: agent },
    target: { type: 'space', id: space },
    role,
  });

  /** Spaces, grants and row counts: what a refused request must leave as it was. */
  async function snapshot(): Promise<string> {
    const stats = await backend.memory.store.stats();
    const spaces = await backend.memory.spaces.list({ tenantId: 'acme' });
    const grants = await backend.memory.grants.list({ tenantId: 'acme' });
    return JSON.stringify([stats.memories, stats.messages, spaces, grants]);
  }

  beforeEach(async () => {
    backend = await open();
    app = createRestApp({ memory: backend.memory, keys: backend.keys });
    call = restCaller(app);
    admin = backend.secrets.acmeAdmin;
  });
  afterEach(async () => {
    await backend.cleanup();
  });

  describe('spaces', () => {
    it('creates, lists, gets and deletes a space with everything in it', async () => {
      const body = { name: 'Research team', id: 'research', description: 'Shared findings' };
      const created = await call('POST', '/v1/spaces', admin, body);
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ ...body, tenantId: 'acme' });
      expectDocumented(spaceSchema, created.json);
      expect((await call('GET', '/v1/spaces', backend.secrets.acmeRead)).json).toEqual({
        spaces: [created.json],
      });
      expect((await call('GET', '/v1/spaces/research', backend.secrets.acmeRead)).json).toEqual(created.json);

      const written = await call('POST', '/v1/memories', admin, {
        kind: 'fact',
        text: 'Seeds: 3',
        spaceId: 'research',
      });
      expect(written.json.memories[0].scope).toEqual({ tenantId: 'acme', spaceId: 'research' });
      await call('POST', '/v1/grants', admin, grant('reader', 'research', 'read'));
      const deleted = await call('DELETE', '/v1/spaces/research', admin);
      expect(deleted).toMatchObject({ status: 200, json: { memories: 1, messages: 0 } });
      expect((await call('GET', '/v1/spaces/research', admin)).status).toBe(404);
      expect((await call('GET', '/v1/spaces', admin)).json.spaces).toEqual([]);
      expect((await call('GET', '/v1/grants', admin)).json.grants).toEqual([]);
      expect((await backend.memory.store.stats()).memories).toBe(0);
    });

    it('takes the name as the id, and answers 409 for a taken id and 404 for an unknown one', async () => {
      expect((await call('POST', '/v1/spaces', admin, { name: 'kitchen' })).json.id).toBe('kitchen');
      const before = await snapshot();
      const taken = await call('POST', '/v1/spaces', admin, { name: 'Kitchen again', id: 'kitchen' });
      expect(taken.status).toBe(409);
      expect(taken.json.error.code).toBe('CONFLICT');
      expect((await call('GET', '/v1/spaces/nowhere', admin)).status).toBe(404);
      expect(await snapshot()).toBe(before);
    });

    it('lets only an unbound admin key create one, and refuses another tenant', async () => {
      const before = await snapshot();
      const refusals = [
        await call('POST', '/v1/spaces', backend.secrets.acmeWrite, { name: 'a' }),
        await call('POST', '/v1/spaces', await key({ agentId: 'lead' }, 'admin'), { name: 'b' }),
        await call('POST', '/v1/spaces', await key({ userId: 'alice' }, 'admin'), { name: 'c' }),
        await call('POST', '/v1/spaces', backend.secrets.globexWrite, { name: 'd', tenantId: 'acme' }),
      ];
      expect(refusals.map(({ status, json }) => [status, json.error.code])).toEqual(
        Array(4).fill([403, 'FORBIDDEN']),
      );
      expect(await snapshot()).toBe(before);
    });

    it('lets an agent holding admin on a space delete it, and no other bound key', async () => {
      for (const name of ['lab', 'attic']) await call('POST', '/v1/spaces', admin, { name });
      await call('POST', '/v1/grants', admin, grant('lead', 'lab', 'admin'));
      await call('POST', '/v1/grants', admin, grant('lead', 'attic', 'write'));
      const lead = await key({ agentId: 'lead' }, 'admin');
      const before = await snapshot();
      expect((await call('DELETE', '/v1/spaces/attic', lead)).status).toBe(403);
      expect((await call('DELETE', '/v1/spaces/lab', backend.secrets.acmeWrite)).status).toBe(403);
      expect(await snapshot()).toBe(before);
      expect((await call('DELETE', '/v1/spaces/lab', lead)).status).toBe(200);
      expect(
        (await call('GET', '/v1/spaces', admin)).json.spaces.map((space: LooseJson) => space.id),
      ).toEqual(['attic']);
    });
  });

  describe('grants', () => {
    beforeEach(async () => {
      await call('POST', '/v1/spaces', admin, { name: 'research' });
      for (const body of [grant('writer', 'research', 'write'), grant('reader', 'research', 'read')]) {
        expect((await call('POST', '/v1/grants', admin, body)).status).toBe(200);
      }
      const onUser = {
        principal: { type: 'agent', id: 'support' },
        target: { type: 'user', id: 'alice' },
        role: 'read',
      };
      expect((await call('POST', '/v1/grants', admin, onUser)).status).toBe(200);
    });

    it('lists the grants, of one principal or on one target', async () => {
      const all = await call('GET', '/v1/grants', backend.secrets.acmeRead);
      expect(all.json.grants).toHaveLength(3);
      for (const item of all.json.grants) expectDocumented(grantSchema, item);
      const reader = await call('GET', '/v1/grants?principalType=agent&principalId=reader', admin);
      expect(reader.json.grants).toEqual([expect.objectContaining(grant('reader', 'research', 'read'))]);
      const onSpace = await call('GET', '/v1/grants?targetType=space&targetId=research', admin);
      expect(onSpace.json.grants.map((item: LooseJson) => item.principal.id).sort()).toEqual([
        'reader',
        'writer',
      ]);
      const onAlice = await call('GET', '/v1/grants?targetType=user&targetId=alice', admin);
      expect(onAlice.json.grants.map((item: LooseJson) => item.principal.id)).toEqual(['support']);
      // A key bound to agent reader sees the grants it holds only.
      const own = await call('GET', '/v1/grants', await key({ agentId: 'reader' }, 'read'));
      expect(own.json.grants.map((item: LooseJson) => item.principal.id)).toEqual(['reader']);
    });

    it('changes a role in place, and revokes a grant once', async () => {
      const changed = await call('POST', '/v1/grants', admin, grant('reader', 'research', 'write'));
      expect(changed.json.role).toBe('write');
      const reader = await call('GET', '/v1/grants?principalType=agent&principalId=reader', admin);
      expect(reader.json.grants.map((item: LooseJson) => item.role)).toEqual(['write']);
      const { role: _role, ...target } = grant('reader', 'research', 'write');
      expect((await call('POST', '/v1/grants/revoke', admin, target)).json).toEqual({ revoked: true });
      expect((await call('POST', '/v1/grants/revoke', admin, target)).json).toEqual({ revoked: false });
      expect(
        (await call('GET', '/v1/grants?principalType=agent&principalId=reader', admin)).json.grants,
      ).toEqual([]);
    });

    it('needs admin on the target to change grants (403, nothing changed), 404 for an unknown space', async () => {
      const before = await snapshot();
      const writerAdmin = await key({ agentId: 'writer' }, 'admin');
      expect(
        (await call('POST', '/v1/grants', backend.secrets.acmeWrite, grant('x', 'research', 'read'))).status,
      ).toBe(403);
      const denied = await call('POST', '/v1/grants', writerAdmin, grant('x', 'research', 'read'));
      expect([denied.status, denied.json.error.code]).toEqual([403, 'FORBIDDEN']);
      expect(denied.json.error.details).toMatchObject({ needed: 'admin', held: 'write' });
      const { role: _role, ...reader } = grant('reader', 'research', 'read');
      expect((await call('POST', '/v1/grants/revoke', writerAdmin, reader)).status).toBe(403);
      expect(await snapshot()).toBe(before);
      expect((await call('POST', '/v1/grants', admin, grant('x', 'nowhere', 'read'))).status).toBe(404);
      expect(await snapshot()).toBe(before);
      // Admin on the space is enough to manage its grants.
      await call('POST', '/v1/grants', admin, grant('writer', 'research', 'admin'));
      expect((await call('POST', '/v1/grants', writerAdmin, grant('x', 'research', 'read'))).status).toBe(
        200,
      );
    });
  });

  describe('the audit log', () => {
    it('lists writes per operation, reads aggregated and denials, all through surface rest', async () => {
      await call('POST', '/v1/spaces', admin, { name: 'research' });
      await call('POST', '/v1/grants', admin, grant('writer', 'research', 'write'));
      await call('POST', '/v1/grants', admin, grant('reader', 'research', 'read'));
      const writer = await key({ agentId: 'writer' }, 'write');
      const reader = await key({ agentId: 'reader' }, 'write');
      for (const text of ['Seeds: 3', 'Runs: 5']) {
        expect(
          (await call('POST', '/v1/memories', writer, { kind: 'fact', text, spaceId: 'research' })).status,
        ).toBe(201);
      }
      for (let search = 0; search < 2; search += 1) {
        expect(
          (await call('POST', '/v1/search', reader, { query: 'seeds', spaceId: 'research' })).status,
        ).toBe(200);
      }
      expect(
        (await call('POST', '/v1/memories', reader, { kind: 'fact', text: 'x', spaceId: 'research' })).status,
      ).toBe(403);

      const { status, json } = await call('GET', '/v1/audit?spaceId=research', admin);
      expect(status).toBe(200);
      const items = json.items as LooseJson[];
      for (const item of items) expectDocumented(auditEntrySchema, item);
      expect(new Set(items.map((item) => item.surface))).toEqual(new Set(['rest']));
      const adds = items.filter((item) => item.action === 'write' && item.operation === 'add');
      expect(adds.map((item) => [item.count, item.principal.startsWith('agent:writer')])).toEqual([
        [1, true],
        [1, true],
      ]);
      const searches = items.filter((item) => item.action === 'read' && item.operation === 'search');
      expect(searches).toHaveLength(1);
      expect(searches[0]?.count).toBeGreaterThan(1);
      expect(searches[0]?.principal).toContain('agent:reader');
      const denials = items.filter((item) => item.action === 'denied');
      expect(denials).toEqual([
        expect.objectContaining({ operation: 'add', scope: { tenantId: 'acme', spaceId: 'research' } }),
      ]);
      expect(denials[0]?.detail).toContain('read');
      expect(items.some((item) => item.action === 'admin' && item.operation === 'grant')).toBe(true);

      const denied = await call('GET', '/v1/audit?action=denied', admin);
      expect(denied.json.items.map((item: LooseJson) => item.action)).toEqual(['denied']);
      const byReader = await call('GET', '/v1/audit?principalType=agent&principalId=reader', admin);
      expect(new Set(byReader.json.items.map((item: LooseJson) => item.operation))).toEqual(
        new Set(['search', 'add']),
      );
      const first = await call('GET', '/v1/audit?limit=1', admin);
      expect(first.json.items).toHaveLength(1);
      const next = await call(
        'GET',
        `/v1/audit?limit=1&cursor=${encodeURIComponent(first.json.nextCursor)}`,
        admin,
      );
      expect(next.json.items[0].id).not.toBe(first.json.items[0].id);
      const future = await call('GET', `/v1/audit?since=${Date.now() + 3_600_000}`, admin);
      expect(future.json.items).toEqual([]);
    });

    it("needs admin: a space-bound admin key reads its space's trail, other keys get 403", async () => {
      for (const name of ['research', 'kitchen']) await call('POST', '/v1/spaces', admin, { name });
      await call('POST', '/v1/memories', admin, { kind: 'fact', text: 'Flour', spaceId: 'kitchen' });
      const own = await call('GET', '/v1/audit', await key({ spaceId: 'research' }, 'admin'));
      expect(own.status).toBe(200);
      expect(own.json.items.length).toBeGreaterThan(0);
      expect(own.json.items.every((item: LooseJson) => item.scope.spaceId === 'research')).toBe(true);
      expect((await call('GET', '/v1/audit', backend.secrets.acmeWrite)).status).toBe(403);
      expect(
        (await call('GET', '/v1/audit?spaceId=kitchen', await key({ agentId: 'lead' }, 'admin'))).status,
      ).toBe(403);
      expect(
        (await call('GET', '/v1/audit?spaceId=kitchen', await key({ spaceId: 'research' }, 'admin'))).status,
      ).toBe(403);
    });
  });

  describe('malformed input', () => {
    const control = 'a\u0007b';
    it.each([
      ['POST', '/v1/grants', { ...grant('reader', 'research', 'owner') }],
      [
        'POST',
        '/v1/grants',
        { ...grant('reader', 'research', 'read'), principal: { type: 'group', id: 'g' } },
      ],
      ['POST', '/v1/grants', { ...grant('reader', 'research', 'read'), target: { type: 'team', id: 't' } }],
      ['POST', '/v1/grants', grant(control, 'research', 'read')],
      ['POST', '/v1/grants', grant('reader', 'x\u0000y', 'read')],
      ['POST', '/v1/grants', { ...grant('reader', 'research', 'read'), extra: true }],
      [
        'POST',
        '/v1/grants/revoke',
        { principal: { type: 'agent', id: '' }, target: { type: 'space', id: 'research' } },
      ],
      ['POST', '/v1/spaces', { name: control }],
      ['POST', '/v1/spaces', { name: 'ok', id: 'x\u0001y' }],
      ['POST', '/v1/spaces', { name: 'x'.repeat(5_000) }],
      ['POST', '/v1/spaces', { name: 'ok', description: { nested: { deeper: ['x'] } } }],
      ['POST', '/v1/spaces', { name: 'ok', owner: 'me' }],
      ['POST', '/v1/memories', { kind: 'fact', text: 'x', spaceId: 'research', sessionId: 's1' }],
      ['POST', '/v1/memories', { kind: 'fact', text: 'x', spaceId: control }],
      ['GET', '/v1/memories?spaceId=a%07b'],
      ['GET', '/v1/grants?principalType=group&principalId=g'],
      ['GET', '/v1/grants?principalType=agent'],
      ['GET', '/v1/audit?action=erase'],
      ['GET', '/v1/audit?limit=0'],
      ['GET', '/v1/audit?since=yesterday'],
      ['GET', '/v1/audit?spaceId=a%00b'],
      ['POST', '/v1/flush', { spaceId: 'research', sessionId: 's1' }],
    ])('answers 400 to %s %s and changes nothing', async (method, path, body?: unknown) => {
      await call('POST', '/v1/spaces', admin, { name: 'research' });
      const before = await snapshot();
      const { status, json } = await call(method, path, admin, body);
      expect(status, JSON.stringify(json)).toBe(400);
      expect(['INVALID_INPUT', 'SCOPE_REQUIRED']).toContain(json.error.code);
      expect(await snapshot()).toBe(before);
    });

    it('refuses a body nested too deep with 400, and one over the size limit with 413', async () => {
      const before = await snapshot();
      const deep = `{"name":"x","description":${'['.repeat(MAX_BODY_NESTING + 5)}${']'.repeat(MAX_BODY_NESTING + 5)}}`;
      const nested = await app.request('/v1/spaces', {
        method: 'POST',
        headers: authHeaders(admin),
        body: deep,
      });
      expect(nested.status).toBe(400);
      const huge = JSON.stringify({ name: 'x', description: 'y'.repeat(1_100_000) });
      const large = await app.request('/v1/spaces', {
        method: 'POST',
        headers: authHeaders(admin),
        body: huge,
      });
      expect(large.status).toBe(413);
      expect(await snapshot()).toBe(before);
    });
  });

  it('declares the sharing routes, their schemas, 403 and spaceId in openapi.json', async () => {
    const document = (await (await app.request('/openapi.json')).json()) as LooseJson;
    const operations = Object.entries(document.paths as Record<string, LooseJson>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const sharing = [
      'POST /v1/spaces',
      'GET /v1/spaces',
      'GET /v1/spaces/{id}',
      'DELETE /v1/spaces/{id}',
      'GET /v1/grants',
      'POST /v1/grants',
      'POST /v1/grants/revoke',
      'GET /v1/audit',
    ];
    expect(operations).toEqual(expect.arrayContaining(sharing));
    for (const operation of sharing) {
      const [method, path] = operation.split(' ') as [string, string];
      expect(document.paths[path][method.toLowerCase()].responses['403']).toBeDefined();
    }
    const schemas = document.components.schemas as LooseJson;
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['Space', 'Grant', 'AuditEntry']));
    expect(schemas.Grant.properties.role.enum).toEqual(['read', 'write', 'admin']);
    const grantBody = document.paths['/v1/grants'].post.requestBody.content['application/json'].schema;
    expect(grantBody.required).toEqual(['principal', 'target', 'role']);
    expect(grantBody.properties.principal.properties.type.enum).toEqual(['user', 'agent', 'key']);
    const parameters = (path: string, method: string) =>
      (document.paths[path][method].parameters as LooseJson[]).map((parameter) => parameter.name);
    for (const [path, method] of [
      ['/v1/memories', 'get'],
      ['/v1/memories/{id}', 'delete'],
      ['/v1/core', 'get'],
      ['/v1/graph/entities', 'get'],
      ['/v1/working', 'get'],
      ['/v1/audit', 'get'],
    ] as const) {
      expect(parameters(path, method)).toContain('spaceId');
    }
    expect(parameters('/v1/grants', 'get')).toEqual(
      expect.arrayContaining(['principalType', 'principalId', 'targetType', 'targetId']),
    );
    const bodyOf = (path: string, method: string) =>
      document.paths[path][method].requestBody.content['application/json'].schema as LooseJson;
    for (const path of ['/v1/memories', '/v1/search', '/v1/context']) {
      expect(Object.keys(bodyOf(path, 'post').properties)).toContain('spaceId');
    }
    expect(bodyOf('/v1/core/{label}', 'put').properties.spaceId).toBeDefined();
    expect(bodyOf('/v1/search', 'post').properties.includeSpaces.type).toBe('boolean');
    for (const path of ['/v1/flush', '/v1/maintain', '/v1/purge']) {
      expect(bodyOf(path, 'post').properties.spaceId).toBeDefined();
    }
    expect(document.paths['/v1/memories'].get.responses['403'].description).toContain('grant');
  });
});
