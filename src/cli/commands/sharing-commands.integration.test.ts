// The built CLI's sharing commands (`mnemo space`, `mnemo user`, `mnemo audit`, `--space`, bound keys) on a
// fresh SQLite file and, with MNEMO_TEST_POSTGRES_URL, on a fresh PostgreSQL database: issue 15's check
// exactly as written, the audit trail, revocation, key bindings and bad input.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grant, Space } from '../../core/access.js';
import { MnemoError } from '../../core/errors.js';
import type { MemoryRecord, Page } from '../../core/records.js';
import type { SearchResponse } from '../../retrieve/search-result.js';
import type { AuditEntry } from '../../store/access-store.js';
import { postgresRequired, testPostgresUrl } from '../../store/postgres/postgres-test-database.js';
import { describeFailure, EXIT_FORBIDDEN, EXIT_USAGE } from '../exit-codes.js';
import { builtCli, type RunResult, runBuiltCli, runBuiltCliJson } from '../test-support/built-cli.js';

// Each command is a fresh Node process; on a loaded machine a few dozen of them take a while.
const slow = { timeout: 240_000 };
const FINDING = 'The Q3 benchmark shows the cache change cut p99 latency by 40 percent';
const QUERY = 'cache latency benchmark';

let directory: string;

beforeAll(async () => {
  if (!existsSync(builtCli)) throw new Error(`${builtCli} is missing: run npm run build first`);
  directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-cli-sharing-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function expectExit(result: RunResult, code: number, label: string): void {
  expect(result.code, `${label}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(code);
}

/** A fresh SQLite file. */
function freshFile(name: string): string {
  return path.join(directory, `${name}-${randomBytes(4).toString('hex')}.db`);
}

/**
 * Issue 15's CLI check, word for word, on `db`; then revocation. Returns the id of the writer's memory.
 * Asserts the real outcomes: what each search returns, the exit codes, and that the refused add wrote nothing.
 */
async function issueCheck(db: string): Promise<string> {
  const run = (args: string[]) => runBuiltCli(args, { db });
  const created = await run(['space', 'create', 'research', '--tenant', 't1']);
  expectExit(created, 0, 'space create');
  expect(created.stdout).toBe('created space t1/research\n');
  // No --tenant on the grants: the one tenant that has a space "research" is used.
  const writer = await run(['space', 'grant', 'research', '--agent', 'writer', '--role', 'write']);
  expectExit(writer, 0, 'grant writer');
  expect(writer.stdout).toBe('agent:writer may write space t1/research\n');
  const reader = await run(['space', 'grant', 'research', '--agent', 'reader', '--role', 'read']);
  expectExit(reader, 0, 'grant reader');
  expect(reader.stdout).toBe('agent:reader may read space t1/research\n');

  const added = await run(['add', FINDING, '--tenant', 't1', '--agent', 'writer', '--space', 'research']);
  expectExit(added, 0, 'writer add');
  const memoryId = added.stdout.trim();
  expect(memoryId).toMatch(/^[0-9a-f-]{36}$/);

  // Agent reader finds it: in the space, and (through its grant) from its own scope, labelled.
  const found = await runBuiltCliJson<SearchResponse>(
    ['search', QUERY, '--tenant', 't1', '--agent', 'reader', '--space', 'research'],
    db,
  );
  expect(found.results.map((result) => result.memory.id)).toEqual([memoryId]);
  expect(found.results[0]?.memory.scope).toEqual({ tenantId: 't1', spaceId: 'research' });
  const human = await run(['search', QUERY, '--tenant', 't1', '--agent', 'reader']);
  expectExit(human, 0, 'reader search without --space');
  expect(human.stdout).toContain(FINDING);
  expect(human.stdout).toContain('from:  space:research');

  // Agent reader's add to the space is refused (exit 3), and writes nothing.
  const refused = await run([
    'add',
    'reader was here',
    '--tenant',
    't1',
    '--agent',
    'reader',
    '--space',
    'research',
  ]);
  expectExit(refused, EXIT_FORBIDDEN, 'reader add');
  expect(refused.stderr).toBe(
    'error [FORBIDDEN]: agent:reader holds "read" on space "research"; this request needs "write".\n',
  );
  const inSpace = await runBuiltCliJson<Page<MemoryRecord>>(
    ['list', '--tenant', 't1', '--space', 'research'],
    db,
  );
  expect(inSpace.items.map((memory) => memory.text)).toEqual([FINDING]);

  // Agent outsider finds nothing; naming the space is refused.
  const outsider = await runBuiltCliJson<SearchResponse>(
    ['search', QUERY, '--tenant', 't1', '--agent', 'outsider'],
    db,
  );
  expect(outsider.results).toEqual([]);
  const outsiderInSpace = await run([
    'search',
    QUERY,
    '--tenant',
    't1',
    '--agent',
    'outsider',
    '--space',
    'research',
  ]);
  expectExit(outsiderInSpace, EXIT_FORBIDDEN, 'outsider search in the space');
  expect(outsiderInSpace.stderr).toMatch(
    /^error \[FORBIDDEN\]: agent:outsider has no grant on space "research"/,
  );

  // Revoking takes effect on the very next command.
  const revoked = await run(['space', 'revoke', 'research', '--agent', 'reader']);
  expectExit(revoked, 0, 'revoke reader');
  expect(revoked.stdout).toBe('revoked agent:reader on space t1/research\n');
  const afterRevoke = await run([
    'search',
    QUERY,
    '--tenant',
    't1',
    '--agent',
    'reader',
    '--space',
    'research',
  ]);
  expectExit(afterRevoke, EXIT_FORBIDDEN, 'reader search after revoke');
  const ownScope = await runBuiltCliJson<SearchResponse>(
    ['search', QUERY, '--tenant', 't1', '--agent', 'reader'],
    db,
  );
  expect(ownScope.results).toEqual([]);
  const again = await run(['space', 'revoke', 'research', '--agent', 'reader', '--json']);
  expect(JSON.parse(again.stdout)).toEqual({ revoked: false });
  return memoryId;
}

describe('issue 15 on a fresh SQLite file', () => {
  let db: string;
  let memoryId: string;
  beforeAll(() => {
    db = freshFile('issue');
  });

  it(
    'runs the check as written: writer adds, reader finds, reader is refused, outsider finds nothing',
    slow,
    async () => {
      memoryId = await issueCheck(db);
    },
  );

  it('audits the writer’s add and the reader’s refused add, both through the cli', slow, async () => {
    const page = await runBuiltCliJson<Page<AuditEntry>>(
      ['audit', '--tenant', 't1', '--space', 'research'],
      db,
    );
    const write = page.items.filter((entry) => entry.action === 'write' && entry.operation === 'add');
    expect(write).toEqual([
      expect.objectContaining({
        principal: 'agent:writer',
        surface: 'cli',
        scope: { tenantId: 't1', spaceId: 'research' },
        count: 1,
      }),
    ]);
    const denied = page.items.filter((entry) => entry.action === 'denied');
    expect(denied.map((entry) => [entry.principal, entry.operation, entry.surface])).toEqual(
      expect.arrayContaining([
        ['agent:reader', 'search', 'cli'],
        ['agent:outsider', 'search', 'cli'],
        ['agent:reader', 'add', 'cli'],
      ]),
    );
    expect(page.items.every((entry) => entry.surface === 'cli')).toBe(true);

    const onlyReader = await runBuiltCliJson<Page<AuditEntry>>(
      ['audit', '--tenant', 't1', '--principal', 'agent:reader', '--action', 'denied'],
      db,
    );
    expect(onlyReader.items.map((entry) => entry.operation).sort()).toEqual(['add', 'search']);
    expect(onlyReader.items.every((entry) => entry.principal === 'agent:reader')).toBe(true);

    const table = await runBuiltCli(['audit', '--tenant', 't1', '--principal', 'agent:writer'], { db });
    expectExit(table, 0, 'audit table');
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^time\s+principal\s+surface\s+action\s+operation\s+scope\s+count$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^\S+Z\s+agent:writer\s+cli\s+write\s+add\s+t1\/space:research\s+1$/),
    ]);
  });

  it('shows the space and its grants, and the history names the acting agent', slow, async () => {
    const shown = await runBuiltCli(['space', 'get', 'research'], { db });
    expectExit(shown, 0, 'space get');
    expect(shown.stdout).toMatch(/^id:\s+research\nname:\s+research\ntenant:\s+t1\n/);
    expect(shown.stdout).toMatch(/grants:\n\s+agent:writer\s+write\n$/);
    const history = await runBuiltCli(['history', memoryId, '--tenant', 't1', '--space', 'research'], { db });
    expectExit(history, 0, 'history');
    expect(history.stdout).toContain('by agent:writer');
    const spaces = await runBuiltCliJson<Space[]>(['space', 'list', '--tenant', 't1'], db);
    expect(spaces.map((space) => [space.id, space.tenantId])).toEqual([['research', 't1']]);
  });
});

describe('grants, keys and bad input', () => {
  let db: string;
  const run = (args: string[]) => runBuiltCli(args, { db });
  const grantsOf = () => runBuiltCliJson<Grant[]>(['space', 'grants', 'research'], db);

  beforeAll(async () => {
    db = freshFile('admin');
    expectExit(
      await run([
        'space',
        'create',
        'Research',
        '--id',
        'research',
        '--description',
        'findings',
        '--tenant',
        't1',
      ]),
      0,
      'create',
    );
    expectExit(await run(['space', 'grant', 'research', '--agent', 'writer', '--role', 'write']), 0, 'grant');
    expectExit(
      await run(['add', FINDING, '--tenant', 't1', '--agent', 'writer', '--space', 'research']),
      0,
      'add',
    );
  }, slow.timeout);

  it('refuses bad grants with a usage or typed error and changes nothing', slow, async () => {
    const before = await grantsOf();
    expect(before.map((grant) => `${grant.principal.type}:${grant.principal.id}=${grant.role}`)).toEqual([
      'agent:writer=write',
    ]);
    const cases: [string[], number, RegExp][] = [
      [
        ['space', 'grant', 'research', '--agent', 'x', '--role', 'owner'],
        EXIT_USAGE,
        /--role must be one of read, write, admin/,
      ],
      [['space', 'grant', 'research', '--role', 'read'], EXIT_USAGE, /name who the grant is for/],
      [['space', 'grant', 'research', '--agent', 'x'], EXIT_USAGE, /required option '--role <role>'/],
      [
        ['space', 'grant', 'research', '--agent', 'x', '--user', 'y', '--role', 'read'],
        EXIT_USAGE,
        /not --agent and --user/,
      ],
      [
        ['space', 'grant', 'nope', '--agent', 'x', '--role', 'read'],
        1,
        /^error \[NOT_FOUND\]: No tenant has a space "nope"/,
      ],
      [
        ['space', 'grant', 'nope', '--agent', 'x', '--role', 'read', '--tenant', 't1'],
        1,
        /^error \[NOT_FOUND\]: Space nope/,
      ],
      [
        ['space', 'grant', 'research', '--key', 'no-such-key', '--role', 'read'],
        1,
        /API key no-such-key was not found/,
      ],
      [['space', 'revoke', 'research'], EXIT_USAGE, /name who the grant is for/],
      [
        ['space', 'delete', 'research'],
        EXIT_USAGE,
        /1 memories, 1 messages.*Nothing was deleted; run it again with --yes/,
      ],
      [
        ['audit', '--tenant', 't1', '--action', 'peek'],
        EXIT_USAGE,
        /--action must be one of read, write, admin, denied/,
      ],
      [['audit', '--tenant', 't1', '--principal', 'writer'], EXIT_USAGE, /--principal must be agent:<id>/],
      [
        ['audit', '--tenant', 't1', '--space', 'research', '--agent', 'writer'],
        EXIT_USAGE,
        /give --space alone/,
      ],
    ];
    for (const [args, code, message] of cases) {
      const result = await run(args);
      expectExit(result, code, args.join(' '));
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    const json = await run(['space', 'grant', 'research', '--agent', 'x', '--role', 'owner', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: 'INVALID_INPUT', message: expect.any(String) },
    });
    expect(await grantsOf()).toEqual(before);
    const still = await runBuiltCliJson<Page<MemoryRecord>>(
      ['list', '--tenant', 't1', '--space', 'research'],
      db,
    );
    expect(still.items).toHaveLength(1);
  });

  it('asks for --tenant when several tenants have the space, and deletes only with --yes', slow, async () => {
    expectExit(await run(['space', 'create', 'research', '--tenant', 't2']), 0, 'create in t2');
    const ambiguous = await run(['space', 'grant', 'research', '--agent', 'x', '--role', 'read']);
    expectExit(ambiguous, EXIT_USAGE, 'ambiguous grant');
    expect(ambiguous.stderr).toMatch(/exists in tenants t1, t2; say which with --tenant/);
    const duplicate = await run(['space', 'create', 'research', '--tenant', 't2']);
    expectExit(duplicate, 1, 'duplicate');
    expect(duplicate.stderr).toMatch(/^error \[CONFLICT\]/);
    const deleted = await run(['space', 'delete', 'research', '--tenant', 't2', '--yes', '--json']);
    expectExit(deleted, 0, 'delete t2');
    expect(JSON.parse(deleted.stdout)).toEqual({ memories: 0, messages: 0 });
    const t2 = await runBuiltCliJson<Space[]>(['space', 'list', '--tenant', 't2'], db);
    expect(t2).toEqual([]);
    // t1's space and its memory are untouched; its grants resolve without --tenant again.
    expect((await grantsOf()).map((grant) => grant.tenantId)).toEqual(['t1']);
  });

  it('grants read on a user’s memory and lists and revokes it', slow, async () => {
    const given = await runBuiltCliJson<Grant>(
      ['user', 'grant', 'alice', '--agent', 'support', '--role', 'read', '--tenant', 't1'],
      db,
    );
    expect(given).toMatchObject({
      tenantId: 't1',
      principal: { type: 'agent', id: 'support' },
      target: { type: 'user', id: 'alice' },
      role: 'read',
    });
    const listed = await run(['user', 'grants', 'alice', '--tenant', 't1']);
    expect(listed.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^principal\s+role\s+on\s+tenant\s+created$/),
      expect.stringMatching(/^agent:support\s+read\s+user:alice\s+t1\s+\S+Z$/),
    ]);
    // Space grants and user grants are listed apart.
    const spaceGrants = await runBuiltCliJson<Grant[]>(['space', 'grants', '--tenant', 't1'], db);
    expect(spaceGrants.every((grant) => grant.target.type === 'space')).toBe(true);
    const revoked = await run(['user', 'revoke', 'alice', '--agent', 'support', '--tenant', 't1']);
    expect(revoked.stdout).toBe('revoked agent:support on user t1/alice\n');
    expect(await runBuiltCliJson<Grant[]>(['user', 'grants', '--tenant', 't1'], db)).toEqual([]);
  });

  it(
    'creates keys bound to an agent or a space, lists the bindings, and refuses impossible ones',
    slow,
    async () => {
      const agentKey = await runBuiltCliJson<{ id: string; agentId?: string; key: string }>(
        ['keys', 'create', '--tenant', 't1', '--agent', 'support', '--role', 'read', '--name', 'support-bot'],
        db,
      );
      expect(agentKey).toMatchObject({ agentId: 'support', role: 'read', tenantId: 't1' });
      const spaceKey = await runBuiltCliJson<{ id: string; spaceId?: string }>(
        ['keys', 'create', '--tenant', 't1', '--space', 'research', '--role', 'write'],
        db,
      );
      expect(spaceKey.spaceId).toBe('research');
      const userKey = await runBuiltCliJson<{ userId?: string }>(
        ['keys', 'create', '--tenant', 't1', '--user', 'alice', '--role', 'read'],
        db,
      );
      expect(userKey.userId).toBe('alice');

      const list = await run(['keys', 'list']);
      expect(list.stdout).toMatch(
        new RegExp(`${agentKey.id}\\s+tenant=t1\\s+role=read\\s+bound=agent:support\\s`),
      );
      expect(list.stdout).toMatch(
        new RegExp(`${spaceKey.id}\\s+tenant=t1\\s+role=write\\s+bound=space:research\\s`),
      );
      expect(list.stdout).toContain('bound=user:alice');
      const json = await runBuiltCliJson<{ keys: { id: string; agentId?: string; spaceId?: string }[] }>(
        ['keys', 'list'],
        db,
      );
      expect(json.keys.find((key) => key.id === agentKey.id)?.agentId).toBe('support');
      expect(json.keys.find((key) => key.id === spaceKey.id)?.spaceId).toBe('research');

      const unknownSpace = await run([
        'keys',
        'create',
        '--tenant',
        't1',
        '--space',
        'nope',
        '--role',
        'read',
      ]);
      expectExit(unknownSpace, 1, 'key on an unknown space');
      expect(unknownSpace.stderr).toMatch(/^error \[NOT_FOUND\]: Space nope/);
      const both = await run(['keys', 'create', '--tenant', 't1', '--space', 'research', '--agent', 'x']);
      expectExit(both, EXIT_USAGE, 'key on a space and an agent');
      const badRole = await run(['keys', 'create', '--tenant', 't1', '--agent', 'x', '--role', 'root']);
      expectExit(badRole, EXIT_USAGE, 'key with a bad role');
      expect((await runBuiltCliJson<{ keys: unknown[] }>(['keys', 'list'], db)).keys).toHaveLength(3);

      // A grant to a key: the key must be one of this tenant's.
      const keyGrant = await runBuiltCliJson<Grant>(
        ['space', 'grant', 'research', '--key', agentKey.id, '--role', 'read'],
        db,
      );
      expect(keyGrant.principal).toEqual({ type: 'key', id: agentKey.id });
      expectExit(await run(['space', 'create', 'other', '--tenant', 't9']), 0, 'create t9 space');
      const foreign = await run(['space', 'grant', 'other', '--key', agentKey.id, '--role', 'read']);
      expectExit(foreign, EXIT_USAGE, 'grant to another tenant’s key');
      expect(foreign.stderr).toMatch(/belongs to tenant t1, not t9/);
    },
  );

  it('runs upkeep on a space, and nowhere else', slow, async () => {
    const db = freshFile('upkeep');
    await issueCheck(db);
    expectExit(
      await runBuiltCli(['add', 'a user note', '--tenant', 't1', '--user', 'u'], { db }),
      0,
      'user add',
    );
    const run = (args: string[]) => runBuiltCli(args, { db });
    const purge = await run(['purge', '--tenant', 't1', '--space', 'research', '--json']);
    expectExit(purge, 0, 'purge --space');
    expect(JSON.parse(purge.stdout)).toEqual({ purged: 0 });
    const maintain = await run(['maintain', '--tenant', 't1', '--space', 'research', '--json']);
    expectExit(maintain, 0, 'maintain --space');
    expect(JSON.parse(maintain.stdout).scopes.examined).toBe(1);
    const both = await run(['flush', '--tenant', 't1', '--space', 'research', '--all']);
    expectExit(both, EXIT_USAGE, 'flush --space --all');
  });
});

describe('exit codes', () => {
  it('maps FORBIDDEN to its own exit code', () => {
    const failure = describeFailure(new MnemoError({ code: 'FORBIDDEN', message: 'no grant' }));
    expect(failure).toEqual({ code: 'FORBIDDEN', message: 'no grant', exitCode: EXIT_FORBIDDEN });
    expect(EXIT_FORBIDDEN).toBe(3);
  });
});

describe.runIf(testPostgresUrl !== undefined)('issue 15 on a fresh PostgreSQL database', () => {
  const name = `mnemo_cli_sharing_${randomBytes(5).toString('hex')}`;
  let url: string;

  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: testPostgresUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    await admin(`CREATE DATABASE "${name}"`);
    const target = new URL(testPostgresUrl as string);
    target.pathname = `/${name}`;
    url = target.toString();
  });

  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

  it('runs the same check with the same outcomes', slow, async () => {
    await issueCheck(url);
    const page = await runBuiltCliJson<Page<AuditEntry>>(
      ['audit', '--tenant', 't1', '--space', 'research', '--action', 'denied', '--principal', 'agent:reader'],
      url,
    );
    expect(page.items.map((entry) => [entry.operation, entry.surface]).sort()).toEqual([
      ['add', 'cli'],
      ['search', 'cli'],
    ]);
  });
});

if (testPostgresUrl === undefined && postgresRequired) {
  describe('PostgreSQL', () => {
    it('runs in CI (MNEMO_TEST_POSTGRES_URL must be set)', () => {
      expect.fail(
        'CI=true but MNEMO_TEST_POSTGRES_URL is not set: the PostgreSQL CLI test would be skipped.',
      );
    });
  });
}
