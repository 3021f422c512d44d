// Scheduled upkeep of the long-running commands: `mnemo serve` (in-process) and `mnemo mcp` (the built CLI)
// erase an expired memory on their own with `--maintain-every`, and `--no-maintain` leaves it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemory } from '../../sdk/create-memory.js';
import { builtCli, repositoryRoot } from '../test-support/built-cli.js';
import { registerMcpCommand } from './mcp-command.js';
import { registerServerCommands } from './server-commands.js';

let directory: string;
let dbPath: string;
const secret = 'wombat 4417';

beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-schedule-'));
  dbPath = path.join(directory, 'mnemo.db');
  const memory = await createMemory({ store: dbPath, embedder: false });
  try {
    const expired = new Date(Date.now() - 60_000).toISOString();
    await memory.add(`My gate code is ${secret}`, { userId: 'h', kind: 'fact', expiresAt: expired });
    await memory.add('I enjoy hiking in the Alps', { userId: 'h', kind: 'fact' });
  } finally {
    await memory.close();
  }
  vi.stubEnv('MNEMO_EMBED_BASE_URL', '');
  vi.stubEnv('MNEMO_LLM_BASE_URL', '');
  vi.stubEnv('MNEMO_LLM_PROVIDER', '');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(directory, { recursive: true, force: true });
});

const slow = { timeout: 60_000 };

async function filesContain(text: string): Promise<boolean> {
  const files = [dbPath, `${dbPath}-wal`, `${dbPath}-shm`].filter((file) => existsSync(file));
  const contents = await Promise.all(files.map((file) => readFile(file)));
  return contents.some((content) => content.includes(Buffer.from(text)));
}

/** Polls until `check` holds; fails after a generous timeout (no assertion on how fast). */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs `mnemo serve --no-auth --port 0 …flags` in-process until `work` is done. */
async function serving(
  flags: string[],
  work: (banner: string, output: { stdout: string; stderr: string }) => Promise<void>,
): Promise<void> {
  const output = { stdout: '', stderr: '' };
  const stop = new AbortController();
  const program = new Command().option('--db <path>').exitOverride();
  registerServerCommands(program, {
    stdout: (text) => {
      output.stdout += text;
    },
    stderr: (text) => {
      output.stderr += text;
    },
    shutdownSignal: stop.signal,
  });
  const running = program.parseAsync([
    'node',
    'mnemo',
    '--db',
    dbPath,
    'serve',
    '--no-auth',
    '--port',
    '0',
    ...flags,
  ]);
  try {
    await eventually(async () => output.stdout.includes('listening on'), 'the server listens');
    await work(output.stdout, output);
  } finally {
    stop.abort();
    await running;
  }
}

describe('scheduled upkeep in mnemo serve', () => {
  it('erases an expired memory on its own with --maintain-every', slow, async () => {
    expect(await filesContain(secret)).toBe(true);
    await serving(['--maintain-every', '1s'], async (banner, output) => {
      expect(banner).toContain('upkeep every 1s');
      await eventually(async () => !(await filesContain(secret)), 'the expired memory is erased');
      // Each scheduled run is logged on stderr with what it did.
      await eventually(
        async () => /upkeep \S+: merged \d+, .*purged 1/.test(output.stderr),
        'the run is logged',
      );
    });
    expect(await filesContain('hiking in the Alps')).toBe(true);
  });

  it('leaves it with --no-maintain, whatever MNEMO_MAINTAIN_EVERY says', slow, async () => {
    vi.stubEnv('MNEMO_MAINTAIN_EVERY', '1s');
    await serving(['--no-maintain'], async (banner) => {
      expect(banner).toContain('scheduled upkeep off');
      // Three times the interval the environment asks for: a scheduled run would have erased it by now.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await filesContain(secret)).toBe(true);
    });
  });

  it('takes its interval from MNEMO_MAINTAIN_EVERY', slow, async () => {
    vi.stubEnv('MNEMO_MAINTAIN_EVERY', '1s');
    await serving([], async (banner) => {
      expect(banner).toContain('upkeep every 1s');
      await eventually(async () => !(await filesContain(secret)), 'the expired memory is erased');
    });
  });

  it('refuses a bad interval as a usage error before opening the store', async () => {
    const program = new Command().option('--db <path>').exitOverride();
    registerServerCommands(program, { stdout: () => undefined, stderr: () => undefined });
    registerMcpCommand(program);
    for (const args of [
      ['serve', '--maintain-every', '500ms'],
      ['serve', '--maintain-every', '1h', '--no-maintain'],
      ['mcp', '--maintain-every', 'weekly'],
    ]) {
      const error = await program
        .parseAsync(['node', 'mnemo', '--db', path.join(directory, 'never.db'), ...args])
        .catch((caught: unknown) => caught);
      expect(error, args.join(' ')).toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(existsSync(path.join(directory, 'never.db'))).toBe(false);
  });
});

describe('scheduled upkeep in mnemo mcp', () => {
  it('erases an expired memory on its own with --maintain-every', slow, async () => {
    if (!existsSync(builtCli)) throw new Error(`${builtCli} is missing: run npm run build first`);
    const child = spawn(process.execPath, [builtCli, '--db', dbPath, 'mcp', '--maintain-every', '1s'], {
      cwd: repositoryRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await eventually(async () => !(await filesContain(secret)), 'the expired memory is erased');
    } finally {
      child.stdin.end();
    }
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(/upkeep \S+: merged \d+, .*purged 1/);
    expect(await filesContain('hiking in the Alps')).toBe(true);
  });
});
