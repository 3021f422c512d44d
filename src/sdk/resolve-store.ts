// Turns the `store` option (an instance, a path or URL, a pg.Pool, or a config) into an initialised MemoryStore.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { MnemoError } from '../core/errors.js';
import type { MemoryStore } from '../store/memory-store.js';
import { createPostgresStore } from '../store/postgres/postgres-store.js';
import { type SqliteSynchronous, sqliteSynchronousValues } from '../store/sqlite/sqlite-busy.js';
import { createSqliteStore } from '../store/sqlite/sqlite-store.js';

/**
 * Store configuration, discriminated by provider. SQLite: `busyTimeoutMs` is the total (asynchronous) wait
 * for another process's lock; `synchronous: 'full'` fsyncs every commit (see docs/configuration.md).
 */
export type StoreConfig =
  | { provider: 'sqlite'; path: string; busyTimeoutMs?: number; synchronous?: SqliteSynchronous }
  | { provider: 'postgres'; connection: string | pg.Pool; schema?: string; maxConnections?: number };

/** True for `postgres://` and `postgresql://` connection strings. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

export async function resolveStore(
  option: MemoryStore | string | StoreConfig | pg.Pool,
): Promise<MemoryStore> {
  if (option instanceof pg.Pool) return open(createPostgresStore({ connection: option }));
  if (typeof option === 'string') {
    return isPostgresUrl(option)
      ? open(createPostgresStore({ connection: option }))
      : openSqlite({ path: option });
  }
  if ('init' in option && typeof option.init === 'function') return option;
  const config = option as StoreConfig;
  if (config.provider === 'sqlite') return openSqlite(config);
  if (config.provider === 'postgres') {
    return open(
      createPostgresStore({
        connection: config.connection,
        schema: config.schema,
        maxConnections: config.maxConnections,
      }),
    );
  }
  throw new MnemoError({
    code: 'CONFIG_INVALID',
    message: 'store must be a MemoryStore, a file path, a postgres:// URL, a pg.Pool, or { provider, … }',
  });
}

async function open(store: MemoryStore): Promise<MemoryStore> {
  await store.init();
  return store;
}

async function openSqlite(config: {
  path: string;
  busyTimeoutMs?: number;
  synchronous?: SqliteSynchronous;
}): Promise<MemoryStore> {
  if (config.synchronous !== undefined && !sqliteSynchronousValues.includes(config.synchronous)) {
    throw new MnemoError({
      code: 'CONFIG_INVALID',
      message: `store.synchronous must be 'normal' or 'full', got ${JSON.stringify(config.synchronous)}`,
    });
  }
  if (config.path !== ':memory:') mkdirSync(path.dirname(path.resolve(config.path)), { recursive: true });
  return open(
    createSqliteStore({
      path: config.path,
      busyTimeoutMs: config.busyTimeoutMs,
      synchronous: config.synchronous,
    }),
  );
}
