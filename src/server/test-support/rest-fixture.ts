// Test support: a memory and an API key store on a real SQLite file in a temp dir, keys for two tenants, a JSON caller.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createMemory, type Memory } from '../../sdk/create-memory.js';
import { type ApiKeyStore, openApiKeyStore } from '../../store/keys/api-key-store.js';

export interface RestFixture {
  dir: string;
  dbPath: string;
  memory: Memory;
  keys: ApiKeyStore;
  /** Secrets by name: acmeWrite, acmeRead, acmeAdmin, globexWrite. */
  secrets: { acmeWrite: string; acmeRead: string; acmeAdmin: string; globexWrite: string };
  cleanup(): Promise<void>;
}

export async function createRestFixture(): Promise<RestFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mnemo-rest-'));
  const dbPath = path.join(dir, 'mnemo.db');
  const memory = await createMemory({ store: dbPath, actor: 'rest' });
  const keys = await openApiKeyStore({ db: dbPath });
  const acmeWrite = (await keys.create({ tenantId: 'acme', role: 'write', name: 'acme writer' })).key;
  const acmeRead = (await keys.create({ tenantId: 'acme', role: 'read' })).key;
  const acmeAdmin = (await keys.create({ tenantId: 'acme', role: 'admin' })).key;
  const globexWrite = (await keys.create({ tenantId: 'globex', role: 'write' })).key;
  return {
    dir,
    dbPath,
    memory,
    keys,
    secrets: { acmeWrite, acmeRead, acmeAdmin, globexWrite },
    async cleanup() {
      await memory.close();
      await keys.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Headers for a JSON request with a bearer key. */
export function authHeaders(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are explored by the assertions themselves.
export type LooseJson = Record<string, any>;

/** Anything with Hono's `request()`: the REST app under test. */
export interface RequestTarget {
  request(path: string, init?: RequestInit): Response | Promise<Response>;
}

/**
 * A JSON client of an app under test: `call(method, path, key, body?)` answers the status and parsed body.
 *
 * @example
 * const call = restCaller(app);
 * const { status, json } = await call('PUT', '/v1/core/persona', secrets.acmeWrite, { userId: 'alice', value: 'Brief.' });
 */
export function restCaller(app: RequestTarget) {
  return async (method: string, path: string, key: string, body?: unknown) => {
    const response = await app.request(path, {
      method,
      headers: authHeaders(key),
      body: body === undefined ? null : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as LooseJson };
  };
}
