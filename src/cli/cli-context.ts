// What every command shares: opening the store from --db/$MNEMO_DB, scope flags and value parsers.
import type { Command } from 'commander';
import type { Caller, ScopeRequest } from '../core/access.js';
import { invalidInput } from '../core/errors.js';
import type { JsonObject } from '../core/records.js';
import type { ScopeInput } from '../core/scope.js';
import { readTimeInput } from '../core/time-input.js';
import { createAnthropicLanguageModel } from '../models/anthropic-language-model.js';
import type { LanguageModel } from '../models/language-model.js';
import { createOpenAICompatibleLanguageModel } from '../models/openai-compatible-language-model.js';
import { createMemory, defaultStorePath, type Memory } from '../sdk/create-memory.js';
import type { EmbedderConfig } from '../sdk/resolve-embedder.js';
import { isPostgresUrl, type StoreConfig } from '../sdk/resolve-store.js';
import { type SqliteSynchronous, sqliteSynchronousValues } from '../store/sqlite/sqlite-busy.js';

/** How often long-running commands (`serve`, `mcp`) run due inference work: buffered batches, idle summaries. */
export const BACKGROUND_INTERVAL_MS = 15_000;

/** The flags every scoped command takes. */
export interface ScopeFlags {
  tenant?: string | undefined;
  user?: string | undefined;
  agent?: string | undefined;
  session?: string | undefined;
  space?: string | undefined;
}

/** Who every SDK call of the CLI is made as: the store's owner, on the `cli` surface (so the audit log says so). */
export const cliCaller: Caller = { surface: 'cli' };

/** Adds `--tenant --user --agent --session --space` to a command. */
export function addScopeFlags(command: Command): Command {
  return command
    .option('--tenant <id>', 'tenant id (default "default")')
    .option('--user <id>', 'user id')
    .option('--agent <id>', 'agent id')
    .option('--session <id>', 'session id')
    .option(
      '--space <id>',
      'a shared space of the tenant; with --agent/--user, they act in it and need a grant',
    );
}

/**
 * The scope fields of the flags (undefined fields left out), for commands that work on the store itself
 * (export, vacuum, import, maintenance) rather than through a scoped SDK call.
 */
export function storeScopeFromFlags(flags: ScopeFlags): ScopeInput {
  const scope: ScopeInput = {};
  if (flags.tenant !== undefined) scope.tenantId = flags.tenant;
  if (flags.user !== undefined) scope.userId = flags.user;
  if (flags.agent !== undefined) scope.agentId = flags.agent;
  if (flags.session !== undefined) scope.sessionId = flags.session;
  if (flags.space !== undefined) scope.spaceId = flags.space;
  return scope;
}

/**
 * Turns the scope flags into the scope of an SDK call, made as the CLI (`caller: { surface: 'cli' }`):
 * `--space` with `--agent`/`--user` names the space and who acts in it, checked against its grants.
 *
 * @example
 * scopeFromFlags({ tenant: 't1', agent: 'writer', space: 'research' });
 * // { tenantId: 't1', agentId: 'writer', spaceId: 'research', caller: { surface: 'cli' } }
 */
export function scopeFromFlags(flags: ScopeFlags): ScopeRequest {
  return { ...storeScopeFromFlags(flags), caller: cliCaller };
}

/** The store path: `--db`, else `$MNEMO_DB`, else `~/.mnemo/mnemo.db`. */
export function resolveDbPath(command: Command): string {
  const globals = command.optsWithGlobals<{ db?: string }>();
  return globals.db ?? process.env.MNEMO_DB ?? defaultStorePath();
}

/** SQLite commit durability from `MNEMO_SQLITE_SYNCHRONOUS` (`normal` or `full`); undefined when unset. */
export function sqliteSynchronousFromEnvironment(): SqliteSynchronous | undefined {
  const value = process.env.MNEMO_SQLITE_SYNCHRONOUS?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (!(sqliteSynchronousValues as readonly string[]).includes(value)) {
    throw invalidInput(
      `MNEMO_SQLITE_SYNCHRONOUS must be normal or full, got "${process.env.MNEMO_SQLITE_SYNCHRONOUS}"`,
    );
  }
  return value as SqliteSynchronous;
}

/** The `store` option of a command: the path or URL of resolveDbPath, with `MNEMO_SQLITE_SYNCHRONOUS`. */
export function resolveStoreOption(command: Command): string | StoreConfig {
  const db = resolveDbPath(command);
  const synchronous = sqliteSynchronousFromEnvironment();
  return synchronous === undefined || isPostgresUrl(db) ? db : { provider: 'sqlite', path: db, synchronous };
}

/** The embedder from `MNEMO_EMBED_*`, else the built-in offline one. */
export function embedderFromEnvironment(): EmbedderConfig | undefined {
  const baseURL = process.env.MNEMO_EMBED_BASE_URL;
  const model = process.env.MNEMO_EMBED_MODEL;
  if (baseURL === undefined || baseURL === '') return undefined;
  if (model === undefined || model === '') {
    throw invalidInput('MNEMO_EMBED_BASE_URL is set but MNEMO_EMBED_MODEL is not; set both (or neither).');
  }
  const apiKey = process.env.MNEMO_EMBED_API_KEY;
  const dimensionsText = process.env.MNEMO_EMBED_DIMENSIONS;
  const dimensions =
    dimensionsText === undefined || dimensionsText === '' ? undefined : Number(dimensionsText);
  if (dimensions !== undefined && (!Number.isInteger(dimensions) || dimensions < 1)) {
    throw invalidInput(`MNEMO_EMBED_DIMENSIONS must be a positive integer, got "${dimensionsText}"`);
  }
  const floorText = process.env.MNEMO_EMBED_SIMILARITY_FLOOR;
  const similarityFloor = floorText === undefined || floorText === '' ? undefined : Number(floorText);
  if (
    similarityFloor !== undefined &&
    !(Number.isFinite(similarityFloor) && Math.abs(similarityFloor) <= 1)
  ) {
    throw invalidInput(`MNEMO_EMBED_SIMILARITY_FLOOR must be a number from -1 to 1, got "${floorText}"`);
  }
  return {
    provider: 'openai-compatible',
    baseURL,
    model,
    apiKey: apiKey === '' ? undefined : apiKey,
    dimensions,
    similarityFloor,
  };
}

/**
 * The language model for inferred memory from `MNEMO_LLM_*`, else none (raw mode).
 * `MNEMO_LLM_PROVIDER` is `openai-compatible` (default) or `anthropic`.
 */
export function llmFromEnvironment(): LanguageModel | undefined {
  const provider = process.env.MNEMO_LLM_PROVIDER || 'openai-compatible';
  const model = process.env.MNEMO_LLM_MODEL || undefined;
  const apiKey = process.env.MNEMO_LLM_API_KEY || undefined;
  const baseURL = process.env.MNEMO_LLM_BASE_URL || undefined;
  if (provider === 'anthropic') {
    if (apiKey === undefined || model === undefined) {
      throw invalidInput('MNEMO_LLM_PROVIDER=anthropic needs MNEMO_LLM_API_KEY and MNEMO_LLM_MODEL.');
    }
    return createAnthropicLanguageModel({ apiKey, model, baseURL });
  }
  if (provider !== 'openai-compatible') {
    throw invalidInput(`MNEMO_LLM_PROVIDER must be openai-compatible or anthropic, got "${provider}"`);
  }
  if (baseURL === undefined) return undefined;
  if (model === undefined)
    throw invalidInput('MNEMO_LLM_BASE_URL is set but MNEMO_LLM_MODEL is not; set both (or neither).');
  return createOpenAICompatibleLanguageModel({ baseURL, model, apiKey });
}

/**
 * Opens the memory for one command, runs `work`, and always closes it.
 *
 * @example
 * await withMemory(command, async (memory) => memory.status());
 */
export async function withMemory<T>(command: Command, work: (memory: Memory) => Promise<T>): Promise<T> {
  const embedder = embedderFromEnvironment();
  const memory = await createMemory({
    store: resolveStoreOption(command),
    embedder,
    llm: llmFromEnvironment(),
    actor: 'cli',
  });
  try {
    return await work(memory);
  } finally {
    await memory.close();
  }
}

/** Parses a date/time flag; a value `Date.parse` cannot read is a usage error. */
export function parseDateFlag(value: string, flag: string): number {
  // The same rules as every other surface (timeInputSchema): ISO-8601, a real calendar date, years 0001-9999.
  const read = readTimeInput(value);
  if ('problem' in read) {
    throw invalidInput(
      `${flag} must be a date or date-time such as 2024-05-10 or 2024-05-10T14:00:00Z: ${read.problem}`,
    );
  }
  return read.ms;
}

/** Parses a JSON-object flag such as `--metadata '{"topic":"travel"}'`. */
export function parseJsonObjectFlag(value: string, flag: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw invalidInput(`${flag} must be a JSON object: ${(error as Error).message}`, undefined, error);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidInput(`${flag} must be a JSON object such as '{"topic":"travel"}'`);
  }
  return parsed as JsonObject;
}

/** Parses an integer flag within bounds. */
export function parseIntegerFlag(value: string, flag: string, bounds: { min: number; max: number }): number {
  const number = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || number < bounds.min || number > bounds.max) {
    throw invalidInput(`${flag} must be an integer from ${bounds.min} to ${bounds.max}, got "${value}"`);
  }
  return number;
}

/** Parses a number flag within bounds (`max: Infinity` for no upper bound). */
export function parseNumberFlag(value: string, flag: string, bounds: { min: number; max: number }): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < bounds.min || number > bounds.max) {
    const range =
      bounds.max === Number.POSITIVE_INFINITY
        ? `of at least ${bounds.min}`
        : `from ${bounds.min} to ${bounds.max}`;
    throw invalidInput(`${flag} must be a number ${range}, got "${value}"`);
  }
  return number;
}

const durationUnits: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration flag such as `--ttl 30m`: a whole number with `ms`, `s`, `m`, `h` or `d`, or plain
 * milliseconds. Returns milliseconds.
 *
 * @example
 * parseDurationFlag('2h', '--ttl', { maxMs: 365 * 86_400_000 }); // 7_200_000
 */
export function parseDurationFlag(value: string, flag: string, bounds: { maxMs: number }): number {
  const match = /^(\d+)\s*(ms|s|m|h|d)?$/i.exec(value.trim());
  const ms =
    match === null ? Number.NaN : Number(match[1]) * (durationUnits[(match[2] ?? 'ms').toLowerCase()] ?? 1);
  if (!Number.isSafeInteger(ms) || ms < 1 || ms > bounds.maxMs) {
    throw invalidInput(
      `${flag} must be a duration such as 90s, 30m, 2h, 7d or plain milliseconds, from 1 ms to ${bounds.maxMs / 86_400_000} days; got "${value}"`,
    );
  }
  return ms;
}
