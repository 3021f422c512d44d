import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dropSchema,
  postgresRequired,
  testPostgresUrl,
  uniqueSchema,
} from '../postgres/postgres-test-database.js';
import {
  type ApiKeyStore,
  generateApiKey,
  hashApiKey,
  looksLikeApiKey,
  openApiKeyStore,
} from './api-key-store.js';
import { createSqliteApiKeyStore } from './sql-api-key-store.js';

describe('generateApiKey', () => {
  it('makes distinct mnemo_ keys of 40 base62 characters', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey()));
    expect(keys.size).toBe(200);
    for (const key of keys) {
      expect(key).toMatch(/^mnemo_[0-9A-Za-z]{40}$/);
      expect(looksLikeApiKey(key)).toBe(true);
    }
  });

  it('hashes with sha256', () => {
    expect(hashApiKey('mnemo_abc')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey('mnemo_abc')).not.toBe(hashApiKey('mnemo_abd'));
  });
});

function describeKeyStore(
  name: string,
  open: () => Promise<{ store: ApiKeyStore; cleanup: () => Promise<void> }>,
) {
  describe(`${name} ApiKeyStore`, () => {
    let store: ApiKeyStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('creates a key, finds it by its secret, and never lists the secret', async () => {
      const { record, key } = await store.create({ tenantId: 'acme', role: 'write', name: 'ci' });
      expect(record).toMatchObject({ tenantId: 'acme', role: 'write', name: 'ci', revokedAt: undefined });
      expect(await store.findByKey(key)).toEqual(record);
      expect(await store.findByKey(generateApiKey())).toBeUndefined();
      const listed = await store.list();
      expect(listed).toEqual([record]);
      expect(JSON.stringify(listed)).not.toContain(key);
      expect(JSON.stringify(listed)).not.toContain(hashApiKey(key));
    });

    it('defaults the role to read and rejects an empty tenant', async () => {
      const { record } = await store.create({ tenantId: 'acme' } as never);
      expect(record.role).toBe('read');
      await expect(store.create({ tenantId: ' ', role: 'read' })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    });

    it('revokes a key once and reports unknown ids', async () => {
      const { record, key } = await store.create({ tenantId: 'acme', role: 'admin' });
      const revoked = await store.revoke(record.id);
      expect(revoked.revokedAt).toBeDefined();
      expect((await store.findByKey(key))?.revokedAt).toBe(revoked.revokedAt);
      expect((await store.revoke(record.id)).revokedAt).toBe(revoked.revokedAt);
      await expect(store.revoke('no-such-id')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('records the last use', async () => {
      const { record } = await store.create({ tenantId: 'acme', role: 'read' });
      await store.touch({ id: record.id, at: Date.parse('2026-11-21T03:00:00Z') });
      const [listed] = await store.list();
      expect(listed?.lastUsedAt).toBe('2026-11-21T03:00:00.000Z');
    });
  });
}

describeKeyStore('SQLite', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mnemo-keys-'));
  const store = await openApiKeyStore({ db: path.join(dir, 'mnemo.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite ApiKeyStore storage', () => {
  it('stores only the hash, in api_keys, versioned in mnemo_migrations, and reopens', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mnemo-keys-'));
    const file = path.join(dir, 'mnemo.db');
    try {
      const store = await openApiKeyStore({ db: file });
      const { key } = await store.create({ tenantId: 'acme', role: 'write' });
      await store.close();
      const reopened = await openApiKeyStore({ db: file });
      expect((await reopened.findByKey(key))?.tenantId).toBe('acme');
      await reopened.close();
      const db = new Database(file, { readonly: true });
      const rows = db.prepare('SELECT * FROM api_keys').all() as Record<string, unknown>[];
      const versions = db.prepare("SELECT version FROM mnemo_migrations WHERE component = 'keys'").all();
      db.close();
      expect(rows[0]?.key_hash).toBe(hashApiKey(key));
      expect(JSON.stringify(rows)).not.toContain(key);
      expect(versions).toEqual([{ version: 1 }, { version: 2 }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("SQLite ApiKeyStore under another process's write lock", () => {
  it('still finds keys, and skips recording a use instead of failing once the wait is spent', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mnemo-keys-'));
    const file = path.join(dir, 'mnemo.db');
    const store = createSqliteApiKeyStore({ path: file, busyTimeoutMs: 100 });
    await store.init();
    try {
      const { record, key } = await store.create({ tenantId: 'acme', role: 'read' });
      const holder = new Database(file);
      holder.exec('BEGIN IMMEDIATE');
      expect((await store.findByKey(key))?.id).toBe(record.id);
      expect(await store.touch({ id: record.id, at: Date.now() })).toEqual({ recorded: false });
      holder.exec('COMMIT');
      holder.close();
      expect(await store.touch({ id: record.id, at: Date.parse('2026-11-21T03:00:00Z') })).toEqual({
        recorded: true,
      });
      expect((await store.findByKey(key))?.lastUsedAt).toBe('2026-11-21T03:00:00.000Z');
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

if (testPostgresUrl === undefined && postgresRequired) {
  describe('PostgreSQL', () => {
    it('runs in CI (MNEMO_TEST_POSTGRES_URL must be set)', () => {
      expect.fail(
        'CI=true but MNEMO_TEST_POSTGRES_URL is not set: the PostgreSQL key store tests would be skipped.',
      );
    });
  });
}

describe.runIf(testPostgresUrl !== undefined)('PostgreSQL', () => {
  describeKeyStore('PostgreSQL', async () => {
    const schema = uniqueSchema('mnemo_keys');
    const url = testPostgresUrl as string;
    const store = await openApiKeyStore({ db: url, schema });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchema(url, schema);
      },
    };
  });
});
