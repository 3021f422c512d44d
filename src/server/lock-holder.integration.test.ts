// A foreign process holding the SQLite write lock never freezes the server: /healthz and reads answer,
// a write gets 503 STORE_BUSY with Retry-After once its (small) wait budget is spent.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory, type Memory } from '../sdk/create-memory.js';
import { type ApiKeyStore, openApiKeyStore } from '../store/keys/api-key-store.js';
import { type RunningServer, startServer } from './serve.js';
import { authHeaders } from './test-support/rest-fixture.js';

const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');
const HOLD_MS = 5_000;

let directory: string;
let dbPath: string;
let memory: Memory;
let keys: ApiKeyStore;
let server: RunningServer | undefined;
let holder: ChildProcess | undefined;

/** Starts another process that takes the write lock (BEGIN IMMEDIATE) and keeps it for `ms`. */
async function holdWriteLock(ms: number): Promise<ChildProcess> {
  const script = `
    const Database = require(${JSON.stringify(betterSqlite3)});
    const db = new Database(${JSON.stringify(dbPath)});
    db.prepare('BEGIN IMMEDIATE').run();
    process.stdout.write('locked\\n');
    setTimeout(() => { db.prepare('COMMIT').run(); db.close(); }, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
  });
  return child;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-lock-'));
  dbPath = path.join(directory, 'mnemo.db');
  memory = await createMemory({
    store: { provider: 'sqlite', path: dbPath, busyTimeoutMs: 1_500 },
    actor: 'rest',
  });
  keys = await openApiKeyStore({ db: dbPath });
});

afterEach(async () => {
  holder?.kill();
  holder = undefined;
  await server?.close();
  server = undefined;
  await memory.close();
  await keys.close();
  await rm(directory, { recursive: true, force: true });
});

describe('a foreign process holding the write lock', () => {
  it('leaves /healthz and searches answering, and turns a write into 503 STORE_BUSY with Retry-After', async () => {
    const writer = (await keys.create({ tenantId: 'acme', role: 'write' })).key;
    // Never used before the lock: its first request writes lastUsedAt, which must not fail the request.
    const reader = (await keys.create({ tenantId: 'acme', role: 'read' })).key;
    await memory.add('I keep bees on the roof', { tenantId: 'acme', userId: 'alice' });
    server = await startServer({ memory, keys, port: 0 });
    const url = server.url;
    holder = await holdWriteLock(HOLD_MS);
    const lockedAt = performance.now();

    const write = timed(() =>
      fetch(`${url}/v1/memories`, {
        method: 'POST',
        headers: authHeaders(writer),
        body: JSON.stringify({ text: 'written under the lock', userId: 'alice' }),
      }),
    );
    const health: number[] = [];
    for (let index = 0; index < 8; index++) {
      const { value, ms } = await timed(() => fetch(`${url}/healthz`));
      expect(value.status).toBe(200);
      health.push(ms);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const search = await timed(() =>
      fetch(`${url}/v1/search`, {
        method: 'POST',
        headers: authHeaders(reader),
        body: JSON.stringify({ query: 'bees', userId: 'alice' }),
      }),
    );
    const refused = await write;
    // Everything above happened while the lock was still held.
    expect(performance.now() - lockedAt).toBeLessThan(HOLD_MS);

    expect(Math.max(...health)).toBeLessThan(1_000);
    expect(search.value.status).toBe(200);
    expect(search.ms).toBeLessThan(1_000);
    const found = (await search.value.json()) as { results: Array<{ memory: { text: string } }> };
    expect(found.results[0]?.memory.text).toBe('I keep bees on the roof');

    expect(refused.value.status).toBe(503);
    expect(refused.value.headers.get('retry-after')).toBe('1');
    const body = (await refused.value.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('STORE_BUSY');
    expect(body.error.message).toContain('locked by another process');
    expect(body.error.message).not.toContain(directory);

    // Once the holder is gone the same write goes through.
    await new Promise<void>((resolve) => holder?.once('exit', () => resolve()));
    const retried = await fetch(`${url}/v1/memories`, {
      method: 'POST',
      headers: authHeaders(writer),
      body: JSON.stringify({ text: 'written after the lock', userId: 'alice' }),
    });
    expect(retried.status).toBe(201);
  }, 20_000);
});
