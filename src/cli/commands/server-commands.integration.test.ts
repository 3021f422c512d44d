// `mnemo serve` and `mnemo keys` through commander: flag parsing, key management and shutdown.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeFailure, EXIT_USAGE } from '../exit-codes.js';
import { parseByteSize, parseRateLimit, registerServerCommands } from './server-commands.js';

let dir: string;
let dbPath: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mnemo-server-cli-'));
  dbPath = path.join(dir, 'mnemo.db');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function program(shutdownSignal?: AbortSignal) {
  const output = { stdout: '', stderr: '' };
  const root = new Command()
    .option('--db <path>')
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  registerServerCommands(root, {
    stdout: (text) => {
      output.stdout += text;
    },
    stderr: (text) => {
      output.stderr += text;
    },
    shutdownSignal,
  });
  return {
    output,
    run: (...args: string[]) => root.parseAsync(['node', 'mnemo', '--db', dbPath, ...args]),
  };
}

describe('mnemo keys', () => {
  it('creates a key shown once, lists it without the secret, and revokes it', async () => {
    const create = program();
    await create.run('keys', 'create', '--tenant', 'acme', '--role', 'write', '--name', 'bot', '--json');
    const created = JSON.parse(create.output.stdout) as {
      key: string;
      id: string;
      tenantId: string;
      role: string;
    };
    expect(created.key).toMatch(/^mnemo_[0-9A-Za-z]{32,}$/);
    expect(created).toMatchObject({ tenantId: 'acme', role: 'write' });

    const list = program();
    await list.run('keys', 'list');
    expect(list.output.stdout).toContain(created.id);
    expect(list.output.stdout).toContain('tenant=acme');
    expect(list.output.stdout).toContain('active');
    expect(list.output.stdout).not.toContain(created.key);

    const revoke = program();
    await revoke.run('keys', 'revoke', created.id);
    expect(revoke.output.stdout).toContain('revoked');
    const listed = program();
    await listed.run('keys', 'list', '--json');
    const keys = (JSON.parse(listed.output.stdout) as { keys: { revokedAt?: string }[] }).keys;
    expect(keys[0]?.revokedAt).toBeDefined();
  });

  it('rejects an unknown role as a usage error', async () => {
    const { run } = program();
    const error = await run('keys', 'create', '--tenant', 'acme', '--role', 'root').catch(
      (caught: unknown) => caught,
    );
    expect(describeFailure(error)).toMatchObject({ code: 'INVALID_INPUT', exitCode: EXIT_USAGE });
  });
});

describe('mnemo serve', () => {
  it('refuses --no-auth on a non-loopback host with exit code 2', async () => {
    const { run } = program();
    const error = await run('serve', '--no-auth', '--host', '0.0.0.0').catch((caught: unknown) => caught);
    expect(describeFailure(error)).toMatchObject({ code: 'INVALID_INPUT', exitCode: EXIT_USAGE });
  });

  it('prints the URL, serves with keys, and stops on the shutdown signal', async () => {
    const create = program();
    await create.run('keys', 'create', '--tenant', 'acme', '--role', 'write', '--json');
    const { key } = JSON.parse(create.output.stdout) as { key: string };
    const stop = new AbortController();
    const serve = program(stop.signal);
    const running = serve.run('serve', '--port', '0');
    let url: string | undefined;
    while (url === undefined) {
      url = /listening on (http:\/\/\S+)/.exec(serve.output.stdout)?.[1];
      if (url === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const response = await fetch(`${url}/v1/memories`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'served by the CLI', userId: 'alice' }),
    });
    expect(response.status).toBe(201);
    expect((await fetch(`${url}/v1/memories?userId=alice`)).status).toBe(401);
    stop.abort();
    await running;
    expect(serve.output.stderr).toContain('shutting down');
  });

  it('warns loudly with --no-auth on loopback', async () => {
    const stop = new AbortController();
    stop.abort();
    const serve = program(stop.signal);
    await serve.run('serve', '--no-auth', '--port', '0');
    expect(serve.output.stderr).toContain('authentication is OFF');
  });
});

describe('parseRateLimit', () => {
  it.each([
    ['600', 600],
    ['0', 0],
    [' 120 ', 120],
  ])('%j → %d', (value, expected) => {
    expect(parseRateLimit(value, '--rate-limit')).toBe(expected);
  });

  it.each(['', 'lots', '-1', '1.5', '2000000'])('rejects %j naming the option', (value) => {
    expect(() => parseRateLimit(value, 'MNEMO_RATE_LIMIT')).toThrow(/MNEMO_RATE_LIMIT/);
  });
});

describe('parseByteSize', () => {
  it.each([
    ['1mb', 1024 * 1024],
    ['512kb', 512 * 1024],
    ['4096', 4096],
    ['2MB', 2 * 1024 * 1024],
  ])('%s → %d', (value, expected) => {
    expect(parseByteSize(value)).toBe(expected);
  });

  it.each(['', 'lots', '0', '-1mb', '2tb'])('rejects %j', (value) => {
    expect(() => parseByteSize(value)).toThrow(/--body-limit/);
  });
});
