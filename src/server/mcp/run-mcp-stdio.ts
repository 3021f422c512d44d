// runMcpStdio(): serves Mnemo's MCP tools over stdin/stdout until the client hangs up.
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMnemoMcpServer } from './create-mnemo-mcp-server.js';
import type { McpMemory } from './mcp-tool.js';

export interface RunMcpStdioOptions {
  memory: McpMemory;
  /** The tenant every call is confined to (default `default`). */
  tenantId?: string | undefined;
  /** The user a call acts for when it names none. */
  defaultUserId?: string | undefined;
  /** Default `process.stdin`. */
  input?: Readable | undefined;
  /** Default `process.stdout`; nothing else may write to it while the server runs. */
  output?: Writable | undefined;
  /** Stops the server when aborted (e.g. on SIGTERM). */
  signal?: AbortSignal | undefined;
  /** Called with every failure a client only sees as INTERNAL, e.g. to log it to stderr. */
  onInternalError?: ((error: unknown) => void) | undefined;
}

/**
 * Runs the MCP server on stdio and resolves once the client closes stdin (or the transport closes).
 * The caller owns `memory` and closes it afterwards.
 *
 * @example
 * const memory = await createMemory({ store: './agent.db' });
 * await runMcpStdio({ memory, tenantId: 'default', defaultUserId: 'me' });
 * await memory.close();
 */
export async function runMcpStdio(options: RunMcpStdioOptions): Promise<void> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const server = createMnemoMcpServer({
    memory: options.memory,
    scope: { tenantId: options.tenantId ?? 'default' },
    defaultUserId: options.defaultUserId,
    onInternalError: options.onInternalError,
  });
  const transport = new StdioServerTransport(input, output);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  // The SDK transport does not watch for the end of input; a client that exits ends our stdin.
  let hungUp = false;
  const hangUp = () => {
    if (hungUp) return;
    hungUp = true;
    void transport.close();
  };
  input.once('end', hangUp);
  input.once('close', hangUp);
  if (options.signal?.aborted === true) hangUp();
  options.signal?.addEventListener('abort', hangUp, { once: true });
  await server.connect(transport);
  await closed;
  options.signal?.removeEventListener('abort', hangUp);
  input.off('end', hangUp);
  input.off('close', hangUp);
  await server.close();
}
