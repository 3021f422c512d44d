// `mnemo serve` (the REST server) and `mnemo keys create|list|revoke` (API keys in the store's database).
import type { Command } from 'commander';
import { invalidInput } from '../../core/errors.js';
import { createMemory, type Memory } from '../../sdk/create-memory.js';
import { DEFAULT_BODY_LIMIT_BYTES } from '../../server/rest/create-rest-app.js';
import { DEFAULT_RATE_LIMIT_PER_MINUTE } from '../../server/rest/rate-limit.js';
import { isLoopbackHost, startServer } from '../../server/serve.js';
import {
  type ApiKeyRecord,
  type ApiKeyRole,
  type ApiKeyStore,
  apiKeyRoles,
  openApiKeyStore,
} from '../../store/keys/api-key-store.js';
import {
  BACKGROUND_INTERVAL_MS,
  cliCaller,
  embedderFromEnvironment,
  llmFromEnvironment,
  resolveDbPath,
  resolveStoreOption,
  sqliteSynchronousFromEnvironment,
} from '../cli-context.js';
import {
  addMaintainScheduleFlags,
  describeMaintenance,
  type MaintainScheduleFlags,
  maintenanceFromFlags,
  withUpkeepLog,
} from './maintain-commands.js';

/** What the commands write to and wait on; defaults to the process (tests pass their own). */
export interface ServerCommandsContext {
  stdout?: ((text: string) => void) | undefined;
  stderr?: ((text: string) => void) | undefined;
  /** Stops `serve` like SIGINT/SIGTERM do. */
  shutdownSignal?: AbortSignal | undefined;
}

interface ServeFlags extends MaintainScheduleFlags {
  host: string;
  port: string;
  auth: boolean;
  bodyLimit: string;
  rateLimit?: string | undefined;
}

/**
 * Parses a size such as `1mb`, `512kb` or `2048` (bytes).
 *
 * @example
 * parseByteSize('1mb'); // 1048576
 */
export function parseByteSize(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
  const units: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
  const bytes =
    match === null ? Number.NaN : Number(match[1]) * (units[(match[2] ?? 'b').toLowerCase()] ?? 1);
  if (!Number.isFinite(bytes) || bytes < 1 || bytes > 1024 ** 3) {
    throw invalidInput(
      `--body-limit must be a size such as 1mb, 512kb or 4096 (at most 1gb), got "${value}"`,
    );
  }
  return Math.floor(bytes);
}

/**
 * Parses `--rate-limit` (else `$MNEMO_RATE_LIMIT`): requests a minute per API key, 0 for no limit.
 *
 * @example
 * parseRateLimit('120', '--rate-limit'); // 120
 */
export function parseRateLimit(value: string, source: string): number {
  const rate = Number(value.trim());
  if (!/^\s*\d+\s*$/.test(value) || rate > 1_000_000) {
    throw invalidInput(
      `${source} must be a whole number of requests a minute per API key (0 turns the limit off), got "${value}"`,
    );
  }
  return rate;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw invalidInput(`--port must be 0 to 65535, got "${value}"`);
  return port;
}

function parseRole(value: string): ApiKeyRole {
  if (!(apiKeyRoles as readonly string[]).includes(value)) {
    throw invalidInput(`--role must be one of ${apiKeyRoles.join(', ')}, got "${value}"`);
  }
  return value as ApiKeyRole;
}

/**
 * Registers `mnemo serve` and `mnemo keys create|list|revoke` on `program` (which owns `--db`).
 *
 * @example
 * registerServerCommands(program, {}); // mnemo serve --port 8787 ; mnemo keys create --tenant acme --role write
 */
export function registerServerCommands(program: Command, context: ServerCommandsContext = {}): void {
  const out = context.stdout ?? ((text: string) => process.stdout.write(text));
  const err = context.stderr ?? ((text: string) => process.stderr.write(text));
  registerServe(program, context, { out, err });
  registerKeys(program, { out });
}

function registerServe(
  program: Command,
  context: ServerCommandsContext,
  io: { out: (text: string) => void; err: (text: string) => void },
): void {
  const serve = program
    .command('serve')
    .description('serve the REST API (API keys required unless --no-auth on a loopback host)')
    .option('--host <host>', 'the address to bind', '127.0.0.1')
    .option('--port <port>', 'the port (0 picks a free one)', '8787')
    .option('--no-auth', 'turn API keys off (only on 127.0.0.1, ::1 or localhost)')
    .option(
      '--body-limit <size>',
      'largest request body, e.g. 1mb or 256kb',
      `${DEFAULT_BODY_LIMIT_BYTES / 1024 / 1024}mb`,
    )
    .option(
      '--rate-limit <requests-per-minute>',
      `requests a minute per API key (per client without auth), 0 for none; default $MNEMO_RATE_LIMIT, else ${DEFAULT_RATE_LIMIT_PER_MINUTE}`,
    );
  addMaintainScheduleFlags(serve).action(async (flags: ServeFlags, command: Command) => {
    const port = parsePort(flags.port);
    const bodyLimitBytes = parseByteSize(flags.bodyLimit);
    const rateLimit = resolveRateLimit(flags.rateLimit);
    const maintenance = withUpkeepLog(maintenanceFromFlags(flags, process.env.MNEMO_MAINTAIN_EVERY), io.err);
    if (!flags.auth && !isLoopbackHost(flags.host)) {
      throw invalidInput(
        `--no-auth is allowed only on a loopback host (127.0.0.1, ::1, localhost), not ${flags.host}; create a key with \`mnemo keys create --tenant T\` instead.`,
      );
    }
    const db = resolveDbPath(command);
    const memory = await createMemory({
      store: resolveStoreOption(command),
      embedder: embedderFromEnvironment(),
      llm: llmFromEnvironment(),
      actor: 'rest',
      // A long-running server infers buffered batches and summarises idle sessions on its own.
      background: { intervalMs: BACKGROUND_INTERVAL_MS },
      // Upkeep on a timer too (hourly by default): expired memories erased, restatements merged, …
      maintenance,
    });
    let keys: ApiKeyStore | undefined;
    try {
      keys = flags.auth ? await openApiKeyStore(keyStoreOptions(db)) : undefined;
      await serveUntilStopped({
        memory,
        keys,
        host: flags.host,
        port,
        bodyLimitBytes,
        rateLimit,
        upkeep: describeMaintenance(maintenance),
        context,
        io,
      });
    } finally {
      await keys?.close();
      await memory.close();
    }
  });
}

async function serveUntilStopped(input: {
  memory: Awaited<ReturnType<typeof createMemory>>;
  keys: ApiKeyStore | undefined;
  host: string;
  port: number;
  bodyLimitBytes: number;
  rateLimit: number;
  /** When upkeep runs, for the line printed at start. */
  upkeep: string;
  context: ServerCommandsContext;
  io: { out: (text: string) => void; err: (text: string) => void };
}): Promise<void> {
  const { io, keys } = input;
  if (keys === undefined) {
    io.err(
      '\n!!! WARNING: authentication is OFF (--no-auth). Anyone who can reach this port can read, change and erase\n' +
        "!!! every tenant's memories. Use it only for local development.\n\n",
    );
  } else if ((await keys.list()).every((key) => key.revokedAt !== undefined)) {
    io.err(
      'note: no active API key yet; create one with `mnemo keys create --tenant <tenant> --role write`.\n',
    );
  }
  const server = await startServer({
    memory: input.memory,
    keys,
    auth: keys !== undefined,
    host: input.host,
    port: input.port,
    bodyLimitBytes: input.bodyLimitBytes,
    rateLimit: input.rateLimit,
    onInternalError: (error) =>
      io.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`),
  });
  const limit =
    input.rateLimit === 0 ? 'no rate limit' : `rate limit ${input.rateLimit} requests a minute per key`;
  io.out(
    `Mnemo REST API listening on ${server.url} (OpenAPI: ${server.url}/openapi.json; ${limit}; ${input.upkeep})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      input.context.shutdownSignal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (input.context.shutdownSignal?.aborted === true) stop();
    input.context.shutdownSignal?.addEventListener('abort', stop);
  });
  io.err('shutting down: finishing in-flight requests…\n');
  await server.close();
}

/** `--rate-limit`, else `$MNEMO_RATE_LIMIT`, else the default. */
function resolveRateLimit(flag: string | undefined): number {
  if (flag !== undefined) return parseRateLimit(flag, '--rate-limit');
  const environment = process.env.MNEMO_RATE_LIMIT;
  if (environment !== undefined && environment !== '') return parseRateLimit(environment, 'MNEMO_RATE_LIMIT');
  return DEFAULT_RATE_LIMIT_PER_MINUTE;
}

/** What a key is bound to, e.g. `user:alice,agent:support`, `space:research`, or `-` (the whole tenant). */
export function describeKeyBinding(key: Pick<ApiKeyRecord, 'userId' | 'agentId' | 'spaceId'>): string {
  const parts: string[] = [];
  if (key.userId !== undefined) parts.push(`user:${key.userId}`);
  if (key.agentId !== undefined) parts.push(`agent:${key.agentId}`);
  if (key.spaceId !== undefined) parts.push(`space:${key.spaceId}`);
  return parts.length === 0 ? '-' : parts.join(',');
}

function formatKey(key: ApiKeyRecord): string {
  const state = key.revokedAt === undefined ? 'active' : `revoked ${key.revokedAt}`;
  return [
    key.id,
    `tenant=${key.tenantId}`,
    `role=${key.role}`,
    `bound=${describeKeyBinding(key)}`,
    `name=${key.name ?? '-'}`,
    `created=${key.createdAt}`,
    `lastUsed=${key.lastUsedAt ?? 'never'}`,
    state,
  ].join('  ');
}

/** The key store beside the memory tables, with MNEMO_SQLITE_SYNCHRONOUS when it is set. */
function keyStoreOptions(db: string): Parameters<typeof openApiKeyStore>[0] {
  const synchronous = sqliteSynchronousFromEnvironment();
  return synchronous === undefined ? { db } : { db, synchronous };
}

async function withKeys<T>(
  command: Command,
  work: (keys: ApiKeyStore) => Promise<T>,
  check?: (memory: Memory) => Promise<void>,
): Promise<T> {
  const db = resolveDbPath(command);
  // Opening the memory first creates the file (and its folder) and migrates the memory tables beside the keys.
  const memory = await createMemory({ store: db, embedder: false, actor: 'cli' });
  try {
    await check?.(memory);
  } finally {
    await memory.close();
  }
  const keys = await openApiKeyStore(keyStoreOptions(db));
  try {
    return await work(keys);
  } finally {
    await keys.close();
  }
}

interface KeyCreateFlags {
  tenant: string;
  role: string;
  name?: string | undefined;
  user?: string | undefined;
  agent?: string | undefined;
  space?: string | undefined;
  json?: boolean | undefined;
}

function registerKeys(program: Command, io: { out: (text: string) => void }): void {
  const keys = program
    .command('keys')
    .description('manage REST API keys (stored hashed in the --db database)');
  keys
    .command('create')
    .description('create an API key bound to a tenant (and optionally a user, agent or space); printed once')
    .requiredOption('--tenant <id>', 'the tenant every request of this key is bound to')
    .option('--user <id>', 'the key acts only as this user (its memory, and what the user was granted)')
    .option('--agent <id>', 'the key acts only as this agent')
    .option('--space <id>', 'the key reaches only this space (not with --user/--agent)')
    .option('--role <role>', `one of ${apiKeyRoles.join(', ')}: a ceiling on everything the key does`, 'read')
    .option('--name <name>', 'a label to recognise the key by')
    .option('--json', 'print JSON')
    .action(async (flags: KeyCreateFlags, command: Command) => {
      const role = parseRole(flags.role);
      if (flags.space !== undefined && (flags.user !== undefined || flags.agent !== undefined)) {
        throw invalidInput(
          'a key bound to a space cannot also be bound to a user or agent: give --space alone',
        );
      }
      const spaceId = flags.space;
      const { record, key } = await withKeys(
        command,
        (store) =>
          store.create({
            tenantId: flags.tenant,
            role,
            ...(flags.name === undefined ? {} : { name: flags.name }),
            ...(flags.user === undefined ? {} : { userId: flags.user }),
            ...(flags.agent === undefined ? {} : { agentId: flags.agent }),
            ...(spaceId === undefined ? {} : { spaceId }),
          }),
        // A key bound to a space that does not exist could never be used: NOT_FOUND, and no key is made.
        spaceId === undefined
          ? undefined
          : async (memory) => {
              await memory.spaces.get(spaceId, { tenantId: flags.tenant, caller: cliCaller });
            },
      );
      if (flags.json === true) {
        io.out(`${JSON.stringify({ key, ...record })}\n`);
        return;
      }
      io.out(
        `${key}\n\n${formatKey(record)}\nStore this key now: it is not saved and will not be shown again.\n`,
      );
    });
  keys
    .command('list')
    .description('list API keys (never the keys themselves)')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const records = await withKeys(command, (store) => store.list());
      if (flags.json === true) io.out(`${JSON.stringify({ keys: records })}\n`);
      else io.out(records.length === 0 ? 'no API keys\n' : `${records.map(formatKey).join('\n')}\n`);
    });
  keys
    .command('revoke')
    .description('revoke an API key by id; requests with it then answer 401')
    .argument('<id>', 'the key id shown by `mnemo keys list`')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const record = await withKeys(command, (store) => store.revoke(id));
      io.out(flags.json === true ? `${JSON.stringify(record)}\n` : `revoked ${formatKey(record)}\n`);
    });
}
