// MCP over stdio: the official SDK client spawns the built server (dist/, made by `npm run build`) on a temp store.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../sdk/create-memory.js';
import { mnemoMcpTools } from './create-mnemo-mcp-server.js';
import { runMcpStdio } from './run-mcp-stdio.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dist = path.join(root, 'dist');

/**
 * A node program shaped like the `mnemo` CLI: a program with the global `--db` option and the built
 * `mcp` command, run on its arguments (`mcp --db … --tenant … --user …`).
 */
function cliScript(): string {
  const command = pathToFileURL(path.join(dist, 'cli', 'commands', 'mcp-command.js')).href;
  return [
    "import { Command } from 'commander';",
    `import { registerMcpCommand } from ${JSON.stringify(command)};`,
    "const program = new Command().name('mnemo').option('--db <path>');",
    'registerMcpCommand(program);',
    "await program.parseAsync(process.argv.slice(1), { from: 'user' });",
  ].join('\n');
}

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-mcp-stdio-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('runMcpStdio', () => {
  it('serves `mcp --db --tenant --user` in a spawned process to the SDK stdio client', async () => {
    expect(
      existsSync(path.join(dist, 'cli', 'commands', 'mcp-command.js')),
      'run `npm run build` first',
    ).toBe(true);
    const dbPath = path.join(directory, 'mnemo.db');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        '--input-type=module',
        '--eval',
        cliScript(),
        'mcp',
        '--db',
        dbPath,
        '--tenant',
        'acme',
        '--user',
        'alice',
      ],
      cwd: root,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'mnemo-stdio-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names, 'dist/ is older than src/: run `npm run build`').toEqual(
        mnemoMcpTools.map((tool) => tool.name),
      );
      await client.callTool({ name: 'add_memory', arguments: { content: 'My sister Ana lives in Madrid' } });
      const found = (await client.callTool({
        name: 'search_memory',
        arguments: { query: 'where does my sister live' },
      })) as CallToolResult;
      const results = (found.structuredContent as { results: Array<{ memory: { text: string } }> }).results;
      expect(results.map((result) => result.memory.text)).toEqual(['My sister Ana lives in Madrid']);
    } finally {
      await client.close();
    }
    // The child closed its store cleanly; what it wrote is there for the next process, in its tenant.
    const memory = await createMemory({ store: dbPath });
    try {
      const page = await memory.list({ tenantId: 'acme', userId: 'alice' });
      expect(page.items.map((item) => item.text)).toEqual(['My sister Ana lives in Madrid']);
    } finally {
      await memory.close();
    }
  });

  it('acts as `mcp --agent`: reads the space it was granted, cannot write it nor act as another agent', async () => {
    const dbPath = path.join(directory, 'shared.db');
    const seeded = await createMemory({ store: dbPath });
    try {
      await seeded.spaces.create({ tenantId: 't1', name: 'research' });
      await seeded.grants.grant({
        tenantId: 't1',
        principal: { type: 'agent', id: 'reader' },
        target: { type: 'space', id: 'research' },
        role: 'read',
      });
      await seeded.add('The assay runs at 37 degrees', { tenantId: 't1', spaceId: 'research', kind: 'fact' });
    } finally {
      await seeded.close();
    }
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        '--input-type=module',
        '--eval',
        cliScript(),
        'mcp',
        '--db',
        dbPath,
        '--tenant',
        't1',
        '--agent',
        'reader',
      ],
      cwd: root,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'mnemo-stdio-agent-test', version: '1.0.0' });
    await client.connect(transport);
    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as CallToolResult;
    const codeOf = (result: CallToolResult) =>
      (result.structuredContent as { error?: { code?: string } } | undefined)?.error?.code;
    try {
      const found = await call('search_memory', { query: 'assay temperature', spaceId: 'research' });
      const results = (found.structuredContent as { results: Array<{ memory: { text: string } }> }).results;
      expect(results.map((result) => result.memory.text)).toEqual(['The assay runs at 37 degrees']);
      expect(codeOf(await call('add_memory', { content: 'x', kind: 'fact', spaceId: 'research' }))).toBe(
        'FORBIDDEN',
      );
      expect(codeOf(await call('list_memories', { agentId: 'writer' }))).toBe('FORBIDDEN');
    } finally {
      await client.close();
    }
  });

  it('answers on its output stream and returns when its input ends', async () => {
    const memory = await createMemory({ store: path.join(directory, 'in-process.db') });
    const input = new PassThrough();
    const output = new PassThrough();
    const lines: string[] = [];
    output.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    try {
      const running = runMcpStdio({ memory, tenantId: 'acme', defaultUserId: 'alice', input, output });
      const initialize = {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      };
      input.write(`${JSON.stringify(initialize)}\n`);
      await expect.poll(() => lines.length).toBeGreaterThan(0);
      const answer = JSON.parse(lines[0] ?? '{}') as {
        id: number;
        result?: { serverInfo?: { name?: string } };
      };
      expect(answer.id).toBe(1);
      expect(answer.result?.serverInfo?.name).toBe('mnemo');
      input.end();
      await expect(running).resolves.toBeUndefined();
    } finally {
      await memory.close();
    }
  });
});
