// The flags of the sharing commands: roles, `--agent | --user | --key`, `--principal type:id`, and how a
// space's tenant is found when `--tenant` is left out.
import type { Command } from 'commander';
import { type GrantRole, grantRoles, type PrincipalRef, principalTypes } from '../core/access.js';
import { invalidInput, MnemoError } from '../core/errors.js';
import { scopeSchema } from '../core/scope.js';
import { parseInput } from '../core/validate.js';
import type { Memory } from '../sdk/create-memory.js';
import { openApiKeyStore } from '../store/keys/api-key-store.js';
import { resolveDbPath, sqliteSynchronousFromEnvironment } from './cli-context.js';

/** `--agent A | --user U | --key K`: who a grant is given to. */
export interface PrincipalFlags {
  tenant?: string | undefined;
  agent?: string | undefined;
  user?: string | undefined;
  key?: string | undefined;
}

/** An id of a space, user, agent or key: the rules of a scope's levels. */
export const idSchema = scopeSchema.shape.userId.unwrap();

/** Checks `--role` against read, write, admin. */
export function parseGrantRole(value: string): GrantRole {
  if (!(grantRoles as readonly string[]).includes(value)) {
    throw invalidInput(`--role must be one of ${grantRoles.join(', ')}, got "${value}"`);
  }
  return value as GrantRole;
}

/**
 * The principal of `--agent | --user | --key`: exactly one when `required`, at most one otherwise.
 *
 * @example
 * principalFromFlags({ agent: 'writer' }, { required: true }); // { type: 'agent', id: 'writer' }
 */
export function principalFromFlags(
  flags: PrincipalFlags,
  options: { required: boolean },
): PrincipalRef | undefined {
  const given = (['agent', 'user', 'key'] as const).flatMap((type) => {
    const id = flags[type];
    return id === undefined ? [] : [{ type, id: parseInput(idSchema, id, `--${type}`) }];
  });
  if (given.length > 1) {
    throw invalidInput(
      `give one of --agent, --user or --key, not ${given.map((p) => `--${p.type}`).join(' and ')}`,
    );
  }
  if (given.length === 0 && options.required) {
    throw invalidInput('name who the grant is for: --agent <id>, --user <id> or --key <key id>');
  }
  return given[0];
}

/** Parses `--principal agent:writer` (also `user:alice`, `key:<key id>`). */
export function parsePrincipalFlag(value: string): PrincipalRef {
  const match = /^([a-z]+):(.+)$/.exec(value);
  const type = match?.[1] as PrincipalRef['type'] | undefined;
  if (match === null || type === undefined || !(principalTypes as readonly string[]).includes(type)) {
    throw invalidInput(`--principal must be agent:<id>, user:<id> or key:<key id>, got "${value}"`);
  }
  return { type, id: parseInput(idSchema, match[2], '--principal id') };
}

/**
 * The tenant of a space: `--tenant` when given, else the one tenant that has a space with this id.
 * Several tenants having it is a usage error asking for `--tenant`; none is NOT_FOUND.
 *
 * @example
 * await spaceTenant(memory, 'research', undefined); // 't1' when only t1 has a space "research"
 */
export async function spaceTenant(
  memory: Memory,
  spaceId: string,
  tenant: string | undefined,
): Promise<string> {
  if (tenant !== undefined) return tenant;
  const tenants = await memory.store.access.findSpaceTenants({ id: spaceId });
  if (tenants.length === 1) return tenants[0] as string;
  if (tenants.length === 0) {
    throw new MnemoError({
      code: 'NOT_FOUND',
      message: `No tenant has a space "${spaceId}"; create it with \`mnemo space create ${spaceId} --tenant <tenant>\`.`,
      details: { spaceId },
    });
  }
  throw invalidInput(`Space "${spaceId}" exists in tenants ${tenants.join(', ')}; say which with --tenant.`, {
    spaceId,
    tenants,
  });
}

/** A grant to a key must name an active key of the same tenant, or it would never apply. */
export async function checkKeyPrincipal(command: Command, tenantId: string, keyId: string): Promise<void> {
  const synchronous = sqliteSynchronousFromEnvironment();
  const db = resolveDbPath(command);
  const keys = await openApiKeyStore(synchronous === undefined ? { db } : { db, synchronous });
  try {
    const key = (await keys.list()).find((record) => record.id === keyId);
    if (key === undefined) {
      throw new MnemoError({
        code: 'NOT_FOUND',
        message: `API key ${keyId} was not found; \`mnemo keys list\` shows the ids.`,
        details: { keyId },
      });
    }
    if (key.tenantId !== tenantId) {
      throw invalidInput(`API key ${keyId} belongs to tenant ${key.tenantId}, not ${tenantId}.`, { keyId });
    }
    if (key.revokedAt !== undefined) throw invalidInput(`API key ${keyId} was revoked at ${key.revokedAt}.`);
  } finally {
    await keys.close();
  }
}
