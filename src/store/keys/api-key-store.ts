// API keys: the ApiKeyStore interface, key generation and hashing, and the choice of backend by db string.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { MnemoError } from '../../core/errors.js';
import { scopeSchema } from '../../core/scope.js';

/** What a key may do: read (GET, search, context) ⊂ write (+ add, update, forget) ⊂ admin (everything). */
export const apiKeyRoles = ['read', 'write', 'admin'] as const;
export type ApiKeyRole = (typeof apiKeyRoles)[number];

/** A stored key, without its secret (only its sha256 is kept). */
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  role: ApiKeyRole;
  /** The user the key acts as (it can act only as that user), when bound. */
  userId: string | undefined;
  /** The agent the key acts as, when bound. */
  agentId: string | undefined;
  /** The one space the key reaches, when bound. */
  spaceId: string | undefined;
  name: string | undefined;
  createdAt: string;
  lastUsedAt: string | undefined;
  revokedAt: string | undefined;
}

/** Where API keys live: the same database as the memories, in its own table. */
export interface ApiKeyStore extends AsyncDisposable {
  /** `sqlite`, `postgres`, or another backend's name. */
  readonly provider: 'sqlite' | 'postgres' | (string & {});
  /** Opens the connection and applies pending migrations. */
  init(): Promise<void>;
  /** Creates a key and returns its record and the secret, which is never stored nor shown again. */
  create(input: ApiKeyCreateInput): Promise<{ record: ApiKeyRecord; key: string }>;
  /** Every key, newest first, revoked ones included. */
  list(): Promise<ApiKeyRecord[]>;
  /** The key whose secret is `key`, revoked or not; undefined when unknown. */
  findByKey(key: string): Promise<ApiKeyRecord | undefined>;
  /** Marks a key revoked. NOT_FOUND when the id is unknown; revoking twice keeps the first time. */
  revoke(id: string): Promise<ApiKeyRecord>;
  /**
   * Records that a key was used at `at` (epoch ms). Bookkeeping, so it never fails a request over a lock:
   * `recorded: false` when the database stayed locked by another process for the whole wait.
   */
  touch(input: { id: string; at: number }): Promise<{ recorded: boolean }>;
  close(): Promise<void>;
}

export const apiKeyCreateSchema = z.object({
  /** Same rules as a scope's tenantId. */
  tenantId: scopeSchema.shape.userId.unwrap(),
  role: z.enum(apiKeyRoles).default('read'),
  name: z.string().trim().min(1).max(200).optional(),
  /** Binds the key to a user: it acts only as that user (see core/access.ts). */
  userId: scopeSchema.shape.userId,
  /** Binds the key to an agent: it acts only as that agent. */
  agentId: scopeSchema.shape.agentId,
  /** Binds the key to one space: it reaches nothing else. */
  spaceId: scopeSchema.shape.spaceId,
});
export type ApiKeyCreateInput = z.input<typeof apiKeyCreateSchema>;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_BODY_LENGTH = 40;

/**
 * A new secret key: `mnemo_` and 40 random base62 characters (≈238 bits).
 *
 * @example
 * generateApiKey(); // 'mnemo_3kT9…'
 */
export function generateApiKey(): string {
  let body = '';
  while (body.length < KEY_BODY_LENGTH) {
    for (const byte of randomBytes(64)) {
      // 248 = 4 × 62: rejecting bytes above keeps every character equally likely.
      if (byte < 248 && body.length < KEY_BODY_LENGTH) body += BASE62[byte % 62];
    }
  }
  return `mnemo_${body}`;
}

/**
 * The stored form of a key: its sha256 in hex. Keys have enough entropy that a plain hash is safe.
 *
 * @example
 * hashApiKey('mnemo_abc').length; // 64
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** True when `value` looks like a Mnemo key (cheap check before a lookup). */
export function looksLikeApiKey(value: string): boolean {
  return /^mnemo_[0-9A-Za-z]{32,128}$/.test(value);
}

export function unknownKey(id: string): MnemoError {
  return new MnemoError({ code: 'NOT_FOUND', message: `API key ${id} was not found`, details: { id } });
}

/**
 * Opens the key store that lives beside the memories named by `db`: PostgreSQL for `postgres://` URLs,
 * else a SQLite file.
 *
 * @example
 * const keys = await openApiKeyStore({ db: './mnemo.db' });
 * const { key } = await keys.create({ tenantId: 'acme', role: 'write' });
 */
export async function openApiKeyStore(options: {
  db: string;
  schema?: string;
  /** SQLite only: commit durability, as the store's (default `normal`). */
  synchronous?: 'normal' | 'full';
}): Promise<ApiKeyStore> {
  const { createPostgresApiKeyStore, createSqliteApiKeyStore } = await import('./sql-api-key-store.js');
  const store = /^postgres(ql)?:\/\//i.test(options.db)
    ? createPostgresApiKeyStore({ connection: options.db, schema: options.schema })
    : createSqliteApiKeyStore({ path: options.db, synchronous: options.synchronous });
  await store.init();
  return store;
}
