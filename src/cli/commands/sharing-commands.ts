// Sharing on the command line: `mnemo space create|list|get|delete|grant|revoke|grants`, `mnemo user
// grant|revoke|grants` (read or write on a user's memory) and `mnemo audit`. Every call goes through the
// SDK as the CLI (`caller: { surface: 'cli' }`), so the grants and the audit log are those of every surface.
import type { Command } from 'commander';
import {
  describePrincipal,
  type Grant,
  type GrantTarget,
  grantRoles,
  type PrincipalRef,
} from '../../core/access.js';
import { invalidInput } from '../../core/errors.js';
import { DEFAULT_TENANT, parseScope } from '../../core/scope.js';
import { parseInput } from '../../core/validate.js';
import { type AuditAction, auditActions } from '../../store/access-store.js';
import { cliCaller, parseDateFlag, parseIntegerFlag, withMemory } from '../cli-context.js';
import { printJson, printLines } from '../output.js';
import {
  type PrincipalFlags as BasePrincipalFlags,
  checkKeyPrincipal,
  idSchema,
  parseGrantRole,
  parsePrincipalFlag,
  principalFromFlags,
  spaceTenant,
} from '../sharing-flags.js';
import { formatAudit, formatGrants, formatSpaceDetail, formatSpaces } from '../sharing-output.js';

interface JsonFlag {
  json?: boolean | undefined;
}

interface TenantFlag extends JsonFlag {
  tenant?: string | undefined;
}

type PrincipalFlags = BasePrincipalFlags & JsonFlag;

/**
 * Registers `space`, `user` (grants on a user's memory) and `audit` on `program`.
 *
 * @example
 * registerSharingCommands(program); // mnemo space create research --tenant t1
 */
export function registerSharingCommands(program: Command): void {
  registerSpace(program);
  registerUser(program);
  registerAudit(program);
}

function grantLine(grant: Grant): string {
  return `${describePrincipal(grant.principal)} may ${grant.role} ${grant.target.type} ${grant.tenantId}/${grant.target.id}`;
}

/** `space grant` and `user grant`: the target's tenant, the principal, the role, then the SDK call. */
async function giveGrant(input: {
  command: Command;
  flags: PrincipalFlags & { role: string };
  target: GrantTarget;
}): Promise<void> {
  const { command, flags, target } = input;
  const role = parseGrantRole(flags.role);
  const principal = principalFromFlags(flags, { required: true }) as PrincipalRef;
  const targetId = parseInput(idSchema, target.id, `${target.type} id`);
  const grant = await withMemory(command, async (memory) => {
    const tenantId =
      target.type === 'space'
        ? await spaceTenant(memory, targetId, flags.tenant)
        : (flags.tenant ?? DEFAULT_TENANT);
    if (principal.type === 'key') await checkKeyPrincipal(command, tenantId, principal.id);
    return memory.grants.grant({
      tenantId,
      principal,
      target: { type: target.type, id: targetId },
      role,
      caller: cliCaller,
    });
  });
  if (flags.json === true) printJson(grant);
  else printLines(grantLine(grant));
}

/** `space revoke` and `user revoke`. */
async function takeGrant(input: {
  command: Command;
  flags: PrincipalFlags;
  target: GrantTarget;
}): Promise<void> {
  const { command, flags, target } = input;
  const principal = principalFromFlags(flags, { required: true }) as PrincipalRef;
  const targetId = parseInput(idSchema, target.id, `${target.type} id`);
  const { tenantId, result } = await withMemory(command, async (memory) => {
    const tenant =
      target.type === 'space'
        ? await spaceTenant(memory, targetId, flags.tenant)
        : (flags.tenant ?? DEFAULT_TENANT);
    const revoked = await memory.grants.revoke({
      tenantId: tenant,
      principal,
      target: { type: target.type, id: targetId },
      caller: cliCaller,
    });
    return { tenantId: tenant, result: revoked };
  });
  if (flags.json === true) {
    printJson(result);
    return;
  }
  const on = `${target.type} ${tenantId}/${targetId}`;
  printLines(
    result.revoked
      ? `revoked ${describePrincipal(principal)} on ${on}`
      : `${describePrincipal(principal)} held no grant on ${on}; nothing changed`,
  );
}

/** `space grants` and `user grants`: the grants on one target, or on every target of the type. */
async function listGrants(input: {
  command: Command;
  flags: PrincipalFlags;
  type: GrantTarget['type'];
  id: string | undefined;
}): Promise<void> {
  const { command, flags, type } = input;
  const principal = principalFromFlags(flags, { required: false });
  const id = input.id === undefined ? undefined : parseInput(idSchema, input.id, `${type} id`);
  const grants = await withMemory(command, async (memory) => {
    const tenantId =
      type === 'space' && id !== undefined
        ? await spaceTenant(memory, id, flags.tenant)
        : (flags.tenant ?? DEFAULT_TENANT);
    const listed = await memory.grants.list({
      tenantId,
      principal,
      target: id === undefined ? undefined : { type, id },
      caller: cliCaller,
    });
    return listed.filter((grant) => grant.target.type === type);
  });
  if (flags.json === true) printJson(grants);
  else printLines(...formatGrants(grants));
}

function addPrincipalFlags(command: Command, what: string): Command {
  return command
    .option('--agent <id>', `the agent ${what}`)
    .option('--user <id>', `the user ${what}`)
    .option('--key <key id>', `the API key ${what} (an id from mnemo keys list)`);
}

const tenantHelp = 'the tenant (default: the one tenant that has this space, else "default")';

function registerSpace(program: Command): void {
  const space = program
    .command('space')
    .description('shared memory spaces: create, list, delete, and who may read or write them');

  space
    .command('create')
    .description('create a space (a shared memory pool of the tenant); its id defaults to its name')
    .argument('<name>', 'the space’s name')
    .option('--id <id>', 'the id memories name with --space (default: the name)')
    .option('--description <text>', 'what the space holds')
    .option('--tenant <id>', 'tenant id (default "default")')
    .option('--json', 'print the space as JSON')
    .action(
      async (name: string, flags: TenantFlag & { id?: string; description?: string }, command: Command) => {
        const created = await withMemory(command, (memory) =>
          memory.spaces.create({
            name,
            ...(flags.id === undefined ? {} : { id: flags.id }),
            ...(flags.description === undefined ? {} : { description: flags.description }),
            ...(flags.tenant === undefined ? {} : { tenantId: flags.tenant }),
            caller: cliCaller,
          }),
        );
        if (flags.json === true) printJson(created);
        else printLines(`created space ${created.tenantId}/${created.id}`);
      },
    );

  space
    .command('list')
    .description('list the spaces of a tenant')
    .option('--tenant <id>', 'tenant id (default "default")')
    .option('--json', 'print the spaces as JSON')
    .action(async (flags: TenantFlag, command: Command) => {
      const tenantId = flags.tenant ?? DEFAULT_TENANT;
      const spaces = await withMemory(command, (memory) =>
        memory.spaces.list({ tenantId, caller: cliCaller }),
      );
      if (flags.json === true) printJson(spaces);
      else printLines(...formatSpaces(spaces, tenantId));
    });

  space
    .command('get')
    .description('show a space and who may do what in it')
    .argument('<id>', 'space id')
    .option('--tenant <id>', tenantHelp)
    .option('--json', 'print the space as JSON')
    .action(async (id: string, flags: TenantFlag, command: Command) => {
      const spaceId = parseInput(idSchema, id, 'space id');
      const { found, grants } = await withMemory(command, async (memory) => {
        const tenantId = await spaceTenant(memory, spaceId, flags.tenant);
        const got = await memory.spaces.get(spaceId, { tenantId, caller: cliCaller });
        const target = { type: 'space' as const, id: spaceId };
        return { found: got, grants: await memory.grants.list({ tenantId, target, caller: cliCaller }) };
      });
      if (flags.json === true) printJson(found);
      else printLines(...formatSpaceDetail(found, grants));
    });

  space
    .command('delete')
    .description('delete a space with every memory, message, grant and audit entry in it (needs --yes)')
    .argument('<id>', 'space id')
    .option('--tenant <id>', tenantHelp)
    .option('--yes', 'really delete (without it, nothing is deleted and the command says what would be)')
    .option('--json', 'print { memories, messages } as JSON')
    .action(async (id: string, flags: TenantFlag & { yes?: boolean }, command: Command) => {
      const spaceId = parseInput(idSchema, id, 'space id');
      const { tenantId, result } = await withMemory(command, async (memory) => {
        const tenant = await spaceTenant(memory, spaceId, flags.tenant);
        await memory.spaces.get(spaceId, { tenantId: tenant, caller: cliCaller });
        if (flags.yes !== true) {
          const held = await memory.store.stats({ scope: parseScope({ tenantId: tenant, spaceId }) });
          throw invalidInput(
            `space delete erases space ${tenant}/${spaceId} for good: ${held.memories} memories, ${held.messages} messages, its grants and its audit trail. Nothing was deleted; run it again with --yes.`,
          );
        }
        return {
          tenantId: tenant,
          result: await memory.spaces.delete(spaceId, { tenantId: tenant, caller: cliCaller }),
        };
      });
      if (flags.json === true) printJson(result);
      else
        printLines(
          `deleted space ${tenantId}/${spaceId}: ${result.memories} memories and ${result.messages} messages erased`,
        );
    });

  addPrincipalFlags(
    space
      .command('grant')
      .description('give an agent, user or API key read, write or admin on a space')
      .argument('<space>', 'space id'),
    'to grant',
  )
    .requiredOption('--role <role>', `one of ${grantRoles.join(', ')}`)
    .option('--tenant <id>', tenantHelp)
    .option('--json', 'print the grant as JSON')
    .action(async (spaceId: string, flags: PrincipalFlags & { role: string }, command: Command) => {
      await giveGrant({ command, flags, target: { type: 'space', id: spaceId } });
    });

  addPrincipalFlags(
    space
      .command('revoke')
      .description(
        "take back an agent's, user's or API key's grant on a space (effective on its next request)",
      )
      .argument('<space>', 'space id'),
    'whose grant to take back',
  )
    .option('--tenant <id>', tenantHelp)
    .option('--json', 'print { revoked } as JSON')
    .action(async (spaceId: string, flags: PrincipalFlags, command: Command) => {
      await takeGrant({ command, flags, target: { type: 'space', id: spaceId } });
    });

  addPrincipalFlags(
    space
      .command('grants')
      .description('list the grants on a space, or on every space of the tenant')
      .argument('[space]', 'space id (default: every space)'),
    'whose grants to list',
  )
    .option('--tenant <id>', tenantHelp)
    .option('--json', 'print the grants as JSON')
    .action(async (spaceId: string | undefined, flags: PrincipalFlags, command: Command) => {
      await listGrants({ command, flags, type: 'space', id: spaceId });
    });
}

function registerUser(program: Command): void {
  const user = program
    .command('user')
    .description("grants on a user's memory: let an agent, user or API key read (or write) it");

  addPrincipalFlags(
    user
      .command('grant')
      .description("give an agent, user or API key read or write on a user's memory")
      .argument('<userId>', 'the user whose memory is opened'),
    'to grant',
  )
    .requiredOption('--role <role>', `one of ${grantRoles.join(', ')}`)
    .option('--tenant <id>', 'tenant id (default "default")')
    .option('--json', 'print the grant as JSON')
    .action(async (userId: string, flags: PrincipalFlags & { role: string }, command: Command) => {
      await giveGrant({ command, flags, target: { type: 'user', id: userId } });
    });

  addPrincipalFlags(
    user
      .command('revoke')
      .description("take back a grant on a user's memory (effective on the next request)")
      .argument('<userId>', 'the user whose memory was opened'),
    'whose grant to take back',
  )
    .option('--tenant <id>', 'tenant id (default "default")')
    .option('--json', 'print { revoked } as JSON')
    .action(async (userId: string, flags: PrincipalFlags, command: Command) => {
      await takeGrant({ command, flags, target: { type: 'user', id: userId } });
    });

  addPrincipalFlags(
    user
      .command('grants')
      .description("list the grants on a user's memory, or on every user of the tenant")
      .argument('[userId]', 'the user (default: every user)'),
    'whose grants to list',
  )
    .option('--tenant <id>', 'tenant id (default "default")')
    .option('--json', 'print the grants as JSON')
    .action(async (userId: string | undefined, flags: PrincipalFlags, command: Command) => {
      await listGrants({ command, flags, type: 'user', id: userId });
    });
}

interface AuditFlags extends TenantFlag {
  user?: string | undefined;
  agent?: string | undefined;
  session?: string | undefined;
  space?: string | undefined;
  principal?: string | undefined;
  action?: string | undefined;
  since?: string | undefined;
  limit?: string | undefined;
  cursor?: string | undefined;
}

function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('who read or wrote which scope or space, when, and through which surface (newest first)')
    .option('--tenant <id>', 'tenant id (default "default")')
    .option('--user <id>', 'only entries about this user’s memory (and everything inside it)')
    .option('--agent <id>', 'only entries about this agent’s memory')
    .option('--session <id>', 'only entries about this session')
    .option('--space <id>', 'only entries about this space')
    .option('--principal <type:id>', 'only what this principal did: agent:<id>, user:<id> or key:<key id>')
    .option('--action <action>', `only ${auditActions.join(', ')}`)
    .option('--since <date>', 'only entries whose last occurrence is at or after this date')
    .option('--limit <n>', 'page size (1-1000, default 100)')
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--json', 'print { items, nextCursor } as JSON')
    .action(async (flags: AuditFlags, command: Command) => {
      if (flags.action !== undefined && !(auditActions as readonly string[]).includes(flags.action)) {
        throw invalidInput(`--action must be one of ${auditActions.join(', ')}, got "${flags.action}"`);
      }
      const inside = [flags.user, flags.agent, flags.session].some((flag) => flag !== undefined);
      if (flags.space !== undefined && inside) {
        throw invalidInput(
          'a space has no users, agents or sessions: give --space alone (with --principal agent:<id> for what one agent did in it)',
        );
      }
      const principal = flags.principal === undefined ? undefined : parsePrincipalFlag(flags.principal);
      const since = flags.since === undefined ? undefined : parseDateFlag(flags.since, '--since');
      const limit =
        flags.limit === undefined
          ? undefined
          : parseIntegerFlag(flags.limit, '--limit', { min: 1, max: 1000 });
      const page = await withMemory(command, (memory) =>
        memory.audit({
          tenantId: flags.tenant,
          userId: flags.user,
          agentId: flags.agent,
          sessionId: flags.session,
          spaceId: flags.space,
          principal,
          action: flags.action as AuditAction | undefined,
          since,
          limit,
          cursor: flags.cursor,
          caller: cliCaller,
        }),
      );
      if (flags.json === true) {
        printJson(page);
        return;
      }
      printLines(...formatAudit(page.items));
      if (page.nextCursor !== undefined) printLines(`more: --cursor ${page.nextCursor}`);
    });
}
