// The upkeep routes: POST /v1/maintain and /v1/purge (admin keys, bound to the key's tenant), and
// POST /v1/memories/{id}/unmerge and /unarchive (write keys), on a real SQLite file and, with
// MNEMO_TEST_POSTGRES_URL, on PostgreSQL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { MemoryRecord } from '../../core/records.js';
import { type RestBackend, restBackends } from '../test-support/rest-backends.js';
import { type LooseJson, restCaller } from '../test-support/rest-fixture.js';
import { createRestApp } from './create-rest-app.js';
import { maintainReportSchema, memoryRecordSchema, unmergeResultSchema } from './maintain-schemas.js';

const backends = restBackends('maintain');

describe.each(backends)('the upkeep routes on $name', ({ open }) => {
  let fixture: RestBackend;
  let app: ReturnType<typeof createRestApp>;
  let call: ReturnType<typeof restCaller>;

  beforeEach(async () => {
    fixture = await open();
    app = createRestApp({ memory: fixture.memory, keys: fixture.keys });
    call = restCaller(app);
  });
  afterEach(async () => {
    await fixture.cleanup();
  });

  /** Asserts that an answer has exactly the documented fields and types (openapi.json says what it holds). */
  function expectDocumented(schema: z.ZodObject, record: unknown): void {
    expect(Object.keys(record as object).filter((key) => !(key in schema.shape))).toEqual([]);
    expect(schema.safeParse(record).error).toBeUndefined();
  }

  async function addFact(key: string, userId: string, text: string, extra: LooseJson = {}) {
    const { status, json } = await call('POST', '/v1/memories', key, {
      kind: 'fact',
      text,
      userId,
      ...extra,
    });
    expect(status, JSON.stringify(json)).toBe(201);
    return json.memories[0] as MemoryRecord;
  }

  async function addRestatements(key = fixture.secrets.acmeWrite, userId = 'h') {
    const first = await addFact(key, userId, 'I enjoy hiking in the Alps');
    const second = await addFact(key, userId, 'I really enjoy hiking in the Alps');
    return [first, second] as const;
  }

  async function currentTexts(tenantId: string, userId: string): Promise<string[]> {
    return (await fixture.memory.list({ tenantId, userId })).items.map((item) => item.text).sort();
  }

  /** Everything a refused request must leave as it was: the current memories and their history. */
  async function snapshot(): Promise<string> {
    const { items } = await fixture.memory.list({ tenantId: 'acme', userId: 'h', includeHistory: true });
    return JSON.stringify(items.map((item) => [item.id, item.text, item.retiredAt, item.archivedAt]));
  }

  describe('POST /v1/maintain', () => {
    it('is for admin keys only: read and write keys get 403 and change nothing', async () => {
      await addRestatements();
      for (const key of [fixture.secrets.acmeRead, fixture.secrets.acmeWrite]) {
        for (const path of ['/v1/maintain', '/v1/purge']) {
          const { status, json } = await call('POST', path, key, {});
          expect(status).toBe(403);
          expect(json.error.code).toBe('FORBIDDEN');
        }
      }
      expect(await currentTexts('acme', 'h')).toHaveLength(2);
    });

    it("runs in the key's tenant only and answers the documented MaintainReport", async () => {
      await addRestatements();
      await addRestatements(fixture.secrets.globexWrite);
      const { status, json } = await call('POST', '/v1/maintain', fixture.secrets.acmeAdmin, {
        maxLlmCalls: 0,
      });
      expect(status, JSON.stringify(json)).toBe(200);
      expectDocumented(maintainReportSchema, json);
      expect(json.merged).toHaveLength(1);
      expect(json.merged[0].by).toBe('offline');
      expect(json.scopes.examined).toBeGreaterThanOrEqual(1);
      expect(await currentTexts('acme', 'h')).toHaveLength(1);
      expect(await currentTexts('globex', 'h')).toHaveLength(2);
    });

    it('takes an empty body as every scope of the tenant, and a scope to narrow it', async () => {
      await addRestatements(fixture.secrets.acmeWrite, 'h');
      await addRestatements(fixture.secrets.acmeWrite, 'k');
      const narrowed = await call('POST', '/v1/maintain', fixture.secrets.acmeAdmin, { userId: 'k' });
      expect(narrowed.status).toBe(200);
      expect(await currentTexts('acme', 'h')).toHaveLength(2);
      expect(await currentTexts('acme', 'k')).toHaveLength(1);
      const response = await app.request('/v1/maintain', {
        method: 'POST',
        headers: { authorization: `Bearer ${fixture.secrets.acmeAdmin}` },
      });
      expect(response.status).toBe(200);
      expect(await currentTexts('acme', 'h')).toHaveLength(1);
    });

    it('refuses a body naming another tenant with 403', async () => {
      await addRestatements(fixture.secrets.globexWrite);
      const { status, json } = await call('POST', '/v1/maintain', fixture.secrets.acmeAdmin, {
        tenantId: 'globex',
      });
      expect(status).toBe(403);
      expect(json.error.code).toBe('FORBIDDEN');
      expect(await currentTexts('globex', 'h')).toHaveLength(2);
    });

    it.each([
      ['malformed JSON', '{"maxLlmCalls": 1'],
      ['a wrong type', { maxLlmCalls: '8' }],
      ['an unknown field', { maxLlmCalls: 1, dryRun: true }],
      ['a negative budget', { maxLlmCalls: -1 }],
      ['a budget out of range', { maxMemories: 0 }],
      ['a fractional budget', { maxMemories: 1.5 }],
      ['an unknown step', { steps: ['expire', 'tidy'] }],
      ['no steps', { steps: [] }],
      ['a non-boolean full', { full: 'yes' }],
      ['a control character in a scope', { userId: 'h\u0007' }],
      ['onProgress', { onProgress: 'x' }],
    ])('answers 400 INVALID_INPUT to %s and changes nothing', async (_what, body) => {
      await addRestatements();
      const before = await snapshot();
      const response = await app.request('/v1/maintain', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${fixture.secrets.acmeAdmin}`,
          'content-type': 'application/json',
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as LooseJson).error.code).toBe('INVALID_INPUT');
      expect(await snapshot()).toBe(before);
    });
  });

  describe('POST /v1/purge', () => {
    it("erases the expired memories of the key's tenant", async () => {
      const past = new Date(Date.now() - 60_000).toISOString();
      await addFact(fixture.secrets.acmeWrite, 'h', 'My gate code is wombat 4417', { expiresAt: past });
      await addFact(fixture.secrets.globexWrite, 'h', 'My gate code is numbat 99', { expiresAt: past });
      await addFact(fixture.secrets.acmeWrite, 'h', 'I enjoy hiking in the Alps');
      const { status, json } = await call('POST', '/v1/purge', fixture.secrets.acmeAdmin, {});
      expect(status).toBe(200);
      expect(json).toEqual({ purged: 1 });
      // The other tenant's expired memory was left: purging that tenant still finds it.
      expect(await fixture.memory.purgeExpired({ tenantId: 'globex' })).toEqual({ purged: 1 });
      expect(await currentTexts('acme', 'h')).toEqual(['I enjoy hiking in the Alps']);
    });
  });

  describe('POST /v1/memories/{id}/unmerge', () => {
    it('restores the sources of a merge and erases the merged memory', async () => {
      const [first, second] = await addRestatements();
      const report = await call('POST', '/v1/maintain', fixture.secrets.acmeAdmin, {});
      const mergedId = report.json.merged[0].id as string;
      const { status, json } = await call(
        'POST',
        `/v1/memories/${mergedId}/unmerge?userId=h`,
        fixture.secrets.acmeWrite,
      );
      expect(status, JSON.stringify(json)).toBe(200);
      expectDocumented(unmergeResultSchema, json);
      for (const record of json.restored) expectDocumented(memoryRecordSchema, record);
      expect(json.erasedId).toBe(mergedId);
      expect(json.restored.map((record: MemoryRecord) => record.id).sort()).toEqual(
        [first.id, second.id].sort(),
      );
      expect(await currentTexts('acme', 'h')).toEqual([first.text, second.text].sort());
    });

    it('takes the scope in the body as well, but not in both places', async () => {
      await addRestatements();
      const report = await call('POST', '/v1/maintain', fixture.secrets.acmeAdmin, {});
      const mergedId = report.json.merged[0].id as string;
      const both = await call(
        'POST',
        `/v1/memories/${mergedId}/unmerge?userId=h`,
        fixture.secrets.acmeWrite,
        {
          userId: 'h',
        },
      );
      expect(both.status).toBe(400);
      const inBody = await call('POST', `/v1/memories/${mergedId}/unmerge`, fixture.secrets.acmeWrite, {
        userId: 'h',
      });
      expect(inBody.status).toBe(200);
    });

    it('answers 404 for an unknown id or another tenant, 409 for a memory that is not a merge', async () => {
      const [first] = await addRestatements();
      const report = await call('POST', '/v1/maintain', fixture.secrets.acmeAdmin, {});
      const mergedId = report.json.merged[0].id as string;
      const before = await snapshot();
      const unknown = await call(
        'POST',
        '/v1/memories/no-such-id/unmerge?userId=h',
        fixture.secrets.acmeWrite,
      );
      expect(unknown.status).toBe(404);
      expect(unknown.json.error.code).toBe('NOT_FOUND');
      const otherTenant = await call(
        'POST',
        `/v1/memories/${mergedId}/unmerge?userId=h`,
        fixture.secrets.globexWrite,
      );
      expect(otherTenant.status).toBe(404);
      const notMerge = await call(
        'POST',
        `/v1/memories/${first.id}/unmerge?userId=h`,
        fixture.secrets.acmeWrite,
      );
      expect(notMerge.status).toBe(409);
      expect(notMerge.json.error.code).toBe('CONFLICT');
      expect(await snapshot()).toBe(before);
    });

    it('needs a write key and a scope', async () => {
      const [first] = await addRestatements();
      const read = await call('POST', `/v1/memories/${first.id}/unmerge?userId=h`, fixture.secrets.acmeRead);
      expect(read.status).toBe(403);
      const noScope = await call('POST', `/v1/memories/${first.id}/unmerge`, fixture.secrets.acmeWrite);
      expect(noScope.status).toBe(400);
      expect(noScope.json.error.code).toBe('SCOPE_REQUIRED');
      const unknownField = await call('POST', `/v1/memories/${first.id}/unmerge`, fixture.secrets.acmeWrite, {
        userId: 'h',
        force: true,
      });
      expect(unknownField.status).toBe(400);
      expect(unknownField.json.error.code).toBe('INVALID_INPUT');
    });
  });

  describe('POST /v1/memories/{id}/unarchive', () => {
    it('answers 404 for an unknown id and 409 for a memory that is not archived', async () => {
      const [first] = await addRestatements();
      const unknown = await call(
        'POST',
        '/v1/memories/no-such-id/unarchive?userId=h',
        fixture.secrets.acmeWrite,
      );
      expect(unknown.status).toBe(404);
      const current = await call(
        'POST',
        `/v1/memories/${first.id}/unarchive?userId=h`,
        fixture.secrets.acmeWrite,
      );
      expect(current.status).toBe(409);
      expect(current.json.error.code).toBe('CONFLICT');
      const read = await call(
        'POST',
        `/v1/memories/${first.id}/unarchive?userId=h`,
        fixture.secrets.acmeRead,
      );
      expect(read.status).toBe(403);
    });
  });

  describe('the upkeep routes in openapi.json', () => {
    it('declares their bodies, roles and answers', async () => {
      const document = (await (await app.request('/openapi.json')).json()) as {
        paths: Record<string, Record<string, LooseJson>>;
        components: { schemas: Record<string, LooseJson> };
      };
      const maintain = document.paths['/v1/maintain']?.post;
      expect(maintain?.description).toContain('`admin`');
      const body = maintain?.requestBody;
      expect(body.required).toBe(false);
      const schema = body.content['application/json'].schema as LooseJson;
      expect(Object.keys(schema.properties)).toEqual(
        expect.arrayContaining(['userId', 'steps', 'maxLlmCalls', 'maxMemories', 'full']),
      );
      expect(schema.additionalProperties).toBe(false);
      expect(maintain?.responses['200'].content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/MaintainReport',
      });
      expect(document.components.schemas.MaintainReport?.required).toEqual(
        expect.arrayContaining(['merged', 'superseded', 'purged', 'remaining', 'complete']),
      );
      expect(document.paths['/v1/purge']?.post?.description).toContain('`admin`');
      const unmerge = document.paths['/v1/memories/{id}/unmerge']?.post;
      expect(unmerge?.description).toContain('`write`');
      expect(unmerge?.responses['409']).toBeDefined();
      expect(
        document.paths['/v1/memories/{id}/unarchive']?.post?.responses['200'].content['application/json']
          .schema,
      ).toEqual({ $ref: '#/components/schemas/MemoryRecord' });
    });
  });
});
